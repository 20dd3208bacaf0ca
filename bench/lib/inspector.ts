import WebSocket from 'ws';

export interface HeapFigures {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/**
 * Talks to a server process started with `--inspect=127.0.0.1:<port>` (loopback only): forces a full
 * garbage collection and reads process.memoryUsage(), so memory per connection is measured on live
 * objects rather than on whatever garbage the last burst left.
 */
export class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: unknown };
      if (m.id === undefined) return;
      this.pending.get(m.id)?.(m.error ? { error: m.error } : m.result);
      this.pending.delete(m.id);
    });
  }

  static async connect(port: number): Promise<Inspector> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{
          webSocketDebuggerUrl: string;
        }>;
        const url = list[0]?.webSocketDebuggerUrl;
        if (!url) throw new Error('no inspector target');
        const ws = new WebSocket(url, { perMessageDeflate: false });
        await new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('error', reject);
        });
        return new Inspector(ws);
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  async collectGarbage(): Promise<void> {
    await this.call('HeapProfiler.collectGarbage');
  }

  async memory(): Promise<HeapFigures> {
    const r = (await this.call('Runtime.evaluate', {
      expression: 'JSON.stringify(process.memoryUsage())',
      returnByValue: true,
    })) as { result?: { value?: string } };
    return JSON.parse(r.result?.value ?? '{}') as HeapFigures;
  }

  /** Two full collections (the second frees what finalizers of the first released), then the figures. */
  async settledMemory(): Promise<HeapFigures> {
    await this.collectGarbage();
    await new Promise((r) => setTimeout(r, 500));
    await this.collectGarbage();
    await new Promise((r) => setTimeout(r, 500));
    return this.memory();
  }

  /** Evaluates an expression in the server's main context and returns its JSON-serialisable value. */
  async evaluate<T>(expression: string): Promise<T> {
    const r = (await this.call('Runtime.evaluate', { expression, returnByValue: true })) as {
      result?: { value?: T };
      exceptionDetails?: { text?: string };
    };
    if (r.exceptionDetails) throw new Error(`inspector: ${r.exceptionDetails.text ?? 'evaluation failed'}`);
    return r.result?.value as T;
  }

  /**
   * Starts (or restarts) a histogram of the server's event-loop delay: how long a timer due now waits
   * for the loop, i.e. how long the server was busy in one go. Every message waits as long.
   */
  async resetLoopDelay(): Promise<void> {
    await this.evaluate(`(() => {
      const h = (globalThis.__benchLoopDelay ??= process.getBuiltinModule('node:perf_hooks').monitorEventLoopDelay({ resolution: 5 }));
      h.disable(); h.reset(); h.enable(); return true;
    })()`);
  }

  /** The event-loop delay since resetLoopDelay, in ms. */
  async loopDelay(): Promise<{ p50: number; p99: number; max: number; mean: number }> {
    return this.evaluate(`(() => {
      const h = globalThis.__benchLoopDelay;
      if (!h) return null;
      return { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6, mean: h.mean / 1e6 };
    })()`);
  }

  close(): void {
    this.ws.close();
  }
}
