import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CHUNK_SHA256_HEADER, MAX_CHUNK_BYTES } from '../../protocol/recording.js';
import { recordingViewSchema } from '../../protocol/server-messages.js';
import { authorize, type PartyAccess, type ViewerAccess, wrongRole } from '../access/appointment-access.js';
import type { Principal } from '../access/principal.js';
import type { AppContext } from '../context.js';
import { AppError, errorBody } from '../errors.js';
import { documented, routeDocs } from '../http/openapi.js';
import { requireParty, requirePrincipal } from '../http/principal.js';
import { parseWith } from '../http/validation.js';
import type { RecordingRow } from './recordings-repo.js';

const doc = routeDocs('recordings');

const appointmentParams = z.object({ id: z.string().min(1).max(64) });
const recordingParams = z.object({ recordingId: z.string().min(1).max(64) });
const segmentNumber = z.coerce.number().int().min(0).max(999);
const segmentParams = recordingParams.extend({ segment: segmentNumber });
const chunkParams = segmentParams.extend({ seq: z.coerce.number().int().min(0).max(1_000_000) });
const consentBody = z.object({ answer: z.enum(['allow', 'decline']) }).strict();
const stopBody = z
  .object({
    segments: z
      .array(z.object({ segment: segmentNumber, chunks: z.number().int().min(0).max(1_000_000) }).strict())
      .max(1000)
      .refine((s) => new Set(s.map((x) => x.segment)).size === s.length, 'each segment once'),
  })
  .strict();
const sha256Header = z.string().regex(/^[0-9a-f]{64}$/, 'the lowercase hex SHA-256 of the body');

const receiptSchema = z.object({
  segment: z.number().int(),
  seq: z.number().int(),
  stored: z.boolean(),
  recordingBytes: z.number().int(),
});
const webm = z.string().describe('video/webm: the sealed segment, or the requested byte range of it');

/** `bytes=start-end`, `bytes=start-` or `bytes=-suffix` of a file of `size` bytes; null: not satisfiable. */
export function parseRange(header: string, size: number): { start: number; end: number } | null | 'ignore' {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Several ranges, or units other than bytes: answered whole, as RFC 9110 allows.
  if (!m) return 'ignore';
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return 'ignore';
  if (size === 0) return null;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) return null;
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size || end < start) return null;
  return { start, end };
}

/** Recording with consent (docs/recordings.md, docs/api.md "Recordings", S29). */
export async function recordingRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { store, recordings } = ctx;

  /** The recording and its appointment as the caller may act on it (a party of the appointment). */
  const asParty = async (req: FastifyRequest, recordingId: string) => {
    const principal = await requirePrincipal(req, ctx);
    const r = await recordings.find(recordingId);
    const party = authorize(principal, await store.appointments.get(r.appointment_id), 'take-part');
    return { principal, party, recording: r };
  };

  /** The recording as a viewer may see it: its appointment's parties and its hospital's admins. */
  const asViewer = async (
    req: FastifyRequest,
    recordingId: string,
  ): Promise<{ principal: Principal; access: PartyAccess | ViewerAccess; recording: RecordingRow }> => {
    const principal = await requirePrincipal(req, ctx);
    const r = await recordings.find(recordingId);
    const access = authorize(principal, await store.appointments.get(r.appointment_id), 'view');
    return { principal, access, recording: r };
  };

  app.post(
    '/api/appointments/:id/recordings',
    {
      config: { audit: 'recording.ask' },
      ...documented(
        doc(
          'Ask the patient to record the call in progress: the doctor',
          { params: appointmentParams },
          recordingViewSchema,
          201,
        ),
      ),
    },
    async (req, reply) => {
      const { id } = parseWith(appointmentParams, req.params);
      const party = await requireParty(req, ctx, id);
      if (party.role !== 'doctor') throw wrongRole('onlyDoctorRecords');
      return reply.code(201).send(await recordings.ask(party, party.user.id));
    },
  );

  app.post(
    '/api/recordings/:recordingId/consent',
    {
      config: { audit: 'recording.consent' },
      ...documented(
        doc("The patient's answer", { params: recordingParams, body: consentBody }, recordingViewSchema),
      ),
    },
    async (req) => {
      const { recordingId } = parseWith(recordingParams, req.params);
      const { party, principal, recording } = await asParty(req, recordingId);
      if (party.role !== 'patient') throw wrongRole('onlyPatientConsents');
      const { answer } = parseWith(consentBody, req.body);
      return recordings.answer(recording, principal.user.id, answer);
    },
  );

  app.post(
    '/api/recordings/:recordingId/withdraw',
    {
      config: { audit: 'recording.withdraw' },
      ...documented(doc('The patient withdraws consent', { params: recordingParams }, recordingViewSchema)),
    },
    async (req) => {
      const { recordingId } = parseWith(recordingParams, req.params);
      const { party, principal, recording } = await asParty(req, recordingId);
      if (party.role !== 'patient') throw wrongRole('onlyPatientConsents');
      return recordings.withdraw(recording, principal.user.id);
    },
  );

  app.post(
    '/api/recordings/:recordingId/stop',
    {
      config: { audit: 'recording.stop' },
      ...documented(
        doc(
          "The doctor's Stop, with each segment's number of chunks",
          { params: recordingParams, body: stopBody },
          recordingViewSchema,
        ),
      ),
    },
    async (req) => {
      const { recordingId } = parseWith(recordingParams, req.params);
      const { party, principal, recording } = await asParty(req, recordingId);
      if (party.role !== 'doctor') throw wrongRole('onlyDoctorRecords');
      return recordings.stop(recording, principal.user.id, parseWith(stopBody, req.body));
    },
  );

  // Chunks are raw bytes: their own parser, in a scope of their own, so no other route takes them.
  await app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/octet-stream',
      { parseAs: 'buffer', bodyLimit: MAX_CHUNK_BYTES },
      (_req, body, done) => done(null, body),
    );
    scope.put(
      '/api/recordings/:recordingId/segments/:segment/chunks/:seq',
      {
        bodyLimit: MAX_CHUNK_BYTES,
        config: { audit: 'recording.chunk' },
        ...documented(
          doc(
            `One chunk (application/octet-stream, its SHA-256 in ${CHUNK_SHA256_HEADER}), stored durably before the answer: the doctor`,
            { params: chunkParams },
            receiptSchema,
          ),
        ),
      },
      async (req, reply) => {
        const { recordingId, segment, seq } = parseWith(chunkParams, req.params);
        const { party, recording } = await asParty(req, recordingId);
        if (party.role !== 'doctor') throw wrongRole('onlyDoctorRecords');
        // The whole body has arrived before this runs (a dropped upload never reaches the vault).
        if (!Buffer.isBuffer(req.body)) {
          return reply
            .code(415)
            .send(errorBody('bad_request', 'Send the chunk as application/octet-stream.'));
        }
        if (req.body.length === 0) throw new AppError('bad_request', { message: 'The chunk is empty.' });
        const sha = parseWith(sha256Header, req.headers[CHUNK_SHA256_HEADER]);
        return recordings.putChunk(recording, segment, seq, req.body, sha);
      },
    );
  });

  app.get(
    '/api/appointments/:id/recordings',
    {
      config: { audit: 'recording.list' },
      ...documented(
        doc(
          "The appointment's recordings and consent events: its doctor, its patient, its hospital's admins",
          { params: appointmentParams },
          'AppointmentRecordings (src/protocol/recording.ts)',
        ),
      ),
    },
    async (req) => {
      const { id } = parseWith(appointmentParams, req.params);
      const principal = await requirePrincipal(req, ctx);
      return recordings.list(authorize(principal, await store.appointments.get(id), 'view'));
    },
  );

  const serve = async (req: FastifyRequest, reply: FastifyReply, download: boolean) => {
    const { recordingId, segment } = parseWith(segmentParams, req.params);
    const { principal, access, recording } = await asViewer(req, recordingId);
    if (!recordings.canPlay(access, recording)) {
      throw new AppError('forbidden', { message: 'The hospital does not let patients see this recording.' });
    }
    const { file, read } = await recordings.playable(recording, segment);
    const size = file.bytes;
    const rangeHeader = req.headers.range;
    const range = rangeHeader === undefined ? 'ignore' : parseRange(rangeHeader, size);
    await store.audit.record({
      actorId: principal.user.id,
      action: download ? 'recording.download' : 'recording.play',
      appointmentId: recording.appointment_id,
      target: `recording:${recordingId}`,
      outcome: range === null ? 'denied' : 'ok',
      detail: {
        recordingId,
        segment,
        ...(range !== null && range !== 'ignore' ? { start: range.start, end: range.end } : {}),
      },
    });
    reply
      .header('accept-ranges', 'bytes')
      .header('cache-control', 'private, no-store')
      .header('content-type', 'video/webm');
    if (download) {
      const day = new Date(recording.started_at ?? recording.requested_at).toISOString().slice(0, 10);
      reply.header('content-disposition', `attachment; filename="recording-${day}-${segment}.webm"`);
    }
    if (range === null) {
      return reply
        .code(416)
        .header('content-range', `bytes */${size}`)
        .header('content-type', 'application/json; charset=utf-8')
        .send(errorBody('bad_request', 'The requested range is outside the file.'));
    }
    const { start, end } = range === 'ignore' ? { start: 0, end: size - 1 } : range;
    if (range !== 'ignore') reply.code(206).header('content-range', `bytes ${start}-${end}/${size}`);
    reply.header('content-length', String(end - start + 1));
    if (req.method === 'HEAD' || size === 0) return reply.send();
    return reply.send(read(start, end));
  };

  const segmentDoc = (summary: string) => documented(doc(summary, { params: segmentParams }, webm));
  // GET and HEAD in one route: a HEAD answers the same headers (its length too) and reads nothing.
  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/recordings/:recordingId/segments/:segment',
    config: { audit: 'recording.play' },
    ...segmentDoc('Play a sealed segment (range requests): the doctor, the admins, the patient if allowed'),
    handler: (req, reply) => serve(req, reply, false),
  });
  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/recordings/:recordingId/segments/:segment/download',
    config: { audit: 'recording.download' },
    ...segmentDoc('Download a sealed segment as a file: as for playing'),
    handler: (req, reply) => serve(req, reply, true),
  });
}
