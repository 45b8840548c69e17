// This machine's GPUs per local target (its declared `gpus`, else the ones detected), and which of
// them jobs hold: a job gets GPUs only when all it asks for are free, so none is ever shared.
import { detectLocalGpus } from '../targets/localGpus.js';
import type { TargetConfig } from '../targets/targetsFile.js';

export class GpuPool {
  private readonly pools = new Map<string, string[]>(); // target -> its GPU ids
  private readonly used = new Map<string, Set<string>>(); // target -> GPU ids held by jobs

  /** Every GPU of the target. */
  all(target: TargetConfig): string[] {
    let pool = this.pools.get(target.name);
    if (!pool) this.pools.set(target.name, (pool = target.gpus ?? detectLocalGpus()));
    return pool;
  }

  free(target: TargetConfig): string[] {
    const used = this.used.get(target.name) ?? new Set();
    return this.all(target).filter((g) => !used.has(g));
  }

  /** Each rank's GPUs from the free ones, marked as held (call when `free` has enough). */
  take(target: TargetConfig, workers: number, perWorker: number): string[][] {
    const free = this.free(target);
    const byRank = Array.from({ length: workers }, (_, r) => free.slice(r * perWorker, (r + 1) * perWorker));
    this.hold(target.name, byRank.flat());
    return byRank;
  }

  /** Marks GPUs as held (a re-adopted job's). */
  hold(target: string, gpus: string[]): void {
    const used = this.used.get(target) ?? new Set<string>();
    gpus.forEach((g) => used.add(g));
    this.used.set(target, used);
  }

  release(target: string, gpus: string[]): void {
    const used = this.used.get(target);
    gpus.forEach((g) => used?.delete(g));
  }
}
