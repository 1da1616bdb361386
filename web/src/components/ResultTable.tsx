// A virtualized table over a run's results: only the rows in view (and a few
// around them) are in the DOM, and pages of 100 are fetched as they scroll
// into view, so 100,000 results cost what 40 do. A query change drops the
// cache and fetches the first page; data-generation on the table counts the
// answered queries (the browser tests wait on it).
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, type ResultQuery, type Row } from '../api';
import { fmtCost, inputText } from '../util';

const ROW_H = 30;
const PAGE = 100;
const OVERSCAN = 10;

export function ResultTable(props: { runId: number; query: ResultQuery; onOpen: (row: Row, index: number) => void }) {
  const { runId, query } = props;
  const key = JSON.stringify([runId, query]);
  const pages = useRef(new Map<number, Row[]>());
  const inflight = useRef(new Map<number, AbortController>());
  const [total, setTotal] = useState<number | null>(null);
  const [error, setError] = useState<string>('');
  const [generation, setGeneration] = useState(0);
  const [, setVersion] = useState(0);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const box = useRef<HTMLDivElement>(null);
  const currentKey = useRef(key);

  const fetchPage = (page: number) => {
    if (pages.current.has(page) || inflight.current.has(page)) return;
    const ctl = new AbortController();
    inflight.current.set(page, ctl);
    const forKey = currentKey.current;
    api.results(runId, page * PAGE, PAGE, query, ctl.signal).then(
      (p) => {
        inflight.current.delete(page);
        if (currentKey.current !== forKey) return;
        pages.current.set(page, p.items);
        setTotal(p.total);
        if (page === 0) setGeneration((g) => g + 1);
        setVersion((v) => v + 1);
      },
      (e: Error) => {
        inflight.current.delete(page);
        if (e.name !== 'AbortError' && currentKey.current === forKey) setError(e.message);
      },
    );
  };

  // A new query: forget everything, start at the top. A layout effect, so the
  // first page is asked for in the same task as the click or load that
  // changed the query, not a frame later.
  useLayoutEffect(() => {
    currentKey.current = key;
    for (const c of inflight.current.values()) c.abort();
    inflight.current.clear();
    pages.current.clear();
    setError('');
    setTotal(null);
    if (box.current) box.current.scrollTop = 0;
    setScrollTop(0);
    fetchPage(0);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = () => setHeight(el.clientHeight || 600);
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const count = total ?? 0;
  const first = Math.max(0, Math.floor(scrollTop / ROW_H) - OVERSCAN);
  const last = Math.min(count - 1, Math.ceil((scrollTop + height) / ROW_H) + OVERSCAN);

  useEffect(() => {
    if (total === null) return;
    for (let p = Math.floor(first / PAGE); p <= Math.floor(Math.max(first, last) / PAGE); p++) fetchPage(p);
  });

  const rows = [];
  for (let i = first; i <= last; i++) {
    const page = pages.current.get(Math.floor(i / PAGE));
    const r = page?.[i % PAGE];
    rows.push(
      r ? (
        <div
          key={i}
          class={`trow ${r.status !== 'ok' ? 'failed' : r.correct === false ? 'wrong' : ''}`}
          style={{ top: `${i * ROW_H}px` }}
          data-item={r.item_id}
          onClick={() => props.onOpen(r, i)}
        >
          <span class="c-n">{i + 1}</span>
          <span class="c-item mono" title={r.item_id}>
            {r.item_id}
          </span>
          <span class="c-input" title={inputText(r.input)}>
            {inputText(r.input)}
          </span>
          <span class="c-pred">{r.status === 'ok' ? r.prediction ?? '' : r.status}</span>
          <span class="c-gold">{r.gold ?? ''}</span>
          <span class="c-mark">{r.correct === null ? '' : r.correct ? '✓' : '✗'}</span>
          <span class="c-thoughts" title={r.thoughts || r.error}>
            {r.status === 'ok' ? r.thoughts : r.error}
          </span>
          <span class="c-num">{Math.round(r.latency_ms)} ms</span>
          <span class="c-num">{r.input_tokens + r.output_tokens}</span>
          <span class="c-num">{fmtCost(r.cost)}</span>
        </div>
      ) : (
        <div key={i} class="trow pending" style={{ top: `${i * ROW_H}px` }}>
          <span class="c-n">{i + 1}</span>
        </div>
      ),
    );
  }

  return (
    <div class="rtable" data-generation={generation} data-total={total ?? ''}>
      <div class="summary">
        {error ? <span class="error">{error}</span> : total === null ? 'loading…' : `${total.toLocaleString()} results`}
      </div>
      <div class="thead">
        <span class="c-n">#</span>
        <span class="c-item">item</span>
        <span class="c-input">input</span>
        <span class="c-pred">output</span>
        <span class="c-gold">gold</span>
        <span class="c-mark"></span>
        <span class="c-thoughts">thoughts / error</span>
        <span class="c-num">latency</span>
        <span class="c-num">tokens</span>
        <span class="c-num">cost</span>
      </div>
      <div class="tbody" ref={box} onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}>
        <div class="spacer" style={{ height: `${count * ROW_H}px` }}>
          {rows}
        </div>
      </div>
    </div>
  );
}
