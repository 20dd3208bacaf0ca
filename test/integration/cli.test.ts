import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/server/accounts/passwords.js';
import { systemClock } from '../../src/server/clock.js';
import { openDatabase } from '../../src/server/db/database.js';
import { createStore } from '../../src/server/store.js';

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

describe('the carecall CLI', () => {
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
    expect(cli(['frobnicate']).err).toMatch(/^unknown command: frobnicate/);
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
});
