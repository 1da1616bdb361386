// Run: the results table with filters and full-text search.
import { useEffect, useState } from 'preact/hooks';
import { api, type ResultQuery } from '../api';
import { Loading, Tabs, useLoad } from '../components/common';
import { ResultTable } from '../components/ResultTable';
import { fmtCost, fmtPct, go } from '../util';

export const FILTERS = ['all', 'wrong', 'unlabeled', 'disagreements', 'errors', 'invalid'];

export function queryHash(base: string, q: ResultQuery): string {
  const parts = Object.entries(q)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}=${encodeURIComponent(v as string)}`);
  return parts.length ? `${base}?${parts.join('&')}` : base;
}

export function RunPage(props: { runId: number; query: URLSearchParams }) {
  const { runId } = props;
  const { data: run, error } = useLoad(() => api.run(runId), [runId]);
  const query: ResultQuery = {
    filter: props.query.get('filter') ?? '',
    q: props.query.get('q') ?? '',
    gold: props.query.get('gold') ?? undefined,
    pred: props.query.get('pred') ?? undefined,
  };
  const [text, setText] = useState(query.q ?? '');
  useEffect(() => setText(query.q ?? ''), [query.q]);
  const set = (change: Partial<ResultQuery>) => {
    const next = { ...query, ...change };
    if (next.filter === 'all') next.filter = '';
    history.replaceState(null, '', queryHash(`#/runs/${runId}`, next));
    dispatchEvent(new HashChangeEvent('hashchange'));
  };
  if (error) return <Loading error={error} />;
  // The table asks for its first page while the run's header loads.
  return (
    <div class="runpage">
      {run ? (
        <>
          <h1>
            Run {run.run_id}: {run.task} <span class="mono small">{run.version.slice(0, 8)}</span>
          </h1>
          <p class="muted">
            {run.model} · dataset {run.dataset || '–'} · split {run.split} · {run.items} items ({run.failed} failed)
            · accuracy {fmtPct(run.accuracy)} · cost {fmtCost(run.cost)} · {run.status}
          </p>
        </>
      ) : (
        <Loading />
      )}
      <Tabs runId={runId} current="results" />
      <div class="toolbar">
        <div class="filters" role="group" aria-label="filter">
          {FILTERS.map((f) => (
            <button
              key={f}
              data-filter={f}
              class={(query.filter || 'all') === f ? 'on' : ''}
              onClick={() => set({ filter: f })}
            >
              {f}
            </button>
          ))}
        </div>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            set({ q: text });
          }}
        >
          <input
            id="search"
            type="search"
            placeholder="search inputs (Enter)"
            value={text}
            onInput={(e) => setText((e.target as HTMLInputElement).value)}
          />
        </form>
        {(query.gold !== undefined || query.pred !== undefined) && (
          <span class="chip">
            gold {query.gold ?? 'any'} → predicted {query.pred ?? 'any'}{' '}
            <button onClick={() => set({ gold: undefined, pred: undefined })}>×</button>
          </span>
        )}
        <a href={queryHash(`#/runs/${runId}/annotate`, { filter: query.filter })}>annotate these</a>
      </div>
      <ResultTable
        runId={runId}
        query={query}
        onOpen={(row) => go(`#/runs/${runId}/items/${encodeURIComponent(row.item_id)}`)}
      />
    </div>
  );
}
