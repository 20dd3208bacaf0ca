import { spawnSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { AppointmentRecordings, RecordingView } from '../../../src/protocol/recording.js';
import { expect } from './fixtures.js';

/** What a browser test checks of recordings: the list, the files through their links, and ffprobe. */

export async function listRecordings(page: Page, id: string): Promise<AppointmentRecordings> {
  const response = await page.request.get(`/api/appointments/${id}/recordings`);
  expect(response.status(), `GET /api/appointments/${id}/recordings`).toBe(200);
  return (await response.json()) as AppointmentRecordings;
}

/** Waits until the recording reaches one of `states` (the server seals it once every chunk is in). */
export async function recordingReaches(
  page: Page,
  id: string,
  recordingId: string,
  states: RecordingView['state'][],
  timeout = 60_000,
): Promise<AppointmentRecordings['recordings'][number]> {
  let found: AppointmentRecordings['recordings'][number] | undefined;
  await expect
    .poll(
      async () => {
        const list = await listRecordings(page, id);
        found = list.recordings.find((r) => r.recording.id === recordingId);
        return found?.recording.state;
      },
      { timeout, message: `recording ${recordingId} reaches ${states.join(' or ')}` },
    )
    .toMatch(new RegExp(`^(${states.join('|')})$`));
  if (!found) throw new Error('unreachable: the poll found it');
  return found;
}

/** Fetches a file through the page's own cookies (the route checks access on every request). */
export async function download(page: Page, url: string, headers: Record<string, string> = {}) {
  const response = await page.request.get(url, { headers });
  return { status: response.status(), headers: response.headers(), body: await response.body() };
}

export interface Probe {
  ok: boolean;
  streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number }>;
  durationSeconds: number | null;
  error: string;
}

/** ffprobe's view of a file: its streams and the container's duration. */
export function ffprobe(path: string): Probe {
  const run = spawnSync(
    'ffprobe',
    [
      '-v',
      'error',
      '-show_entries',
      'format=duration:stream=codec_type,codec_name,width,height',
      '-of',
      'json',
      path,
    ],
    { encoding: 'utf8' },
  );
  if (run.error) throw new Error(`ffprobe could not run (${run.error.message}); apt-get install -y ffmpeg`);
  if (run.status !== 0) return { ok: false, streams: [], durationSeconds: null, error: run.stderr.trim() };
  const parsed = JSON.parse(run.stdout) as { streams?: Probe['streams']; format?: { duration?: string } };
  const duration = parsed.format?.duration === undefined ? null : Number(parsed.format.duration);
  return { ok: true, streams: parsed.streams ?? [], durationSeconds: duration, error: run.stderr.trim() };
}

/**
 * ffmpeg decodes the whole file (every packet): a damaged or truncated file fails here. Chromium's
 * MediaRecorder now and then gives two video frames the same millisecond (a CI run saw two at 38 ms);
 * players show both, but ffmpeg's null output passes frames through with their timestamps and calls the
 * repeat an error of its own ("non monotonically increasing dts to muxer"). `-fps_mode vfr` lets it drop
 * such a frame after decoding it, so what is left on stderr is about the file, not the check: a cut or
 * damaged file still prints its error.
 */
export function decodesWhole(path: string): { ok: boolean; error: string } {
  const run = spawnSync('ffmpeg', ['-v', 'error', '-i', path, '-fps_mode', 'vfr', '-f', 'null', '-'], {
    encoding: 'utf8',
  });
  return { ok: run.status === 0 && run.stderr.trim() === '', error: run.stderr.trim() };
}

/** ffprobe reads it and ffmpeg decodes every packet: a file that plays, with an audio and a video stream. */
export function expectPlayable(path: string): Probe {
  const probe = ffprobe(path);
  expect(probe.ok, probe.error).toBe(true);
  expect(probe.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
  const decoded = decodesWhole(path);
  expect(decoded.ok, decoded.error).toBe(true);
  return probe;
}

/** The average colour of the frame shown at `seconds` (the picture scaled to one pixel), as [r, g, b]. */
export function colourAt(path: string, seconds: number): [number, number, number] | null {
  const run = spawnSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-ss',
      String(seconds),
      '-i',
      path,
      '-frames:v',
      '1',
      '-vf',
      'scale=1:1',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-',
    ],
    { encoding: 'buffer' },
  );
  if (run.status !== 0 || run.stdout.length < 3) return null;
  return [run.stdout[0] ?? 0, run.stdout[1] ?? 0, run.stdout[2] ?? 0];
}

export async function saveTemp(name: string, body: Buffer): Promise<string> {
  const path = join(tmpdir(), `carecall-e2e-${process.pid}-${name}`);
  await writeFile(path, body);
  return path;
}

/** Every file under the server's RECORDINGS_DIR, with its bytes. */
export async function rawFiles(dir: string): Promise<Array<{ path: string; bytes: Buffer }>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = entries.filter((entry) => entry.isFile());
  return Promise.all(
    files.map(async (entry) => {
      const path = join(entry.parentPath, entry.name);
      return { path, bytes: await readFile(path) };
    }),
  );
}

/** The EBML magic every WebM file starts with. */
export const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);
