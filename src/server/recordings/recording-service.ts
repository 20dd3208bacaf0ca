import type { Readable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import type {
  AppointmentRecordings,
  ChunkReceipt,
  RecordingEventView,
  RecordingStopRequest,
  RecordingView,
} from '../../protocol/recording.js';
import type { PartyAccess, ViewerAccess } from '../access/appointment-access.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import type { Broadcaster } from '../realtime/broadcaster.js';
import type { Store } from '../store.js';
import { type RecordingEvent, transition } from './recording-lifecycle.js';
import type { RecordingRow, RecordingSegmentRow } from './recordings-repo.js';
import type { RecordingRef, RecordingVault, StoredSegment } from './vault.js';

const MAX_ATTEMPTS = 5;
/** A stopped recording whose chunks stopped arriving this long ago is sealed with what is there. */
export const STALE_UPLOAD_MS = 10 * 60_000;

/** States in which the call's pages still show the recording (S29: in `joined`). */
const SHOWN_ON_JOIN: readonly RecordingRow['state'][] = ['asking', 'recording', 'paused', 'stopped'];
const OPEN: readonly RecordingRow['state'][] = ['asking', 'recording', 'paused'];

class VersionConflict extends Error {}

export interface RecordingPolicy {
  effective(hospitalId: string): Promise<{
    recordingAllowed: boolean;
    patientsSeeRecordings: boolean;
    retentionDays: number;
    recordingOnWithdraw: 'keep' | 'discard';
  }>;
}

const refOf = (r: RecordingRow): RecordingRef => ({ recordingId: r.id, wrappedKey: r.wrapped_key });

/** The doctor's Stop as stored: segment → number of chunks. */
function declaredOf(r: RecordingRow): Map<number, number> | null {
  if (r.declared_chunks === null) return null;
  const parsed = JSON.parse(r.declared_chunks) as Record<string, number>;
  return new Map(Object.entries(parsed).map(([k, v]) => [Number(k), v]));
}

/** A withdrawn recording under the "discard" rule: its files are destroyed, never sealed. */
const discardsOnWithdrawal = (r: RecordingRow): boolean =>
  r.stop_reason === 'withdrawn' && r.on_withdraw === 'discard';

/** Every declared chunk is stored (a segment declared with n chunks has 0 … n-1). */
function complete(declared: Map<number, number>, stored: StoredSegment[]): boolean {
  for (const [segment, chunks] of declared) {
    if (chunks === 0) continue;
    const have = new Set(stored.find((s) => s.segment === segment)?.chunks ?? []);
    for (let seq = 0; seq < chunks; seq++) if (!have.has(seq)) return false;
  }
  return true;
}

/**
 * Recording with consent (docs/recordings.md, S29): every transition of recording-lifecycle.ts is written
 * in one transaction with its consent events, guarded by the row's version, then sent to both parties of
 * the call's room. The vault keeps the bytes; this service decides what it may keep.
 */
export class RecordingService {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      broadcaster: Broadcaster;
      policy: RecordingPolicy;
      /** null: this node has no key, nothing is recorded (the policy says so too). */
      vault: RecordingVault | null;
      log: FastifyBaseLogger;
    },
  ) {}

  view(r: RecordingRow, now = this.deps.clock.now()): RecordingView {
    return {
      id: r.id,
      appointmentId: r.appointment_id,
      callSessionId: r.call_session_id,
      state: r.state,
      stopReason: r.stop_reason,
      patientConsent: r.patient_consent,
      terms: {
        retentionDays: r.retention_days,
        patientMaySee: r.patient_may_see === 1,
        onWithdraw: r.on_withdraw,
      },
      requestedAt: r.requested_at,
      startedAt: r.started_at,
      stoppedAt: r.stopped_at,
      elapsedMs: r.elapsed_ms + (r.running_since === null ? 0 : Math.max(0, now - r.running_since)),
      segments: r.segments_seen,
    };
  }

  /** The recording with its appointment's id, for the routes' access check; 404 when there is none. */
  async find(recordingId: string): Promise<RecordingRow> {
    const r = await this.deps.store.recordings.get(recordingId);
    if (!r) throw new AppError('not_found');
    return r;
  }

  /** What a page joining the call's room sees at once (S29). */
  async forJoin(callSessionId: string): Promise<RecordingView | null> {
    const r = await this.deps.store.recordings.latestForSession(callSessionId);
    return r && SHOWN_ON_JOIN.includes(r.state) ? this.view(r) : null;
  }

  /** The appointment's doctor asks to record its call in progress; the ask is the doctor's consent. */
  async ask(party: PartyAccess, doctorId: string): Promise<RecordingView> {
    const { store, clock, policy, vault } = this.deps;
    const a = party.appointment;
    if (a.video_call_status !== 'in_progress' || !a.room_id) throw new AppError('call_not_active');
    const terms = await policy.effective(a.hospital_id);
    if (!terms.recordingAllowed || !vault) throw new AppError('recording_not_allowed');
    const session = await store.callSessions.findByRoom(a.room_id);
    if (!session || session.ended_at !== null) throw new AppError('call_not_active');
    const now = clock.now();
    const row: RecordingRow = {
      id: newId(),
      appointment_id: a.id,
      hospital_id: a.hospital_id,
      call_session_id: session.id,
      requested_by: doctorId,
      state: 'asking',
      stop_reason: null,
      patient_consent: null,
      retention_days: terms.retentionDays,
      patient_may_see: terms.patientsSeeRecordings ? 1 : 0,
      on_withdraw: terms.recordingOnWithdraw,
      requested_at: now,
      started_at: null,
      stopped_at: null,
      elapsed_ms: 0,
      running_since: null,
      wrapped_key: vault.newKey(),
      segments_seen: 0,
      declared_chunks: null,
      last_chunk_at: null,
      finished_at: null,
      expires_at: null,
      bytes: 0,
      deleted_at: null,
      version: 0,
    };
    // One open recording per call: checked and inserted under the call session's row lock (PostgreSQL)
    // or the one writer (SQLite), so two asks at once cannot both open one.
    await store.db.kysely.transaction().execute(async (trx) => {
      await trx
        .updateTable('call_sessions')
        .set({ last_presence_at: session.last_presence_at })
        .where('id', '=', session.id)
        .execute();
      const latest = await store.recordings.latestForSession(session.id, trx);
      if (latest && OPEN.includes(latest.state)) throw new AppError('recording_open');
      await store.recordings.insert(row, trx);
      await store.recordings.addEvents(row, [{ at: now, actorId: doctorId, kind: 'requested' }], trx);
      await store.audit.record(
        {
          actorId: doctorId,
          action: 'recording.ask',
          appointmentId: a.id,
          target: `recording:${row.id}`,
          outcome: 'ok',
          detail: { recordingId: row.id },
        },
        trx,
      );
    });
    const view = this.view(row, now);
    await this.announce(row.call_session_id, view);
    return view;
  }

  /** The patient's answer (the caller checked they are the appointment's patient). */
  async answer(r: RecordingRow, patientId: string, answer: 'allow' | 'decline'): Promise<RecordingView> {
    const view = await this.apply(r, patientId, { type: 'consent', answer }, 'recording.consent');
    // Declining after a pause ends the recording: what was recorded before is sealed.
    return view.state === 'stopped' ? ((await this.sealIfComplete(view.id)) ?? view) : view;
  }

  /** The patient withdraws consent; under a "discard" rule what was recorded is destroyed at once. */
  async withdraw(r: RecordingRow, patientId: string): Promise<RecordingView> {
    const view = await this.apply(r, patientId, { type: 'withdraw' }, 'recording.withdraw');
    if (view.state === 'stopped' && view.terms.onWithdraw === 'discard') {
      return this.discard(view.id, patientId);
    }
    return (await this.sealIfComplete(view.id)) ?? view;
  }

  /** The doctor's Stop, with the chunks each segment has; sealed once they are all stored. */
  async stop(r: RecordingRow, doctorId: string, request: RecordingStopRequest): Promise<RecordingView> {
    const declared = JSON.stringify(Object.fromEntries(request.segments.map((s) => [s.segment, s.chunks])));
    let view: RecordingView;
    if (
      r.state === 'stopped' &&
      r.declared_chunks === null &&
      r.stop_reason !== 'withdrawn' &&
      r.stop_reason !== 'declined'
    ) {
      // Stopped by the call's end or a storage failure: the doctor's browser still says what it has.
      view = await this.write(r.id, async (row) => {
        if (row.state !== 'stopped' || row.declared_chunks !== null) return null;
        return { changes: { declared_chunks: declared }, events: [] };
      });
    } else if ((r.state === 'stopped' || r.state === 'finished') && r.stop_reason === 'doctor') {
      // A repeated Stop (a retry whose answer was lost) changes nothing.
      view = this.view(r);
    } else {
      view = await this.apply(r, doctorId, { type: 'stop' }, 'recording.stop', { declared_chunks: declared });
    }
    return (await this.sealIfComplete(view.id)) ?? view;
  }

  /** Stores one chunk from the doctor's browser (the caller checked the doctor), durably before answering. */
  async putChunk(
    r: RecordingRow,
    segment: number,
    seq: number,
    data: Buffer,
    sha256: string,
  ): Promise<ChunkReceipt> {
    const { store, clock } = this.deps;
    const vault = this.requireVault();
    const accepting =
      r.state === 'recording' ||
      r.state === 'paused' ||
      (r.state === 'stopped' && (r.stop_reason === 'doctor' || r.stop_reason === 'call_ended'));
    if (!accepting) throw new AppError('recording_not_active');
    let result: { stored: boolean; recordingBytes: number };
    try {
      result = await vault.putChunk(refOf(r), segment, seq, data, sha256);
    } catch (err) {
      if (err instanceof AppError && (err.code === 'recording_too_large' || err.code === 'storage_full')) {
        await this.fail(r.id, err.code === 'recording_too_large' ? 'too_large' : 'storage_full');
      }
      throw err;
    }
    const now = clock.now();
    const after = await store.recordings.noteChunk(r.id, segment, result.recordingBytes, now);
    // A withdrawal under "discard" that came while this chunk was being written: nothing is kept.
    if (after && (after.state === 'discarded' || after.state === 'deleted' || discardsOnWithdrawal(after))) {
      await vault.destroy(r.id);
      throw new AppError('recording_not_active');
    }
    if (after?.state === 'stopped') await this.sealIfComplete(r.id);
    return { segment, seq, stored: result.stored, recordingBytes: result.recordingBytes };
  }

  /** The patient left the room (after the grace) or joined it afresh: capture pauses, they are asked again. */
  async consentLapsed(callSessionId: string): Promise<RecordingView | null> {
    const r = await this.deps.store.recordings.latestForSession(callSessionId);
    if (r?.state !== 'recording') return r && SHOWN_ON_JOIN.includes(r.state) ? this.view(r) : null;
    return this.apply(r, null, { type: 'lapse' }, 'recording.lapse').catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'recording_not_active') return null;
      throw err;
    });
  }

  /** The patient's departure from the room was announced (after the grace, or a dead node's sweep). */
  async patientLeft(roomId: string): Promise<void> {
    const session = await this.deps.store.callSessions.findByRoom(roomId);
    if (session) await this.consentLapsed(session.id);
  }

  /** The call ended (any reason): its open recordings stop; those that never captured are closed at once. */
  async callEnded(callSessionId: string): Promise<void> {
    for (const r of await this.deps.store.recordings.listForSession(callSessionId, OPEN)) {
      try {
        await this.apply(r, null, { type: 'call-ended' }, 'recording.stop');
        await this.sealIfComplete(r.id);
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'recording_not_active')) throw err;
      }
    }
  }

  /**
   * The sweep (every node; each step a conditional write, so nodes do not double-act): recordings left
   * open by a call that ended while its node died, stopped ones whose uploads stopped ten minutes ago
   * (sealed with what is there), and finished ones past their retention (destroyed).
   */
  async sweep(): Promise<void> {
    const { store, clock } = this.deps;
    if (!this.deps.vault) return;
    for (const r of await store.recordings.listOpenOfEndedCalls(OPEN))
      await this.callEnded(r.call_session_id);
    const now = clock.now();
    for (const r of await store.recordings.listStale(now - STALE_UPLOAD_MS)) {
      // A withdrawal whose discard did not finish (its node died) is discarded, never sealed.
      if (discardsOnWithdrawal(r)) await this.discard(r.id, null);
      else await this.seal(r.id);
    }
    for (const r of await store.recordings.listExpired(now)) {
      await this.deps.vault.destroy(r.id);
      await this.apply(r, null, { type: 'expire' }, 'recording.delete', { deleted_at: now }).catch(
        (err: unknown) => {
          if (!(err instanceof AppError && err.code === 'recording_not_active')) throw err;
        },
      );
    }
  }

  /** The appointment's recordings as `access` may see them (S29: files only for who may play). */
  async list(access: PartyAccess | ViewerAccess): Promise<AppointmentRecordings> {
    const { store, clock } = this.deps;
    const a = access.appointment;
    const rows = await store.recordings.listForAppointment(a.id);
    const now = clock.now();
    const recordings = [];
    for (const r of rows) {
      const files =
        r.state === 'finished' && this.canPlay(access, r) ? await store.recordings.segments(r.id) : [];
      recordings.push({
        recording: this.view(r, now),
        files: files.map((f) => this.fileView(r, f)),
        expiresAt: r.state === 'finished' ? r.expires_at : null,
      });
    }
    const events: RecordingEventView[] = (await store.recordings.eventsForAppointment(a.id)).map((e) => ({
      id: e.id,
      recordingId: e.recording_id,
      at: e.at,
      actor:
        e.actor_id === null
          ? null
          : {
              userId: e.actor_id,
              displayName: e.actor_name ?? '',
              role: (e.actor_role ?? 'patient') as 'doctor' | 'patient' | 'admin',
            },
      kind: e.kind,
      detail: e.detail,
    }));
    const canPlay = access.role !== 'patient' || rows.some((r) => r.patient_may_see === 1);
    return { canPlay, recordings, events };
  }

  /** The doctor, the hospital's admins, and the patient when the terms let them (S29). */
  canPlay(access: PartyAccess | ViewerAccess, r: RecordingRow): boolean {
    return access.role !== 'patient' || r.patient_may_see === 1;
  }

  /** A sealed segment to stream: its figures and a reader of plaintext byte ranges. */
  async playable(
    r: RecordingRow,
    segment: number,
  ): Promise<{ file: RecordingSegmentRow; read: (start: number, end: number) => Readable }> {
    if (r.state !== 'finished') throw new AppError('recording_not_finished');
    const file = await this.deps.store.recordings.segment(r.id, segment);
    if (!file) throw new AppError('not_found');
    const vault = this.requireVault();
    return { file, read: (start, end) => vault.read(refOf(r), segment, start, end) };
  }

  private fileView(r: RecordingRow, f: RecordingSegmentRow) {
    const url = `/api/recordings/${r.id}/segments/${f.segment}`;
    return {
      segment: f.segment,
      bytes: f.bytes,
      durationMs: f.duration_ms,
      sha256: f.sha256,
      url,
      downloadUrl: `${url}/download`,
    };
  }

  private requireVault(): RecordingVault {
    if (!this.deps.vault) throw new AppError('recordings_key_missing');
    return this.deps.vault;
  }

  /** A storage failure: the recording stops, what is stored is kept and sealed. */
  private async fail(recordingId: string, reason: 'too_large' | 'storage_full'): Promise<void> {
    const r = await this.deps.store.recordings.get(recordingId);
    if (!r) return;
    await this.apply(r, null, { type: 'fail', reason }, 'recording.fail').catch((err: unknown) => {
      if (!(err instanceof AppError && err.code === 'recording_not_active')) throw err;
    });
    await this.seal(recordingId);
  }

  /** A stopped recording whose chunks will all have come (or never come) is sealed now. */
  private async sealIfComplete(recordingId: string): Promise<RecordingView | null> {
    const r = await this.deps.store.recordings.get(recordingId);
    if (r?.state !== 'stopped') return null;
    const noMoreChunks =
      r.started_at === null ||
      r.stop_reason === 'withdrawn' ||
      r.stop_reason === 'declined' ||
      r.stop_reason === 'too_large' ||
      r.stop_reason === 'storage_full';
    if (!noMoreChunks) {
      const declared = declaredOf(r);
      if (!declared || !complete(declared, await this.requireVault().segments(r.id))) return null;
    }
    return this.seal(recordingId);
  }

  /** Seals every stored segment (idempotent in the vault) and finishes the recording. */
  private async seal(recordingId: string): Promise<RecordingView | null> {
    const vault = this.requireVault();
    const r = await this.deps.store.recordings.get(recordingId);
    if (r?.state !== 'stopped' || discardsOnWithdrawal(r)) return null;
    const sealedAt = this.deps.clock.now();
    const segments: RecordingSegmentRow[] = [];
    for (const s of await vault.segments(r.id)) {
      if (s.chunks.length === 0) continue;
      const sealed = await vault.seal(refOf(r), s.segment);
      segments.push({
        recording_id: r.id,
        segment: sealed.segment,
        bytes: sealed.bytes,
        duration_ms: sealed.durationMs,
        sha256: sealed.sha256,
        missing_chunks: sealed.missingChunks,
        sealed_at: sealedAt,
      });
    }
    const bytes = segments.reduce((sum, s) => sum + s.bytes, 0);
    return this.apply(
      r,
      null,
      { type: 'seal' },
      null,
      { finished_at: sealedAt, expires_at: sealedAt + r.retention_days * 86_400_000, bytes },
      segments,
    ).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'recording_not_active') return null;
      throw err;
    });
  }

  private async discard(recordingId: string, actorId: string | null): Promise<RecordingView> {
    await this.requireVault().destroy(recordingId);
    const r = await this.find(recordingId);
    return this.apply(r, actorId, { type: 'discard' }, 'recording.discard');
  }

  /**
   * Applies `event` to the recording, decided on a fresh read (and again if another writer won).
   * `action` names the audit record (the actor is null for the server's own doing: a lapse, a call's end,
   * a failure, the retention's deletion); null: a change not worth one.
   */
  private apply(
    r: RecordingRow,
    actorId: string | null,
    event: RecordingEvent,
    action: string | null,
    extra: Partial<RecordingRow> = {},
    segments: RecordingSegmentRow[] = [],
  ): Promise<RecordingView> {
    return this.write(r.id, async (current) => {
      const result = transition(current.state, event, current.started_at === null);
      if (!result.ok) throw new AppError(result.code);
      const t = result.transition;
      const now = this.deps.clock.now();
      const changes: Partial<RecordingRow> = { state: t.next, ...extra };
      if (t.stopReason) {
        changes.stop_reason = t.stopReason;
        changes.stopped_at = now;
      }
      if (t.consent !== undefined) changes.patient_consent = t.consent;
      if (t.capture === 'run' && current.running_since === null) {
        changes.running_since = now;
        if (current.started_at === null) changes.started_at = now;
      }
      if (t.capture === 'halt' && current.running_since !== null) {
        changes.running_since = null;
        changes.elapsed_ms = current.elapsed_ms + Math.max(0, now - current.running_since);
      }
      return {
        changes,
        events: t.events.map((e) => ({ at: now, actorId, kind: e.kind, detail: e.detail ?? null })),
        segments,
        audit: action === null ? null : { actorId, action, from: current.state, to: t.next },
        silent: t.events.length === 0 && t.next === current.state && t.consent === undefined,
      };
    });
  }

  /**
   * One conditional write with its events (and audit record) in a transaction; retried on a lost race.
   * `decide` returns the changes for the row it is given, or null for "nothing to do".
   */
  private async write(
    recordingId: string,
    decide: (row: RecordingRow) => Promise<{
      changes: Partial<RecordingRow>;
      events: Array<{
        at: number;
        actorId: string | null;
        kind: RecordingEventView['kind'];
        detail: string | null;
      }>;
      segments?: RecordingSegmentRow[];
      audit?: { actorId: string | null; action: string; from: string; to: string } | null;
      silent?: boolean;
    } | null>,
  ): Promise<RecordingView> {
    const { store } = this.deps;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const fresh = await this.find(recordingId);
      const decision = await decide(fresh);
      if (decision === null) return this.view(fresh);
      const base = fresh;
      if (decision.silent) return this.view(base);
      const written = await store.db.kysely
        .transaction()
        .execute(async (trx) => {
          if (!(await store.recordings.updateIfVersion(base.id, base.version, decision.changes, trx))) {
            throw new VersionConflict();
          }
          await store.recordings.addEvents(base, decision.events, trx);
          for (const s of decision.segments ?? []) await store.recordings.insertSegment(s, trx);
          const audit = decision.audit;
          if (audit) {
            await store.audit.record(
              {
                actorId: audit.actorId,
                action: audit.action,
                appointmentId: base.appointment_id,
                target: `recording:${base.id}`,
                outcome: 'ok',
                detail: { recordingId: base.id, from: audit.from, to: audit.to },
              },
              trx,
            );
          }
          return true;
        })
        .catch((err: unknown) => {
          if (err instanceof VersionConflict) return false;
          throw err;
        });
      if (!written) continue;
      const updated: RecordingRow = {
        ...base,
        ...decision.changes,
        version: base.version + 1,
      } as RecordingRow;
      const view = this.view(updated);
      await this.announce(updated.call_session_id, view);
      return view;
    }
    throw new AppError('internal', { message: 'The recording changed too often to apply this; try again.' });
  }

  /** To both parties of the call's room, into their streams so a resume replays it (S29). */
  private async announce(callSessionId: string, view: RecordingView): Promise<void> {
    const roomId = await this.deps.store.recordings.roomOf(callSessionId);
    if (roomId) await this.deps.broadcaster.toBoth(roomId, { type: 'recording', recording: view });
  }
}
