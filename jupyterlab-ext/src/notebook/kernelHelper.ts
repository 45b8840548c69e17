// Talks to the kernel helper in the notebook's kernel: loads it (once per kernel start) and sets the
// automatic tracking mode, silently (nothing shows in any cell).
import type { ISessionContext } from '@jupyterlab/apputils';

export type AutoMode = 'off' | 'tagged' | 'all';

async function runSilently(session: ISessionContext, code: string): Promise<void> {
  const kernel = session.session?.kernel;
  if (!kernel) return;
  const future = kernel.requestExecute({ code, silent: true, store_history: false, allow_stdin: false, stop_on_error: false });
  const reply = await future.done;
  if (reply.content.status === 'error') {
    const { ename, evalue } = reply.content as { ename: string; evalue: string };
    throw new Error(`${ename}: ${evalue}`);
  }
}

/** Loads the helper in the kernel (a no-op when it is already loaded). */
export function loadHelper(session: ISessionContext): Promise<void> {
  return runSilently(session, "get_ipython().extension_manager.load_extension('runlane')");
}

/** One request, so that it is queued in the kernel before any cell the user runs right after. */
export function setAutoTracking(session: ISessionContext, mode: AutoMode, threshold: number): Promise<void> {
  const args = mode === 'all' ? `auto all --threshold ${threshold}` : `auto ${mode}`;
  return runSilently(session, `get_ipython().extension_manager.load_extension('runlane')\nget_ipython().run_line_magic('runlane', ${JSON.stringify(args)})`);
}
