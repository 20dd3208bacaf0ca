import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * A modal `<dialog>` shown while `open`: the browser moves focus into it, keeps it there and closes it on
 * Escape (`onClose`, the same as the dialog's own cancel); focus then returns to the control that had it,
 * so on a phone the question is on screen wherever the button that asked it was.
 */
export function ModalDialog({
  open,
  onClose,
  headingId,
  describedBy,
  role = 'dialog',
  fallbackFocusId,
  children,
}: {
  open: boolean;
  onClose: () => void;
  headingId: string;
  describedBy?: string;
  /** `alertdialog` for a question that needs an answer (a confirmation). */
  role?: 'dialog' | 'alertdialog';
  /** Where the focus goes on closing when no control had it on opening (its button was busy, say). */
  fallbackFocusId?: string;
  children: ComponentChildren;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      const active = element.ownerDocument.activeElement;
      opener.current = active instanceof HTMLElement && active !== element.ownerDocument.body ? active : null;
      element.showModal();
    }
    if (!open && element.open) {
      element.close();
      const back = opener.current?.isConnected
        ? opener.current
        : fallbackFocusId
          ? element.ownerDocument.getElementById(fallbackFocusId)
          : null;
      back?.focus();
      opener.current = null;
    }
  }, [open, fallbackFocusId]);

  return (
    <dialog
      ref={dialog}
      class="dialog"
      role={role}
      aria-labelledby={headingId}
      {...(describedBy ? { 'aria-describedby': describedBy } : {})}
      onClose={() => {
        if (open) onClose();
      }}
    >
      {open && children}
    </dialog>
  );
}
