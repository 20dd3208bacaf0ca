import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';

/** A token long enough for the configuration (16 characters or more). */
export const METRICS_TOKEN = 'test-metrics-token-0123456789abcdef';

/** What one scrape of `/metrics` said, read with a Prometheus text parser. */
export class Scrape {
  readonly families: Map<string, PrometheusFamily>;

  constructor(readonly text: string) {
    this.families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
  }

  family(name: string): PrometheusFamily {
    const f = this.families.get(name);
    if (!f) throw new Error(`no metric family ${name} in the scrape`);
    return f;
  }

  /** A counter's or gauge's value for exactly these labels (0 when the series is absent). */
  value(name: string, labels: Record<string, string> = {}): number {
    const sample = this.family(name).metrics.find((m) => sameLabels(m.labels ?? {}, labels));
    return sample?.value === undefined ? 0 : Number(sample.value);
  }

  /**
   * A histogram's observation count for these labels (0 when the series is absent). The parser folds the
   * series of a labelled histogram into one, so those are read from their `_count` lines instead.
   */
  count(name: string, labels: Record<string, string> = {}): number {
    if (this.family(name).type !== 'HISTOGRAM') throw new Error(`${name} is no histogram`);
    if (Object.keys(labels).length === 0) {
      const sample = this.family(name).metrics[0];
      return sample?.count === undefined ? 0 : Number(sample.count);
    }
    for (const line of this.text.split('\n')) {
      const m = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
      if (!m || m[1] !== `${name}_count`) continue;
      const found = Object.fromEntries(
        [...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]),
      );
      if (sameLabels(found, labels)) return Number(m[3]);
    }
    return 0;
  }

  /** The names a query may use: every family, and a histogram's `_bucket`, `_sum` and `_count` series. */
  seriesNames(): Set<string> {
    const names = new Set<string>();
    for (const f of this.families.values()) {
      names.add(f.name);
      if (f.type === 'HISTOGRAM') for (const s of ['_bucket', '_sum', '_count']) names.add(f.name + s);
      if (f.type === 'SUMMARY') for (const s of ['_sum', '_count']) names.add(f.name + s);
    }
    return names;
  }
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

export async function fetchMetrics(
  url: string,
  token?: string,
): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(
    `${url}/metrics`,
    token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
  );
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Scrapes with the token and parses; fails unless the answer is 200. */
export async function scrape(url: string, token: string | undefined = METRICS_TOKEN): Promise<Scrape> {
  const r = await fetchMetrics(url, token);
  if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`);
  return new Scrape(r.text);
}
