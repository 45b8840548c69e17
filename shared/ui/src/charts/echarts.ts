// The one place echarts is imported: only the parts the charts use, so bundles stay small.
import { LineChart, ParallelChart, ScatterChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, ParallelComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([LineChart, ScatterChart, ParallelChart, GridComponent, TooltipComponent, DataZoomComponent, ParallelComponent, CanvasRenderer]);

export { echarts };
export type { ECharts, EChartsCoreOption } from 'echarts/core';
