// Runs: every run, newest first; filter by task; open one; pick two to compare.
import { useState } from 'preact/hooks';
import { api } from '../api';
import { Loading, useLoad } from '../components/common';
import { fmtCost, fmtDate, fmtPct, go } from '../util';

export function RunsPage(props: { task: string }) {
  const { data, error } = useLoad(() => api.runs(), []);
  const [picked, setPicked] = useState<number[]>([]);
  if (!data) return <Loading error={error} />;
  const tasks = [...new Set(data.map((r) => r.task))].sort();
  const runs = props.task ? data.filter((r) => r.task === props.task) : data;
  const toggle = (id: number) =>
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id].slice(-2)));
  return (
    <div>
      <h1>Runs</h1>
      <div class="toolbar">
        <label>
          task{' '}
          <select
            id="task-filter"
            value={props.task}
            onChange={(e) => go(`#/runs?task=${encodeURIComponent((e.target as HTMLSelectElement).value)}`)}
          >
            <option value="">all tasks</option>
            {tasks.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        {props.task && <a href={`#/history?task=${encodeURIComponent(props.task)}`}>history of {props.task}</a>}
        <button
          id="compare-picked"
          disabled={picked.length !== 2}
          onClick={() => go(`#/compare?a=${Math.min(...picked)}&b=${Math.max(...picked)}`)}
        >
          compare the two picked runs
        </button>
      </div>
      {runs.length === 0 ? (
        <p class="muted">No runs yet: `centaur run TASK --data DATASET` makes one.</p>
      ) : (
        <table class="runs">
          <thead>
            <tr>
              <th></th>
              <th>run</th>
              <th>task</th>
              <th>version</th>
              <th>model</th>
              <th>dataset</th>
              <th>split</th>
              <th class="num">items</th>
              <th class="num">ok</th>
              <th class="num">failed</th>
              <th class="num">accuracy</th>
              <th class="num">cost</th>
              <th>status</th>
              <th>created</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.run_id} class="run-row" data-run={r.run_id} onClick={() => go(`#/runs/${r.run_id}`)}>
                <td onClick={(e) => e.stopPropagation()}>
                  <input
                    type="checkbox"
                    class="pick"
                    aria-label={`pick run ${r.run_id} to compare`}
                    checked={picked.includes(r.run_id)}
                    onChange={() => toggle(r.run_id)}
                  />
                </td>
                <td>
                  <a href={`#/runs/${r.run_id}`}>{r.run_id}</a>
                </td>
                <td>{r.task}</td>
                <td class="mono">{r.version.slice(0, 8)}</td>
                <td>{r.model}</td>
                <td>{r.dataset}</td>
                <td>{r.split}</td>
                <td class="num">{r.items}</td>
                <td class="num">{r.succeeded}</td>
                <td class="num">{r.failed}</td>
                <td class="num">{fmtPct(r.accuracy)}</td>
                <td class="num">{fmtCost(r.cost)}</td>
                <td>{r.status}</td>
                <td>{fmtDate(r.created_ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
