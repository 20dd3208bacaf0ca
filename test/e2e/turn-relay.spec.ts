import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import type { IceConfig } from '../../src/protocol/api.js';
import {
  type Coturn,
  coturnBasics,
  coturnSkipReason,
  loopbackTestArgs,
  startCoturn,
  TURNSERVER,
} from '../support/coturn.js';
import { restCredentials } from '../support/turn-client.js';
import { button, endActiveCall, openAppointmentAsBoth, report, startAndJoin } from './support/call-flow.js';
import {
  test as base,
  configuredIceServerUrls,
  DEMO_ACCOUNTS,
  expect,
  inboundVideoStats,
  isLoopbackIceUrl,
  selectedCandidatePair,
  signIn,
  waitForFramesGrowing,
} from './support/fixtures.js';
import { peerConnectionSnapshots } from './support/peer-connection-probe.js';
import { describePeerConnections } from './support/rtc-stats.js';

/**
 * Relay through a real coturn (issue 5, items 9 and 10). coturn runs inside the loopback-only namespace
 * with TESTING.md's options, which differ from the production template (deploy/turnserver.conf) in the
 * one way that matters: `--allow-loopback-peers`. Both browsers' relay addresses are 127.0.0.1 here,
 * which production must refuse; test/integration/turn-server-config.test.ts proves the production file
 * does.
 *
 * The app runs with WEBRTC_ICE_TRANSPORT_POLICY=relay, the operator setting the tests use as their switch
 * (the pages have no such user setting): both browsers may then use relay candidates only, so a call that
 * connects at all connects through coturn.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Without coturn these tests are skipped, except where the suite is required (CI): there they fail. */
const skipWithoutCoturn = () => test.skip(coturnSkipReason() !== null, coturnSkipReason() ?? '');
/** How long something that must not connect is watched once every candidate has been gathered. */
const MUST_NOT_CONNECT_MS = 6_000;

interface TestCoturn {
  server: Coturn;
  secret: string;
  urls: string[];
  /** The apps' databases, so that a test can add users next to the demo ones with the CLI. */
  databaseDir: string;
}

const test = base.extend<
  { appTurnSecret: 'coturn' | 'other'; databaseUrl: string; coturnLogOnFailure: undefined },
  { coturn: TestCoturn }
>({
  coturn: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures must destructure their dependencies.
    async ({}, use) => {
      if (!existsSync(TURNSERVER)) throw new Error(`${TURNSERVER} is missing (apt-get install coturn)`);
      const { port, secret } = await coturnBasics();
      // Verbose: coturn then logs each request of each session, which Test A reads its allocations from.
      const server = await startCoturn({ port, args: [...loopbackTestArgs({ port, secret }), '--verbose'] });
      const databaseDir = await mkdtemp(join(tmpdir(), 'carecall-e2e-turn-'));
      await use({
        server,
        secret,
        urls: [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`],
        databaseDir,
      });
      await server.stop();
      await rm(databaseDir, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],
  appTurnSecret: ['coturn', { option: true }],
  databaseUrl: async ({ coturn, appTurnSecret }, use) => {
    await use(`sqlite:${join(coturn.databaseDir, `${appTurnSecret}.db`)}`);
  },
  appEnv: async ({ coturn, appTurnSecret, databaseUrl }, use) => {
    await use({
      WEBRTC_TURN_URL: coturn.urls.join(','),
      // "other": a server whose secret is not coturn's, so coturn refuses every credential it issues.
      WEBRTC_TURN_SECRET: appTurnSecret === 'coturn' ? coturn.secret : `${coturn.secret}-not-coturns`,
      WEBRTC_ICE_TRANSPORT_POLICY: 'relay',
      DATABASE_URL: databaseUrl,
    });
  },
  coturnLogOnFailure: [
    async ({ coturn }, use, testInfo) => {
      const mark = coturn.server.mark();
      await use(undefined);
      if (testInfo.status !== testInfo.expectedStatus) {
        const path = testInfo.outputPath('coturn-log.txt');
        await writeFile(path, `${coturn.server.linesSince(mark).join('\n')}\n`);
        await testInfo.attach('coturn-log', { path, contentType: 'text/plain' });
      }
    },
    { auto: true },
  ],
});

/** The TURN usernames coturn (verbose) logged a successful allocation for since `mark`. */
function allocatedUsers(coturn: Coturn, mark: number): Set<string> {
  const users = coturn
    .linesSince(mark)
    .filter((line) => /ALLOCATE processed, success/.test(line))
    .map((line) => /user <([^>]+)>/.exec(line)?.[1] ?? '');
  return new Set(users.filter(Boolean));
}

interface RelayProbe {
  candidateTypes: string[];
  errorCodes: number[];
  everConnected: boolean;
}

/**
 * Two peer connections in one page, both `iceTransportPolicy: 'relay'` with the given ICE servers and
 * wired to each other (a data channel offer, candidates passed across): which candidates they gather,
 * which ICE errors they report, and whether they connect within `waitMs` once both finished gathering.
 */
async function probeRelay(page: Page, iceServers: RTCIceServer[], waitMs: number): Promise<RelayProbe> {
  return page.evaluate(
    async ({ iceServers, waitMs }) => {
      const config: RTCConfiguration = { iceServers, iceTransportPolicy: 'relay' };
      const a = new RTCPeerConnection(config);
      const b = new RTCPeerConnection(config);
      const candidateTypes: string[] = [];
      const errorCodes: number[] = [];
      let everConnected = false;
      const gathered = (pc: RTCPeerConnection, other: RTCPeerConnection) =>
        new Promise<void>((resolve) => {
          pc.addEventListener('icecandidate', (event) => {
            if (!event.candidate) return resolve();
            candidateTypes.push(event.candidate.type ?? 'unknown');
            other.addIceCandidate(event.candidate).catch(() => {});
          });
          pc.addEventListener('icecandidateerror', (event) => errorCodes.push(event.errorCode));
          pc.addEventListener('connectionstatechange', () => {
            if (pc.connectionState === 'connected') everConnected = true;
          });
        });
      const done = Promise.all([gathered(a, b), gathered(b, a)]);
      a.createDataChannel('probe');
      await a.setLocalDescription();
      await b.setRemoteDescription(a.localDescription as RTCSessionDescription);
      await b.setLocalDescription();
      await a.setRemoteDescription(b.localDescription as RTCSessionDescription);
      await done;
      const deadline = Date.now() + waitMs;
      while (!everConnected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      a.close();
      b.close();
      return { candidateTypes, errorCodes, everConnected };
    },
    { iceServers, waitMs },
  );
}

async function getJson(page: Page, path: string): Promise<{ status: number; body: unknown }> {
  // From inside the page, as the app itself would ask, with the page's own cookies.
  return page.evaluate(async (p) => {
    const response = await fetch(p, { credentials: 'same-origin' });
    return { status: response.status, body: await response.json().catch(() => null) };
  }, path);
}

/** A user of another hospital, made with the CLI in the running app's database (Test C). */
function createOtherHospitalDoctor(databaseUrl: string): { id: string; email: string; password: string } {
  const password = randomBytes(12).toString('base64url');
  const email = `doctor-${randomBytes(4).toString('hex')}@other-hospital.test`;
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'carecall.js'), ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '', DATABASE_URL: databaseUrl, CARECALL_PASSWORD: password },
    });
    if (r.status !== 0) throw new Error(`carecall ${args[0]} failed (${r.status}): ${r.stderr}`);
    return r.stdout.trim();
  };
  const hospital = run(['create-hospital', '--name', 'Other Hospital']);
  const id = run([
    'create-user',
    '--email',
    email,
    '--name',
    'Dr. Other',
    '--role',
    'doctor',
    '--hospital',
    hospital,
  ]);
  return { id, email, password };
}

/**
 * Runs the device test page's connection test (names from test/e2e/README.md, "Driving the connection
 * test") and returns its result in words, the relay step's outcome and every figure it shows.
 */
async function runConnectionTest(page: Page): Promise<{
  headline: string;
  level: string | null;
  relayStep: string | null;
  figures: Record<string, string>;
}> {
  await page.goto('/device-test');
  const region = page.getByRole('region', { name: 'Connection test', exact: true });
  const started = Date.now();
  await region.getByRole('button', { name: 'Run connection test', exact: true }).click();
  const status = region.getByRole('status');
  await expect(status).not.toHaveText(/^(Testing your connection…)?$/, { timeout: 60_000 });
  const figures: Record<string, string> = {};
  // The figures are behind the Details disclosure, as a patient sees them.
  await region.locator('summary', { hasText: /^Details$/ }).click();
  for (const row of await region.locator('[data-figure]').all()) {
    figures[(await row.getAttribute('data-figure')) ?? '?'] = (await row.locator('dd').innerText()).trim();
  }
  const result = {
    headline: (await status.innerText()).trim(),
    level: await status.getAttribute('data-level'),
    relayStep: await region.locator('[data-step="relay"]').getAttribute('data-outcome'),
    figures,
  };
  report('connection test', `${Date.now() - started} ms: ${result.headline} ${JSON.stringify(figures)}`, '');
  return result;
}

test.describe('TURN relay through coturn', () => {
  skipWithoutCoturn();

  test('A: with relay forced, the call connects through coturn on both sides and both decode video', async ({
    app,
    coturn,
    newUserPage,
  }) => {
    const mark = coturn.server.mark();
    const parties = await openAppointmentAsBoth(newUserPage, app.demoPassword);
    const joinedAt = await startAndJoin(parties);
    const { doctor, patient } = parties;

    await test.step('both decode video that keeps arriving', async () => {
      const [d, p] = await Promise.all([waitForFramesGrowing(doctor), waitForFramesGrowing(patient)]);
      report('patient Join click to both decoding video through the relay', Date.now() - joinedAt);
      report('doctor decodes', `${d.after.frameWidth}x${d.after.frameHeight}`, '');
      report('patient decodes', `${p.after.frameWidth}x${p.after.frameHeight}`, '');
    });

    await test.step('the selected candidate pair is relay to relay on both sides', async () => {
      for (const [label, page] of [
        ['doctor', doctor],
        ['patient', patient],
      ] as const) {
        const pair = await selectedCandidatePair(page);
        expect(pair, `${label}: ${await describePeerConnections(page)}`).toMatchObject({
          state: 'succeeded',
          localCandidateType: 'relay',
          remoteCandidateType: 'relay',
        });
        report(`${label}: relay round-trip time`, Math.round((pair?.currentRoundTripTime ?? 0) * 1000));
        const urls = await configuredIceServerUrls(page);
        expect(
          urls.filter((url) => !isLoopbackIceUrl(url)),
          `${label}: non-loopback ICE servers`,
        ).toEqual([]);
        expect(new Set(urls), `${label}: ICE servers`).toEqual(new Set(coturn.urls));
      }
    });

    await test.step('coturn allocated relays for both parties', async () => {
      const users = [...allocatedUsers(coturn.server, mark)].map((u) => u.split(':')[1]);
      expect(new Set(users).size, `coturn allocated for ${users.join(', ')}`).toBe(2);
    });
  });

  test('B: coturn refuses wrongly signed and expired credentials, while the app’s own connect via relay', async ({
    app,
    page,
    coturn,
  }) => {
    await signIn(page, DEMO_ACCOUNTS.patient, app.demoPassword);
    const issued =
      await test.step('the app’s connection-test credentials: relay candidates, connected', async () => {
        const ice = await getJson(page, '/api/ice-servers');
        expect(ice.status).toBe(200);
        const config = ice.body as IceConfig;
        expect(config.iceTransportPolicy).toBe('relay');
        const probe = await probeRelay(page, config.iceServers, 20_000);
        expect(probe.candidateTypes).toContain('relay');
        expect(probe.everConnected, JSON.stringify(probe)).toBe(true);
        return config.iceServers;
      });
    const urls = issued.flatMap((s) => s.urls);
    const now = Math.floor(Date.now() / 1000);
    const cases = {
      'wrongly signed': restCredentials(`${coturn.secret}-wrong`, 'e2e-user', now + 600),
      'expired (correctly signed)': restCredentials(coturn.secret, 'e2e-user', now - 60),
    };
    for (const [label, { username, password }] of Object.entries(cases)) {
      await test.step(`${label}: no relay candidate, 401, no connection`, async () => {
        const probe = await probeRelay(page, [{ urls, username, credential: password }], MUST_NOT_CONNECT_MS);
        expect(probe, label).toMatchObject({ candidateTypes: [], everConnected: false });
        expect(probe.errorCodes, label).toContain(401);
      });
    }
  });

  test('C: a user who is not a party of the call cannot obtain its credentials', async ({
    app,
    newUserPage,
    databaseUrl,
  }) => {
    const doctor = await newUserPage('doctor');
    await signIn(doctor, DEMO_ACCOUNTS.doctor, app.demoPassword);
    const id = /\/appointments\/([^/?#]+)$/.exec(
      (await doctor.locator('a[href^="/appointments/"]').first().getAttribute('href')) ?? '',
    )?.[1];
    expect(id).toBeTruthy();
    await endActiveCall(doctor, `${id}`);
    await doctor.goto(`/appointments/${id}`);
    await button(doctor, 'Start video call').click();
    await doctor.waitForURL(new RegExp(`/appointments/${id}/call/?$`));
    const own = await getJson(doctor, `/api/appointments/${id}/call`);
    expect(own.status, 'the doctor, a party of the active call').toBe(200);

    const other = createOtherHospitalDoctor(databaseUrl);
    const stranger = await newUserPage('other hospital');
    await signIn(stranger, other.email, other.password);
    const admin = await newUserPage('admin');
    await signIn(admin, DEMO_ACCOUNTS.admin, app.demoPassword);
    for (const [who, page, code] of [
      ['a doctor of another hospital', stranger, 'not_party'],
      ['this hospital’s admin', admin, 'wrong_role'],
    ] as const) {
      for (const path of [`/api/appointments/${id}/call`, `/api/call/context?appointmentId=${id}`]) {
        const r = await getJson(page, path);
        expect({
          who,
          path,
          status: r.status,
          code: (r.body as { error?: { code?: string } })?.error?.code,
        }).toEqual({ who, path, status: 403, code });
        expect(JSON.stringify(r.body)).not.toMatch(/iceServers|credential|turn:/);
      }
    }

    // The connection test's credentials are the stranger's own: their id, minutes, no way into the call.
    const own10 = await getJson(stranger, '/api/ice-servers');
    expect(own10.status).toBe(200);
    const [expiry, userId] = ((own10.body as IceConfig).iceServers[0]?.username ?? '').split(':');
    expect(userId).toBe(other.id);
    expect(Number(expiry)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 10 * 60);
  });

  test('D: the device test page’s connection test reaches coturn and reports a result with its numbers', async ({
    app,
    page,
    coturn,
  }) => {
    await signIn(page, DEMO_ACCOUNTS.patient, app.demoPassword);
    const mark = coturn.server.mark();
    const result = await runConnectionTest(page);
    expect(result.relayStep, JSON.stringify(result)).toBe('pass');
    expect(result.figures['relay']).toBe('works (relay candidate)');
    expect(['hd', 'standard', 'audio'], JSON.stringify(result)).toContain(result.level);
    expect(result.headline).toMatch(/^Your connection /);
    for (const figure of ['relay-rtt', 'loss', 'bitrate']) {
      expect(result.figures[figure], `figure ${figure}`).toMatch(/\d/);
    }
    // Through this coturn, for the signed-in patient (the credentials carry the user's own id).
    const me = (await (await page.request.get('/api/session')).json()) as { user: { id: string } };
    const users = [...allocatedUsers(coturn.server, mark)].map((u) => u.split(':')[1]);
    expect(users).toContain(me.user.id);
  });
});

test.describe('TURN relay with a carecall whose secret is not coturn’s', () => {
  test.use({ appTurnSecret: 'other' });
  skipWithoutCoturn();

  test('B: the call does not connect: no relay candidate, no selected pair, no decoded frame', async ({
    app,
    coturn,
    newUserPage,
  }) => {
    const mark = coturn.server.mark();
    const parties = await openAppointmentAsBoth(newUserPage, app.demoPassword);
    await startAndJoin(parties);
    const pages = [parties.doctor, parties.patient];

    await test.step('both browsers finish gathering (with nothing to show for it)', async () => {
      for (const page of pages) {
        await expect
          .poll(
            async () => (await peerConnectionSnapshots(page)).some((s) => s.iceGatheringState === 'complete'),
            {
              timeout: 30_000,
              message: `ICE gathering did not complete: ${await describePeerConnections(page)}`,
            },
          )
          .toBe(true);
      }
    });

    await test.step(`for ${MUST_NOT_CONNECT_MS} ms after that, nothing connects`, async () => {
      const deadline = Date.now() + MUST_NOT_CONNECT_MS;
      do {
        for (const page of pages) {
          const snapshots = await peerConnectionSnapshots(page);
          const relayCandidates = snapshots.flatMap((s) =>
            s.stats.filter((e) => e['type'] === 'local-candidate' && e['candidateType'] === 'relay'),
          );
          expect(relayCandidates).toEqual([]);
          expect(snapshots.map((s) => s.connectionState)).not.toContain('connected');
          expect(await selectedCandidatePair(page)).toBeNull();
          expect((await inboundVideoStats(page))?.framesDecoded ?? 0).toBe(0);
        }
        await pages[0]?.waitForTimeout(250);
      } while (Date.now() < deadline);
      expect([...allocatedUsers(coturn.server, mark)]).toEqual([]);
    });
  });

  test('D: the connection test says the relay is not reachable and that it refused the credentials', async ({
    app,
    page,
  }) => {
    await signIn(page, DEMO_ACCOUNTS.patient, app.demoPassword);
    const result = await runConnectionTest(page);
    expect(result).toMatchObject({ level: 'fail', relayStep: 'fail' });
    expect(result.headline).toMatch(/^Video cannot get through to the clinic's relay server/);
    const region = page.getByRole('region', { name: 'Connection test', exact: true });
    await expect(region.locator('[data-step="relay"]')).toContainText('Video could not get through');
    // The reason in technical terms, for the clinic's IT team, behind Details.
    await expect(region.locator('[data-technical="relay"]')).toContainText('refused the credentials');
  });
});
