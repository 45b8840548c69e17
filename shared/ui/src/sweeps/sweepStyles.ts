// The sweep view's own rules, beside the shared ones (views/styles.ts), in the same --rl-* colours.
const CSS = `
.rl-root.rl-sweep { display: block; padding: 8px 12px; overflow: auto; }
.rl-sweep h2.rl-sweep-title { font-size: 15px; margin: 4px 0; }
.rl-sweep h3 { font-size: 13px; margin: 14px 0 4px; }
.rl-sweep-summary { color: var(--rl-muted); margin-bottom: 6px; }
.rl-sweep-best-line { color: var(--rl-fg); font-weight: 600; }
table.rl-sweep-trials { width: auto; border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.rl-sweep-trials th, table.rl-sweep-trials td { padding: 2px 10px 2px 0; text-align: left; border-bottom: 1px solid var(--rl-border); white-space: nowrap; }
table.rl-sweep-trials td.rl-num { text-align: right; }
table.rl-sweep-trials tr.rl-sweep-best td { font-weight: 600; color: var(--rl-accent); }
table.rl-sweep-trials tr[data-state="pruned"] td, table.rl-sweep-trials tr[data-state="failed"] td, table.rl-sweep-trials tr[data-state="cancelled"] td { color: var(--rl-muted); }
.rl-sweep-best-chart { height: 220px; max-width: 900px; }
.rl-sweep-parallel { height: 280px; max-width: 900px; }
/* The trials' params against the metric are drawn above, with the best trial marked: not twice. */
.rl-sweep-curves .rl-compare { display: none; }
`;

export function installSweepStyles(doc: Document = document): void {
  if (doc.getElementById('runlane-sweep-styles')) return;
  const style = doc.createElement('style');
  style.id = 'runlane-sweep-styles';
  style.textContent = CSS;
  doc.head.appendChild(style);
}
