// Trace: every attempt of one item: the messages sent, the raw response, the
// validation error that caused a re-ask, latency, tokens, cost, cache hit.
import { api } from '../api';
import { Loading, Messages, useLoad } from '../components/common';
import { fmtCost, fmtDate } from '../util';

export function TracePage(props: { runId: number; itemId: string }) {
  const { data: t, error } = useLoad(() => api.trace(props.runId, props.itemId), [props.runId, props.itemId]);
  if (!t) return <Loading error={error} />;
  return (
    <div class="trace">
      <h1>
        Item <span class="mono">{t.item_id}</span> of{' '}
        <a href={`#/runs/${props.runId}`}>run {props.runId}</a>
      </h1>
      <p>
        status <b>{t.status}</b> · prediction <b>{t.prediction ?? '–'}</b> · gold <b>{t.gold ?? '–'}</b>{' '}
        {t.correct === null ? '' : t.correct ? '✓' : '✗'} · {t.attempts.length} attempt
        {t.attempts.length === 1 ? '' : 's'}
      </p>
      {t.error && <p class="error">{t.error}</p>}
      <h2>Input</h2>
      <pre class="block">{JSON.stringify(t.input, null, 2)}</pre>
      {t.annotations.length > 0 && (
        <>
          <h2>Annotations</h2>
          <ul class="annotations">
            {t.annotations.map((a) => (
              <li key={a.id} class={a.undone ? 'undone' : ''}>
                {fmtDate(a.created_ms)} {a.annotator}: {a.action}
                {a.label !== null ? ` ${typeof a.label === 'string' ? a.label : JSON.stringify(a.label)}` : ''}
                {a.note ? ` — ${a.note}` : ''}
                {a.undone ? ' (undone)' : ''}
              </li>
            ))}
          </ul>
        </>
      )}
      {t.attempts.map((a) => (
        <section key={a.attempt} class={`attempt status-${a.status}`} data-attempt={a.attempt}>
          <h2>
            Attempt {a.attempt}: {a.status}
            {a.cache_hit ? ' (cache hit)' : ''}
          </h2>
          <p class="muted">
            {Math.round(a.latency_ms)} ms · {a.http_attempts} HTTP tries · {a.input_tokens} in / {a.output_tokens} out
            tokens · cost {fmtCost(a.cost)} · {fmtDate(a.created_ms)}
          </p>
          <h3>Request messages</h3>
          <Messages messages={a.messages} />
          <h3>Response</h3>
          <pre class="block">{a.response || '(none)'}</pre>
          {a.error && (
            <>
              <h3>Error</h3>
              <pre class="block error">{a.error}</pre>
            </>
          )}
          {a.raw_body && (
            <details>
              <summary>raw response body</summary>
              <pre class="block">{a.raw_body}</pre>
            </details>
          )}
          <details>
            <summary>full request (JSON)</summary>
            <pre class="block">{a.request}</pre>
          </details>
        </section>
      ))}
    </div>
  );
}
