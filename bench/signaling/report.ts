import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { mainThreadProfile, summarizeProfile } from '../lib/cpu-profile.js';
import { type Distribution, distribution, fmtMs, totalCount } from '../lib/latency.js';
import type { LoadReport } from '../lib/load.js';
import { mib, type ProcSampler, type ProcWindow, pct } from '../lib/proc.js';
import { formatTable } from '../lib/table.js';

/** What one step of the signaling load measured, and the tables printed from it. */

export interface StepResult {
  calls: number;
  sockets: number;
  seedMs: number;
  joined: number;
  failed: number;
  /** From the first arrival to the last `joined`. */
  joinedWithinMs: number | null;
  connect: Distribution;
  join: Distribution;
  relay: Distribution;
  chat: Distribution;
  windowMs: number;
  relayedPerSecond: number;
  peakRelayedPerSecond: number;
  relayedByType: Record<string, number>;
  sentByType: Record<string, number>;
  lost: Record<string, number>;
  errors: Record<string, number>;
  processes: Record<string, ProcWindow>;
  /** The machine's 1-minute load average at the end of the step (the machine is shared). */
  loadAverage: number;
  /** Connections the kernel dropped because an accept queue was full (machine-wide), during the step. */
  listenOverflows: number | null;
  /** Each node's event-loop delay over the step, ms: how long the server was busy in one go. */
  loopDelay: Record<string, { p50: number; p99: number; max: number; mean: number } | null>;
}

export function summarizeStep(
  calls: number,
  seedMs: number,
  t0: number,
  end: number,
  r: LoadReport,
  closeErrors: Record<string, number>,
  sampler: ProcSampler,
): Omit<StepResult, 'loopDelay' | 'listenOverflows'> {
  const windowMs = end - t0;
  const relayedTotal = totalCount(r.relayed);
  const errors = { ...r.errors };
  for (const [k, v] of Object.entries(r.lost)) if (v > 0) errors[`lost:${k}`] = v;
  for (const [k, v] of Object.entries(closeErrors)) errors[`closing:${k}`] = v;
  const processes: Record<string, ProcWindow> = {};
  for (const name of sampler.names()) processes[name] = sampler.window(name, t0, end);
  return {
    calls,
    sockets: r.sockets,
    seedMs,
    joined: r.joined,
    failed: r.failed,
    joinedWithinMs: r.lastJoinAt === null ? null : r.lastJoinAt - t0,
    connect: distribution(r.connectMs),
    join: distribution(r.joinMs),
    relay: distribution(r.relayMs),
    chat: distribution(r.chatMs),
    windowMs,
    relayedPerSecond: relayedTotal / (windowMs / 1000),
    peakRelayedPerSecond: Math.max(0, ...r.relayedPerSecond),
    relayedByType: r.relayed,
    sentByType: r.sent,
    lost: r.lost,
    errors,
    processes,
    loadAverage: loadavg()[0] ?? 0,
  };
}

/** CPU the rest of the machine used meanwhile (other engineers' tests on a shared box), % of one core. */
function othersCpu(s: StepResult): number | null {
  const machine = s.processes['machine']?.cpuPercent;
  if (typeof machine !== 'number') return null;
  let ours = 0;
  for (const [name, w] of Object.entries(s.processes)) if (name !== 'machine') ours += w.cpuPercent ?? 0;
  return Math.max(0, machine - ours);
}

export function printSteps(steps: StepResult[]): void {
  const names = Object.keys(steps[0]?.processes ?? {});
  const nodes = names.filter((n) => n.startsWith('node'));
  const extra = names.filter((n) => !n.startsWith('node') && n !== 'machine');
  const rows = steps.map((s) => [
    String(s.calls),
    String(s.sockets),
    s.joinedWithinMs === null ? '—' : `${(s.joinedWithinMs / 1000).toFixed(1)} s`,
    `${fmtMs(s.join.p50)} / ${fmtMs(s.join.p95)} / ${fmtMs(s.join.p99)}`,
    `${Math.round(s.relayedPerSecond)} (${s.peakRelayedPerSecond})`,
    `${fmtMs(s.relay.p50)} / ${fmtMs(s.relay.p95)} / ${fmtMs(s.relay.p99)} / ${fmtMs(s.relay.max)}`,
    `${fmtMs(s.chat.p50)} / ${fmtMs(s.chat.p99)}`,
    String(totalCount(s.errors)),
    ...nodes.map(
      (n) =>
        `${pct(s.processes[n]?.cpuPercent)} (${pct(s.processes[n]?.peakCpuPercent)}), ${mib(s.processes[n]?.rssEndBytes)}, ${fmtMs(s.loopDelay[n]?.p99)} / ${fmtMs(s.loopDelay[n]?.max)}`,
    ),
    ...extra.map((n) => pct(s.processes[n]?.cpuPercent)),
    `${pct(othersCpu(s))}, ${s.loadAverage.toFixed(1)}`,
  ]);
  process.stdout.write(
    `\n${formatTable(
      [
        'calls',
        'sockets',
        'all joined',
        'join ms p50/p95/p99',
        'relayed/s (peak)',
        'relay ms p50/p95/p99/max',
        'chat ms p50/p99',
        'errors',
        ...nodes.map((n) => `${n} CPU (peak), RSS, loop delay p99/max`),
        ...extra.map((n) => `${n} CPU`),
        'other CPU, load',
      ],
      rows,
    )}\n`,
  );
  for (const s of steps) {
    if (totalCount(s.errors) > 0) {
      process.stdout.write(
        `errors at ${s.calls} calls: ${JSON.stringify(s.errors)}; accept-queue overflows: ${s.listenOverflows ?? '?'}\n`,
      );
    }
  }
}

/** What bench/lib/sql-stats-preload.mjs wrote for each node: its costliest statements. */
export function printSqlStats(dir: string, pids: Record<string, number>): void {
  for (const [name, pid] of Object.entries(pids)) {
    let rows: Array<{ sql: string; count: number; ms: number }>;
    try {
      rows = JSON.parse(readFileSync(join(dir, `${pid}.json`), 'utf8'));
    } catch {
      process.stdout.write(`no SQL statistics from ${name}\n`);
      continue;
    }
    const total = rows.reduce((t, r) => t + r.ms, 0);
    process.stdout.write(
      `\nSQL statements of ${name}: ${rows.reduce((t, r) => t + r.count, 0)} run, ${(total / 1000).toFixed(1)} s in SQLite\n${formatTable(
        ['SQL', 'count', 'µs each', '% of SQL time'],
        rows
          .slice(0, 15)
          .map((r) => [
            r.sql.replace(/\s+/g, ' ').slice(0, 100),
            String(r.count),
            ((1000 * r.ms) / r.count).toFixed(1),
            ((100 * r.ms) / total).toFixed(1),
          ]),
      )}\n`,
    );
  }
}

/** Where each node's main thread spent its CPU (`--cpu-prof`), printed; returns the summaries for the results. */
export function printCpuProfiles(
  profileDir: string,
  names: readonly string[],
): Record<string, ReturnType<typeof summarizeProfile>> {
  const profiles: Record<string, ReturnType<typeof summarizeProfile>> = {};
  for (const name of names) {
    try {
      const file = mainThreadProfile(join(profileDir, `node-${name}`));
      const summary = summarizeProfile(file);
      profiles[name] = summary;
      process.stdout.write(`\nCPU profile of node ${name.toUpperCase()} (${file}), self time, % of busy:\n`);
      process.stdout.write(
        `${formatTable(
          ['function', '% busy'],
          summary.functions.map((f) => [f.name, f.busyPercent.toFixed(1)]),
        )}\n\n${formatTable(
          ['package / folder', '% busy'],
          summary.modules.map((f) => [f.name, f.busyPercent.toFixed(1)]),
        )}\n`,
      );
    } catch (err) {
      process.stdout.write(`no CPU profile for node ${name}: ${String(err)}\n`);
    }
  }
  return profiles;
}
