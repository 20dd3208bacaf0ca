import { ERRORS, type ErrorCode } from '../../protocol/errors.js';
import {
  CHUNK_SHA256_HEADER,
  type ChunkReceipt,
  type RecordingStopRequest,
  type RecordingView,
} from '../../protocol/recording.js';
import type { FetchLike } from '../api/http-client.js';

/** One chunk upload the fake server saw, answered or not. */
export interface SeenPut {
  recordingId: string;
  segment: number;
  seq: number;
  sha256: string;
  bytes: number;
  /** What it was answered: a status, 'network' (fetch rejected), 'aborted', or null while it waits. */
  outcome: number | 'network' | 'aborted' | null;
}

type Failure =
  | { kind: 'status'; code: ErrorCode }
  | { kind: 'status-only'; status: number }
  | { kind: 'network' };

const CHUNK_PATH = /^\/api\/recordings\/([^/]+)\/segments\/(\d+)\/chunks\/(\d+)$/;
const RECORDING_ACTION = /^\/api\/recordings\/([^/]+)\/(stop|withdraw|consent)$/;

async function sha256Hex(blob: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function errorResponse(code: ErrorCode): Response {
  const { status, message } = ERRORS[code];
  return new Response(JSON.stringify({ error: { code, message } }), { status });
}

/** A recording as the fake server answers it about. */
export function recordingView(id: string, change: Partial<RecordingView> = {}): RecordingView {
  return {
    id,
    appointmentId: 'appt-1',
    callSessionId: 'session-1',
    state: 'recording',
    stopReason: null,
    patientConsent: 'allowed',
    terms: { retentionDays: 30, patientMaySee: false, onWithdraw: 'keep' },
    requestedAt: 0,
    startedAt: 0,
    stoppedAt: null,
    elapsedMs: 0,
    segments: 0,
    ...change,
  };
}

/**
 * The server's recording routes, played by a fetch: it checks each chunk's checksum, stores it (a second
 * copy is acknowledged with `stored: false`), refuses chunks of a recording that is not under way, and
 * can be told to fail or to hold requests so a test can see order, retries and cancellation.
 */
export class FakeRecordingServer {
  readonly puts: SeenPut[] = [];
  readonly stops: Array<{ recordingId: string; request: RecordingStopRequest }> = [];
  /** Stored chunks per recording, keyed `segment/seq`, with their checksum. */
  readonly stored = new Map<string, Map<string, string>>();
  readonly #inactive = new Set<string>();
  readonly #failures: Failure[] = [];
  #held: Array<() => void> | null = null;
  readonly #bytes = new Map<string, number>();

  readonly fetch: FetchLike = (url, init) => this.#handle(url, init);

  /** Chunk PUTs answered so far with 200, in the order they were answered. */
  get acknowledged(): SeenPut[] {
    return this.puts.filter((p) => p.outcome === 200);
  }

  /** The next chunk uploads fail, in order: an error code (its status), a bare status, or the network. */
  failNext(...failures: Array<ErrorCode | number | 'network'>): void {
    for (const failure of failures) {
      if (failure === 'network') this.#failures.push({ kind: 'network' });
      else if (typeof failure === 'number') this.#failures.push({ kind: 'status-only', status: failure });
      else this.#failures.push({ kind: 'status', code: failure });
    }
  }

  /** The recording is no longer under way (withdrawn, discarded): its chunks get 409 recording_not_active. */
  deactivate(recordingId: string): void {
    this.#inactive.add(recordingId);
  }

  /** Chunk uploads wait until `release()` (or their abort). */
  hold(): void {
    this.#held ??= [];
  }

  release(): void {
    const held = this.#held ?? [];
    this.#held = null;
    for (const go of held) go();
  }

  async #handle(url: string, init: RequestInit): Promise<Response> {
    const method = init.method ?? 'GET';
    const chunk = CHUNK_PATH.exec(url);
    if (method === 'PUT' && chunk) {
      const [, rid = '', segment = '0', seq = '0'] = chunk;
      return this.#put(decodeURIComponent(rid), Number(segment), Number(seq), init);
    }
    const action = RECORDING_ACTION.exec(url);
    if (method === 'POST' && action) {
      const [, rid = '', verb] = action;
      const recordingId = decodeURIComponent(rid);
      if (verb === 'stop') {
        this.stops.push({ recordingId, request: JSON.parse(String(init.body)) as RecordingStopRequest });
        return Response.json(recordingView(recordingId, { state: 'stopped', stopReason: 'doctor' }));
      }
      if (verb === 'withdraw') {
        this.deactivate(recordingId);
        return Response.json(recordingView(recordingId, { state: 'stopped', stopReason: 'withdrawn' }));
      }
      return Response.json(recordingView(recordingId));
    }
    return errorResponse('not_found');
  }

  async #put(recordingId: string, segment: number, seq: number, init: RequestInit): Promise<Response> {
    const headers = (init.headers ?? {}) as Record<string, string>;
    const blob = init.body as Blob;
    const seen: SeenPut = {
      recordingId,
      segment,
      seq,
      sha256: headers[CHUNK_SHA256_HEADER] ?? '',
      bytes: blob.size,
      outcome: null,
    };
    this.puts.push(seen);
    const signal = init.signal;
    const aborted = () => {
      seen.outcome = 'aborted';
      return Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
    };
    if (this.#held) {
      const held = this.#held;
      await new Promise<void>((resolve, reject) => {
        held.push(resolve);
        signal?.addEventListener('abort', () => reject(aborted()));
      });
    }
    if (signal?.aborted) throw aborted();
    const failure = this.#failures.shift();
    if (failure?.kind === 'network') {
      seen.outcome = 'network';
      throw new TypeError('Failed to fetch');
    }
    if (failure?.kind === 'status-only') {
      seen.outcome = failure.status;
      return new Response('upstream trouble', { status: failure.status });
    }
    if (failure?.kind === 'status') {
      seen.outcome = ERRORS[failure.code].status;
      return errorResponse(failure.code);
    }
    if (this.#inactive.has(recordingId)) {
      seen.outcome = 409;
      return errorResponse('recording_not_active');
    }
    if ((await sha256Hex(blob)) !== seen.sha256) {
      seen.outcome = 422;
      return errorResponse('chunk_checksum_mismatch');
    }
    const chunks = this.stored.get(recordingId) ?? new Map<string, string>();
    this.stored.set(recordingId, chunks);
    const key = `${segment}/${seq}`;
    const before = chunks.get(key);
    if (before !== undefined && before !== seen.sha256) {
      seen.outcome = 409;
      return errorResponse('chunk_conflict');
    }
    if (before === undefined) {
      chunks.set(key, seen.sha256);
      this.#bytes.set(recordingId, (this.#bytes.get(recordingId) ?? 0) + blob.size);
    }
    seen.outcome = 200;
    const receipt: ChunkReceipt = {
      segment,
      seq,
      stored: before === undefined,
      recordingBytes: this.#bytes.get(recordingId) ?? 0,
    };
    return Response.json(receipt);
  }
}
