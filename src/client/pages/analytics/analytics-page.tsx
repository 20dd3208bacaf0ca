import { useMemo } from 'preact/hooks';
import { SiteHeader } from '../../ui/site-header.js';
import { useViewModel } from '../../ui/use-view-model.js';
import { type ChartSpec, formatDay, isEmpty, qualityCharts, usageCharts } from './analytics-charts.js';
import {
  type AnalyticsState,
  type AnalyticsViewModel,
  PRESETS,
  type Preset,
} from './analytics-view-model.js';
import { UplotChart } from './uplot-chart.js';

/** A chart with its title, its reading in words, and its figures as a table (always there for screen readers). */
function Chart({
  spec,
  dates,
  asTable,
  onToggle,
}: {
  spec: ChartSpec;
  dates: readonly string[];
  asTable: boolean;
  onToggle: () => void;
}) {
  const id = `chart-${spec.id}`;
  return (
    <section class="card chart" aria-labelledby={`${id}-title`}>
      <div class="chart__head">
        <h3 id={`${id}-title`}>{spec.title}</h3>
        <button
          type="button"
          class="button button--quiet"
          aria-expanded={asTable}
          aria-controls={`${id}-table`}
          onClick={onToggle}
        >
          {asTable ? 'Show as chart' : 'Show as table'}
        </button>
      </div>
      <p class="chart__reading">{spec.reading}</p>
      {spec.series.length > 1 && (
        <ul class="chart__legend" aria-hidden="true">
          {spec.series.map((s) => (
            <li key={s.label}>
              <span class="chart__swatch" style={{ background: s.color }} />
              {s.label}
            </li>
          ))}
        </ul>
      )}
      {!asTable && <UplotChart spec={spec} dates={dates} />}
      <div id={`${id}-table`} class={asTable ? 'table-scroll' : 'visually-hidden'}>
        <table class="admin-table chart__table">
          <caption class="visually-hidden">
            {spec.title} ({spec.unit}), per day
          </caption>
          <thead>
            <tr>
              {spec.table.columns.map((c) => (
                <th key={c} scope="col">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {spec.table.rows.map((row, i) => (
              <tr key={dates[i] ?? i}>
                {row.map((cell, k) =>
                  k === 0 ? (
                    <th key={k} scope="row">
                      {cell}
                    </th>
                  ) : (
                    <td key={k}>{cell}</td>
                  ),
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function PeriodPicker({ s, model }: { s: AnalyticsState; model: AnalyticsViewModel }) {
  return (
    <form
      class="card analytics__period"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void model.show();
      }}
    >
      <div class="field">
        <label for="analytics-preset">Period</label>
        <select
          id="analytics-preset"
          value={s.preset}
          onChange={(e) => void model.choose(e.currentTarget.value as Preset)}
        >
          {PRESETS.map((p) => (
            <option key={p.value} value={p.value}>
              {p.words}
            </option>
          ))}
        </select>
      </div>
      {s.preset === 'custom' && (
        <>
          {(['from', 'to'] as const).map((field) => (
            <div class="field" key={field}>
              <label for={`analytics-${field}`}>{field === 'from' ? 'First day' : 'Last day'}</label>
              <input
                id={`analytics-${field}`}
                type="date"
                value={s[field]}
                aria-invalid={s.fieldErrors[field] ? true : undefined}
                aria-describedby={s.fieldErrors[field] ? `analytics-${field}-error` : undefined}
                onInput={(e) => model.setDate(field, e.currentTarget.value)}
              />
              {s.fieldErrors[field] && (
                <p id={`analytics-${field}-error`} class="field__error">
                  {s.fieldErrors[field]}
                </p>
              )}
            </div>
          ))}
          <button type="submit" class="button button--primary" disabled={s.fetching}>
            Show
          </button>
        </>
      )}
    </form>
  );
}

/** Usage and call quality over a period, for a hospital's admins: charts, tables and the CSV. */
export function AnalyticsPage({ model }: { model: AnalyticsViewModel }) {
  const s = useViewModel(model);
  const report = s.report;
  const usage = useMemo(() => (report ? usageCharts(report) : []), [report]);
  const quality = useMemo(() => (report ? qualityCharts(report) : []), [report]);
  const dates = useMemo(() => report?.days.map((d) => d.date) ?? [], [report]);
  const csvUrl = model.csvUrl();
  const chart = (spec: ChartSpec) => (
    <Chart
      key={spec.id}
      spec={spec}
      dates={dates}
      asTable={Boolean(s.tables[spec.id])}
      onToggle={() => model.toggleTable(spec.id)}
    />
  );
  return (
    <>
      <SiteHeader user={s.user} onSignOut={() => void model.signOut()} signingOut={s.signingOut} />
      <main id="main" class="page analytics">
        <h1>Reports</h1>
        {s.phase === 'loading' && (
          <p role="status" class="muted">
            Loading the reports…
          </p>
        )}
        {s.phase === 'forbidden' && (
          <p role="alert" class="alert alert--error">
            Only a hospital admin may see the hospital’s reports.
          </p>
        )}
        {s.phase === 'failed' && s.error && (
          <p role="alert" class="alert alert--error">
            {s.error}
          </p>
        )}
        {s.phase === 'ready' && (
          <>
            <PeriodPicker s={s} model={model} />
            <div role="status" class="analytics__summary">
              {s.fetching ? (
                <p class="muted">Loading…</p>
              ) : (
                report && (
                  <p>
                    {formatDay(report.from)} to {formatDay(report.to)}, days in {report.timeZone}.
                  </p>
                )
              )}
            </div>
            {s.error && (
              <p role="alert" class="alert alert--error">
                {s.error}
              </p>
            )}
            {report && csvUrl && (
              <p class="actions">
                <a class="button" href={csvUrl} download>
                  Download CSV
                </a>
                <span class="muted">One row per call, the figures the charts add up.</span>
              </p>
            )}
            {report && isEmpty(report) && (
              <p class="card analytics__empty">No calls and no missed appointments in this period.</p>
            )}
            {report && !isEmpty(report) && (
              <>
                <h2>Usage</h2>
                <div class="analytics__charts">{usage.map(chart)}</div>
                <h2>Call quality</h2>
                {quality.length === 0 ? (
                  <p class="card analytics__empty">
                    No quality figures for the calls of this period: browsers send them during connected
                    calls.
                  </p>
                ) : (
                  <div class="analytics__charts">{quality.map(chart)}</div>
                )}
              </>
            )}
          </>
        )}
      </main>
    </>
  );
}
