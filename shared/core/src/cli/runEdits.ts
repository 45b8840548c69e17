// `runlane note RUN TEXT` and `runlane restore RUN`: edits through the daemon, as the editors make
// them, so an open sidebar or details view shows the change at once.
import { DaemonClient } from '../client/daemonClient.js';

/** Sets the run's note ("" clears it); prints what the run's note is now. */
export async function note(storeDir: string, id: string, text: string): Promise<number> {
  const client = await DaemonClient.connect({ store: storeDir });
  const run = await client.updateRun(id, { note: text === '' ? null : text });
  process.stdout.write(run.note === undefined ? `Cleared the note of ${id}.\n` : `Noted on ${id}.\n`);
  return 0;
}

/** Brings a deleted run back from the store's trash. */
export async function restore(storeDir: string, id: string): Promise<number> {
  const client = await DaemonClient.connect({ store: storeDir });
  const run = await client.restoreRun(id);
  process.stdout.write(`Restored ${id} ("${run.name}", ${run.experiment}) from the trash.\n`);
  return 0;
}
