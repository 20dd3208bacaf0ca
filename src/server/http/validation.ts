import type { z } from 'zod';
import { AppError } from '../errors.js';

/** The first few problems, one `path: message` each: what a developer needs, nothing of the values. */
export function issuesDetail(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const detail = issues
    .slice(0, 5)
    .map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : 'body'}: ${i.message}`)
    .join('; ');
  return `The request does not match the expected shape (${detail}).`;
}

/**
 * The first problem of each top-level field (`{lengthMinutes: "Too small: …"}`), so a form can show it
 * beside the field; problems of the body as a whole are not listed.
 */
export function fieldIssues(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const key = issue.path[0];
    if (typeof key === 'string' && !(key in fields)) fields[key] = issue.message;
  }
  return fields;
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new AppError('validation_failed', {
    message: issuesDetail(r.error.issues),
    details: { fields: fieldIssues(r.error.issues) },
  });
}
