import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CallStartInfo } from '../../src/protocol/api.js';
import type { AuditPage } from '../../src/protocol/audit.js';
import type { CreatedPerson } from '../../src/protocol/people.js';
import type { RecordingView } from '../../src/protocol/recording.js';
import type { AuditRow } from '../../src/server/audit/audit-repo.js';
import { FakeClock } from '../support/clock.js';
import { PASSWORD, type World } from '../support/fixtures.js';
import { Agent, raw, type TestServer } from '../support/server.js';
import { testDatabases } from '../support/suites.js';
import { useWorld } from '../support/world.js';

const DAY = 86_400_000;
const WEBM = readFileSync(
  new URL('../../src/server/recordings/fixtures/mediarecorder-vp8-opus.webm', import.meta.url),
);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const CHAT_TEXT = 'my private symptoms are these';
const NEW_PASSWORD = 'a brand new password';

type Who = 'doctor' | 'patient' | 'admin' | 'otherAdmin';

describe.each(testDatabases())('the audit trail on $name', (database) => {
  const setup = useWorld({ database, env: { RECORDING_ALLOWED: 'true', RECORDING_PATIENT_ACCESS: 'true' } });
  let server: TestServer;
  let world: World;
  let clock: FakeClock;
  let agents: Record<Who, Agent>;
  const store = () => server.ctx.store;
  const auditPath = (q = '') => `/api/hospitals/${world.hospitalA}/audit${q}`;

  beforeEach(async () => {
    clock = new FakeClock();
    ({ server, world } = await setup.open({ clock }));
    agents = await setup.signInAll('doctor', 'patient', 'admin', 'otherAdmin');
  });

  it('records every security event with its actor, hospital, target and outcome, and never a secret', async () => {
    const id = world.appointment.id;
    const secrets: string[] = [PASSWORD, NEW_PASSWORD, CHAT_TEXT];
    // Sign-in refused, then sign-in and sign-out.
    const wrong = await new Agent(server).request('POST', '/api/session', {
      email: 'doctor@a.test',
      password: 'not the password',
    });
    expect(wrong.status).toBe(401);
    secrets.push('not the password');
    const leaving = await setup.signIn('doctor');
    secrets.push(leaving.csrf ?? '', leaving.cookie);
    expect((await leaving.request('DELETE', '/api/session')).status).toBe(204);

    // Admin changes: a person (with a set-password link), its use twice, a reset link, the policy, an appointment.
    const made = await agents.admin.request('POST', `/api/hospitals/${world.hospitalA}/people`, {
      displayName: 'Dr. New',
      email: 'new@a.test',
      role: 'doctor',
    });
    expect(made.status).toBe(201);
    const created = made.body as CreatedPerson;
    const token = new URL(created.setPasswordLink?.url ?? '').hash.replace('#token=', '');
    secrets.push(token);
    const setPw = () =>
      new Agent(server).request('POST', '/api/set-password', { token, password: NEW_PASSWORD });
    expect((await setPw()).status).toBe(204);
    expect((await setPw()).status).toBe(410);
    const reset = await agents.admin.request(
      'POST',
      `/api/hospitals/${world.hospitalA}/people/${created.person.id}/set-password-link`,
    );
    expect(reset.status).toBe(201);
    secrets.push(
      new URL((reset.body as { setPasswordLink: { url: string } }).setPasswordLink.url).hash.replace(
        '#token=',
        '',
      ),
    );
    expect(
      (await agents.admin.request('PUT', `/api/hospitals/${world.hospitalA}/policy`, { checkInMinutes: 20 }))
        .status,
    ).toBe(200);
    const appt = await agents.admin.request('POST', `/api/hospitals/${world.hospitalA}/appointments`, {
      doctorId: world.doctor.id,
      patientId: world.patient.id,
      scheduledAt: clock.now() + DAY,
      lengthMinutes: 30,
      confirm: true,
    });
    expect(appt.status).toBe(201);
    const newAppt = (appt.body as { appointment: { id: string } }).appointment.id;
    expect((await agents.admin.request('POST', `/api/appointments/${newAppt}/cancel`, {})).status).toBe(200);

    // The call: start (which issues the links), a link exchanged, then refused; join, chat, leave.
    const started = await agents.doctor.request('POST', `/api/appointments/${id}/call/start`, {});
    expect(started.status).toBe(200);
    const links = (started.body as CallStartInfo).links;
    const linkToken = new URL(links.patient.url).hash.replace('#token=', '');
    secrets.push(linkToken, new URL(links.doctor.url).hash.replace('#token=', ''));
    const guest = new Agent(server);
    const exchange = (a: Agent) =>
      a.request('POST', '/api/call-links/exchange', { token: linkToken, displayName: 'Pat' });
    expect((await exchange(guest)).status).toBe(200);
    expect((await exchange(new Agent(server))).status).toBe(409);
    const d = await setup.socket(agents.doctor);
    expect(await d.call({ type: 'join', appointmentId: id })).toMatchObject({ type: 'ack' });
    expect((await agents.patient.request('POST', `/api/appointments/${id}/call/join`, {})).status).toBe(200);
    const p = await setup.socket(agents.patient);
    expect(await p.call({ type: 'join', appointmentId: id })).toMatchObject({ type: 'ack' });
    await d.next('call-status', (m) => m.call.status === 'in_progress');
    expect(
      (
        await agents.patient.request('POST', `/api/appointments/${id}/messages`, {
          clientId: 'c1',
          body: CHAT_TEXT,
        })
      ).status,
    ).toBe(201);

    // Recording: ask, consent (which starts it), a chunk, stop, play, download, and its deletion.
    const asked = (await agents.doctor.request('POST', `/api/appointments/${id}/recordings`, {}))
      .body as RecordingView;
    expect(
      (await agents.patient.request('POST', `/api/recordings/${asked.id}/consent`, { answer: 'allow' }))
        .status,
    ).toBe(200);
    clock.advance(1000);
    const put = await raw(agents.doctor, 'PUT', `/api/recordings/${asked.id}/segments/0/chunks/0`, {
      body: WEBM,
      headers: { 'content-type': 'application/octet-stream', 'x-chunk-sha256': sha(WEBM) },
    });
    expect(put.status).toBe(200);
    const stopped = await agents.doctor.request('POST', `/api/recordings/${asked.id}/stop`, {
      segments: [{ segment: 0, chunks: 1 }],
    });
    expect(stopped.body).toMatchObject({ state: 'finished' });
    expect((await raw(agents.admin, 'GET', `/api/recordings/${asked.id}/segments/0`)).status).toBe(200);
    expect((await raw(agents.doctor, 'GET', `/api/recordings/${asked.id}/segments/0/download`)).status).toBe(
      200,
    );

    await p.call({ type: 'leave' });
    await d.next('peer-left');
    expect((await agents.doctor.request('POST', `/api/appointments/${id}/call/end`, {})).status).toBe(200);
    // A permission denial: another hospital's admin at this hospital's audit trail.
    expect((await agents.otherAdmin.request('GET', auditPath())).status).toBe(403);
    // Past the retention: the sweep deletes the recording (the sessions have long expired by then).
    clock.advance(91 * DAY);
    await server.ctx.recordings.sweep();
    expect((await store().recordings.get(asked.id))?.state).toBe('deleted');

    const rows = await store().audit.list();
    const A = world.hospitalA;
    const has = (
      action: string,
      actor: string | null,
      outcome: AuditRow['outcome'],
      hospital: string | null,
      target: string | null,
    ) =>
      expect({
        action,
        found: rows.some(
          (r) =>
            r.action === action &&
            r.actor_id === actor &&
            r.outcome === outcome &&
            r.hospital_id === hospital &&
            r.target === target,
        ),
      }).toEqual({ action, found: true });
    const apptT = `appointment:${id}`;
    const recT = `recording:${asked.id}`;
    has('auth.login', world.doctor.id, 'denied', A, null);
    has('auth.login', world.doctor.id, 'ok', A, null);
    has('auth.login', world.patient.id, 'ok', null, null); // a patient: the system chain
    has('auth.logout', world.doctor.id, 'ok', A, null);
    has('people.create', world.admin.id, 'ok', A, `user:${created.person.id}`);
    has('people.set-password', created.person.id, 'ok', A, `user:${created.person.id}`);
    has('people.set-password', created.person.id, 'denied', A, `user:${created.person.id}`);
    has('people.reset-link', world.admin.id, 'ok', A, `user:${created.person.id}`);
    has('policy.update', world.admin.id, 'ok', A, `hospital:${A}`);
    has('appointment.create', world.admin.id, 'ok', A, `appointment:${newAppt}`);
    has('appointment.cancel', world.admin.id, 'ok', A, `appointment:${newAppt}`);
    has('call.start', world.doctor.id, 'ok', A, apptT);
    has('call.link.exchange', world.patient.id, 'ok', A, apptT);
    has('call.link.exchange', null, 'denied', null, null); // a stranger's refused link names no one
    has('call.join', world.doctor.id, 'ok', A, apptT);
    has('call.join', world.patient.id, 'ok', A, apptT);
    has('call.leave', world.patient.id, 'ok', A, apptT);
    has('call.end', world.doctor.id, 'ok', A, apptT);
    has('recording.ask', world.doctor.id, 'ok', A, recT);
    has('recording.consent', world.patient.id, 'ok', A, recT); // requested → recording: the start
    expect(rows.find((r) => r.action === 'recording.consent')?.detail).toContain('"to":"recording"');
    has('recording.stop', world.doctor.id, 'ok', A, recT);
    has('recording.play', world.admin.id, 'ok', A, recT);
    has('recording.download', world.doctor.id, 'ok', A, recT);
    has('recording.delete', null, 'ok', A, recT);
    has('audit.read', world.otherAdmin.id, 'denied', A, `hospital:${A}`);

    // No entry holds a password, token, cookie or chat text, in any column.
    const everything = JSON.stringify(
      await store().db.kysely.selectFrom('audit_events').selectAll().execute(),
    );
    for (const s of secrets.filter((x) => x.length >= 8)) expect(everything).not.toContain(s);
    expect(everything).not.toContain('symptoms');

    for (const chain of await store().audit.chains()) {
      expect(await store().audit.verify(chain)).toMatchObject({ ok: true });
    }
  });

  it('an admin browses their hospital’s entries newest first, filtered and paged, with names and roles', async () => {
    const A = world.hospitalA;
    for (let i = 0; i < 60; i++) {
      await store().audit.record({
        actorId: i % 2 === 0 ? world.doctor.id : world.admin.id,
        hospitalId: A,
        action: i % 3 === 0 ? 'call.start' : 'people.view',
        target: `appointment:${world.appointment.id}`,
        outcome: i % 5 === 0 ? 'denied' : 'ok',
        detail: { n: i },
      });
      clock.advance(1000);
    }
    // Another hospital's entries never show.
    await store().audit.record({ actorId: world.otherAdmin.id, action: 'policy.update', outcome: 'ok' });

    const first = await agents.admin.request('GET', auditPath());
    expect(first.status).toBe(200);
    const page1 = first.body as AuditPage;
    expect(page1.entries).toHaveLength(50);
    const seqs = page1.entries.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(page1.entries.every((e) => e.actor === null || e.actor.name !== null)).toBe(true);
    const doctorEntry = page1.entries.find((e) => e.actor?.id === world.doctor.id);
    expect(doctorEntry?.actor).toEqual({ id: world.doctor.id, name: 'Dr. A', role: 'doctor' });
    expect(page1.nextCursor).not.toBeNull();
    const page2 = (await agents.admin.request('GET', auditPath(`?cursor=${page1.nextCursor}`)))
      .body as AuditPage;
    const all = [...page1.entries, ...page2.entries];
    expect(page2.nextCursor).toBeNull();
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    expect(all.filter((e) => e.action === 'call.start' || e.action === 'people.view')).toHaveLength(60);
    expect(all.some((e) => e.action === 'policy.update')).toBe(false);

    const filtered = async (q: string) =>
      ((await agents.admin.request('GET', auditPath(q))).body as AuditPage).entries;
    expect((await filtered('?action=call.')).map((e) => e.action)).toEqual(Array(20).fill('call.start'));
    expect((await filtered('?action=call.start&outcome=denied')).length).toBe(4);
    expect((await filtered(`?actor=${world.doctor.id}`)).every((e) => e.actor?.id === world.doctor.id)).toBe(
      true,
    );
    expect((await filtered('?actor=doctor@a.test&action=call.start')).length).toBe(10);
    expect(await filtered('?actor=nobody@a.test')).toEqual([]);
    expect((await filtered(`?target=${world.appointment.id}&action=people.view`)).length).toBe(40);
    const t0 = all[all.length - 1]?.at ?? 0;
    expect((await filtered(`?from=${t0 + 10_000}&to=${t0 + 20_000}`)).length).toBe(10);

    for (const bad of [
      '?outcome=maybe',
      '?from=yesterday',
      '?cursor=0',
      '?action=CALL START',
      '?action=%25',
      '?extra=1',
    ]) {
      const r = await agents.admin.request('GET', auditPath(bad));
      expect({ bad, status: r.status, code: (r.body as { error: { code: string } }).error.code }).toEqual({
        bad,
        status: 400,
        code: 'validation_failed',
      });
    }
  });

  it('exports CSV with a header row, the filters applied, and cells a spreadsheet cannot run; the export is audited', async () => {
    const A = world.hospitalA;
    const sly = await store().users.create({
      email: 'sly@a.test',
      role: 'doctor',
      hospitalId: A,
      displayName: '=HYPERLINK("http://x.test","a, b")',
      passwordHash: 'x',
    });
    await store().audit.record({ actorId: sly.id, action: 'auth.login', outcome: 'ok' });
    await store().audit.record({ actorId: world.doctor.id, action: 'auth.login', outcome: 'denied' });
    const r = await raw(agents.admin, 'GET', `/api/hospitals/${A}/audit.csv?action=auth.login`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toMatch(
      /^attachment; filename="audit-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const lines = r.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'seq,time,actor_id,actor_name,actor_role,action,target,appointment_id,outcome,detail,hash',
    );
    // The sign-ins of the world's set-up, then these two; newest first.
    const rows = lines.slice(1);
    expect(rows.every((l) => l.includes(',auth.login,'))).toBe(true);
    expect(rows[0]).toContain(`,${world.doctor.id},Dr. A,doctor,auth.login,,,denied,,`);
    expect(rows[1]).toContain(`,${sly.id},"'=HYPERLINK(""http://x.test"",""a, b"")",doctor,auth.login,`);
    const exported = (await store().audit.list()).filter((e) => e.action === 'audit.export');
    expect(exported).toMatchObject([
      { actor_id: world.admin.id, hospital_id: A, outcome: 'ok', target: `hospital:${A}` },
    ]);
    expect(JSON.parse(exported[0]?.detail ?? '{}')).toEqual({ rows: rows.length });

    for (const who of ['doctor', 'patient', 'otherAdmin'] as const) {
      expect((await raw(agents[who], 'GET', `/api/hospitals/${A}/audit.csv`)).status).toBe(403);
    }
    expect((await raw(new Agent(server), 'GET', `/api/hospitals/${A}/audit.csv`)).status).toBe(401);
  });
});
