/**
 * MediaRecorder's WebM (Chromium, Firefox) is written live: its Segment and Clusters have unknown sizes and
 * its Info has no Duration, so players cannot show the length nor seek well. This reads the EBML as it
 * streams past (never the whole file in memory), finds the last block's timestamp, and says which few
 * header bytes to change so that Info carries a Duration (docs/recordings.md, "On disk").
 */

const ID = {
  EBML: 0x1a45dfa3,
  Segment: 0x18538067,
  SeekHead: 0x114d9b74,
  Info: 0x1549a966,
  TimecodeScale: 0x2ad7b1,
  Duration: 0x4489,
  Tracks: 0x1654ae6b,
  Cluster: 0x1f43b675,
  Timecode: 0xe7,
  SimpleBlock: 0xa3,
  BlockGroup: 0xa0,
  Block: 0xa1,
  Cues: 0x1c53bb6b,
  Chapters: 0x1043a770,
  Tags: 0x1254c367,
  Attachments: 0x1941a469,
  Void: 0xec,
} as const;

/** Elements that sit directly in the Segment: meeting one ends an unknown-size Cluster. */
const SEGMENT_CHILDREN = new Set<number>([
  ID.SeekHead,
  ID.Info,
  ID.Tracks,
  ID.Cluster,
  ID.Cues,
  ID.Chapters,
  ID.Tags,
  ID.Attachments,
]);

const DEFAULT_TIMECODE_SCALE_NS = 1_000_000;

export interface Vint {
  /** Bytes the vint takes. */
  length: number;
  value: number;
  /** All value bits set: the "unknown size" of a live-written element. */
  unknown: boolean;
}

/**
 * Reads the EBML variable-length integer at `pos`: null when `buf` ends before it does; throws on a first
 * byte of 0 (no length marker within 8 bytes). `value` is the number with the length marker removed
 * (sizes beyond 2^53 are refused rather than rounded).
 */
export function readVint(buf: Buffer, pos: number): Vint | null {
  if (pos >= buf.length) return null;
  const first = buf[pos] ?? 0;
  if (first === 0) throw new Error('invalid EBML vint (first byte 0)');
  const length = Math.clz32(first) - 23;
  if (pos + length > buf.length) return null;
  let value = first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    const b = buf[pos + i] ?? 0;
    if (b !== 0xff) allOnes = false;
    value = value * 256 + b;
  }
  if (!allOnes && value > Number.MAX_SAFE_INTEGER) throw new Error('EBML vint beyond 2^53');
  return { length, value, unknown: allOnes };
}

/** An element ID keeps its length marker (IDs are written as they appear: 0x1A45DFA3). */
export function readId(buf: Buffer, pos: number): { id: number; length: number } | null {
  if (pos >= buf.length) return null;
  const first = buf[pos] ?? 0;
  if (first === 0 || first < 0x10) throw new Error('invalid EBML element ID');
  const length = Math.clz32(first) - 23;
  if (pos + length > buf.length) return null;
  return { id: buf.readUIntBE(pos, length), length };
}

/**
 * `value` as an EBML size vint of at least `minLength` bytes (a longer one than needed keeps a rewritten
 * size the width of the one it replaces). The all-ones pattern is "unknown", so it is never produced.
 */
export function encodeVint(value: number, minLength = 1): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error('vint value must be a safe integer ≥ 0');
  let length = Math.max(1, minLength);
  while (length <= 8 && value >= 2 ** (7 * length) - 1) length++;
  if (length > 8) throw new Error('value too large for an EBML vint');
  const out = Buffer.alloc(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  out[0] = (out[0] ?? 0) | (0x80 >> (length - 1));
  return out;
}

/** What a scan of a WebM file found; offsets are absolute byte positions in the input. */
export interface WebmScan {
  /** The input began as EBML with a Segment, and parsed without error up to its end. */
  webm: boolean;
  /** Why it is not usable, when `webm` is false. */
  problem: string | null;
  timecodeScaleNs: number;
  /** Largest Cluster Timecode + block timecode seen, in TimecodeScale units (null: no block). */
  maxTimestamp: number | null;
  /** Duration in milliseconds from the blocks' timestamps. */
  durationMs: number;
  segment: { sizeOffset: number; sizeLength: number; size: number | null } | null;
  info: { sizeOffset: number; sizeLength: number; size: number; end: number } | null;
  /** An existing Duration element's value bytes. */
  duration: { dataOffset: number; dataLength: number } | null;
  /** A SeekHead or Cues was seen: their positions would go wrong if bytes were inserted. */
  hasPositions: boolean;
  bytes: number;
  /**
   * Bytes up to the end of the last whole element: less than `bytes` when the input ends inside one (a
   * recorder killed mid-chunk). A file cut there plays to its end without a damaged last block.
   */
  wholeBytes: number;
}

interface Open {
  id: number;
  /** Absolute end, or null for an unknown size. */
  end: number | null;
}

/** Masters the scan enters; every other element is stepped over (or read, when small and wanted). */
const ENTERED = new Set<number>([ID.Segment, ID.Info, ID.Cluster, ID.BlockGroup]);

/**
 * A streaming EBML reader: `push` the file's bytes in order (any split), then `finish`. It keeps only the
 * bytes of an unfinished element header or small value, so memory stays at one pushed chunk.
 */
export class WebmScanner {
  private pending: Buffer = Buffer.alloc(0);
  /** Absolute offset of `pending[0]`. */
  private offset = 0;
  private skip = 0;
  private readonly stack: Open[] = [];
  private clusterTimecode = 0;
  private failed: string | null = null;
  private sawEbml = false;
  private readonly result: WebmScan = {
    webm: false,
    problem: null,
    timecodeScaleNs: DEFAULT_TIMECODE_SCALE_NS,
    maxTimestamp: null,
    durationMs: 0,
    segment: null,
    info: null,
    duration: null,
    hasPositions: false,
    bytes: 0,
    wholeBytes: 0,
  };
  /** Where the element the input ended inside of began (set when a pass stops for want of bytes). */
  private cut = 0;

  push(chunk: Buffer): void {
    this.result.bytes += chunk.length;
    if (this.failed) return;
    let data = chunk;
    if (this.skip > 0) {
      const n = Math.min(this.skip, data.length);
      this.skip -= n;
      this.offset += n;
      data = data.subarray(n);
      if (data.length === 0) return;
    }
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    try {
      this.parse();
    } catch (error) {
      this.failed = (error as Error).message;
      this.pending = Buffer.alloc(0);
    }
  }

  finish(): WebmScan {
    const r = this.result;
    // A file cut inside its last element (a chunk lost at the end) still has its headers and timestamps;
    // one cut before its Info is not patched.
    if (!this.failed && (this.pending.length > 0 || this.skip > 0) && r.info === null)
      this.failed = 'the file ends inside its header';
    if (!this.failed && (!this.sawEbml || !r.segment)) this.failed = 'not a WebM file';
    r.webm = this.failed === null;
    r.problem = this.failed;
    const unfinished = this.pending.length > 0 || this.skip > 0;
    r.wholeBytes = r.webm && unfinished ? Math.max(this.cut, r.info?.end ?? 0) : r.bytes;
    r.durationMs = r.maxTimestamp === null ? 0 : (r.maxTimestamp * r.timecodeScaleNs) / 1e6;
    return r;
  }

  private parse(): void {
    let pos = 0;
    const buf = this.pending;
    for (;;) {
      const at = this.offset + pos;
      while (this.stack.length > 0) {
        const top = this.stack[this.stack.length - 1];
        if (top?.end !== null && top?.end !== undefined && at >= top.end) {
          if (at > top.end) throw new Error('an element overruns its parent');
          this.stack.pop();
        } else break;
      }
      const idRead = readId(buf, pos);
      if (!idRead) break;
      const sizeRead = readVint(buf, pos + idRead.length);
      if (!sizeRead) break;
      const { id } = idRead;
      if (!this.sawEbml) {
        if (id !== ID.EBML) throw new Error('not an EBML file');
        this.sawEbml = true;
      }
      // An unknown-size Cluster ends where the next Segment-level element begins.
      let top = this.stack[this.stack.length - 1];
      while (top && top.end === null && top.id === ID.Cluster && SEGMENT_CHILDREN.has(id)) {
        this.stack.pop();
        top = this.stack[this.stack.length - 1];
      }
      const headerLength = idRead.length + sizeRead.length;
      const dataStart = at + headerLength;
      const size = sizeRead.unknown ? null : sizeRead.value;
      if (size === null && id !== ID.Segment && id !== ID.Cluster) {
        throw new Error(`element 0x${id.toString(16)} has an unknown size`);
      }
      if (id === ID.SeekHead || id === ID.Cues) this.result.hasPositions = true;
      if (ENTERED.has(id)) {
        if (id === ID.Segment && !this.result.segment) {
          this.result.segment = { sizeOffset: at + idRead.length, sizeLength: sizeRead.length, size };
        }
        if (id === ID.Info && !this.result.info && size !== null) {
          this.result.info = {
            sizeOffset: at + idRead.length,
            sizeLength: sizeRead.length,
            size,
            end: dataStart + size,
          };
        }
        this.stack.push({ id, end: size === null ? null : dataStart + size });
        pos += headerLength;
        continue;
      }
      const parent = this.stack[this.stack.length - 1]?.id;
      const wanted = this.wantedBytes(id, parent, size ?? 0);
      if (wanted > 0) {
        if (pos + headerLength + wanted > buf.length) break;
        this.value(id, parent, buf.subarray(pos + headerLength, pos + headerLength + wanted), dataStart);
      }
      const total = headerLength + (size ?? 0);
      if (pos + total <= buf.length) {
        pos += total;
      } else {
        this.skip = pos + total - buf.length;
        this.cut = at;
        pos = buf.length;
        break;
      }
    }
    // Bytes left over begin an element whose header or wanted value is not all here yet.
    if (pos < buf.length) this.cut = this.offset + pos;
    this.offset += pos;
    this.pending = pos >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(pos));
  }

  /** How many of an element's first bytes the scan needs (0: none, step over it). */
  private wantedBytes(id: number, parent: number | undefined, size: number): number {
    const small =
      (parent === ID.Info && (id === ID.TimecodeScale || id === ID.Duration)) ||
      (parent === ID.Cluster && id === ID.Timecode);
    if (small) {
      if (size > 8) throw new Error(`element 0x${id.toString(16)} is too long`);
      return size;
    }
    // Track number (a vint of up to 8 bytes), then the signed 16-bit timecode.
    if ((parent === ID.Cluster && id === ID.SimpleBlock) || (parent === ID.BlockGroup && id === ID.Block))
      return Math.min(size, 10);
    return 0;
  }

  private value(id: number, parent: number | undefined, data: Buffer, dataOffset: number): void {
    if (id === ID.TimecodeScale) {
      if (data.length < 1 || data.length > 6) throw new Error('bad TimecodeScale');
      this.result.timecodeScaleNs = data.readUIntBE(0, data.length);
    } else if (id === ID.Duration) {
      if (data.length !== 4 && data.length !== 8) throw new Error('bad Duration');
      this.result.duration = { dataOffset, dataLength: data.length };
    } else if (id === ID.Timecode) {
      this.clusterTimecode = data.length === 0 ? 0 : data.readUIntBE(0, Math.min(data.length, 6));
    } else if (id === ID.SimpleBlock || (id === ID.Block && parent === ID.BlockGroup)) {
      const track = readVint(data, 0);
      if (!track || data.length < track.length + 2) throw new Error('block too short');
      const timestamp = this.clusterTimecode + data.readInt16BE(track.length);
      if (this.result.maxTimestamp === null || timestamp > this.result.maxTimestamp) {
        this.result.maxTimestamp = timestamp;
      }
    }
  }
}

/** Replace `deleteLength` input bytes at `offset` with `insert`. */
export interface Edit {
  offset: number;
  deleteLength: number;
  insert: Buffer;
}

function durationBytes(value: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  if (length === 4) out.writeFloatBE(value);
  else out.writeDoubleBE(value);
  return out;
}

/**
 * The edits that give the scanned file a Duration of its last timestamp: an existing Duration is
 * overwritten in place (no byte moves); otherwise one is appended to Info and Info's size (and the
 * Segment's, when known) rewritten. Inserting would move what a SeekHead or Cues point at, so a file with
 * those and no Duration is left alone (MediaRecorder writes neither). Empty when there is nothing to do.
 */
export function durationEdits(scan: WebmScan): Edit[] {
  if (!scan.webm || scan.maxTimestamp === null || !scan.info || !scan.segment) return [];
  const ticks = scan.maxTimestamp;
  if (scan.duration) {
    return [
      {
        offset: scan.duration.dataOffset,
        deleteLength: scan.duration.dataLength,
        insert: durationBytes(ticks, scan.duration.dataLength),
      },
    ];
  }
  if (scan.hasPositions) return [];
  const element = Buffer.concat([Buffer.from([0x44, 0x89, 0x88]), durationBytes(ticks, 8)]);
  const infoSize = encodeVint(scan.info.size + element.length, scan.info.sizeLength);
  const edits: Edit[] = [];
  const growth = element.length + infoSize.length - scan.info.sizeLength;
  if (scan.segment.size !== null) {
    const segmentSize = encodeVint(scan.segment.size + growth, scan.segment.sizeLength);
    edits.push({
      offset: scan.segment.sizeOffset,
      deleteLength: scan.segment.sizeLength,
      insert: segmentSize,
    });
  }
  edits.push({ offset: scan.info.sizeOffset, deleteLength: scan.info.sizeLength, insert: infoSize });
  edits.push({ offset: scan.info.end, deleteLength: 0, insert: element });
  return edits;
}

/** How many bytes the edits add (negative: remove). */
export function editsGrowth(edits: readonly Edit[]): number {
  return edits.reduce((sum, e) => sum + e.insert.length - e.deleteLength, 0);
}

/**
 * Applies sorted, non-overlapping edits to a stream: `push` each input piece in order, write what it
 * returns. The edits sit in the first few hundred bytes, so the rest passes through unchanged.
 */
export class EditStream {
  private offset = 0;
  private next = 0;
  /** Input bytes still to drop for the edit under way. */
  private dropping = 0;

  constructor(private readonly edits: readonly Edit[]) {
    for (let i = 1; i < edits.length; i++) {
      const a = edits[i - 1];
      const b = edits[i];
      if (a && b && a.offset + a.deleteLength > b.offset) throw new Error('edits overlap or are unsorted');
    }
  }

  push(input: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let pos = 0;
    while (pos < input.length) {
      if (this.dropping > 0) {
        const n = Math.min(this.dropping, input.length - pos);
        this.dropping -= n;
        pos += n;
        this.offset += n;
        continue;
      }
      const edit = this.edits[this.next];
      if (edit && edit.offset === this.offset) {
        out.push(edit.insert);
        this.dropping = edit.deleteLength;
        this.next++;
        continue;
      }
      const until = edit ? Math.min(input.length, pos + (edit.offset - this.offset)) : input.length;
      out.push(input.subarray(pos, until));
      this.offset += until - pos;
      pos = until;
    }
    return out;
  }

  /** An edit at the very end of the input (an Info that closes the file) is written here. */
  end(): Buffer[] {
    const out: Buffer[] = [];
    for (; this.next < this.edits.length; this.next++) {
      const edit = this.edits[this.next];
      if (!edit || edit.offset !== this.offset || edit.deleteLength !== 0) {
        throw new Error('an edit lies beyond the end of the input');
      }
      out.push(edit.insert);
    }
    return out;
  }
}

/** The whole-buffer form, for small files and tests: the duration and the patched bytes. */
export function patchWebmDuration(file: Buffer): { scan: WebmScan; edits: Edit[]; patched: Buffer } {
  const scanner = new WebmScanner();
  scanner.push(file);
  const scan = scanner.finish();
  const edits = durationEdits(scan);
  const stream = new EditStream(edits);
  const patched = Buffer.concat([...stream.push(file), ...stream.end()]);
  return { scan, edits, patched };
}
