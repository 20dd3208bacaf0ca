import { ModalDialog } from '../../ui/modal-dialog.js';
import type { CallViewModel } from './call-view-model.js';
import type { ConsentQuestion, RecordingPanel } from './recording-words.js';

/**
 * What both parties see of the call's recording (S29): the indicator with its clock while it records or
 * is paused, a line about what happened, and the patient's own Stop recording. The indicator is a live
 * region whose clock is hidden from screen readers: they hear "Recording" once, not every second.
 */
export function RecordingStatus({ panel, model }: { panel: RecordingPanel; model: CallViewModel }) {
  const { indicator } = panel;
  return (
    <div class="recording" data-testid="recording-status">
      <p role="status" aria-live="polite" class="visually-hidden">
        {panel.announcement}
      </p>
      {indicator && (
        <p class={`recording__indicator${indicator.paused ? ' recording__indicator--paused' : ''}`}>
          <span class="recording__dot" aria-hidden="true" />
          <span class="recording__words">{indicator.words}</span>
          <span class="recording__clock" aria-hidden="true">
            {indicator.elapsed}
          </span>
          <span class="visually-hidden">, {indicator.elapsed} recorded</span>
        </p>
      )}
      {panel.canWithdraw && (
        <button
          type="button"
          class="button button--danger recording__stop"
          onClick={() => void model.withdrawRecording()}
        >
          Stop recording
        </button>
      )}
      {panel.notice && <p class="recording__notice">{panel.notice}</p>}
    </div>
  );
}

/**
 * The patient's question before anything of them is recorded: what, who may see it, how long, what a
 * withdrawal does. Escape (or closing it) declines: nothing is recorded unless they allow it.
 */
export function ConsentDialog({
  question,
  model,
}: {
  question: ConsentQuestion | null;
  model: CallViewModel;
}) {
  return (
    <ModalDialog
      open={question !== null}
      onClose={() => void model.answerRecording('decline')}
      headingId="recording-consent-title"
      describedBy="recording-consent-points"
      role="alertdialog"
    >
      {question && (
        <>
          <h2 id="recording-consent-title" class="dialog__title">
            {question.title}
          </h2>
          <ul id="recording-consent-points" class="recording__points">
            {question.points.map((point) => (
              <li key={point}>{point}</li>
            ))}
          </ul>
          <div class="dialog__actions">
            {/* First, so a stray Enter records nothing. */}
            <button type="button" class="button" onClick={() => void model.answerRecording('decline')}>
              Decline recording
            </button>
            <button
              type="button"
              class="button button--primary"
              onClick={() => void model.answerRecording('allow')}
            >
              Allow recording
            </button>
          </div>
        </>
      )}
    </ModalDialog>
  );
}
