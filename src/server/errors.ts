import { ERRORS, type ErrorCode } from '../protocol/errors.js';

export type ErrorCategory = 'client' | 'auth' | 'conflict' | 'server';

function categoryOf(code: ErrorCode): ErrorCategory {
  const status = ERRORS[code].status;
  if (status === 401 || status === 403) return 'auth';
  if (status === 409) return 'conflict';
  if (status >= 500) return 'server';
  return 'client';
}

/** An error with a stable code; what users read comes from ERRORS, never from internals. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly category: ErrorCategory;
  readonly status: number;
  /** What the caller needs besides the code to act on it (the rows at fault, the overlapping appointment). */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    options?: { message?: string; cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(
      options?.message ?? ERRORS[code].message,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'AppError';
    this.code = code;
    this.category = categoryOf(code);
    this.status = ERRORS[code].status;
    this.details = options?.details;
  }
}

export function errorBody(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
  return { error: { ...details, code, message: message ?? ERRORS[code].message } };
}
