import { describe, expect, it } from 'vitest';
import { dayOf, daysBetween, eachDay, isTimeZone, nextDay, startOfDay, timeOf } from './zoned-days.js';

describe('days in a time zone', () => {
  it('a day begins at its local midnight, also on the days the clocks change', () => {
    expect(new Date(startOfDay('2026-12-04', 'UTC')).toISOString()).toBe('2026-12-04T00:00:00.000Z');
    expect(new Date(startOfDay('2026-12-04', 'Europe/Berlin')).toISOString()).toBe(
      '2026-12-03T23:00:00.000Z',
    );
    // Summer time in Berlin begins at 02:00 on 29 March 2026: that day is 23 hours long.
    const march29 = startOfDay('2026-03-29', 'Europe/Berlin');
    expect(new Date(march29).toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(startOfDay('2026-03-30', 'Europe/Berlin') - march29).toBe(23 * 3_600_000);
    expect(new Date(startOfDay('2026-12-04', 'America/New_York')).toISOString()).toBe(
      '2026-12-04T05:00:00.000Z',
    );
    expect(new Date(startOfDay('2026-12-04', 'Asia/Kolkata')).toISOString()).toBe('2026-12-03T18:30:00.000Z');
  });

  it('where the clocks jump over midnight, the day begins when it first shows', () => {
    // Cuba springs forward at midnight on 8 March 2026: 00:00 local never happens, 01:00 CDT (05:00 UTC) does.
    const start = startOfDay('2026-03-08', 'America/Havana');
    expect(new Date(start).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(dayOf(start, 'America/Havana')).toBe('2026-03-08');
    expect(dayOf(start - 1, 'America/Havana')).toBe('2026-03-07');
  });

  it('an instant falls on the day of its zone: just before and at midnight', () => {
    const midnight = startOfDay('2026-12-05', 'Europe/Berlin');
    expect(dayOf(midnight - 1, 'Europe/Berlin')).toBe('2026-12-04');
    expect(dayOf(midnight, 'Europe/Berlin')).toBe('2026-12-05');
    expect(dayOf(midnight, 'UTC')).toBe('2026-12-04');
    expect(timeOf(midnight, 'Europe/Berlin')).toBe('00:00:00');
    expect(timeOf(midnight, 'UTC')).toBe('23:00:00');
  });

  it('counts and lists days by the calendar', () => {
    expect(nextDay('2026-12-31')).toBe('2027-01-01');
    expect(nextDay('2028-02-28')).toBe('2028-02-29');
    expect(daysBetween('2026-12-01', '2026-12-01')).toBe(1);
    expect(daysBetween('2026-01-01', '2026-12-31')).toBe(365);
    expect(daysBetween('2026-12-02', '2026-12-01')).toBe(0);
    expect(eachDay('2026-12-30', '2027-01-02')).toEqual([
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
    ]);
  });

  it('knows IANA zones and nothing else', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});
