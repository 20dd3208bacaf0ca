import type { FetchLike } from '../api/http-client.js';

/** One request a test answers by hand. */
export interface ScriptedRequest {
  method: string;
  path: string;
  body: unknown;
  headers: Record<string, string>;
  aborted: boolean;
  answered: boolean;
  respond(status: number, body?: unknown): void;
  /** The network failed (fetch rejects). */
  fail(): void;
}

/** A fetch whose every request waits until the test answers it, for long polls and ordering. */
export function scriptedFetch() {
  const requests: ScriptedRequest[] = [];
  const fetch: FetchLike = (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const request: ScriptedRequest = {
        method: init.method ?? 'GET',
        path: url,
        body: typeof init.body === 'string' ? JSON.parse(init.body) : null,
        headers: (init.headers ?? {}) as Record<string, string>,
        aborted: false,
        answered: false,
        respond: (status, body) => {
          request.answered = true;
          resolve(new Response(status === 204 ? null : JSON.stringify(body ?? {}), { status }));
        },
        fail: () => {
          request.answered = true;
          reject(new TypeError('Failed to fetch'));
        },
      };
      init.signal?.addEventListener('abort', () => {
        request.aborted = true;
        request.answered = true;
        reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
      });
      requests.push(request);
    });
  /** Requests not yet answered, optionally only those whose path starts with `prefix`. */
  const open = (prefix = ''): ScriptedRequest[] =>
    requests.filter((r) => !r.answered && r.path.startsWith(prefix));
  const only = (prefix: string): ScriptedRequest => {
    const matching = open(prefix);
    if (matching.length !== 1) {
      throw new Error(`expected one open request to ${prefix}, found ${matching.length}`);
    }
    return matching[0] as ScriptedRequest;
  };
  return { fetch, requests, open, only };
}
