import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../../protocol/errors.js';
import { bearerMatches, loadMetricsToken } from './metrics-exposure.js';
import { errorLabel, NodeMetrics, queryKind } from './node-metrics.js';

async function labelValues(metrics: NodeMetrics, family: string, label: string): Promise<string[]> {
  const parsed = parsePrometheusTextFormat((await metrics.scrape()).body);
  const f = parsed.find((p) => p.name === family);
  return [...new Set((f?.metrics ?? []).flatMap((m) => (m.labels?.[label] ? [m.labels[label]] : [])))].sort();
}

describe('metric labels stay a closed set', () => {
  it('an error code outside ERRORS is counted as other, and each known one as itself', async () => {
    const m = new NodeMetrics();
    m.error('ws', 'not_found');
    m.error('ws', 'a-made-up-code');
    m.error('http', `user-${'x'.repeat(40)}`);
    m.error('http', '');
    m.error('http', 'toString');
    expect(await labelValues(m, 'carecall_errors_total', 'code')).toEqual(['not_found', 'other']);
    expect(errorLabel('__proto__')).toBe('other');
    for (const code of Object.keys(ERRORS)) expect(errorLabel(code)).toBe(code);
  });

  it("a query's kind is one of five, whatever the statement", () => {
    expect(
      ['SelectQueryNode', 'InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode'].map(queryKind),
    ).toEqual(['select', 'insert', 'update', 'delete']);
    for (const other of ['RawNode', 'CreateTableNode', 'constructor', ''])
      expect(queryKind(other)).toBe('other');
  });

  it('an HTTP status outside 100–599 is other', async () => {
    const m = new NodeMetrics();
    m.httpRequest('/api/x', 'GET', 200);
    m.httpRequest('/api/x', 'GET', 1000);
    m.httpRequest('/api/x', 'GET', 0);
    expect(await labelValues(m, 'carecall_http_requests_total', 'status')).toEqual(['200', 'other']);
  });

  it('two nodes in one process keep their figures apart', async () => {
    const a = new NodeMetrics();
    const b = new NodeMetrics();
    a.relayed('offer');
    a.relayed('offer');
    b.relayed('offer');
    const offers = async (m: NodeMetrics) =>
      parsePrometheusTextFormat((await m.scrape()).body)
        .find((f) => f.name === 'carecall_signaling_messages_relayed_total')
        ?.metrics.find((s) => s.labels?.['type'] === 'offer')?.value;
    expect([await offers(a), await offers(b)]).toEqual(['2', '1']);
  });

  it('a failing count of calls leaves the calls out of that scrape, and the rest is served', async () => {
    const problems: unknown[] = [];
    const m = new NodeMetrics((err) => problems.push(err));
    m.observe({
      signaling: { connectionsByTransport: () => ({ websocket: 3, long_poll: 1 }), roomCount: 2 },
      countCalls: async () => {
        throw new Error('database down');
      },
    });
    const parsed = parsePrometheusTextFormat((await m.scrape()).body);
    expect(parsed.find((f) => f.name === 'carecall_calls')?.metrics).toEqual([]);
    expect(parsed.find((f) => f.name === 'carecall_signaling_rooms')?.metrics).toEqual([{ value: '2' }]);
    expect(problems).toHaveLength(1);
  });
});

describe('the bearer token', () => {
  const token = 'a-token-of-some-length-0123456789';
  const digest = loadMetricsToken({ token: { kind: 'inline', value: token }, listener: null });

  it('matches only `Bearer <token>` exactly (the scheme in any case)', () => {
    if (!digest) throw new Error('no digest');
    expect(bearerMatches(`Bearer ${token}`, digest)).toBe(true);
    expect(bearerMatches(`bearer ${token}`, digest)).toBe(true);
    for (const header of [
      undefined,
      '',
      'Bearer',
      `Bearer ${token}x`,
      `Bearer ${token.slice(1)}`,
      `Basic ${token}`,
      token,
      `Bearer ${token} extra`,
    ]) {
      expect({ header, ok: bearerMatches(header, digest) }).toEqual({ header, ok: false });
    }
  });
});
