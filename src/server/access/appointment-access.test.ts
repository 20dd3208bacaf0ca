import { describe, expect, it } from 'vitest';
import type { AppointmentRow } from '../appointments/appointments-repo.js';
import { authorize, permissionsFor, ROLE_REFUSALS } from './appointment-access.js';
import type { Grant, Principal } from './principal.js';

const appointment = {
  id: 'a1',
  hospital_id: 'h1',
  doctor_id: 'd1',
  patient_id: 'p1',
  video_call_status: 'waiting',
} as AppointmentRow;

function signedIn(id: string, role: 'doctor' | 'patient' | 'admin', hospital: string | null): Principal {
  const user = { id, role, hospital_id: hospital } as Principal['user'];
  return { session: { idHash: `s-${id}`, csrfToken: 'c', expiresAt: 1, user }, grant: null, user };
}

function linkGuest(grant: Pick<Grant, 'appointmentId' | 'role'>): Principal {
  const user = { id: 'p1', role: 'patient', hospital_id: null } as Principal['user'];
  return { session: null, grant: { ...grant, id: 'g1' } as Grant, user };
}

describe('authorize: who may act on an appointment', () => {
  it('lets its doctor and patient take part, with their role and the row they were checked on', () => {
    expect(authorize(signedIn('d1', 'doctor', 'h1'), appointment, 'take-part')).toEqual({
      kind: 'party',
      appointment,
      role: 'doctor',
    });
    expect(authorize(signedIn('p1', 'patient', null), appointment, 'view')).toMatchObject({
      role: 'patient',
    });
  });

  it("lets the hospital's admins view but not take part", () => {
    const admin = signedIn('x1', 'admin', 'h1');
    expect(authorize(admin, appointment, 'view')).toEqual({ kind: 'viewer', appointment, role: null });
    expect(() => authorize(admin, appointment, 'take-part')).toThrow(
      expect.objectContaining({ code: 'wrong_role', message: ROLE_REFUSALS.adminTakesNoPart }),
    );
  });

  it('refuses everyone else, and an appointment that is not there', () => {
    for (const p of [signedIn('d2', 'doctor', 'h1'), signedIn('x2', 'admin', 'h2')]) {
      expect(() => authorize(p, appointment, 'view')).toThrow(expect.objectContaining({ code: 'not_party' }));
    }
    expect(() => authorize(signedIn('d1', 'doctor', 'h1'), undefined, 'view')).toThrow(
      expect.objectContaining({ code: 'not_found' }),
    );
  });

  it("makes a link guest the party of its call cookie's appointment and of nothing else (S16)", () => {
    expect(
      authorize(linkGuest({ appointmentId: 'a1', role: 'patient' }), appointment, 'take-part').role,
    ).toBe('patient');
    expect(() => authorize(linkGuest({ appointmentId: 'a2', role: 'patient' }), appointment, 'view')).toThrow(
      expect.objectContaining({ code: 'not_party' }),
    );
    const closed: Principal = { ...linkGuest({ appointmentId: 'a1', role: 'patient' }), grant: null };
    expect(() => authorize(closed, appointment, 'view')).toThrow(
      expect.objectContaining({ code: 'not_party' }),
    );
  });

  it('gives the page what the checked role may do', () => {
    const party = authorize(signedIn('p1', 'patient', null), appointment, 'take-part');
    expect(permissionsFor(party)).toEqual({ canStart: false, canJoin: true, canEnd: false, canChat: true });
    const doctor = authorize(signedIn('d1', 'doctor', 'h1'), appointment, 'take-part');
    expect(permissionsFor(doctor)).toEqual({ canStart: false, canJoin: false, canEnd: true, canChat: true });
  });
});
