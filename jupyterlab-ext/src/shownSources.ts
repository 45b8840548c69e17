// Which folders the Runs sidebar shows, and the notices that say why: the default store (the store
// setting's when it names a store, else the server's), the store each open notebook's kernel writes
// to (asked of the server, by the helper's rule), and the TensorBoard log folders the user opened
// (remembered in the settings), and team stores: MLflow servers of the mlflowStores setting and the
// ones runlane.toml declares (`[stores.<name>]`). A folder that is not a store is never opened as one.
import { mlflowLabel, parseMlflowUri } from '@runlane/ui';
import type { RunlaneConnection } from './connection';
import type { RunsSidebar } from './sidebar/runsSidebar';

export class ShownSources {
  /** Each notebook's store (page-relative notebook path -> absolute store). */
  private readonly notebookStores = new Map<string, string>();
  private logdirs: string[] = [];
  private mlflowStores: string[] = [];

  /**
   * `logdirs`: the log folders remembered from the last session (shown by `restoreLogdirs`);
   * `mlflow`: the mlflowStores setting and how to save it (shown by `showTeamStores`).
   */
  constructor(
    private readonly connection: RunlaneConnection,
    private readonly sidebar: RunsSidebar,
    logdirs: string[],
    private readonly remember: (logdirs: string[]) => void,
    private readonly mlflow: { stores: string[]; remember: (uris: string[]) => void } = { stores: [], remember: () => {} },
  ) {
    this.logdirs = [...logdirs];
    this.mlflowStores = [...mlflow.stores];
  }

  /**
   * The default store: the store setting's folder when it is a store (or empty or missing: the
   * helper makes it one), else the server's, with a notice saying what the folder is and what to do.
   */
  async setDefault(storeSetting: string): Promise<void> {
    const server = this.connection.config.store;
    let store = server;
    let why = 'the server’s store (RUNLANE_DIR, else the nearest .runlane/ from the folder JupyterLab serves)';
    this.sidebar.setNotice('setting', null);
    if (storeSetting.trim()) {
      const chosen = this.connection.resolve(storeSetting);
      const found = await this.connection.inspect(chosen).catch(() => null);
      if (!found || found.kind === 'store' || found.kind === 'empty' || found.kind === 'missing') {
        store = chosen;
        why = 'the store setting';
      } else if (!this.logdirs.includes(chosen)) {
        const label = this.connection.label(chosen);
        const tensorboard = found.kind === 'tensorboard';
        this.sidebar.setNotice('setting', {
          text: `The store setting names ${label}: ${found.detail}. Runlane writes nothing there and shows ${this.connection.label(server)} instead. ${tensorboard ? 'Open it as a TensorBoard log folder, or choose' : 'Choose'} a store folder in Settings > Runlane.`,
          action: tensorboard ? { label: 'Open as TensorBoard log folder', run: () => void this.openLogdir(chosen).then(() => this.sidebar.setNotice('setting', null)) } : undefined,
        });
      }
    }
    this.connection.config.store = store;
    this.connection.bridge.add({ kind: 'store', path: store, why, removable: false });
  }

  /** The store of an open notebook, shown beside the others once it exists. */
  async followNotebook(relative: string): Promise<string> {
    const { store, exists } = await this.connection.notebookStore(relative);
    this.notebookStores.set(relative, store);
    const label = this.connection.label(store);
    if (this.connection.bridge.has(store)) {
      this.sidebar.setNotice(`notebook:${relative}`, null);
    } else if (exists) {
      this.connection.bridge.add({ kind: 'store', path: store, why: `the store ${relative} writes to (the nearest .runlane/ from its folder)`, removable: false });
      this.sidebar.setNotice(`notebook:${relative}`, null);
      await this.sidebar.loadSource(store);
    } else {
      // Not created until the kernel's first run: said, and looked at again after each cell runs.
      this.sidebar.setNotice(`notebook:${relative}`, { text: `${relative} will write its runs to ${label} (the nearest .runlane/ from its folder); they appear here once it does.` });
    }
    return store;
  }

  forgetNotebook(relative: string): void {
    this.notebookStores.delete(relative);
    this.sidebar.setNotice(`notebook:${relative}`, null);
  }

  /** The store a notebook's kernel writes to, as last asked (the default store until then). */
  storeOf(relative: string): string {
    return this.notebookStores.get(relative) ?? this.connection.config.store;
  }

  /** A store named elsewhere (a cell's run output): shown from now on. */
  async showStore(store: string): Promise<void> {
    if (this.connection.bridge.add({ kind: 'store', path: store, why: 'named by a run in a cell’s output', removable: true })) await this.sidebar.loadSource(store);
  }

  /** Shows the log folders remembered from the last session (after the stores). */
  restoreLogdirs(): void {
    for (const path of this.logdirs) this.connection.bridge.add({ kind: 'logdir', path, why: 'a TensorBoard log folder you opened', removable: true });
  }

  /**
   * Opens a TensorBoard log folder (relative to the server's root, or absolute). A missing folder is
   * refused with a sentence; a Runlane store is shown as a store.
   */
  async openLogdir(folder: string): Promise<void> {
    const path = this.connection.resolve(folder);
    const found = await this.connection.inspect(path);
    if (found?.kind === 'missing') throw new Error(`There is no folder ${path}; give a folder relative to ${this.connection.config.root_dir}, or an absolute one.`);
    if (found?.kind === 'store') {
      this.connection.bridge.add({ kind: 'store', path, why: 'a Runlane store you opened', removable: true });
    } else {
      this.connection.bridge.add({ kind: 'logdir', path, why: 'a TensorBoard log folder you opened', removable: true });
      if (!this.logdirs.includes(path)) this.remember((this.logdirs = [...this.logdirs, path]));
    }
    await this.sidebar.loadSource(path);
  }

  /**
   * The MLflow servers of the setting and the ones runlane.toml declares beside the default store,
   * shown without anyone typing a URI. A runlane.toml that cannot be read is said, not skipped silently.
   */
  async showTeamStores(): Promise<void> {
    for (const uri of this.mlflowStores) this.addMlflow(uri, 'an MLflow server in the mlflowStores setting');
    try {
      for (const store of await this.connection.declaredStores()) {
        const parsed = store.kind === 'mlflow' ? parseMlflowUri(store.uri) : null;
        if (parsed && 'uri' in parsed) this.addMlflow(parsed.uri, `declared in runlane.toml as [stores.${store.name}]`, false);
      }
      this.sidebar.setNotice('stores', null);
    } catch (err) {
      this.sidebar.setNotice('stores', { text: `Runlane could not read the team stores of runlane.toml: ${(err as Error).message}` });
    }
  }

  /** The setting changed (the Settings Editor): servers added there are shown, removed ones go. */
  async setMlflowStores(uris: string[]): Promise<void> {
    const before = this.mlflowStores;
    this.mlflowStores = [...uris];
    for (const uri of before) if (!uris.includes(uri) && this.connection.bridge.sources().find((s) => s.path === uri)?.why.includes('setting')) this.connection.bridge.remove(uri);
    const added = uris.filter((uri) => this.addMlflow(uri, 'an MLflow server in the mlflowStores setting'));
    if (added.length || before.some((uri) => !uris.includes(uri))) await this.sidebar.load();
  }

  /**
   * "Add MLflow Server": a URI as typed is checked (a sentence says what is wrong), shown, and kept
   * in the mlflowStores setting. Its runs are read by the daemon, with the daemon's credentials.
   */
  async openMlflow(typed: string): Promise<string> {
    const parsed = parseMlflowUri(typed);
    if ('error' in parsed) throw new Error(parsed.error);
    const { uri } = parsed;
    if (!this.mlflowStores.includes(uri)) this.mlflow.remember((this.mlflowStores = [...this.mlflowStores, uri]));
    this.addMlflow(uri, 'an MLflow server in the mlflowStores setting');
    await this.sidebar.loadSource(uri);
    await this.sidebar.load(); // the page's feed carries the server's events once it is listed
    return uri;
  }

  private addMlflow(uri: string, why: string, removable = true): boolean {
    return this.connection.bridge.add({ kind: 'mlflow', path: uri, why: `${mlflowLabel(uri)}: ${why}`, removable });
  }

  removeSource(path: string): void {
    this.connection.bridge.remove(path);
    if (this.logdirs.includes(path)) this.remember((this.logdirs = this.logdirs.filter((p) => p !== path)));
    if (this.mlflowStores.includes(path)) this.mlflow.remember((this.mlflowStores = this.mlflowStores.filter((p) => p !== path)));
    void this.sidebar.load();
  }
}
