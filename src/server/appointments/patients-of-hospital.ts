import type { Kysely, Selectable } from 'kysely';
import { patientOfHospital } from '../accounts/people-repo.js';
import { normaliseEmail } from '../accounts/users-repo.js';
import type { Database, UserTable } from '../db/schema.js';

/** Whether a patient is a patient of the hospital (the rule: `patientOfHospital` in people-repo.ts). */
export async function isPatientOfHospital(
  db: Kysely<Database>,
  patientId: string,
  hospitalId: string,
): Promise<boolean> {
  return (await patientsOfHospital(db, [patientId], hospitalId)).has(patientId);
}

/** Of these patients, those of the hospital (one query per 500 ids, for imports). */
export async function patientsOfHospital(
  db: Kysely<Database>,
  patientIds: readonly string[],
  hospitalId: string,
): Promise<Set<string>> {
  const found = new Set<string>();
  const unique = [...new Set(patientIds)];
  for (let i = 0; i < unique.length; i += 500) {
    const ids = unique.slice(i, i + 500);
    const rows = await db
      .selectFrom('users as u')
      .select('u.id')
      .where('u.id', 'in', ids)
      .where((eb) => patientOfHospital(eb, hospitalId))
      .execute();
    for (const r of rows) found.add(r.id);
  }
  return found;
}

/**
 * Accounts by email (normalised as sign-in does), a few hundred per query: an import's lookups. Kept here,
 * beside the other question an import asks about people, rather than in the accounts repository.
 */
export async function accountsByEmail(
  db: Kysely<Database>,
  emails: readonly string[],
): Promise<Map<string, Selectable<UserTable>>> {
  const found = new Map<string, Selectable<UserTable>>();
  const unique = [...new Set(emails.map(normaliseEmail))].filter((e) => e.length > 0);
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await db
      .selectFrom('users')
      .selectAll()
      .where('email', 'in', unique.slice(i, i + 500))
      .execute();
    for (const r of rows) found.set(r.email, r);
  }
  return found;
}
