// One metric card: mounts an echarts instance, redraws on data/settings/theme changes, follows its
// element's size, reports zooms (so full-resolution data can be fetched), exports PNG and CSV.
import { cardToCsv } from './csv.js';
import { echarts, type ECharts } from './echarts.js';
import { buildExportOption, buildScalarOption } from './scalarOption.js';
import type { CardData, ChartSettings, ChartTheme } from './chartTypes.js';

export type ZoomHandler = (range: { from: number; to: number } | null) => void;

export class ChartCard {
  private readonly chart: ECharts;
  private readonly resize: ResizeObserver;
  private data: CardData;

  constructor(
    readonly element: HTMLElement,
    data: CardData,
    private settings: ChartSettings,
    private theme: ChartTheme,
    onZoom: ZoomHandler,
  ) {
    this.data = data;
    this.chart = echarts.init(element, undefined, { renderer: 'canvas' });
    this.resize = new ResizeObserver(() => this.chart.resize());
    this.resize.observe(element);
    this.chart.on('datazoom', () => {
      const option = this.chart.getOption() as { dataZoom?: { start?: number; end?: number; startValue?: number; endValue?: number }[] };
      const zoom = option.dataZoom?.[0];
      if (!zoom || (zoom.start === 0 && zoom.end === 100)) onZoom(null);
      // An axis with nothing drawn has no extent (NaN bounds): nothing to fetch.
      else if (Number.isFinite(zoom.startValue) && Number.isFinite(zoom.endValue)) onZoom({ from: zoom.startValue!, to: zoom.endValue! });
    });
    this.render();
  }

  get key(): string {
    return this.data.key;
  }

  /** Pixel width of the plot: how many points are worth fetching. */
  get width(): number {
    return Math.max(100, this.element.clientWidth);
  }

  update(data: CardData, settings = this.settings, theme = this.theme): void {
    this.data = data;
    this.settings = settings;
    this.theme = theme;
    this.render();
  }

  /**
   * The card as a PNG that stands on its own: drawn again off screen with the metric's name as a
   * title and the runs' legend above the plot (the on-screen card has its title in the DOM and the
   * legend in the panel, so a plain canvas export carried neither).
   */
  toPng(): string {
    const width = Math.max(360, this.element.clientWidth);
    const rows = legendRows(this.data.series.map((s) => s.label), width - 24);
    const height = Math.max(200, this.element.clientHeight) + 36 + rows * 20;
    const chart = echarts.init(document.createElement('div'), undefined, { renderer: 'canvas', width, height });
    try {
      chart.setOption(buildExportOption(this.data, this.settings, this.theme, rows));
      return chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: this.theme.background });
    } finally {
      chart.dispose();
    }
  }

  toCsv(): string {
    return cardToCsv(this.data);
  }

  dispose(): void {
    this.resize.disconnect();
    this.chart.dispose();
  }

  private render(): void {
    // notMerge keeps zoom state out of the way when runs come and go; replaceMerge on series only.
    this.chart.setOption(buildScalarOption(this.data, this.settings, this.theme), { replaceMerge: ['series'] });
  }
}

/** Lines the export's legend needs at `width` pixels (about 7 px a character, plus the swatch). */
export function legendRows(labels: string[], width: number): number {
  let rows = labels.length ? 1 : 0;
  let used = 0;
  for (const label of labels) {
    const item = 30 + label.length * 7;
    if (used > 0 && used + item > width) {
      rows++;
      used = 0;
    }
    used += item;
  }
  return rows;
}
