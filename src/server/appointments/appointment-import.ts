import { CsvError, parse } from 'csv-parse/sync';
import { z } from 'zod';
import type { ImportPreview, ImportRowError, ImportRowWarning } from '../../protocol/api.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { Broadcaster } from '../realtime/broadcaster.js';
import type { Store } from '../store.js';
import { type AppointmentRow, MAX_LENGTH_MINUTES, overlaps } from './appointments-repo.js';
import { accountsByEmail, patientsOfHospital } from './patients-of-hospital.js';

/** One import is at most this many appointments: a day's or a month's schedule of a large clinic. */
export const MAX_IMPORT_ROWS = 5_000;
export const IMPORT_COLUMNS = ['doctor_email', 'patient_email', 'start', 'length_minutes', 'reason'] as const;
const REQUIRED_COLUMNS = ['doctor_email', 'patient_email', 'start', 'length_minutes'] as const;
type Column = (typeof IMPORT_COLUMNS)[number];

/** Rows are numbered as a spreadsheet shows them: the header is row 1, the first appointment row 2. */
export type RowError = ImportRowError;
export type RowWarning = ImportRowWarning;
export type { ImportPreview };

interface GoodRow {
  row: number;
  doctorId: string;
  patientId: string;
  scheduledAt: number;
  lengthMinutes: number;
  reason: string;
}

const isoWithZone = z.iso.datetime({ offset: true, local: false });
const email = z.email();
const lengthSchema = z.coerce.number().int().min(5).max(MAX_LENGTH_MINUTES);

function parseCsv(text: string): string[][] {
  try {
    return parse(text, {
      bom: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
    }) as string[][];
  } catch (err) {
    if (err instanceof CsvError) {
      const row = (err as CsvError & { records?: number }).records ?? 0;
      throw new AppError('import_invalid', {
        details: { errors: [{ row: row + 1, column: null, message: `Not readable as CSV: ${err.message}` }] },
      });
    }
    throw err;
  }
}

/**
 * A CSV of appointments, checked whole before anything is written: every row's errors (row, column,
 * message) and warnings (past, overlapping) are reported together, and an import writes every row in one
 * transaction or none.
 */
export class AppointmentImport {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** Tells the hospital's dashboards (S28). */
    private readonly dashboards: Pick<Broadcaster, 'appointmentsChanged'> | null = null,
  ) {}

  async preview(hospitalId: string, csv: string): Promise<ImportPreview> {
    const checked = await this.check(hospitalId, csv);
    return {
      rows: checked.rows,
      maxRows: MAX_IMPORT_ROWS,
      errors: checked.errors,
      warnings: checked.warnings,
    };
  }

  async import(
    actorId: string,
    hospitalId: string,
    csv: string,
    confirm: boolean,
  ): Promise<{ imported: number }> {
    const { errors, warnings, good } = await this.check(hospitalId, csv);
    if (errors.length > 0) {
      const rows = [...new Set(errors.map((e) => e.row))];
      throw new AppError('import_invalid', {
        message: `Nothing was imported: ${rows.length === 1 ? 'row' : 'rows'} ${rows.slice(0, 20).join(', ')}${rows.length > 20 ? ', …' : ''} ${rows.length === 1 ? 'is' : 'are'} wrong.`,
        details: { errors },
      });
    }
    if (warnings.length > 0 && !confirm) {
      throw new AppError('appointment_needs_confirmation', {
        message:
          "Some rows are in the past or overlap a doctor's other appointments: import again with confirm.",
        details: { warnings },
      });
    }
    const rows: AppointmentRow[] = good.map((g) =>
      this.store.appointments.newRow({
        hospitalId,
        doctorId: g.doctorId,
        patientId: g.patientId,
        scheduledAt: g.scheduledAt,
        lengthMinutes: g.lengthMinutes,
        reason: g.reason,
      }),
    );
    await this.store.db.kysely.transaction().execute(async (trx) => {
      await this.store.appointments.insertMany(rows, trx);
      await this.store.audit.record(
        {
          actorId,
          action: 'appointment.import',
          hospitalId,
          target: `hospital:${hospitalId}`,
          outcome: 'ok',
          detail: { hospitalId, count: rows.length, confirmed: confirm, warnings: warnings.length },
        },
        trx,
      );
    });
    await this.dashboards?.appointmentsChanged(hospitalId);
    return { imported: rows.length };
  }

  private async check(
    hospitalId: string,
    csv: string,
  ): Promise<{ rows: number; errors: RowError[]; warnings: RowWarning[]; good: GoodRow[] }> {
    const records = parseCsv(csv);
    const [header, ...body] = records;
    if (!header) {
      throw new AppError('import_invalid', {
        details: { errors: [{ row: 1, column: null, message: 'The file is empty: it needs a header row.' }] },
      });
    }
    if (body.length > MAX_IMPORT_ROWS) {
      throw new AppError('import_too_large', {
        message: `The file has ${body.length} appointment rows; one import takes at most ${MAX_IMPORT_ROWS}. Split it into several files.`,
        details: { rows: body.length, maxRows: MAX_IMPORT_ROWS },
      });
    }
    const errors: RowError[] = [];
    const names = header.map((h) => h.toLowerCase());
    const index = new Map<Column, number>();
    names.forEach((name, i) => {
      if (!(IMPORT_COLUMNS as readonly string[]).includes(name)) {
        errors.push({
          row: 1,
          column: null,
          message: `Unknown column "${name}": the columns are ${IMPORT_COLUMNS.join(', ')}.`,
        });
      } else if (index.has(name as Column)) {
        errors.push({ row: 1, column: name as Column, message: `Column "${name}" appears twice.` });
      } else {
        index.set(name as Column, i);
      }
    });
    for (const c of REQUIRED_COLUMNS) {
      if (!index.has(c)) errors.push({ row: 1, column: c, message: `Column "${c}" is missing.` });
    }
    if (errors.length > 0) return { rows: body.length, errors, warnings: [], good: [] };

    const cell = (r: string[], c: Column) => {
      const i = index.get(c);
      return i === undefined ? '' : (r[i] ?? '');
    };
    const emails = body
      .flatMap((r) => [cell(r, 'doctor_email'), cell(r, 'patient_email')])
      .map((e) => e.toLowerCase());
    const people = await accountsByEmail(this.store.db.kysely, emails);
    const patientIds = [...people.values()].filter((u) => u.role === 'patient').map((u) => u.id);
    const ofHospital = await patientsOfHospital(this.store.db.kysely, patientIds, hospitalId);

    const good: GoodRow[] = [];
    body.forEach((r, i) => {
      const row = i + 2;
      const rowErrors: RowError[] = [];
      const fail = (column: Column | null, message: string) => rowErrors.push({ row, column, message });
      if (r.length !== header.length) fail(null, `Expected ${header.length} fields, found ${r.length}.`);
      const doctorEmail = cell(r, 'doctor_email').toLowerCase();
      const doctor = people.get(doctorEmail);
      if (!email.safeParse(doctorEmail).success)
        fail('doctor_email', `"${doctorEmail}" is not an email address.`);
      else if (!doctor) fail('doctor_email', `No account has the email ${doctorEmail}.`);
      else if (doctor.role !== 'doctor' || doctor.hospital_id !== hospitalId || doctor.disabled_at !== null)
        fail('doctor_email', `${doctorEmail} is not a doctor of this hospital.`);
      const patientEmail = cell(r, 'patient_email').toLowerCase();
      const patient = people.get(patientEmail);
      if (!email.safeParse(patientEmail).success)
        fail('patient_email', `"${patientEmail}" is not an email address.`);
      else if (!patient) fail('patient_email', `No account has the email ${patientEmail}.`);
      else if (patient.role !== 'patient' || patient.disabled_at !== null || !ofHospital.has(patient.id))
        fail('patient_email', `${patientEmail} is not a patient of this hospital.`);
      const start = cell(r, 'start');
      const at = isoWithZone.safeParse(start).success ? Date.parse(start) : Number.NaN;
      if (Number.isNaN(at))
        fail('start', `"${start}" is not a date-time with a time zone, e.g. 2026-12-04T09:30:00+01:00.`);
      const length = lengthSchema.safeParse(cell(r, 'length_minutes') || undefined);
      if (!length.success)
        fail('length_minutes', `Must be a whole number of minutes from 5 to ${MAX_LENGTH_MINUTES}.`);
      const reason = cell(r, 'reason');
      if (reason.length > 500) fail('reason', 'At most 500 characters.');
      if (rowErrors.length > 0 || !doctor || !patient || !length.success) {
        errors.push(...rowErrors);
        return;
      }
      good.push({
        row,
        doctorId: doctor.id,
        patientId: patient.id,
        scheduledAt: at,
        lengthMinutes: length.data,
        reason,
      });
    });
    return { rows: body.length, errors, warnings: await this.warnings(good), good };
  }

  private async warnings(good: GoodRow[]): Promise<RowWarning[]> {
    const warnings: RowWarning[] = [];
    if (good.length === 0) return warnings;
    const now = this.clock.now();
    const from = Math.min(...good.map((g) => g.scheduledAt));
    const to = Math.max(...good.map((g) => g.scheduledAt + g.lengthMinutes * 60_000));
    const existing = await this.store.appointments.doctorsBetween(
      good.map((g) => g.doctorId),
      from,
      to,
    );
    const byDoctor = new Map<
      string,
      Array<{ row?: number; id?: string; scheduled_at: number; length_minutes: number | null }>
    >();
    for (const a of existing) {
      const list = byDoctor.get(a.doctor_id) ?? [];
      list.push({ id: a.id, scheduled_at: a.scheduled_at, length_minutes: a.length_minutes });
      byDoctor.set(a.doctor_id, list);
    }
    for (const g of good) {
      if (g.scheduledAt < now)
        warnings.push({ row: g.row, code: 'in_past', message: 'The start is in the past.' });
      const end = g.scheduledAt + g.lengthMinutes * 60_000;
      const list = byDoctor.get(g.doctorId) ?? [];
      const other = list.find((o) => overlaps(o, g.scheduledAt, end));
      if (other?.id) {
        warnings.push({
          row: g.row,
          code: 'overlaps',
          message: "Overlaps another of the doctor's appointments.",
          appointmentId: other.id,
        });
      } else if (other?.row !== undefined) {
        warnings.push({
          row: g.row,
          code: 'overlaps',
          message: `Overlaps row ${other.row} for the same doctor.`,
          otherRow: other.row,
        });
      }
      list.push({ row: g.row, scheduled_at: g.scheduledAt, length_minutes: g.lengthMinutes });
      byDoctor.set(g.doctorId, list);
    }
    return warnings;
  }
}
