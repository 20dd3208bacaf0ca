import type { z } from 'zod';
import { AppError } from '../errors.js';

export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const detail = r.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : 'body'}: ${i.message}`)
    .join('; ');
  throw new AppError('validation_failed', {
    message: `The request does not match the expected shape (${detail}).`,
  });
}
