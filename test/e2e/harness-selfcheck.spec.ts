import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import {
  addPeerConnectionProbe,
  inboundAudioStats,
  inboundVideoStats,
  selectedCandidatePair,
  waitForFramesGrowing,
} from './peer-connections.js';

const PAGE = `<!doctype html><html><body><video id="remote" autoplay playsinline muted></video><script>
(async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
  const a = new RTCPeerConnection();
  const b = new RTCPeerConnection();
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
  b.ontrack = (e) => { document.getElementById('remote').srcObject = e.streams[0]; };
  for (const t of stream.getTracks()) a.addTrack(t, stream);
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription();
  await a.setRemoteDescription(b.localDescription);
})();
</script></body></html>`;

test('chromium in the loopback namespace connects two peer connections and decodes fake media', async ({
  page,
  context,
}) => {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await addPeerConnectionProbe(context);
    const t0 = Date.now();
    await page.goto(`http://127.0.0.1:${port}/`);
    const growth = await waitForFramesGrowing(page);
    console.log(`first growth sample after ${Date.now() - t0} ms`, JSON.stringify(growth));
    console.log('video', JSON.stringify(await inboundVideoStats(page)));
    console.log('audio', JSON.stringify(await inboundAudioStats(page)));
    const pair = await selectedCandidatePair(page);
    console.log('pair', JSON.stringify(pair));
    expect(pair?.state).toBe('succeeded');
    expect((await inboundAudioStats(page))?.packetsReceived).toBeGreaterThan(0);
  } finally {
    server.close();
  }
});
