/**
 * The call page's keyboard shortcuts: one key each, as in other video-call apps, listed in the page's
 * "Keyboard shortcuts" popover. Single-key shortcuts can get in the way of speech input and of some
 * screen readers (WCAG 2.1.4), so the popover can turn them off; the choice is kept per browser. A key
 * typed into a text field (the chat) is never a shortcut, nor one pressed with Ctrl, Alt or ⌘.
 */
export type ShortcutAction = 'toggle-audio' | 'toggle-video' | 'toggle-chat' | 'leave' | 'help';

export interface Shortcut {
  key: string;
  action: ShortcutAction;
  /** What the popover lists. */
  words: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { key: 'M', action: 'toggle-audio', words: 'Mute or unmute your microphone' },
  { key: 'V', action: 'toggle-video', words: 'Turn your camera off or on' },
  { key: 'C', action: 'toggle-chat', words: 'Open or close the chat' },
  { key: 'L', action: 'leave', words: 'Leave the call' },
  { key: '?', action: 'help', words: 'Show this list' },
];

export const SHORTCUTS_STORAGE_KEY = 'carecall.shortcuts';

export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
  repeat: boolean;
  /** The key went to a text field, a select or anything editable. */
  editable: boolean;
}

export function isEditableTarget(target: EventTarget | null): boolean {
  if (!target || typeof (target as Element).closest !== 'function') return false;
  const element = target as HTMLElement;
  return element.isContentEditable || element.closest('input, textarea, select, [contenteditable]') !== null;
}

export function shortcutFor(press: KeyPress, enabled: boolean): ShortcutAction | null {
  if (!enabled || press.editable || press.repeat || press.ctrlKey || press.altKey || press.metaKey)
    return null;
  const key = press.key.length === 1 ? press.key.toUpperCase() : press.key;
  return SHORTCUTS.find((s) => s.key === key)?.action ?? null;
}
