import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The veth pair of the browser tests' namespace and the guard that checks it, run for real in fresh
 * network namespaces (`unshare -n` as root, `unshare -rn` otherwise), never in this process's own.
 */

const MODULE = fileURLToPath(new URL('./contained-veth.mjs', import.meta.url));

function unshareFlags(): string[] | null {
  for (const flags of process.getuid?.() === 0 ? [['-n'], ['-rn']] : [['-rn']]) {
    const probe = spawnSync('unshare', [...flags, 'true']);
    if (!probe.error && probe.status === 0) return flags;
  }
  return null;
}

const flags = unshareFlags();
const required = process.env['CI'] === 'true';
if (!flags && required) throw new Error('CI needs network namespaces (unshare -n) for the browser tests');

/** Runs `body` (ESM, with the module's exports in scope and `sh(cmd)`) in a fresh namespace; its JSON result. */
function inFreshNamespace(body: string): unknown {
  const script = `
    import { execSync } from 'node:child_process';
    import * as veth from ${JSON.stringify(MODULE)};
    const { addContainedVethPair, containedNetworkProblems, containedVethPresent } = veth;
    const sh = (command) => execSync(command, { stdio: 'pipe' });
    sh('ip link set lo up');
    const result = await (async () => { ${body} })();
    console.log(JSON.stringify(result));
  `;
  const run = spawnSync(
    'unshare',
    [...(flags ?? []), '--', process.execPath, '--input-type=module', '-e', script],
    {
      encoding: 'utf8',
    },
  );
  if (run.status !== 0) throw new Error(`the namespace script failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? 'null');
}

describe.skipIf(!flags)('the contained veth pair (browser tests’ namespace)', () => {
  it('is added to a loopback-only namespace with a default route into it, and the guard finds nothing wrong', () => {
    const result = inFreshNamespace(`
      const before = containedVethPresent();
      const failure = addContainedVethPair();
      const routes = execSync('ip -j route show', { encoding: 'utf8' });
      const addresses = execSync('ip -j addr show', { encoding: 'utf8' });
      return { before, failure, present: containedVethPresent(), problems: containedNetworkProblems(),
        routes: JSON.parse(routes), addresses: JSON.parse(addresses).flatMap((l) => l.addr_info.map((a) => a.local)) };
    `) as Record<string, unknown>;
    expect(result['before']).toBe(false);
    expect(result['failure']).toBeNull();
    expect(result['present']).toBe(true);
    expect(result['problems']).toEqual([]);
    expect(result['routes']).toContainEqual(
      expect.objectContaining({ dst: 'default', gateway: '198.18.0.0', dev: 'cc-v0' }),
    );
    // No IPv6 link-local addresses: browsers' candidates are loopback or 198.18.0.1 only.
    expect((result['addresses'] as string[]).sort()).toEqual([
      '127.0.0.1',
      '198.18.0.0',
      '198.18.0.1',
      '::1',
    ]);
  });

  it('the guard names an interface that is not part of the pair, and an address the pair should not carry', () => {
    const problems = inFreshNamespace(`
      addContainedVethPair();
      sh('ip link add x0 type veth peer name x1');
      sh('ip addr add 10.9.8.7/32 dev cc-v1');
      return containedNetworkProblems();
    `) as string[];
    expect(problems).toEqual(
      expect.arrayContaining([
        'interface x0 is neither lo nor an end of the contained veth pair',
        'interface x1 is neither lo nor an end of the contained veth pair',
        'cc-v1 carries 10.9.8.7',
      ]),
    );
  });

  it('the guard refuses a pair whose other end is in another namespace (a way out)', () => {
    const problems = inFreshNamespace(`
      addContainedVethPair();
      const { spawn } = await import('node:child_process');
      const elsewhere = spawn('unshare', ['-n', 'sleep', '30'], { stdio: 'ignore' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      sh('ip link set cc-v1 netns ' + elsewhere.pid);
      const found = containedNetworkProblems();
      elsewhere.kill();
      return found;
    `) as string[];
    expect(problems).toEqual(
      expect.arrayContaining([
        "cc-v0's peer is not cc-v1 in this namespace",
        'only one end of the contained veth pair is in this namespace',
      ]),
    );
  });
});
