import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/server/accounts/passwords.js';
import { systemClock } from '../../src/server/clock.js';
import { openDatabase } from '../../src/server/db/database.js';
import { createStore } from '../../src/server/store.js';
import { Agent, startServer } from '../support/server.js';

const dir = mkdtempSync(join(tmpdir(), 'carecall-cli-'));
const file = join(dir, 'nested', 'carecall.db');

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/server/main.ts', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', DATABASE_URL: `sqlite:${file}`, ...env },
  });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each case runs the CLI several times, each a new Node process compiling TypeScript through tsx: about a
// second apiece when the machine is idle, but up to ten at CI's load (two cases ran past 20 s there).
// The budget is generous; nothing here is about time.
const CLI_CASE_TIMEOUT_MS = 180_000;

describe('the carecall CLI', { timeout: CLI_CASE_TIMEOUT_MS }, () => {
  it('migrates, creates a hospital, users and an appointment that the store can read', async () => {
    expect(cli(['migrate'])).toMatchObject({ code: 0, out: 'migrations applied' });
    const hospital = cli(['create-hospital', '--name', 'St. Elsewhere']);
    expect(hospital.code).toBe(0);
    const doctor = cli(
      [
        'create-user',
        '--email',
        'Dr@X.org',
        '--name',
        'Dr X',
        '--role',
        'doctor',
        '--hospital',
        hospital.out,
      ],
      {
        CARECALL_PASSWORD: 'a-chosen-password',
      },
    );
    expect(doctor.code).toBe(0);
    expect(doctor.out).not.toContain('password');
    const patient = cli(['create-user', '--email', 'pat@x.org', '--name', 'Pat', '--role', 'patient']);
    expect(patient.code).toBe(0);
    const generated = /password: (\S+)/.exec(patient.out)?.[1];
    expect(generated).toBeDefined();
    const appt = cli([
      'create-appointment',
      '--doctor',
      'dr@x.org',
      '--patient',
      'pat@x.org',
      '--at',
      '2026-11-23T09:30:00+01:00',
      '--reason',
      'Review',
    ]);
    expect(appt.code).toBe(0);
    // Made through the admins' service: a past time is reported to the operator, not refused.
    expect(appt.err).toBe('warning: the appointment is in the past');

    const db = openDatabase({ kind: 'sqlite', file });
    const store = createStore(db, systemClock);
    const dr = await store.users.findByEmail('dr@x.org');
    const pat = await store.users.findByEmail('pat@x.org');
    expect(dr).toMatchObject({ role: 'doctor', hospital_id: hospital.out });
    expect(await verifyPassword('a-chosen-password', dr?.password_hash ?? '')).toBe(true);
    expect(await verifyPassword(generated ?? '', pat?.password_hash ?? '')).toBe(true);
    expect(await store.appointments.get(appt.out)).toMatchObject({
      doctor_id: dr?.id,
      patient_id: pat?.id,
      scheduled_at: Date.parse('2026-11-23T08:30:00Z'),
      video_call_status: 'not_started',
    });
    await db.close();
  });

  it('refuses bad arguments with a clear line and exit code 2, changing nothing', () => {
    expect(cli(['create-user', '--email', 'd2@x.org', '--name', 'D', '--role', 'doctor'])).toMatchObject({
      code: 2,
      err: '--hospital is required for a doctor',
    });
    expect(cli(['create-user', '--email', 'x@x.org', '--name', 'X', '--role', 'nurse']).code).toBe(2);
    expect(
      cli([
        'create-appointment',
        '--doctor',
        'pat@x.org',
        '--patient',
        'pat@x.org',
        '--at',
        '2026-11-23T09:30:00Z',
      ]).err,
    ).toBe('--doctor must be the email of a doctor');
    expect(cli(['create-appointment', '--at', 'tomorrow-ish']).code).toBe(2);
    expect(
      cli([
        'create-appointment',
        '--doctor',
        'dr@x.org',
        '--patient',
        'pat@x.org',
        '--at',
        '2030-01-01T09:00:00Z',
        '--length',
        '0',
      ]).err,
    ).toBe('--length must be a whole number of minutes from 5 to 480');
    expect(cli(['frobnicate']).err).toMatch(/^unknown command: frobnicate/);
  });

  it('create-user goes through the people service: --link, an existing patient linked, a taken email refused', async () => {
    const hospital = cli(['create-hospital', '--name', 'People General']).out;
    const admin = cli(
      [
        'create-user',
        '--email',
        'boss@p.org',
        '--name',
        'Boss',
        '--role',
        'admin',
        '--hospital',
        hospital,
        '--link',
      ],
      { PUBLIC_ORIGIN: 'https://care.example.org' },
    );
    expect(admin.code).toBe(0);
    expect(admin.out).toMatch(
      /^set-password link: https:\/\/care\.example\.org\/set-password#token=[\w-]{43}$/m,
    );
    expect(admin.out).not.toContain('password:');
    cli(['create-user', '--email', 'shared@p.org', '--name', 'Shared', '--role', 'patient']);
    const linked = cli([
      'create-user',
      '--email',
      'shared@p.org',
      '--name',
      'Shared',
      '--role',
      'patient',
      '--hospital',
      hospital,
    ]);
    expect(linked.code).toBe(0);
    expect(linked.out).toContain('an existing patient, now also of this hospital');
    expect(
      cli(['create-user', '--email', 'boss@p.org', '--name', 'B', '--role', 'admin', '--hospital', hospital]),
    ).toMatchObject({
      code: 2,
      err: 'a user with that email exists',
    });
    const db = openDatabase({ kind: 'sqlite', file });
    const rows = await db.kysely
      .selectFrom('patient_hospitals')
      .selectAll()
      .where('hospital_id', '=', hospital)
      .execute();
    expect(rows).toHaveLength(1);
    expect(
      await db.kysely.selectFrom('users').select('id').where('email', '=', 'shared@p.org').execute(),
    ).toHaveLength(1);
    await db.close();
  });

  it('help lists each command once', () => {
    const help = cli(['help']);
    expect(help.code).toBe(0);
    const commands = help.out
      .split('\n')
      .map((line) => /^ {2}carecall ([a-z-]+)/.exec(line)?.[1])
      .filter((c) => c !== undefined);
    expect(commands).toEqual([
      'serve',
      'migrate',
      'create-hospital',
      'create-user',
      'reset-password-link',
      'create-appointment',
      'audit',
      'turn-config',
    ]);
    // `audit` takes a subcommand (test/integration/audit-verify.test.ts runs `audit verify` itself).
    expect(cli(['audit'])).toMatchObject({
      code: 2,
      err: 'unknown audit command: (none); try: carecall audit verify',
    });
    expect(cli(['audit', 'fix'])).toMatchObject({
      code: 2,
      err: 'unknown audit command: fix; try: carecall audit verify',
    });
  });

  it("a new hospital's first admin: create-hospital, create-user --role admin --link; the link signs them in, reset-password-link replaces it", async () => {
    const hospital = cli(['create-hospital', '--name', 'First Light Clinic']);
    expect(hospital.code).toBe(0);
    const admin = cli([
      'create-user',
      '--email',
      'First@Light.org',
      '--name',
      'First Admin',
      '--role',
      'admin',
      '--hospital',
      hospital.out,
      '--link',
    ]);
    expect(admin.code).toBe(0);
    const tokenIn = (out: string) => /set-password link: \S+#token=([\w-]{43})$/m.exec(out)?.[1] ?? '';
    const first = tokenIn(admin.out);
    expect(first).not.toBe('');
    expect(admin.out).toMatch(/^it works once, until \d{4}-\d\d-\d\dT/m);
    const reset = cli(['reset-password-link', '--email', 'first@LIGHT.org']);
    expect(reset.code).toBe(0);
    const second = tokenIn(reset.out);
    expect(second).not.toBe('');
    expect(second).not.toBe(first);

    const db = openDatabase({ kind: 'sqlite', file });
    const server = await startServer(db);
    try {
      const browser = new Agent(server);
      const old = await browser.request('POST', '/api/set-password', {
        token: first,
        password: 'first admin pw',
      });
      expect(old.body).toMatchObject({ error: { code: 'password_link_used' } });
      const set = await browser.request('POST', '/api/set-password', {
        token: second,
        password: 'first admin pw',
      });
      expect(set.status).toBe(204);
      const signedIn = await Agent.signIn(server, 'first@light.org', 'first admin pw');
      const people = await signedIn.request('GET', `/api/hospitals/${hospital.out}/people`);
      expect(people.body).toMatchObject({ total: 1, people: [{ email: 'first@light.org', role: 'admin' }] });
      const audited = (await server.ctx.store.audit.list()).filter((e) => e.action === 'people.reset-link');
      expect(audited.map((e) => e.actor_id)).toEqual([null]);
    } finally {
      await server.close();
      await db.close();
    }
  });

  it('reset-password-link refuses an unknown email and a deactivated account with a clear line, changing nothing', async () => {
    const db = openDatabase({ kind: 'sqlite', file });
    const links = () => db.kysely.selectFrom('password_links').selectAll().execute();
    const before = await links();
    expect(cli(['reset-password-link'])).toMatchObject({ code: 2, err: '--email is required' });
    expect(cli(['reset-password-link', '--email', 'nobody@x.org'])).toMatchObject({
      code: 2,
      err: 'no account with that email',
      out: '',
    });
    const made = cli(['create-user', '--email', 'gone@x.org', '--name', 'Gone', '--role', 'patient']);
    await db.kysely
      .updateTable('users')
      .set({ disabled_at: 1 })
      .where('id', '=', made.out.split('\n')[0] ?? '')
      .execute();
    const linksBefore = await links();
    expect(cli(['reset-password-link', '--email', 'gone@x.org'])).toMatchObject({
      code: 2,
      err: 'that account is deactivated: reactivate it first',
      out: '',
    });
    expect(await links()).toEqual(linksBefore);
    expect(linksBefore).toEqual(before);
    await db.close();
  });

  it('stops on invalid configuration with one line per problem', () => {
    const r = cli(['serve'], {
      PORT: 'eighty',
      VIDEO_CALL_MAX_DURATION_MINUTES: '0',
      DATABASE_URL: 'mysql://x',
    });
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toEqual([
      'Invalid configuration:',
      expect.stringMatching(/^ {2}PORT: /),
      expect.stringMatching(/^ {2}DATABASE_URL: must start with postgres:\/\/ or sqlite:/),
      expect.stringMatching(/^ {2}VIDEO_CALL_MAX_DURATION_MINUTES: /),
    ]);
  });

  it('will not let hospitals record without the recordings key, nor start with a key it cannot use', () => {
    const missing = cli(['serve'], { RECORDING_ALLOWED: 'true', PORT: '0' });
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^RECORDING_ALLOWED: recording needs an encryption key: set RECORDINGS_KEY/);
    const bad = cli(['serve'], { RECORDINGS_KEY: 'not-a-key-at-all', PORT: '0' });
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^RECORDINGS_KEY must be 32 bytes/);
    expect(bad.err).not.toContain('not-a-key-at-all');
  });

  describe('turn-config', () => {
    const secret = 'f1e2d3c4b5a69788796a5b4c3d2e1f00';
    const env = {
      PUBLIC_ORIGIN: 'https://care.example.org',
      WEBRTC_TURN_SECRET: secret,
      WEBRTC_TURN_URL:
        'turn:turn.care.example.org:3478?transport=udp,turns:turn.care.example.org:443?transport=tcp',
    };
    const template = readFileSync('deploy/turnserver.conf', 'utf8');
    const deniedInTemplate = template.match(/^denied-peer-ip=.+$/gm) ?? [];

    it('prints deploy/turnserver.conf filled in: secret, realm, ports from WEBRTC_TURN_URL, every denied range', () => {
      const r = cli(
        ['turn-config', '--external-ip', '198.51.100.7/10.0.0.7', '--allowed-peer-ip', '10.0.0.9'],
        env,
      );
      expect(r.code).toBe(0);
      const lines = r.out.split('\n');
      expect(lines).toContain(`static-auth-secret=${secret}`);
      expect(lines).toContain('use-auth-secret');
      expect(lines).toContain('realm=care.example.org');
      expect(lines).toContain('listening-port=3478');
      expect(lines).toContain('tls-listening-port=443');
      expect(lines).toContain('external-ip=198.51.100.7/10.0.0.7');
      expect(lines).toContain('allowed-peer-ip=10.0.0.9');
      expect(deniedInTemplate.length).toBeGreaterThanOrEqual(30);
      expect(lines).toEqual(expect.arrayContaining(deniedInTemplate));
      expect(lines).toContain('denied-peer-ip=::ffff:0.0.0.0-::ffff:255.255.255.255');
      expect(lines).toEqual(
        expect.arrayContaining(['no-cli', 'no-multicast-peers', 'no-tlsv1', 'no-tlsv1_1']),
      );
      expect(r.out).not.toContain('{{');
      expect(r.err).toBe('');
    });

    it('refuses without WEBRTC_TURN_SECRET: exit 2, a clear line, nothing on stdout', () => {
      const withoutTurn = cli(['turn-config'], { PUBLIC_ORIGIN: env.PUBLIC_ORIGIN });
      expect(withoutTurn).toMatchObject({ code: 2, out: '' });
      expect(withoutTurn.err).toMatch(
        /^Cannot write coturn's configuration:\n {2}WEBRTC_TURN_SECRET is not set: /,
      );
    });

    it('with a TURN URL but no secret, carecall’s own configuration check refuses first', () => {
      const withUrl = cli(['turn-config'], { ...env, WEBRTC_TURN_SECRET: '' });
      expect(withUrl).toMatchObject({ code: 2, out: '' });
      expect(withUrl.err).toContain('WEBRTC_TURN_URL: needs WEBRTC_TURN_SECRET');
    });

    it('refuses bad options with one line each and prints no secret', () => {
      const r = cli(
        [
          'turn-config',
          '--listening-ip',
          '127.0.0.300',
          '--cert',
          'relative.pem',
          '--min-port',
          '60000',
          '--max-port',
          '50000',
        ],
        { ...env, WEBRTC_TURN_URL: 'turn:a.example:3478,turn:a.example:80' },
      );
      expect(r).toMatchObject({ code: 2, out: '' });
      expect(r.err.split('\n')).toEqual([
        "Cannot write coturn's configuration:",
        '  WEBRTC_TURN_URL: the turn: URLs name ports 3478 and 80, but coturn listens on one plain port: use one',
        '  --listening-ip 127.0.0.300: not an IP address',
        '  --cert relative.pem: must be an absolute path without spaces, quotes, # or backslashes',
        '  --min-port 60000 must be below --max-port 50000',
      ]);
      expect(r.err).not.toContain(secret);
    });

    it('refuses a secret with a newline, which would add settings to coturn’s file', () => {
      const unsafe = cli(['turn-config'], { ...env, WEBRTC_TURN_SECRET: 'sixteen chars or more\nno-auth' });
      expect(unsafe.code).toBe(2);
      expect(unsafe.err).toContain('WEBRTC_TURN_SECRET: contains a space');
      expect(unsafe.err).not.toContain('no-auth');
    });

    it('--output writes the file readable by owner and group only and keeps the secret off the terminal', () => {
      const out = join(dir, 'turnserver.conf');
      const r = cli(['turn-config', '--output', out], env);
      expect(r).toMatchObject({ code: 0, out: '' });
      expect(r.err).toContain(`wrote ${out}`);
      expect(r.err).not.toContain(secret);
      expect(statSync(out).mode & 0o777).toBe(0o640);
      expect(readFileSync(out, 'utf8')).toContain(`static-auth-secret=${secret}`);
    });
  });
});
