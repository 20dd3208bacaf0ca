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
