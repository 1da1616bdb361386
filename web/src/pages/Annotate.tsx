// Annotate: one item at a time, keyboard first, with the terminal flow's keys:
// Enter or a accepts the model's answer, a class number (or = and a name,
// type-ahead) labels, n adds a note, s skips, u undoes, j/k move. Every
// decision is saved as it is made. The current protocol sits beside the item
// and a rule can be appended to it.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Protocol, type Run, type Trace } from '../api';
import { Loading, Messages, Tabs, useLoad } from '../components/common';
import { fmtDate, inputText } from '../util';
import { FILTERS, queryHash } from './Run';

const CHUNK = 1000;
const DIGIT_WAIT_MS = 700;

// Labels matching typed text: prefix matches first, then substrings, then
// subsequences (fuzzy), each group in class order.
export function matchLabels(labels: string[], typed: string): string[] {
  const t = typed.toLowerCase();
  if (!t) return labels;
  const prefix = labels.filter((l) => l.toLowerCase().startsWith(t));
  const sub = labels.filter((l) => !prefix.includes(l) && l.toLowerCase().includes(t));
  const fuzzy = labels.filter((l) => {
    if (prefix.includes(l) || sub.includes(l)) return false;
    let i = 0;
    for (const c of l.toLowerCase()) if (c === t[i]) i++;
    return i === t.length;
  });
  return [...prefix, ...sub, ...fuzzy];
}

function labelText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function AnnotatePage(props: { runId: number; query: URLSearchParams }) {
  const { runId } = props;
  const filter = props.query.get('filter') ?? '';
  const { data: run, error } = useLoad(() => api.run(runId), [runId]);
  if (!run) return <Loading error={error} />;
  return <Annotator key={`${runId}:${filter}`} run={run} filter={filter} startItem={props.query.get('item') ?? ''} />;
}

function Annotator(props: { run: Run; filter: string; startItem: string }) {
  const { run, filter } = props;
  const labels = run.target?.labels ?? [];
  const [queue, setQueue] = useState<string[] | null>(null);
  const [total, setTotal] = useState(0);
  const [pos, setPos] = useState(0);
  const [trace, setTrace] = useState<Trace | null>(null);
  const [protocol, setProtocol] = useState<Protocol | null>(null);
  const [status, setStatus] = useState('');
  const [fault, setFault] = useState('');
  const [mode, setMode] = useState<'' | 'name' | 'note'>('');
  const [typed, setTyped] = useState('');
  const [digits, setDigits] = useState('');
  const [rule, setRule] = useState('');
  const busy = useRef(false);
  const digitTimer = useRef<number>(0);
  const ruleBox = useRef<HTMLTextAreaElement>(null);
  const modeBox = useRef<HTMLInputElement>(null);

  const itemId = queue && pos < queue.length ? queue[pos] : '';

  // The queue: item ids under the filter, a chunk at a time.
  const loadChunk = async (have: string[]) => {
    const seen = new Set(have);
    const dependsOnLabels = filter === 'unlabeled' || filter === 'wrong' || filter === 'disagreements';
    let offset = dependsOnLabels ? 0 : have.length;
    const out = [...have];
    for (;;) {
      const page = await api.results(run.run_id, offset, CHUNK, { filter });
      setTotal(page.total);
      const fresh = page.items.map((r) => r.item_id).filter((id) => !seen.has(id));
      out.push(...fresh);
      offset += page.items.length;
      if (fresh.length > 0 || page.items.length < CHUNK) break;
    }
    return out;
  };

  useEffect(() => {
    loadChunk([]).then(
      (q) => {
        const at = props.startItem ? q.indexOf(props.startItem) : -1;
        setQueue(q);
        setPos(at >= 0 ? at : 0);
      },
      (e: Error) => setFault(e.message),
    );
    api.protocol(run.task).then(setProtocol, () => setProtocol(null));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const refresh = () => {
    if (!itemId) return;
    api.trace(run.run_id, itemId).then(setTrace, (e: Error) => setFault(e.message));
  };

  useEffect(() => {
    setTrace(null);
    if (!itemId) return;
    history.replaceState(null, '', queryHash(`#/runs/${run.run_id}/annotate`, { filter, item: itemId } as never));
    refresh();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [itemId]);

  const move = async (delta: number) => {
    if (!queue) return;
    const next = pos + delta;
    let q = queue;
    if (next >= q.length && q.length < total) {
      q = await loadChunk(q);
      setQueue(q);
    }
    setPos(Math.max(0, Math.min(next, q.length)));
  };

  const record = async (action: string, extra: { label?: string; note?: string } = {}) => {
    if (busy.current) return;
    if (!itemId && action !== 'undo') return;
    busy.current = true;
    setFault('');
    try {
      const res = await api.annotate({ run_id: run.run_id, item_id: action === 'undo' ? undefined : itemId, action, ...extra });
      const a = res.annotation;
      if (action === 'undo') {
        setStatus(`undone: annotation ${a.undoes} on ${a.item_id}`);
        const at = queue ? queue.indexOf(a.item_id) : -1;
        if (at >= 0 && at !== pos) setPos(at);
        else refresh();
      } else if (action === 'note') {
        setStatus(`note saved on ${a.item_id}`);
        refresh();
      } else {
        setStatus(`${action === 'skip' ? 'skipped' : `saved ${labelText(a.label)}`} on ${a.item_id}`);
        await move(1);
      }
    } catch (e) {
      setFault((e as Error).message);
    } finally {
      busy.current = false;
    }
  };

  const pickNumber = (n: number) => {
    setDigits('');
    if (n >= 1 && n <= labels.length) record('label', { label: labels[n - 1] });
    else setFault(`no class ${n} (1–${labels.length})`);
  };

  // The key handler is replaced on every render, before the DOM shows the
  // new item, so a key pressed right after a change never acts on the item
  // before it (an effect would rebind only after the paint).
  const onKey = useRef<(e: KeyboardEvent) => void>(() => {});
  onKey.current = (e: KeyboardEvent) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const el = e.target as HTMLElement;
    if (el && (el.tagName === 'TEXTAREA' || (el.tagName === 'INPUT' && el !== modeBox.current))) return;
    if (mode) return;  // the mode box handles its own keys
    const k = e.key;
    if (/^[0-9]$/.test(k) && labels.length > 0) {
      e.preventDefault();
      const d = digits + k;
      window.clearTimeout(digitTimer.current);
      const n = Number(d);
      if (n * 10 > labels.length || d.length >= String(labels.length).length) {
        pickNumber(n);
      } else {
        setDigits(d);
        digitTimer.current = window.setTimeout(() => pickNumber(n), DIGIT_WAIT_MS);
      }
      return;
    }
    if (k === 'Enter' || k === 'a') {
      e.preventDefault();
      if (digits) {
        window.clearTimeout(digitTimer.current);
        pickNumber(Number(digits));
      } else {
        record('accept');
      }
    } else if (k === '=' || k === '/') {
      e.preventDefault();
      if (labels.length) {
        setTyped('');
        setMode('name');
      }
    } else if (k === 'n') {
      e.preventDefault();
      setTyped('');
      setMode('note');
    } else if (k === 's') {
      e.preventDefault();
      record('skip');
    } else if (k === 'u') {
      e.preventDefault();
      record('undo');
    } else if (k === 'j' || k === 'ArrowDown' || k === 'ArrowRight') {
      e.preventDefault();
      move(1);
    } else if (k === 'k' || k === 'ArrowUp' || k === 'ArrowLeft') {
      e.preventDefault();
      move(-1);
    } else if (k === 'p') {
      e.preventDefault();
      ruleBox.current?.focus();
    } else if (k === 'Escape') {
      setDigits('');
      window.clearTimeout(digitTimer.current);
    }
  };
  useEffect(() => {
    const listener = (e: KeyboardEvent) => onKey.current(e);
    addEventListener('keydown', listener);
    return () => removeEventListener('keydown', listener);
  }, []);

  useEffect(() => {
    if (mode) modeBox.current?.focus();
  }, [mode]);

  const appendRule = async () => {
    if (!rule.trim()) return;
    try {
      await api.appendRule(run.task, rule);
      setRule('');
      setProtocol(await api.protocol(run.task));
      setStatus('rule appended to the protocol');
      ruleBox.current?.blur();
    } catch (e) {
      setFault((e as Error).message);
    }
  };

  const matches = mode === 'name' ? matchLabels(labels, typed) : [];
  const last = trace?.attempts[trace.attempts.length - 1];
  const mine = trace?.annotations.filter((a) => !a.undone) ?? [];

  return (
    <div class="annotate">
      <h1>
        Annotate run {run.run_id}: {run.task}
      </h1>
      <Tabs runId={run.run_id} current="annotate" />
      <div class="toolbar">
        <div class="filters" role="group" aria-label="which items">
          {FILTERS.filter((f) => f !== 'errors' && f !== 'invalid').map((f) => (
            <a key={f} class={`button ${(filter || 'all') === f ? 'on' : ''}`} href={queryHash(`#/runs/${run.run_id}/annotate`, { filter: f === 'all' ? '' : f })}>
              {f}
            </a>
          ))}
        </div>
        <span class="keys">
          <kbd>Enter</kbd>/<kbd>a</kbd> accept · <kbd>1</kbd>–<kbd>{Math.max(1, labels.length)}</kbd> class · <kbd>=</kbd> name · <kbd>n</kbd> note ·{' '}
          <kbd>s</kbd> skip · <kbd>u</kbd> undo · <kbd>j</kbd>/<kbd>k</kbd> next/prev · <kbd>p</kbd> protocol rule
        </span>
      </div>
      {fault && <p class="error" id="fault">{fault}</p>}
      <p class="status" id="status">{status}{digits ? ` · class ${digits}…` : ''}</p>
      {queue === null ? (
        <Loading />
      ) : !itemId ? (
        <p class="done" id="done">
          Nothing {pos > 0 ? 'more ' : ''}to annotate here ({total} items under this filter).
        </p>
      ) : (
        <div class="annotate-grid">
          <div class="item" data-item={itemId}>
            <p class="muted">
              item {pos + 1} of {total} · <span class="mono">{itemId}</span> ·{' '}
              <a href={`#/runs/${run.run_id}/items/${encodeURIComponent(itemId)}`}>trace</a>
            </p>
            {!trace ? (
              <Loading />
            ) : (
              <>
                <h2>Input</h2>
                <pre class="block input-text">{inputText(trace.input)}</pre>
                <h2>Model</h2>
                <p>
                  answer <b class="prediction">{trace.status === 'ok' ? trace.prediction ?? '–' : `(failed: ${trace.error})`}</b>
                </p>
                <pre class="block thoughts">{trace.thoughts || '(no thoughts)'}</pre>
                <p>
                  gold <b class="gold">{trace.gold ?? '(unlabeled)'}</b>
                  {trace.correct === null ? '' : trace.correct ? ' ✓' : ' ✗'}
                </p>
                {mine.length > 0 && (
                  <ul class="annotations">
                    {mine.map((a) => (
                      <li key={a.id}>
                        {a.annotator}: {a.action}
                        {a.label !== null ? ` ${labelText(a.label)}` : ''}
                        {a.note ? ` — ${a.note}` : ''} <span class="muted">{fmtDate(a.created_ms)}</span>
                      </li>
                    ))}
                  </ul>
                )}
                {labels.length > 0 && (
                  <ol class="classes">
                    {labels.map((l) => (
                      <li
                        key={l}
                        class={`${l === trace.prediction ? 'predicted' : ''} ${l === trace.gold ? 'gold' : ''}`}
                        onClick={() => record('label', { label: l })}
                      >
                        {l}
                      </li>
                    ))}
                  </ol>
                )}
                {mode && (
                  <div class="modebox">
                    <label>
                      {mode === 'name' ? 'class name' : 'note'}{' '}
                      <input
                        ref={modeBox}
                        id="modebox"
                        value={typed}
                        onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
                        onKeyDown={(e) => {
                          if (e.key === 'Escape') {
                            e.preventDefault();
                            setMode('');
                          } else if (e.key === 'Enter') {
                            e.preventDefault();
                            const m = mode;
                            setMode('');
                            if (m === 'name' && matches.length) record('label', { label: matches[0] });
                            if (m === 'note' && typed.trim()) record('note', { note: typed.trim() });
                          }
                        }}
                      />
                    </label>
                    {mode === 'name' && <span class="matches">{matches.slice(0, 8).join(' · ') || 'no class matches'}</span>}
                  </div>
                )}
                <h2>Prompt as sent{last && trace.attempts.length > 1 ? ` (attempt ${last.attempt} of ${trace.attempts.length})` : ''}</h2>
                {last ? <Messages messages={last.messages} /> : <p class="muted">no attempts recorded</p>}
              </>
            )}
          </div>
          <aside class="protocol">
            <h2>Protocol{protocol?.current ? ` v${protocol.current.version}` : ''}</h2>
            <pre class="block protocol-text">{protocol?.current?.text ?? '(no protocol yet)'}</pre>
            <textarea
              ref={ruleBox}
              id="rule"
              rows={3}
              placeholder="append a rule (p), then Ctrl+Enter"
              value={rule}
              onInput={(e) => setRule((e.target as HTMLTextAreaElement).value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                  e.preventDefault();
                  appendRule();
                } else if (e.key === 'Escape') {
                  (e.target as HTMLTextAreaElement).blur();
                }
              }}
            />
            <button id="append-rule" onClick={appendRule} disabled={!rule.trim()}>
              append rule
            </button>
          </aside>
        </div>
      )}
    </div>
  );
}
