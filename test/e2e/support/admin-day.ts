import type { Page } from '@playwright/test';
import { expect } from './fixtures.js';

const MINUTE = 60_000;

/**
 * Books appointments for the demo doctor and patient through the admin's API, `minutesFromNow` each (a past
 * time is confirmed), and cancels those whose index is in `cancel`: a day with something in each section
 * of the admin's dashboard. The page must be signed in as the demo admin. Returns the new ids.
 */
export async function bookAdminDay(
  admin: Page,
  minutesFromNow: readonly number[],
  cancel: readonly number[] = [],
): Promise<string[]> {
  const session = (await (await admin.request.get('/api/session')).json()) as {
    csrfToken: string;
    user: { hospitalId: string };
  };
  const headers = { 'x-csrf-token': session.csrfToken };
  const list = (await (await admin.request.get('/api/appointments')).json()) as {
    appointments: { doctor: { id: string }; patient: { id: string } }[];
  };
  const first = list.appointments[0];
  if (!first) throw new Error('the demo has no appointment to take its doctor and patient from');
  const ids: string[] = [];
  for (const minutes of minutesFromNow) {
    const created = await admin.request.post(`/api/hospitals/${session.user.hospitalId}/appointments`, {
      headers,
      data: {
        doctorId: first.doctor.id,
        patientId: first.patient.id,
        scheduledAt: Date.now() + minutes * MINUTE,
        lengthMinutes: 20,
        reason: 'Follow-up',
        confirm: true,
      },
    });
    expect(created.status(), 'POST appointments').toBe(201);
    ids.push(((await created.json()) as { appointment: { id: string } }).appointment.id);
  }
  for (const index of cancel) {
    const cancelled = await admin.request.post(`/api/appointments/${ids[index]}/cancel`, {
      headers,
      data: {},
    });
    expect(cancelled.status(), 'POST cancel').toBe(200);
  }
  return ids;
}

/** The patient page checks in to the appointment and stays in the waiting room. */
export async function checkIn(patient: Page, appointmentId: string): Promise<void> {
  await patient.goto(`/appointments/${appointmentId}`);
  await patient.getByRole('link', { name: 'Check in', exact: true }).click();
  await expect(patient.getByText('The doctor will be with you shortly', { exact: true })).toBeVisible();
}
