import { randomBytes } from 'node:crypto';
import { hashPassword } from '../../src/server/accounts/passwords.js';
import type { UserRow } from '../../src/server/accounts/users-repo.js';
import { MemoryBus } from '../../src/server/bus/memory-bus.js';
import { CallGrantsService } from '../../src/server/calls/call-grants-service.js';
import { CallService } from '../../src/server/calls/call-service.js';
import { systemClock } from '../../src/server/clock.js';
import { Broadcaster } from '../../src/server/realtime/broadcaster.js';
import type { Store } from '../../src/server/store.js';
import type { CallSpec } from './load-protocol.js';

/** Cookie names for an http PUBLIC_ORIGIN (https ones carry the __Host- prefix). */
const SESSION_COOKIE = 'carecall_session';
const CALL_COOKIE = 'carecall_call';

/**
 * Seeds calls straight into the database the server uses, through the server's own store and services
 * (users, appointments, sign-in sessions, `CallService.start`, the parties' call cookies), so every
 * socket authenticates exactly as a browser's would: session cookie + call cookie, checked by the
 * server at the upgrade and at `join` (S16). Signing in over HTTP would cost a scrypt hash and a
 * rate-limited request per party: setup, not what is measured.
 */
export class CallSeeder {
  private readonly calls: CallSpec[] = [];
  private readonly service: CallService;
  private readonly access: CallGrantsService;
  private hospitalId: string | null = null;
  private passwordHash: Promise<string> | null = null;
  private readonly label = randomBytes(3).toString('hex');

  constructor(
    private readonly store: Store,
    private readonly options: { concurrency: number; sessionTtlMs?: number; linkTtlMs?: number },
  ) {
    const broadcaster = new Broadcaster(new MemoryBus());
    this.service = new CallService(store, systemClock, broadcaster, {
      maxDurationMs: 60 * 60_000,
      idleTimeoutMs: 10 * 60_000,
      linkTtlMs: options.linkTtlMs ?? 24 * 3_600_000,
    });
    this.access = new CallGrantsService(store, systemClock, this.service);
  }

  get seeded(): number {
    return this.calls.length;
  }

  /** The first `n` calls, started (status `waiting` or later) with both parties' cookies. */
  async ensure(n: number): Promise<CallSpec[]> {
    this.hospitalId ??= (await this.store.users.createHospital(`Bench hospital ${this.label}`)).id;
    this.passwordHash ??= hashPassword(randomBytes(16).toString('hex'));
    const todo = Array.from({ length: Math.max(0, n - this.calls.length) }, (_, i) => this.calls.length + i);
    const made: CallSpec[] = [];
    let next = 0;
    const work = async () => {
      while (next < todo.length) {
        const index = todo[next++] as number;
        made.push(await this.seedOne(index));
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.options.concurrency) }, work));
    made.sort((a, b) => a.index - b.index);
    this.calls.push(...made);
    return this.calls.slice(0, n);
  }

  private async seedOne(index: number): Promise<CallSpec> {
    const passwordHash = await (this.passwordHash as Promise<string>);
    const hospitalId = this.hospitalId as string;
    const tag = `${this.label}-${index}`;
    const doctor = await this.store.users.create({
      email: `doctor-${tag}@bench.test`,
      displayName: `Dr. Bench ${index}`,
      role: 'doctor',
      hospitalId,
      passwordHash,
    });
    const patient = await this.store.users.create({
      email: `patient-${tag}@bench.test`,
      displayName: `Patient ${index}`,
      role: 'patient',
      hospitalId: null,
      passwordHash,
    });
    const appointment = await this.store.appointments.create({
      hospitalId,
      doctorId: doctor.id,
      patientId: patient.id,
      scheduledAt: Date.now(),
      reason: 'Follow-up',
    });
    const ttl = this.options.sessionTtlMs ?? 12 * 3_600_000;
    const doctorSession = await this.store.sessions.create(doctor.id, ttl);
    const patientSession = await this.store.sessions.create(patient.id, ttl);
    await this.service.start(doctor, appointment.id);
    const started = await this.store.appointments.get(appointment.id);
    if (!started) throw new Error('appointment vanished while seeding');
    const grant = (user: UserRow, sessionHash: string, role: 'doctor' | 'patient') =>
      this.access.grantForParty(user, sessionHash, started, role);
    const doctorGrant = await grant(doctor, doctorSession.idHash, 'doctor');
    const patientGrant = await grant(patient, patientSession.idHash, 'patient');
    return {
      index,
      appointmentId: appointment.id,
      doctorCookie: `${SESSION_COOKIE}=${doctorSession.token}; ${CALL_COOKIE}=${doctorGrant.secret}`,
      patientCookie: `${SESSION_COOKIE}=${patientSession.token}; ${CALL_COOKIE}=${patientGrant.secret}`,
    };
  }
}
