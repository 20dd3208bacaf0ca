import { type DBSchema, type IDBPDatabase, openDB } from 'idb';

/**
 * The doctor's browser keeps every chunk in IndexedDB from the moment it is recorded until the server's
 * receipt, so a reload, a crash or a long outage loses nothing: the next page load finds them and uploads
 * them (docs/recordings.md). It also keeps, per recording, which segments exist and how many chunks each
 * has, because chunks already acknowledged are gone from the store but still count in the stop request.
 */

/** A chunk waiting for its receipt. */
export interface StoredChunk {
  recordingId: string;
  segment: number;
  seq: number;
  blob: Blob;
  /** SHA-256 of the blob, lowercase hex (sent as x-chunk-sha256). */
  sha256: string;
  bytes: number;
}

/** What is known of one segment: how many chunks it has (so far), and whether it was closed. */
export interface StoredSegment {
  recordingId: string;
  segment: number;
  chunks: number;
  closed: boolean;
}

interface RecordingDb extends DBSchema {
  chunks: { key: [string, number, number]; value: StoredChunk };
  segments: { key: [string, number]; value: StoredSegment };
}

export const DATABASE_NAME = 'carecall-recordings';
const VERSION = 1;

/** The chunks and segments of unfinished recordings in this browser. */
export class ChunkStore {
  readonly #db: IDBPDatabase<RecordingDb>;

  private constructor(db: IDBPDatabase<RecordingDb>) {
    this.#db = db;
  }

  /**
   * Opens (or creates) the browser's database (tests install fake-indexeddb's globals). Without IndexedDB
   * (some private windows) this rejects: recording cannot start, since nothing could survive a reload.
   */
  static async open(name = DATABASE_NAME): Promise<ChunkStore> {
    const db = await openDB<RecordingDb>(name, VERSION, {
      upgrade(database) {
        database.createObjectStore('chunks', { keyPath: ['recordingId', 'segment', 'seq'] });
        database.createObjectStore('segments', { keyPath: ['recordingId', 'segment'] });
      },
    });
    return new ChunkStore(db);
  }

  /** Keeps a chunk and counts it in its segment, in one transaction: both or neither. */
  async putChunk(chunk: StoredChunk): Promise<void> {
    const tx = this.#db.transaction(['chunks', 'segments'], 'readwrite');
    const segments = tx.objectStore('segments');
    const known = await segments.get([chunk.recordingId, chunk.segment]);
    await tx.objectStore('chunks').put(chunk);
    await segments.put({
      recordingId: chunk.recordingId,
      segment: chunk.segment,
      chunks: Math.max(known?.chunks ?? 0, chunk.seq + 1),
      closed: known?.closed ?? false,
    });
    await tx.done;
  }

  /** The server acknowledged it: it is no longer needed here. */
  async deleteChunk(recordingId: string, segment: number, seq: number): Promise<void> {
    await this.#db.delete('chunks', [recordingId, segment, seq]);
  }

  /** Declares a segment (before its first chunk) or closes one, with how many chunks it has. */
  async putSegment(segment: StoredSegment): Promise<void> {
    await this.#db.put('segments', segment);
  }

  /** A recording's chunks still waiting, in upload order (segment, then seq). */
  async chunks(recordingId: string): Promise<StoredChunk[]> {
    return this.#db.getAll('chunks', recordingRange(recordingId));
  }

  /** A recording's segments, in order. */
  async segments(recordingId: string): Promise<StoredSegment[]> {
    return this.#db.getAll('segments', recordingRange(recordingId));
  }

  /** Forgets a recording entirely: its chunks and its segments. */
  async deleteRecording(recordingId: string): Promise<void> {
    const tx = this.#db.transaction(['chunks', 'segments'], 'readwrite');
    await Promise.all([
      tx.objectStore('chunks').delete(recordingRange(recordingId)),
      tx.objectStore('segments').delete(recordingRange(recordingId)),
      tx.done,
    ]);
  }

  /** Recordings that still have something here (a page load looks for leftovers). */
  async recordingIds(): Promise<string[]> {
    const keys = await this.#db.getAllKeys('segments');
    return [...new Set(keys.map((key) => key[0]))];
  }

  close(): void {
    this.#db.close();
  }
}

/** Every key of one recording: numbers sort before arrays, so [id] ≤ key < [id, []] covers them all. */
function recordingRange(recordingId: string): IDBKeyRange {
  return IDBKeyRange.bound([recordingId], [recordingId, []]);
}
