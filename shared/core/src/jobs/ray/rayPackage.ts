// The job's package for Ray: the Jobs REST API takes no local folder, so the daemon zips what the
// workers need and uploads it (PUT /api/packages/gcs/_ray_pkg_<hash>.zip), and the job runs with
// working_dir "gcs://_ray_pkg_<hash>.zip". The package holds the helper (runlane/, so
// `python -m runlane.ray_driver` and the workers' `import runlane` work on a cluster that has no
// Runlane installed), spec.json (what the driver runs: ray-contract R2), the run's meta.json (so the
// helper on the cluster joins the job's run instead of creating one) and the job's input/.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StoreError } from '../../store/index.js';
import { zip, type ZipEntry } from './zip.js';

/** Ray's dashboard takes request bodies up to 100 MiB (ANCHORS "Ray"). */
export const MAX_PACKAGE_BYTES = 100 * 1024 * 1024;
const MAX_ENTRIES = 65_535; // no zip64 here

/** What the driver on the cluster is told (ray-contract R2). */
export interface RaySpec {
  run_id: string;
  workers: number;
  gpus_per_worker: number;
  cpus_per_worker: number;
  /** A script job's argv; null for a cell job. */
  command: string[] | null;
  /** A cell job: where its input is in the package ({"input": "input"}); null for a script job. */
  cell: { input: string } | null;
  /** Where the workers start, relative to the package (null: the driver's default). */
  cwd: string | null;
  env: Record<string, string>;
  output_limit_bytes: number;
}

/** Every regular file under `dir` as archive entries under `prefix` (links and caches left out). */
async function filesUnder(dir: string, prefix: string, skip: (name: string) => boolean, out: ZipEntry[]): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (skip(entry.name)) continue;
    const full = path.join(dir, entry.name);
    const name = `${prefix}/${entry.name}`;
    if (entry.isDirectory()) await filesUnder(full, name, skip, out);
    else if (entry.isFile()) out.push({ name, data: await fs.readFile(full) });
  }
}

const helperSkip = (name: string) => name === '__pycache__' || name === '_node' || name.endsWith('.pyc');

/** The package's name on the cluster and its bytes; throws a sentence when it is too big to send. */
export async function buildRayPackage(helperDir: string, spec: RaySpec, metaJson: Buffer, inputDir: string | undefined): Promise<{ name: string; zip: Buffer }> {
  const entries: ZipEntry[] = [
    { name: 'spec.json', data: Buffer.from(`${JSON.stringify(spec)}\n`) },
    { name: 'meta.json', data: metaJson },
  ];
  await filesUnder(helperDir, 'runlane', helperSkip, entries);
  if (inputDir) await filesUnder(inputDir, 'input', () => false, entries);
  if (entries.length > MAX_ENTRIES) throw new StoreError('bad_query', `The job's input has ${entries.length} files; a Ray package holds at most ${MAX_ENTRIES}: put them in an archive, or on storage the cluster reads.`);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const bytes = zip(entries);
  if (bytes.length > MAX_PACKAGE_BYTES) {
    throw new StoreError('bad_query', `The job's package is ${(bytes.length / 2 ** 20).toFixed(0)} MiB zipped; Ray's dashboard takes at most 100 MiB: pass big data through storage the cluster reads (a path or a URL), not --with or the input folder.`);
  }
  return { name: `_ray_pkg_runlane_${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}.zip`, zip: bytes };
}
