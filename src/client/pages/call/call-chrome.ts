import type { CallContext } from '../../../protocol/api.js';
import type { PartyRole } from '../../../protocol/call-status.js';
import type { ApiClient } from '../../api/http-client.js';
import { ChatController } from '../../chat/chat-controller.js';
import type { Platform } from '../../platform/platform.js';
import type { SignalingChannel } from '../../ws/reconnecting-socket.js';
import { copyInviteLink, IDLE_INVITE } from '../invite-link.js';
import type { CallPageFields } from './call-page-state.js';
import type { CallPopover } from './call-page-types.js';
import { SHORTCUTS_STORAGE_KEY } from './call-shortcuts.js';

export type ChromeFields = Pick<
  CallPageFields,
  'chat' | 'chatOpen' | 'popover' | 'qualityPeek' | 'fullscreen' | 'invite' | 'shortcutsEnabled'
>;

/** The page whose state holds the chrome's part. */
export interface ChromeHost {
  state(): ChromeFields;
  update(patch: Partial<ChromeFields>): void;
}

/**
 * What surrounds the call's video: the chat panel with the appointment's conversation, the settings and
 * quality panels, fullscreen and the doctor's invite link, as a part of the page's state.
 */
export class CallChrome {
  readonly #platform: Platform;
  readonly #api: ApiClient;
  readonly #page: ChromeHost;
  #chat: ChatController | null = null;
  #disposers: Array<() => void> = [];

  constructor(platform: Platform, api: ApiClient, page: ChromeHost) {
    this.#platform = platform;
    this.#api = api;
    this.#page = page;
  }

  /** The conversation of the call's appointment, as this party; and the browser's own fullscreen changes. */
  attach(context: CallContext, signaling: SignalingChannel): void {
    const { self } = context;
    const platform = this.#platform;
    const chat = new ChatController({
      appointmentId: context.appointmentId,
      sender: { id: self.userId, displayName: self.displayName, role: self.role },
      api: this.#api,
      signaling,
      newId: platform.newId,
      now: platform.now,
      visible: this.#page.state().chatOpen,
    });
    this.#chat = chat;
    this.#disposers.push(chat.subscribe((state) => this.#page.update({ chat: state })));
    this.#page.update({ chat: chat.state });
    const fullscreen = platform.fullscreen;
    if (fullscreen) this.#disposers.push(fullscreen.onChange(() => this.#renderFullscreen()));
  }

  /** Loads the conversation's history and follows it live. */
  startChat(): void {
    void this.#chat?.start();
  }

  toggleChat(): void {
    this.#setChatOpen(!this.#page.state().chatOpen);
  }

  closeChat(): void {
    this.#setChatOpen(false);
  }

  setChatDraft(draft: string): void {
    this.#chat?.setDraft(draft);
  }

  sendChat(): void {
    this.#chat?.send();
  }

  retryChat(clientId: string): void {
    this.#chat?.retry(clientId);
  }

  /** Opens one of the small panels (closing the other), or closes it when it is already open. */
  togglePopover(popover: CallPopover): void {
    // A press pins a panel open (also one the pointer already shows) or closes it; closing beats the
    // pointer still resting on the indicator.
    this.#page.update({
      popover: this.#page.state().popover === popover ? null : popover,
      qualityPeek: false,
    });
  }

  /** Single-key shortcuts on or off, for this browser from now on. */
  setShortcutsEnabled(enabled: boolean): void {
    this.#platform.writeStorage(SHORTCUTS_STORAGE_KEY, enabled ? 'on' : 'off');
    this.#page.update({ shortcutsEnabled: enabled });
  }

  /** Hovering the quality indicator shows its figures without a press. */
  peekQuality(peek: boolean): void {
    if (peek !== this.#page.state().qualityPeek) this.#page.update({ qualityPeek: peek });
  }

  closePopover(): void {
    if (this.#page.state().popover !== null) this.#page.update({ popover: null });
  }

  /** Full screen for the call element; the state follows the browser's change events (also Escape). */
  async toggleFullscreen(element: Element | null): Promise<void> {
    const fullscreen = this.#platform.fullscreen;
    if (!fullscreen) return;
    try {
      if (fullscreen.isActive()) await fullscreen.exit();
      else if (element) await fullscreen.enter(element);
    } catch (error) {
      // Refused (no user gesture, a policy): the call goes on in the window.
      console.warn('fullscreen:', error);
    }
    this.#renderFullscreen();
  }

  /** The doctor's invite link button, while the call is active. */
  followCall(role: PartyRole | null, active: boolean): void {
    if (role !== 'doctor') return;
    const { invite } = this.#page.state();
    if (active && !invite) this.#page.update({ invite: IDLE_INVITE });
    if (!active && invite) this.#page.update({ invite: null });
  }

  async copyInviteLink(appointmentId: string): Promise<void> {
    if (this.#page.state().invite?.status === 'pending') return;
    await copyInviteLink(this.#api, this.#platform, appointmentId, (invite) => this.#page.update({ invite }));
  }

  dispose(): void {
    this.#chat?.dispose();
    for (const dispose of this.#disposers) dispose();
    this.#disposers = [];
  }

  #setChatOpen(chatOpen: boolean): void {
    this.#chat?.setVisible(chatOpen);
    this.#page.update({ chatOpen, popover: null });
  }

  #renderFullscreen(): void {
    const fullscreen = this.#platform.fullscreen;
    if (!fullscreen) return;
    const active = fullscreen.isActive();
    if (this.#page.state().fullscreen?.active !== active) this.#page.update({ fullscreen: { active } });
  }
}
