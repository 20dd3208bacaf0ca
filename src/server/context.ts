import type { Revocation } from './accounts/revocation.js';
import type { Bus } from './bus/bus.js';
import type { CallAccess } from './calls/call-access.js';
import type { CallService } from './calls/call-service.js';
import type { CallSweeper } from './calls/sweeper.js';
import type { ChatService } from './chat/chat-service.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { SignalingHub } from './signaling/hub.js';
import type { Store } from './store.js';

/** What route modules need; built once in app.ts. */
export interface AppContext {
  config: Config;
  store: Store;
  bus: Bus;
  clock: Clock;
  calls: CallService;
  callAccess: CallAccess;
  chat: ChatService;
  hub: SignalingHub;
  sweeper: CallSweeper;
  revocation: Revocation;
}
