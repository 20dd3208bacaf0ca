import { PeopleRepo } from './accounts/people-repo.js';
import { SessionsRepo } from './accounts/sessions-repo.js';
import { UsersRepo } from './accounts/users-repo.js';
import { AppointmentsRepo } from './appointments/appointments-repo.js';
import { AuditRepo } from './audit/audit-repo.js';
import { CallLinksRepo } from './calls/call-links-repo.js';
import { CallSessionsRepo } from './calls/call-sessions-repo.js';
import { ChatRepo } from './chat/chat-repo.js';
import type { Clock } from './clock.js';
import type { Db } from './db/database.js';
import { PolicyRepo } from './policy/policy-repo.js';
import { QualityRepo } from './quality/quality-repo.js';
import { RecordingsRepo } from './recordings/recordings-repo.js';

/** Every repository over one database; the same code serves SQLite and PostgreSQL. */
export interface Store {
  readonly db: Db;
  readonly users: UsersRepo;
  readonly sessions: SessionsRepo;
  readonly people: PeopleRepo;
  readonly appointments: AppointmentsRepo;
  readonly callSessions: CallSessionsRepo;
  readonly callLinks: CallLinksRepo;
  readonly chat: ChatRepo;
  readonly audit: AuditRepo;
  readonly policies: PolicyRepo;
  readonly recordings: RecordingsRepo;
  readonly quality: QualityRepo;
}

export function createStore(db: Db, clock: Clock): Store {
  const k = db.kysely;
  return {
    db,
    users: new UsersRepo(k, clock),
    sessions: new SessionsRepo(k, clock),
    people: new PeopleRepo(k, clock),
    appointments: new AppointmentsRepo(k, clock),
    callSessions: new CallSessionsRepo(k),
    callLinks: new CallLinksRepo(k),
    chat: new ChatRepo(k, clock),
    audit: new AuditRepo(k, clock, db.kind),
    policies: new PolicyRepo(k),
    recordings: new RecordingsRepo(k),
    quality: new QualityRepo(k, clock),
  };
}
