// Team stores in VS Code: the MLflow servers the Runs view shows (runlane.mlflowStores, and the stores
// runlane.toml declares, asked of the daemon's GET /stores), "Add MLflow Server…" (the view's title
// bar, the palette), "Remove from Runs View" on a server's group, and "Push to Team Store…" in a local
// run's menu. Credentials are never asked for or stored: the daemon reads MLFLOW_TRACKING_* from its
// environment, and a 401 comes back as its sentence naming them.
import * as vscode from 'vscode';
import { mlflowHost, MLFLOW_URI_PROMPT, parseMlflowUri, pushDestination, type DeclaredStore } from '@runlane/ui';
import type { DaemonClient } from '@runlane/core';
import type { RunSummary } from '@runlane/protocol';
import type { RunlaneService } from '../service';

export const MLFLOW_SETTING = 'mlflowStores';

/** The servers of the setting, as typed there (bad entries are said once, in the log). */
export function settingServers(log: (line: string) => void): { uri: string; reason: string }[] {
  const typed = vscode.workspace.getConfiguration('runlane').get<unknown[]>(MLFLOW_SETTING, []);
  return (Array.isArray(typed) ? typed : []).flatMap((entry) => {
    const parsed = parseMlflowUri(String(entry));
    if ('error' in parsed) {
      log(`Runlane: runlane.mlflowStores has “${String(entry)}”, which is left out: ${parsed.error}`);
      return [];
    }
    return [{ uri: parsed.uri, reason: 'mlflowStores setting' }];
  });
}

/** The MLflow stores runlane.toml declares beside the primary store; none from a daemon without GET /stores. */
export async function declaredServers(client: DaemonClient): Promise<DeclaredStore[]> {
  try {
    return (await client.request<DeclaredStore[]>('/stores')).filter((s) => s.kind === 'mlflow' && 'uri' in parseMlflowUri(s.uri));
  } catch (err) {
    if ((err as { status?: number }).status === 404) return [];
    throw err;
  }
}

/** "Add MLflow Server…": asks for the URI (checked as typed), then keeps it in the workspace's setting. */
export async function addMlflowServer(): Promise<string | undefined> {
  const typed = await vscode.window.showInputBox({
    title: 'Add MLflow Server',
    prompt: MLFLOW_URI_PROMPT,
    placeHolder: 'http://127.0.0.1:5000',
    validateInput: (text) => (text.trim() ? (parseMlflowUri(text) as { error?: string }).error ?? null : null),
  });
  if (!typed?.trim()) return undefined;
  const parsed = parseMlflowUri(typed);
  if ('error' in parsed) throw new Error(parsed.error);
  const config = vscode.workspace.getConfiguration('runlane');
  const list = config.get<string[]>(MLFLOW_SETTING, []);
  if (!list.includes(parsed.uri)) await config.update(MLFLOW_SETTING, [...list, parsed.uri], vscode.workspace.workspaceFolders ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
  return parsed.uri;
}

/** Removes a server from the setting (a declared one stays: runlane.toml declares it). */
export async function removeMlflowServer(uri: string): Promise<boolean> {
  const config = vscode.workspace.getConfiguration('runlane');
  const list = config.get<string[]>(MLFLOW_SETTING, []);
  const kept = list.filter((entry) => {
    const parsed = parseMlflowUri(entry);
    return !('uri' in parsed && parsed.uri === uri);
  });
  if (kept.length === list.length) return false;
  const inspected = config.inspect<string[]>(MLFLOW_SETTING);
  const target = inspected?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await config.update(MLFLOW_SETTING, kept, target);
  return true;
}

/**
 * Where "Push to Team Store" sends runs: the one declared store without asking; else a pick of the
 * declared stores and the servers shown, or a URI typed. Undefined when the user cancels.
 */
export async function pickPushDestination(declared: DeclaredStore[], shown: string[]): Promise<string | undefined> {
  const only = pushDestination(declared);
  if (only) return only;
  const items: (vscode.QuickPickItem & { to: string | null })[] = [
    ...declared.map((d) => ({ label: d.name, description: `${mlflowHost(d.uri)} · runlane.toml`, to: d.name })),
    ...shown.filter((uri) => !declared.some((d) => d.uri === uri)).map((uri) => ({ label: mlflowHost(uri), description: uri, to: uri })),
    { label: 'Another server…', description: 'type its URI', to: null },
  ];
  const picked = items.length > 1 ? await vscode.window.showQuickPick(items, { title: 'Push to Team Store', placeHolder: 'The MLflow server to push to' }) : items[0];
  if (!picked) return undefined;
  if (picked.to) return picked.to;
  const typed = await vscode.window.showInputBox({ title: 'Push to Team Store', prompt: MLFLOW_URI_PROMPT, placeHolder: 'http://127.0.0.1:5000', validateInput: (text) => (text.trim() ? (parseMlflowUri(text) as { error?: string }).error ?? null : null) });
  if (!typed?.trim()) return undefined;
  const parsed = parseMlflowUri(typed);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.uri;
}

/** "Push to Team Store…": the local runs among those picked, queued on the daemon (contract M4). */
export async function pushRuns(service: RunlaneService, picked: { run: RunSummary; source: string }[], label: (run: RunSummary) => string): Promise<void> {
  const runs = picked.filter((r) => service.sources().find((s) => s.path === r.source)?.kind === 'store');
  if (!runs.length) return void vscode.window.showInformationMessage('Runlane: select local runs to push (runs of an MLflow server or a TensorBoard folder are not pushed).');
  const shown = service.sources().filter((s) => s.kind === 'mlflow').map((s) => s.path);
  const to = await pickPushDestination(await declaredServers(await service.daemon(runs[0]!.source)), shown);
  if (!to) return;
  for (const r of runs) await (await service.daemon(r.source)).request(`/runs/${encodeURIComponent(r.run.id)}/push`, {}, { to }, 'POST');
  void vscode.window.showInformationMessage(`Runlane: ${runs.length === 1 ? `“${label(runs[0]!.run)}” is` : `${runs.length} runs are`} queued to push to ${to}; the Runs view shows the sync.`);
}
