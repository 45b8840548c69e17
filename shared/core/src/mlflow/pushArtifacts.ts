// A run's files as MLflow artifacts, through the tracking server's artifact proxy (`mlflow server`
// serves artifacts by default: a run created over REST gets an artifact URI `mlflow-artifacts:/...`,
// uploaded to with PUT /api/2.0/mlflow-artifacts/artifacts/<path>). Each file is uploaded once per
// change: the journal keeps the size and mtime it was uploaded at.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { listArtifacts } from '../store/index.js';
import type { MlflowHttp } from './http.js';
import type { RunFacts } from './pushMapping.js';
import { writeJournal, type SyncJournal } from './syncJournal.js';

/** Where Runlane's own files of a run go on the server, beside the run's artifacts. */
export const RUNLANE_ARTIFACTS = 'runlane';

interface Upload {
  /** Path under the run's artifact root. */
  to: string;
  /** A local file, or bytes made here (params.json). */
  file?: string;
  bytes?: Buffer;
}

/** The proxy path of a run's artifact root, or null when the server does not proxy artifacts. */
export function proxyRoot(artifactUri: string | undefined): string | null {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/+(.*)$/.exec(artifactUri ?? '');
  return m ? m[1]!.replace(/\/+$/, '') : null;
}

async function logFiles(runDir: string): Promise<Upload[]> {
  const out: Upload[] = [];
  const logs = path.join(runDir, 'logs');
  for (const writer of await fs.readdir(logs).catch(() => [] as string[])) {
    for (const name of await fs.readdir(path.join(logs, writer)).catch(() => [] as string[])) {
      if (name.endsWith('.log') && !name.includes('.tmp-')) out.push({ to: `${RUNLANE_ARTIFACTS}/logs/${writer}/${name}`, file: path.join(logs, writer, name) });
    }
  }
  return out;
}

async function uploads(facts: RunFacts & { runDir: string }): Promise<Upload[]> {
  const { runDir, summary } = facts;
  const out: Upload[] = [];
  for (const [name, to] of [['source.py', 'source.py'], ['env.json', 'env.json'], ['job.json', 'job.json']] as const) {
    if (await fs.stat(path.join(runDir, name)).catch(() => null)) out.push({ to: `${RUNLANE_ARTIFACTS}/${to}`, file: path.join(runDir, name) });
  }
  // Every param whole: MLflow cuts values at 6,000 characters and keeps only the first value of each.
  if (Object.keys(summary.params).length > 0) out.push({ to: `${RUNLANE_ARTIFACTS}/params.json`, bytes: Buffer.from(JSON.stringify(summary.params, null, 1)) });
  out.push(...(await logFiles(runDir)));
  const storeDir = path.dirname(path.dirname(runDir));
  for (const a of await listArtifacts(storeDir, summary.id).catch(() => [])) out.push({ to: a.path, file: path.join(runDir, 'artifacts', ...a.path.split('/')) });
  return out;
}

function encodePath(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/');
}

/**
 * Uploads what changed since the journal's last upload. A server that does not proxy artifacts (its
 * artifact root is s3://, a shared folder...) gets none: a tag says so, the push goes on.
 */
export async function pushArtifacts(http: MlflowHttp, artifactUri: string | undefined, facts: RunFacts & { runDir: string }, journal: SyncJournal, runDir: string): Promise<void> {
  const root = proxyRoot(artifactUri);
  if (root === null) return;
  for (const u of await uploads(facts)) {
    let mark: string;
    let bytes: Buffer;
    if (u.bytes) {
      bytes = u.bytes;
      mark = `sha256:${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`;
    } else {
      const st = await fs.stat(u.file!).catch(() => null);
      if (!st) continue; // gone since it was listed
      mark = `${st.size}:${Math.round(st.mtimeMs)}`;
      if (journal.artifacts[u.to] === mark) continue;
      bytes = await fs.readFile(u.file!);
    }
    if (journal.artifacts[u.to] === mark) continue;
    await http.put(`/api/2.0/mlflow-artifacts/artifacts/${encodePath(`${root}/${u.to}`)}`, bytes);
    journal.artifacts[u.to] = mark;
    await writeJournal(runDir, journal);
  }
}
