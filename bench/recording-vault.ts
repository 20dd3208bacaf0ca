/**
 * The recording vault on this machine's disk (docs/recordings.md): storing a synthetic recording chunk by
 * chunk (each chunk encrypted and fsynced before the next, as uploads are acknowledged), sealing it into
 * the encrypted block file (two passes over the chunks: the WebM duration scan, then the blocks), and
 * ranged reads of the sealed file as a player's seeks make them. The data is random, so the WebM scan
 * stops at once: sealing a real WebM costs the same decryption plus a scan that only reads headers.
 * The process's peak RSS shows that nothing holds the whole recording.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileRecordingVault } from '../src/server/recordings/file-vault.js';
import { parseOptions } from './lib/args.js';
import { describeMachine, machineInfo, runBenchmark, writeResults } from './lib/results.js';
import { percentile, summarize } from './lib/stats.js';
import { formatTable } from './lib/table.js';

const o = parseOptions({
  name: 'bench:recording-vault',
  usage: 'npm run bench:recording-vault -- [options]',
  options: {
    mb: { type: 'number', default: 100, min: 1, env: 'BENCH_VAULT_MB', value: 'MB', help: 'recording size' },
    chunk: {
      type: 'number',
      default: 2,
      min: 0.01,
      value: 'MiB',
      help: 'chunk size (the browser sends ~2 s)',
    },
    runs: { type: 'number', default: 3, min: 1, integer: true, help: 'recordings stored and sealed' },
    reads: { type: 'number', default: 200, min: 1, integer: true, help: 'ranged reads of each size' },
    dir: {
      type: 'string',
      default: tmpdir(),
      defaultText: 'the temporary directory',
      env: 'BENCH_VAULT_DIR',
      value: 'DIR',
      help: 'where the recordings are written (use the disk RECORDINGS_DIR will be on)',
    },
  },
  notes: 'Sizes in MB are 10^6 bytes; throughput is plaintext MB per second.',
});

const RANGES = [
  { name: '64 KiB (one block)', bytes: 64 * 1024 },
  { name: '1 MiB (a seek)', bytes: 1024 * 1024 },
];

async function drain(stream: NodeJS.ReadableStream): Promise<number> {
  let bytes = 0;
  for await (const part of stream) bytes += (part as Buffer).length;
  return bytes;
}

async function main(): Promise<void> {
  const machine = machineInfo();
  const dir = mkdtempSync(join(o.dir, 'carecall-bench-vault-'));
  const total = Math.round(o.mb * 1e6);
  const chunkBytes = Math.round(o.chunk * 1024 * 1024);
  process.stdout.write(
    `recording vault: ${o.mb} MB in ${o.chunk} MiB chunks, ${o.runs} runs, ${o.reads} reads per size, in ${o.dir}\n` +
      `machine: ${describeMachine(machine)}\n`,
  );
  const vault = new FileRecordingVault({
    dir,
    operatorKey: randomBytes(32),
    maxBytesPerRecording: 2 * total,
  });
  // One chunk's worth of random bytes, varied per chunk by its first bytes: generating 100 MB of
  // randomness would be timed as storing.
  const pattern = randomBytes(chunkBytes);
  const put: number[] = [];
  const seal: number[] = [];
  const reads: Record<string, number[]> = Object.fromEntries(RANGES.map((r) => [r.name, []]));
  const whole: number[] = [];
  try {
    for (let run = 0; run < o.runs; run++) {
      const ref = { recordingId: `bench-${run}`, wrappedKey: vault.newKey() };
      let started = performance.now();
      for (let seq = 0, stored = 0; stored < total; seq++) {
        const data = Buffer.from(pattern.subarray(0, Math.min(chunkBytes, total - stored)));
        data.writeUInt32BE(seq, 0);
        await vault.putChunk(ref, 0, seq, data, createHash('sha256').update(data).digest('hex'));
        stored += data.length;
      }
      put.push(total / 1e6 / ((performance.now() - started) / 1000));
      started = performance.now();
      const sealed = await vault.seal(ref, 0);
      seal.push(total / 1e6 / ((performance.now() - started) / 1000));
      if (sealed.bytes !== total) throw new Error(`sealed ${sealed.bytes} bytes, stored ${total}`);
      for (const range of RANGES) {
        for (let i = 0; i < o.reads; i++) {
          const start = Math.floor(Math.random() * (total - range.bytes));
          const t = performance.now();
          const got = await drain(vault.read(ref, 0, start, start + range.bytes - 1));
          reads[range.name]?.push(performance.now() - t);
          if (got !== range.bytes) throw new Error(`read ${got} bytes of ${range.bytes}`);
        }
      }
      started = performance.now();
      await drain(vault.read(ref, 0, 0, total - 1));
      whole.push(total / 1e6 / ((performance.now() - started) / 1000));
      await vault.destroy(ref.recordingId);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  const mbps = (xs: number[]) => summarize(xs);
  const results = {
    benchmark: 'recording-vault',
    machine,
    options: { mb: o.mb, chunkMiB: o.chunk, runs: o.runs, reads: o.reads, dir: o.dir },
    putMBps: mbps(put),
    sealMBps: mbps(seal),
    wholeReadMBps: mbps(whole),
    rangedReadMs: Object.fromEntries(Object.entries(reads).map(([name, xs]) => [name, summarize(xs)])),
    peakRssMiB,
  };
  const f = (v: number | null) => (v === null ? '—' : v < 10 ? v.toFixed(2) : v.toFixed(0));
  const rate = (name: string, s: ReturnType<typeof summarize>) => [name, f(s.median), f(s.min), f(s.max)];
  const latency = Object.entries(reads).map(([name, xs]) => [
    name,
    f(percentile(xs, 50)),
    f(percentile(xs, 90)),
    f(percentile(xs, 99)),
    f(percentile(xs, 100)),
  ]);
  process.stdout.write(
    `${formatTable(
      ['throughput (MB/s of plaintext)', 'median', 'min', 'max'],
      [
        rate('store chunks (each fsynced)', results.putMBps),
        rate('seal', results.sealMBps),
        rate('read the whole file', results.wholeReadMBps),
      ],
    )}\n\n` +
      `${formatTable(['ranged read (ms, to last byte)', 'p50', 'p90', 'p99', 'max'], latency)}\n\n` +
      `peak RSS ${peakRssMiB.toFixed(0)} MiB\n`,
  );
  process.stdout.write(`results: ${writeResults('recording-vault', results)}\n`);
}

runBenchmark('recording-vault', main);
