import { matchesSearch, type RunSummary } from '@runlane/protocol';
import { expect, it } from 'vitest';
import { parseTagInput, TAG_PLACEHOLDER } from './tagInput.js';

it('reads space-separated tags: names, name=value, quoted values, -name removes', () => {
  expect(parseTagInput('best lr=high')).toEqual({ tags: { best: '', lr: 'high' } });
  expect(parseTagInput('  note="two words"   #keep -old ')).toEqual({ tags: { note: 'two words', keep: '', old: null } });
});

it('reads a list typed with commas as separate tags; a quoted comma stays in its value', () => {
  expect(parseTagInput('a, b c')).toEqual({ tags: { a: '', b: '', c: '' } });
  expect(parseTagInput('best,lr=high,')).toEqual({ tags: { best: '', lr: 'high' } });
  expect(parseTagInput('layers="64, 64" -old')).toEqual({ tags: { layers: '64, 64', old: null } });
});

it('a single tag reads as the JupyterLab prompt read it: name, name=value, -name', () => {
  expect(parseTagInput('best')).toEqual({ tags: { best: '' } });
  expect(parseTagInput('lr=0.1')).toEqual({ tags: { lr: '0.1' } });
  expect(parseTagInput('-best')).toEqual({ tags: { best: null } });
});

it('a tag the prompt made is found by the filter words tag:NAME and name=value', () => {
  const parsed = parseTagInput('best lr=high');
  if (!('tags' in parsed)) throw new Error(parsed.error);
  const run = { id: 'r1', name: 'sgd', experiment: 'e', params: {}, tags: parsed.tags, status: 'finished' } as unknown as RunSummary;
  expect(matchesSearch(run, 'tag:best')).toBe(true);
  expect(matchesSearch(run, 'lr=high')).toBe(true);
});

it('refuses what cannot be a tag with a sentence saying what to write', () => {
  const error = (text: string) => (parseTagInput(text) as { error: string }).error;
  expect(error('"best lr"=high')).toMatch(/one word.*best_lr/);
  expect(error('=high')).toMatch(/no tag name/);
  expect(error('note="open')).toMatch(/quote is not closed/);
  expect(error('-lr=high')).toMatch(/write just -lr/);
  expect(error('a:b')).toMatch(/cannot contain/);
  expect(error('   ')).toMatch(/Type a tag/);
  expect(error(' , ')).toMatch(/Type a tag/);
});

it('the placeholder says how tags are separated (the VS Code e2e reads "space-separated")', () => {
  expect(TAG_PLACEHOLDER).toContain('space-separated');
  expect(TAG_PLACEHOLDER).toContain('commas');
});
