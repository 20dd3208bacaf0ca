import { Writable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CallLinkInfo, CallLinkView, CallStartInfo } from '../../src/protocol/api.js';
import type { ErrorBody } from '../../src/protocol/errors.js';
import { FakeClock } from '../support/clock.js';
import type { World } from '../support/fixtures.js';
import { Agent, type TestServer } from '../support/server.js';
import { testDatabases } from '../support/suites.js';
import { useWorld } from '../support/world.js';

// S18a: what a call link tells its holder before a name is asked (POST /api/call-links/inspect).

const HOUR = 3_600_000;
const tokenOf = (link: CallLinkView): string => link.url.split('#token=')[1] ?? '';
const errorCode = (r: { body: unknown }): string | undefined => (r.body as ErrorBody | null)?.error?.code;

describe.each(testDatabases())('call link info on $name', (database) => {
  const setup = useWorld({ database });
  let server: TestServer;
  let world: World;
  let clock: FakeClock;
  let doctor: Agent;
  let lines: string[];

  const start = async (agent = doctor, id = world.appointment.id): Promise<CallStartInfo> => {
    const r = await agent.request('POST', `/api/appointments/${id}/call/start`, {});
    expect(r.status).toBe(200);
    return r.body as CallStartInfo;
  };
  const inspect = (agent: Agent, token: string, appointmentId = world.appointment.id) =>
    agent.request('POST', '/api/call-links/inspect', { appointmentId, token });
  const linkRows = () => server.ctx.store.db.kysely.selectFrom('call_links').selectAll().execute();

  /** Nothing a refusal could leak: no clinic, doctor, patient or time of either appointment. */
  const expectNothingOf = (body: unknown) => {
    const text = JSON.stringify(body);
    for (const secret of [
      'Hospital A',
      'Hospital B',
      'Dr. A',
      'Dr. B',
      'Patient A',
      'Patient B',
      String(world.appointment.scheduled_at),
      world.appointment.id,
      world.otherAppointment.id,
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(Object.keys(body as object)).toEqual(['error']);
  };

  beforeEach(async () => {
    clock = new FakeClock();
    lines = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        cb();
      },
    });
    ({ server, world } = await setup.open({ clock, logger: { level: 'trace', stream } }));
    doctor = await setup.signIn('doctor');
  });

  it('S18a a valid link tells the clinic, the doctor and the time, and nothing else; it stays unused', async () => {
    const { links } = await start();
    const anon = new Agent(server);
    const r = await inspect(anon, tokenOf(links.patient));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      role: 'patient',
      hospitalName: 'Hospital A',
      doctorName: 'Dr. A',
      scheduledAt: world.appointment.scheduled_at,
    } satisfies CallLinkInfo);
    expect(JSON.stringify(r.body)).not.toContain('Patient A');
    expect(anon.callCookie).toBe('');
    expect((await linkRows()).every((row) => row.exchanged_at === null)).toBe(true);
    // Asking changed nothing: the link is still exchanged once, by the same holder.
    const exchanged = await anon.request('POST', '/api/call-links/exchange', {
      token: tokenOf(links.patient),
      displayName: 'Pat',
    });
    expect(exchanged.status).toBe(200);
    expect((await inspect(new Agent(server), tokenOf(links.doctor))).body).toMatchObject({ role: 'doctor' });
  });

  it('S18a an expired link is link_expired and tells nothing of its appointment', async () => {
    const { links } = await start();
    clock.advance(24 * HOUR);
    const r = await inspect(new Agent(server), tokenOf(links.patient));
    expect(r.status).toBe(410);
    expect(errorCode(r)).toBe('link_expired');
    expectNothingOf(r.body);
  });

  it('S18a a link of a restarted call is link_revoked; of an ended call, call_not_active', async () => {
    const first = await start();
    expect(
      (await doctor.request('POST', `/api/appointments/${world.appointment.id}/call/end`, {})).status,
    ).toBe(200);
    const ended = await inspect(new Agent(server), tokenOf(first.links.patient));
    expect(ended.status).toBe(409);
    expect(errorCode(ended)).toBe('call_not_active');
    expectNothingOf(ended.body);
    await start();
    const revoked = await inspect(new Agent(server), tokenOf(first.links.patient));
    expect(revoked.status).toBe(410);
    expect(errorCode(revoked)).toBe('link_revoked');
    expectNothingOf(revoked.body);
  });

  it('S18a forged, malformed and unknown tokens are link_invalid, and bad bodies a validation error', async () => {
    await start();
    const anon = new Agent(server);
    for (const token of ['A'.repeat(43), 'not a token!', 'x']) {
      const r = await inspect(anon, token);
      expect(r.status).toBe(401);
      expect(errorCode(r)).toBe('link_invalid');
      expectNothingOf(r.body);
    }
    for (const body of [
      {},
      { token: 'x' },
      { appointmentId: world.appointment.id },
      { token: 'x'.repeat(300) },
    ]) {
      const r = await anon.request('POST', '/api/call-links/inspect', body);
      expect(r.status).toBe(400);
      expect(errorCode(r)).toBe('validation_failed');
    }
  });

  it('S18a a link shown on another appointment’s address (another hospital) is link_invalid both ways', async () => {
    const ours = await start();
    const otherDoctor = await setup.signIn('otherDoctor');
    const theirs = await start(otherDoctor, world.otherAppointment.id);
    const anon = new Agent(server);
    const crossed = [
      await inspect(anon, tokenOf(ours.links.patient), world.otherAppointment.id),
      await inspect(anon, tokenOf(theirs.links.patient), world.appointment.id),
    ];
    for (const r of crossed) {
      expect(r.status).toBe(401);
      expect(errorCode(r)).toBe('link_invalid');
      expectNothingOf(r.body);
    }
    // Each still works on its own address, with its own hospital only.
    const own = await inspect(anon, tokenOf(theirs.links.patient), world.otherAppointment.id);
    expect(own.body).toMatchObject({ hospitalName: 'Hospital B', doctorName: 'Dr. B' });
  });

  it('S18a a link exchanged by another browser is link_already_used; the browser holding it still sees it', async () => {
    const { links } = await start();
    const holder = new Agent(server);
    const token = tokenOf(links.patient);
    expect(
      (await holder.request('POST', '/api/call-links/exchange', { token, displayName: 'Pat' })).status,
    ).toBe(200);
    const other = await inspect(new Agent(server), token);
    expect(other.status).toBe(409);
    expect(errorCode(other)).toBe('link_already_used');
    expectNothingOf(other.body);
    expect((await inspect(holder, token)).body).toMatchObject({ hospitalName: 'Hospital A' });
  });

  it('S18a refusals are audited without the token, and no token reaches the log', async () => {
    const { links } = await start();
    clock.advance(24 * HOUR);
    await inspect(new Agent(server), tokenOf(links.patient));
    await inspect(new Agent(server), 'B'.repeat(43));
    const audit = (await server.ctx.store.audit.list()).filter((e) => e.action === 'call.link.inspect');
    expect(audit.map((e) => [e.outcome, e.detail && JSON.parse(e.detail)])).toEqual([
      ['denied', { code: 'link_expired' }],
      ['denied', { code: 'link_invalid' }],
    ]);
    const text = JSON.stringify(await server.ctx.store.audit.list()) + lines.join('\n');
    expect(lines.join('\n')).toContain('/api/call-links/inspect');
    for (const secret of [tokenOf(links.patient), tokenOf(links.doctor), 'B'.repeat(43)]) {
      expect(text).not.toContain(secret);
    }
  });
});
