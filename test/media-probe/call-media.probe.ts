import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { DEMO_ACCOUNTS, expect, signIn, test } from '../e2e/support/fixtures.js';
import { peerConnectionSnapshots } from '../e2e/support/peer-connection-probe.js';

/**
 * Probes of the call engine in real Chromium, run by hand:
 * - "hd": prints Join → first decoded frame and Join → first 1280x720 frame, for both sides;
 * - "record": records the patient's getStats() once a second through named conditions (good link, UDP loss,
 *   path break, muted audio, screen share) into src/client/call/fixtures/*.json for quality.test.ts.
 */

const FIXTURES = join(process.cwd(), 'src/client/call/fixtures');

function button(page: Page, name: string) {
  return page.getByRole('button', { name, exact: true });
}

/**
 * PROBE_VARIANT changes the engine's sender tuning from outside, so variants are measured on one build:
 * "none" (no start bitrate, no sender parameters), "start" (start bitrate only), "start+<preference>"
 * (start bitrate and that degradationPreference), "<preference>" (no start bitrate). Unset: as built.
 */
function installVariant(variant: string): void {
  const [startPart, preferencePart] = variant.includes('+')
    ? variant.split('+')
    : variant === 'start' || variant === 'none'
      ? [variant, '']
      : ['', variant];
  const keepStart = startPart === 'start';
  if (!keepStart) {
    const original = RTCPeerConnection.prototype.setRemoteDescription as (
      this: RTCPeerConnection,
      d: RTCSessionDescriptionInit,
    ) => Promise<void>;
    RTCPeerConnection.prototype.setRemoteDescription = function (
      this: RTCPeerConnection,
      d: RTCSessionDescriptionInit,
    ) {
      const sdp = d?.sdp
        ?.split('\r\n')
        .filter((line) => !/^a=fmtp:\d+ x-google-start-bitrate=\d+$/.test(line))
        .map((line) => line.replace(/;x-google-start-bitrate=\d+/, ''))
        .join('\r\n');
      return original.call(this, d?.sdp ? { type: d.type, sdp: sdp ?? '' } : d);
    } as typeof RTCPeerConnection.prototype.setRemoteDescription;
  }
  const setParameters = RTCRtpSender.prototype.setParameters;
  RTCRtpSender.prototype.setParameters = function (this: RTCRtpSender, p: RTCRtpSendParameters) {
    if (variant === 'none' || variant === 'start') return Promise.resolve();
    if (preferencePart) p.degradationPreference = preferencePart as RTCDegradationPreference;
    return setParameters.call(this, p);
  } as typeof setParameters;
}

async function startCall(newUserPage: (label: string) => Promise<Page>, password: string) {
  const [doctor, patient] = await Promise.all([newUserPage('doctor'), newUserPage('patient')]);
  const variant = process.env['PROBE_VARIANT'];
  if (variant) {
    console.log(`HD-PROBE variant ${variant}`);
    for (const page of [doctor, patient]) await page.context().addInitScript(installVariant, variant);
  }
  await Promise.all([
    signIn(doctor, DEMO_ACCOUNTS.doctor, password),
    signIn(patient, DEMO_ACCOUNTS.patient, password),
  ]);
  const href = await doctor.locator('a[href^="/appointments/"]').first().getAttribute('href');
  const id = /^\/appointments\/([^/?#]+)/.exec(href ?? '')?.[1];
  if (!id) throw new Error('no appointment');
  const detail = await (await doctor.request.get(`/api/appointments/${id}`)).json();
  if (['waiting', 'in_progress'].includes(detail.appointment.videoCallStatus)) {
    const { csrfToken } = await (await doctor.request.get('/api/session')).json();
    await doctor.request.post(`/api/appointments/${id}/call/end`, {
      headers: { 'x-csrf-token': csrfToken },
      data: { reason: 'hung_up' },
    });
  }
  await Promise.all([doctor.goto(`/appointments/${id}`), patient.goto(`/appointments/${id}`)]);
  await button(doctor, 'Start video call').click();
  await doctor.waitForURL(/\/call$/);
  const join = button(patient, 'Join video call');
  await expect(join).toBeEnabled();
  const clickedAt = Date.now();
  await join.click();
  return { doctor, patient, id, clickedAt };
}

interface VideoIn {
  frames: number;
  width: number;
  height: number;
}

async function videoIn(page: Page): Promise<VideoIn | null> {
  const snapshots = await peerConnectionSnapshots(page);
  const inbound = snapshots
    .flatMap((s) => s.stats)
    .filter((e) => e['type'] === 'inbound-rtp' && e['kind'] === 'video')
    .sort((a, b) => Number(b['framesDecoded'] ?? 0) - Number(a['framesDecoded'] ?? 0))[0];
  if (!inbound) return null;
  return {
    frames: Number(inbound['framesDecoded'] ?? 0),
    width: Number(inbound['frameWidth'] ?? 0),
    height: Number(inbound['frameHeight'] ?? 0),
  };
}

async function timeTo(
  page: Page,
  from: number,
  ok: (v: VideoIn) => boolean,
  timeoutMs = 30_000,
): Promise<number | null> {
  const deadline = from + timeoutMs;
  while (Date.now() < deadline) {
    const v = await videoIn(page);
    if (v && ok(v)) return Date.now() - from;
    await page.waitForTimeout(40);
  }
  return null;
}

test('hd: time to first frame and to 1280x720', async ({ app, newUserPage }) => {
  const { doctor, patient, clickedAt } = await startCall(newUserPage, app.demoPassword);
  const [patientFirst, doctorFirst] = await Promise.all([
    timeTo(patient, clickedAt, (v) => v.frames > 0),
    timeTo(doctor, clickedAt, (v) => v.frames > 0),
  ]);
  const [patientHd, doctorHd] = await Promise.all([
    timeTo(patient, clickedAt, (v) => v.width >= 1280 && v.height >= 720),
    timeTo(doctor, clickedAt, (v) => v.width >= 1280 && v.height >= 720),
  ]);
  const line = `HD-PROBE patientFirst=${patientFirst} patientHd=${patientHd} doctorFirst=${doctorFirst} doctorHd=${doctorHd}`;
  console.log(line);
  const limits = (await peerConnectionSnapshots(doctor))
    .flatMap((s) => s.stats)
    .filter((e) => e['type'] === 'outbound-rtp' && e['kind'] === 'video')
    .map(
      (e) =>
        `${e['frameWidth']}x${e['frameHeight']}@${e['framesPerSecond']} limit=${e['qualityLimitationReason']} ${JSON.stringify(e['qualityLimitationDurations'])}`,
    );
  console.log(`HD-PROBE doctor sends: ${limits.join(' ')}`);
  expect(patientFirst).not.toBeNull();
});

const KEEP: Record<string, readonly string[]> = {
  'inbound-rtp': [
    'id',
    'type',
    'timestamp',
    'kind',
    'packetsReceived',
    'packetsLost',
    'bytesReceived',
    'jitter',
    'framesDecoded',
    'framesPerSecond',
    'frameWidth',
    'frameHeight',
    'framesDropped',
    'totalSamplesReceived',
    'concealedSamples',
  ],
  'outbound-rtp': [
    'id',
    'type',
    'timestamp',
    'kind',
    'packetsSent',
    'bytesSent',
    'framesEncoded',
    'framesPerSecond',
    'frameWidth',
    'frameHeight',
    'qualityLimitationReason',
    'targetBitrate',
  ],
  'candidate-pair': [
    'id',
    'type',
    'timestamp',
    'state',
    'nominated',
    'currentRoundTripTime',
    'availableOutgoingBitrate',
    'localCandidateId',
    'remoteCandidateId',
    'bytesReceived',
    'bytesSent',
  ],
  'local-candidate': ['id', 'type', 'timestamp', 'candidateType', 'protocol'],
  'remote-candidate': ['id', 'type', 'timestamp', 'candidateType', 'protocol'],
  transport: ['id', 'type', 'timestamp', 'selectedCandidatePairId', 'dtlsState', 'iceState'],
};

interface Recorded {
  condition: string;
  connectionState: string;
  entries: Record<string, unknown>[];
}

async function snapshot(page: Page, condition: string): Promise<Recorded | null> {
  const [pc] = (await peerConnectionSnapshots(page)).filter((s) => s.stats.length > 0);
  if (!pc) return null;
  const entries = pc.stats
    .filter((e) => typeof e['type'] === 'string' && e['type'] in KEEP)
    .map((e) =>
      Object.fromEntries((KEEP[String(e['type'])] ?? []).filter((k) => k in e).map((k) => [k, e[k]])),
    );
  return { condition, connectionState: pc.connectionState, entries };
}

function iptables(args: string[]): void {
  const result = spawnSync('iptables', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`iptables ${args.join(' ')}: ${result.stderr}`);
}

const LOSS_RULE = [
  'INPUT',
  '-p',
  'udp',
  '-m',
  'statistic',
  '--mode',
  'random',
  '--probability',
  '0.1',
  '-j',
  'DROP',
];
const BREAK_RULE = ['INPUT', '-p', 'udp', '-j', 'DROP'];

test('record: getStats through good, lossy, broken, muted and shared phases', async ({
  app,
  newUserPage,
}) => {
  const { doctor, patient } = await startCall(newUserPage, app.demoPassword);
  await expect
    .poll(async () => (await videoIn(patient))?.height ?? 0, { timeout: 30_000 })
    .toBeGreaterThanOrEqual(720);
  const samples: Recorded[] = [];
  const record = async (condition: string, seconds: number) => {
    for (let i = 0; i < seconds; i++) {
      const s = await snapshot(patient, condition);
      if (s) samples.push(s);
      await patient.waitForTimeout(1000);
    }
  };
  const save = (name: string, from: number) => {
    mkdirSync(FIXTURES, { recursive: true });
    const file = join(FIXTURES, `${name}.json`);
    writeFileSync(file, `${JSON.stringify(samples.slice(from))}\n`);
    // As Biome formats JSON, so the recorded files pass the lint as written.
    spawnSync('npx', ['biome', 'format', '--write', file], { stdio: 'ignore' });
  };

  let from = samples.length;
  await record('good', 12);
  save('good-link', from);

  from = samples.length;
  await record('good', 3);
  iptables(['-A', ...LOSS_RULE]);
  try {
    await record('loss-10', 20);
  } finally {
    iptables(['-D', ...LOSS_RULE]);
  }
  await record('recovered', 10);
  save('udp-loss-10', from);

  from = samples.length;
  await record('good', 3);
  const brokeAt = Date.now();
  iptables(['-A', ...BREAK_RULE]);
  try {
    await record('broken', 10);
  } finally {
    iptables(['-D', ...BREAK_RULE]);
  }
  const restoredAt = Date.now();
  await record('restored', 20);
  console.log(`RECORD path break: broken ${restoredAt - brokeAt} ms`);
  save('path-break', from);

  from = samples.length;
  await button(doctor, 'Mute').click();
  await record('remote-muted', 12);
  await button(doctor, 'Unmute').click();
  save('remote-muted', from);

  from = samples.length;
  await button(doctor, 'Share screen').click();
  await record('remote-screen', 15);
  await button(doctor, 'Stop sharing').click();
  await record('remote-camera-again', 5);
  save('screen-share', from);
});

test('path-break: recovery after 10 s without UDP', async ({ app, newUserPage }) => {
  test.setTimeout(300_000);
  const { doctor, patient } = await startCall(newUserPage, app.demoPassword);
  await expect
    .poll(async () => (await videoIn(patient))?.frames ?? 0, { timeout: 30_000 })
    .toBeGreaterThan(10);
  await patient.waitForTimeout(3000);
  iptables(['-A', ...BREAK_RULE]);
  let sawReconnecting = false;
  try {
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      const text = (await patient.getByRole('status').allInnerTexts()).join(' ');
      if (/Reconnecting/i.test(text)) sawReconnecting = true;
      await patient.waitForTimeout(250);
    }
  } finally {
    iptables(['-D', ...BREAK_RULE]);
  }
  const restoredAt = Date.now();
  const flowing = async (page: Page) => {
    const before = (await videoIn(page))?.frames ?? 0;
    await page.waitForTimeout(300);
    return ((await videoIn(page))?.frames ?? 0) > before;
  };
  const timeline: string[] = [];
  const [patientBack, doctorBack] = await Promise.all(
    [patient, doctor].map(async (page, index) => {
      while (Date.now() - restoredAt < 60_000) {
        const [pc] = await peerConnectionSnapshots(page);
        const moving = await flowing(page);
        const video = await videoIn(page);
        timeline.push(
          `+${Date.now() - restoredAt} ${index ? 'doctor' : 'patient'} ${pc?.connectionState}/${pc?.iceConnectionState}/${pc?.signalingState} frames=${video?.frames} ${video?.width}x${video?.height}`,
        );
        if (pc?.connectionState === 'connected' && moving) return Date.now() - restoredAt;
      }
      return null;
    }),
  );
  if ((patientBack ?? 60_000) > 8_000 || (doctorBack ?? 60_000) > 8_000) console.log(timeline.join('\n'));
  console.log(
    `RECOVERY-PROBE reconnectingShown=${sawReconnecting} patient=${patientBack} doctor=${doctorBack} ms after the path returned`,
  );
  expect(patientBack).not.toBeNull();
});
