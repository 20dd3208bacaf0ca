import { describe, expect, it } from 'vitest';
import { isEditableTarget, type KeyPress, shortcutFor } from './call-shortcuts.js';

const press = (key: string, patch: Partial<KeyPress> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  altKey: false,
  metaKey: false,
  repeat: false,
  editable: false,
  ...patch,
});

describe('shortcutFor', () => {
  it.each([
    ['m', 'toggle-audio'],
    ['M', 'toggle-audio'],
    ['v', 'toggle-video'],
    ['c', 'toggle-chat'],
    ['l', 'leave'],
    ['?', 'help'],
  ] as const)('%s → %s', (key, action) => {
    expect(shortcutFor(press(key), true)).toBe(action);
  });

  it('ignores other keys, typing in a field, held keys, modifier chords, and everything when turned off', () => {
    expect(shortcutFor(press('x'), true)).toBeNull();
    expect(shortcutFor(press('Enter'), true)).toBeNull();
    expect(shortcutFor(press('m', { editable: true }), true)).toBeNull();
    expect(shortcutFor(press('m', { repeat: true }), true)).toBeNull();
    expect(shortcutFor(press('m', { ctrlKey: true }), true)).toBeNull();
    expect(shortcutFor(press('l', { metaKey: true }), true)).toBeNull();
    expect(shortcutFor(press('c', { altKey: true }), true)).toBeNull();
    expect(shortcutFor(press('m'), false)).toBeNull();
  });
});

describe('isEditableTarget', () => {
  it('knows fields from the rest, and copes with no target', () => {
    const fake = (matches: boolean, isContentEditable = false) =>
      ({ isContentEditable, closest: () => (matches ? {} : null) }) as unknown as EventTarget;
    expect(isEditableTarget(fake(true))).toBe(true);
    expect(isEditableTarget(fake(false, true))).toBe(true);
    expect(isEditableTarget(fake(false))).toBe(false);
    expect(isEditableTarget(null)).toBe(false);
  });
});
