import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The parts of a V8 .cpuprofile (written by `node --cpu-prof`) this summary reads. */
interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }>;
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  name: string;
  /** Share of all samples (idle included) spent in this function itself. */
  selfPercent: number;
  /** Share of the busy samples (idle, GC-idle and `(program)` excluded). */
  busyPercent: number;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function where(url: string, line: number): string {
  if (!url) return '';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const short = path.startsWith(ROOT) ? relative(ROOT, path) : path.replace(/^.*node_modules\//, '');
  return `${short}:${line + 1}`;
}

/**
 * Self time per function, and per package or source folder, so a profile of the server under load
 * reads as a short list of where the CPU went.
 */
export function summarizeProfile(file: string, top = 25): { functions: HotSpot[]; modules: HotSpot[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfTime = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    selfTime.set(id, (selfTime.get(id) ?? 0) + dt);
    total += dt;
  });
  const fn = new Map<string, number>();
  const mod = new Map<string, number>();
  let idle = 0;
  for (const [id, t] of selfTime) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') {
      idle += t;
      continue;
    }
    const name = `${functionName || '(anonymous)'} ${where(url, lineNumber)}`.trim();
    fn.set(name, (fn.get(name) ?? 0) + t);
    const module = !url
      ? functionName.startsWith('(')
        ? functionName
        : '(native)'
      : url.includes('node_modules/')
        ? (/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? 'node_modules')
        : url.startsWith('node:')
          ? url
          : (/\/(src\/[^/]+(?:\/[^/]+)?)\//.exec(url)?.[1] ?? where(url, 0));
    mod.set(module, (mod.get(module) ?? 0) + t);
  }
  const busy = Math.max(1, total - idle);
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, t]) => ({ name, selfPercent: (t / total) * 100, busyPercent: (t / busy) * 100 }));
  return { functions: rank(fn), modules: rank(mod) };
}

/** `node --cpu-prof` names files CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the main one. */
export function mainThreadProfile(dir: string): string {
  const main = readdirSync(dir).find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  if (!main) throw new Error(`no main-thread profile in ${dir}`);
  return join(dir, main);
}
