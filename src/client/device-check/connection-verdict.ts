import type { PathMeasurement } from './connection-probe.js';
import type { ServerProbeResult } from './server-probe.js';

/** What the page could learn about who is asking: the relay and the server need a sign-in or call link. */
export type TestAccess = 'ok' | 'signed-out' | 'expired' | 'error';

export type ConnectionProblem =
  | 'no-connection'
  | 'relay-unreachable'
  | 'poor-quality'
  | 'websocket-blocked'
  | 'signed-out'
  | 'expired';

export type QualityGrade = 'hd' | 'standard' | 'audio';

export type VerdictLevel = QualityGrade | 'unknown' | 'fail';

export interface ConnectionVerdict {
  level: VerdictLevel;
  headline: string;
  notes: string[];
  problems: ConnectionProblem[];
}

export interface VerdictInput {
  access: TestAccess;
  server: ServerProbeResult | null;
  relayConfigured: boolean;
  /** The service sends every call through the relay (WEBRTC_ICE_TRANSPORT_POLICY=relay). */
  relayRequired: boolean;
  direct: PathMeasurement;
  relay: PathMeasurement | null;
}

/**
 * What a path must carry, measured through the relay (this device → relay → this device, so the round
 * trip crosses the network twice). HD: 720p video at about 2.5 Mbit/s, as browsers send it; standard:
 * 360p–480p at about 0.8 Mbit/s; below that, voice (about 50 kbit/s) still gets through.
 */
export const GRADES = {
  hd: { bitrateKbps: 2_500, lossPercent: 2, rttMs: 400 },
  standard: { bitrateKbps: 800, lossPercent: 5, rttMs: 800 },
} as const;

function meets(path: PathMeasurement, grade: (typeof GRADES)[keyof typeof GRADES]): boolean {
  return (
    path.bitrateKbps !== null &&
    path.bitrateKbps >= grade.bitrateKbps &&
    (path.lossPercent === null || path.lossPercent <= grade.lossPercent) &&
    (path.rttMs === null || path.rttMs <= grade.rttMs)
  );
}

export function gradePath(path: PathMeasurement): QualityGrade {
  if (meets(path, GRADES.hd)) return 'hd';
  if (meets(path, GRADES.standard)) return 'standard';
  return 'audio';
}

const GRADE_HEADLINES: Record<QualityGrade, string> = {
  hd: 'Your connection is good for HD video.',
  standard: 'Your connection is good enough for standard video.',
  audio: 'Your connection may only carry audio.',
};

const RELAY_UNREACHABLE = 'Relay is not reachable: calls may fail on networks that block direct connections.';

/** The result in plain words, from what was measured. */
export function connectionVerdict(input: VerdictInput): ConnectionVerdict {
  const notes: string[] = [];
  const problems: ConnectionProblem[] = [];
  const { direct, relay } = input;

  if (input.server && !input.server.ok) {
    problems.push('websocket-blocked');
    notes.push(
      input.server.reason === 'unsupported'
        ? 'This browser has no WebSocket: carecall uses a slower fallback for the call set-up.'
        : "carecall's live connection (WebSocket) could not be opened from this network: calls use a slower fallback for the call set-up.",
    );
  }

  if (!direct.connected && !relay?.connected) {
    problems.push('no-connection');
    if (input.relayConfigured && relay && !relay.connected) problems.push('relay-unreachable');
    return {
      level: 'fail',
      headline:
        'This browser could not make a video connection. A firewall, VPN or browser extension may be blocking it.',
      notes,
      problems,
    };
  }

  if (input.access === 'signed-out' || input.access === 'expired') {
    problems.push(input.access);
    return {
      level: 'unknown',
      headline:
        input.access === 'expired'
          ? 'Your sign-in or call link has expired, so only a direct connection was tested. Sign in again or ask the clinic for a new link, then test again.'
          : 'Direct connections work. Sign in, or open your call link, to test the connection to carecall and its relay.',
      notes,
      problems,
    };
  }

  if (input.access === 'error') {
    return {
      level: 'unknown',
      headline: 'Direct connections work, but carecall could not be asked for a relay to test. Try again.',
      notes,
      problems,
    };
  }

  if (!input.relayConfigured) {
    notes.push(
      'Calls connect when both networks allow direct connections; on strict company, hospital or hotel networks they may not.',
    );
    return {
      level: 'unknown',
      headline:
        'Direct connections work. This service has no relay (TURN) server, so only direct connections were tested and your network speed could not be measured.',
      notes,
      problems,
    };
  }

  if (!relay?.connected) {
    problems.push('relay-unreachable', 'no-connection');
    if (input.relayRequired) {
      return {
        level: 'fail',
        headline:
          'Relay is not reachable: calls cannot connect, because this service sends every call through its relay.',
        notes,
        problems,
      };
    }
    notes.push('Direct connections work, so calls connect where both networks allow them.');
    return { level: 'unknown', headline: RELAY_UNREACHABLE, notes, problems };
  }

  const grade = gradePath(relay);
  if (grade !== 'hd') problems.push('poor-quality');
  if (!direct.connected && !input.relayRequired) {
    notes.push('Direct connections did not work, so your calls will go through the relay.');
  }
  return { level: grade, headline: GRADE_HEADLINES[grade], notes, problems };
}
