// What recording costs the doctor's browser: `npm run bench:recording-cost [-- --seconds 20 --runs 3]`.
//
// In Debian's Chromium inside a loopback-only network namespace (re-executed under `unshare` like
// scripts/e2e.mjs), one page holds a 720p call between two RTCPeerConnections (fake cameras and
// microphones, host candidates over loopback, no STUN), the patient playing in a <video> as on the call
// page. Each measurement is a fresh browser: warm-up (bandwidth estimation reaches 720p), then for
// --seconds either nothing more ("none") or the product's composer and recorder (src/client/recording/,
// bundled for the page with esbuild) with one codec. Measured:
//   - CPU: user + system time of every Chromium process started by this benchmark (/proc/<pid>/stat, the
//     process tree under this process), in CPU-ms per second (1000 = one core busy);
//   - the call: frames the doctor's encoder produced per second (outbound-rtp framesEncoded delta), frames
//     the doctor decoded of the patient (inbound-rtp framesDecoded delta) and the patient of the doctor;
//   - the composer's frames per second and the recording's bit rate.
// Modes are interleaved run by run so the shared machine's load falls on all of them alike. Prints a table
// of medians (with the ratio to "none") and writes bench/results/recording-cost-<timestamp>.json.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { build } from 'esbuild';
import { enterLoopbackNamespace } from '../scripts/lib/loopback-namespace.mjs';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/e2e/support/chromium.js';
import { parseOptions } from './lib/args.js';
import { readMachine, readProc, sleep } from './lib/proc.js';
import { describeMachine, machineInfo, runBenchmark, writeResults } from './lib/results.js';
import { percentile } from './lib/stats.js';
import { formatTable } from './lib/table.js';
import type { BenchWindow, PageSample } from './recording-cost/page.js';

const SELF = fileURLToPath(import.meta.url);
const PAGE_ENTRY = fileURLToPath(new URL('./recording-cost/page.ts', import.meta.url));
const INSIDE_MARKER = 'CARECALL_BENCH_NETNS';
const EXIT_SKIPPED = 3;
const NAME = 'bench:recording-cost';

const MODES: Record<string, string | null> = {
  none: null,
  vp8: 'video/webm;codecs=vp8,opus',
  vp9: 'video/webm;codecs=vp9,opus',
};

const options = parseOptions({
  name: NAME,
  usage: 'npm run bench:recording-cost -- [options]',
  options: {
    seconds: { type: 'number', default: 20, min: 1, help: 'measured seconds per measurement' },
    runs: { type: 'number', default: 3, min: 1, integer: true, help: 'measurements of each mode' },
    warmup: {
      type: 'number',
      default: 10,
      min: 0,
      help: 'seconds of call before measuring (bandwidth estimation ramps up to 720p)',
    },
    modes: {
      type: 'string',
      default: 'none,vp8,vp9',
      value: 'LIST',
      help: 'what runs on the doctor side: none (the call only), vp8, vp9 (composer + recorder)',
    },
    name: { type: 'string', default: 'recording-cost', help: 'results file name' },
  },
});

const log = (line: string) => process.stderr.write(`[recording-cost] ${line}\n`);

interface Measurement {
  mode: string;
  run: number;
  mimeType: string | null;
  seconds: number;
  /** CPU-ms per second of all of this benchmark's Chromium processes (1000 = one core). */
  browserCpuMsPerSecond: number;
  /** The whole machine's busy CPU-ms per second meanwhile (other work on a shared machine included). */
  machineCpuMsPerSecond: number | null;
  doctorEncodedFps: number;
  doctorDecodedFps: number;
  patientDecodedFps: number;
  composerFps: number | null;
  /** Main-thread ms per painted frame. */
  composerPaintMsPerFrame: number | null;
  recordingKbps: number | null;
  sentSize: string;
  receivedSize: string;
  limitation: string;
}

/** Pids of every process descended from `root` (Chromium's browser, renderers, GPU and utility processes). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // Gone while listing.
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** CPU-ms so far of the benchmark's browser processes (those of its own Node process excluded). */
function browserCpuMs(pids: Set<number>): number {
  for (const pid of descendants(process.pid)) pids.add(pid);
  let total = 0;
  for (const pid of pids) total += readProc(pid)?.cpuMs ?? 0;
  return total;
}

async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [PAGE_ENTRY],
    bundle: true,
    format: 'esm',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('esbuild produced nothing');
  return file.text;
}

function serve(script: string): Promise<Server> {
  const html =
    '<!doctype html><meta charset="utf-8"><title>recording cost</title><script type="module" src="/page.js"></script>';
  const server = createServer((request, response) => {
    if (request.url === '/page.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else {
      response.writeHead(200, { 'content-type': 'text/html' }).end(html);
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function measure(url: string, mode: string, run: number): Promise<Measurement> {
  const mimeType = MODES[mode] ?? null;
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    // The fake camera runs at 30 fps like a real one (its default is 20); the remote audio plays unmuted,
    // as on the call page (the doctor's click allows it there).
    args: [
      ...CHROMIUM_ARGS.map((arg) => (arg === '--use-fake-device-for-media-stream' ? `${arg}=fps=30` : arg)),
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  const pids = new Set<number>();
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => typeof (window as unknown as BenchWindow).setupCall === 'function');
    await page.evaluate(() => (window as unknown as BenchWindow).setupCall());
    await sleep(options.warmup * 1000);
    let chosen: string | null = null;
    if (mimeType) {
      chosen = await page.evaluate(
        (type) => (window as unknown as BenchWindow).startRecording(type),
        mimeType,
      );
      if (chosen !== mimeType) throw new Error(`${mimeType} is not supported here (got ${chosen})`);
      await sleep(2000);
    }
    const cpu0 = browserCpuMs(pids);
    const machine0 = readMachine();
    const wall0 = performance.now();
    const s0 = await page.evaluate(() => (window as unknown as BenchWindow).sample());
    await sleep(options.seconds * 1000);
    const s1: PageSample = await page.evaluate(() => (window as unknown as BenchWindow).sample());
    const cpu1 = browserCpuMs(pids);
    const machine1 = readMachine();
    const wallSeconds = (performance.now() - wall0) / 1000;
    const seconds = (s1.at - s0.at) / 1000;
    const rate = (a: number, b: number) => (b - a) / seconds;
    return {
      mode,
      run,
      mimeType: chosen,
      seconds,
      browserCpuMsPerSecond: (cpu1 - cpu0) / wallSeconds,
      machineCpuMsPerSecond: machine0 && machine1 ? (machine1.cpuMs - machine0.cpuMs) / wallSeconds : null,
      doctorEncodedFps: rate(s0.doctorSent.framesEncoded, s1.doctorSent.framesEncoded),
      doctorDecodedFps: rate(s0.doctorReceived.framesDecoded, s1.doctorReceived.framesDecoded),
      patientDecodedFps: rate(s0.patientReceived.framesDecoded, s1.patientReceived.framesDecoded),
      composerFps: mimeType ? rate(s0.composerFrames, s1.composerFrames) : null,
      composerPaintMsPerFrame:
        mimeType && s1.composerFrames > s0.composerFrames
          ? (s1.composerPaintMs - s0.composerPaintMs) / (s1.composerFrames - s0.composerFrames)
          : null,
      recordingKbps: mimeType ? (rate(s0.recordedBytes, s1.recordedBytes) * 8) / 1000 : null,
      sentSize: `${s1.doctorSent.frameWidth}x${s1.doctorSent.frameHeight}`,
      receivedSize: `${s1.doctorReceived.frameWidth}x${s1.doctorReceived.frameHeight}`,
      limitation: s1.doctorSent.limitation,
    };
  } finally {
    await browser.close();
  }
}

const median = (values: readonly number[]): number | null => percentile(values, 50);
const fixed = (value: number | null, digits = 1) => (value === null ? '—' : value.toFixed(digits));

function summarize(measurements: Measurement[], modes: string[]) {
  const byMode = (mode: string) => measurements.filter((m) => m.mode === mode);
  const med = (mode: string, pick: (m: Measurement) => number | null) =>
    median(byMode(mode).flatMap((m) => (pick(m) === null ? [] : [pick(m) as number])));
  const baseline = modes.includes('none') ? 'none' : null;
  return modes.map((mode) => {
    const cpu = med(mode, (m) => m.browserCpuMsPerSecond);
    const baseCpu = baseline ? med(baseline, (m) => m.browserCpuMsPerSecond) : null;
    const encoded = med(mode, (m) => m.doctorEncodedFps);
    const baseEncoded = baseline ? med(baseline, (m) => m.doctorEncodedFps) : null;
    return {
      mode,
      runs: byMode(mode).length,
      browserCpuMsPerSecond: cpu,
      cpuRatio: cpu !== null && baseCpu ? cpu / baseCpu : null,
      machineCpuMsPerSecond: med(mode, (m) => m.machineCpuMsPerSecond),
      doctorEncodedFps: encoded,
      encodedFpsRatio: encoded !== null && baseEncoded ? encoded / baseEncoded : null,
      doctorDecodedFps: med(mode, (m) => m.doctorDecodedFps),
      patientDecodedFps: med(mode, (m) => m.patientDecodedFps),
      composerFps: med(mode, (m) => m.composerFps),
      composerPaintMsPerFrame: med(mode, (m) => m.composerPaintMsPerFrame),
      recordingKbps: med(mode, (m) => m.recordingKbps),
      sizes: [...new Set(byMode(mode).map((m) => `${m.sentSize}/${m.receivedSize}`))].join(' '),
    };
  });
}

async function main(): Promise<void> {
  const modes = options.modes
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  for (const mode of modes) {
    if (!(mode in MODES)) throw new Error(`--modes: unknown mode "${mode}" (none, vp8, vp9)`);
  }
  const machine = machineInfo();
  const server = await serve(await bundlePage());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const measurements: Measurement[] = [];
  try {
    for (let run = 1; run <= options.runs; run += 1) {
      for (const mode of modes) {
        const m = await measure(url, mode, run);
        measurements.push(m);
        log(
          `run ${run} ${mode}: browser CPU ${m.browserCpuMsPerSecond.toFixed(0)} ms/s, doctor encodes ` +
            `${m.doctorEncodedFps.toFixed(1)} fps (${m.sentSize}, ${m.limitation}), composer ` +
            `${fixed(m.composerFps)} fps (${fixed(m.composerPaintMsPerFrame)} ms/frame), machine ${fixed(m.machineCpuMsPerSecond, 0)} ms/s`,
        );
      }
    }
  } finally {
    server.close();
  }
  const summary = summarize(measurements, modes);
  const table = formatTable(
    [
      'mode',
      'runs',
      'browser CPU ms/s',
      '× none',
      'doctor encodes fps',
      '× none',
      'doctor decodes fps',
      'patient decodes fps',
      'composer fps',
      'paint ms/frame',
      'recording kbit/s',
      'machine CPU ms/s',
      'sent/received size',
    ],
    summary.map((s) => [
      s.mode,
      String(s.runs),
      fixed(s.browserCpuMsPerSecond, 0),
      fixed(s.cpuRatio, 2),
      fixed(s.doctorEncodedFps),
      fixed(s.encodedFpsRatio, 2),
      fixed(s.doctorDecodedFps),
      fixed(s.patientDecodedFps),
      fixed(s.composerFps),
      fixed(s.composerPaintMsPerFrame),
      fixed(s.recordingKbps, 0),
      fixed(s.machineCpuMsPerSecond, 0),
      s.sizes,
    ]),
  );
  const results = {
    benchmark: 'recording-cost',
    at: new Date().toISOString(),
    machine,
    options: { seconds: options.seconds, runs: options.runs, warmup: options.warmup, modes },
    cpuSource:
      '/proc/<pid>/stat utime+stime of every process under this benchmark (Chromium and its children)',
    summary,
    measurements,
  };
  process.stdout.write(`${JSON.stringify(results)}\n\n`);
  process.stdout.write(
    `Medians of ${options.runs} runs, ${options.seconds} s each; ${describeMachine(machine)}\n`,
  );
  process.stdout.write(`${table}\n`);
  process.stdout.write(`results: ${writeResults(options.name, results)}\n`);
}

const skip = (reason: string): never => {
  log(`SKIPPED: ${reason}`);
  process.exit(EXIT_SKIPPED);
};
if (!existsSync(CHROMIUM_PATH)) skip(`${CHROMIUM_PATH} is missing (apt-get install -y chromium)`);
const inside = enterLoopbackNamespace({
  argv: [process.execPath, ...process.execArgv, SELF, ...process.argv.slice(2)],
  marker: INSIDE_MARKER,
  cannotRun: skip,
  log,
});
if (inside) runBenchmark(NAME, main);
