// The charts panel's grouping: the "Group by" box and band choice in its toolbar, the card lines of the
// groups (groupChart.ts) and the legend's group items, which expand to their members on a click.
// Kept out of chartsPanel.ts, which only asks this class when grouping is on.
import type { ChartSettings, RunSeries } from '../charts/chartTypes.js';
import { assignRunColors } from '../charts/runColors.js';
import { el } from '../views/dom.js';
import type { BandKind } from './aggregate.js';
import { groupCardSeries, type GroupLineCache } from './groupChart.js';
import { installGroupStyles } from './groupStyles.js';
import { groupByText, groupRuns, parseGroupBy, type GroupInput, type RunGroup } from './groupRuns.js';

/** Draws a short line as the cards draw it (chartsPanel's lineSample). */
export type LineSample = (color: string, dash: number[] | 'solid', band: boolean, alpha: number) => SVGSVGElement;

export class GroupView {
  readonly control: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly hint: HTMLElement;
  private readonly suggestions: HTMLDataListElement;
  private expanded = new Set<string>();
  private colorCache = { keys: '', colors: new Map<string, string>() };
  /** Per card (metric key): its group lines, recomputed only for groups whose members changed. */
  private lines = new Map<string, GroupLineCache>();

  constructor(
    private readonly settings: () => ChartSettings,
    private readonly choose: (patch: Partial<ChartSettings>) => void,
  ) {
    installGroupStyles(document);
    const id = `rl-group-suggestions-${Math.random().toString(36).slice(2)}`;
    this.suggestions = el('datalist', { id });
    this.input = el('input', {
      type: 'search', className: 'rl-group-by', placeholder: 'e.g. all but seed', value: groupByText(settings().groupBy ?? { kind: 'none' }),
      title: 'Group runs into one line each (the mean, with a band): param or tag names (lr, layers), "all but seed", "sweep" or "job". Empty: every run its own line.',
    });
    this.input.setAttribute('list', id);
    this.input.addEventListener('change', () => {
      this.expanded.clear();
      this.choose({ groupBy: parseGroupBy(this.input.value) });
    });
    const band = el('select', { className: 'rl-band', title: "The band around a group's mean (and a job's ranks' mean)" });
    band.append(
      ...([['minmax', 'min–max'], ['std', '±1 std']] as const).map(([value, text]) => el('option', { value, textContent: text, selected: value === (settings().band ?? 'minmax') })),
    );
    band.addEventListener('change', () => this.choose({ band: band.value as BandKind }));
    this.hint = el('span', { className: 'rl-group-hint' });
    const label = el('label', { textContent: 'Group by' });
    label.append(this.input, this.suggestions);
    const bandLabel = el('label', { textContent: 'Band' });
    bandLabel.append(band);
    this.control = el('span', { className: 'rl-group-control' }, label, bandLabel, this.hint);
  }

  get active(): boolean {
    return (this.settings().groupBy?.kind ?? 'none') !== 'none';
  }

  /** The groups of the shown runs, and a sentence when a name the user typed matches nothing. */
  groups(runs: GroupInput[]): RunGroup[] {
    const by = this.settings().groupBy ?? { kind: 'none' };
    this.suggest(runs);
    if (by.kind === 'keys' || by.kind === 'except') {
      const known = (name: string) => runs.some((r) => name.replace(/^(param|tag):/, '') in (name.startsWith('tag:') ? r.run.tags : name.startsWith('param:') ? r.run.params : { ...r.run.params, ...r.run.tags }));
      const unknown = by.keys.filter((k) => !known(k));
      this.hint.textContent = unknown.length ? `No shown run has a param or tag named ${unknown.map((k) => `“${k}”`).join(', ')}: check the spelling.` : '';
    } else this.hint.textContent = '';
    const groups = groupRuns(runs, by);
    if ((by.kind === 'sweep' || by.kind === 'job') && runs.length && groups.every((g) => g.key.startsWith('run:'))) {
      this.hint.textContent = by.kind === 'sweep' ? 'No shown run is a trial of a sweep: each run is its own line.' : 'No shown run belongs to a job: each run is its own line.';
    }
    return groups;
  }

  /** A card's lines: one per group (its members too when expanded). */
  cardSeries(key: string, groups: RunGroup[], byRun: ReadonlyMap<string, RunSeries>, runs: GroupInput[]): RunSeries[] {
    const s = this.settings();
    let cache = this.lines.get(key);
    if (!cache) this.lines.set(key, (cache = new Map() as GroupLineCache));
    return groupCardSeries(groups, byRun, {
      cache,
      smoothing: s.smoothing, band: s.band ?? 'minmax', expanded: this.expanded, colors: this.colors(groups),
      labels: new Map(runs.map((r) => [r.key, r.label ?? r.run.name])),
    });
  }

  /** The legend: a group per item (its line and band, label, size); a click shows or hides its members. */
  legend(groups: RunGroup[], runs: GroupInput[], sample: LineSample, alpha: number, redraw: () => void): HTMLElement[] {
    const colors = this.colors(groups);
    const labels = new Map(runs.map((r) => [r.key, r.label ?? r.run.name]));
    return groups.map((g) => {
      const open = this.expanded.has(g.key);
      const names = g.members.map((m) => labels.get(m) ?? m);
      const item = el('span', { className: `rl-legend-item rl-legend-group${open ? ' rl-expanded' : ''}`, title: `${names.join('\n')}\n\nClick to ${open ? 'hide' : 'show'} the members' lines` });
      item.dataset.group = g.key;
      const color = colors.get(g.key) ?? '#888';
      item.append(
        el('span', { className: 'rl-legend-line' }, sample(color, 'solid', true, alpha), el('span', { className: 'rl-legend-label', textContent: g.label })),
        el('span', { className: 'rl-group-size', textContent: `${open ? '▾' : '▸'} ${groupSize(g)}` }),
      );
      if (open) item.append(el('span', { className: 'rl-group-members', textContent: names.join(', ') }));
      item.addEventListener('click', () => {
        if (open) this.expanded.delete(g.key);
        else this.expanded.add(g.key);
        redraw();
      });
      return item;
    });
  }

  /** A group's colour follows its key (stable as runs come and go), as a run's follows its id. */
  private colors(groups: RunGroup[]): Map<string, string> {
    const keys = groups.map((g) => g.key).join('\n');
    if (keys !== this.colorCache.keys) this.colorCache = { keys, colors: assignRunColors(groups.map((g) => g.key)) };
    return this.colorCache.colors;
  }

  /** The box's suggestions: "all but seed" (when runs have a seed), sweep, job and the runs' names. */
  private suggest(runs: GroupInput[]): void {
    const names = new Set<string>();
    for (const r of runs) for (const n of Object.keys(r.run.params)) names.add(n);
    const options = [...(names.has('seed') ? ['all but seed'] : []), 'sweep', 'job', ...[...names].sort()];
    if (this.suggestions.options.length === options.length) return;
    this.suggestions.replaceChildren(...options.map((value) => el('option', { value })));
  }
}

/** A legend item's size: its runs, or a sweep and its trials (the sweep's run is not a trial). */
export function groupSize(g: RunGroup): string {
  if (g.head !== undefined) return `sweep + ${g.members.length - 1 === 1 ? '1 trial' : `${g.members.length - 1} trials`}`;
  return g.members.length === 1 ? '1 run' : `${g.members.length} runs`;
}
