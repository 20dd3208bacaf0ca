import type { Migration } from 'kysely';
import * as m0001 from './0001_initial.js';
import * as m0002 from './0002_call_links.js';
import * as m0003 from './0003_appointment_indexes.js';
import * as m0004 from './0004_grant_sessions.js';
import * as m0005 from './0005_people.js';
import * as m0006 from './0006_appointments_policy.js';
import * as m0007 from './0007_recordings.js';
import * as m0008 from './0008_audit_chain.js';
import * as m0009 from './0009_call_quality.js';

/** Listed here rather than read from disk so the bundle and the tests see the same set. */
export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_call_links': m0002,
  '0003_appointment_indexes': m0003,
  '0004_grant_sessions': m0004,
  '0005_people': m0005,
  '0006_appointments_policy': m0006,
  '0007_recordings': m0007,
  '0008_audit_chain': m0008,
  '0009_call_quality': m0009,
};
