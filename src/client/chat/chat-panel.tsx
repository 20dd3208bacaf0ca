import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { formatTime } from '../lib/format.js';
import type { ChatState } from './chat-controller.js';
import type { ChatEntry } from './chat-log.js';
import { MAX_MESSAGE_CHARS } from './chat-outbox.js';

export interface ChatPanelProps {
  selfId: string;
  chat: ChatState;
  onDraft: (draft: string) => void;
  onSend: () => void;
  onRetry: (clientId: string) => void;
  /** Extra classes for the section (the call page's slide-out). */
  class?: string;
  /** Shown beside the heading, e.g. the call page's Close button. */
  headerAction?: ComponentChildren;
  /** The message box takes the focus each time this turns true (a panel that just opened). */
  focusCompose?: boolean;
}

function ChatRow({
  entry,
  mine,
  onRetry,
}: {
  entry: ChatEntry;
  mine: boolean;
  onRetry: (clientId: string) => void;
}) {
  return (
    <li
      class={`chat-message${mine ? ' chat-message--mine' : ''}${entry.status === 'pending' ? ' chat-message--pending' : ''}`}
    >
      <p class="chat-message__meta">
        <span class="chat-message__sender">{mine ? 'You' : entry.senderName}</span>{' '}
        <time dateTime={new Date(entry.createdAt).toISOString()}>{formatTime(entry.createdAt)}</time>
      </p>
      <p class="chat-message__body">{entry.body}</p>
      {entry.status === 'pending' && <p class="chat-message__state">Sending…</p>}
      {entry.status === 'failed' && (
        <p class="chat-message__state chat-message__state--error">
          Not sent{entry.error ? `: ${entry.error}` : '.'}{' '}
          <button type="button" class="button button--small" onClick={() => onRetry(entry.clientId)}>
            Retry
          </button>
        </p>
      )}
    </li>
  );
}

/** The appointment's conversation; the appointment page and the call page both show it. */
export function ChatPanel({
  selfId,
  chat,
  onDraft,
  onSend,
  onRetry,
  class: className,
  headerAction,
  focusCompose = false,
}: ChatPanelProps) {
  const listRef = useRef<HTMLOListElement>(null);
  const composeRef = useRef<HTMLTextAreaElement>(null);
  const { entries, loading, error, draft } = chat;
  const count = entries.length;
  useEffect(() => {
    const list = listRef.current;
    if (list && count > 0) list.scrollTop = list.scrollHeight;
  }, [count]);
  // In the same task as the render: a deferred effect could take the focus back from wherever the person
  // (or a test) moved it in the meantime. Without scrolling: the call's chat is still sliding in, and a
  // focus that scrolls to it moved the whole call screen up on a phone, the video out of sight.
  useLayoutEffect(() => {
    if (focusCompose) composeRef.current?.focus({ preventScroll: true });
  }, [focusCompose]);

  return (
    <section class={`card chat${className ? ` ${className}` : ''}`} aria-labelledby="chat-heading">
      <div class="chat__header">
        <h2 id="chat-heading">Messages</h2>
        {headerAction}
      </div>
      {loading && <p class="muted">Loading messages…</p>}
      {!loading && count === 0 && <p class="muted">No messages yet.</p>}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard to scroll it */}
      <ol class="chat__list" ref={listRef} role="log" aria-label="Conversation" tabIndex={0}>
        {entries.map((entry) => (
          <ChatRow key={entry.key} entry={entry} mine={entry.senderId === selfId} onRetry={onRetry} />
        ))}
      </ol>
      {error && (
        <p role="alert" class="alert alert--error">
          {error}
        </p>
      )}
      <form
        class="chat__form"
        onSubmit={(event) => {
          event.preventDefault();
          onSend();
        }}
      >
        <label for="chat-message">Message</label>
        <div class="chat__compose">
          <textarea
            ref={composeRef}
            id="chat-message"
            name="message"
            rows={2}
            maxLength={MAX_MESSAGE_CHARS}
            value={draft}
            aria-describedby="chat-hint"
            onInput={(event) => onDraft(event.currentTarget.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
                event.preventDefault();
                onSend();
              }
            }}
          />
          <button type="submit" class="button button--primary" disabled={draft.trim() === ''}>
            Send
          </button>
        </div>
        <p id="chat-hint" class="hint">
          Press Enter to send, Shift+Enter for a new line.
        </p>
      </form>
    </section>
  );
}
