// A Ray target as runlane.toml declares it:
//
//   [targets.ray]
//   kind = "ray"
//   address = "http://head:8265"       # the cluster's Jobs API (the dashboard)
//   python = "/opt/venv/bin/python"    # the interpreter on the cluster (the job's PATH is the cluster's)
//   token_env = "RAY_TOKEN"            # optional: the variable holding a token (Authorization: Bearer)
//   env_vars = { HF_HOME = "/data" }   # optional: more variables for every worker
//   cpus = 1                           # optional: CPUs per worker (default 1)
//   gpus = 0                           # optional: GPUs per worker when a job asks for none (default 0)
//
// The token itself never goes into the file (it would end up in git): only the variable's name.
import { StoreError } from '../../store/index.js';
import type { TargetConfig } from '../../targets/targetsFile.js';

export interface RayTarget {
  name: string;
  /** The Jobs API's base URL, without a trailing slash. */
  address: string;
  python: string;
  /** The Authorization header's value, when the target names a token variable. */
  authorization?: string;
  tokenEnv?: string;
  envVars: Record<string, string>;
  cpus: number;
  gpus: number;
}

const bad = (target: TargetConfig, message: string) => new StoreError('bad_query', `Target "${target.name}" (ray): ${message}`);

function count(target: TargetConfig, name: string, fallback: number): number {
  const v = target.options[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw bad(target, `${name} (per worker) must be a number, 0 or more, like ${name} = 1.`);
  return v;
}

function text(target: TargetConfig, name: string): string | undefined {
  const v = target.options[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw bad(target, `${name} must be text, like ${name} = "...".`);
  return v;
}

/** The target's settings, checked; the token is read from its variable now (so a changed one is seen). */
export function rayTarget(target: TargetConfig, env: NodeJS.ProcessEnv = process.env): RayTarget {
  const raw = text(target, 'address');
  if (!raw) throw bad(target, 'needs address = "http://HEAD:8265" (the address of the cluster\'s dashboard, which serves the Jobs API).');
  let url: URL;
  try {
    url = new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch {
    throw bad(target, `address ${JSON.stringify(raw)} is not a URL; write it as "http://HEAD:8265".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(target, `address must start with http:// or https:// (the dashboard's address), not ${url.protocol}//.`);
  const python = text(target, 'python');
  if (!python) throw bad(target, 'needs python = "/path/to/python" (the interpreter on the cluster, named absolutely: a Ray job runs with the cluster\'s PATH).');
  const tokenEnv = text(target, 'token_env');
  let authorization: string | undefined;
  if (tokenEnv !== undefined) {
    const token = env[tokenEnv];
    if (!token) throw bad(target, `token_env names ${tokenEnv}, which is not set in the Runlane daemon's environment; set it (export ${tokenEnv}=...) where the editor or the runlane command that starts the daemon runs; an idle daemon exits and the next one reads it.`);
    authorization = `Bearer ${token}`;
  }
  const envVars = target.options.env_vars ?? {};
  if (typeof envVars !== 'object' || envVars === null || Array.isArray(envVars) || !Object.values(envVars).every((v) => typeof v === 'string')) {
    throw bad(target, 'env_vars must be a table of name = "text", like env_vars = { HF_HOME = "/data" }.');
  }
  return {
    name: target.name,
    address: url.href.replace(/\/+$/, ''),
    python,
    ...(authorization ? { authorization, tokenEnv } : {}),
    envVars: envVars as Record<string, string>,
    cpus: count(target, 'cpus', 1),
    gpus: count(target, 'gpus', 0),
  };
}
