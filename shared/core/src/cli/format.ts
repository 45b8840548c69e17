// Human-readable output of the CLI: aligned tables and durations. JSON output bypasses this.
import { elapsedSeconds, formatDuration, type JsonNumber, type MetricSummary, type RunDetail, type RunSummary } from '@runlane/protocol';

export { formatDuration };

export function formatNumber(value: JsonNumber | null): string {
  if (value === null) return '-';
  if (typeof value === 'string') return value === 'Infinity' ? 'inf' : value === '-Infinity' ? '-inf' : 'nan';
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e6) ? value.toExponential(3) : String(Number(value.toPrecision(4)));
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function metricsLine(metrics: Record<string, MetricSummary>, max = 3): string {
  const keys = Object.keys(metrics);
  const shown = keys.slice(0, max).map((k) => `${k}=${formatNumber(metrics[k]!.last)}`);
  if (keys.length > max) shown.push(`+${keys.length - max}`);
  return shown.join(' ');
}

/** Names and other user text are printed as text; control characters would let them repaint the terminal. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point here
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');
}

export function runTable(runs: RunSummary[], now = Date.now() / 1000): string {
  return table(
    ['ID', 'NAME', 'EXPERIMENT', 'STATUS', 'DURATION', 'METRICS'],
    runs.map((r) => [
      r.id,
      printable(r.name),
      printable(r.experiment),
      r.status,
      formatDuration(elapsedSeconds(r, now)),
      printable(metricsLine(r.metrics)),
    ]),
  );
}

function jsonText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function runDetailText(run: RunDetail): string {
  const out: string[] = [];
  const date = (t: number | null) => (t === null ? '-' : new Date(t * 1000).toISOString().replace('T', ' ').slice(0, 19));
  out.push(`${printable(run.name)}  (${run.id})`);
  out.push(`  experiment  ${printable(run.experiment)}`);
  out.push(`  status      ${run.status}${run.exit_code !== null ? ` (exit code ${run.exit_code})` : ''}`);
  out.push(`  created     ${date(run.created_at)}   duration ${formatDuration(run.duration)}`);
  if (run.notebook) out.push(`  notebook    ${printable(run.notebook)}${run.cell_id ? `  cell ${printable(run.cell_id)}` : ''}`);
  const params = Object.entries(run.params);
  if (params.length) out.push('', 'params', ...params.map(([k, v]) => `  ${printable(k)} = ${printable(jsonText(v))}`));
  const tags = Object.entries(run.tags);
  if (tags.length) out.push('', 'tags', `  ${tags.map(([k, v]) => printable(v ? `${k}=${v}` : k)).join(', ')}`);
  if (run.note) out.push('', 'note', ...run.note.split('\n').map((line) => `  ${printable(line)}`));
  const metrics = Object.entries(run.metrics);
  if (metrics.length) {
    out.push('', 'metrics');
    out.push(
      table(
        ['  KEY', 'COUNT', 'LAST', 'MIN', 'MAX'],
        metrics.map(([k, m]) => [`  ${printable(k)}`, String(m.count), formatNumber(m.last), formatNumber(m.min), formatNumber(m.max)]),
      ),
    );
  }
  const env = run.env as {
    python?: string; python_executable?: string; host?: string; cwd?: string; packages?: Record<string, unknown>;
    git?: { commit?: string | null; dirty?: boolean; branch?: string | null } | null; gpus?: { name?: string }[];
  } | null;
  if (env) {
    // What the details views show: the run is reproducible from this (which Python, packages, commit).
    out.push('', 'environment');
    if (env.python) out.push(`  python      ${env.python}${env.python_executable ? ` (${printable(env.python_executable)})` : ''}`);
    if (env.host) out.push(`  host        ${printable(env.host)}`);
    if (env.cwd) out.push(`  cwd         ${printable(env.cwd)}`);
    if (env.git) {
      const branch = env.git.branch ? ` on ${printable(env.git.branch)}` : '';
      out.push(`  git         ${env.git.commit ? `${env.git.commit.slice(0, 12)}${branch}${env.git.dirty ? ' (dirty)' : ''}` : `no commits yet${branch}`}`);
    }
    const packages = Object.entries(env.packages ?? {});
    if (packages.length) out.push(`  packages    ${packages.map(([name, version]) => `${printable(name)} ${printable(String(version))}`).join(', ')}`);
    if (env.gpus?.length) out.push(`  gpus        ${env.gpus.map((g) => printable(g.name ?? '?')).join(', ')}`);
  }
  if (run.logs.length) out.push('', 'logs', ...run.logs.map((l) => `  ${l.writer}/${l.stream}  ${l.size} bytes`));
  if (run.error) out.push('', 'error', ...printable(run.error).split('\n').map((l) => `  ${l}`));
  if (run.source) out.push('', 'source', ...printable(run.source).split('\n').map((l) => `  ${l}`));
  return out.join('\n');
}
