import { QUALITY_LEVELS } from '../../protocol/call-quality.js';
import type { CallFigures, PartyFigures } from './analytics-figures.js';
import { timeOf } from './zoned-days.js';

/**
 * The CSV export (docs/analytics.md): one row per call session, the same figures the charts add up.
 * RFC 4180 (CRLF, quoted where needed), UTF-8 with a byte order mark so spreadsheets read names right.
 */

/** A text cell that a spreadsheet would run as a formula is kept as text by a leading apostrophe. */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const PARTY_COLUMNS = ['rtt_ms', 'loss_pct', 'recv_height', 'recv_fps', 'audio_only_s'] as const;

export const CSV_COLUMNS = [
  'call_session_id',
  'appointment_id',
  'date',
  'start_time',
  'doctor',
  'connected',
  'duration_seconds',
  'wait_seconds',
  'end_reason',
  'measured',
  'relayed',
  'dominant_level',
  ...QUALITY_LEVELS.map((level) => `${level}_ms`),
  'reconnects',
  'audio_fallback',
  ...PARTY_COLUMNS.map((c) => `doctor_${c}`),
  ...PARTY_COLUMNS.map((c) => `patient_${c}`),
] as const;

const yesNo = (v: boolean) => (v ? 'yes' : 'no');

function partyCells(p: PartyFigures | null): (string | number | null)[] {
  if (!p) return PARTY_COLUMNS.map(() => null);
  return [p.rttMs, p.lossPct, p.recvHeight, p.recvFps, p.audioOnlyMs / 1000];
}

/** The rows with their header; quality cells stay empty for a call nobody measured. */
export function callsCsv(calls: readonly CallFigures[], timeZone: string): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const c of calls) {
    const m = c.measured;
    const cells: (string | number | null)[] = [
      c.row.session_id,
      c.row.appointment_id,
      c.date,
      timeOf(c.row.started_at, timeZone),
      c.row.doctor_name,
      yesNo(c.connected),
      c.callSeconds,
      c.waitSeconds,
      c.row.end_reason,
      yesNo(m),
      m ? yesNo(c.relayed) : null,
      c.dominantLevel,
      ...QUALITY_LEVELS.map((level) => (m ? c.levelMs[level] : null)),
      m ? c.reconnects : null,
      m ? yesNo(c.audioFallback) : null,
      ...partyCells(c.parties.doctor),
      ...partyCells(c.parties.patient),
    ];
    lines.push(cells.map(csvCell).join(','));
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
