// The table's selection of runs: a click toggles a run, a shift-click selects the range from the last
// clicked run (in the order shown), and a set can replace it ("top 10 by val/loss"). Kept by run key,
// so it survives sorting, filtering and live updates. DOM-free.

export class Selection {
  private readonly keys = new Set<string>();
  private anchor: string | null = null;

  has(key: string): boolean {
    return this.keys.has(key);
  }

  get size(): number {
    return this.keys.size;
  }

  /** The selected keys in the order shown (`order`: every row's key as displayed). */
  inOrder(order: readonly string[]): string[] {
    return order.filter((k) => this.keys.has(k));
  }

  /** A click on a row's checkbox: with shift, the range from the anchor takes the clicked row's new state. */
  click(key: string, shift: boolean, order: readonly string[]): void {
    const on = !this.keys.has(key);
    const from = this.anchor === null ? -1 : order.indexOf(this.anchor);
    const to = order.indexOf(key);
    if (shift && from >= 0 && to >= 0) {
      const [a, b] = from < to ? [from, to] : [to, from];
      for (let i = a; i <= b; i++) this.set(order[i]!, on);
    } else {
      this.set(key, on);
    }
    this.anchor = key;
  }

  set(key: string, on: boolean): void {
    if (on) this.keys.add(key);
    else this.keys.delete(key);
  }

  replace(keys: Iterable<string>): void {
    this.keys.clear();
    for (const k of keys) this.keys.add(k);
    this.anchor = null;
  }

  /** Drops keys no longer shown (a deleted run). */
  retain(present: ReadonlySet<string>): void {
    for (const k of [...this.keys]) if (!present.has(k)) this.keys.delete(k);
  }

  clear(): void {
    this.replace([]);
  }
}
