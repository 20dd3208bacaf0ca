import type { AnalyticsReport } from '../../protocol/analytics.js';
import type { Clock } from '../clock.js';
import { callsCsv } from './analytics-csv.js';
import { type CallFigures, callFigures, dailyFigures } from './analytics-figures.js';
import type { AnalyticsRepo } from './analytics-repo.js';
import { nextDay, startOfDay } from './zoned-days.js';

/** A checked period: both days included, in an IANA time zone (analytics-routes.ts checks it). */
export interface AnalyticsPeriod {
  from: string;
  to: string;
  timeZone: string;
}

/** A hospital's usage and call quality over a period, as charts (JSON) and as one CSV row per call. */
export class AnalyticsService {
  constructor(private readonly deps: { repo: AnalyticsRepo; clock: Clock }) {}

  private bounds(period: AnalyticsPeriod): { fromMs: number; toMs: number } {
    return {
      fromMs: startOfDay(period.from, period.timeZone),
      toMs: startOfDay(nextDay(period.to), period.timeZone),
    };
  }

  private async calls(hospitalId: string, period: AnalyticsPeriod): Promise<CallFigures[]> {
    const { fromMs, toMs } = this.bounds(period);
    const rows = await this.deps.repo.calls(hospitalId, fromMs, toMs);
    return rows.map((row) => callFigures(row, period.timeZone));
  }

  /** The caller has checked that the asker is an admin of `hospitalId`. */
  async report(hospitalId: string, period: AnalyticsPeriod): Promise<AnalyticsReport> {
    const now = this.deps.clock.now();
    const { fromMs, toMs } = this.bounds(period);
    const [calls, noShows] = await Promise.all([
      this.calls(hospitalId, period),
      this.deps.repo.noShows(hospitalId, fromMs, toMs, now),
    ]);
    const { days, totals } = dailyFigures(calls, noShows, period);
    return { hospitalId, ...period, fromMs, toMs, now, days, totals };
  }

  /** The caller has checked that the asker is an admin of `hospitalId`. */
  async csv(hospitalId: string, period: AnalyticsPeriod): Promise<string> {
    return callsCsv(await this.calls(hospitalId, period), period.timeZone);
  }
}
