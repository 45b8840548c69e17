// A job's workers each log their own histograms (contract C1, as their metric series): the cards show
// rank 0's (the primary writers') by default and offer the run's other ranks (RunDetail's
// histogram_ranks). Other ranks' histograms are read only once a card is switched to them.
import type { HistogramStep, MediaBridge } from '@runlane/protocol';
import { el } from '../views/dom.js';
import type { MediaRun } from './mediaTypes.js';

type ByKey = Map<string, HistogramStep[]>;

/** Adds steps to a key's list, kept in step order (live steps mostly arrive last). */
export function addSteps(byKey: ByKey, key: string, steps: HistogramStep[]): void {
  let list = byKey.get(key);
  if (!list) byKey.set(key, (list = []));
  for (const s of steps) {
    if (!list.length || list[list.length - 1]!.step <= s.step) list.push(s);
    else list.splice(list.findIndex((x) => x.step > s.step), 0, s);
  }
}

/** The histograms of ranks above 0, per rank and run key, read on demand and followed live. */
export class RankHistograms {
  /** Per run key: the ranks it offers (0 first) and its histogram keys, from its details. */
  private readonly offered = new Map<string, { ranks: number[]; keys: string[] }>();
  private readonly data = new Map<string, ByKey>();
  private readonly loading = new Map<string, Promise<void>>();

  constructor(private readonly bridge: MediaBridge) {}

  setOffered(runKey: string, ranks: number[] | undefined, keys: string[]): void {
    if (ranks && ranks.length > 1) this.offered.set(runKey, { ranks, keys });
    else this.offered.delete(runKey);
  }

  /** Every rank any of `runs` offers, sorted; [] when none is a job with ranks. */
  ranks(runs: MediaRun[]): number[] {
    const all = new Set<number>();
    for (const run of runs) for (const r of this.offered.get(run.key)?.ranks ?? []) all.add(r);
    return all.size ? [...all].sort((a, b) => a - b) : [];
  }

  /** One rank's histograms of a run, once read (undefined before, and for a run without that rank). */
  of(rank: number, runKey: string): ByKey | undefined {
    return this.data.get(`${runKey}#${rank}`);
  }

  /** Reads `rank`'s histograms of the runs that offer it (each run and rank once). */
  async load(rank: number, runs: MediaRun[]): Promise<void> {
    await Promise.all(
      runs.map((run) => {
        const offered = this.offered.get(run.key);
        const id = `${run.key}#${rank}`;
        if (!offered?.ranks.includes(rank) || !this.bridge.getHistograms) return Promise.resolve();
        let pending = this.loading.get(id);
        if (!pending) {
          const byKey: ByKey = new Map();
          pending = Promise.all(offered.keys.map(async (key) => addSteps(byKey, key, (await this.bridge.getHistograms!(run.ref, key, rank)).steps)))
            .then(() => {
              // Live steps that came while reading are in the answer too: the read replaces them.
              this.data.set(id, byKey);
            })
            .catch(() => {
              this.loading.delete(id); // read again on the next choice of this rank
            });
          this.loading.set(id, pending);
        }
        return pending;
      }),
    );
  }

  /** A live `histograms` event of a rank above 0: added once that rank was read (its read has the rest). */
  add(runKey: string, rank: number, key: string, steps: HistogramStep[]): void {
    const byKey = this.data.get(`${runKey}#${rank}`);
    if (byKey) addSteps(byKey, key, steps);
  }

  forget(runKey: string): void {
    this.offered.delete(runKey);
    for (const map of [this.data, this.loading]) for (const id of [...map.keys()]) if (id.startsWith(`${runKey}#`)) map.delete(id);
  }
}

/** The rank choice on a histogram card's head: "rank 0" and the others; hidden when no run has ranks. */
export function rankSelect(onPick: (rank: number) => void): { element: HTMLSelectElement; set(ranks: number[], rank: number): void } {
  const element = el('select', { className: 'rl-histogram-rank', title: "A job's workers: whose histograms this card shows (the choice applies to every histogram card)" });
  // Styled here (CSSOM, allowed by the webviews' CSP) as the toolbar's selects, in the editor's theme:
  // mediaStyles.ts is the image grid's.
  Object.assign(element.style, { background: 'var(--rl-input-bg)', color: 'var(--rl-fg)', border: '1px solid var(--rl-border)', borderRadius: '4px', padding: '1px 4px', font: 'inherit', fontSize: '11px' });
  element.addEventListener('change', () => onPick(Number(element.value)));
  return {
    element,
    set(ranks, rank) {
      element.hidden = ranks.length === 0;
      const wanted = ranks.map(String).join(',');
      if (element.dataset.ranks !== wanted) {
        element.dataset.ranks = wanted;
        element.replaceChildren(...ranks.map((r) => el('option', { value: String(r), textContent: `rank ${r}` })));
      }
      element.value = String(rank);
    },
  };
}
