import type { UserView } from '../../../protocol/api.js';
import { ApiError, errorMessage } from '../../api/api-error.js';
import type { ApiClient } from '../../api/http-client.js';
import {
  type BrowserFeatures,
  type CompatibilityCheck,
  compatibilityChecks,
} from '../../device-check/compatibility.js';
import type { PathProbe } from '../../device-check/connection-probe.js';
import { ConnectionTest } from '../../device-check/connection-test.js';
import { DeviceCheck } from '../../device-check/device-check.js';
import { type Tip, troubleshooting } from '../../device-check/troubleshooting.js';
import { loginUrl, safeNextPath } from '../../lib/next-path.js';
import type { Platform } from '../../platform/platform.js';
import { ViewModel } from '../../ui/view-model.js';
import { signOut } from '../session.js';

export interface DeviceTestState {
  user: UserView | null;
  /** Known once the session was asked for; the page works signed out too (someone who came by call link). */
  signedIn: boolean | null;
  signInHref: string;
  checks: CompatibilityCheck[];
  tips: { matched: Tip[]; other: Tip[] };
  backHref: string;
  signingOut: boolean;
  error: string | null;
}

/** Where "Back" goes: the page the user came from on this site, else the appointment list. */
export function backHref(referrerPath: string | null): string {
  if (!referrerPath || referrerPath.startsWith('/device-test')) return '/appointments';
  return safeNextPath(referrerPath);
}

export function browserFeatures(platform: Platform): BrowserFeatures {
  return {
    peerConnection: platform.peerConnectionSupported,
    getUserMedia: platform.getUserMediaSupported,
    getDisplayMedia: platform.getDisplayMedia !== null,
    secureContext: platform.secureContext,
    webSocket: platform.webSocketSupported,
  };
}

/** The device test page: the device check, the browser's features, the connection test and the tips for what failed. */
export class DeviceTestViewModel extends ViewModel<DeviceTestState> {
  readonly devices: DeviceCheck;
  readonly connection: ConnectionTest;
  readonly #api: ApiClient;
  readonly #platform: Platform;
  readonly #disposers: Array<() => void>;
  #role: UserView['role'] | null = null;

  constructor(api: ApiClient, platform: Platform, probe?: PathProbe) {
    super({
      user: null,
      signedIn: null,
      signInHref: loginUrl('/device-test'),
      checks: compatibilityChecks(browserFeatures(platform), null),
      tips: troubleshooting({
        permissionDenied: false,
        cameraInUse: false,
        deviceMissing: false,
        soundFailed: false,
        connection: [],
      }),
      backHref: backHref(platform.referrerPath),
      signingOut: false,
      error: null,
    });
    this.#api = api;
    this.#platform = platform;
    this.devices = new DeviceCheck(platform);
    this.connection = new ConnectionTest(api, platform, probe);
    this.#disposers = [
      this.devices.subscribe(() => {
        this.#updateChecks();
        this.#updateTips();
      }),
      this.connection.subscribe(() => this.#updateTips()),
    ];
  }

  async load(): Promise<void> {
    const started = this.devices.start();
    try {
      const session = await this.#api.getSession();
      this.#role = session.user.role;
      this.update({ user: session.user, signedIn: true });
      this.#updateChecks();
    } catch (error) {
      // Signed out is fine here: a patient who came by call link has no account session.
      if (error instanceof ApiError && error.status === 401) this.update({ signedIn: false });
      else this.update({ signedIn: false, error: errorMessage(error) });
    }
    await started;
  }

  runConnectionTest(): Promise<void> {
    return this.connection.run();
  }

  async signOut(): Promise<void> {
    this.update({ signingOut: true });
    const failed = await signOut(this.#api, this.#platform);
    if (failed) this.update({ signingOut: false, error: failed });
  }

  dispose(): void {
    for (const dispose of this.#disposers) dispose();
    this.devices.release();
  }

  #updateChecks(): void {
    const blocked = this.devices.state.access === 'denied';
    const checks = compatibilityChecks(browserFeatures(this.#platform), this.#role, blocked);
    const same =
      checks.length === this.state.checks.length &&
      checks.every((check, i) => JSON.stringify(check) === JSON.stringify(this.state.checks[i]));
    if (!same) this.update({ checks });
  }

  #updateTips(): void {
    const devices = this.devices.state;
    const tips = troubleshooting({
      permissionDenied: devices.access === 'denied',
      cameraInUse: devices.problem === 'in-use',
      deviceMissing: devices.problem === 'not-found',
      soundFailed: devices.sound === 'failed',
      connection: this.connection.state.verdict?.problems ?? [],
    });
    const same = (a: Tip[], b: Tip[]) => a.length === b.length && a.every((tip, i) => tip.id === b[i]?.id);
    if (!same(tips.matched, this.state.tips.matched) || !same(tips.other, this.state.tips.other)) {
      this.update({ tips });
    }
  }
}
