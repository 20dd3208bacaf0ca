import type { Migration } from 'kysely';
import * as m0001 from './0001_initial.js';

/** Listed here rather than read from disk so the bundle and the tests see the same set. */
export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
};
