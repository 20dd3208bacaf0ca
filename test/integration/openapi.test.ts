import { afterEach, describe, expect, it } from 'vitest';
import { Agent, startServer, type TestServer } from '../support/server.js';
import { sqliteInMemory } from '../support/suites.js';

describe('the API document', () => {
  let server: TestServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('lists every /api route the app registers, with its method', async () => {
    const registered: string[] = [];
    const db = await sqliteInMemory.open();
    server = await startServer(db, {
      onRoute: (r) => {
        if (!r.url.startsWith('/api/') && r.url !== '/api') return;
        for (const m of [r.method].flat()) if (m !== 'HEAD') registered.push(`${m} ${r.url}`);
      },
    });
    const r = await new Agent(server).request('GET', '/api/openapi.json');
    expect(r.status).toBe(200);
    const doc = r.body as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(registered.length).toBeGreaterThan(15);
    expect(registered.filter((route) => !documented.includes(route))).toEqual([]);
    // Each operation is summarised and says what it answers on success: a JSON schema, or 204.
    expect(Object.keys(doc.paths).filter((p) => !p.startsWith('/api/'))).toEqual([]);
    const withoutAnswer = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => {
          const { summary, responses = {} } = op as {
            summary?: string;
            responses?: Record<string, { content?: unknown }>;
          };
          const answers = Object.entries(responses).some(
            ([status, res]) => status === '204' || (/^2\d\d$/.test(status) && res.content !== undefined),
          );
          return !summary || !answers;
        })
        .map(([m]) => `${m.toUpperCase()} ${path}`),
    );
    expect(withoutAnswer).toEqual([]);
    await db.close();
  });
});
