/** Bumped whenever a message changes shape in a way an older peer cannot read. */
export const PROTOCOL_VERSION = 1;
