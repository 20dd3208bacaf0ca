import type { Mark } from '../lib/call-probe.js';

/**
 * What is measured, read from the marks of both pages. Every milestone is the first mark of its kind on
 * that side at or after the patient's Join now click; every time is in ms after that click.
 */

export type Side = 'patient' | 'doctor';
export const SIDES: readonly Side[] = ['patient', 'doctor'];

interface Milestone {
  key: string;
  label: string;
  side: Side;
  match: (mark: Mark) => boolean;
}

const named =
  (name: string) =>
  (mark: Mark): boolean =>
    mark.name === name;
const onCallPage = (name: string) => (mark: Mark) => mark.name === name && /\/call\/?$/.test(mark.path);

export const MILESTONES: readonly Milestone[] = [
  {
    key: 'join-api',
    label: 'POST …/call/join answered',
    side: 'patient',
    match: (m) => /^resource:\/api\/appointments\/[^/]+\/call\/join$/.test(m.name),
  },
  {
    key: 'nav-start',
    label: 'call page: navigation starts',
    side: 'patient',
    match: onCallPage('nav:start'),
  },
  { key: 'html', label: 'call page: HTML received', side: 'patient', match: onCallPage('nav:response-end') },
  {
    key: 'dcl',
    label: 'call page: scripts run (DOMContentLoaded)',
    side: 'patient',
    match: onCallPage('nav:dom-content-loaded'),
  },
  {
    key: 'context',
    label: 'GET /api/call/context answered',
    side: 'patient',
    match: named('resource:/api/call/context'),
  },
  { key: 'gum-start', label: 'getUserMedia called', side: 'patient', match: named('gum:start') },
  { key: 'gum', label: 'getUserMedia resolved', side: 'patient', match: named('gum:end') },
  { key: 'ws-create', label: 'WebSocket created', side: 'patient', match: onCallPage('ws:create') },
  { key: 'ws-open', label: 'WebSocket open', side: 'patient', match: onCallPage('ws:open') },
  { key: 'welcome', label: 'WebSocket welcome', side: 'patient', match: onCallPage('ws:recv:welcome') },
  { key: 'load', label: 'call page: load event', side: 'patient', match: onCallPage('nav:load') },
  { key: 'join-sent', label: 'join sent', side: 'patient', match: named('ws:send:join') },
  { key: 'joined', label: 'joined received', side: 'patient', match: onCallPage('ws:recv:joined') },
  { key: 'peer-joined', label: 'peer-joined received', side: 'doctor', match: named('ws:recv:peer-joined') },
  { key: 'pc', label: 'RTCPeerConnection created', side: 'doctor', match: named('pc:create') },
  { key: 'pc', label: 'RTCPeerConnection created', side: 'patient', match: named('pc:create') },
  { key: 'offer', label: 'offer sent', side: 'doctor', match: named('ws:send:offer') },
  { key: 'offer-in', label: 'offer received', side: 'patient', match: named('remote-description:offer') },
  { key: 'answer', label: 'answer sent', side: 'patient', match: named('ws:send:answer') },
  { key: 'answer-in', label: 'answer received', side: 'doctor', match: named('remote-description:answer') },
  ...SIDES.flatMap((side): Milestone[] => [
    { key: 'ice-first', label: 'first ICE candidate gathered', side, match: named('ice:first-candidate') },
    { key: 'ice-gathered', label: 'ICE gathering complete', side, match: named('ice-gathering:complete') },
    { key: 'ice-checking', label: 'ICE checking', side, match: named('ice:checking') },
    { key: 'ice-connected', label: 'ICE connected', side, match: named('ice:connected') },
    { key: 'dtls', label: 'DTLS connected', side, match: named('dtls:connected') },
    { key: 'pc-connected', label: 'connectionState connected', side, match: named('pc:connected') },
    { key: 'track', label: 'remote video track', side, match: named('track:video') },
    {
      key: 'first-encoded',
      label: 'own first video frame encoded (getStats)',
      side,
      match: named('stats:first-encoded'),
    },
    {
      key: 'first-packet',
      label: 'first remote video packet (getStats)',
      side,
      match: named('stats:first-packet'),
    },
    {
      key: 'first-decoded',
      label: 'first remote frame decoded (getStats)',
      side,
      match: named('stats:first-decoded'),
    },
    {
      key: 'first-shown',
      label: 'first remote frame shown (<video>)',
      side,
      match: named('video:first-frame'),
    },
    { key: 'hd-decoded', label: 'remote 1280x720 decoded (getStats)', side, match: named('stats:in-hd') },
    { key: 'hd-shown', label: 'remote 1280x720 shown (<video>)', side, match: named('video:hd') },
    { key: 'out-hd', label: 'own video sent at 1280x720', side, match: named('stats:out-hd') },
  ]),
];

/**
 * The critical path, in order; each step costs the time since the one before it. Only event-timed marks:
 * the getStats ones (first encoded frame, first packet) are polled and can lag by tens of milliseconds.
 */
export const CRITICAL_PATH: readonly { label: string; side: Side; key: string }[] = [
  // The call cookie, the call page and its context come before the pre-join screen's Join now, and the
  // call takes over the preview's camera and microphone (no getUserMedia when the preview had them).
  { label: 'Join now click → join sent', side: 'patient', key: 'join-sent' },
  { label: '→ peer-joined at the doctor', side: 'doctor', key: 'peer-joined' },
  { label: '→ doctor sends the offer', side: 'doctor', key: 'offer' },
  { label: '→ patient sends the answer', side: 'patient', key: 'answer' },
  { label: '→ patient ICE connected', side: 'patient', key: 'ice-connected' },
  { label: '→ patient DTLS connected', side: 'patient', key: 'dtls' },
  { label: '→ patient shows the first remote frame', side: 'patient', key: 'first-shown' },
];

export interface QualitySample {
  at: number;
  width: number;
  height: number;
  framesPerSecond: number | null;
  kbps: number | null;
}

/** When the received video's quality is sampled, ms after the Join now click. */
export const QUALITY_AT = [3_000, 10_000] as const;

export type MilestoneTimes = Record<Side, Record<string, number | null>>;

export interface CallPageTraffic {
  requests: number;
  revalidations: number;
  bytes: number;
  decodedBytes: number;
}

export interface RunFigures {
  /** Milliseconds after the patient's Join now click, by side and milestone key. */
  at: MilestoneTimes;
  /** Received video sizes as they changed, ms after the click. */
  received: Record<Side, { at: number; width: number; height: number }[]>;
  /** Sent video sizes as they changed, with the sender's limitation and bitrate estimate. */
  sent: Record<Side, { at: number; width: number; height: number; detail: Record<string, unknown> }[]>;
  /** The received video a few seconds in (the first once-a-second sample at or after each time). */
  quality: Record<Side, Record<string, QualitySample | null>>;
  /** What the patient's call page fetched over HTTP before its first remote frame. */
  callPage: CallPageTraffic | null;
}

function milestoneTimes(marks: Record<Side, Mark[]>, clickAt: number): MilestoneTimes {
  const at: MilestoneTimes = { patient: {}, doctor: {} };
  for (const milestone of MILESTONES) {
    const found = marks[milestone.side].find((m) => m.t >= clickAt - 1 && milestone.match(m));
    at[milestone.side][milestone.key] = found ? Math.round((found.t - clickAt) * 10) / 10 : null;
  }
  return at;
}

/**
 * Requests the call page sent to the network (its HTML, assets, API calls) up to its first remote frame,
 * and the bytes that came back. An asset answered from the HTTP cache has a transferSize of 0; a
 * revalidated one (304) transfers only headers.
 */
function callPageTraffic(marks: readonly Mark[], clickAt: number): CallPageTraffic {
  const onPage = marks.filter((m) => m.t >= clickAt && /\/call\/?$/.test(m.path));
  const firstFrame = onPage.find((m) => m.name === 'video:first-frame')?.t ?? Number.POSITIVE_INFINITY;
  const html = onPage.find((m) => m.name === 'nav:response-end');
  const resources = onPage.filter((m) => m.name.startsWith('resource:') && m.t <= firstFrame);
  const size = (m: Mark | undefined, key: string) => Number(m?.detail?.[key] ?? 0);
  const fetched = [html, ...resources].filter((m) => m !== undefined && size(m, 'transferSize') > 0);
  return {
    requests: fetched.length,
    // Chromium reports a revalidated asset with its headers' size and no body.
    revalidations: resources.filter(
      (m) =>
        size(m, 'responseStatus') === 304 ||
        (size(m, 'transferSize') > 0 &&
          size(m, 'encodedBodySize') === 0 &&
          m.name.startsWith('resource:/assets/')),
    ).length,
    bytes: fetched.reduce((total, m) => total + size(m, 'transferSize'), 0),
    decodedBytes: [html, ...resources].reduce((total, m) => total + size(m, 'decodedBodySize'), 0),
  };
}

/** Everything one run measured, from both pages' marks. */
export function runFigures(marks: Record<Side, Mark[]>, clickAt: number): RunFigures {
  const figures: RunFigures = {
    at: milestoneTimes(marks, clickAt),
    received: { patient: [], doctor: [] },
    sent: { patient: [], doctor: [] },
    quality: { patient: {}, doctor: {} },
    callPage: null,
  };
  for (const side of SIDES) {
    const sizes = (name: string) =>
      marks[side]
        .filter((m) => m.name === name && m.t >= clickAt)
        .map((m) => ({
          at: Math.round(m.t - clickAt),
          width: Number(m.detail?.['width']),
          height: Number(m.detail?.['height']),
          detail: m.detail ?? {},
        }));
    figures.received[side] = sizes('stats:in-size').map(({ detail: _detail, ...size }) => size);
    figures.sent[side] = sizes('stats:out-size');
  }
  for (const side of SIDES) {
    for (const at of QUALITY_AT) {
      const sample = marks[side].find((m) => m.name === 'stats:in-sample' && m.t - clickAt >= at);
      const value = (key: string) => {
        const v = sample?.detail?.[key];
        return typeof v === 'number' ? v : null;
      };
      figures.quality[side][String(at)] = sample
        ? {
            at: Math.round(sample.t - clickAt),
            width: value('width') ?? 0,
            height: value('height') ?? 0,
            framesPerSecond: value('framesPerSecond'),
            kbps: value('kbps'),
          }
        : null;
    }
  }
  figures.callPage = callPageTraffic(marks.patient, clickAt);
  return figures;
}
