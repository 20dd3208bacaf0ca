import type { Selectable } from 'kysely';
import type { PartyRole } from '../../protocol/call-status.js';
import type { UserTable } from '../db/schema.js';

/** A live sign-in session, as its cookie's lookup returns it (accounts/sessions-repo.ts). */
export interface SessionInfo {
  idHash: string;
  csrfToken: string;
  expiresAt: number;
  user: Selectable<UserTable>;
}

/** What a call cookie entitles its browser to: one role in one call session of one appointment. */
export interface Grant {
  id: string;
  appointmentId: string;
  callSessionId: string;
  role: PartyRole;
  userId: string;
  displayName: string;
  csrfToken: string;
  expiresAt: number;
}

/** Who is on a request or connection: a signed-in user, someone holding a call cookie, or both (one person). */
export interface Principal {
  session: SessionInfo | null;
  grant: Grant | null;
  /** The signed-in user, or the party a call cookie stands for (with the name they confirmed). */
  user: Selectable<UserTable>;
}

/** A signed-in user acting without a call cookie (the routes only a session opens). */
export function sessionPrincipal(session: SessionInfo): Principal {
  return { session, grant: null, user: session.user };
}
