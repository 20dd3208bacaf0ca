import type { CallContext, IceServerView } from '../../../protocol/api.js';
import { isCallActive, type PartyRole } from '../../../protocol/call-status.js';
import type { CallStatusView, LobbyView, ServerMessage } from '../../../protocol/messages.js';
import { ApiError, errorMessage } from '../../api/api-error.js';
import type { ApiClient } from '../../api/http-client.js';
import { CallSession, type LocalMedia, NO_REMOTE_MEDIA, type RemoteMedia } from '../../call/call-session.js';
import { type DeviceList, NO_DEVICES } from '../../call/devices.js';
import { type MaxDurationWarning, maxDurationWarning } from '../../call/max-duration.js';
import {
  AUDIO_INPUT_KEY,
  AUDIO_OUTPUT_KEY,
  acquireCallMedia,
  describeMediaError,
  describeScreenShareError,
  describeSwitchError,
  VIDEO_INPUT_KEY,
} from '../../call/media.js';
import type { QualityReport } from '../../call/quality.js';
import type { CallPhase } from '../../call/transitions.js';
import { ChatController, type ChatState } from '../../chat/chat-controller.js';
import { formatClock, formatTime } from '../../lib/format.js';
import { appointmentIdFromPath, appointmentPath } from '../../lib/routes.js';
import type { Platform } from '../../platform/platform.js';
import { Store } from '../../ui/store.js';
import { needsSignIn } from '../../ws/close-reasons.js';
import type { ReconnectingSocket } from '../../ws/reconnecting-socket.js';
import { copyInviteLink, IDLE_INVITE, type InviteState } from '../invite-link.js';
import { redirectIfSignedOut } from '../session.js';
import { LINK_REFUSALS, nameProblem, tokenFromHash } from './call-link.js';
import {
  type CallScreen,
  callScreen,
  type QualityView,
  qualityView,
  type UnreadBadge,
  unreadBadge,
} from './call-screen.js';

export type CallPagePhase = 'loading' | 'confirm-name' | 'lobby' | CallPhase;

export interface LobbyState {
  /** "Check-in opens at 14:45" until check-in opens. */
  opensAt: string | null;
  /** Time waited since the first check-in ("3:12"), once the server has it. */
  waited: string | null;
}

export interface CallPageState {
  phase: CallPagePhase;
  statusText: string;
  error: string | null;
  role: PartyRole | null;
  /** This party's user id, to tell its own chat messages apart. */
  selfId: string | null;
  /** Came through a call link without signing in: there is no appointment page to go back to. */
  viaLink: boolean;
  peerName: string | null;
  otherName: string | null;
  localStream: MediaStream | null;
  remoteStream: MediaStream | null;
  local: LocalMedia;
  /** The other side's microphone, camera and screen share, as they signal it. */
  remote: RemoteMedia;
  /** About once a second while a peer connection exists; null before the first sample. */
  quality: QualityReport | null;
  /** Null when this side may not share: a patient, or a browser without getDisplayMedia. */
  screenShare: { active: boolean } | null;
  devices: DeviceList;
  ending: boolean;
  appointmentHref: string;
  nameDraft: string;
  nameError: string | null;
  confirmingName: boolean;
  lobby: LobbyState | null;
  warning: MaxDurationWarning | null;
  /** The doctor's invite link button, while the call is active. */
  invite: InviteState | null;
  /** The signaling connection is being re-made while the call goes on. */
  serverLost: boolean;
  /** The appointment's conversation, once the call context is known. */
  chat: ChatState | null;
  chatOpen: boolean;
  /** The small panel opened by a press: device settings or the quality figures. */
  popover: CallPopover | null;
  /** The pointer rests on the quality indicator: its figures show until it leaves. */
  qualityPeek: boolean;
  /** Time since the call went `in_progress` ("3:07", "1:02:05"), while in the call. */
  duration: string | null;
  /** Null where the browser has no Fullscreen API (Safari on iPhone): no Fullscreen button. */
  fullscreen: { active: boolean } | null;
  /** The speaker chosen on the device test page (setSinkId); null for the default. */
  audioOutput: string | null;
  /** Derived from the fields above on every update: the words and overlays of the call screen. */
  screen: CallScreen;
  qualityView: QualityView | null;
  chatBadge: UnreadBadge | null;
}

export type CallPopover = 'settings' | 'quality';

type OwnState = Omit<CallPageState, 'screen' | 'qualityView' | 'chatBadge'>;

function withDerived(state: OwnState): CallPageState {
  return {
    ...state,
    screen: callScreen(state),
    qualityView: state.quality ? qualityView(state.quality) : null,
    chatBadge: unreadBadge(state.chat?.unread ?? 0),
  };
}

const STATUS_WORDS: Record<CallPagePhase, string> = {
  loading: 'Connecting…',
  'confirm-name': 'Confirm your name',
  lobby: 'The doctor will be with you shortly',
  idle: 'Connecting…',
  starting: 'Starting your camera and microphone…',
  joining: 'Connecting…',
  waiting: 'Waiting for the other side…',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  'peer-left': 'The other side left',
  ended: 'The call has ended',
  failed: 'The call could not continue',
  closed: 'You left the call',
};

export function statusText(phase: CallPagePhase, error: string | null): string {
  return phase === 'failed' && error ? error : STATUS_WORDS[phase];
}

export function toRtcIceServers(servers: readonly IceServerView[]): RTCIceServer[] {
  return servers.map((server) => {
    const rtc: RTCIceServer = { urls: server.urls };
    if (server.username !== undefined) rtc.username = server.username;
    if (server.credential !== undefined) rtc.credential = server.credential;
    return rtc;
  });
}

/** Codes from ending a call that was already over: the goal (no call) is reached anyway. */
const ALREADY_ENDED = new Set(['call_not_active', 'illegal_transition']);
/** A refused check-in (clock skew against the server) is tried again after this long. */
export const CHECK_IN_RETRY_MS = 30_000;
const ADMIN_WORDS = 'Hospital admins can see appointments but cannot join calls.';

export class CallViewModel extends Store<CallPageState> {
  readonly #api: ApiClient;
  readonly #platform: Platform;
  readonly #socket: ReconnectingSocket;
  #session: CallSession | null = null;
  #appointmentId: string | null = null;
  /** Held in memory only, from the moment it leaves the address bar until it is exchanged. */
  #token: string | null = null;
  #context: CallContext | null = null;
  #lobby: LobbyView | null = null;
  #endsAt: number | null = null;
  #warned = false;
  #left = false;
  #joiningFromLobby = false;
  #subscribed = false;
  #checkInTimer: unknown = null;
  /** Set while checked in: stops re-sending the check-in after reconnects. */
  #releaseCheckIn: (() => void) | null = null;
  #ticker: unknown = null;
  #disposers: Array<() => void> = [];
  #chat: ChatController | null = null;
  /** When the call went in_progress (server time), for the duration clock. */
  #connectedAt: number | null = null;

  constructor(api: ApiClient, platform: Platform, socket: ReconnectingSocket) {
    const initial: OwnState = {
      phase: 'loading',
      statusText: statusText('loading', null),
      error: null,
      role: null,
      selfId: null,
      viaLink: false,
      peerName: null,
      otherName: null,
      localStream: null,
      remoteStream: null,
      local: { audioMuted: false, videoOff: false, hasAudio: false, hasVideo: false, screenSharing: false },
      remote: NO_REMOTE_MEDIA,
      quality: null,
      screenShare: null,
      devices: NO_DEVICES,
      ending: false,
      appointmentHref: '/appointments',
      nameDraft: '',
      nameError: null,
      confirmingName: false,
      lobby: null,
      warning: null,
      invite: null,
      serverLost: false,
      chat: null,
      chatOpen: false,
      popover: null,
      qualityPeek: false,
      duration: null,
      fullscreen: platform.fullscreen ? { active: platform.fullscreen.isActive() } : null,
      audioOutput: platform.readStorage(AUDIO_OUTPUT_KEY),
    };
    super(withDerived(initial));
    this.#api = api;
    this.#platform = platform;
    this.#socket = socket;
  }

  async load(): Promise<void> {
    const platform = this.#platform;
    const id = appointmentIdFromPath(platform.pathname);
    const token = tokenFromHash(platform.hash);
    if (token !== null) {
      // Out of the address bar before anything else can read or share it.
      platform.replaceUrl(`${platform.pathname}${platform.search}`);
      this.#token = token;
    }
    if (!id) {
      this.#fail('This call address is not valid.');
      return;
    }
    this.#appointmentId = id;
    this.update({ appointmentHref: appointmentPath(id) });
    try {
      if (this.#token !== null) await this.#enterWithLink(id);
      else await this.#enterWithSession(id);
    } catch (error) {
      if (!this.state.viaLink && redirectIfSignedOut(error, platform)) return;
      this.#fail(errorMessage(error));
    }
  }

  setNameDraft(nameDraft: string): void {
    this.update({ nameDraft, nameError: null });
  }

  async confirmName(): Promise<void> {
    if (this.state.confirmingName) return;
    const problem = nameProblem(this.state.nameDraft);
    if (problem) {
      this.update({ nameError: problem });
      return;
    }
    this.update({ confirmingName: true, nameError: null });
    try {
      await this.#exchange(this.state.nameDraft.trim());
    } catch (error) {
      this.#fail(errorMessage(error));
    } finally {
      this.update({ confirmingName: false });
    }
  }

  toggleAudio(): void {
    this.#session?.setAudioMuted(!this.state.local.audioMuted);
  }

  toggleVideo(): void {
    this.#session?.setVideoOff(!this.state.local.videoOff);
  }

  /** Starts or stops sharing the screen (doctor only; no-op where sharing is not offered). */
  async toggleScreenShare(): Promise<void> {
    const session = this.#session;
    const share = this.state.screenShare;
    if (!session || !share) return;
    if (share.active) {
      session.stopScreenShare();
      return;
    }
    try {
      await session.startScreenShare();
      if (this.state.error) this.update({ error: null });
    } catch (error) {
      // A cancelled picker is the person's choice, not a failure.
      const message = describeScreenShareError(error);
      if (message) this.update({ error: message });
    }
  }

  /** Uses another camera or microphone for the rest of the call and remembers the choice. */
  async selectDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void> {
    const session = this.#session;
    if (!session) return;
    try {
      await session.switchDevice(kind, deviceId);
      this.#platform.writeStorage(kind === 'audioinput' ? AUDIO_INPUT_KEY : VIDEO_INPUT_KEY, deviceId);
      if (this.state.error) this.update({ error: null });
    } catch (error) {
      this.update({ error: describeSwitchError(kind, error) });
    }
  }

  toggleChat(): void {
    if (this.state.chatOpen) this.closeChat();
    else this.#setChatOpen(true);
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
    this.update({ popover: this.state.popover === popover ? null : popover, qualityPeek: false });
  }

  /** Hovering the quality indicator shows its figures without a press. */
  peekQuality(peek: boolean): void {
    if (peek !== this.state.qualityPeek) this.update({ qualityPeek: peek });
  }

  closePopover(): void {
    if (this.state.popover !== null) this.update({ popover: null });
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

  async copyInviteLink(): Promise<void> {
    const id = this.#appointmentId;
    if (!id || this.state.invite?.status === 'pending') return;
    await copyInviteLink(this.#api, this.#platform, id, (invite) => this.update({ invite }));
  }

  async endCall(): Promise<void> {
    const id = this.#appointmentId;
    if (!id || this.state.ending) return;
    this.update({ ending: true, error: null });
    try {
      // A call that could not connect is recorded as failed (S24), not as hung up.
      await this.#api.endCall(id, this.state.phase === 'failed' ? 'failed' : 'hung_up');
    } catch (error) {
      if (!this.state.viaLink && redirectIfSignedOut(error, this.#platform)) return;
      if (!(error instanceof ApiError && ALREADY_ENDED.has(error.code))) {
        this.update({ ending: false, error: errorMessage(error) });
        return;
      }
    }
    this.#callOver();
  }

  /** Leaves the room and releases the camera; the page is going away. */
  leave(): void {
    if (this.#left) return;
    this.#left = true;
    this.#session?.close();
    this.#chat?.dispose();
    this.#socket.close();
    this.#stopTimers();
    for (const dispose of this.#disposers) dispose();
    this.#disposers = [];
  }

  async #enterWithSession(id: string): Promise<void> {
    let context: CallContext;
    try {
      context = await this.#api.getCallContext(id);
    } catch (error) {
      if (error instanceof ApiError && error.status === 403 && (await this.#isAdmin())) {
        this.#fail(ADMIN_WORDS);
        return;
      }
      throw error;
    }
    await this.#begin(context);
  }

  async #isAdmin(): Promise<boolean> {
    try {
      return (await this.#api.getSession()).user.role === 'admin';
    } catch {
      return false;
    }
  }

  /**
   * A link is exchanged only when this browser cannot take part yet: a second visit from the same
   * browser (or the party's own session with a cookie) must not spend it.
   */
  async #enterWithLink(id: string): Promise<void> {
    let context: CallContext | null = null;
    try {
      context = await this.#api.getCallContext(id);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status === 0 || error.status >= 500) throw error;
    }
    if (context?.hasGrant) {
      this.#token = null;
      await this.#begin(context);
      return;
    }
    // A signed-in party exchanges with its session's CSRF token, which the context carries.
    if (context) this.#api.csrfToken = context.csrfToken;
    const signedIn = context !== null || (await this.#signedIn());
    if (signedIn) await this.#exchange(undefined);
    else this.#askName();
  }

  async #signedIn(): Promise<boolean> {
    try {
      await this.#api.getSession();
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return false;
      throw error;
    }
  }

  #askName(): void {
    this.update({ phase: 'confirm-name', statusText: statusText('confirm-name', null), viaLink: true });
  }

  async #exchange(displayName: string | undefined): Promise<void> {
    const token = this.#token;
    if (token === null) return;
    let context: CallContext;
    try {
      context = await this.#api.exchangeLink(displayName === undefined ? { token } : { token, displayName });
    } catch (error) {
      if (error instanceof ApiError) {
        // A patient link needs the patient to confirm a name, also when signed in without one on file.
        if (error.code === 'validation_failed' && displayName === undefined) {
          this.#askName();
          return;
        }
        const words = LINK_REFUSALS[error.code as keyof typeof LINK_REFUSALS];
        if (words) {
          this.#token = null;
          this.update({ viaLink: true });
          this.#fail(words);
          return;
        }
      }
      throw error;
    }
    this.#token = null;
    await this.#begin(context);
  }

  async #begin(context: CallContext): Promise<void> {
    this.#context = context;
    this.#api.csrfToken = context.csrfToken;
    this.#lobby = context.lobby;
    this.update({
      role: context.self.role,
      selfId: context.self.userId,
      viaLink: context.via === 'link',
      otherName: context.other.displayName,
    });
    this.#createChat(context);
    this.#listen();
    this.#applyCall(context.call);
    if (isCallActive(context.call.status)) {
      const iceServers = context.hasGrant ? context.iceServers : await this.#obtainGrant();
      this.#startSession(iceServers);
    } else if (context.self.role === 'patient') {
      this.#enterLobby(context);
    } else {
      this.#callOver();
    }
  }

  /** The call cookie for this browser: join for the patient, enter for the doctor (S16). */
  async #obtainGrant(): Promise<IceServerView[]> {
    const id = this.#appointmentId;
    const role = this.state.role;
    if (!id || !role) throw new Error('No call to join.');
    const info = role === 'patient' ? await this.#api.joinCall(id) : await this.#api.enterCall(id);
    if (this.#context) this.#context = { ...this.#context, hasGrant: true, iceServers: info.iceServers };
    return info.iceServers;
  }

  #listen(): void {
    const socket = this.#socket;
    this.#disposers.push(
      socket.events.on('message', (message) => this.#onMessage(message)),
      socket.events.on('state', (state) => {
        const serverLost = state === 'reconnecting' && this.#session !== null;
        if (serverLost !== this.state.serverLost) this.update({ serverLost });
      }),
      socket.events.on('fatal', (fatal) => {
        if (needsSignIn(fatal.code) && !this.state.viaLink) {
          this.leave();
          redirectIfSignedOut(new ApiError(401, 'unauthenticated', fatal.message), this.#platform);
          return;
        }
        // In the call the session reports it; in the waiting room nobody else would.
        if (!this.#session) {
          this.#stopTimers();
          this.#fail(fatal.message);
        }
      }),
    );
    const fullscreen = this.#platform.fullscreen;
    if (fullscreen) this.#disposers.push(fullscreen.onChange(() => this.#renderFullscreen()));
    this.#ticker = this.#platform.timers.setInterval(() => this.#tick(), 1000);
  }

  #createChat(context: CallContext): void {
    const platform = this.#platform;
    const chat = new ChatController({
      appointmentId: context.appointmentId,
      sender: { id: context.self.userId, displayName: context.self.displayName, role: context.self.role },
      api: this.#api,
      signaling: this.#socket,
      newId: platform.newId,
      now: platform.now,
      visible: this.state.chatOpen,
    });
    this.#chat = chat;
    this.#disposers.push(chat.subscribe((state) => this.update({ chat: state })));
    this.update({ chat: chat.state });
  }

  #setChatOpen(chatOpen: boolean): void {
    this.#chat?.setVisible(chatOpen);
    this.update({ chatOpen, popover: null });
  }

  #renderFullscreen(): void {
    const fullscreen = this.#platform.fullscreen;
    if (!fullscreen) return;
    const active = fullscreen.isActive();
    if (this.state.fullscreen?.active !== active) this.update({ fullscreen: { active } });
  }

  /** The call's clock, from `connectedAt` (in_progress) on the server, while this side is in the call. */
  #renderDuration(): void {
    const inCall = this.#session !== null && !['ended', 'failed', 'closed'].includes(this.state.phase);
    const duration =
      inCall && this.#connectedAt !== null ? formatClock(this.#platform.now() - this.#connectedAt) : null;
    if (duration !== this.state.duration) this.update({ duration });
  }

  #subscribe(id: string): void {
    if (this.#subscribed) return;
    this.#subscribed = true;
    this.#disposers.push(this.#socket.retain(`subscribe:${id}`, { type: 'subscribe', appointmentId: id }));
  }

  #enterLobby(context: CallContext): void {
    const id = context.appointmentId;
    this.update({ phase: 'lobby', statusText: statusText('lobby', null) });
    this.#subscribe(id);
    this.#socket.connect();
    const wait = context.checkInOpensAt - this.#platform.now();
    if (wait <= 0) this.#checkIn();
    else this.#scheduleCheckIn(wait);
    this.#renderLobby();
  }

  #scheduleCheckIn(ms: number): void {
    if (this.#checkInTimer !== null) this.#platform.timers.clearTimeout(this.#checkInTimer);
    this.#checkInTimer = this.#platform.timers.setTimeout(() => {
      this.#checkInTimer = null;
      this.#checkIn();
    }, ms);
  }

  /** Retained, so it is sent again after every reconnect: the server forgets a socket's check-in with it. */
  #checkIn(): void {
    const id = this.#appointmentId;
    if (!id || this.state.phase !== 'lobby') return;
    this.#releaseCheckIn?.();
    this.#releaseCheckIn = this.#socket.retain(`check-in:${id}`, { type: 'check-in', appointmentId: id });
    this.#renderLobby();
  }

  #stopCheckIn(): void {
    this.#releaseCheckIn?.();
    this.#releaseCheckIn = null;
    if (this.#checkInTimer !== null) this.#platform.timers.clearTimeout(this.#checkInTimer);
    this.#checkInTimer = null;
  }

  #renderLobby(): void {
    if (this.state.phase !== 'lobby' || !this.#context) return;
    const now = this.#platform.now();
    const checkedInAt = this.#lobby?.checkedInAt ?? null;
    const opensAt =
      this.#releaseCheckIn === null ? `Check-in opens at ${formatTime(this.#context.checkInOpensAt)}` : null;
    const lobby: LobbyState = {
      opensAt,
      waited: opensAt === null && checkedInAt !== null ? formatClock(now - checkedInAt) : null,
    };
    const current = this.state.lobby;
    if (current?.opensAt !== lobby.opensAt || current?.waited !== lobby.waited) this.update({ lobby });
  }

  async #joinFromLobby(): Promise<void> {
    if (this.#joiningFromLobby) return;
    this.#joiningFromLobby = true;
    this.#stopCheckIn();
    let iceServers: IceServerView[];
    try {
      iceServers = await this.#obtainGrant();
    } catch (error) {
      this.#joiningFromLobby = false;
      if (error instanceof ApiError && error.code === 'call_not_active') {
        // Ended again before we got in: keep waiting for the next start.
        this.#checkIn();
        return;
      }
      this.#fail(errorMessage(error));
      return;
    }
    if (this.#left) return;
    // This socket was opened before the cookie existed, so it cannot join; a new one carries it.
    this.#socket.reconnect();
    this.update({ lobby: null });
    this.#startSession(iceServers);
  }

  #onMessage(message: ServerMessage): void {
    const id = this.#appointmentId;
    if (message.type === 'lobby' && message.lobby.appointmentId === id) {
      this.#lobby = message.lobby;
      this.#renderLobby();
    } else if (message.type === 'call-status' && message.call.appointmentId === id) {
      this.#applyCall(message.call);
      if (this.state.phase === 'lobby' && isCallActive(message.call.status)) void this.#joinFromLobby();
    } else if (
      message.type === 'error' &&
      message.code === 'check_in_not_open' &&
      this.state.phase === 'lobby'
    ) {
      this.#stopCheckIn();
      this.#scheduleCheckIn(CHECK_IN_RETRY_MS);
      this.#renderLobby();
    }
  }

  #applyCall(call: CallStatusView): void {
    if (call.endsAt !== undefined && call.endsAt !== null) this.#endsAt = call.endsAt;
    this.#connectedAt = call.status === 'in_progress' ? (call.connectedAt ?? this.#connectedAt) : null;
    this.#renderDuration();
    const active = isCallActive(call.status);
    if (this.state.role === 'doctor') {
      if (active && !this.state.invite) this.update({ invite: IDLE_INVITE });
      if (!active && this.state.invite) this.update({ invite: null });
    }
    this.#renderWarning();
  }

  #renderWarning(): void {
    const inCall = this.#session !== null && !['ended', 'failed', 'closed'].includes(this.state.phase);
    const warning = inCall ? maxDurationWarning(this.#endsAt, this.#platform.now(), this.#warned) : null;
    const current = this.state.warning;
    if (current?.remaining !== warning?.remaining || current?.announcement !== warning?.announcement) {
      this.update({ warning });
    }
  }

  #tick(): void {
    this.#renderLobby();
    this.#renderWarning();
    this.#renderDuration();
  }

  #startSession(iceServers: IceServerView[]): void {
    const id = this.#appointmentId;
    const role = this.state.role;
    if (!id || !role || this.#left) return;
    const platform = this.#platform;
    const socket = this.#socket;
    this.#subscribe(id);
    void this.#chat?.start();
    const preferred = () => ({
      videoInput: platform.readStorage(VIDEO_INPUT_KEY),
      audioInput: platform.readStorage(AUDIO_INPUT_KEY),
    });
    // Only the doctor shares a screen (S10), and only where the browser can capture one.
    const getDisplayMedia = role === 'doctor' ? platform.getDisplayMedia : null;
    const session = new CallSession({
      appointmentId: id,
      polite: role === 'patient',
      iceServers: toRtcIceServers(iceServers),
      iceTransportPolicy: this.#context?.iceTransportPolicy ?? 'all',
      refreshIceConfig: async () => {
        const info = await this.#api.getCall(id);
        return { iceServers: toRtcIceServers(info.iceServers), iceTransportPolicy: info.iceTransportPolicy };
      },
      signaling: socket,
      createPeerConnection: platform.createPeerConnection,
      acquireMedia: () => acquireCallMedia(platform.getUserMedia, preferred()),
      describeMediaError,
      createMediaStream: platform.createMediaStream,
      devices: {
        getUserMedia: platform.getUserMedia,
        enumerateDevices: () => platform.enumerateDevices(),
        onDeviceChange: (listener) => platform.onDeviceChange(listener),
        getDisplayMedia,
        preferred,
      },
      timers: platform.timers,
      renewGrant: async () => {
        await this.#obtainGrant();
      },
      onError: (error) => console.warn('call:', error),
    });
    this.#session = session;
    this.update({ screenShare: getDisplayMedia ? { active: false } : null });
    session.events.on('state', (state) => {
      this.update({
        phase: state.phase,
        statusText: statusText(state.phase, state.error),
        error: state.error,
        peerName: state.peer?.displayName ?? (state.phase === 'peer-left' ? this.state.peerName : null),
      });
      if (state.phase === 'ended') this.#callOver();
      this.#renderWarning();
      this.#renderDuration();
    });
    session.events.on('call-warning', ({ endsAt }) => {
      this.#endsAt = endsAt;
      this.#warned = true;
      this.#renderWarning();
    });
    session.events.on('local-stream', (localStream) => this.update({ localStream }));
    session.events.on('local-media', (local) =>
      this.update({ local, screenShare: this.state.screenShare ? { active: local.screenSharing } : null }),
    );
    session.events.on('quality', (quality) => this.update({ quality }));
    session.events.on('devices', (devices) => this.update({ devices }));
    session.events.on('remote-stream', (remoteStream) => this.update({ remoteStream }));
    session.events.on('remote-media', (remote) => this.update({ remote }));
    this.#disposers.push(platform.onHidden(() => session.flushAcks()));
    socket.connect();
    session.start();
    this.#renderWarning();
    this.#renderDuration();
  }

  /** Both sides go back to the appointment; someone who came by link has no appointment page to go to. */
  #callOver(): void {
    // The room's call-ended message and the answer to this page's own end request both arrive, and a page
    // that has left (signed out, going away) navigates no more: a second navigation would abort the first.
    if (this.#left) return;
    const id = this.#appointmentId;
    const viaLink = this.state.viaLink;
    this.leave();
    if (viaLink) {
      // Someone who came by link leaves nothing behind on this device (it may be shared): the call cookie
      // is given up. A restart would need a new link anyway.
      void this.#api.forgetCallCookie().catch(() => {});
      this.update({
        phase: 'ended',
        statusText: 'The call has ended. You can close this page.',
        warning: null,
        invite: null,
        lobby: null,
        duration: null,
        chatOpen: false,
        popover: null,
      });
      return;
    }
    if (id) this.#platform.replace(appointmentPath(id));
  }

  #stopTimers(): void {
    this.#stopCheckIn();
    if (this.#ticker !== null) this.#platform.timers.clearInterval(this.#ticker);
    this.#ticker = null;
  }

  #fail(message: string): void {
    this.update({ phase: 'failed', error: message, statusText: message, lobby: null, warning: null });
  }

  /** Keeps the derived screen words in step with every change, whoever makes it. */
  protected override update(patch: Partial<CallPageState>): void {
    super.update(withDerived({ ...this.state, ...patch }));
  }
}
