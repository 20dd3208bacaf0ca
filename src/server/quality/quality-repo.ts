import type { Insertable, Kysely, Selectable } from 'kysely';
import type { CallQualityPartyView, CandidateType, QualitySummary } from '../../protocol/call-quality.js';
import type { PartyRole } from '../../protocol/call-status.js';
import type { Clock } from '../clock.js';
import type { CallQualityTable, Database } from '../db/schema.js';
import { newId } from '../ids.js';
import { summarizeWindows } from './quality-summary.js';

export type CallQualityRow = Selectable<CallQualityTable>;

function toRow(
  callSessionId: string,
  view: CallQualityPartyView,
  updatedAt: number,
): Insertable<CallQualityTable> {
  return {
    call_session_id: callSessionId,
    role: view.role,
    windows: view.windows,
    measured_ms: view.measuredMs,
    updated_at: updatedAt,
    rtt_median_ms: view.rttMs.median,
    rtt_worst_ms: view.rttMs.worst,
    jitter_median_ms: view.jitterMs.median,
    jitter_worst_ms: view.jitterMs.worst,
    loss_median_pct: view.lossPct.median,
    loss_worst_pct: view.lossPct.worst,
    send_kbps_median: view.sendKbps.median,
    send_kbps_worst: view.sendKbps.worst,
    recv_kbps_median: view.recvKbps.median,
    recv_kbps_worst: view.recvKbps.worst,
    recv_height_median: view.recvHeight.median,
    recv_height_worst: view.recvHeight.worst,
    recv_fps_median: view.recvFps.median,
    recv_fps_worst: view.recvFps.worst,
    relayed: view.relayed ? 1 : 0,
    candidate_type: view.candidateType,
    excellent_ms: view.levelMs.excellent,
    good_ms: view.levelMs.good,
    poor_ms: view.levelMs.poor,
    lost_ms: view.levelMs.lost,
    reconnects: view.reconnects,
    audio_only_ms: view.audioOnlyMs,
  };
}

/** A stored row as the view the report and the API give. */
export function partyView(row: CallQualityRow): CallQualityPartyView {
  const pair = (median: number | null, worst: number | null) => ({ median, worst });
  return {
    role: row.role,
    windows: row.windows,
    measuredMs: row.measured_ms,
    rttMs: pair(row.rtt_median_ms, row.rtt_worst_ms),
    jitterMs: pair(row.jitter_median_ms, row.jitter_worst_ms),
    lossPct: pair(row.loss_median_pct, row.loss_worst_pct),
    sendKbps: pair(row.send_kbps_median, row.send_kbps_worst),
    recvKbps: pair(row.recv_kbps_median, row.recv_kbps_worst),
    recvHeight: pair(row.recv_height_median, row.recv_height_worst),
    recvFps: pair(row.recv_fps_median, row.recv_fps_worst),
    relayed: row.relayed === 1,
    candidateType: row.candidate_type as CandidateType | null,
    levelMs: { excellent: row.excellent_ms, good: row.good_ms, poor: row.poor_ms, lost: row.lost_ms },
    reconnects: row.reconnects,
    audioOnlyMs: row.audio_only_ms,
  };
}

/**
 * Call quality (issue 17): every window a party's browser sent (`call_quality_windows`) and, per call
 * session and party, the summary over them (`call_quality`), rewritten in the same transaction as each
 * window is stored so the two never disagree.
 */
export class QualityRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /** Stores one validated window and rewrites the party's summary from all of its windows. */
  async addWindow(
    callSessionId: string,
    role: PartyRole,
    summary: QualitySummary,
  ): Promise<CallQualityPartyView> {
    const now = this.clock.now();
    return this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('call_quality_windows')
        .values({
          id: newId(),
          call_session_id: callSessionId,
          role,
          received_at: now,
          summary: JSON.stringify(summary),
        })
        .execute();
      const stored = await tx
        .selectFrom('call_quality_windows')
        .select('summary')
        .where('call_session_id', '=', callSessionId)
        .where('role', '=', role)
        .execute();
      const view = summarizeWindows(
        role,
        stored.map((w) => JSON.parse(w.summary) as QualitySummary),
      );
      const row = toRow(callSessionId, view, now);
      const { call_session_id: _id, role: _role, ...changes } = row;
      await tx
        .insertInto('call_quality')
        .values(row)
        .onConflict((oc) => oc.columns(['call_session_id', 'role']).doUpdateSet(changes))
        .execute();
      return view;
    });
  }

  /** The stored summaries of these call sessions, both parties. */
  async forSessions(callSessionIds: readonly string[]): Promise<CallQualityRow[]> {
    if (callSessionIds.length === 0) return [];
    return this.db
      .selectFrom('call_quality')
      .selectAll()
      .where('call_session_id', 'in', callSessionIds)
      .execute();
  }

  /** How many windows are stored for a call session (tests and the report's "measured"). */
  async windowCount(callSessionId: string): Promise<number> {
    const r = await this.db
      .selectFrom('call_quality_windows')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('call_session_id', '=', callSessionId)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }
}
