// Compare: two runs on their shared items: metric deltas with significance,
// and the items that flipped, both outputs side by side, differences marked.
import { useState } from 'preact/hooks';
import { api, type Flip } from '../api';
import { Loading, useLoad } from '../components/common';
import { wordDiff, type Piece } from '../diff';
import { fmtNum, fmtP, go } from '../util';

function Pieces(props: { pieces: Piece[] }) {
  return (
    <>
      {props.pieces.map((p, i) =>
        p.kind === 'same' ? (
          <span key={i}>{p.text}</span>
        ) : p.kind === 'del' ? (
          <del key={i}>{p.text}</del>
        ) : (
          <ins key={i}>{p.text}</ins>
        ),
      )}
    </>
  );
}

function FlipRow(props: { flip: Flip; a: number; b: number }) {
  const { flip } = props;
  const value = wordDiff(flip.a.value || flip.a.error, flip.b.value || flip.b.error);
  const thoughts = wordDiff(flip.a.thoughts, flip.b.thoughts);
  return (
    <div class="flip" data-item={flip.item_id}>
      <div class="flip-head">
        <span class="mono">{flip.item_id}</span> · gold <b>{flip.gold}</b> ·{' '}
        <a href={`#/runs/${props.a}/items/${encodeURIComponent(flip.item_id)}`}>trace A</a> ·{' '}
        <a href={`#/runs/${props.b}/items/${encodeURIComponent(flip.item_id)}`}>trace B</a>
      </div>
      <pre class="block input-text">{flip.input}</pre>
      <div class="sides">
        <div class="side">
          <div class="label">
            A: <b><Pieces pieces={value.a} /></b>
          </div>
          <pre class="block"><Pieces pieces={thoughts.a} /></pre>
        </div>
        <div class="side">
          <div class="label">
            B: <b><Pieces pieces={value.b} /></b>
          </div>
          <pre class="block"><Pieces pieces={thoughts.b} /></pre>
        </div>
      </div>
    </div>
  );
}

function Picker(props: { a: number; b: number }) {
  const { data: runs } = useLoad(() => api.runs(), []);
  const [a, setA] = useState(props.a || 0);
  const [b, setB] = useState(props.b || 0);
  if (!runs) return null;
  const sel = (v: number, set: (n: number) => void, id: string) => (
    <select id={id} value={v} onChange={(e) => set(Number((e.target as HTMLSelectElement).value))}>
      <option value={0}>choose a run</option>
      {runs.map((r) => (
        <option key={r.run_id} value={r.run_id}>
          {r.run_id}: {r.task} {r.version.slice(0, 8)} {r.model} {r.split}
        </option>
      ))}
    </select>
  );
  return (
    <div class="toolbar">
      A {sel(a, setA, 'run-a')} B {sel(b, setB, 'run-b')}
      <button disabled={!a || !b} onClick={() => go(`#/compare?a=${a}&b=${b}`)}>
        compare
      </button>
    </div>
  );
}

export function ComparePage(props: { a: number; b: number }) {
  const { a, b } = props;
  const { data: c, error } = useLoad(() => (a && b ? api.compare(a, b) : Promise.resolve(null)), [a, b]);
  return (
    <div class="compare">
      <h1>Compare runs</h1>
      <Picker a={a} b={b} />
      {!a || !b ? null : !c ? (
        <Loading error={error} />
      ) : (
        <>
          <p>
            A = <a href={`#/runs/${a}`}>run {a}</a> ({c.a.task} {c.a.version.slice(0, 8)}, {c.a.model}) · B ={' '}
            <a href={`#/runs/${b}`}>run {b}</a> ({c.b.task} {c.b.version.slice(0, 8)}, {c.b.model})
          </p>
          <p class="muted">
            {c.compared} labeled items in common ({c.common} in common, {c.unlabeled} unlabeled; {c.only_a} only in A,{' '}
            {c.only_b} only in B)
          </p>
          {c.notes.map((n) => (
            <p key={n} class="note">
              {n}
            </p>
          ))}
          <table class="deltas">
            <thead>
              <tr>
                <th>metric</th>
                <th class="num">A</th>
                <th class="num">B</th>
                <th class="num">B − A</th>
                <th>95% CI</th>
                <th>significance</th>
              </tr>
            </thead>
            <tbody>
              {['accuracy', 'macro_f1', 'micro_f1', 'weighted_f1'].map((k) => {
                const d = c.delta[k];
                if (!d) return null;
                return (
                  <tr key={k} class="delta-row" data-metric={k}>
                    <td>{k.replace('_', ' ')}</td>
                    <td class="num">{fmtNum(c.scores_a[k])}</td>
                    <td class="num">{fmtNum(c.scores_b[k])}</td>
                    <td class={`num ${d.delta > 0 ? 'up' : d.delta < 0 ? 'down' : ''}`}>
                      {d.delta > 0 ? '+' : ''}
                      {fmtNum(d.delta)}
                    </td>
                    <td>{d.ci ? `[${fmtNum(d.ci.lower)}, ${fmtNum(d.ci.upper)}]` : '–'}</td>
                    <td>
                      {fmtP(d.p_value)}
                      {k === 'accuracy' ? ' (McNemar)' : ' (paired bootstrap)'}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div class="flips">
            <section>
              <h2>Right → wrong ({c.flipped_to_wrong.length})</h2>
              {c.flipped_to_wrong.map((f) => (
                <FlipRow key={f.item_id} flip={f} a={a} b={b} />
              ))}
            </section>
            <section>
              <h2>Wrong → right ({c.flipped_to_right.length})</h2>
              {c.flipped_to_right.map((f) => (
                <FlipRow key={f.item_id} flip={f} a={a} b={b} />
              ))}
            </section>
          </div>
        </>
      )}
    </div>
  );
}
