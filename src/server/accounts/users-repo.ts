import type { Kysely, Selectable } from 'kysely';
import type { UserView } from '../../protocol/api.js';
import type { Role } from '../../protocol/call-status.js';
import type { Clock } from '../clock.js';
import type { Database, HospitalTable, UserTable } from '../db/schema.js';
import { newId } from '../ids.js';

export type UserRow = Selectable<UserTable>;
export type HospitalRow = Selectable<HospitalTable>;

export interface NewUser {
  email: string;
  passwordHash: string;
  role: Role;
  displayName: string;
  hospitalId: string | null;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function toUserView(u: UserRow): UserView {
  return { id: u.id, email: u.email, displayName: u.display_name, role: u.role, hospitalId: u.hospital_id };
}

export class UsersRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async createHospital(name: string): Promise<HospitalRow> {
    const row = { id: newId(), name, created_at: this.clock.now() };
    await this.db.insertInto('hospitals').values(row).execute();
    return row;
  }

  findHospital(id: string): Promise<HospitalRow | undefined> {
    return this.db.selectFrom('hospitals').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findHospitalByName(name: string): Promise<HospitalRow | undefined> {
    return this.db.selectFrom('hospitals').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async create(input: NewUser, db: Kysely<Database> = this.db): Promise<UserRow> {
    if (input.role !== 'patient' && !input.hospitalId)
      throw new Error(`a ${input.role} must belong to a hospital`);
    const row: UserRow = {
      id: newId(),
      email: normaliseEmail(input.email),
      password_hash: input.passwordHash,
      role: input.role,
      display_name: input.displayName,
      hospital_id: input.role === 'patient' ? null : input.hospitalId,
      created_at: this.clock.now(),
      disabled_at: null,
    };
    await db.insertInto('users').values(row).execute();
    return row;
  }

  findByEmail(email: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', normaliseEmail(email))
      .executeTakeFirst();
  }

  findById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async setPassword(id: string, passwordHash: string, db: Kysely<Database> = this.db): Promise<void> {
    await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();
  }

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }
}
