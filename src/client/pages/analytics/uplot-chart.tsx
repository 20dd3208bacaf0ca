import { useEffect, useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import { type ChartSpec, formatDay } from './analytics-charts.js';

type UPlotClass = typeof uPlot;

/** Plot height for a width: lower on a phone, so two charts fit a screen. */
const heightFor = (width: number) => (width < 480 ? 180 : 220);

/**
 * The series as uPlot draws them. Stacked levels become running totals drawn from the tallest down, so
 * each later bar paints over the part of the one before that is not its own.
 */
function plotData(spec: ChartSpec): uPlot.AlignedData {
  const days = spec.series[0]?.values.length ?? 0;
  const x = Array.from({ length: days }, (_, i) => i);
  if (spec.kind !== 'stacked') return [x, ...spec.series.map((s) => s.values)];
  const totals = spec.series.map((_, k) =>
    x.map((i) => {
      let sum: number | null = null;
      for (const s of spec.series.slice(0, k + 1)) {
        const v = s.values[i];
        if (v !== null && v !== undefined) sum = (sum ?? 0) + v;
      }
      return sum === null ? null : Math.round(sum * 10) / 10;
    }),
  );
  return [x, ...totals.reverse()];
}

function plotOptions(
  UPlot: UPlotClass,
  spec: ChartSpec,
  dates: readonly string[],
  width: number,
): uPlot.Options {
  const bars = spec.kind !== 'line' ? UPlot.paths.bars?.({ size: [0.7, 48] }) : undefined;
  const ordered = spec.kind === 'stacked' ? [...spec.series].reverse() : spec.series;
  const percentScale = spec.unit.startsWith('%');
  return {
    width,
    height: heightFor(width),
    legend: { show: false },
    cursor: { show: false },
    scales: {
      x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] },
      y: { range: (_u, _min, max) => [0, percentScale ? 100 : Math.max(1, max)] },
    },
    axes: [
      {
        space: 56,
        values: (_u, splits) =>
          splits.map((i) =>
            Number.isInteger(i) && dates[i] ? formatDay(dates[i]).replace(/^\w+,? /, '') : '',
          ),
      },
      {
        size: 48,
        label: spec.unit,
        labelSize: 18,
        labelFont: '12px system-ui, sans-serif',
        // Counts are whole: a tick at 0.5 calls would read as nonsense. Minutes may have a decimal.
        values: (_u, splits) =>
          splits.map((v) =>
            Number.isInteger(v) ? String(v) : spec.unit === 'minutes' ? String(Math.round(v * 10) / 10) : '',
          ),
      },
    ],
    series: [
      {},
      ...ordered.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: spec.kind === 'line' ? 2 : 0,
        ...(bars
          ? { paths: bars, fill: s.color, points: { show: false } }
          : { points: { show: dates.length <= 31 } }),
      })),
    ],
  };
}

/** One chart, drawn by uPlot once its code has loaded, redrawn to the width of its box. */
export function UplotChart({ spec, dates }: { spec: ChartSpec; dates: readonly string[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let plot: uPlot | null = null;
    let observer: ResizeObserver | null = null;
    let gone = false;
    // uPlot is this page's alone, and loaded only once there is something to draw.
    void import('uplot').then(({ default: UPlot }) => {
      const el = box.current;
      if (gone || !el) return;
      const width = () => Math.max(160, Math.floor(el.clientWidth));
      plot = new UPlot(plotOptions(UPlot, spec, dates, width()), plotData(spec), el);
      observer = new ResizeObserver(() => plot?.setSize({ width: width(), height: heightFor(width()) }));
      observer.observe(el);
    });
    return () => {
      gone = true;
      observer?.disconnect();
      plot?.destroy();
    };
  }, [spec, dates]);
  return <div ref={box} class="chart__plot" aria-hidden="true" />;
}
