import type { ComponentChildren, JSX } from 'preact';

/** A page that is one card: signing in, choosing a password. */
export function CardPage({
  headingId,
  title,
  children,
}: {
  headingId: string;
  title: string;
  children: ComponentChildren;
}) {
  return (
    <main id="main" class="page page--narrow">
      <p class="brand brand--large">carecall</p>
      <section class="card stack" aria-labelledby={headingId}>
        <h1 id={headingId}>{title}</h1>
        {children}
      </section>
    </main>
  );
}

export type TextFieldProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onInput'> & {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  /** Shown under the field and read with it. */
  hint?: ComponentChildren;
};

/** A labelled input (its label names it for everyone), with an optional hint read with it. */
export function TextField({ id, label, value, onValue, hint, ...input }: TextFieldProps) {
  const hintId = hint === undefined ? undefined : `${id}-hint`;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        name={id}
        {...input}
        {...(hintId ? { 'aria-describedby': hintId } : {})}
        value={value}
        onInput={(event) => onValue(event.currentTarget.value)}
      />
      {hint !== undefined && (
        <p id={hintId} class="hint">
          {hint}
        </p>
      )}
    </div>
  );
}

/** A form with its fields, the refusal to read (an alert) and one submit button, busy while it is sent. */
export function SubmitForm({
  onSubmit,
  error,
  pending,
  submitLabel,
  block = false,
  children,
}: {
  onSubmit: () => void;
  error: string | null;
  pending: boolean;
  submitLabel: string;
  /** The button as wide as the form (the narrow pages). */
  block?: boolean;
  children: ComponentChildren;
}) {
  return (
    <form
      class="stack"
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit();
      }}
    >
      {children}
      {error && (
        <p role="alert" class="alert alert--error">
          {error}
        </p>
      )}
      <button
        type="submit"
        class={`button button--primary${block ? ' button--block' : ''}`}
        disabled={pending}
        aria-busy={pending}
      >
        {submitLabel}
      </button>
    </form>
  );
}
