// Plots as plain SVG: no chart library, nothing fetched.
import type { ClassRow } from '../api';

// Row-normalized heat: white to deep blue.
function heat(rate: number): string {
  const t = Math.max(0, Math.min(1, rate));
  const r = Math.round(255 - t * (255 - 30));
  const g = Math.round(255 - t * (255 - 90));
  const b = Math.round(255 - t * (255 - 170));
  return `rgb(${r},${g},${b})`;
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

export function Heatmap(props: {
  labels: string[];
  matrix: number[][];
  onCell: (gold: string, predicted: string) => void;
}) {
  const { labels, matrix } = props;
  const k = labels.length;
  const cell = k <= 12 ? 44 : k <= 30 ? 22 : 10;
  const margin = k <= 30 ? 120 : 60;
  const size = margin + k * cell + 4;
  const rowSums = matrix.map((r) => r.reduce((a, b) => a + b, 0));
  return (
    <svg
      class="heatmap"
      width={size}
      height={size}
      viewBox={`0 0 ${size} ${size}`}
      role="img"
      aria-label="confusion matrix: rows gold, columns predicted"
    >
      {labels.map((l, i) => (
        <text
          key={`r${i}`}
          x={margin - 4}
          y={margin + i * cell + cell / 2 + 4}
          text-anchor="end"
          class="axis"
        >
          {k <= 30 ? clip(l, 16) : ''}
        </text>
      ))}
      {labels.map((l, j) => (
        <text
          key={`c${j}`}
          transform={`translate(${margin + j * cell + cell / 2 + 4},${margin - 4}) rotate(-60)`}
          class="axis"
        >
          {k <= 30 ? clip(l, 16) : ''}
        </text>
      ))}
      {matrix.map((row, i) =>
        row.map((n, j) => (
          <rect
            key={`${i}-${j}`}
            class={`cell${i === j ? ' diag' : ''}`}
            data-gold={labels[i]}
            data-pred={labels[j]}
            x={margin + j * cell}
            y={margin + i * cell}
            width={cell - 1}
            height={cell - 1}
            fill={heat(rowSums[i] > 0 ? n / rowSums[i] : 0)}
            onClick={() => props.onCell(labels[i], labels[j])}
          >
            <title>{`gold ${labels[i]} → predicted ${labels[j]}: ${n}`}</title>
          </rect>
        )),
      )}
      {k <= 12 &&
        matrix.map((row, i) =>
          row.map((n, j) => (
            <text
              key={`t${i}-${j}`}
              x={margin + j * cell + cell / 2}
              y={margin + i * cell + cell / 2 + 4}
              text-anchor="middle"
              class={`count${rowSums[i] > 0 && n / rowSums[i] > 0.6 ? ' light' : ''}`}
            >
              {n}
            </text>
          )),
        )}
    </svg>
  );
}

const METRICS: { key: 'precision' | 'recall' | 'f1'; color: string }[] = [
  { key: 'precision', color: '#5b8def' },
  { key: 'recall', color: '#f0a35b' },
  { key: 'f1', color: '#4caf7d' },
];

export function ClassBars(props: { rows: ClassRow[] }) {
  const { rows } = props;
  const barH = 7;
  const groupH = barH * 3 + 8;
  const left = 150;
  const width = 360;
  const height = rows.length * groupH + 30;
  return (
    <svg class="bars" width={left + width + 60} height={height} role="img" aria-label="per-class precision, recall and F1">
      {[0, 0.25, 0.5, 0.75, 1].map((t) => (
        <g key={t}>
          <line x1={left + t * width} x2={left + t * width} y1={0} y2={height - 20} class="grid" />
          <text x={left + t * width} y={height - 6} text-anchor="middle" class="axis">
            {t.toFixed(2)}
          </text>
        </g>
      ))}
      {rows.map((r, i) => (
        <g key={r.label} transform={`translate(0,${i * groupH})`}>
          <text x={left - 6} y={groupH / 2 + 2} text-anchor="end" class="axis">
            {clip(r.label, 22)}
          </text>
          {METRICS.map((m, j) => (
            <rect
              key={m.key}
              class={`bar bar-${m.key}`}
              x={left}
              y={4 + j * barH}
              width={Math.max(0, r[m.key] * width)}
              height={barH - 1}
              fill={m.color}
            >
              <title>{`${r.label} ${m.key}: ${r[m.key].toFixed(3)} (support ${r.support})`}</title>
            </rect>
          ))}
        </g>
      ))}
    </svg>
  );
}

export interface LinePoint {
  x: string;  // category (version number)
  y: number | null;
  lo?: number | null;
  hi?: number | null;
  title: string;
}

export interface LineSeries {
  name: string;
  color: string;
  points: LinePoint[];
}

export function LineChart(props: { series: LineSeries[]; categories: string[] }) {
  const { series, categories } = props;
  const w = 560,
    h = 240,
    left = 44,
    right = 16,
    top = 14,
    bottom = 34;
  const n = categories.length;
  const xAt = (i: number) => left + (n <= 1 ? (w - left - right) / 2 : (i * (w - left - right)) / (n - 1));
  const yAt = (v: number) => top + (1 - v) * (h - top - bottom);
  return (
    <svg class="line" width={w} height={h} role="img" aria-label="metric across task versions">
      {[0, 0.25, 0.5, 0.75, 1].map((t) => (
        <g key={t}>
          <line x1={left} x2={w - right} y1={yAt(t)} y2={yAt(t)} class="grid" />
          <text x={left - 6} y={yAt(t) + 4} text-anchor="end" class="axis">
            {t.toFixed(2)}
          </text>
        </g>
      ))}
      {categories.map((c, i) => (
        <text key={c} x={xAt(i)} y={h - 12} text-anchor="middle" class="axis">
          {c}
        </text>
      ))}
      {series.map((s) => {
        const idx = (p: LinePoint) => categories.indexOf(p.x);
        const pts = s.points.filter((p) => p.y !== null);
        return (
          <g key={s.name} class="series">
            {pts.map((p) =>
              p.lo !== null && p.lo !== undefined && p.hi !== null && p.hi !== undefined ? (
                <line
                  key={`ci${p.x}`}
                  class="ci"
                  x1={xAt(idx(p))}
                  x2={xAt(idx(p))}
                  y1={yAt(p.lo)}
                  y2={yAt(p.hi)}
                  stroke={s.color}
                />
              ) : null,
            )}
            <polyline
              fill="none"
              stroke={s.color}
              stroke-width={2}
              points={pts.map((p) => `${xAt(idx(p))},${yAt(p.y as number)}`).join(' ')}
            />
            {pts.map((p) => (
              <circle key={p.x} class="point" cx={xAt(idx(p))} cy={yAt(p.y as number)} r={4} fill={s.color}>
                <title>{p.title}</title>
              </circle>
            ))}
          </g>
        );
      })}
      {series.map((s, i) => (
        <g key={`legend${s.name}`} transform={`translate(${left + 8 + i * 110},${top + 2})`}>
          <rect width={10} height={10} fill={s.color} />
          <text x={14} y={9} class="axis">
            {s.name}
          </text>
        </g>
      ))}
    </svg>
  );
}
