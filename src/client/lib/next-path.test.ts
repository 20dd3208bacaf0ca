import { describe, expect, it } from 'vitest';
import { DEFAULT_AFTER_LOGIN, loginUrl, nextFromSearch, safeNextPath } from './next-path.js';

describe('safeNextPath', () => {
  it.each([
    ['/appointments/42', '/appointments/42'],
    ['/appointments/42/call', '/appointments/42/call'],
    ['/device-test?x=1#top', '/device-test?x=1#top'],
    ['/', '/'],
  ])('keeps the same-origin path %s', (raw, expected) => {
    expect(safeNextPath(raw)).toBe(expected);
  });

  it.each([
    null,
    undefined,
    '',
    'appointments',
    '//evil.example/',
    '/\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    'https://evil.example/',
    'javascript:alert(1)',
    ' /appointments',
    '/login',
    '/login?next=%2Fappointments',
  ])('falls back for %j', (raw) => {
    expect(safeNextPath(raw)).toBe(DEFAULT_AFTER_LOGIN);
  });

  it('reads and sanitises the next parameter', () => {
    expect(nextFromSearch('?next=%2Fappointments%2F7')).toBe('/appointments/7');
    expect(nextFromSearch('?next=%2F%2Fevil.example')).toBe(DEFAULT_AFTER_LOGIN);
    expect(nextFromSearch('')).toBe(DEFAULT_AFTER_LOGIN);
  });

  it('builds a login address that round-trips', () => {
    const url = loginUrl('/appointments/7/call?x=1&y=2');
    expect(url).toBe('/login?next=%2Fappointments%2F7%2Fcall%3Fx%3D1%26y%3D2');
    expect(nextFromSearch(url.slice('/login'.length))).toBe('/appointments/7/call?x=1&y=2');
  });
});
