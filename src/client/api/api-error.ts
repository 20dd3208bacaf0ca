import type { ErrorCode } from '../../protocol/errors.js';

/** Codes the client adds for failures that never reached or never came back from the server. */
export type ClientErrorCode = 'network_error' | 'unexpected_response';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: ErrorCode | ClientErrorCode;

  constructor(
    status: number,
    code: ErrorCode | ClientErrorCode,
    message: string,
    options?: { cause: unknown },
  ) {
    super(message, options);
    this.status = status;
    this.code = code;
  }

  get isUnauthenticated(): boolean {
    return this.status === 401;
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong. Try again.';
}
