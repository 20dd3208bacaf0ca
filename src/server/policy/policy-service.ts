import type { HospitalPolicy, PolicyChange, PolicyKey, PolicyView } from '../../protocol/api.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Store } from '../store.js';
import type { HospitalPolicyRow, PolicyColumns } from './policy-repo.js';

export type { HospitalPolicy, PolicyChange, PolicyKey, PolicyView };

const COLUMNS: { [K in PolicyKey]: keyof PolicyColumns } = {
  recordingAllowed: 'recording_allowed',
  patientsSeeRecordings: 'patients_see_recordings',
  retentionDays: 'retention_days',
  checkInMinutes: 'check_in_minutes',
  maxCallMinutes: 'max_call_minutes',
  idleTimeoutMinutes: 'idle_timeout_minutes',
  adminsReadChat: 'admins_read_chat',
  recordingOnWithdraw: 'recording_on_withdraw',
};

const FLAGS = new Set<PolicyKey>(['recordingAllowed', 'patientsSeeRecordings', 'adminsReadChat']);
export const POLICY_KEYS = Object.keys(COLUMNS) as PolicyKey[];

export function policyDefaults(config: Config): HospitalPolicy {
  return {
    recordingAllowed: config.recordingAllowed,
    patientsSeeRecordings: config.patientsSeeRecordings,
    retentionDays: config.recordingRetentionDays,
    checkInMinutes: config.checkInMinutes,
    maxCallMinutes: config.maxCallMinutes,
    idleTimeoutMinutes: config.idleTimeoutMinutes,
    adminsReadChat: config.adminsReadChat,
    recordingOnWithdraw: config.recordingOnWithdraw,
  };
}

type PolicyValue = HospitalPolicy[PolicyKey];

function overridesOf(row: HospitalPolicyRow | undefined): PolicyView['overrides'] {
  const out = {} as Record<PolicyKey, PolicyValue | null>;
  for (const key of POLICY_KEYS) {
    const v = row ? row[COLUMNS[key]] : null;
    out[key] = v === null ? null : FLAGS.has(key) ? v === 1 : v;
  }
  return out as PolicyView['overrides'];
}

function merge(defaults: HospitalPolicy, overrides: PolicyView['overrides']): HospitalPolicy {
  const out = { ...defaults } as Record<PolicyKey, PolicyValue>;
  for (const key of POLICY_KEYS) {
    const v = overrides[key];
    if (v !== null) out[key] = v;
  }
  return out as unknown as HospitalPolicy;
}

/** The limits a call keeps from its start (call_sessions.max_duration_ms, idle_timeout_ms). */
export interface CallLimits {
  maxDurationMs: number;
  idleTimeoutMs: number;
}

/**
 * Per-hospital policy (docs/admin-api.md). One primary-key read per question: asked when a
 * call starts, a patient checks in or a page needs it, never per signaling message; the sweeper reads the
 * limits kept on each call session instead.
 */
export class PolicyService {
  private readonly defaults: HospitalPolicy;

  constructor(
    private readonly store: Store,
    config: Config,
    private readonly clock: Clock,
    /**
     * Whether this node has the key recordings are encrypted with: without it no hospital records,
     * whatever it chose (S29).
     */
    private readonly recordingKeyAvailable = config.recordingsKey !== null,
  ) {
    this.defaults = policyDefaults(config);
    if (!recordingKeyAvailable) this.defaults.recordingAllowed = false;
  }

  /** False when recording cannot be allowed on this node (no key): setting it is refused. */
  get canRecord(): boolean {
    return this.recordingKeyAvailable;
  }

  async view(hospitalId: string): Promise<PolicyView> {
    const row = await this.store.policies.find(hospitalId);
    const overrides = overridesOf(row);
    const policy = merge(this.defaults, overrides);
    if (!this.recordingKeyAvailable) policy.recordingAllowed = false;
    return {
      hospitalId,
      policy,
      overrides,
      defaults: { ...this.defaults },
      updatedAt: row?.updated_at ?? null,
    };
  }

  async effective(hospitalId: string): Promise<HospitalPolicy> {
    return (await this.view(hospitalId)).policy;
  }

  async callLimits(hospitalId: string): Promise<CallLimits> {
    const p = await this.effective(hospitalId);
    return { maxDurationMs: p.maxCallMinutes * 60_000, idleTimeoutMs: p.idleTimeoutMinutes * 60_000 };
  }

  async checkInMs(hospitalId: string): Promise<number> {
    return (await this.effective(hospitalId)).checkInMinutes * 60_000;
  }

  /**
   * Applies `change` (checked by the caller: the admin of this hospital) and records old and new values of
   * what changed in the audit trail, in one transaction.
   */
  async update(actorId: string, hospitalId: string, change: PolicyChange): Promise<PolicyView> {
    await this.store.db.kysely.transaction().execute(async (trx) => {
      const row = await this.store.policies.find(hospitalId, trx);
      const before = overridesOf(row);
      const after = { ...before } as Record<PolicyKey, PolicyValue | null>;
      for (const key of POLICY_KEYS) {
        const v = change[key];
        if (v !== undefined) after[key] = v;
      }
      const next: HospitalPolicyRow = {
        hospital_id: hospitalId,
        recording_allowed: null,
        patients_see_recordings: null,
        retention_days: null,
        check_in_minutes: null,
        max_call_minutes: null,
        idle_timeout_minutes: null,
        admins_read_chat: null,
        recording_on_withdraw: null,
        updated_at: this.clock.now(),
        updated_by: actorId,
      };
      const detail: Record<string, string | number | boolean | null> = { hospitalId };
      const columns = next as unknown as Record<keyof PolicyColumns, string | number | null>;
      const oldEffective = merge(this.defaults, before);
      const newEffective = merge(this.defaults, after as PolicyView['overrides']);
      for (const key of POLICY_KEYS) {
        const v = after[key] ?? null;
        columns[COLUMNS[key]] = v === null ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v;
        if (before[key] !== v) {
          detail[`${key}.old`] = oldEffective[key];
          detail[`${key}.new`] = newEffective[key];
          if (v === null) detail[`${key}.default`] = true;
        }
      }
      await this.store.policies.save(next, trx);
      await this.store.audit.record(
        {
          actorId,
          action: 'policy.update',
          hospitalId,
          target: `hospital:${hospitalId}`,
          outcome: 'ok',
          detail,
        },
        trx,
      );
    });
    return this.view(hospitalId);
  }
}
