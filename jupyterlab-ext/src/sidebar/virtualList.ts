// A list that creates elements only for the rows in view (plus a few above and below), so 10,000
// runs cost as much to show and scroll as 30. Rows have one fixed height; each visible row element is
// reused and refilled by `renderRow` as the list scrolls.
const OVERSCAN = 8;

export class VirtualList<T> {
  readonly node: HTMLElement;
  private readonly spacer: HTMLElement;
  private items: T[] = [];
  private readonly pool: HTMLElement[] = [];
  private frame = 0;

  constructor(
    private readonly rowHeight: number,
    private readonly renderRow: (row: HTMLElement, item: T, index: number) => void,
  ) {
    this.node = document.createElement('div');
    this.node.className = 'rl-vlist';
    this.node.tabIndex = 0;
    this.spacer = document.createElement('div');
    this.spacer.className = 'rl-vlist-spacer';
    this.node.appendChild(this.spacer);
    this.node.addEventListener('scroll', () => this.schedule());
  }

  setItems(items: T[]): void {
    this.items = items;
    this.spacer.style.height = `${items.length * this.rowHeight}px`;
    this.render();
  }

  /** Re-renders the visible rows (their data changed, e.g. an elapsed time). */
  refresh(): void {
    this.render();
  }

  scrollToIndex(index: number): void {
    const top = index * this.rowHeight;
    if (top < this.node.scrollTop) this.node.scrollTop = top;
    else if (top + this.rowHeight > this.node.scrollTop + this.node.clientHeight) this.node.scrollTop = top + this.rowHeight - this.node.clientHeight;
  }

  private schedule(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => ((this.frame = 0), this.render()));
  }

  private render(): void {
    const height = this.node.clientHeight || 600; // before layout: a screenful
    const first = Math.max(0, Math.floor(this.node.scrollTop / this.rowHeight) - OVERSCAN);
    const last = Math.min(this.items.length, Math.ceil((this.node.scrollTop + height) / this.rowHeight) + OVERSCAN);
    const count = Math.max(0, last - first);
    while (this.pool.length < count) {
      const row = document.createElement('div');
      row.className = 'rl-vrow';
      row.style.height = `${this.rowHeight}px`;
      this.spacer.appendChild(row);
      this.pool.push(row);
    }
    this.pool.forEach((row, i) => {
      if (i >= count) {
        row.style.display = 'none';
        return;
      }
      const index = first + i;
      row.style.display = '';
      row.style.transform = `translateY(${index * this.rowHeight}px)`;
      row.dataset.index = String(index);
      this.renderRow(row, this.items[index]!, index);
    });
  }
}
