import type {
  AppointmentRecordings,
  RecordingEventView,
  RecordingView,
} from '../../../protocol/recording.js';
import { formatClock, formatDateTime } from '../../lib/format.js';

/** One recording on the appointment page: what it is, and its files when this person may play them. */
export interface RecordingItem {
  id: string;
  title: string;
  /** "Saved: 0:20, 3.1 MB", "Being saved…", "Declined by the patient". */
  status: string;
  /** "Kept until 3 Mar 2027, 10:02" for a saved one. */
  keptUntil: string | null;
  files: Array<{
    key: string;
    /** "Recording" or "Part 2 of 3". */
    label: string;
    url: string;
    downloadUrl: string;
    /** "0:20, 3.1 MB". */
    figures: string;
  }>;
}

export interface RecordingEventItem {
  id: string;
  at: string;
  isoAt: string;
  words: string;
}

export interface RecordingsSection {
  items: RecordingItem[];
  events: RecordingEventItem[];
  /** A recording is still being saved: the page reads the list again shortly. */
  saving: boolean;
}

type Format = { locale?: string; timeZone?: string };

/** "3.1 MB", "820 KB": sizes as people read them (powers of 1000, like file managers). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

const STOP_REASON_WORDS: Record<string, string> = {
  doctor: 'the doctor stopped it',
  withdrawn: 'the patient withdrew consent',
  declined: 'the patient declined',
  call_ended: 'the call ended',
  too_large: 'it reached its maximum size',
  storage_full: 'the server had no room left',
};

function statusOf(view: RecordingView, bytes: number): string {
  switch (view.state) {
    case 'asking':
      return 'Waiting for the patient to allow recording';
    case 'recording':
      return 'Recording now';
    case 'paused':
      return 'Paused: waiting for the patient to allow recording again';
    case 'declined':
      return 'Declined by the patient: nothing was recorded';
    case 'stopped':
      return view.stopReason === 'withdrawn' || view.stopReason === 'declined'
        ? `Stopped: ${STOP_REASON_WORDS[view.stopReason]}`
        : 'Being saved…';
    case 'finished':
      return `Saved: ${formatClock(view.elapsedMs)}, ${formatBytes(bytes)}${
        view.stopReason && view.stopReason !== 'doctor'
          ? ` (stopped because ${STOP_REASON_WORDS[view.stopReason]})`
          : ''
      }`;
    case 'discarded':
      return 'Deleted: the patient withdrew consent';
    case 'deleted':
      return 'Deleted: its keeping period ended';
    default:
      return '';
  }
}

const EVENT_WORDS: Record<RecordingEventView['kind'], string> = {
  requested: 'asked to record the call',
  consented: 'allowed recording',
  declined: 'declined recording',
  consent_lapsed: 'left or rejoined the call, so was asked again',
  withdrawn: 'stopped the recording (consent withdrawn)',
  started: 'Recording started',
  paused: 'Recording paused',
  resumed: 'Recording resumed',
  stopped: 'Recording stopped',
  finished: 'Recording saved',
  discarded: 'What was recorded was deleted',
  deleted: 'Recording deleted: its keeping period ended',
  failed: 'Recording failed',
};

function eventWords(event: RecordingEventView): string {
  const what = EVENT_WORDS[event.kind];
  const reason = event.detail ? STOP_REASON_WORDS[event.detail] : undefined;
  const tail = event.kind === 'stopped' || event.kind === 'failed' ? (reason ? `: ${reason}` : '') : '';
  // An event of a person reads "Dr. Ada Demo asked …"; the server's own ones stand alone.
  const person = event.actor && !/^[A-Z]/.test(what) ? `${event.actor.displayName} ` : '';
  const by =
    event.actor && /^[A-Z]/.test(what) && event.kind !== 'deleted' ? ` (${event.actor.displayName})` : '';
  return `${person}${what}${tail}${by}`;
}

/** The appointment's recordings and their consent log, in words, latest first. */
export function recordingsSection(data: AppointmentRecordings, format: Format = {}): RecordingsSection {
  const items = [...data.recordings]
    .sort((a, b) => b.recording.requestedAt - a.recording.requestedAt)
    .map(({ recording, files, expiresAt }): RecordingItem => {
      const bytes = files.reduce((sum, file) => sum + file.bytes, 0);
      return {
        id: recording.id,
        title: `Recording asked for ${formatDateTime(recording.requestedAt, format.locale, format.timeZone)}`,
        status: statusOf(recording, bytes),
        keptUntil:
          recording.state === 'finished' && expiresAt !== null
            ? `Kept until ${formatDateTime(expiresAt, format.locale, format.timeZone)}, then deleted`
            : null,
        files: files.map((file, index) => ({
          key: `${recording.id}-${file.segment}`,
          label: files.length === 1 ? 'Recording' : `Part ${index + 1} of ${files.length}`,
          url: file.url,
          downloadUrl: file.downloadUrl,
          figures: `${formatClock(file.durationMs)}, ${formatBytes(file.bytes)}`,
        })),
      };
    });
  const events = [...data.events]
    .sort((a, b) => b.at - a.at)
    .map((event) => ({
      id: event.id,
      at: formatDateTime(event.at, format.locale, format.timeZone),
      isoAt: new Date(event.at).toISOString(),
      words: eventWords(event),
    }));
  const saving = data.recordings.some(
    ({ recording }) =>
      recording.state === 'stopped' &&
      recording.stopReason !== 'withdrawn' &&
      recording.stopReason !== 'declined',
  );
  return { items, events, saving };
}
