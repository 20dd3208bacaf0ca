/** Messages between a load benchmark's main thread and its generator workers (load-worker.ts). */

export interface CallSpec {
  /** Position of the call in the whole step (0..total-1): sets its arrival time in the ramp. */
  index: number;
  appointmentId: string;
  /** `carecall_session=…; carecall_call=…` as a browser sends them on the upgrade. */
  doctorCookie: string;
  patientCookie: string;
}

export interface OpenCommand {
  type: 'open';
  calls: CallSpec[];
  /** Calls in the whole step (all workers), for the arrival schedule. */
  total: number;
  /** When the first call arrives (performance.timeOrigin + performance.now()). */
  t0: number;
  /** Arrivals are spread evenly over this window; 0 opens them as fast as `maxInFlight` allows. */
  rampMs: number;
  /** Sockets connecting or joining at once per worker, when rampMs is 0. */
  maxInFlight: number;
  doctorUrl: string;
  patientUrl: string;
  origin: string;
  /** `active`: negotiate, trickle, chat, media state, screen share. `idle`: join, then only heartbeats. */
  mode: 'active' | 'idle';
  /** A socket that has not joined this long after it started connecting counts as failed. */
  joinTimeoutMs: number;
  /** Source addresses to spread sockets over (more than ~28k sockets need more than one). */
  localAddresses: string[];
}

export type MainToWorker =
  | OpenCommand
  /**
   * Report what was measured since the last report (and start counting afresh). With `stop`, sending
   * stops first (timers off) and deliveries in flight get `drainMs` to arrive; without, traffic goes on.
   */
  | { type: 'report'; stop: boolean; drainMs: number }
  /** Close every socket (code 1000) and report when all are closed. */
  | { type: 'close' };

export interface Progress {
  type: 'progress';
  opened: number;
  joined: number;
  failed: number;
  /** When the latest join completed; null before the first. */
  lastJoinAt: number | null;
}

export interface StepReport {
  type: 'report';
  sockets: number;
  joined: number;
  failed: number;
  lastJoinAt: number | null;
  connectMs: Float64Array;
  joinMs: Float64Array;
  /** offer, answer and ice-candidate: sender → receiver. */
  relayMs: Float64Array;
  /** A chat message: sender → the other party's socket (stored in the database on the way). */
  chatMs: Float64Array;
  /** Client messages sent, by type. */
  sent: Record<string, number>;
  /** Relayed messages received (the five relayed types), by type. */
  relayed: Record<string, number>;
  /** Relayed messages received per second since t0 (index = whole seconds). */
  relayedPerSecond: number[];
  /** Stamped relays sent minus received, per type: should be 0. */
  lost: Record<string, number>;
  errors: Record<string, number>;
}

export interface Closed {
  type: 'closed';
  /** Unexpected closes and other errors seen while closing. */
  errors: Record<string, number>;
}

export type WorkerToMain = Progress | StepReport | Closed | { type: 'fatal'; message: string };
