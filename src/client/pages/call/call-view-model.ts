import type { CallContext, IceServerView } from '../../../protocol/api.js';
import { isCallActive } from '../../../protocol/call-status.js';
import type { CallStatusView } from '../../../protocol/messages.js';
import { ApiError, errorMessage } from '../../api/api-error.js';
import type { ApiClient } from '../../api/http-client.js';
import type { InputKind } from '../../call/devices.js';
import { appointmentPath } from '../../lib/routes.js';
import type { Platform } from '../../platform/platform.js';
import { ViewModel } from '../../ui/view-model.js';
import { needsSignIn } from '../../ws/close-reasons.js';
import type { ReconnectingSocket } from '../../ws/reconnecting-socket.js';
import { redirectIfSignedOut } from '../session.js';
import { type Admission, CallAdmission } from './call-admission.js';
import { CallChrome } from './call-chrome.js';
import {
  type CallTimes,
  callClock,
  NO_CALL_TIMES,
  sameClock,
  withCallStatus,
  withWarning,
} from './call-clock.js';
import { invitationView } from './call-invitation.js';
import { nameProblem } from './call-link.js';
import {
  type CallPageState,
  initialCallPageState,
  LEFT_VIA_LINK,
  OVER_VIA_LINK,
  partyFields,
  withDerived,
} from './call-page-state.js';
import type { CallPopover } from './call-page-types.js';
import type { ShortcutAction } from './call-shortcuts.js';
import { readyToJoin, statusText } from './call-words.js';
import { WiredPeerCall } from './peer-call-wiring.js';
import { readPreJoinChoice, writePreJoinChoice } from './pre-join-choice.js';
import { type RecordingCapture, RecordingController } from './recording-controller.js';
import { WaitingRoomController } from './waiting-room-controller.js';

/** What the doctor's capture records: the other side, the doctor's camera and microphone, a shared screen. */
export interface CaptureSources {
  remote: MediaStream | null;
  /** The doctor's camera and microphone as acquired (the microphone even with the camera off). */
  local: MediaStream | null;
  /** The doctor's shared screen while it runs: it fills the picture, the other side's camera is the inset. */
  screen: MediaStream | null;
}

/** Builds the doctor's recording capture for this appointment's call (src/client/recording/). */
export type CaptureFactory = (setup: {
  appointmentId: string;
  api: ApiClient;
  /** An upload or capture problem for the doctor to see (null: solved). */
  report: (problem: string | null) => void;
}) => RecordingCapture & { setSources(sources: CaptureSources): void };

/** Codes from ending a call that was already over: the goal (no call) is reached anyway. */
const ALREADY_ENDED = new Set(['call_not_active', 'illegal_transition']);
/** How long a leaving doctor's page waits for its last recording chunks to be stored. */
const RECORDING_SETTLE_MS = 5_000;

/** A call this party may join, held while the pre-join screen shows; null ICE servers: granted on Join now. */
interface JoinOffer {
  id: string;
  context: CallContext;
  iceServers: IceServerView[] | null;
}

/**
 * The call page: lets this person in (call-admission.ts), keeps a patient in the waiting room until the
 * doctor starts (waiting-room-controller.ts), shows the pre-join screen (the same screen as the waiting
 * room) until Join now, runs the peer call (peer-call-wiring.ts) with its clock (call-clock.ts), and
 * around it the chat, panels and fullscreen (call-chrome.ts) and the invite link.
 */
export class CallViewModel extends ViewModel<CallPageState> {
  readonly #api: ApiClient;
  readonly #platform: Platform;
  readonly #socket: ReconnectingSocket;
  readonly #admission: CallAdmission;
  readonly #chrome: CallChrome;
  #waitingRoom: WaitingRoomController | null = null;
  #peerCall: WiredPeerCall | null = null;
  #times: CallTimes = NO_CALL_TIMES;
  #left = false;
  #offer: JoinOffer | null = null;
  /** A link visitor pressed Join now with their name: once admitted, straight into the call. */
  #joinNowPressed = false;
  #ticker: unknown = null;
  #disposers: Array<() => void> = [];
  #recording: RecordingController | null = null;
  /** Leaving, after the recording's last chunks are stored. */
  #closing = false;
  #capture: (RecordingCapture & { setSources(sources: CaptureSources): void }) | null = null;
  #sources: CaptureSources = { remote: null, local: null, screen: null };
  readonly #captureFactory: CaptureFactory | null;

  /** The pre-join screen's camera check, whose running devices the call takes over at Join now. */
  readonly #preview: { take(): MediaStream | null } | null;

  constructor(
    api: ApiClient,
    platform: Platform,
    socket: ReconnectingSocket,
    preview: { take(): MediaStream | null } | null = null,
    captureFactory: CaptureFactory | null = null,
  ) {
    super(initialCallPageState(platform, readPreJoinChoice(platform)));
    this.#api = api;
    this.#captureFactory = captureFactory;
    this.#preview = preview;
    this.#platform = platform;
    this.#socket = socket;
    this.#admission = new CallAdmission(api);
    this.#chrome = new CallChrome(platform, api, {
      state: () => this.state,
      update: (patch) => this.update(patch),
    });
  }

  async load(): Promise<void> {
    const entering = this.#admission.enter(this.#platform);
    const id = this.#admission.appointmentId;
    if (id) this.update({ appointmentHref: appointmentPath(id) });
    try {
      await this.#admit(await entering);
    } catch (error) {
      if (!this.state.viaLink && redirectIfSignedOut(error, this.#platform)) return;
      this.#fail(errorMessage(error));
    }
  }

  setNameDraft(nameDraft: string): void {
    this.update({ nameDraft, nameError: null });
  }

  async confirmName(): Promise<void> {
    if (this.state.confirmingName) return;
    this.update({ joining: this.#joinNowPressed });
    const problem = nameProblem(this.state.nameDraft);
    if (problem) {
      this.update({ nameError: problem, joining: false });
      return;
    }
    this.update({ confirmingName: true, nameError: null });
    try {
      const admission = await this.#admission.confirmName(this.state.nameDraft.trim());
      if (admission) await this.#admit(admission);
    } catch (error) {
      this.#fail(errorMessage(error));
    } finally {
      this.update({ confirmingName: false, ...(this.#peerCall ? {} : { joining: false }) });
    }
  }

  /**
   * Mute and Unmute; a microphone the call has none of (joined without it, blocked, missing) is started
   * instead (S25). Before the call starts it chooses whether to join with the microphone.
   */
  toggleAudio(): void {
    this.#toggle('audio');
  }

  /** Camera off and on, as toggleAudio does for the microphone. */
  toggleVideo(): void {
    this.#toggle('video');
  }

  /** The join options (S25): whether the call starts with this device. Only before the call starts. */
  setJoinDevice(kind: 'audio' | 'video', on: boolean): void {
    if (this.#peerCall) return;
    this.update({ joinWith: { ...this.state.joinWith, [kind]: on } });
  }

  /** The pre-join screen's "Next time, join straight away with these settings". */
  setSkipPreJoin(skip: boolean): void {
    this.update({ skipPreJoin: skip });
    // In the call, the choice is the device settings' "Show this screen before joining": kept at once.
    if (this.#peerCall) writePreJoinChoice(this.#platform, { skip, joinWith: this.state.joinWith });
  }

  /**
   * The pre-join screen's one button: into the call with the devices chosen there. A link visitor's name
   * is confirmed by the same press; the choice is remembered when they asked for it.
   */
  async joinNow(): Promise<void> {
    if (this.state.joining || this.#left) return;
    if (this.state.phase === 'confirm-name') {
      this.#joinNowPressed = true;
      await this.confirmName();
      if (this.state.phase === 'confirm-name') this.#joinNowPressed = false;
      return;
    }
    const offer = this.#offer;
    if (!offer || this.state.phase !== 'pre-join') return;
    const { skipPreJoin: skip, joinWith } = this.state;
    writePreJoinChoice(this.#platform, { skip, joinWith });
    await this.#join(offer);
  }

  /** Starts or stops sharing the screen (doctor only; no-op where sharing is not offered). */
  async toggleScreenShare(): Promise<void> {
    const share = this.state.screenShare;
    if (share) await this.#peerCall?.toggleScreenShare(share.active);
  }

  /** The doctor's Start recording (asks the patient) and Stop recording (S29). */
  async toggleRecording(): Promise<void> {
    await this.#recording?.toggle();
  }

  /** The patient's Allow recording and Decline recording. */
  async answerRecording(answer: 'allow' | 'decline'): Promise<void> {
    await this.#recording?.answer(answer);
  }

  /** The patient's Stop recording: consent withdrawn, capture stops at once. */
  async withdrawRecording(): Promise<void> {
    await this.#recording?.withdraw();
  }

  async selectDevice(kind: InputKind, deviceId: string): Promise<void> {
    await this.#peerCall?.selectDevice(kind, deviceId);
  }

  toggleChat(): void {
    this.#chrome.toggleChat();
  }

  closeChat(): void {
    this.#chrome.closeChat();
  }

  setChatDraft(draft: string): void {
    this.#chrome.setChatDraft(draft);
  }

  sendChat(): void {
    this.#chrome.sendChat();
  }

  retryChat(clientId: string): void {
    this.#chrome.retryChat(clientId);
  }

  togglePopover(popover: CallPopover): void {
    this.#chrome.togglePopover(popover);
  }

  setShortcutsEnabled(enabled: boolean): void {
    this.#chrome.setShortcutsEnabled(enabled);
  }

  /** A keyboard shortcut does what its button does (call-shortcuts.ts). */
  runShortcut(action: ShortcutAction): void {
    const run: Record<ShortcutAction, () => void> = {
      'toggle-audio': () => this.toggleAudio(),
      'toggle-video': () => this.toggleVideo(),
      'toggle-chat': () => this.toggleChat(),
      leave: () => this.leaveCall(),
      help: () => this.togglePopover('shortcuts'),
    };
    run[action]();
  }

  peekQuality(peek: boolean): void {
    this.#chrome.peekQuality(peek);
  }

  closePopover(): void {
    this.#chrome.closePopover();
  }

  toggleFullscreen(element: Element | null): Promise<void> {
    return this.#chrome.toggleFullscreen(element);
  }

  async copyInviteLink(): Promise<void> {
    const id = this.#admission.appointmentId;
    if (id) await this.#chrome.copyInviteLink(id);
  }

  /**
   * This party leaves; the call goes on, and they can come back with Rejoin on the appointment page or
   * their link (S15). Only the doctor ends it for everyone.
   */
  leaveCall(): void {
    if (this.#left || this.#closing) return;
    const id = this.#admission.appointmentId;
    const viaLink = this.state.viaLink;
    const go = () => {
      this.leave();
      // Someone who came by link keeps the call cookie: it is their way back into this call.
      if (viaLink) this.update(LEFT_VIA_LINK);
      else if (id) this.#platform.replace(appointmentPath(id));
    };
    if (!this.#capture) {
      go();
      return;
    }
    this.#closing = true;
    void this.#settleRecording().then(go);
  }

  /**
   * The doctor's last recorded seconds get a moment to reach the server before the page goes (what does
   * not make it stays in this browser and is sent when the call page opens again).
   */
  async #settleRecording(): Promise<void> {
    if (!this.#capture) return;
    this.update({ statusText: 'Saving the recording…' });
    await this.#recording?.settle(RECORDING_SETTLE_MS);
  }

  /** Back into the call this link guest left: the page starts again with the call cookie it kept. */
  rejoin(): void {
    this.#platform.reload();
  }

  /** The doctor's End call for everyone asks first: it cannot be undone, and the patient cannot rejoin. */
  askToEndForEveryone(): void {
    if (this.state.role === 'doctor' && !this.state.ending) this.update({ confirmingEnd: true });
  }

  cancelEndForEveryone(): void {
    if (this.state.confirmingEnd) this.update({ confirmingEnd: false });
  }

  async endForEveryone(): Promise<void> {
    const id = this.#admission.appointmentId;
    if (!id || this.state.ending || this.state.role !== 'doctor') return;
    this.update({ ending: true, confirmingEnd: false, error: null });
    // The last seconds' call quality, while this side is still in the room the end takes away (S30).
    this.#peerCall?.call.flushQuality();
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

  /** Leaves the room and releases the camera: the page is going away, or this party left the call. */
  leave(): void {
    if (this.#left) return;
    this.#left = true;
    this.#recording?.close();
    this.#peerCall?.close();
    this.#chrome.dispose();
    this.#socket.close();
    this.#stopTimers();
    for (const dispose of this.#disposers) dispose();
    this.#disposers = [];
  }

  #toggle(kind: 'audio' | 'video'): void {
    const wired = this.#peerCall;
    if (!wired) {
      this.setJoinDevice(kind, !this.state.joinWith[kind]);
      return;
    }
    const { local } = this.state;
    const status = kind === 'audio' ? local.microphone : local.camera;
    if (status === 'starting') return;
    if (status !== 'on') void wired.turnOn(kind);
    else if (kind === 'audio') wired.call.setAudioMuted(!local.audioMuted);
    else wired.call.setVideoOff(!local.videoOff);
  }

  async #admit(admission: Admission): Promise<void> {
    const id = this.#admission.appointmentId;
    if (admission.kind === 'admitted' && id) {
      await this.#begin(id, admission.context);
    } else if (admission.kind === 'ask-name') {
      this.update({
        phase: 'confirm-name',
        statusText: statusText('confirm-name', null),
        viaLink: true,
        invitation: admission.link ? invitationView(admission.link) : null,
      });
    } else if (admission.kind === 'link-dead') {
      this.update({
        phase: 'link-dead',
        statusText: admission.refusal.title,
        viaLink: true,
        linkRefusal: admission.refusal,
      });
    } else if (admission.kind === 'refused') {
      if (admission.viaLink) this.update({ viaLink: true });
      this.#fail(admission.words);
    }
  }

  async #begin(id: string, context: CallContext): Promise<void> {
    this.update(partyFields(context));
    this.#chrome.attach(context, this.#socket);
    this.#listen();
    this.#applyCall(context.call);
    // Retained before the socket opens (in the waiting room or the call), so it is the first message sent.
    this.#disposers.push(this.#socket.retain(`subscribe:${id}`, { type: 'subscribe', appointmentId: id }));
    if (isCallActive(context.call.status)) {
      this.#chrome.startChat();
      await this.#offerJoin({ id, context, iceServers: context.hasGrant ? context.iceServers : null });
    } else if (context.self.role === 'patient') {
      this.#chrome.startChat();
      this.#enterWaitingRoom(id, context);
    } else {
      this.#callOver();
    }
  }

  /**
   * The call can be joined: the pre-join screen shows, unless this browser chose to skip it, or this
   * visitor pressed Join now already (with their name).
   */
  async #offerJoin(offer: JoinOffer): Promise<void> {
    if (this.#left) return;
    // The box ticked now (in the waiting room) or on an earlier visit (remembered) skips the screen.
    if (this.#joinNowPressed || this.state.skipPreJoin) {
      if (this.state.skipPreJoin) {
        writePreJoinChoice(this.#platform, { skip: true, joinWith: this.state.joinWith });
      }
      await this.#join(offer);
      return;
    }
    this.#offer = offer;
    // The chat's live messages come over the socket: opened now, not at Join now.
    this.#socket.connect();
    this.update({
      phase: 'pre-join',
      statusText: readyToJoin(offer.context.self.role, this.state.otherName),
    });
  }

  async #join(offer: JoinOffer): Promise<void> {
    this.update({ joining: true });
    try {
      let iceServers = offer.iceServers;
      if (iceServers === null) {
        iceServers = await this.#admission.grant();
        // A socket opened for the chat before this browser had its call cookie cannot join: a new one
        // carries it (one not opened yet just opens).
        this.#socket.reconnect();
      }
      this.#offer = null;
      this.#startPeerCall(offer.id, offer.context, iceServers);
    } catch (error) {
      if (!this.state.viaLink && redirectIfSignedOut(error, this.#platform)) return;
      this.#fail(errorMessage(error));
    } finally {
      this.update({ joining: false });
    }
  }

  #listen(): void {
    const socket = this.#socket;
    this.#disposers.push(
      socket.events.on('message', (message) => {
        if (message.type === 'call-status' && message.call.appointmentId === this.#admission.appointmentId) {
          this.#applyCall(message.call);
        }
      }),
      socket.events.on('state', (state) => {
        const serverLost = state === 'reconnecting' && this.#peerCall !== null;
        if (serverLost !== this.state.serverLost) this.update({ serverLost });
      }),
      socket.events.on('fatal', (fatal) => {
        if (needsSignIn(fatal.code) && !this.state.viaLink) {
          this.leave();
          redirectIfSignedOut(new ApiError(401, 'unauthenticated', fatal.message), this.#platform);
          return;
        }
        // In the call the peer call reports it; in the waiting room nobody else would.
        if (!this.#peerCall) {
          this.#stopTimers();
          this.#fail(fatal.message);
        }
      }),
    );
    this.#ticker = this.#platform.timers.setInterval(() => {
      this.#waitingRoom?.tick();
      this.#recording?.tick();
      this.#renderClock();
    }, 1000);
  }

  #enterWaitingRoom(id: string, context: CallContext): void {
    this.update({ phase: 'waiting-room', statusText: statusText('waiting-room', null) });
    this.#socket.connect();
    this.#waitingRoom = new WaitingRoomController({
      appointmentId: id,
      context,
      socket: this.#socket,
      platform: this.#platform,
      onChange: (waitingRoom) => this.update({ waitingRoom }),
      grant: () => this.#admission.grant(),
      onAdmitted: (iceServers) => {
        if (this.#left) return;
        this.#closeWaitingRoom();
        // This socket was opened before the cookie existed, so it cannot join; a new one carries it.
        this.#socket.reconnect();
        this.update({ waitingRoom: null });
        void this.#offerJoin({ id, context, iceServers });
      },
      onFailed: (error) => this.#fail(errorMessage(error)),
    });
    this.#waitingRoom.start();
  }

  #closeWaitingRoom(): void {
    this.#waitingRoom?.close();
    this.#waitingRoom = null;
  }

  #applyCall(call: CallStatusView): void {
    // Ended while this party was still choosing: there is nothing left to join.
    if (this.state.phase === 'pre-join' && !isCallActive(call.status)) {
      this.#offer = null;
      this.#callOver();
      return;
    }
    this.#times = withCallStatus(this.#times, call);
    this.#chrome.followCall(this.state.role, isCallActive(call.status));
    this.#renderClock();
  }

  #renderClock(): void {
    const clock = callClock(this.#times, this.#peerCall?.phase ?? null, this.#platform.now());
    if (!sameClock(clock, this.state)) this.update({ duration: clock.duration, warning: clock.warning });
  }

  #startPeerCall(id: string, context: CallContext, iceServers: IceServerView[]): void {
    if (this.#left) return;
    this.#chrome.startChat();
    this.#startRecording(id, context);
    this.#peerCall = new WiredPeerCall(
      {
        appointmentId: id,
        context,
        iceServers,
        api: this.#api,
        platform: this.#platform,
        socket: this.#socket,
        grant: () => this.#admission.grant(),
        join: this.state.joinWith,
        preview: this.#preview?.take() ?? null,
      },
      {
        update: (patch) => {
          this.update(patch);
          if (patch.phase === 'ended') this.#callOver();
          if (patch.phase) this.#renderClock();
        },
        warning: (endsAt) => {
          this.#times = withWarning(this.#times, endsAt);
          this.#renderClock();
        },
        recording: (view) => this.#recording?.apply(view),
      },
    );
    this.#peerCall.start();
    this.#renderClock();
  }

  /** The call's recording on this page: the doctor's capture follows the server's view of it (S29). */
  #startRecording(id: string, context: CallContext): void {
    const role = context.self.role;
    const report = (problem: string | null) => this.#recording?.report(problem);
    this.#capture =
      role === 'doctor' && this.#captureFactory
        ? this.#captureFactory({ appointmentId: id, api: this.#api, report })
        : null;
    this.#recording = new RecordingController({
      api: this.#api,
      role,
      allowed: context.recordingAllowed,
      otherName: context.other.displayName,
      now: () => this.#platform.now(),
      capture: this.#capture,
      onChange: (recording) => this.update({ recording }),
    });
    this.#recording.setAppointment(id);
  }

  /** Both sides go back to the appointment; someone who came by link has no appointment page to go to. */
  #callOver(): void {
    // The room's call-ended message and the answer to this page's own end request both arrive, and a page
    // that has left (signed out, going away) navigates no more: a second navigation would abort the first.
    if (this.#left || this.#closing) return;
    if (this.#capture) {
      this.#closing = true;
      void this.#settleRecording().then(() => {
        this.#closing = false;
        this.#callOverNow();
      });
      return;
    }
    this.#callOverNow();
  }

  #callOverNow(): void {
    if (this.#left) return;
    const id = this.#admission.appointmentId;
    const viaLink = this.state.viaLink;
    this.leave();
    if (viaLink) {
      // Someone who came by link leaves nothing behind on this device (it may be shared): the call cookie
      // is given up. A restart would need a new link anyway.
      void this.#api.forgetCallCookie().catch(() => {});
      this.update(OVER_VIA_LINK);
      return;
    }
    if (id) this.#platform.replace(appointmentPath(id));
  }

  #stopTimers(): void {
    this.#closeWaitingRoom();
    if (this.#ticker !== null) this.#platform.timers.clearInterval(this.#ticker);
    this.#ticker = null;
  }

  #fail(message: string): void {
    this.#closeWaitingRoom();
    this.update({ phase: 'failed', error: message, statusText: message, waitingRoom: null, warning: null });
  }

  /** Keeps the derived screen words in step with every change, whoever makes it. */
  protected override update(patch: Partial<CallPageState>): void {
    super.update(withDerived({ ...this.state, ...patch }));
    if (patch.phase !== undefined) this.#recording?.setInCall(this.state.phase === 'connected');
    if (this.#capture) this.#followSources();
  }

  /** The doctor's capture records what the call shows: their camera or shared screen, and the other side. */
  #followSources(): void {
    const { localStream, remoteStream, local } = this.state;
    const next: CaptureSources = {
      remote: remoteStream,
      local: this.#peerCall?.call.localStream ?? null,
      screen: local.screenSharing ? localStream : null,
    };
    const was = this.#sources;
    if (was.local === next.local && was.remote === next.remote && was.screen === next.screen) return;
    this.#sources = next;
    this.#capture?.setSources(next);
  }
}
