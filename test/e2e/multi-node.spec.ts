import { existsSync } from 'node:fs';
import type { Page, WebSocket } from '@playwright/test';
import {
  type Balancer,
  type ClusterNode,
  createSharedDatabase,
  type LocalRedis,
  type SeededCall,
  type SharedDatabase,
  seedCall,
  startBalancer,
  startLocalRedis,
  startNode,
} from '../support/cluster.js';
import { PASSWORD } from '../support/fixtures.js';
import { joinNow } from './support/call-flow.js';
import { test as base, expect, inboundVideoStats, signIn, waitForFramesGrowing } from './support/fixtures.js';
import { describePeerConnections } from './support/rtc-stats.js';

/**
 * S21 with real media: two carecall processes on one PostgreSQL schema and a Redis of their own, behind a
 * TCP balancer whose origin the browsers open. The doctor's WebSocket is on node A, the patient's on B;
 * A is SIGKILLed mid-call and the call must carry on (media is peer to peer; signaling resumes on B).
 *
 * Everything runs inside the e2e network namespace: Redis is started here on a loopback port, PostgreSQL is
 * reached over its Unix socket (sockets are files, so they cross network namespaces).
 */
const DATABASE_URL = process.env['DATABASE_URL_E2E'] ?? 'postgres://postgres@/test?host=/var/run/postgresql';
const REDIS_SERVER = '/usr/bin/redis-server';
const required =
  process.env['CI'] === 'true' ||
  (process.env['CARECALL_REQUIRE'] ?? '')
    .split(',')
    .some((s) => ['browser', 'postgres', 'redis'].includes(s.trim()));

function missing(): string | null {
  if (!existsSync(REDIS_SERVER)) return `${REDIS_SERVER} is missing (apt-get install -y redis-server)`;
  const socketDir = /[?&]host=([^&]+)/.exec(DATABASE_URL)?.[1];
  if (!process.env['DATABASE_URL_E2E'] && socketDir && !existsSync(decodeURIComponent(socketDir))) {
    return `no PostgreSQL socket in ${decodeURIComponent(socketDir)} (set DATABASE_URL_E2E)`;
  }
  return null;
}

const unavailable = missing();

interface Cluster {
  db: SharedDatabase;
  redis: LocalRedis;
  balancer: Balancer;
  a: ClusterNode;
  b: ClusterNode;
  call: SeededCall;
}

const test = base.extend<{ cluster: Cluster }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures must destructure their dependencies.
  cluster: async ({}, use, testInfo) => {
    if (unavailable) throw new Error(`the multi-node browser suite is required here but ${unavailable}`);
    const stops: Array<() => Promise<void>> = [];
    try {
      const redis = await startLocalRedis(REDIS_SERVER);
      stops.push(() => redis.stop());
      const db = await createSharedDatabase(DATABASE_URL);
      stops.push(() => db.drop());
      const balancer = await startBalancer([]);
      stops.push(() => balancer.close());
      const env = {
        databaseUrl: db.url,
        redisUrl: redis.url,
        publicOrigin: balancer.origin,
        entry: 'built' as const,
      };
      const [a, b] = await Promise.all([startNode({ name: 'A', ...env }), startNode({ name: 'B', ...env })]);
      stops.push(
        () => a.kill(),
        () => b.kill(),
      );
      const call = await seedCall(db.store);
      await use({ db, redis, balancer, a, b, call });
      if (testInfo.status !== testInfo.expectedStatus) {
        for (const node of [a, b]) {
          await testInfo.attach(`carecall-node-${node.name}`, {
            body: node.logs(),
            contentType: 'text/plain',
          });
        }
      }
    } finally {
      // Nodes first, then the balancer, the schema and Redis.
      for (const stop of stops.reverse()) await stop().catch(() => {});
    }
  },
  baseURL: async ({ cluster }, use) => {
    await use(cluster.balancer.origin);
  },
});

/** Every WebSocket the page opens, with the frames it received. */
function watchSockets(page: Page): Array<{ socket: WebSocket; frames: string[]; closed: boolean }> {
  const list: Array<{ socket: WebSocket; frames: string[]; closed: boolean }> = [];
  page.on('websocket', (socket) => {
    const entry = { socket, frames: [] as string[], closed: false };
    list.push(entry);
    socket.on('framereceived', ({ payload }) => entry.frames.push(String(payload)));
    socket.on('close', () => {
      entry.closed = true;
    });
  });
  return list;
}

const joinedFrame = (frames: string[]) =>
  frames.map((f) => JSON.parse(f) as { type: string; resumed?: boolean }).find((m) => m.type === 'joined');

async function framesDecoded(page: Page): Promise<number> {
  return (await inboundVideoStats(page))?.framesDecoded ?? 0;
}

test.describe('S21 many nodes with real media', () => {
  // Where the suite is required, the cluster fixture fails instead (below).
  test.skip(unavailable !== null && !required, unavailable ?? '');

  test('the doctor’s node is SIGKILLed mid-call: both keep decoding video and the call does not end', async ({
    cluster,
    newUserPage,
  }) => {
    test.setTimeout(180_000);
    const { a, b, balancer, call } = cluster;
    const id = call.appointmentId;
    const callUrl = new RegExp(`/appointments/${id}/call/?$`);

    // Until the doctor is in the call, the balancer knows only node A.
    balancer.setBackends([a.port]);
    const [doctor, patient] = await Promise.all([newUserPage('doctor'), newUserPage('patient')]);
    const doctorSockets = watchSockets(doctor);
    const patientSockets = watchSockets(patient);
    await Promise.all([
      signIn(doctor, call.doctor.email, PASSWORD),
      signIn(patient, call.patient.email, PASSWORD),
    ]);

    await test.step('the doctor starts the call; its WebSocket is on node A', async () => {
      await doctor.locator(`a[href="/appointments/${id}"]`).first().click();
      await doctor.getByRole('button', { name: 'Start video call', exact: true }).click();
      await doctor.waitForURL(callUrl);
      await joinNow(doctor);
      await expect.poll(() => doctorSockets.some((s) => joinedFrame(s.frames))).toBe(true);
      expect(new Set(balancer.forwarded)).toEqual(new Set([a.port]));
    });

    await test.step('the patient joins through node B', async () => {
      // New connections now go to B first: the patient's WebSocket lands there.
      balancer.setBackends([b.port, a.port]);
      const forwardedBefore = balancer.forwarded.length;
      await patient.locator(`a[href="/appointments/${id}"]`).first().click();
      const join = patient.getByRole('button', { name: 'Join video call', exact: true });
      await expect(join).toBeEnabled();
      await join.click();
      await patient.waitForURL(callUrl);
      await joinNow(patient);
      await expect.poll(() => patientSockets.some((s) => joinedFrame(s.frames))).toBe(true);
      expect(balancer.forwarded.slice(forwardedBefore).every((port) => port === b.port)).toBe(true);
    });

    await test.step('both decode each other’s video', async () => {
      for (const page of [doctor, patient]) await waitForFramesGrowing(page);
    });

    // The sockets of the pages navigated away from never report a close; the call page's is the one that joined.
    const doctorCallSocket = doctorSockets.find((s) => joinedFrame(s.frames));
    const doctorSocketsBefore = doctorSockets.length;
    const decodedAtKill = { doctor: await framesDecoded(doctor), patient: await framesDecoded(patient) };

    await test.step('node A (the doctor’s signaling node) is SIGKILLed', async () => {
      await a.kill();
      // The doctor's socket drops (it was on A); the patient's (on B) stays open.
      await expect.poll(() => doctorCallSocket?.closed).toBe(true);
      expect(patientSockets.find((s) => joinedFrame(s.frames))?.closed).toBe(false);
    });

    await test.step('the doctor’s page reconnects to node B and resumes the room', async () => {
      await expect
        .poll(
          () => doctorSockets.slice(doctorSocketsBefore).some((s) => !s.closed && joinedFrame(s.frames)),
          {
            message: 'a new doctor WebSocket that joined the room again',
            timeout: 30_000,
          },
        )
        .toBe(true);
      const rejoined = doctorSockets.slice(doctorSocketsBefore).find((s) => joinedFrame(s.frames));
      expect(joinedFrame(rejoined?.frames ?? []), 'the joined answer after the reconnect').toMatchObject({
        resumed: true,
      });
    });

    await test.step('video keeps being decoded on both sides after the kill', async () => {
      for (const [role, page] of [
        ['doctor', doctor],
        ['patient', patient],
      ] as const) {
        await expect
          .poll(() => framesDecoded(page), {
            message: `${role} decodes new frames after the kill; ${await describePeerConnections(page)}`,
            timeout: 20_000,
          })
          .toBeGreaterThan(decodedAtKill[role] + 30);
        await waitForFramesGrowing(page);
      }
    });

    await test.step('the patient was never told the doctor left', async () => {
      const frames = patientSockets.find((s) => joinedFrame(s.frames))?.frames ?? [];
      expect(frames.filter((f) => f.startsWith('{"type":"peer-left"'))).toEqual([]);
    });

    await test.step('neither page ended the call', async () => {
      for (const page of [doctor, patient]) {
        expect(page.url()).toMatch(callUrl);
        await expect(page.getByRole('button', { name: 'Leave call', exact: true })).toBeVisible();
      }
      const status = await patient.request.get(`/api/appointments/${id}/call/status`);
      expect(((await status.json()) as { call: { status: string } }).call.status).toBe('in_progress');
    });
  });
});
