// The `runlane` CLI's main() run in the test's process with its output captured: quicker than the
// built executable, and it tests the sources as they are now (the CLI's own suite runs bin/runlane.js).
import { vi } from 'vitest';
import { main } from '../../shared/core/src/cli/main.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs `runlane ARGS...` with `env` laid over process.env for the call (undefined removes a variable). */
export async function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  let out = '';
  let err = '';
  const capture = (append: (text: string) => void) => (chunk: string | Uint8Array, ...rest: unknown[]) => {
    append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  };
  const o = vi.spyOn(process.stdout, 'write').mockImplementation(capture((t) => (out += t)));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation(capture((t) => (err += t)));
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return { code: await main(args), out, err };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    o.mockRestore();
    e.mockRestore();
  }
}
