import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MachineInfo, RESULTS_DIR, writeResults } from '../lib/results.js';
import { summarize } from '../lib/stats.js';
import { formatTable, kb, ms } from '../lib/table.js';
import { CRITICAL_PATH, MILESTONES, QUALITY_AT, SIDES, type Side } from './milestones.js';
import { type Options, ROOT } from './options.js';
import type { RunResult } from './runner.js';

/** The runs summarised (median, p90…), printed as tables and written to bench/results/. */

function summarizeRuns(runs: RunResult[]) {
  const measured = runs.filter((r) => !r.warmup && r.ok);
  const milestones = MILESTONES.map((m) => ({
    side: m.side,
    key: m.key,
    label: m.label,
    ...summarize(measured.map((r) => r.at[m.side][m.key])),
  }));
  let previous: { side: Side; key: string } | null = null;
  const path = CRITICAL_PATH.map((step) => {
    const from = previous;
    previous = step;
    const costs = measured.map((r) => {
      const end = r.at[step.side][step.key];
      const begin = from ? r.at[from.side][from.key] : 0;
      return end === null || end === undefined || begin === null || begin === undefined ? null : end - begin;
    });
    return { label: step.label, side: step.side, key: step.key, ...summarize(costs) };
  });
  const both = (key: string) =>
    measured.map((r) => {
      const values = SIDES.map((s) => r.at[s][key]);
      return values.every((v) => typeof v === 'number') ? Math.max(...(values as number[])) : null;
    });
  const totals = [
    {
      label: 'first remote frame shown, patient',
      ...summarize(measured.map((r) => r.at.patient['first-shown'])),
    },
    {
      label: 'first remote frame shown, doctor',
      ...summarize(measured.map((r) => r.at.doctor['first-shown'])),
    },
    { label: 'first remote frame shown, both sides', ...summarize(both('first-shown')) },
    { label: 'first remote frame decoded, both sides', ...summarize(both('first-decoded')) },
    { label: 'remote 1280x720 shown, patient', ...summarize(measured.map((r) => r.at.patient['hd-shown'])) },
    { label: 'remote 1280x720 shown, doctor', ...summarize(measured.map((r) => r.at.doctor['hd-shown'])) },
    { label: 'remote 1280x720 shown, both sides', ...summarize(both('hd-shown')) },
    { label: 'remote 1280x720 decoded, both sides', ...summarize(both('hd-decoded')) },
  ];
  const traffic = {
    requests: summarize(measured.map((r) => r.callPage?.requests)),
    revalidations: summarize(measured.map((r) => r.callPage?.revalidations)),
    bytes: summarize(measured.map((r) => r.callPage?.bytes)),
  };
  const loadAverage = summarize(measured.map((r) => r.loadAverage));
  const quality = QUALITY_AT.flatMap((at) =>
    SIDES.map((side) => {
      const samples = measured.map((r) => r.quality?.[side]?.[String(at)] ?? null);
      return {
        at,
        side,
        height: summarize(samples.map((q) => q?.height)),
        framesPerSecond: summarize(samples.map((q) => q?.framesPerSecond)),
        kbps: summarize(samples.map((q) => q?.kbps)),
      };
    }),
  );
  return {
    measuredRuns: measured.length,
    failedRuns: runs.filter((r) => !r.ok).length,
    milestones,
    path,
    totals,
    traffic,
    loadAverage,
    quality,
  };
}

function nOf(summary: { n: number; missing: number }): string {
  return summary.missing > 0 ? `${summary.n}/${summary.n + summary.missing}` : String(summary.n);
}

function printReport(summary: CallSetupSummary, runs: RunResult[], options: Options): void {
  const out: string[] = [];
  out.push(
    `\nCall setup, ${summary.measuredRuns} measured runs (+${options.warmup} warm-up)` +
      `${options.tuneText ? `, experiment: ${options.tuneText}` : ''}; times in ms after the patient's Join now click\n`,
  );
  out.push(
    formatTable(
      ['total', 'median', 'p90', 'min', 'max', 'n'],
      summary.totals.map((t) => [t.label, ms(t.median), ms(t.p90), ms(t.min), ms(t.max), nOf(t)]),
    ),
  );
  const t = summary.traffic;
  out.push(
    `\nPatient's call page until its first remote frame: ${t.requests.median ?? '—'} HTTP requests to the network ` +
      `(${t.revalidations.median ?? '—'} of them 304 revalidations), ${kb(t.bytes.median)} received (medians). ` +
      `Load average (1 min) at the start of the runs: median ${summary.loadAverage.median ?? '—'}, max ${summary.loadAverage.max ?? '—'}.`,
  );
  out.push('\nWhere the time goes (critical path; each step is the time since the step before)\n');
  out.push(
    formatTable(
      ['step', 'median', 'p90'],
      summary.path.map((p) => [p.label, ms(p.median), ms(p.p90)]),
    ),
  );
  out.push('\nEvery milestone, each side\n');
  const keys = [...new Set(MILESTONES.map((m) => m.key))];
  const cell = (side: Side, key: string, p: 'median' | 'p90') => {
    const found = summary.milestones.find((m) => m.side === side && m.key === key);
    return found ? ms(found[p]) : '';
  };
  out.push(
    formatTable(
      ['milestone', 'patient median', 'patient p90', 'doctor median', 'doctor p90'],
      keys.map((key) => [
        MILESTONES.find((m) => m.key === key)?.label ?? key,
        cell('patient', key, 'median'),
        cell('patient', key, 'p90'),
        cell('doctor', key, 'median'),
        cell('doctor', key, 'p90'),
      ]),
    ),
  );
  out.push('\nReceived video a few seconds after the click (medians over the runs)\n');
  out.push(
    formatTable(
      ['when', 'side', 'height', 'frames/s', 'kbit/s'],
      summary.quality.map((q) => [
        `${q.at / 1000} s`,
        q.side,
        q.height.median === null ? '—' : `${q.height.median}p`,
        q.framesPerSecond.median === null ? '—' : String(q.framesPerSecond.median),
        q.kbps.median === null ? '—' : String(q.kbps.median),
      ]),
    ),
  );
  out.push('\nReceived video size over time (ms after the click), each run\n');
  for (const run of runs) {
    const ramp = (side: Side) =>
      run.received[side].map((s) => `${s.width}x${s.height}@${s.at}`).join(' → ') || (run.error ?? '—');
    out.push(
      `run ${run.run}${run.warmup ? ' (warm-up)' : ''}: patient ${ramp('patient')}\n${' '.repeat(String(run.run).length + (run.warmup ? 15 : 5))}  doctor  ${ramp('doctor')}`,
    );
  }
  console.log(out.join('\n'));
}

export type CallSetupSummary = ReturnType<typeof summarizeRuns>;

export interface GitState {
  commit: string;
  callEngine: string;
  uncommittedClientFiles: string[];
}

/** The commit measured, the last change to the call engine, and what of the client was not committed. */
export function gitState(): GitState {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  return {
    commit: git('rev-parse', '--short', 'HEAD'),
    callEngine: git('log', '-1', '--format=%h %s', '--', 'src/client/call'),
    uncommittedClientFiles: git('status', '--short', '--', 'src/client').split('\n').filter(Boolean),
  };
}

/** Prints the report of fresh runs and writes their results (and every mark, apart); returns the summary. */
export function reportRuns(
  runs: RunResult[],
  options: Options,
  machine: MachineInfo,
  git: GitState,
): CallSetupSummary {
  const summary = summarizeRuns(runs);
  printReport(summary, runs, options);
  const marksFile = join(
    RESULTS_DIR,
    `call-setup-marks-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  writeFileSync(marksFile, `${JSON.stringify(runs.map(({ run, marks }) => ({ run, marks })))}\n`);
  const file = writeResults('call-setup', {
    bench: 'call-setup',
    date: new Date().toISOString(),
    label: options.label,
    machine: { ...machine, chromium: runs[0]?.chromium ?? null },
    git,
    options: { ...options, tune: options.tune },
    summary,
    runs: withoutMarks(runs),
  });
  console.log(`\nresults: ${file} (every mark: ${marksFile})`);
  return summary;
}

/**
 * The results file keeps what each run measured; every raw mark (a megabyte for ten runs) goes to an
 * untracked call-setup-marks-<timestamp>.json beside it.
 */
function withoutMarks(runs: readonly RunResult[]): Omit<RunResult, 'marks'>[] {
  return runs.map(({ marks: _marks, ...rest }) => rest);
}

interface SavedResults {
  date: string;
  label: string | null;
  machine: unknown;
  git: unknown;
  options: Options;
  runs: RunResult[];
}

/** One report over the runs of several result files, e.g. rounds run in turn with other configurations. */
export function mergeResults(options: Options): void {
  const loaded = options.merge.map((file) => ({
    file,
    saved: JSON.parse(readFileSync(file, 'utf8')) as SavedResults,
  }));
  const first = loaded[0]?.saved;
  if (!first) throw new Error('--merge needs at least one file');
  let next = 1;
  const runs = loaded.flatMap(({ saved }) => saved.runs.map((r) => ({ ...r, run: r.warmup ? 0 : next++ })));
  const merged: Options = {
    ...first.options,
    runs: runs.filter((r) => !r.warmup).length,
    warmup: runs.filter((r) => r.warmup).length,
    label: options.label ?? first.label,
  };
  const summary = summarizeRuns(runs);
  printReport(summary, runs, merged);
  const file = writeResults('call-setup', {
    bench: 'call-setup',
    date: new Date().toISOString(),
    label: merged.label,
    mergedFrom: loaded.map(({ file, saved }) => ({ file, date: saved.date, label: saved.label })),
    machine: first.machine,
    git: first.git,
    options: merged,
    summary,
    runs: withoutMarks(runs),
  });
  console.log(`\nresults: ${file}`);
}
