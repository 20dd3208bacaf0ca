import type { CallQualityPartyView } from './call-quality.js';

/**
 * The quality of one call session of an appointment (`GET /api/appointments/:id/calls/quality`): what
 * each party's browser measured, as stored (`call_quality`); null for a party that sent nothing.
 */
export interface CallQualitySessionView {
  callSessionId: string;
  startedAt: number;
  endedAt: number | null;
  durationSeconds: number | null;
  doctor: CallQualityPartyView | null;
  patient: CallQualityPartyView | null;
}

export interface CallQualityReportAnswer {
  calls: CallQualitySessionView[];
}
