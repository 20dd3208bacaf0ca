import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import {
  DEFAULT_TURN_CONFIG_OPTIONS,
  fillTemplate,
  renderTurnConfig,
  TurnConfigError,
  turnListeningPorts,
} from './turn-config.js';

const SECRET = '0123456789abcdef0123';

describe('turn-config', () => {
  it('fills values in place and list placeholders line by line (an empty list removes the line)', () => {
    const template = 'realm={{realm}}\n{{ips}}\n{{none}}\nend';
    expect(fillTemplate(template, { realm: 'care.example.org', ips: ['a=1', 'a=2'], none: [] })).toBe(
      'realm=care.example.org\na=1\na=2\nend',
    );
  });

  it('reports a placeholder without a value and a value without a placeholder instead of printing', () => {
    expect(() => fillTemplate('realm={{realm}}\n{{secret}}', { realm: 'x', extra: 'y' })).toThrow(
      'the TURN template and this carecall disagree: {{secret}} has no value; {{extra}} is not in the template',
    );
  });

  it('takes the ports from the turn: and turns: URLs, with the standard ports when they name none', () => {
    const problems: string[] = [];
    expect(turnListeningPorts(['turn:t.example?transport=udp', 'turns:t.example:443'], problems)).toEqual({
      turn: 3478,
      turns: 443,
    });
    expect(turnListeningPorts(['turn:[2001:db8::1]:3479'], problems)).toEqual({ turn: 3479, turns: 5349 });
    expect(problems).toEqual([]);
  });

  it('renders the real template with nothing left over; the realm is the public origin’s host', () => {
    const config = loadConfig({
      PUBLIC_ORIGIN: 'https://care.example.org',
      WEBRTC_TURN_URL: 'turn:turn.example.org',
      WEBRTC_TURN_SECRET: SECRET,
    });
    const text = renderTurnConfig(config, DEFAULT_TURN_CONFIG_OPTIONS);
    expect(text).not.toMatch(/\{\{|\}\}/);
    expect(text).toContain('\nrealm=care.example.org\n');
    expect(text).toContain(`\nstatic-auth-secret=${SECRET}\n`);
    expect(text).toContain('\n# listening-ip: none given');
  });

  it('refuses a secret coturn’s file cannot hold: a newline would add settings of the caller’s choosing', () => {
    const config = loadConfig({ WEBRTC_TURN_SECRET: `${SECRET}\nno-auth` });
    expect(() => renderTurnConfig(config, DEFAULT_TURN_CONFIG_OPTIONS)).toThrow(TurnConfigError);
  });
});
