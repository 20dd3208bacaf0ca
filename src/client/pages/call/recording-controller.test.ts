import { describe, expect, it } from 'vitest';
import type { RecordingView } from '../../../protocol/recording.js';
import { ApiError } from '../../api/api-error.js';
import { type RecordingCapture, RecordingController } from './recording-controller.js';
import type { RecordingPanel } from './recording-words.js';

const view = (patch: Partial<RecordingView> = {}): RecordingView => ({
  id: 'rec-1',
  appointmentId: 'apt-1',
  callSessionId: 'call-1',
  state: 'asking',
  stopReason: null,
  patientConsent: null,
  terms: { retentionDays: 90, patientMaySee: false, onWithdraw: 'discard' },
  requestedAt: 1_000,
  startedAt: null,
  stoppedAt: null,
  elapsedMs: 0,
  segments: 0,
  ...patch,
});

function fakeCapture() {
  const calls: string[] = [];
  const capture: RecordingCapture = {
    capture: (v) => calls.push(`capture:${v.id}:${v.segments}`),
    pause: () => calls.push('pause'),
    finish: async (id) => {
      calls.push(`finish:${id}`);
    },
    flush: async (id) => {
      calls.push(`flush:${id}`);
    },
    abandon: (id) => calls.push(`abandon:${id}`),
    settle: async () => {
      calls.push('settle');
    },
    close: () => calls.push('close'),
  };
  return { capture, calls };
}

function setup(role: 'doctor' | 'patient', options: { allowed?: boolean; fail?: ApiError } = {}) {
  let now = 10_000;
  const panels: Array<RecordingPanel | null> = [];
  const requests: string[] = [];
  const { capture, calls } = fakeCapture();
  const answer = async (value: RecordingView) => {
    if (options.fail) throw options.fail;
    return value;
  };
  const controller = new RecordingController({
    api: {
      askRecording: (id) => {
        requests.push(`ask:${id}`);
        return answer(view());
      },
      answerRecording: (id, a) => {
        requests.push(`answer:${id}:${a}`);
        return answer(
          a === 'allow'
            ? view({ state: 'recording', patientConsent: 'allowed', startedAt: now })
            : view({ state: 'declined', patientConsent: 'declined' }),
        );
      },
      withdrawRecording: (id) => {
        requests.push(`withdraw:${id}`);
        return answer(view({ state: 'discarded', stopReason: 'withdrawn', patientConsent: 'withdrawn' }));
      },
    },
    role,
    allowed: options.allowed ?? true,
    otherName: role === 'doctor' ? 'Pat Patient' : 'Dr. Ada Demo',
    now: () => now,
    capture: role === 'doctor' ? capture : null,
    onChange: (panel) => panels.push(panel),
  });
  controller.setAppointment('apt-1');
  return {
    controller,
    requests,
    calls,
    last: () => panels.at(-1) ?? null,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('the call page recording (S29)', () => {
  it("the doctor's Start recording shows only in the call and only where the hospital allows it", () => {
    const allowed = setup('doctor');
    expect(allowed.last()).toBeNull();
    allowed.controller.setInCall(true);
    expect(allowed.last()?.control).toEqual({ label: 'Start recording', disabled: false, busy: false });
    const refused = setup('doctor', { allowed: false });
    refused.controller.setInCall(true);
    expect(refused.last()).toBeNull();
    const patient = setup('patient');
    patient.controller.setInCall(true);
    expect(patient.last()).toBeNull();
  });

  it('asking waits for the patient, and nothing is captured until they allow', async () => {
    const doctor = setup('doctor');
    doctor.controller.setInCall(true);
    await doctor.controller.toggle();
    expect(doctor.requests).toEqual(['ask:apt-1']);
    expect(doctor.last()?.control?.label).toBe('Stop recording');
    expect(doctor.last()?.notice).toBe(
      'Waiting for Pat Patient to allow recording. Nothing is recorded until then.',
    );
    expect(doctor.last()?.indicator).toBeNull();
    expect(doctor.calls).toEqual([]);
    doctor.controller.apply(view({ state: 'recording', patientConsent: 'allowed', segments: 2 }));
    expect(doctor.calls).toEqual(['capture:rec-1:2']);
    expect(doctor.last()?.indicator).toEqual({ words: 'Recording', elapsed: '0:00', paused: false });
  });

  it('the clock counts recorded time from the view, so a reload shows the same time', () => {
    const patient = setup('patient');
    patient.controller.apply(view({ state: 'recording', patientConsent: 'allowed', elapsedMs: 65_000 }));
    expect(patient.last()?.indicator?.elapsed).toBe('1:05');
    patient.advance(10_000);
    patient.controller.tick();
    expect(patient.last()?.indicator?.elapsed).toBe('1:15');
    patient.controller.apply(view({ state: 'paused', elapsedMs: 80_000 }));
    patient.advance(30_000);
    patient.controller.tick();
    expect(patient.last()?.indicator).toEqual({ words: 'Recording paused', elapsed: '1:20', paused: true });
  });

  it("the patient's question names what is recorded, who sees it, for how long and what withdrawing does", async () => {
    const patient = setup('patient');
    patient.controller.apply(view());
    const question = patient.last()?.question;
    expect(question?.title).toBe('Dr. Ada Demo asks to record this call');
    expect(question?.points).toEqual([
      'What is recorded: the sound and picture of both of you, and any screen that is shared.',
      "Who can see it: Dr. Ada Demo and the clinic's administrators.",
      'How long it is kept: 90 days, then it is deleted.',
      'You can stop the recording at any time. If you do, what was recorded is deleted.',
      'Nothing is recorded unless you allow it.',
    ]);
    await patient.controller.answer('allow');
    expect(patient.requests).toEqual(['answer:rec-1:allow']);
    expect(patient.last()?.question).toBeNull();
    expect(patient.last()?.canWithdraw).toBe(true);
    await patient.controller.withdraw();
    expect(patient.requests.at(-1)).toBe('withdraw:rec-1');
    expect(patient.last()?.indicator).toBeNull();
    expect(patient.last()?.notice).toBe('You stopped the recording; what was recorded was deleted.');
  });

  it('a patient who may see it and a hospital that keeps it are told so; a lapsed consent asks again', () => {
    const patient = setup('patient');
    patient.controller.apply(
      view({ state: 'paused', terms: { retentionDays: 1, patientMaySee: true, onWithdraw: 'keep' } }),
    );
    const question = patient.last()?.question;
    expect(question?.title).toBe('Dr. Ada Demo is recording this call. May it go on with you in it?');
    expect(question?.points).toContain(
      "Who can see it: Dr. Ada Demo, the clinic's administrators, and you, on your appointment page.",
    );
    expect(question?.points).toContain('How long it is kept: 1 day, then it is deleted.');
    expect(question?.points).toContain(
      'You can stop the recording at any time. If you do, what was recorded until then is kept.',
    );
  });

  it("the doctor's capture follows the server: pause, withdrawal abandons at once, a stop finishes once", () => {
    const doctor = setup('doctor');
    doctor.controller.apply(view({ state: 'recording' }));
    doctor.controller.apply(view({ state: 'paused', elapsedMs: 5_000 }));
    doctor.controller.apply(view({ state: 'recording', elapsedMs: 5_000 }));
    doctor.controller.apply(view({ state: 'stopped', stopReason: 'withdrawn', elapsedMs: 9_000 }));
    doctor.controller.apply(view({ state: 'discarded', stopReason: 'withdrawn', elapsedMs: 9_000 }));
    expect(doctor.calls).toEqual(['capture:rec-1:0', 'pause', 'capture:rec-1:0', 'abandon:rec-1']);
    expect(doctor.last()?.notice).toBe('Pat Patient stopped the recording; what was recorded was deleted.');

    const ended = setup('doctor');
    ended.controller.apply(view({ id: 'rec-2', state: 'recording' }));
    ended.controller.apply(view({ id: 'rec-2', state: 'stopped', stopReason: 'call_ended', elapsedMs: 1 }));
    ended.controller.apply(view({ id: 'rec-2', state: 'finished', stopReason: 'call_ended', elapsedMs: 1 }));
    expect(ended.calls).toEqual(['capture:rec-2:0', 'flush:rec-2']);
    expect(ended.last()?.notice).toBe('Recording stopped: the call ended.');
  });

  it("the doctor's Stop recording finishes the capture, and a declined ask is said plainly", async () => {
    const doctor = setup('doctor');
    doctor.controller.setInCall(true);
    doctor.controller.apply(view({ state: 'recording' }));
    await doctor.controller.toggle();
    expect(doctor.calls).toEqual(['capture:rec-1:0', 'finish:rec-1']);
    // The server's stopped view that follows does not finish it twice.
    doctor.controller.apply(view({ state: 'stopped', stopReason: 'doctor', elapsedMs: 3_000 }));
    expect(doctor.calls).toEqual(['capture:rec-1:0', 'finish:rec-1']);
    expect(doctor.last()?.control?.label).toBe('Start recording');

    const declined = setup('doctor');
    declined.controller.apply(view({ state: 'declined', patientConsent: 'declined' }));
    expect(declined.last()?.notice).toBe('Pat Patient declined recording. Nothing was recorded.');
    expect(declined.calls).toEqual(['abandon:rec-1']);
  });

  it("a refused request shows the server's words and leaves the button usable", async () => {
    const doctor = setup('doctor', {
      fail: new ApiError(403, 'recording_not_allowed', 'This hospital does not allow recording calls.'),
    });
    doctor.controller.setInCall(true);
    await doctor.controller.toggle();
    expect(doctor.last()?.notice).toBe('This hospital does not allow recording calls.');
    expect(doctor.last()?.control).toEqual({ label: 'Start recording', disabled: false, busy: false });
  });
});
