import { describe, expect, it } from 'vitest';
import { invitationView } from './call-invitation.js';

const info = {
  role: 'patient' as const,
  hospitalName: 'Riverside Clinic',
  doctorName: 'Dr. Ada Lovelace',
  scheduledAt: Date.UTC(2026, 11, 3, 14, 30),
};

describe('invitationView', () => {
  it('names the clinic and the doctor, and writes the time out in full in the reader’s zone', () => {
    expect(invitationView(info, 'en-GB', 'Europe/London')).toEqual({
      clinic: 'Riverside Clinic',
      doctor: 'Dr. Ada Lovelace',
      when: 'Thursday, 3 December 2026 at 14:30',
      whenIso: '2026-12-03T14:30:00.000Z',
    });
  });

  it('shows the patient’s own local time, not the server’s', () => {
    expect(invitationView(info, 'en-US', 'America/New_York').when).toBe(
      'Thursday, December 3, 2026 at 9:30 AM',
    );
    expect(invitationView(info, 'en-GB', 'Asia/Tokyo').when).toBe('Thursday, 3 December 2026 at 23:30');
  });
});
