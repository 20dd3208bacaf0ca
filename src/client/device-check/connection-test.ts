import type { IceConfig, IceServerView } from '../../protocol/api.js';
import { ApiError, errorMessage } from '../api/api-error.js';
import type { ApiClient } from '../api/http-client.js';
import type { Platform } from '../platform/platform.js';
import { ViewModel } from '../ui/view-model.js';
import { measurePath, type PathMeasurement, type PathProbe } from './connection-probe.js';
import { type ConnectionVerdict, connectionVerdict, type TestAccess } from './connection-verdict.js';
import { probeServer, type ServerProbeResult } from './server-probe.js';

export type StepId = 'server' | 'direct' | 'relay';
export type StepOutcome = 'pending' | 'running' | 'pass' | 'fail' | 'skipped' | 'note';

export interface ConnectionStep {
  id: StepId;
  label: string;
  outcome: StepOutcome;
  /** In plain words. */
  detail: string;
  /** The technical names and figures behind it, for the page's Details; null when there is nothing more. */
  technical: string | null;
}

export interface Figure {
  id: 'server-rtt' | 'direct' | 'relay' | 'relay-rtt' | 'loss' | 'bitrate';
  label: string;
  value: string;
}

export interface ConnectionTestState {
  running: boolean;
  steps: ConnectionStep[];
  verdict: ConnectionVerdict | null;
  figures: Figure[];
}

const LABELS: Record<StepId, string> = {
  server: 'Connection to the clinic',
  direct: 'Video can get through',
  relay: "Video through the clinic's relay server",
};

/** What each step is, in technical terms, for the Details. */
export const STEP_TECHNICAL_NAMES: Record<StepId, string> = {
  server: 'Signaling server (HTTPS, then WebSocket)',
  direct: 'Direct WebRTC connection (host or STUN candidates)',
  relay: 'TURN relay (relay candidates only)',
};

const SIGN_IN_FIRST = 'Not checked: sign in, or open your call link, first.';

function pendingSteps(): ConnectionStep[] {
  return (['server', 'direct', 'relay'] as const).map((id) => ({
    id,
    label: LABELS[id],
    outcome: 'pending',
    detail: 'Not checked yet.',
    technical: null,
  }));
}

/** The URLs of each server that match a scheme, keeping its credentials; servers left with none are dropped. */
export function serversFor(servers: readonly IceServerView[], scheme: 'stun' | 'turn'): RTCIceServer[] {
  const pattern = scheme === 'stun' ? /^stuns?:/i : /^turns?:/i;
  return servers.flatMap((server) => {
    const urls = server.urls.filter((url) => pattern.test(url));
    if (urls.length === 0) return [];
    const rtc: RTCIceServer = { urls };
    if (server.username !== undefined) rtc.username = server.username;
    if (server.credential !== undefined) rtc.credential = server.credential;
    return [rtc];
  });
}

export function formatBitrate(kbps: number): string {
  return kbps >= 1000 ? `${(kbps / 1000).toFixed(1)} Mbit/s` : `${Math.round(kbps)} kbit/s`;
}

function candidateWords(type: string | null): string {
  switch (type) {
    case 'host':
      return 'direct, within this device (host candidate)';
    case 'srflx':
    case 'prflx':
      return 'direct, through your router (srflx candidate)';
    case 'relay':
      return 'through the relay (relay candidate)';
    default:
      return 'route unknown';
  }
}

type StepResult = Pick<ConnectionStep, 'outcome' | 'detail' | 'technical'>;

function directStep(direct: PathMeasurement, stunConfigured: boolean): StepResult {
  if (!direct.connected) {
    return {
      outcome: 'fail',
      detail:
        'This device could not make a video connection. A VPN, a firewall or a browser add-on may be blocking it.',
      technical: 'Two RTCPeerConnections on this page did not connect (ICE failed).',
    };
  }
  let technical = `Connected over a ${direct.candidateType ?? 'unknown'} candidate.`;
  if (stunConfigured) {
    technical += direct.gathered.includes('srflx')
      ? ' The STUN server returned a public (srflx) address.'
      : ' The STUN server did not answer: direct calls may only work within one network.';
  }
  return { outcome: 'pass', detail: 'This device can make a video connection.', technical };
}

function relayStep(relay: PathMeasurement): StepResult {
  if (relay.connected) {
    const parts = [
      relay.rttMs === null ? null : `round trip ${relay.rttMs} ms`,
      relay.lossPercent === null ? null : `packet loss ${relay.lossPercent} %`,
      relay.bitrateKbps === null
        ? null
        : `${relay.bitrateCapped ? 'at least ' : ''}${formatBitrate(relay.bitrateKbps)}`,
    ].filter((part): part is string => part !== null);
    return {
      outcome: 'pass',
      detail: "Video gets through the clinic's relay server.",
      technical: `Data went ${candidateWords(relay.candidateType)}: ${parts.join(', ')}.`,
    };
  }
  let technical = 'The TURN server answered, but no data got through it.';
  if (relay.failure === 'no-candidates') {
    technical = relay.iceErrors.includes(401)
      ? 'The TURN server refused the credentials carecall gave (401): they may have expired, or the relay and carecall are set up with different secrets.'
      : 'The TURN server could not be reached: a firewall may block it.';
  }
  return {
    outcome: 'fail',
    detail: "Video could not get through the clinic's relay server.",
    technical,
  };
}

function figuresFor(
  server: ServerProbeResult | null,
  direct: PathMeasurement,
  relay: PathMeasurement | null,
  relayConfigured: boolean,
  access: TestAccess,
): Figure[] {
  const figures: Figure[] = [];
  if (server?.ok && server.rttMs !== null) {
    figures.push({
      id: 'server-rtt',
      label: "Round trip to carecall's server",
      value: `${Math.round(server.rttMs)} ms`,
    });
  }
  figures.push({
    id: 'direct',
    label: 'Direct connection',
    value: direct.connected ? `works (${direct.candidateType ?? 'unknown'} candidate)` : 'failed',
  });
  if (!relay) {
    figures.push({
      id: 'relay',
      label: 'Relay connection',
      value: access === 'ok' && !relayConfigured ? 'no relay configured' : 'not tested',
    });
    return figures;
  }
  figures.push({
    id: 'relay',
    label: 'Relay connection',
    value: relay.connected ? `works (${relay.candidateType ?? 'unknown'} candidate)` : 'failed',
  });
  if (!relay.connected) return figures;
  if (relay.rttMs !== null)
    figures.push({ id: 'relay-rtt', label: 'Round trip through the relay', value: `${relay.rttMs} ms` });
  if (relay.lossPercent !== null)
    figures.push({ id: 'loss', label: 'Packet loss', value: `${relay.lossPercent} %` });
  if (relay.bitrateKbps !== null) {
    figures.push({
      id: 'bitrate',
      label: 'Bitrate through the relay',
      value: `${relay.bitrateCapped ? 'at least ' : ''}${formatBitrate(relay.bitrateKbps)}`,
    });
  }
  return figures;
}

export type ConnectionTestPlatform = Pick<
  Platform,
  'createSocket' | 'socketUrl' | 'webSocketSupported' | 'timers' | 'now' | 'createRtcPeerConnection'
>;

/**
 * The connection test: carecall's server (HTTP for relay credentials, then the signaling WebSocket), a
 * direct connection between two peer connections of this page, and the same through the relay with
 * loss and bitrate measured.
 */
export class ConnectionTest extends ViewModel<ConnectionTestState> {
  readonly #api: Pick<ApiClient, 'getIceServers'>;
  readonly #platform: ConnectionTestPlatform;
  readonly #probe: PathProbe;

  constructor(api: Pick<ApiClient, 'getIceServers'>, platform: ConnectionTestPlatform, probe?: PathProbe) {
    super({ running: false, steps: pendingSteps(), verdict: null, figures: [] });
    this.#api = api;
    this.#platform = platform;
    this.#probe =
      probe ??
      ((configuration, options) =>
        measurePath(
          {
            createPeerConnection: platform.createRtcPeerConnection,
            timers: platform.timers,
            now: platform.now,
          },
          configuration,
          options,
        ));
  }

  async run(): Promise<void> {
    if (this.state.running) return;
    this.update({ running: true, steps: pendingSteps(), verdict: null, figures: [] });

    this.#step('server', 'running', 'Contacting the clinic…');
    let access: TestAccess = 'ok';
    let config: IceConfig | null = null;
    try {
      config = await this.#api.getIceServers();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        access = error.code === 'session_expired' ? 'expired' : 'signed-out';
      } else {
        access = 'error';
      }
      if (access === 'signed-out') this.#step('server', 'skipped', SIGN_IN_FIRST);
      else if (access === 'expired') this.#step('server', 'fail', 'Your sign-in or call link has expired.');
      else this.#step('server', 'fail', errorMessage(error), 'GET /api/ice-servers failed.');
    }
    let server: ServerProbeResult | null = null;
    if (access === 'ok') {
      server = await probeServer(this.#platform);
      if (server.ok) {
        this.#step(
          'server',
          'pass',
          'This device can reach the clinic.',
          `WebSocket opened${server.rttMs === null ? '' : `; round trip ${Math.round(server.rttMs)} ms`}.`,
        );
      } else if (server.reason === 'unsupported') {
        this.#step(
          'server',
          'note',
          'This browser uses a slower way to reach the clinic. Calls still work.',
          'No WebSocket in this browser: calls use the HTTP fallback.',
        );
      } else {
        this.#step(
          'server',
          'fail',
          'The quick way to reach the clinic is blocked on this network. Calls still work, but may take longer to start.',
          'The WebSocket could not be opened (a firewall or proxy may block it): calls use the HTTP fallback.',
        );
      }
    }

    const servers = config?.iceServers ?? [];
    const stun = serversFor(servers, 'stun');
    this.#step('direct', 'running', 'Checking that this device can make a video connection…');
    const direct = await this.#probe({ iceServers: stun, iceTransportPolicy: 'all' }, { throughput: false });
    const directResult = directStep(direct, stun.length > 0);
    this.#step('direct', directResult.outcome, directResult.detail, directResult.technical);

    const turn = serversFor(servers, 'turn');
    const relayConfigured = turn.length > 0;
    let relay: PathMeasurement | null = null;
    if (access !== 'ok') {
      this.#step(
        'relay',
        'skipped',
        SIGN_IN_FIRST,
        'TURN credentials are issued only to someone signed in or holding a call cookie.',
      );
    } else if (!relayConfigured) {
      this.#step(
        'relay',
        'skipped',
        'Not checked: this clinic has no relay server.',
        'No TURN server is configured (WEBRTC_TURN_URL).',
      );
    } else {
      this.#step('relay', 'running', "Sending test video data through the clinic's relay server…");
      relay = await this.#probe({ iceServers: turn, iceTransportPolicy: 'relay' }, { throughput: true });
      const relayResult = relayStep(relay);
      this.#step('relay', relayResult.outcome, relayResult.detail, relayResult.technical);
    }

    const verdict = connectionVerdict({
      access,
      server,
      relayConfigured,
      relayRequired: config?.iceTransportPolicy === 'relay',
      direct,
      relay,
    });
    this.update({
      running: false,
      verdict,
      figures: figuresFor(server, direct, relay, relayConfigured, access),
    });
  }

  #step(id: StepId, outcome: StepOutcome, detail: string, technical: string | null = null): void {
    this.update({
      steps: this.state.steps.map((step) =>
        step.id === id ? { ...step, outcome, detail, technical } : step,
      ),
    });
  }
}
