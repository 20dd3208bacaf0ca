import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The audit action a refusal of this route is recorded under (docs/security.md). */
    audit?: string;
  }
}

/** The appointment a request is about, from its path or its query, if it names one. */
export function appointmentIdOf(req: FastifyRequest): string | null {
  const params = req.params as { id?: unknown } | undefined;
  const query = req.query as { appointmentId?: unknown } | undefined;
  const id = req.routeOptions.url?.startsWith('/api/appointments/:id') ? params?.id : query?.appointmentId;
  return typeof id === 'string' && id.length <= 64 ? id : null;
}

/**
 * The hospital a refused admin route named (`/api/hospitals/:hospitalId/…`), so its admins see who was
 * refused there; the audit repository keeps it only if such a hospital exists.
 */
export function hospitalIdOf(req: FastifyRequest): { routeHospitalId?: string } {
  const params = req.params as { hospitalId?: unknown } | undefined;
  const id = params?.hospitalId;
  return typeof id === 'string' && id.length > 0 && id.length <= 64 ? { routeHospitalId: id } : {};
}
