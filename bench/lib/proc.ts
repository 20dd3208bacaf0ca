import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (100 on Linux, asked once). */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface ProcSample {
  /** performance.timeOrigin + performance.now() when read. */
  at: number;
  /** User + system CPU time of the whole process (all threads) so far, in ms. */
  cpuMs: number;
  rssBytes: number;
}

/** Reads one process's CPU time and resident memory from /proc; null once it is gone. */
export function readProc(pid: number): ProcSample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields are counted after its closing ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
    return { at: now(), cpuMs: (ticks / TICKS_PER_SECOND) * 1000, rssBytes: rssKb * 1024 };
  } catch {
    return null;
  }
}

/**
 * The whole machine's CPU time from /proc/stat (all cores, busy = everything but idle and iowait), as a
 * pseudo-process, so a report can show how much CPU other work on a shared machine took meanwhile.
 */
export function readMachine(): ProcSample | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const busy = f.reduce((a, b) => a + b, 0) - (f[3] ?? 0) - (f[4] ?? 0);
    return { at: now(), cpuMs: (busy / TICKS_PER_SECOND) * 1000, rssBytes: 0 };
  } catch {
    return null;
  }
}

export const MACHINE = 0;

export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Waits `ms` (none when it is negative: a deadline already passed). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

export interface ProcWindow {
  /** Average CPU over the window, in % of one core (200% = both cores of a 2-core machine). */
  cpuPercent: number | null;
  /** The busiest one-second sample in the window. */
  peakCpuPercent: number | null;
  rssEndBytes: number | null;
  rssPeakBytes: number | null;
}

/**
 * Samples named processes every `intervalMs` (pid MACHINE: the whole machine), so a benchmark can report
 * CPU and RSS for any window.
 */
export class ProcSampler {
  private readonly samples = new Map<string, ProcSample[]>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pids: Readonly<Record<string, number>>,
    private readonly intervalMs = 1000,
  ) {
    for (const name of Object.keys(pids)) this.samples.set(name, []);
  }

  start(): void {
    this.sample();
    this.timer ??= setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Takes a sample now (at the edges of a window, so it is measured exactly). */
  sample(): void {
    for (const [name, pid] of Object.entries(this.pids)) {
      const s = pid === MACHINE ? readMachine() : readProc(pid);
      if (s) this.samples.get(name)?.push(s);
    }
  }

  window(name: string, from: number, to: number): ProcWindow {
    const all = this.samples.get(name) ?? [];
    const inside = all.filter((s) => s.at >= from - 1 && s.at <= to + 1);
    const first = inside[0];
    const last = inside[inside.length - 1];
    if (!first || !last || last.at <= first.at) {
      return {
        cpuPercent: null,
        peakCpuPercent: null,
        rssEndBytes: last?.rssBytes ?? null,
        rssPeakBytes: null,
      };
    }
    let peak = 0;
    for (let i = 1; i < inside.length; i++) {
      const a = inside[i - 1] as ProcSample;
      const b = inside[i] as ProcSample;
      if (b.at - a.at >= this.intervalMs * 0.5)
        peak = Math.max(peak, ((b.cpuMs - a.cpuMs) / (b.at - a.at)) * 100);
    }
    return {
      cpuPercent: ((last.cpuMs - first.cpuMs) / (last.at - first.at)) * 100,
      peakCpuPercent: peak,
      rssEndBytes: last.rssBytes,
      rssPeakBytes: Math.max(...inside.map((s) => s.rssBytes)),
    };
  }

  names(): string[] {
    return [...this.samples.keys()];
  }
}

export function mib(bytes: number | null | undefined): string {
  return typeof bytes === 'number' && Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(0)} MiB` : '—';
}

export function pct(value: number | null | undefined): string {
  return typeof value === 'number' && Number.isFinite(value) ? `${Math.round(value)}%` : '—';
}

/**
 * The kernel's count of connections dropped because a listening socket's accept queue was full
 * (TcpExt ListenOverflows, machine-wide): a server that does not accept fast enough resets clients.
 */
export function listenOverflows(): number | null {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    const names = lines.find((l) => l.startsWith('TcpExt:'))?.split(' ') ?? [];
    const values = lines.filter((l) => l.startsWith('TcpExt:'))[1]?.split(' ') ?? [];
    const i = names.indexOf('ListenOverflows');
    return i > 0 ? Number(values[i]) : null;
  } catch {
    return null;
  }
}
