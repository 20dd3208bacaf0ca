/**
 * Records a WebM fixture of src/server/recordings/fixtures/ the way the doctor's browser does: the
 * browser's MediaRecorder over its fake camera and microphone with a one-second timeslice, 320x240 so the
 * file stays small. Such a file has a Segment of unknown size and no Duration in its Info, which is what
 * the vault's WebM patch is for. Run it in a namespace that has only loopback, as every browser test is:
 *
 *   unshare -n bash -c 'ip link set lo up && node --import tsx scripts/record-webm-fixture.ts chromium'
 *   unshare -n bash -c 'ip link set lo up && node --import tsx scripts/record-webm-fixture.ts firefox'
 *
 * Arguments: browser (chromium or firefox), seconds (3), output file (fixtures/mediarecorder-<codecs>.webm).
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from '@playwright/test';
import { launchFirefox } from '../test/e2e/support/firefox.js';

const browserName = process.argv[2] ?? 'chromium';
const seconds = Number(process.argv[3] ?? 3);
const out =
  process.argv[4] ??
  `src/server/recordings/fixtures/mediarecorder-${browserName === 'firefox' ? 'firefox-' : ''}vp8-opus.webm`;

/** In the page: records `ms` of the fake devices, returns the file as base64 and the pieces' sizes. */
async function record(ms: number): Promise<{ base64: string; parts: number[] }> {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: 320, height: 240, frameRate: 15 },
    audio: true,
  });
  const recorder = new MediaRecorder(stream, {
    mimeType: 'video/webm;codecs=vp8,opus',
    videoBitsPerSecond: 250_000,
  });
  const parts: Blob[] = [];
  recorder.ondataavailable = (e) => parts.push(e.data);
  const stopped = new Promise((resolve) => {
    recorder.onstop = resolve;
  });
  recorder.start(1000);
  await new Promise((resolve) => setTimeout(resolve, ms));
  recorder.stop();
  await stopped;
  for (const track of stream.getTracks()) track.stop();
  const bytes = new Uint8Array(await new Blob(parts).arrayBuffer());
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return { base64: btoa(text), parts: parts.map((p) => p.size) };
}

// getUserMedia needs a secure context: http://localhost is one.
const server = createServer((_, res) => {
  res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>record</title>');
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://localhost:${(server.address() as AddressInfo).port}/`;
try {
  let result: { base64: string; parts: number[] };
  if (browserName === 'firefox') {
    const browser = await launchFirefox();
    try {
      const page = await browser.newPage();
      await page.goto(url);
      result = await page.evaluate(record, seconds * 1000);
    } finally {
      await browser.close();
    }
  } else {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        ...['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
        ...['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
      ],
    });
    try {
      const page = await browser.newPage();
      await page.goto(url);
      result = await page.evaluate(record, seconds * 1000);
    } finally {
      await browser.close();
    }
  }
  writeFileSync(out, Buffer.from(result.base64, 'base64'));
  process.stdout.write(`${out}: ${result.parts.length} pieces, sizes ${result.parts.join(', ')}\n`);
} finally {
  server.close();
}
