import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance, FastifySchema, FastifySchemaCompiler } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ERRORS } from '../../protocol/errors.js';
import { issuesDetail } from './validation.js';

export const OPENAPI_PATH = '/api/openapi.json';

/** Every error answer: `{error: {code, message}}` (src/protocol/errors.ts). */
export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERRORS) as [keyof typeof ERRORS, ...(keyof typeof ERRORS)[]]),
      message: z.string(),
    }),
  })
  .describe('An error with a stable code and a message for people');

/** A JSON object whose fields are described by the named type in src/protocol/api.ts. */
export function objectOf(typeName: string): z.ZodType {
  return z.looseObject({}).describe(`${typeName} (src/protocol/api.ts)`);
}

export interface RequestParts {
  params?: z.ZodType;
  querystring?: z.ZodType;
  body?: z.ZodType;
}

/**
 * Describes routes under one tag: `doc(summary, request parts, success answer)`, where the answer is a
 * schema, the name of a type in src/protocol/api.ts, or null for 204 No Content.
 */
export function routeDocs(tag: string) {
  return <P extends RequestParts>(
    summary: string,
    parts: P,
    answer: z.ZodType | string | null,
    status = 200,
  ) => {
    const ok =
      answer === null
        ? { 204: z.null().describe('No content') }
        : { [status]: typeof answer === 'string' ? objectOf(answer) : answer };
    return { summary, tags: [tag], ...parts, response: { ...ok, '4xx': errorSchema } };
  };
}

const passThrough: FastifySchemaCompiler<unknown> = () => (value) => ({ value });
const plainJson = () => (data: unknown) => JSON.stringify(data);

/**
 * A route that documents its shapes but checks them itself, after it has authorised the caller: so a
 * refusal comes before a complaint about the shape (and is audited), as it did before the document
 * existed. Handlers of such routes keep calling parseWith.
 */
export function documented(schema: FastifySchema): {
  schema: FastifySchema;
  validatorCompiler: FastifySchemaCompiler<unknown>;
  serializerCompiler: () => (data: unknown) => string;
} {
  return { schema, validatorCompiler: passThrough, serializerCompiler: plainJson };
}

/**
 * Zod schemas validate requests and shape responses, and the same schemas become the OpenAPI 3.1 document
 * served at /api/openapi.json. Registered before any route, so every route is seen.
 */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'carecall API',
        version,
        description: 'JSON over HTTPS. Errors are {"error": {"code", "message"}}; see docs/api.md.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'carecall_session' },
          csrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token' },
        },
      },
    },
    // Pages, health checks and the WebSocket are not part of the JSON API.
    transform: (input) =>
      input.url.startsWith('/api/') ? jsonSchemaTransform(input) : { schema: { hide: true }, url: input.url },
  });
}

/** The document's own route; call once every other route is registered. */
export function openApiRoute(app: FastifyInstance): void {
  app.get(
    OPENAPI_PATH,
    {
      schema: {
        summary: 'This OpenAPI 3.1 document',
        tags: ['meta'],
        response: { 200: z.looseObject({}).describe('OpenAPI 3.1 document') },
      },
      serializerCompiler: plainJson,
    },
    async () => app.swagger(),
  );
}

/** The message of a request that failed its route's zod schema, worded like parseWith's. */
export function schemaValidationMessage(err: unknown): string | null {
  if (!hasZodFastifySchemaValidationErrors(err)) return null;
  const part = err.validationContext ?? 'body';
  return issuesDetail(
    err.validation.map((v) => {
      const path = String(v.instancePath ?? '')
        .split('/')
        .filter(Boolean);
      return { path: part === 'body' ? path : [part, ...path], message: v.message ?? 'invalid' };
    }),
  );
}
