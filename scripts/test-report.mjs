#!/usr/bin/env node
// The lines scripts/test.sh prints at the end of `npm test`, from the runners' reports: one per failed
// test (its file, its name, the first line of its error) and one per flaky test (failed, then passed on
// its retry). CI shows only the tail of the output, so this is where a failure must be named.
// Usage: node scripts/test-report.mjs REPORT_DIR
//   REPORT_DIR holds vitest-*.json (vitest's JSON reporter), pytest-*.xml (JUnit XML) and
//   pytest-*.flaky (node ids that passed on a pytest rerun, one per line: test/suites/runlane_test_suites.py).
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const dir = process.argv[2];
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const failed = [];
const flaky = [];

const firstLine = (message) => (message ?? '').split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 300) ?? '';
const relative = (file) => path.relative(root, file);

function readVitest(file) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return; // no report: test.sh already counts the runner's failure
  }
  for (const result of report.testResults ?? []) {
    const name = relative(result.name);
    // A file that failed to load (or an error outside any test) has no assertion that failed.
    if (result.status === 'failed' && !(result.assertionResults ?? []).some((a) => a.status === 'failed')) {
      failed.push(`${name}: ${firstLine(result.message) || 'the file failed outside its tests'}`);
    }
    for (const test of result.assertionResults ?? []) {
      const messages = test.failureMessages ?? [];
      if (test.status === 'failed') failed.push(`${name} > ${test.fullName}: ${firstLine(messages.at(-1))}`);
      // vitest keeps the errors of earlier attempts on a test that passed on a retry.
      else if (test.status === 'passed' && messages.length > 0) flaky.push(`${name} > ${test.fullName}: ${firstLine(messages[0])}`);
    }
  }
}

function decode(text) {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

// JUnit XML as pytest writes it: <testcase classname=".." name=".."> with a <failure message=".."> or
// <error message=".."> child when it failed. A few attributes are all that is read, so no XML library.
function readPytest(file) {
  let xml;
  try {
    xml = readFileSync(file, 'utf8');
  } catch {
    return;
  }
  const testcase = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const match of xml.matchAll(testcase)) {
    const body = match[3] ?? '';
    const problem = /<(failure|error)\b[^>]*?message="([^"]*)"/.exec(body);
    if (!problem) continue;
    const attr = (key) => decode(new RegExp(`\\b${key}="([^"]*)"`).exec(match[1])?.[1] ?? '');
    failed.push(`${attr('classname')}::${attr('name')}: ${firstLine(decode(problem[2]))}`);
  }
}

function readFlaky(file) {
  const text = readFileSync(file, 'utf8');
  for (const line of new Set(text.split('\n').filter(Boolean))) flaky.push(`${line}: failed, then passed on its rerun`);
}

for (const name of readdirSync(dir).sort()) {
  const file = path.join(dir, name);
  if (/^vitest-.*\.json$/.test(name)) readVitest(file);
  else if (/^pytest-.*\.xml$/.test(name)) readPytest(file);
  else if (/^pytest-.*\.flaky$/.test(name)) readFlaky(file);
}
for (const line of failed) console.log(`FAILED TEST: ${line}`);
for (const line of flaky) console.log(`FLAKY (passed on its retry): ${line}`);
