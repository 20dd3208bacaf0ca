const APPOINTMENT_PATH = /^\/appointments\/([^/]+)(?:\/call)?\/?$/;

/** The appointment id in `/appointments/:id` or `/appointments/:id/call`. */
export function appointmentIdFromPath(pathname: string): string | null {
  const match = APPOINTMENT_PATH.exec(pathname);
  const raw = match?.[1];
  if (!raw) return null;
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

export function appointmentPath(id: string): string {
  return `/appointments/${encodeURIComponent(id)}`;
}

export function callPath(id: string): string {
  return `${appointmentPath(id)}/call`;
}
