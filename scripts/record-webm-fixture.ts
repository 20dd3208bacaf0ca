/**
 * Records the WebM fixture of src/server/recordings/fixtures/ the way the doctor's browser does: Chromium's
 * MediaRecorder (VP8 + Opus, a one-second timeslice) over the fake camera and microphone, 320x240 so the
 * file stays small. Its Segment has an unknown size and its Info no Duration, which is what the vault's
 * WebM patch is for.
 *
 *   node --import tsx scripts/record-webm-fixture.ts [seconds] [out.webm]
 */
import { writeFileSync } from 'node:fs';
import { chromium } from '@playwright/test';

const seconds = Number(process.argv[2] ?? 3);
const out = process.argv[3] ?? 'src/server/recordings/fixtures/mediarecorder-vp8-opus.webm';

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
  ],
});
try {
  const page = await browser.newPage();
  // getUserMedia needs a secure context: localhost is one, and the page is served from here.
  await page.route('http://localhost/', (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>record</title>' }),
  );
  await page.goto('http://localhost/');
  const chunks = await page.evaluate(async (ms: number) => {
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
    // Base64 crosses the page boundary intact.
    let text = '';
    for (const b of bytes) text += String.fromCharCode(b);
    return { base64: btoa(text), parts: parts.map((p) => p.size) };
  }, seconds * 1000);
  writeFileSync(out, Buffer.from(chunks.base64, 'base64'));
  process.stdout.write(`${out}: ${chunks.parts.length} parts, sizes ${chunks.parts.join(', ')}\n`);
} finally {
  await browser.close();
}
