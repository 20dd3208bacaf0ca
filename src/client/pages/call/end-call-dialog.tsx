import type { RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { CallPageState } from './call-page-state.js';
import type { CallViewModel } from './call-view-model.js';
import { END_FOR_EVERYONE_WORDS, otherPartyWords } from './call-words.js';

/**
 * The doctor's confirmation before ending the call for both. A modal `<dialog>`: the browser moves focus
 * into it, keeps it there and closes it on Escape; focus goes back to the button that opened it.
 */
export function EndCallDialog({
  state,
  model,
  opener,
}: {
  state: CallPageState;
  model: CallViewModel;
  opener: RefObject<HTMLButtonElement>;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const open = state.confirmingEnd;

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) {
      element.close();
      opener.current?.focus();
    }
  }, [open, opener]);

  const patient = state.otherName || otherPartyWords('doctor').inSentence;
  return (
    <dialog
      ref={dialog}
      id="end-for-everyone"
      class="dialog"
      aria-labelledby="end-for-everyone-title"
      aria-describedby="end-for-everyone-detail"
      // Escape, or the browser closing it: the same as Cancel.
      onClose={() => model.cancelEndForEveryone()}
    >
      <h2 id="end-for-everyone-title" class="dialog__title">
        {END_FOR_EVERYONE_WORDS.title}
      </h2>
      <p id="end-for-everyone-detail">{END_FOR_EVERYONE_WORDS.detail(patient)}</p>
      <div class="dialog__actions">
        {/* First, so that it has the focus: the safe choice is the one a stray Enter makes. */}
        <button type="button" class="button" onClick={() => model.cancelEndForEveryone()}>
          {END_FOR_EVERYONE_WORDS.cancel}
        </button>
        <button type="button" class="button button--danger" onClick={() => void model.endForEveryone()}>
          {END_FOR_EVERYONE_WORDS.confirm}
        </button>
      </div>
    </dialog>
  );
}
