import type { ErrorCode } from '../../protocol/errors.js';

/** Codes the client adds for failures that never reached or never came back from the server. */
export type ClientErrorCode = 'network_error' | 'unexpected_response';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: ErrorCode | ClientErrorCode;
  /** What the error carries besides its code and message (the warnings to confirm, the fields at fault). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    status: number,
    code: ErrorCode | ClientErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.code = code;
    this.details = options?.details ?? {};
  }

  /** `validation_failed`'s problems by field name (`{lengthMinutes: "…"}`), empty for other errors. */
  get fields(): Readonly<Record<string, string>> {
    const fields = this.details['fields'];
    if (typeof fields !== 'object' || fields === null) return {};
    return Object.fromEntries(
      Object.entries(fields).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
  }

  get isUnauthenticated(): boolean {
    return this.status === 401;
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong. Try again.';
}
