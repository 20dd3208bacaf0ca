import {
  CANDIDATE_TYPES,
  type CallQualityPartyView,
  type CandidateType,
  type QualitySummary,
} from '../../protocol/call-quality.js';
import type { PartyRole } from '../../protocol/call-status.js';

type Figure = { median: number | null; worst: number | null };

/**
 * The median of the values present: the middle one, or for an even count the mean of the two middle
 * ones; integers are rounded half up (loss keeps its decimals). Null when no window had the figure.
 */
export function median(values: readonly (number | null)[], integer = true): number | null {
  const present = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  const n = present.length;
  if (n === 0) return null;
  const high = present[Math.floor(n / 2)] as number;
  const value = n % 2 === 1 ? high : ((present[n / 2 - 1] as number) + high) / 2;
  return integer ? Math.round(value) : value;
}

function figure(values: readonly (number | null)[], worst: 'highest' | 'lowest', integer = true): Figure {
  const present = values.filter((v): v is number => v !== null);
  if (present.length === 0) return { median: null, worst: null };
  return {
    median: median(present, integer),
    worst: worst === 'highest' ? Math.max(...present) : Math.min(...present),
  };
}

/** The candidate type of the most windows; a tie goes to the one listed first in CANDIDATE_TYPES. */
function mostSeen(types: readonly (CandidateType | null)[]): CandidateType | null {
  let best: CandidateType | null = null;
  let bestCount = 0;
  for (const type of CANDIDATE_TYPES) {
    const count = types.filter((t) => t === type).length;
    if (count > bestCount) {
      best = type;
      bestCount = count;
    }
  }
  return best;
}

const total = (windows: readonly QualitySummary[], pick: (w: QualitySummary) => number) =>
  windows.reduce((sum, w) => sum + pick(w), 0);

/**
 * One party's figures for a call session from every window its browser sent (docs/call-quality.md):
 * medians over the windows' own medians (each window counts once), the worst window's figure (highest
 * round trip, jitter and loss; lowest bitrates, picture height and frame rate), and totals.
 */
export function summarizeWindows(role: PartyRole, windows: readonly QualitySummary[]): CallQualityPartyView {
  return {
    role,
    windows: windows.length,
    measuredMs: total(windows, (w) => w.windowMs),
    rttMs: figure(
      windows.map((w) => w.rttMs),
      'highest',
    ),
    jitterMs: figure(
      windows.map((w) => w.jitterMs),
      'highest',
    ),
    lossPct: figure(
      windows.map((w) => w.lossPct),
      'highest',
      false,
    ),
    sendKbps: figure(
      windows.map((w) => w.sendKbps),
      'lowest',
    ),
    recvKbps: figure(
      windows.map((w) => w.recvKbps),
      'lowest',
    ),
    recvHeight: figure(
      windows.map((w) => w.recvHeight),
      'lowest',
    ),
    recvFps: figure(
      windows.map((w) => w.recvFps),
      'lowest',
    ),
    relayed: windows.some((w) => w.candidateType === 'relay'),
    candidateType: mostSeen(windows.map((w) => w.candidateType)),
    levelMs: {
      excellent: total(windows, (w) => w.levelMs.excellent),
      good: total(windows, (w) => w.levelMs.good),
      poor: total(windows, (w) => w.levelMs.poor),
      lost: total(windows, (w) => w.levelMs.lost),
    },
    reconnects: total(windows, (w) => w.reconnects),
    audioOnlyMs: total(windows, (w) => w.audioOnlyMs),
  };
}
