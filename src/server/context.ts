import type { PeopleService } from './accounts/people-service.js';
import type { RevocationService } from './accounts/revocation-service.js';
import type { AnalyticsService } from './analytics/analytics-service.js';
import type { AppointmentImport } from './appointments/appointment-import.js';
import type { AppointmentService } from './appointments/appointment-service.js';
import type { Bus } from './bus/bus.js';
import type { CallGrantsService } from './calls/call-grants-service.js';
import type { CallService } from './calls/call-service.js';
import type { CallSweeper } from './calls/call-sweeper.js';
import type { WaitingRoomService } from './calls/waiting-room-service.js';
import type { ChatService } from './chat/chat-service.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { DashboardService } from './dashboard/dashboard-service.js';
import type { MetricsListener } from './metrics/metrics-exposure.js';
import type { NodeMetrics } from './metrics/node-metrics.js';
import type { PolicyService } from './policy/policy-service.js';
import type { RecordingService } from './recordings/recording-service.js';
import type { SignalingHub } from './signaling/hub.js';
import type { Store } from './store.js';

/** What route modules need; built once in app.ts. */
export interface AppContext {
  config: Config;
  store: Store;
  bus: Bus;
  clock: Clock;
  calls: CallService;
  callGrants: CallGrantsService;
  waitingRoom: WaitingRoomService;
  chat: ChatService;
  hub: SignalingHub;
  sweeper: CallSweeper;
  revocation: RevocationService;
  people: PeopleService;
  policy: PolicyService;
  appointments: AppointmentService;
  appointmentImport: AppointmentImport;
  dashboard: DashboardService;
  recordings: RecordingService;
  analytics: AnalyticsService;
  /** This node's Prometheus metrics (docs/operations.md, "Monitoring"). */
  metrics: NodeMetrics;
  /** METRICS_PORT's listener, started by main.ts once the node listens; null without METRICS_PORT. */
  metricsListener: MetricsListener | null;
}
