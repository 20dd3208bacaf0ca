import { describe, expect, it } from 'vitest';
import type { CallSessionView } from '../../../protocol/dashboard.js';
import { callHistoryItems } from './call-history.js';

const T = Date.parse('2026-12-04T14:30:00Z');

function session(id: string, overrides: Partial<CallSessionView> = {}): CallSessionView {
  return {
    id,
    startedAt: T,
    connectedAt: T + 5_000,
    endedAt: T + 5_000 + 724_000,
    durationSeconds: 724,
    doctorJoinedAt: T,
    patientJoinedAt: T + 5_000,
    endReason: 'hung_up',
    ...overrides,
  };
}

describe('callHistoryItems', () => {
  it('lists every call, latest first, with its length, end time and why it ended', () => {
    const items = callHistoryItems(
      [
        session('first'),
        session('second', {
          startedAt: T + 3_600_000,
          connectedAt: null,
          endedAt: T + 3_660_000,
          durationSeconds: null,
          endReason: 'timed_out',
        }),
        session('third', { startedAt: T + 7_200_000, endedAt: null, durationSeconds: null, endReason: null }),
      ],
      { locale: 'en-GB', timeZone: 'UTC' },
    );
    expect(items.map((i) => [i.id, i.summary])).toEqual([
      ['third', 'In progress'],
      ['second', 'Did not connect, ended 15:31 (nobody was connected)'],
      ['first', 'Lasted 12 min 4 s, ended 14:42 (the doctor ended it)'],
    ]);
    expect(items[2]?.isoStarted).toBe('2026-12-04T14:30:00.000Z');
    expect(items[2]?.started).toMatch(/4 Dec 2026/);
  });

  it('says a started call nobody joined yet is not connected', () => {
    expect(
      callHistoryItems([
        session('a', { connectedAt: null, endedAt: null, durationSeconds: null, endReason: null }),
      ])[0]?.summary,
    ).toBe('Started, not connected yet');
  });
});
