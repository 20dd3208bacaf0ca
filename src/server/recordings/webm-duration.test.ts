import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  durationEdits,
  EditStream,
  encodeVint,
  patchWebmDuration,
  readId,
  readVint,
  WebmScanner,
} from './webm-duration.js';

const FIXTURE = new URL('./fixtures/mediarecorder-vp8-opus.webm', import.meta.url);
/** The recorder's own pieces (timeslice 1 s), as the browser would have uploaded them. */
const FIXTURE_PARTS = [17653, 34393, 35471];
/**
 * Both browsers' MediaRecorder, 3 s each (scripts/record-webm-fixture.ts). Chromium writes no Duration,
 * so one is inserted (11 bytes); Firefox writes a Duration of 0 and a SeekHead, so it is overwritten.
 */
const RECORDERS = [
  { browser: 'Chromium', file: FIXTURE, parts: FIXTURE_PARTS, growth: 11, existingDuration: false },
  {
    browser: 'Firefox',
    file: new URL('./fixtures/mediarecorder-firefox-vp8-opus.webm', import.meta.url),
    parts: [23787, 23504, 22570],
    growth: 0,
    existingDuration: true,
  },
];
const hasTool = (tool: string) => spawnSync(tool, ['-version'], { stdio: 'ignore' }).status === 0;
const ffprobeMissing = hasTool('ffprobe') ? false : 'ffprobe is not installed (Debian package ffmpeg)';
const ffmpegMissing = hasTool('ffmpeg') ? false : 'ffmpeg is not installed (Debian package ffmpeg)';

function probe(file: string, entries: string): string {
  return execFileSync('ffprobe', ['-v', 'error', '-show_entries', entries, '-of', 'csv=p=0', file], {
    encoding: 'utf8',
  }).trim();
}

function split(file: Buffer, sizes: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (let i = 0; at < file.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    out.push(file.subarray(at, at + size));
    at += size;
  }
  return out;
}

describe('EBML vints', () => {
  it('reads every length, the unknown size, and waits for missing bytes', () => {
    expect(readVint(Buffer.of(0x81), 0)).toEqual({ length: 1, value: 1, unknown: false });
    expect(readVint(Buffer.of(0x80), 0)).toEqual({ length: 1, value: 0, unknown: false });
    expect(readVint(Buffer.of(0xff), 0)).toEqual({ length: 1, value: 127, unknown: true });
    expect(readVint(Buffer.of(0x40, 0x7f), 0)).toEqual({ length: 2, value: 127, unknown: false });
    expect(readVint(Buffer.of(0x7f, 0xff), 0)).toEqual({ length: 2, value: 16383, unknown: true });
    expect(readVint(Buffer.of(0x10, 0, 0, 1), 0)).toEqual({ length: 4, value: 1, unknown: false });
    const unknown8 = Buffer.from('01ffffffffffffff', 'hex');
    expect(readVint(unknown8, 0)).toMatchObject({ length: 8, unknown: true });
    expect(readVint(Buffer.from('01000000ffffffff', 'hex'), 0)).toEqual({
      length: 8,
      value: 2 ** 32 - 1,
      unknown: false,
    });
    expect(readVint(Buffer.from('0100ffffffffffff', 'hex'), 0)?.value).toBe(2 ** 48 - 1);
    expect(() => readVint(Buffer.from('01ffffffffffff00', 'hex'), 0)).toThrow(/2\^53/);
    expect(readVint(Buffer.of(0x40), 0)).toBeNull();
    expect(readVint(Buffer.of(), 0)).toBeNull();
    expect(readVint(Buffer.of(0x01, 0, 0), 0)).toBeNull();
    expect(() => readVint(Buffer.of(0x00, 1), 0)).toThrow(/first byte 0/);
  });

  it('reads IDs with their marker and refuses impossible ones', () => {
    expect(readId(Buffer.from('1a45dfa3', 'hex'), 0)).toEqual({ id: 0x1a45dfa3, length: 4 });
    expect(readId(Buffer.from('4489', 'hex'), 0)).toEqual({ id: 0x4489, length: 2 });
    expect(readId(Buffer.from('1a45', 'hex'), 0)).toBeNull();
    expect(() => readId(Buffer.of(0x08), 0)).toThrow(/element ID/);
  });

  it('encodes at the smallest length, never as the unknown pattern, or wider when asked', () => {
    expect(encodeVint(0)).toEqual(Buffer.of(0x80));
    expect(encodeVint(126)).toEqual(Buffer.of(0xfe));
    expect(encodeVint(127)).toEqual(Buffer.of(0x40, 0x7f));
    expect(encodeVint(16382)).toEqual(Buffer.of(0x7f, 0xfe));
    expect(encodeVint(16383)).toEqual(Buffer.of(0x20, 0x3f, 0xff));
    expect(encodeVint(36, 8)).toEqual(Buffer.from('0100000000000024', 'hex'));
    expect(encodeVint(2 ** 53 - 1)).toHaveLength(8);
    for (const v of [0, 1, 126, 127, 128, 16382, 16383, 2 ** 21, 2 ** 35 + 5, 2 ** 53 - 1]) {
      for (const min of [1, 4, 8]) {
        const encoded = encodeVint(v, min);
        expect(readVint(encoded, 0)).toEqual({ length: encoded.length, value: v, unknown: false });
      }
    }
    expect(() => encodeVint(-1)).toThrow();
    expect(() => encodeVint(1.5)).toThrow();
  });
});

describe('WebM duration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'carecall-webm-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fixture = readFileSync(FIXTURE);

  it.each(RECORDERS.map((r) => [r.browser, r] as const))(
    "%s's MediaRecorder file: the scan finds the last timestamp, whatever the pieces",
    (_, { file, parts, existingDuration }) => {
      const fixture = readFileSync(file);
      const whole = patchWebmDuration(fixture);
      expect(whole.scan).toMatchObject({ webm: true, hasPositions: existingDuration });
      expect(whole.scan.duration !== null).toBe(existingDuration);
      expect(whole.scan.segment?.size).toBeNull();
      expect(whole.scan.timecodeScaleNs).toBe(1_000_000);
      expect(whole.scan.durationMs).toBeGreaterThan(2500);
      expect(whole.scan.durationMs).toBeLessThanOrEqual(3100);
      for (const sizes of [parts, [1], [3, 5, 7], [4096]]) {
        const scanner = new WebmScanner();
        for (const piece of split(fixture, sizes)) scanner.push(piece);
        const scan = scanner.finish();
        expect(scan).toEqual(whole.scan);
        const stream = new EditStream(durationEdits(scan));
        const patched = Buffer.concat([
          ...split(fixture, sizes).flatMap((p) => stream.push(p)),
          ...stream.end(),
        ]);
        expect(patched.equals(whole.patched)).toBe(true);
      }
    },
  );

  it.skipIf(ffprobeMissing).each(RECORDERS.map((r) => [r.browser, r] as const))(
    "%s's patched file has a Duration ffprobe reads, and its streams",
    (browser, { file: source, growth }) => {
      const fixture = readFileSync(source);
      const original = join(dir, `${browser}-original.webm`);
      writeFileSync(original, fixture);
      expect(probe(original, 'format=duration')).toBe('N/A');
      const lastPacket = Math.max(...probe(original, 'packet=pts_time').split('\n').map(Number));
      const { scan, patched } = patchWebmDuration(fixture);
      expect(patched.length).toBe(fixture.length + growth);
      const file = join(dir, `${browser}-patched.webm`);
      writeFileSync(file, patched);
      const duration = Number(probe(file, 'format=duration'));
      // The recorder ran 3 s; the last frame's timestamp is the truth ffprobe can check.
      expect(Math.abs(duration - 3)).toBeLessThan(0.3);
      expect(Math.abs(duration - lastPacket)).toBeLessThan(0.05);
      expect(duration * 1000).toBeCloseTo(scan.durationMs, 0);
      expect(probe(file, 'stream=codec_type,codec_name').split('\n').sort()).toEqual([
        'opus,audio',
        'vp8,video',
      ]);
      expect(probe(file, 'packet=pts_time').split('\n').length).toBe(
        probe(original, 'packet=pts_time').split('\n').length,
      );
    },
  );

  it.skipIf(ffprobeMissing || ffmpegMissing)(
    'a Duration already there (ffmpeg writes one, with SeekHead and Cues) is overwritten in place',
    () => {
      const file = join(dir, 'ffmpeg.webm');
      execFileSync('ffmpeg', [
        ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=15'],
        ...['-f', 'lavfi', '-i', 'sine', '-t', '2', '-c:v', 'libvpx', '-c:a', 'libopus', file],
      ]);
      const bytes = readFileSync(file);
      const { scan, edits, patched } = patchWebmDuration(bytes);
      expect(scan.webm).toBe(true);
      expect(scan.hasPositions).toBe(true);
      expect(scan.duration).not.toBeNull();
      expect(edits).toHaveLength(1);
      expect(patched.length).toBe(bytes.length);
      const out = join(dir, 'ffmpeg-patched.webm');
      writeFileSync(out, patched);
      expect(Math.abs(Number(probe(out, 'format=duration')) - 2)).toBeLessThan(0.3);
    },
  );

  it('a Segment of known size grows with Info', () => {
    const el = (id: string, ...body: Buffer[]) => {
      const data = Buffer.concat(body);
      return Buffer.concat([Buffer.from(id, 'hex'), encodeVint(data.length), data]);
    };
    const hex = (text: string) => Buffer.from(text, 'hex');
    const info = el('1549a966', el('2ad7b1', hex('0f4240')));
    // Cluster at 1000 ms; one SimpleBlock (track 1) at +500, one BlockGroup's Block at +200.
    const cluster = el(
      '1f43b675',
      el('e7', hex('03e8')),
      el('a3', hex('8101f480aa')),
      el('a0', el('a1', hex('8100c800bb')), el('9b', hex('21'))),
    );
    const body = Buffer.concat([info, cluster]);
    const file = Buffer.concat([
      el('1a45dfa3', el('4282', Buffer.from('webm'))),
      hex('18538067'),
      encodeVint(body.length, 8),
      body,
    ]);
    const { scan, patched } = patchWebmDuration(file);
    expect(scan).toMatchObject({ webm: true, maxTimestamp: 1500, durationMs: 1500 });
    expect(scan.segment?.size).toBe(body.length);
    const again = new WebmScanner();
    again.push(patched);
    const rescan = again.finish();
    expect(rescan.webm).toBe(true);
    expect(rescan.segment).toMatchObject({ size: body.length + 11, sizeLength: 8 });
    expect(rescan.info?.size).toBe(info.length - 5 + 11);
    expect(rescan.maxTimestamp).toBe(1500);
    const at = rescan.duration?.dataOffset ?? 0;
    expect(rescan.duration?.dataLength).toBe(8);
    expect(patched.readDoubleBE(at)).toBe(1500);
    // Patching a patched file only rewrites the value.
    expect(durationEdits(rescan)).toEqual([
      { offset: at, deleteLength: 8, insert: patched.subarray(at, at + 8) },
    ]);
  });

  it('anything that is not WebM is left alone', () => {
    for (const junk of [Buffer.from('hello world'), Buffer.alloc(0), Buffer.alloc(1000, 0x42)]) {
      const { scan, edits, patched } = patchWebmDuration(junk);
      expect(scan.webm).toBe(false);
      expect(scan.problem).toBeTruthy();
      expect(edits).toEqual([]);
      expect(patched.equals(junk)).toBe(true);
    }
    // A WebM cut inside its header is not patched either.
    expect(patchWebmDuration(fixture.subarray(0, 60)).edits).toEqual([]);
  });

  it('a WebM cut anywhere after its Info still gets the duration of what it holds', () => {
    const whole = patchWebmDuration(fixture).scan.durationMs;
    let previous = 0;
    for (const cut of [200, 1000, 17653, 17653 + 3, 52046, fixture.length - 5]) {
      const { scan, edits } = patchWebmDuration(fixture.subarray(0, cut));
      expect(scan.webm, `cut at ${cut}`).toBe(true);
      expect(scan.durationMs).toBeGreaterThanOrEqual(previous);
      expect(scan.durationMs).toBeLessThanOrEqual(whole);
      expect(edits.length).toBe(scan.maxTimestamp === null ? 0 : 2);
      previous = scan.durationMs;
    }
    expect(previous).toBeGreaterThan(whole - 100);
  });

  it('edits apply across any split of the input, including one at its very end', () => {
    const input = Buffer.from('abcdefghij');
    const edits = [
      { offset: 0, deleteLength: 1, insert: Buffer.from('AA') },
      { offset: 4, deleteLength: 3, insert: Buffer.alloc(0) },
      { offset: 10, deleteLength: 0, insert: Buffer.from('!') },
    ];
    for (const size of [1, 2, 3, 10]) {
      const stream = new EditStream(edits);
      const out = [...split(input, [size]).flatMap((p) => stream.push(p)), ...stream.end()];
      expect(Buffer.concat(out).toString()).toBe('AAbcdhij!');
    }
    expect(() => new EditStream([edits[1], edits[0]] as never)).toThrow(/overlap or are unsorted/);
    const short = new EditStream([{ offset: 20, deleteLength: 0, insert: Buffer.from('x') }]);
    short.push(input);
    expect(() => short.end()).toThrow(/beyond the end/);
  });
});
