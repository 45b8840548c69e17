// The one place echarts is imported: only the parts the charts use, so bundles stay small. Title and
// legend are drawn only into PNG exports.
import { LineChart, ParallelChart, ScatterChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, ParallelComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([LineChart, ScatterChart, ParallelChart, GridComponent, TooltipComponent, DataZoomComponent, ParallelComponent, TitleComponent, LegendComponent, CanvasRenderer]);

export { echarts };
export type { ECharts, EChartsCoreOption } from 'echarts/core';
