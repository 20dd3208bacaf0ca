import { Worker } from 'node:worker_threads';
import { mergeCounts, Samples } from './latency.js';
import type {
  CallSpec,
  MainToWorker,
  OpenCommand,
  Progress,
  StepReport,
  WorkerToMain,
} from './load-protocol.js';

type SampleFields = 'connectMs' | 'joinMs' | 'relayMs' | 'chatMs';

/** Every worker's `StepReport` merged: the same fields, with the samples of all of them. */
export type LoadReport = Omit<StepReport, 'type' | SampleFields> & Record<SampleFields, Samples>;

type OpenOptions = Omit<OpenCommand, 'type' | 'calls' | 'total'>;

const noProgress = (): Progress => ({ type: 'progress', opened: 0, joined: 0, failed: 0, lastJoinAt: null });

/**
 * The load generator: worker threads (load-worker.ts), each with its share of the calls, so that on a
 * 2-core machine the generator is not one event loop that becomes the bottleneck. The CPU they use is
 * this process's, measured from /proc like the server's.
 */
export class LoadGenerator {
  private readonly workers: Worker[];
  private readonly progress: Progress[];
  private readonly waiting = new Map<Worker, (m: WorkerToMain) => void>();
  private fatal: Error | null = null;

  constructor(count: number) {
    // Workers do not inherit tsx's loader: each one loads its TypeScript through tsx's API.
    const entry = JSON.stringify(new URL('./load-worker.ts', import.meta.url).href);
    const boot = `import('tsx/esm/api').then((tsx) => tsx.tsImport(${entry}, ${JSON.stringify(import.meta.url)}))`;
    this.workers = Array.from({ length: count }, () => new Worker(boot, { eval: true }));
    this.progress = this.workers.map(noProgress);
    this.workers.forEach((w, i) => {
      w.on('message', (m: WorkerToMain) => {
        if (m.type === 'progress') {
          this.progress[i] = m;
          return;
        }
        if (m.type === 'fatal') {
          this.fatal = new Error(`load worker ${i}: ${m.message}`);
          return;
        }
        const resolve = this.waiting.get(w);
        this.waiting.delete(w);
        resolve?.(m);
      });
      w.on('error', (err) => {
        this.fatal = err;
      });
    });
  }

  get size(): number {
    return this.workers.length;
  }

  /** Hands the calls out round-robin (both parties of a call stay in one worker) and starts them. */
  open(calls: readonly CallSpec[], options: OpenOptions): void {
    const shares: CallSpec[][] = this.workers.map(() => []);
    calls.forEach((c, i) => {
      shares[i % shares.length]?.push(c);
    });
    this.workers.forEach((w, i) => {
      this.post(w, { type: 'open', calls: shares[i] ?? [], total: calls.length, ...options });
    });
  }

  /** Sums of the workers' latest progress reports. */
  totals(): { opened: number; joined: number; failed: number; lastJoinAt: number | null } {
    let opened = 0;
    let joined = 0;
    let failed = 0;
    let lastJoinAt: number | null = null;
    for (const p of this.progress) {
      opened += p.opened;
      joined += p.joined;
      failed += p.failed;
      if (p.lastJoinAt !== null) lastJoinAt = Math.max(lastJoinAt ?? 0, p.lastJoinAt);
    }
    return { opened, joined, failed, lastJoinAt };
  }

  /** Resolves once `sockets` sockets have joined or failed, or at the deadline (epoch-like ms). */
  async settled(sockets: number, deadline: number): Promise<boolean> {
    for (;;) {
      this.check();
      const t = this.totals();
      if (t.joined + t.failed >= sockets) return true;
      if (performance.timeOrigin + performance.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async report(stop: boolean, drainMs: number): Promise<LoadReport> {
    const replies = await Promise.all(
      this.workers.map((w) => this.request(w, { type: 'report', stop, drainMs })),
    );
    const merged: LoadReport = {
      sockets: 0,
      joined: 0,
      failed: 0,
      lastJoinAt: null,
      connectMs: new Samples(),
      joinMs: new Samples(),
      relayMs: new Samples(),
      chatMs: new Samples(),
      sent: {},
      relayed: {},
      relayedPerSecond: [],
      lost: {},
      errors: {},
    };
    for (const r of replies as StepReport[]) {
      merged.sockets += r.sockets;
      merged.joined += r.joined;
      merged.failed += r.failed;
      if (r.lastJoinAt !== null) merged.lastJoinAt = Math.max(merged.lastJoinAt ?? 0, r.lastJoinAt);
      merged.connectMs.addAll(r.connectMs);
      merged.joinMs.addAll(r.joinMs);
      merged.relayMs.addAll(r.relayMs);
      merged.chatMs.addAll(r.chatMs);
      mergeCounts(merged.sent, r.sent);
      mergeCounts(merged.relayed, r.relayed);
      mergeCounts(merged.lost, r.lost);
      mergeCounts(merged.errors, r.errors);
      r.relayedPerSecond.forEach((n, i) => {
        merged.relayedPerSecond[i] = (merged.relayedPerSecond[i] ?? 0) + n;
      });
    }
    for (let i = 0; i < merged.relayedPerSecond.length; i++) merged.relayedPerSecond[i] ??= 0;
    return merged;
  }

  /** Closes every socket (1000); returns what went wrong while closing. */
  async close(): Promise<Record<string, number>> {
    const replies = await Promise.all(this.workers.map((w) => this.request(w, { type: 'close' })));
    this.progress.forEach((_, i) => {
      this.progress[i] = noProgress();
    });
    const errors: Record<string, number> = {};
    for (const r of replies) if (r.type === 'closed') mergeCounts(errors, r.errors);
    return errors;
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private check(): void {
    if (this.fatal) throw this.fatal;
  }

  private post(w: Worker, m: MainToWorker): void {
    this.check();
    w.postMessage(m);
  }

  private request(w: Worker, m: MainToWorker): Promise<WorkerToMain> {
    return new Promise((resolve, reject) => {
      const timer = setInterval(() => {
        if (this.fatal) {
          clearInterval(timer);
          reject(this.fatal);
        }
      }, 200);
      this.waiting.set(w, (reply) => {
        clearInterval(timer);
        resolve(reply);
      });
      this.post(w, m);
    });
  }
}
