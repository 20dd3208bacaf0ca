import { describe, expect, it } from 'vitest';
import type { AppointmentRecordings, RecordingView } from '../../../protocol/recording.js';
import { formatBytes, recordingsSection } from './recordings.js';

const view = (patch: Partial<RecordingView>): RecordingView => ({
  id: 'rec-1',
  appointmentId: 'apt-1',
  callSessionId: 'call-1',
  state: 'finished',
  stopReason: 'doctor',
  patientConsent: 'allowed',
  terms: { retentionDays: 90, patientMaySee: false, onWithdraw: 'keep' },
  requestedAt: Date.UTC(2026, 11, 4, 10, 0),
  startedAt: Date.UTC(2026, 11, 4, 10, 0, 5),
  stoppedAt: Date.UTC(2026, 11, 4, 10, 0, 25),
  elapsedMs: 20_400,
  segments: 2,
  ...patch,
});

const format = { locale: 'en-GB', timeZone: 'UTC' };

describe('the appointment page recordings (S29)', () => {
  it('a saved recording lists its parts with a player, a download and how long it is kept', () => {
    const data: AppointmentRecordings = {
      canPlay: true,
      recordings: [
        {
          recording: view({}),
          expiresAt: Date.UTC(2027, 2, 4, 10, 0),
          files: [0, 1].map((segment) => ({
            segment,
            bytes: 1_550_000,
            durationMs: 10_200,
            sha256: 'a'.repeat(64),
            url: `/api/recordings/rec-1/segments/${segment}`,
            downloadUrl: `/api/recordings/rec-1/segments/${segment}/download`,
          })),
        },
      ],
      events: [
        {
          id: 'e1',
          recordingId: 'rec-1',
          at: Date.UTC(2026, 11, 4, 10, 0),
          actor: { userId: 'd', displayName: 'Dr. Ada Demo', role: 'doctor' },
          kind: 'requested',
          detail: null,
        },
        {
          id: 'e2',
          recordingId: 'rec-1',
          at: Date.UTC(2026, 11, 4, 10, 0, 5),
          actor: { userId: 'p', displayName: 'Pat Patient', role: 'patient' },
          kind: 'consented',
          detail: null,
        },
        {
          id: 'e3',
          recordingId: 'rec-1',
          at: Date.UTC(2026, 11, 4, 10, 0, 25),
          actor: { userId: 'd', displayName: 'Dr. Ada Demo', role: 'doctor' },
          kind: 'stopped',
          detail: 'doctor',
        },
      ],
    };
    const section = recordingsSection(data, format);
    expect(section.saving).toBe(false);
    expect(section.items[0]?.status).toBe('Saved: 0:20, 3.1 MB');
    expect(section.items[0]?.keptUntil).toMatch(/^Kept until 4 Mar 2027.*then deleted$/);
    expect(section.items[0]?.files.map((f) => [f.label, f.figures, f.downloadUrl])).toEqual([
      ['Part 1 of 2', '0:10, 1.6 MB', '/api/recordings/rec-1/segments/0/download'],
      ['Part 2 of 2', '0:10, 1.6 MB', '/api/recordings/rec-1/segments/1/download'],
    ]);
    expect(section.events.map((e) => e.words)).toEqual([
      'Recording stopped: the doctor stopped it (Dr. Ada Demo)',
      'Pat Patient allowed recording',
      'Dr. Ada Demo asked to record the call',
    ]);
  });

  it('a recording being saved asks for another read; declined and withdrawn ones say what happened', () => {
    const section = recordingsSection(
      {
        canPlay: false,
        recordings: [
          {
            recording: view({ id: 'a', state: 'stopped', stopReason: 'call_ended' }),
            files: [],
            expiresAt: null,
          },
          { recording: view({ id: 'b', state: 'declined', stopReason: null }), files: [], expiresAt: null },
          {
            recording: view({ id: 'c', state: 'discarded', stopReason: 'withdrawn' }),
            files: [],
            expiresAt: null,
          },
        ],
        events: [],
      },
      format,
    );
    expect(section.saving).toBe(true);
    expect(section.items.map((i) => i.status)).toEqual([
      'Being saved…',
      'Declined by the patient: nothing was recorded',
      'Deleted: the patient withdrew consent',
    ]);
  });

  it('sizes read like a file manager', () => {
    expect([999, 1000, 820_400, 3_100_000, 1_234_000_000].map(formatBytes)).toEqual([
      '999 B',
      '1.0 KB',
      '820 KB',
      '3.1 MB',
      '1.2 GB',
    ]);
  });
});
