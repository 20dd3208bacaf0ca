import { chmodSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ROLES, type Role } from '../protocol/call-status.js';
import type { ErrorCode } from '../protocol/errors.js';
import { MIN_PASSWORD_LENGTH, type SetPasswordLink } from '../protocol/people.js';
import { linkSettings, PeopleService } from './accounts/people-service.js';
import { RevocationService } from './accounts/revocation-service.js';
import { buildApp } from './app.js';
import { AppointmentService } from './appointments/appointment-service.js';
import { DEFAULT_LENGTH_MINUTES, MAX_LENGTH_MINUTES } from './appointments/appointments-repo.js';
import { SYSTEM_CHAIN } from './audit/audit-chain.js';
import type { Bus } from './bus/bus.js';
import { MemoryBus } from './bus/memory-bus.js';
import { RedisBus } from './bus/redis-bus.js';
import { systemClock } from './clock.js';
import { type Config, ConfigError, loadConfig, recordingKeyProblem } from './config.js';
import { migrateToLatest, openDatabase } from './db/database.js';
import { DEMO_ACCOUNTS, ensureDemoRecordingsKey, seedDemo } from './demo.js';
import { AppError } from './errors.js';
import { newSecret } from './ids.js';
import { smtpMailer } from './mail/mailer.js';
import { describeMetrics } from './metrics/metrics-exposure.js';
import { Broadcaster } from './realtime/broadcaster.js';
import { loadRecordingsKey } from './recordings/recording-crypto.js';
import { createStore, type Store } from './store.js';
import {
  DEFAULT_TURN_CONFIG_OPTIONS,
  renderTurnConfig,
  TurnConfigError,
  type TurnConfigOptions,
} from './turn/turn-config.js';

const USAGE = `carecall: telemedicine video consultations

Usage:
  carecall serve [--demo]        start the server (--demo: create demo data and print the sign-in)
  carecall migrate               run database migrations
  carecall create-hospital --name NAME
                                 prints the new hospital's id
  carecall create-user --email EMAIL --name NAME --role doctor|patient|admin [--hospital ID] [--link]
                                 the password is read from CARECALL_PASSWORD or generated and printed;
                                 --link: print a one-time set-password link for the person instead
                                 (mailed too when SMTP_URL is set). A new hospital's first admin:
                                 carecall create-user --role admin --hospital ID --link ...
  carecall reset-password-link --email EMAIL
                                 print a new one-time set-password link (the previous one stops working)
  carecall create-appointment --doctor EMAIL --patient EMAIL --at ISO-TIME [--length MINUTES] [--reason TEXT]
  carecall audit verify [--hospital ID]
                                 check the audit trail's hash chains (every chain, or one hospital's);
                                 names the first bad entry of a broken chain. Exit 0: intact, 1: broken
  carecall turn-config [--listening-ip IP]... [--relay-ip IP]... [--external-ip IP[/PRIVATE-IP]]...
                       [--allowed-peer-ip IP]... [--cert FILE --pkey FILE] [--min-port N --max-port N]
                       [--output FILE]
                                 print coturn's configuration (deploy/turnserver.conf filled in from
                                 WEBRTC_TURN_SECRET, WEBRTC_TURN_URL and PUBLIC_ORIGIN); it contains
                                 the secret: --output writes it readable by owner and group only

Configuration comes from environment variables; see README.md.`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function config(): Config {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
}

async function withStore<T>(
  cfg: Config,
  fn: (store: ReturnType<typeof createStore>) => Promise<T>,
): Promise<T> {
  const db = openDatabase(cfg.database);
  try {
    await migrateToLatest(db);
    return await fn(createStore(db, systemClock));
  } finally {
    await db.close();
  }
}

/** The people service as the browser's admins use it (mailing links when SMTP_URL is set), without a bus to other nodes. */
async function withPeople<T>(
  cfg: Config,
  fn: (people: PeopleService, store: Store) => Promise<T>,
): Promise<T> {
  return withStore(cfg, async (store) => {
    const bus = new MemoryBus();
    const mailer = cfg.mail ? smtpMailer(cfg.mail) : null;
    try {
      const revocation = new RevocationService(store, new Broadcaster(bus), systemClock);
      const people = new PeopleService({
        store,
        clock: systemClock,
        revocation,
        mailer,
        ...linkSettings(cfg),
      });
      return await fn(people, store);
    } finally {
      mailer?.close();
      await bus.close();
    }
  });
}

/** The operator is told a refusal in one line (exit 2); anything else is a fault. */
function refusedAs(lines: Partial<Record<ErrorCode, string>>): (err: unknown) => never {
  return (err) => {
    const line = err instanceof AppError ? lines[err.code] : undefined;
    if (line) fail(line);
    throw err;
  };
}

/** A one-time link, printed for the operator to pass on (never logged). */
function printLink(link: SetPasswordLink): void {
  process.stdout.write(`set-password link: ${link.url}\n`);
  process.stdout.write(
    `it works once, until ${new Date(link.expiresAt).toISOString()}${link.emailed ? '; it was also sent by email' : ''}\n`,
  );
}

/**
 * `carecall audit verify`: each chain's entries checked, or its first bad entry named (docs/audit.md).
 * Prints each intact chain's head hash, which an operator may keep elsewhere to detect a chain later
 * rewritten from that point on. False when any chain is broken.
 */
async function verifyAudit(store: Store, hospital: string | undefined): Promise<boolean> {
  if (hospital !== undefined && !(await store.users.findHospital(hospital))) fail('no hospital with that id');
  const chains = await store.audit.chains(hospital);
  if (chains.length === 0) process.stdout.write('no audit entries\n');
  let intact = true;
  for (const chain of chains) {
    const v = await store.audit.verify(chain);
    const name = chain === SYSTEM_CHAIN ? 'system' : `hospital ${chain}`;
    if (v.ok) {
      process.stdout.write(`${name}: ${v.checked} entries OK (head seq ${v.headSeq}, hash ${v.headHash})\n`);
      continue;
    }
    intact = false;
    const at = v.entry ? `entry ${v.entry.id} (seq ${v.entry.seq})` : 'the end of the chain';
    process.stdout.write(`${name}: BROKEN at ${at}: ${v.message} (${v.checked} entries OK before it)\n`);
  }
  if (hospital === undefined) {
    const loose = await store.audit.unchained();
    if (loose.length > 0) {
      intact = false;
      const first = loose[0]?.id ?? '';
      process.stdout.write(
        `BROKEN: ${loose.length} entries in no chain, first ${first}: inserted or modified\n`,
      );
    }
  }
  return intact;
}

async function serve(demo: boolean): Promise<void> {
  let cfg = config();
  const keyProblem = recordingKeyProblem(cfg, demo);
  if (keyProblem) fail(keyProblem);
  const key = cfg.recordingsKey;
  try {
    // Read here too so that a key that cannot be used stops the start with its one line (never the key).
    if (key) loadRecordingsKey(key.kind === 'file' ? { keyFile: key.path } : { key: key.value });
  } catch (err) {
    fail((err as Error).message);
  }
  let demoKeyFile: string | null = null;
  if (demo && cfg.recordingsKey === null) {
    demoKeyFile = ensureDemoRecordingsKey(cfg.recordingsDir);
    cfg = { ...cfg, recordingsKey: { kind: 'file', path: demoKeyFile } };
  }
  const db = openDatabase(cfg.database);
  await migrateToLatest(db);
  const streams = { ttlMs: cfg.resumeWindowMs };
  const bus: Bus = cfg.redisUrl
    ? new RedisBus(cfg.redisUrl, undefined, undefined, streams)
    : new MemoryBus(undefined, streams);
  const { app, ctx } = await buildApp(cfg, { db, bus });
  // Where the key is, never what it is.
  if (demoKeyFile)
    app.log.info(
      { keyFile: demoKeyFile },
      'demo: recordings are encrypted with a key generated for this demo',
    );
  let seeded: Awaited<ReturnType<typeof seedDemo>> | null = null;
  if (demo) seeded = await seedDemo(ctx, cfg.demoPassword);
  const sweep = setInterval(() => {
    ctx.store.sessions.deleteExpired().catch((err: unknown) => app.log.warn({ err }, 'session sweep failed'));
  }, 3_600_000).unref();
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(sweep);
    app.log.info({ signal }, 'shutting down');
    await app.close();
    await bus.close();
    await db.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // Thousands of sockets may arrive at once (a node restarted, its clients reconnect): with Node's default
  // queue of 511 the kernel drops their connection attempts, which clients retry 1, 3 and 7 s later
  // (docs/benchmarks.md, signaling load). The kernel caps it at net.core.somaxconn.
  await app.listen({ port: cfg.port, host: cfg.host, backlog: 4096 });
  // A METRICS_PORT that cannot be bound stops the start, as PORT does.
  const metricsAt = await ctx.metricsListener?.listen();
  const metricsLine = describeMetrics(
    metricsAt && cfg.metrics?.listener ? { ...cfg, metrics: { ...cfg.metrics, listener: metricsAt } } : cfg,
  );
  if (metricsLine) app.log.info(metricsLine);
  if (seeded) {
    const lines = [
      '',
      `carecall demo is running: open ${cfg.publicOrigin}/login`,
      `  database: ${cfg.database.kind === 'sqlite' ? cfg.database.file : 'PostgreSQL'}   bus: ${bus.kind}`,
      ...DEMO_ACCOUNTS.map((a) => `  ${a.role.padEnd(8)} ${a.email}`),
      // The demo password is printed on purpose: it is a throwaway for local demo accounts only.
      `  password ${seeded.generated ? seeded.password : '(the value of DEMO_PASSWORD)'}`,
      ...(demoKeyFile ? [`  recordings are encrypted with a key made for this demo: ${demoKeyFile}`] : []),
      ...(metricsLine ? [`  ${metricsLine} (docs/operations.md, "Monitoring")`] : []),
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  // `carecall audit verify`: the one command with a subcommand.
  const subcommand = command === 'audit' ? rest.shift() : undefined;
  const { values } = parseArgs({
    args: rest,
    options: {
      demo: { type: 'boolean', default: false },
      name: { type: 'string' },
      email: { type: 'string' },
      role: { type: 'string' },
      hospital: { type: 'string' },
      doctor: { type: 'string' },
      patient: { type: 'string' },
      at: { type: 'string' },
      reason: { type: 'string' },
      length: { type: 'string' },
      'listening-ip': { type: 'string', multiple: true },
      'relay-ip': { type: 'string', multiple: true },
      'external-ip': { type: 'string', multiple: true },
      'allowed-peer-ip': { type: 'string', multiple: true },
      cert: { type: 'string' },
      pkey: { type: 'string' },
      'min-port': { type: 'string' },
      'max-port': { type: 'string' },
      output: { type: 'string' },
      link: { type: 'boolean', default: false },
    },
    strict: true,
  });
  switch (command) {
    case 'serve':
      return serve(values.demo ?? false);
    case 'migrate':
      await withStore(config(), async () => {});
      process.stdout.write('migrations applied\n');
      return;
    case 'create-hospital': {
      const name = values.name ?? fail('--name is required');
      const h = await withStore(config(), (s) => s.users.createHospital(name));
      process.stdout.write(`${h.id}\n`);
      return;
    }
    case 'create-user': {
      const email = values.email ?? fail('--email is required');
      const name = values.name ?? fail('--name is required');
      const role = values.role as Role;
      if (!ROLES.includes(role)) fail(`--role must be one of ${ROLES.join(', ')}`);
      if (role !== 'patient' && !values.hospital) fail(`--hospital is required for a ${role}`);
      const fromEnv = process.env['CARECALL_PASSWORD'];
      const password = fromEnv && fromEnv.length >= MIN_PASSWORD_LENGTH ? fromEnv : newSecret().slice(0, 16);
      // The same path as an admin adding someone in the browser: with the link to pass on, or, unless the
      // operator asked for the link, with the password chosen here.
      const created = await withPeople(config(), async (people, s) => {
        if (values.hospital && !(await s.users.findHospital(values.hospital)))
          fail('no hospital with that id');
        const actor = { userId: null, hospitalId: values.hospital ?? null };
        const input = { email, displayName: name, role };
        const made = values.link
          ? people.create(actor, input)
          : people.createWithPassword(actor, input, password);
        return made.catch(refusedAs({ email_taken: 'a user with that email exists' }));
      });
      process.stdout.write(`${created.person.id}\n`);
      if (created.linkedExisting) process.stdout.write('an existing patient, now also of this hospital\n');
      else if (created.setPasswordLink) printLink(created.setPasswordLink);
      else if (!fromEnv) process.stdout.write(`password: ${password}\n`);
      return;
    }
    case 'reset-password-link': {
      const email = values.email ?? fail('--email is required');
      const { setPasswordLink } = await withPeople(config(), (people) =>
        people.resetLinkByEmail(email).catch(
          refusedAs({
            not_found: 'no account with that email',
            account_deactivated: 'that account is deactivated: reactivate it first',
          }),
        ),
      );
      printLink(setPasswordLink);
      return;
    }
    case 'create-appointment': {
      const at = Date.parse(values.at ?? fail('--at is required'));
      if (Number.isNaN(at)) fail('--at must be an ISO date-time, e.g. 2026-11-23T09:30:00+01:00');
      const length = Number(values.length ?? DEFAULT_LENGTH_MINUTES);
      if (!Number.isInteger(length) || length < 5 || length > MAX_LENGTH_MINUTES) {
        fail(`--length must be a whole number of minutes from 5 to ${MAX_LENGTH_MINUTES}`);
      }
      const a = await withStore(config(), async (s) => {
        const doctor = await s.users.findByEmail(values.doctor ?? fail('--doctor is required'));
        const patient = await s.users.findByEmail(values.patient ?? fail('--patient is required'));
        if (doctor?.role !== 'doctor' || !doctor.hospital_id) fail('--doctor must be the email of a doctor');
        if (patient?.role !== 'patient') fail('--patient must be the email of a patient');
        const input = {
          doctorId: doctor.id,
          patientId: patient.id,
          scheduledAt: at,
          lengthMinutes: length,
          reason: values.reason ?? '',
        };
        // The admins' service, as the operator: a past time or an overlap is reported, not refused.
        const service = new AppointmentService(s, systemClock);
        for (const w of await service.warningsFor(input)) {
          process.stderr.write(
            w.code === 'in_past'
              ? 'warning: the appointment is in the past\n'
              : `warning: it overlaps the doctor's appointment ${'id' in w.appointment ? w.appointment.id : ''}\n`,
          );
        }
        return service.create(null, doctor.hospital_id, input, { confirm: true, operator: true });
      });
      process.stdout.write(`${a.id}\n`);
      return;
    }
    case 'audit': {
      if (subcommand !== 'verify')
        fail(`unknown audit command: ${subcommand ?? '(none)'}; try: carecall audit verify`);
      const intact = await withStore(config(), (s) => verifyAudit(s, values.hospital));
      if (!intact) process.exit(1);
      return;
    }
    case 'turn-config': {
      const d = DEFAULT_TURN_CONFIG_OPTIONS;
      const options: TurnConfigOptions = {
        listeningIps: values['listening-ip'] ?? d.listeningIps,
        relayIps: values['relay-ip'] ?? d.relayIps,
        externalIps: values['external-ip'] ?? d.externalIps,
        allowedPeerIps: values['allowed-peer-ip'] ?? d.allowedPeerIps,
        cert: values.cert ?? d.cert,
        pkey: values.pkey ?? d.pkey,
        minPort: values['min-port'] === undefined ? d.minPort : Number(values['min-port']),
        maxPort: values['max-port'] === undefined ? d.maxPort : Number(values['max-port']),
      };
      let text: string;
      try {
        text = renderTurnConfig(config(), options);
      } catch (err) {
        if (err instanceof TurnConfigError) {
          fail(`Cannot write coturn's configuration:\n${err.problems.map((p) => `  ${p}`).join('\n')}`);
        }
        throw err;
      }
      // The secret goes to stdout or the file the operator named, never to a log.
      if (!values.output) {
        process.stdout.write(text);
        return;
      }
      writeFileSync(values.output, text, { mode: 0o640 });
      chmodSync(values.output, 0o640);
      process.stderr.write(
        `wrote ${values.output} (mode 640: give its group to coturn, e.g. chgrp turnserver ${values.output})\n`,
      );
      return;
    }
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      fail(`unknown command: ${command}\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`carecall: ${err instanceof Error ? err.message : String(err)}\n`);
  if (err instanceof Error && err.cause) process.stderr.write(`  cause: ${String(err.cause)}\n`);
  process.exit(1);
});
