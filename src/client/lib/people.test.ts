import { describe, expect, it } from 'vitest';
import { adminUser, appointment, doctorUser, patientUser } from '../testing/fixtures.js';
import { appointmentTitle, otherParty } from './people.js';

describe('otherParty', () => {
  it('names the patient to the doctor, the doctor to the patient, and both to an admin', () => {
    const view = appointment();
    expect(otherParty(view, doctorUser)).toBe('Pat');
    expect(otherParty(view, patientUser)).toBe('Dr. Ada');
    expect(otherParty(view, adminUser)).toBe('Dr. Ada with Pat');
    expect(appointmentTitle(view, patientUser)).toBe('Appointment with Dr. Ada');
    expect(appointmentTitle(view, adminUser)).toBe('Appointment: Dr. Ada with Pat');
  });
});
