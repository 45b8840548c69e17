// One SSH connection per host, shared by every ssh the daemon runs to it (OpenSSH's ControlMaster).
// A job's start on an SSH host takes several connections (the check, the helper's copy, the input's,
// the launch, the follower): each new one pays the TCP and key exchange, 0.3-1 s on a loaded machine,
// and a sweep pays it for every trial. Multiplexed over a master connection, each is a new channel
// (about 0.1 s). The master is started by the first ssh (ControlMaster=auto: if two race, the loser
// just connects on its own), lives while any session uses it (a job's follower) and PERSIST_S after,
// and the daemon closes the ones it used when it exits (closeSharedSsh). Its socket is in the daemon's
// runtime folder (private to the user); a target opts out with `share_connection = false` (a host
// whose sshd refuses sessions over one connection: MaxSessions).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runtimeDir } from '../runtime/runtimeFile.js';

/** How long an idle master outlives its last session (s): the gap between two trials' starts is shorter. */
const PERSIST_S = 15;
/**
 * A unix socket's path may not pass 107 bytes, and ssh first binds the socket under a temporary name:
 * ControlPath plus "." and 16 random characters. The socket's name is NAME_LENGTH hex characters.
 */
const NAME_LENGTH = 20;
const SOCKET_DIR_MAX = 107 - 17 - 1 - NAME_LENGTH;

/** The folder of the daemon's master sockets: in its runtime folder, or a short one of its own in /tmp. */
export function sharedSocketDir(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = runtimeDir(env);
  const inRuntime = path.join(runtime, 'ssh');
  if (Buffer.byteLength(inRuntime) <= SOCKET_DIR_MAX) return inRuntime;
  // A deep runtime folder (a test's): one per runtime folder, so two daemons never share a master.
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return path.join(os.tmpdir(), `runlane-ssh-${uid}-${createHash('sha256').update(runtime).digest('hex').slice(0, 10)}`);
}

const used = new Map<string, string[]>(); // destination + args -> the ssh arguments that reach its master

/**
 * The ssh options that share one connection among the ssh runs of one target (the folder is made
 * private on first use). The socket is named after everything that decides the connection (`args`:
 * the config file, port, identity; the destination), not OpenSSH's %C (host, port and user only): two
 * targets naming one host with other known_hosts or keys must never ride on each other's connection,
 * which would skip their own host key check.
 */
export function sharedConnectionArgs(args: string[], destination: string): string[] {
  const dir = sharedSocketDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const name = createHash('sha256').update(JSON.stringify([args, destination])).digest('hex').slice(0, NAME_LENGTH);
  return ['-o', 'ControlMaster=auto', '-o', `ControlPath=${path.join(dir, name)}`, '-o', `ControlPersist=${PERSIST_S}`];
}

/** Notes that the daemon used a shared connection to `destination` with `args` (for closeSharedSsh). */
export function noteSharedUse(args: string[], destination: string): void {
  if (args.includes('ControlMaster=auto')) used.set(`${destination}\0${args.join('\0')}`, [...args, destination]);
}

/** Closes the masters this daemon used (`ssh -O exit`), waiting at most a second for them: it is exiting. */
export async function closeSharedSsh(): Promise<void> {
  const exits = [...used.values()].map((argv) => new Promise<void>((resolve) => {
    const child = spawn('ssh', ['-O', 'exit', ...argv], { stdio: 'ignore' });
    const timer = setTimeout(() => { child.kill('SIGKILL'); resolve(); }, 1000);
    timer.unref();
    child.on('close', () => { clearTimeout(timer); resolve(); });
    child.on('error', () => { clearTimeout(timer); resolve(); });
  }));
  used.clear();
  await Promise.all(exits);
}
