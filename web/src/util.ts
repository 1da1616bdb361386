// Formatting and routing helpers shared by the pages.
export function fmtPct(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined ? '–' : `${(v * 100).toFixed(digits)}%`;
}

export function fmtNum(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined ? '–' : v.toFixed(digits);
}

export function fmtCost(v: number | null | undefined): string {
  if (v === null || v === undefined) return 'unknown';
  if (v === 0) return '$0';
  return v < 0.01 ? `$${v.toFixed(6)}` : `$${v.toFixed(4)}`;
}

export function fmtDate(ms: number | null | undefined): string {
  if (!ms) return '–';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function fmtP(p: number | null | undefined): string {
  if (p === null || p === undefined) return '–';
  return p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`;
}

// An item's input as one line of text: a lone string field is shown bare.
export function inputText(input: unknown): string {
  if (input && typeof input === 'object' && !Array.isArray(input)) {
    const values = Object.values(input as Record<string, unknown>);
    if (values.length === 1 && typeof values[0] === 'string') return values[0] as string;
  }
  return typeof input === 'string' ? input : JSON.stringify(input);
}

export interface Route {
  page: string;
  params: string[];
  query: URLSearchParams;
}

// "#/runs/3/metrics?x=1" -> {page: "runs/:/metrics", params: ["3"], query}.
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [path, qs] = raw.split('?', 2);
  const parts = path.split('/').filter((s) => s.length > 0);
  const params: string[] = [];
  const shape = parts.map((p, i) => {
    // Odd positions under runs/ and history/ are ids.
    if (i % 2 === 1) {
      params.push(decodeURIComponent(p));
      return ':';
    }
    return p;
  });
  return { page: shape.join('/'), params, query: new URLSearchParams(qs ?? '') };
}

export function go(hash: string): void {
  location.hash = hash;
}
