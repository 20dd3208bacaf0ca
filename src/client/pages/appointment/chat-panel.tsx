import { useEffect, useRef } from 'preact/hooks';
import type { ChatEntry } from '../../chat/chat-log.js';
import { MAX_MESSAGE_CHARS } from '../../chat/chat-outbox.js';
import { formatTime } from '../../lib/format.js';

export interface ChatPanelProps {
  selfId: string;
  entries: readonly ChatEntry[];
  loading: boolean;
  error: string | null;
  draft: string;
  onDraft: (draft: string) => void;
  onSend: () => void;
  onRetry: (clientId: string) => void;
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

export function ChatPanel({
  selfId,
  entries,
  loading,
  error,
  draft,
  onDraft,
  onSend,
  onRetry,
}: ChatPanelProps) {
  const listRef = useRef<HTMLOListElement>(null);
  const count = entries.length;
  useEffect(() => {
    const list = listRef.current;
    if (list && count > 0) list.scrollTop = list.scrollHeight;
  }, [count]);

  return (
    <section class="card chat" aria-labelledby="chat-heading">
      <h2 id="chat-heading">Messages</h2>
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
