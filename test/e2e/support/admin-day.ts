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

const pad = (n: number) => String(n).padStart(2, '0');

/** YYYY-MM-DD of the day `days` from today, in the browser's (and this machine's) time zone. */
export function localDay(days: number): string {
  const d = new Date();
  d.setDate(d.getDate() + days);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** HH:MM now, in this machine's time zone (the form's minute). */
export function localTime(): string {
  const d = new Date();
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The epoch time of a local day and HH:MM. */
export const instant = (day: string, time: string) => new Date(`${day}T${time}:00`).getTime();

export interface NewAppointment {
  /** The doctor's name as the form lists it. */
  doctor: string;
  /** What to type in the patient search, and the choice it then offers (`Name · email`). */
  patientQuery: string;
  patient: string;
  day: string;
  time: string;
  lengthMinutes?: number;
  reason: string;
}

/** Fills the admin's New appointment form on the appointments page and presses Create appointment. */
export async function fillNewAppointment(admin: Page, a: NewAppointment): Promise<void> {
  await admin.getByRole('button', { name: 'New appointment', exact: true }).click();
  const form = admin.getByRole('region', { name: 'New appointment' });
  await expect(form).toBeVisible();
  await form.getByLabel('Doctor', { exact: true }).selectOption({ label: a.doctor });
  await form.getByLabel('Find the patient (name or email)').fill(a.patientQuery);
  const patient = form.getByLabel('Patient', { exact: true });
  await expect(patient.locator('option', { hasText: a.patient })).toHaveCount(1);
  await patient.selectOption({ label: a.patient });
  await form.getByLabel('Day', { exact: true }).fill(a.day);
  await form.getByLabel('Time', { exact: true }).fill(a.time);
  await form.getByLabel('Length in minutes').fill(String(a.lengthMinutes ?? 30));
  await form.getByLabel('Reason (optional)').fill(a.reason);
  await form.getByRole('button', { name: 'Create appointment', exact: true }).click();
}
