/**
 * Donut chart of the price breakdown by top-level item. Loaded lazily so that
 * ECharts lives in its own chunk. Values stay in integer fen; labels are
 * formatted with `formatFen`.
 */
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { PieChart } from 'echarts/charts';
import { LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { formatFen } from '../shared/money';
import { FONT_STACK } from '../theme';

echarts.use([PieChart, LegendComponent, TooltipComponent, CanvasRenderer]);

const PALETTE = ['#1d5bb8', '#4a8fe0', '#7fb2ee', '#2f8a8a', '#8aa6c8', '#c9a227', '#6b7fa6', '#b0c4de'];

export interface PriceSlice {
  key: string;
  name: string;
  fen: number;
}

export default function PriceChart({ slices }: { slices: PriceSlice[] }) {
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const chart = echarts.init(el, undefined, { renderer: 'canvas' });
    const fenByName = new Map(slices.map((s) => [s.name, s.fen]));
    chart.setOption({
      color: PALETTE,
      textStyle: { fontFamily: FONT_STACK },
      tooltip: {
        trigger: 'item',
        formatter: (p: unknown) => {
          if (typeof p !== 'object' || p === null || !('name' in p) || !('percent' in p)) return '';
          const name = String(p.name);
          return `${name}<br/><b>${formatFen(fenByName.get(name) ?? 0)}</b>&nbsp;&nbsp;${String(p.percent)}%`;
        },
      },
      legend: {
        orient: 'vertical',
        right: 0,
        top: 'middle',
        itemWidth: 10,
        itemHeight: 10,
        itemGap: 12,
        textStyle: { fontSize: 13, color: '#3a4654', rich: { amount: { fontSize: 12, color: '#6b7785', padding: [3, 0, 0, 0] } } },
        formatter: (name: string) => `${name}\n{amount|${formatFen(fenByName.get(name) ?? 0)}}`,
      },
      series: [
        {
          type: 'pie',
          radius: ['45%', '72%'],
          center: ['30%', '50%'],
          avoidLabelOverlap: true,
          minShowLabelAngle: 12,
          itemStyle: { borderColor: '#fff', borderWidth: 2 },
          label: { show: true, position: 'inside', formatter: '{d}%', color: '#fff', fontSize: 11 },
          labelLine: { show: false },
          data: slices.map((s) => ({ name: s.name, value: s.fen })),
        },
      ],
    });
    const observer = new ResizeObserver(() => chart.resize());
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.dispose();
    };
  }, [slices]);

  return <div ref={ref} className="price-chart" />;
}
