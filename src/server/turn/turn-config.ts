import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Config } from '../config.js';

/** deploy/turnserver.conf, found the same way from src/ (tsx) and from dist/node/ (the built CLI). */
export const TURN_CONFIG_TEMPLATE = new URL(
  import.meta.url.includes('/dist/node/')
    ? '../../../../deploy/turnserver.conf'
    : '../../../deploy/turnserver.conf',
  import.meta.url,
);

const DEFAULT_PORTS = { turn: 3478, turns: 5349 } as const;

/** What `carecall turn-config` takes besides carecall's configuration: where coturn runs. */
export interface TurnConfigOptions {
  listeningIps: readonly string[];
  relayIps: readonly string[];
  /** `public` or `public/private` (coturn's form for a machine behind NAT). */
  externalIps: readonly string[];
  /** Single addresses let through the denied ranges (an internal media server). */
  allowedPeerIps: readonly string[];
  cert: string;
  pkey: string;
  minPort: number;
  maxPort: number;
}

export const DEFAULT_TURN_CONFIG_OPTIONS: TurnConfigOptions = {
  listeningIps: [],
  relayIps: [],
  externalIps: [],
  allowedPeerIps: [],
  cert: '/etc/coturn/tls/fullchain.pem',
  pkey: '/etc/coturn/tls/privkey.pem',
  minPort: 49152,
  maxPort: 65535,
};

/** Every reason the file cannot be written, one line each (like ConfigError). */
export class TurnConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'TurnConfigError';
  }
}

/** coturn reads a value to the end of its line: these would cut it short or start another setting. */
const UNSAFE_IN_VALUE = /[\s"'#\\]/;

/**
 * The plain and TLS ports coturn must listen on, from the `turn:` and `turns:` URLs browsers are given.
 * coturn has one port of each kind, so the URLs of a kind must agree.
 */
export function turnListeningPorts(
  urls: readonly string[],
  problems: string[],
): { turn: number; turns: number } {
  const found = { turn: new Set<number>(), turns: new Set<number>() };
  for (const url of urls) {
    const m = /^(turns?):(\[[^\]]+\]|[^:?]+)(?::(\d+))?(?:\?.*)?$/i.exec(url);
    if (!m) {
      problems.push(`WEBRTC_TURN_URL: cannot read the port of ${url}`);
      continue;
    }
    const scheme = (m[1] ?? '').toLowerCase() as 'turn' | 'turns';
    const port = m[3] === undefined ? DEFAULT_PORTS[scheme] : Number(m[3]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      problems.push(`WEBRTC_TURN_URL: ${url} has no valid port`);
      continue;
    }
    found[scheme].add(port);
  }
  const pick = (scheme: 'turn' | 'turns'): number => {
    const ports = [...found[scheme]];
    if (ports.length > 1) {
      problems.push(
        `WEBRTC_TURN_URL: the ${scheme}: URLs name ports ${ports.join(' and ')}, but coturn listens on one ${scheme === 'turn' ? 'plain' : 'TLS'} port: use one`,
      );
    }
    return ports[0] ?? DEFAULT_PORTS[scheme];
  };
  return { turn: pick('turn'), turns: pick('turns') };
}

function checkIps(flag: string, values: readonly string[], problems: string[], pairs = false): void {
  for (const value of values) {
    const parts = pairs ? value.split('/') : [value];
    if (parts.length > 2 || parts.some((part) => isIP(part) === 0)) {
      problems.push(`${flag} ${value}: not an IP address${pairs ? ' (or public-ip/private-ip)' : ''}`);
    }
  }
}

function checkPath(flag: string, value: string, problems: string[]): void {
  if (!value.startsWith('/') || UNSAFE_IN_VALUE.test(value)) {
    problems.push(`${flag} ${value}: must be an absolute path without spaces, quotes, # or backslashes`);
  }
}

/** The values for the template's placeholders; a list fills whole lines (none: the line goes). */
export function turnConfigValues(
  config: Config,
  options: TurnConfigOptions,
): Record<string, string | readonly string[]> {
  const problems: string[] = [];
  const secret = config.ice.turnSecret;
  if (!secret) {
    problems.push(
      'WEBRTC_TURN_SECRET is not set: coturn and carecall must share it (use-auth-secret). ' +
        'Set the same value for carecall and run this again (generate one with `openssl rand -hex 32`). ' +
        'Static WEBRTC_TURN_USERNAME/WEBRTC_TURN_PASSWORD credentials are not supported by this template.',
    );
  } else if (UNSAFE_IN_VALUE.test(secret)) {
    problems.push(
      'WEBRTC_TURN_SECRET: contains a space, quote, # or backslash, which coturn’s configuration file cannot ' +
        'carry safely; use letters and digits (`openssl rand -hex 32`)',
    );
  }
  const ports = turnListeningPorts(config.ice.turnUrls, problems);
  checkIps('--listening-ip', options.listeningIps, problems);
  checkIps('--relay-ip', options.relayIps, problems);
  checkIps('--external-ip', options.externalIps, problems, true);
  checkIps('--allowed-peer-ip', options.allowedPeerIps, problems);
  checkPath('--cert', options.cert, problems);
  checkPath('--pkey', options.pkey, problems);
  const { minPort, maxPort } = options;
  if (!Number.isInteger(minPort) || !Number.isInteger(maxPort) || minPort < 1024 || maxPort > 65535) {
    problems.push('--min-port and --max-port must be whole numbers from 1024 to 65535');
  } else if (minPort >= maxPort) {
    problems.push(`--min-port ${minPort} must be below --max-port ${maxPort}`);
  }
  if (problems.length > 0) throw new TurnConfigError(problems);
  const lines = (setting: string, values: readonly string[], none: string): readonly string[] =>
    values.length > 0 ? values.map((v) => `${setting}=${v}`) : [none];
  return {
    'listening-port': String(ports.turn),
    'tls-listening-port': String(ports.turns),
    'listening-ips': lines(
      'listening-ip',
      options.listeningIps,
      '# listening-ip: none given (--listening-ip), so coturn listens on every address of this machine',
    ),
    'relay-ips': lines(
      'relay-ip',
      options.relayIps,
      '# relay-ip: none given (--relay-ip), so coturn relays from the address each client reached',
    ),
    'external-ips': lines(
      'external-ip',
      options.externalIps,
      '# external-ip: none given (--external-ip: needed when this machine is behind NAT, as cloud machines are)',
    ),
    'allowed-peer-ips': options.allowedPeerIps.map((ip) => `allowed-peer-ip=${ip}`),
    'min-port': String(minPort),
    'max-port': String(maxPort),
    'static-auth-secret': secret ?? '',
    realm: new URL(config.publicOrigin).hostname.replace(/^\[|\]$/g, ''),
    cert: options.cert,
    pkey: options.pkey,
  };
}

/**
 * Replaces `{{name}}` placeholders: a line holding only a list placeholder becomes one line per item.
 * A placeholder without a value, or a value without a placeholder, is a mismatch between the template
 * and this code, reported rather than printed.
 */
export function fillTemplate(template: string, values: Record<string, string | readonly string[]>): string {
  const used = new Set<string>();
  const missing = new Set<string>();
  const out: string[] = [];
  for (const line of template.split('\n')) {
    const whole = /^\{\{([a-z-]+)\}\}$/.exec(line.trim());
    const listValue = whole?.[1] === undefined ? undefined : values[whole[1]];
    if (whole?.[1] !== undefined && Array.isArray(listValue)) {
      used.add(whole[1]);
      out.push(...listValue);
      continue;
    }
    out.push(
      line.replace(/\{\{([a-z-]+)\}\}/g, (placeholder, name: string) => {
        const value = values[name];
        if (typeof value !== 'string') {
          missing.add(name);
          return placeholder;
        }
        used.add(name);
        return value;
      }),
    );
  }
  const unused = Object.keys(values).filter((name) => !used.has(name));
  if (missing.size > 0 || unused.length > 0) {
    throw new Error(
      `the TURN template and this carecall disagree: ${[
        ...[...missing].map((name) => `{{${name}}} has no value`),
        ...unused.map((name) => `{{${name}}} is not in the template`),
      ].join('; ')}`,
    );
  }
  return out.join('\n');
}

/** deploy/turnserver.conf filled in for this configuration. */
export function renderTurnConfig(
  config: Config,
  options: TurnConfigOptions,
  template: string = readFileSync(TURN_CONFIG_TEMPLATE, 'utf8'),
): string {
  return fillTemplate(template, turnConfigValues(config, options));
}
