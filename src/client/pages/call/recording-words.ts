import type { PartyRole } from '../../../protocol/call-status.js';
import type { RecordingTerms, RecordingView } from '../../../protocol/recording.js';
import { formatClock } from '../../lib/format.js';

/** The patient's question before anything is recorded: what, who may see it, how long, and withdrawal. */
export interface ConsentQuestion {
  recordingId: string;
  title: string;
  /** Each a short sentence, in the order they are read. */
  points: string[];
}

/** What the call page shows of the call's recording (S29), for this party. */
export interface RecordingPanel {
  /** The doctor's one button: null where it does not show (a patient, or the hospital does not record). */
  control: { label: 'Start recording' | 'Stop recording'; disabled: boolean; busy: boolean } | null;
  /** The indicator both sides see while recording or paused; `elapsed` counts recorded time only. */
  indicator: { words: string; elapsed: string; paused: boolean } | null;
  /** The patient's own Stop recording, while it records or waits for their answer again. */
  canWithdraw: boolean;
  /** The patient's question, while the doctor waits for their answer. */
  question: ConsentQuestion | null;
  /** A line under the indicator: waiting for an answer, declined, stopped, a problem. */
  notice: string | null;
  /** Said once by screen readers when the recording's state changes (the clock itself is not read out). */
  announcement: string;
}

export interface RecordingContext {
  role: PartyRole;
  /** The hospital allows recording (the call context): without it the doctor has no button. */
  allowed: boolean;
  /** The doctor's name, for the patient's question; the patient's, for the doctor's notices. */
  otherName: string;
  /** The call is joined and the other party is there (a recording can be asked for). */
  inCall: boolean;
  /** A request from this page is on its way. */
  busy: boolean;
  /** What went wrong with the last request or the upload, in words. */
  problem: string | null;
  /** Recorded time including the run since the view arrived, from the controller. */
  elapsedMs: number;
}

const STOP_WORDS: Record<string, string> = {
  doctor: 'Recording stopped.',
  withdrawn: 'The patient stopped the recording.',
  declined: 'The patient declined recording.',
  call_ended: 'Recording stopped: the call ended.',
  too_large: 'Recording stopped: it reached its maximum size. What was recorded is kept.',
  storage_full: 'Recording stopped: the server has no room left. What was recorded is kept.',
};

/** Who may see the recording afterwards, in the patient's words. */
function whoSees(terms: RecordingTerms, doctorName: string): string {
  const doctor = doctorName || 'your doctor';
  return terms.patientMaySee
    ? `Who can see it: ${doctor}, the clinic's administrators, and you, on your appointment page.`
    : `Who can see it: ${doctor} and the clinic's administrators.`;
}

export function consentQuestion(view: RecordingView, doctorName: string): ConsentQuestion {
  const { terms } = view;
  const days = terms.retentionDays === 1 ? '1 day' : `${terms.retentionDays} days`;
  const again = view.state === 'paused';
  return {
    recordingId: view.id,
    title: again
      ? `${doctorName || 'Your doctor'} is recording this call. May it go on with you in it?`
      : `${doctorName || 'Your doctor'} asks to record this call`,
    points: [
      'What is recorded: the sound and picture of both of you, and any screen that is shared.',
      whoSees(terms, doctorName),
      `How long it is kept: ${days}, then it is deleted.`,
      terms.onWithdraw === 'discard'
        ? 'You can stop the recording at any time. If you do, what was recorded is deleted.'
        : 'You can stop the recording at any time. If you do, what was recorded until then is kept.',
      again
        ? 'Nothing with you in it is recorded unless you allow it.'
        : 'Nothing is recorded unless you allow it.',
    ],
  };
}

/** The call page's recording panel for this party, from the server's view of the recording. */
export function recordingPanel(view: RecordingView | null, ctx: RecordingContext): RecordingPanel {
  const doctor = ctx.role === 'doctor';
  const state = view?.state ?? null;
  const capturing = state === 'recording' || state === 'paused';
  const open = capturing || state === 'asking';
  const control: RecordingPanel['control'] =
    doctor && (ctx.allowed || open) && (ctx.inCall || open)
      ? {
          label: open ? 'Stop recording' : 'Start recording',
          disabled: ctx.busy,
          busy: ctx.busy,
        }
      : null;
  const elapsed = formatClock(ctx.elapsedMs);
  const indicator: RecordingPanel['indicator'] = capturing
    ? {
        words: state === 'paused' ? 'Recording paused' : 'Recording',
        elapsed,
        paused: state === 'paused',
      }
    : null;
  const patientMustAnswer = !doctor && view !== null && (state === 'asking' || state === 'paused');
  const question = patientMustAnswer && view ? consentQuestion(view, ctx.otherName) : null;
  return {
    control,
    indicator,
    canWithdraw: !doctor && capturing,
    question,
    notice: ctx.problem ?? noticeOf(view, ctx),
    announcement: announcementOf(view, doctor),
  };
}

function noticeOf(view: RecordingView | null, ctx: RecordingContext): string | null {
  if (!view) return null;
  const patient = ctx.role === 'doctor' ? ctx.otherName || 'the patient' : 'you';
  switch (view.state) {
    case 'asking':
      return ctx.role === 'doctor'
        ? `Waiting for ${patient} to allow recording. Nothing is recorded until then.`
        : null;
    case 'paused':
      return ctx.role === 'doctor'
        ? `Paused: ${patient} rejoined and is asked again. Nothing is recorded until they allow it.`
        : 'Paused until you answer.';
    case 'declined':
      return ctx.role === 'doctor'
        ? `${capitalise(patient)} declined recording. Nothing was recorded.`
        : null;
    case 'stopped':
    case 'finished':
      return stopNotice(view, ctx.role === 'doctor', patient);
    case 'discarded':
      return ctx.role === 'doctor'
        ? `${capitalise(patient)} stopped the recording; what was recorded was deleted.`
        : 'You stopped the recording; what was recorded was deleted.';
    default:
      return null;
  }
}

function stopNotice(view: RecordingView, doctor: boolean, patient: string): string {
  const reason = view.stopReason ?? 'doctor';
  if (reason === 'withdrawn') {
    return doctor
      ? `${capitalise(patient)} stopped the recording.`
      : 'You stopped the recording. Nothing more is recorded.';
  }
  if (reason === 'declined') {
    return doctor ? `${capitalise(patient)} declined recording.` : 'You declined recording.';
  }
  return STOP_WORDS[reason] ?? 'Recording stopped.';
}

function announcementOf(view: RecordingView | null, doctor: boolean): string {
  if (!view) return '';
  switch (view.state) {
    case 'asking':
      return doctor ? 'Asking the patient to allow recording.' : 'The doctor asks to record this call.';
    case 'recording':
      return 'Recording started. This call is being recorded.';
    case 'paused':
      return 'Recording paused.';
    default:
      return view.state === 'declined' ? 'Recording declined.' : 'Recording stopped.';
  }
}

function capitalise(words: string): string {
  return words.charAt(0).toUpperCase() + words.slice(1);
}
