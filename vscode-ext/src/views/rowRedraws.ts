// Batches the rows a tree redraws for live data: the first change is drawn at once, later ones
// together at most every ROW_REDRAW_MS. A run that logs fast thus redraws its row a few times a
// second, not on every feed event (a row being redrawn can swallow a click).

/** The shortest time between two redraws of rows. */
export const ROW_REDRAW_MS = 250;

export class RowRedraws<T> {
  private readonly due = new Set<T>();
  private timer: NodeJS.Timeout | null = null;
  private drawnAt = 0;

  constructor(private readonly draw: (rows: T[]) => void) {}

  /** Redraws these rows now, or with the next batch when rows were redrawn less than ROW_REDRAW_MS ago. */
  add(rows: Iterable<T>): void {
    for (const row of rows) this.due.add(row);
    if (this.timer || !this.due.size) return;
    const wait = this.drawnAt + ROW_REDRAW_MS - Date.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Forgets the rows due (a whole-tree refresh draws them anyway). */
  clear(): void {
    this.due.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private flush(): void {
    this.timer = null;
    this.drawnAt = Date.now();
    const rows = [...this.due];
    this.due.clear();
    this.draw(rows);
  }

  dispose(): void {
    this.clear();
  }
}
