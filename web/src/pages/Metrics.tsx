// Metrics: headline scores with intervals, the confusion heatmap (a cell opens
// its items), per-class precision/recall/F1 bars, and the task's metric across
// versions.
import { api, type History, type Metrics } from '../api';
import { ClassBars, Heatmap, LineChart, type LineSeries } from '../components/charts';
import { Loading, Tabs, useLoad } from '../components/common';
import { fmtNum, fmtPct, go } from '../util';
import { queryHash } from './Run';

function Score(props: { name: string; value: number | null | undefined; ci?: { lower: number; upper: number } | null }) {
  return (
    <div class="score">
      <div class="name">{props.name}</div>
      <div class="value">{fmtNum(props.value)}</div>
      <div class="ci">{props.ci ? `[${fmtNum(props.ci.lower)}, ${fmtNum(props.ci.upper)}]` : ''}</div>
    </div>
  );
}

export function historySeries(h: History): { series: LineSeries[]; categories: string[] } {
  const categories = h.versions.map((v) => `v${v.number}`);
  const acc: LineSeries = { name: 'accuracy', color: '#5b8def', points: [] };
  const f1: LineSeries = { name: 'macro F1', color: '#4caf7d', points: [] };
  for (const v of h.versions) {
    const s = v.val[0];
    if (!s) continue;
    const title = `v${v.number} ${v.version.slice(0, 8)} ${s.model} (run ${s.run_id}, ${s.labeled} labeled)`;
    acc.points.push({ x: `v${v.number}`, y: s.accuracy, lo: s.accuracy_ci?.lower, hi: s.accuracy_ci?.upper, title: `${title}: accuracy ${fmtNum(s.accuracy)}` });
    f1.points.push({ x: `v${v.number}`, y: s.macro_f1, lo: s.macro_f1_ci?.lower, hi: s.macro_f1_ci?.upper, title: `${title}: macro F1 ${fmtNum(s.macro_f1)}` });
  }
  return { series: f1.points.some((p) => p.y !== null) ? [acc, f1] : [acc], categories };
}

export function HistoryChart(props: { task: string }) {
  const { data, error } = useLoad(() => api.history(props.task), [props.task]);
  if (!data) return <Loading error={error} />;
  const { series, categories } = historySeries(data);
  if (!series[0].points.length) return <p class="muted">No finished validation runs of {props.task} yet.</p>;
  return (
    <div class="history">
      <LineChart series={series} categories={categories} />
      <table class="versions">
        <tbody>
          {data.versions.map((v) => (
            <tr key={v.version}>
              <td>v{v.number}</td>
              <td class="mono">{v.version.slice(0, 8)}</td>
              <td>{v.val.map((s) => `${s.model}: ${fmtNum(s.accuracy)}`).join(' · ') || '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function MetricsPage(props: { runId: number }) {
  const { runId } = props;
  const { data: m, error } = useLoad<Metrics>(() => api.metrics(runId), [runId]);
  if (!m) return <Loading error={error} />;
  return (
    <div class="metrics">
      <h1>
        Metrics of run {runId}: {m.run.task}
      </h1>
      <Tabs runId={runId} current="metrics" />
      <p class="muted">
        split {m.split} · {m.items} results · {m.labeled} labeled · {m.unlabeled} unlabeled · {m.failed} failed
      </p>
      {m.notes.map((n) => (
        <p key={n} class="note">
          {n}
        </p>
      ))}
      <div class="scores">
        <Score name="accuracy" value={m.accuracy} ci={m.ci.accuracy} />
        {m.classification ? (
          <>
            <Score name="macro F1" value={m.macro_f1} ci={m.ci.macro_f1} />
            <Score name="micro F1" value={m.micro_f1} ci={m.ci.micro_f1} />
            <Score name="weighted F1" value={m.weighted_f1} ci={m.ci.weighted_f1} />
          </>
        ) : (
          <Score name="normalized" value={m.normalized_accuracy} ci={m.ci.normalized_accuracy} />
        )}
      </div>
      {m.gap && (
        <p>
          validation → test gap: accuracy {fmtPct(m.gap.accuracy)}, macro F1 {fmtPct(m.gap.macro_f1)}
        </p>
      )}
      {m.classification && m.labels && m.confusion && m.per_class && (
        <div class="plots">
          <section>
            <h2>Confusion matrix</h2>
            <p class="muted">rows: gold · columns: predicted · click a cell to see its items</p>
            <Heatmap
              labels={m.labels}
              matrix={m.confusion}
              onCell={(gold, pred) => go(queryHash(`#/runs/${runId}`, { gold, pred }))}
            />
          </section>
          <section>
            <h2>Per class</h2>
            <p class="legend">
              <span class="sw p" /> precision <span class="sw r" /> recall <span class="sw f" /> F1
            </p>
            <ClassBars rows={m.per_class} />
          </section>
        </div>
      )}
      <section>
        <h2>Across versions of {m.run.task}</h2>
        <HistoryChart task={m.run.task} />
      </section>
    </div>
  );
}

export function HistoryPage(props: { task: string }) {
  return (
    <div>
      <h1>History of {props.task}</h1>
      <HistoryChart task={props.task} />
    </div>
  );
}
