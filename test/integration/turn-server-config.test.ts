import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.js';
import { iceConfigFor } from '../../src/server/turn/ice-servers.js';
import { type Coturn, coturnBasics, startCoturn } from '../support/coturn.js';
import { freePort } from '../support/processes.js';
import { serviceAvailable } from '../support/suites.js';
import { restCredentials, TurnClient, TurnError } from '../support/turn-client.js';

/**
 * deploy/turnserver.conf as an operator gets it (`carecall turn-config`), run by Debian's coturn on
 * loopback, asked what a TURN client can ask. CreatePermission only installs state in coturn: no packet
 * goes to any peer named here, public or not.
 */

const PUBLIC_ORIGIN = 'https://care.example.org';
const ALLOWED_V4 = '10.20.0.15';
const ALLOWED_V6 = 'fd00::15';
const ipv6Loopback = Object.values(networkInterfaces())
  .flat()
  .some((i) => i?.address === '::1');

function cli(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/server/main.ts', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr.trim() };
}

/** "a-b" or "a" → the addresses to try: both ends of each range. */
function rangeEnds(range: string): string[] {
  return [...new Set(range.split('-'))];
}

async function permission(
  coturn: Coturn,
  credentials: ReturnType<typeof restCredentials>,
  family: 'IPv4' | 'IPv6',
  peers: string[],
) {
  const client = await TurnClient.open(coturn);
  const outcome: Record<string, number> = {};
  try {
    await client.allocate(credentials, family);
    for (const peer of peers) {
      try {
        await client.createPermission(peer);
        outcome[peer] = 200;
      } catch (error) {
        if (!(error instanceof TurnError)) throw error;
        outcome[peer] = error.code;
      }
    }
  } finally {
    client.close();
  }
  return outcome;
}

describe.skipIf(!serviceAvailable('coturn'))(
  'coturn with the configuration carecall turn-config writes',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'carecall-turnconf-'));
    const file = join(dir, 'turnserver.conf');
    let secret = '';
    let coturn: Coturn;
    let tlsPort = 0;
    let generated = '';
    let credentials: ReturnType<typeof restCredentials>;

    const denied = () => [...generated.matchAll(/^denied-peer-ip=(.+)$/gm)].map((m) => m[1] ?? '');

    beforeAll(async () => {
      const basics = await coturnBasics();
      secret = basics.secret;
      tlsPort = await freePort();
      const cert = join(dir, 'cert.pem');
      const pkey = join(dir, 'key.pem');
      const made = spawnSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=turn.care.example.org',
          '-keyout',
          pkey,
          '-out',
          cert,
        ],
        { encoding: 'utf8' },
      );
      if (made.status !== 0)
        throw new Error(`openssl could not make a test certificate: ${made.error ?? made.stderr}`);
      const r = cli(
        [
          'turn-config',
          '--listening-ip',
          '127.0.0.1',
          '--relay-ip',
          '127.0.0.1',
          ...(ipv6Loopback ? ['--relay-ip', '::1', '--allowed-peer-ip', ALLOWED_V6] : []),
          '--allowed-peer-ip',
          ALLOWED_V4,
          '--cert',
          cert,
          '--pkey',
          pkey,
          '--min-port',
          '49152',
          '--max-port',
          '65535',
          '--output',
          file,
        ],
        {
          PUBLIC_ORIGIN,
          WEBRTC_TURN_SECRET: secret,
          WEBRTC_TURN_URL: `turn:127.0.0.1:${basics.port}?transport=udp,turns:127.0.0.1:${tlsPort}?transport=tcp`,
        },
      );
      expect(r, r.err).toMatchObject({ code: 0 });
      generated = readFileSync(file, 'utf8');
      coturn = await startCoturn({ port: basics.port, args: ['-c', file] });
      const config = loadConfig({
        WEBRTC_TURN_URL: `turn:127.0.0.1:${basics.port}`,
        WEBRTC_TURN_SECRET: secret,
      });
      // What carecall hands a party: the same credentials a browser would present.
      const server = iceConfigFor(config, 'user-1', Date.now()).iceServers[0];
      credentials = { username: server?.username ?? '', password: server?.credential ?? '' };
    });

    afterAll(async () => {
      await coturn?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('starts from the file, reads every line without a warning, logs each denied range, and never logs the secret', () => {
      const log = coturn.logs();
      expect(denied().length).toBeGreaterThanOrEqual(30);
      for (const range of denied()) expect(log).toContain(`Black listing: ${range}`);
      expect(log).toContain('Default realm: care.example.org');
      expect(log).toContain(`TLS1.2: Certificate file found`);
      expect(
        log.split('\n').filter((line) => /error|warning|unrecognized|bad configuration/i.test(line)),
      ).toEqual([]);
      expect(log).not.toContain(secret);
    });

    it('allocates with the credentials carecall issues, and refuses expired or wrongly signed ones with 401', async () => {
      const now = Math.floor(Date.now() / 1000);
      const attempt = async (c: { username: string; password: string }) => {
        const client = await TurnClient.open(coturn);
        try {
          const relayed = await client.allocate(c);
          return `relay ${relayed.address}`;
        } catch (error) {
          if (error instanceof TurnError) return error.code;
          throw error;
        } finally {
          client.close();
        }
      };
      expect(await attempt(credentials)).toBe('relay 127.0.0.1');
      expect(await attempt(restCredentials(secret, 'user-1', now - 60))).toBe(401);
      expect(await attempt(restCredentials(`${secret}x`, 'user-1', now + 600))).toBe(401);
      expect(
        await attempt({ username: credentials.username, password: `${credentials.password.slice(1)}A` }),
      ).toBe(401);
      expect(coturn.logs()).not.toContain(credentials.password);
    });

    it('counts user-quota per carecall user across credentials: a new expiry does not buy more allocations', async () => {
      const quota = Number(/^user-quota=(\d+)$/m.exec(generated)?.[1]);
      const now = Math.floor(Date.now() / 1000);
      const clients: TurnClient[] = [];
      const results: (number | 'ok')[] = [];
      try {
        for (let i = 0; i <= quota; i += 1) {
          const client = await TurnClient.open(coturn);
          clients.push(client);
          // Each with its own username, as a user who keeps asking carecall for fresh credentials would have.
          await client.allocate(restCredentials(secret, 'quota-user', now + 600 + i)).then(
            () => results.push('ok'),
            (error: unknown) => results.push(error instanceof TurnError ? error.code : -1),
          );
        }
      } finally {
        for (const client of clients) client.close();
      }
      expect(quota).toBeGreaterThan(0);
      expect(results).toEqual([...Array<'ok'>(quota).fill('ok'), 486]);
      const other = await TurnClient.open(coturn);
      try {
        expect((await other.allocate(restCredentials(secret, 'another-user', now + 600))).address).toBe(
          '127.0.0.1',
        );
      } finally {
        other.close();
      }
    });

    it('refuses to relay to both ends of every denied IPv4 range, the cloud metadata address and 0.0.0.0 (403)', async () => {
      const peers = [
        ...denied()
          .filter((r) => !r.includes(':'))
          .flatMap(rangeEnds),
        '169.254.169.254',
        '0.0.0.0',
        '10.20.0.16',
      ];
      const outcome = await permission(coturn, credentials, 'IPv4', peers);
      expect(outcome).toEqual(Object.fromEntries(peers.map((p) => [p, 403])));
    });

    it.skipIf(!ipv6Loopback)(
      'refuses to relay to every denied IPv6 range, including IPv4-mapped ::ffff:127.0.0.1 and ::ffff:10.0.0.1 (403)',
      async () => {
        const peers = [
          ...denied()
            .filter((r) => r.includes(':'))
            .flatMap(rangeEnds),
          '::',
          '::ffff:127.0.0.1',
          '::ffff:10.0.0.1',
          '::ffff:169.254.169.254',
          '64:ff9b::a9fe:a9fe',
          'fd00::16',
        ];
        const outcome = await permission(coturn, credentials, 'IPv6', peers);
        expect(outcome).toEqual(Object.fromEntries(peers.map((p) => [p, 403])));
      },
    );

    it('still relays to public addresses and to a single allowed-peer-ip: the list denies nothing else', async () => {
      expect(await permission(coturn, credentials, 'IPv4', ['1.1.1.1', '8.8.8.8', ALLOWED_V4])).toEqual({
        '1.1.1.1': 200,
        '8.8.8.8': 200,
        [ALLOWED_V4]: 200,
      });
      if (ipv6Loopback) {
        expect(await permission(coturn, credentials, 'IPv6', ['2606:4700:4700::1111', ALLOWED_V6])).toEqual({
          '2606:4700:4700::1111': 200,
          [ALLOWED_V6]: 200,
        });
      }
    });

    it.skipIf(!ipv6Loopback)(
      'without the IPv4-mapped range, coturn before 4.9 relays to ::ffff:127.0.0.1: the line is what closes it',
      async () => {
        const version = /Coturn-(\d+)\.(\d+)\.(\d+)/.exec(coturn.logs());
        const [major = 0, minor = 0] = (version?.slice(1) ?? []).map(Number);
        const fixedUpstream = major > 4 || (major === 4 && minor >= 9);
        const withoutMapped = join(dir, 'without-mapped.conf');
        writeFileSync(
          withoutMapped,
          generated.replace(/^denied-peer-ip=::ffff:0\.0\.0\.0-::ffff:255\.255\.255\.255$/m, ''),
        );
        const { port } = await coturnBasics();
        const plain = await startCoturn({
          port,
          args: ['-c', withoutMapped, `--listening-port=${port}`, `--tls-listening-port=${await freePort()}`],
        });
        try {
          const outcome = await permission(plain, credentials, 'IPv6', [
            '::ffff:127.0.0.1',
            '::ffff:10.0.0.1',
          ]);
          console.log(`coturn ${version?.[0]} without the mapped range: ${JSON.stringify(outcome)}`);
          const expected = fixedUpstream ? 403 : 200;
          expect(outcome).toEqual({ '::ffff:127.0.0.1': expected, '::ffff:10.0.0.1': expected });
        } finally {
          await plain.stop();
        }
      },
    );

    it('serves TLS 1.2 or newer with the configured certificate on the turns: port', async () => {
      const protocol = await new Promise<string | null>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: tlsPort, rejectUnauthorized: false }, () => {
          const p = socket.getProtocol();
          const subject = socket.getPeerCertificate().subject?.CN;
          socket.destroy();
          resolve(`${p} ${subject}`);
        });
        socket.once('error', reject);
      });
      expect(protocol).toMatch(/^TLSv1\.[23] turn\.care\.example\.org$/);
    });
  },
);
