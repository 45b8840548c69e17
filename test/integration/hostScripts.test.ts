// What the set-up and benchmark scripts leave and say: setup installs the engines with a
// policy-rc.d that it removes again (unless the host had one), and a benchmark that dies says why.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function bash(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return run('bash', ['-c', `exec 2>&1; ${script}`], { cwd: root, env, timeout: 60_000 }).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code?: number; stdout?: string }) => ({ code: e.code ?? -1, out: e.stdout ?? '' }),
  );
}

/** A folder of links to every command on PATH but `hidden`, for a PATH that lacks them. */
function pathWithout(dir: string, hidden: string[]): void {
  for (const from of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const names = existsSync(from) ? readdirSync(from) : [];
    for (const name of names.filter((n) => !hidden.includes(n))) {
      try {
        symlinkSync(path.join(from, name), path.join(dir, name));
      } catch {
        // an earlier folder of PATH had this name: it wins, as it would on PATH
      }
    }
  }
}

function script(file: string, body: string): void {
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
}

describe('scripts/setup-test-engines.sh on Debian as root, without Slurm', () => {
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  let policy: string;

  // apt-get is the seam: a stand-in records what it was asked and whether policy-rc.d was there.
  beforeEach(() => {
    tmp = makeTempDir('setup');
    const bin = path.join(tmp, 'bin');
    policy = path.join(tmp, 'policy-rc.d');
    const log = path.join(tmp, 'apt.log');
    writeFileSync(log, '');
    mkdirSync(bin);
    script(path.join(bin, 'apt-get'), `echo "apt-get $* policy=$(cat "${policy}" 2>/dev/null | tail -1)" >> "${log}"; exit "\${APT_STATUS:-0}"`);
    script(path.join(bin, 'id'), 'echo 0');
    pathWithout(bin, ['sbatch']);
    env = { ...process.env, PATH: bin, RUNLANE_POLICY_RC_D: policy, RUNLANE_SKIP_SYSTEM_PACKAGES: '' };
  });
  afterEach(() => removeTempDir(tmp));
  const aptLog = () => readFileSync(path.join(tmp, 'apt.log'), 'utf8');

  it('installs slurm-wlm with services kept from starting, and removes the policy-rc.d it wrote', async () => {
    const { code, out } = await bash('bash scripts/setup-test-engines.sh', env);
    expect(out).toContain('installing Debian packages for the tests: slurm-wlm');
    expect(aptLog()).toMatch(/apt-get install .*slurm-wlm policy=exit 101/);
    expect(existsSync(policy)).toBe(false);
    expect(code).toBe(0);
  });

  it("keeps the host's own policy-rc.d as it was", async () => {
    writeFileSync(policy, '#!/bin/sh\nexit 0\n');
    expect((await bash('bash scripts/setup-test-engines.sh', env)).code).toBe(0);
    expect(aptLog()).toMatch(/apt-get install .*policy=exit 0/);
    expect(readFileSync(policy, 'utf8')).toBe('#!/bin/sh\nexit 0\n');
  });

  it('removes it after a failed install too, and fails saying what it could not install', async () => {
    const { code, out } = await bash('bash scripts/setup-test-engines.sh', { ...env, APT_STATUS: '100' });
    expect(out).toContain('setup: apt-get could not install: slurm-wlm (above).');
    expect(existsSync(policy)).toBe(false);
    expect(code).toBe(1);
  });
});

describe('scripts/bench-run.sh', () => {
  it('shows the stderr of a quiet benchmark that died, runs the next one, and fails at the end', async () => {
    const dying = `python3 -c 'import sys; print("table so far"); sys.stderr.write("noise\\nTraceback: MemoryError in the anchor\\n"); sys.exit(3)'`;
    const { code, out } = await bash(`source scripts/bench-run.sh; bench_run "log call cost" . --quiet ${dying}; bench_run "next" . echo ran; bench_summary`, process.env);
    expect(out).toContain('table so far');
    expect(out).toContain('bench: "log call cost" failed (exit status 3).');
    expect(out).toContain('Traceback: MemoryError in the anchor');
    expect(out).toContain('ran');
    expect(out.trimEnd().split('\n').at(-1)).toBe('FAILED: log call cost (exit status 3)');
    expect(code).toBe(1);
  });

  it('keeps a quiet benchmark that works quiet', async () => {
    const { code, out } = await bash(`source scripts/bench-run.sh; bench_run "fine" . --quiet sh -c 'echo table; echo warning >&2'; bench_summary`, process.env);
    expect(out).toBe('== fine\ntable\n');
    expect(code).toBe(0);
  });
});

describe('scripts/check-clean.sh (run by .ci/run after npm start and npm test)', () => {
  it('passes on a clean clone, and lists what a command changed or left, but not what git ignores', async () => {
    const repo = makeTempDir('clean');
    try {
      const check = `cd '${repo}' && bash '${path.join(root, 'scripts/check-clean.sh')}' "npm test"`;
      await bash(`cd '${repo}' && git init -q && printf 'x\\n' > kept.txt && printf 'ignored/\\n' > .gitignore && git add . && git -c user.name=t -c user.email=t@t commit -qm init`, process.env);
      expect(await bash(check, process.env)).toEqual({ code: 0, out: '' });
      mkdirSync(path.join(repo, 'ignored'));
      writeFileSync(path.join(repo, 'ignored', 'build.log'), 'x');
      expect((await bash(check, process.env)).code).toBe(0);
      writeFileSync(path.join(repo, 'kept.txt'), 'changed');
      writeFileSync(path.join(repo, 'left.png'), 'x');
      const { code, out } = await bash(check, process.env);
      expect(out).toBe('FAILED: npm test left the clone changed (stop writing these, or add them to .gitignore):\n   M kept.txt\n  ?? left.png\n');
      expect(code).toBe(1);
    } finally {
      removeTempDir(repo);
    }
  });
});

describe('the scripts npm start, npm test and npm run bench run', () => {
  // macOS has BSD tools and bash 3.2: a GNU-only command or a bash 4 feature stops setup there.
  const gnuOnly: [RegExp, string][] = [
    [/\bsha256sum\b/, 'sha256sum (macOS has shasum; the scripts hash with python3)'],
    [/\breadlink -f\b/, 'readlink -f'],
    [/\bsed -i\s+['"s]/, 'sed -i without a suffix argument'],
    [/\bstat -c\b/, 'stat -c'],
    [/\bdate -d\b/, 'date -d'],
    [/(^|[;&|(]\s*)(timeout|nproc|setsid)\s/m, 'timeout, nproc or setsid'],
    [/\b(mapfile|readarray)\b|declare -A|\$\{\w+(,,|\^\^)\}/, 'a bash 4 feature'],
  ];
  // Linux-only by design: code-server's Node is linux-x64 (setup.sh runs it only there).
  const linuxOnly = new Set(['setup-code-server.sh']);

  it('use no GNU-only command and no bash 4 feature, so they run on macOS', () => {
    const found: string[] = [];
    for (const name of readdirSync(path.join(root, 'scripts')).filter((n) => n.endsWith('.sh') && !linuxOnly.has(n))) {
      // What runs, not what comments say (a comment may name the GNU tool it avoids).
      const text = readFileSync(path.join(root, 'scripts', name), 'utf8').replace(/(^|\s)#.*$/gm, '$1');
      for (const [pattern, what] of gnuOnly) if (pattern.test(text)) found.push(`scripts/${name}: ${what}`);
    }
    expect(found).toEqual([]);
  });
});
