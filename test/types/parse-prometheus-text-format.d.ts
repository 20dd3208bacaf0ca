/** The parser the metrics tests read `/metrics` with (it ships no types); its output follows prom2json. */
declare module 'parse-prometheus-text-format' {
  export interface PrometheusSample {
    labels?: Record<string, string>;
    /** Counters, gauges and untyped samples. */
    value?: string;
    /** Histograms: cumulative counts by upper bound (`le`), and the totals. */
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
    /** Summaries. */
    quantiles?: Record<string, string>;
  }
  export interface PrometheusFamily {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    metrics: PrometheusSample[];
  }
  // biome-ignore lint/style/noDefaultExport: the package's only export is its default one
  export default function parsePrometheusTextFormat(text: string): PrometheusFamily[];
}
