import type { ErrorCode } from '../../protocol/errors.js';
import { type ClientMessage, clientMessageSchema } from '../../protocol/messages.js';

export interface FrameRefusal {
  refused: ErrorCode;
  id: string | undefined;
}

/**
 * A text frame as a client message, or why it is refused (S4): not JSON, an unknown type, or a known
 * type in the wrong shape. A refusal echoes the frame's `id` when it had one.
 */
export function parseClientFrame(raw: string): ClientMessage | FrameRefusal {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return { refused: 'invalid_json', id: undefined };
  }
  const parsed = clientMessageSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const type = typeof data === 'object' && data !== null ? (data as { type?: unknown }).type : undefined;
  const known = clientMessageSchema.options.some((o) => o.shape.type.value === type);
  const id = typeof data === 'object' && data !== null ? (data as { id?: unknown }).id : undefined;
  return {
    refused: known ? 'validation_failed' : 'unknown_message',
    id: typeof id === 'string' ? id.slice(0, 64) : undefined,
  };
}
