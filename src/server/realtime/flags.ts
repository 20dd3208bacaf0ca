import type { Principal } from '../access/principal.js';

/** Keys of the bus's self-clearing flags (Bus.setFlag), which every node reads. */
export const flagKeys = {
  /**
   * The abuse penalty (S12, S21) is kept against the credential that abused, not the user: a link guest
   * who floods must not lock out the patient signed in elsewhere.
   */
  abuse(p: Principal): string[] {
    if (p.session) return [`abuse:s:${p.session.idHash}`];
    if (p.grant) return [`abuse:g:${p.grant.id}`];
    return [];
  },
} as const;
