import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  /** 1, 5 and 15 minute load averages when the benchmark started: the machine is shared. */
  loadAverage: number[];
}

function osName(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    return pretty ?? process.platform;
  } catch {
    return process.platform;
  }
}

export function machineInfo(): MachineInfo {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: osName(),
    node: process.version,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** One line for a report's header: what the figures were measured on. */
export function describeMachine(machine: MachineInfo): string {
  return (
    `${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, ` +
    `load ${machine.loadAverage.join(' ')}`
  );
}

/** What a results file records of a run that failed part-way (null when it did not). */
export function failureText(failure: unknown): string | null {
  return failure === null ? null : String(failure instanceof Error ? failure.stack : failure);
}

/**
 * Writes `bench/results/<name>-<timestamp>.json` and `bench/results/<name>-latest.json`
 * (generated files only: Biome skips bench/results). Returns the timestamped path.
 */
export function writeResults(name: string, data: unknown, now = new Date()): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const body = `${JSON.stringify(data, null, 2)}\n`;
  const file = join(RESULTS_DIR, `${name}-${stamp}.json`);
  writeFileSync(file, body);
  writeFileSync(join(RESULTS_DIR, `${name}-latest.json`), body);
  return file;
}

/** Runs a benchmark's main: exits 0 when it is done (open handles must not keep it alive), 1 on failure. */
export function runBenchmark(name: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${name} failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
