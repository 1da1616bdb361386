// The JSON API (/api/, documented in README.md) as typed functions. The token,
// when the server needs one, comes from ?token= in the page URL and is kept
// for the tab's session.
export interface Target {
  field: string;
  labels: string[];
}

export interface Run {
  run_id: number;
  kind: string;
  task: string;
  version: string;
  model: string;
  dataset: string;
  dataset_id: number | null;
  split: string;
  status: string;
  items: number;
  succeeded: number;
  failed: number;
  calls: number;
  cache_hits: number;
  input_tokens: number;
  output_tokens: number;
  cost: number | null;
  labeled: number;
  correct: number;
  accuracy: number | null;
  created_ms: number;
  finished_ms: number | null;
  target?: Target;
}

export interface Row {
  item_id: string;
  status: string;
  input: unknown;
  output: unknown;
  prediction: string | null;
  thoughts: string;
  gold: string | null;
  correct: boolean | null;
  error: string;
  attempts: number;
  latency_ms: number;
  input_tokens: number;
  output_tokens: number;
  cost: number | null;
  cache_hit: boolean;
}

export interface Page {
  run_id: number;
  total: number;
  offset: number;
  limit: number;
  items: Row[];
}

export interface Message {
  role: string;
  content: string;
}

export interface Attempt {
  attempt: number;
  status: string;
  messages: Message[];
  request: string;
  response: string;
  raw_body: string;
  error: string;
  latency_ms: number;
  http_attempts: number;
  input_tokens: number;
  output_tokens: number;
  cost: number | null;
  cache_hit: boolean;
  created_ms: number;
}

export interface Annotation {
  id: number;
  item_id: string;
  annotator: string;
  action: string;
  label: unknown;
  note: string;
  run_id: number | null;
  protocol_version: number | null;
  undoes: number | null;
  undone: boolean;
  created_ms: number;
}

export interface Trace extends Omit<Row, 'attempts'> {
  raw: string;
  gold_value: unknown;
  attempts: Attempt[];
  annotations: Annotation[];
  run: Run;
}

export interface Interval {
  lower: number;
  upper: number;
}

export interface ClassRow {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
  predicted: number;
  failed: number;
}

export interface Metrics {
  run: Run;
  split: string;
  classification: boolean;
  expected: number;
  items: number;
  labeled: number;
  unlabeled: number;
  failed: number;
  notes: string[];
  labels?: string[];
  confusion?: number[][];
  per_class?: ClassRow[];
  accuracy: number | null;
  macro_f1?: number | null;
  micro_f1?: number | null;
  weighted_f1?: number | null;
  normalized_accuracy?: number | null;
  ci: Record<string, Interval | null>;
  gap: null | { accuracy: number | null; macro_f1: number | null };
}

export interface Delta {
  delta: number;
  ci: Interval | null;
  p_value: number | null;
}

export interface FlipSide {
  status: string;
  value: string;
  thoughts: string;
  error: string;
}

export interface Flip {
  item_id: string;
  gold: string;
  input: string;
  a: FlipSide;
  b: FlipSide;
}

export interface Comparison {
  a: Run;
  b: Run;
  classification: boolean;
  common: number;
  compared: number;
  unlabeled: number;
  only_a: number;
  only_b: number;
  notes: string[];
  scores_a: Record<string, number | null>;
  scores_b: Record<string, number | null>;
  delta: Record<string, Delta | null>;
  mcnemar: { b: number; c: number; p_value: number };
  flipped_to_wrong: Flip[];
  flipped_to_right: Flip[];
}

export interface VersionScores {
  run_id: number;
  labeled: number;
  accuracy: number | null;
  accuracy_ci: Interval | null;
  macro_f1: number | null;
  macro_f1_ci: Interval | null;
  model: string;
  created_ms: number;
}

export interface History {
  task: string;
  versions: { number: number; version: string; first_seen_ms: number; diff: string; val: VersionScores[] }[];
}

export interface ProtocolVersion {
  task: string;
  version: number;
  text: string;
  author: string;
  created_ms: number;
}

export interface Protocol {
  task: string;
  current: ProtocolVersion | null;
  versions: ProtocolVersion[];
}

export class ApiError extends Error {
  constructor(
    public status: number,
    message: string,
  ) {
    super(message);
  }
}

function token(): string {
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl) sessionStorage.setItem('centaur-token', fromUrl);
  return fromUrl ?? sessionStorage.getItem('centaur-token') ?? '';
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  const t = token();
  if (t) headers['Authorization'] = `Bearer ${t}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`/api/${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiError(res.status, `${res.status}: ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const err = (json as { error?: string }).error ?? res.statusText;
    throw new ApiError(res.status, err);
  }
  return json as T;
}

const enc = encodeURIComponent;

export interface ResultQuery {
  filter?: string;
  q?: string;
  gold?: string;
  pred?: string;
}

export function queryString(params: Record<string, string | number | undefined>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === '') continue;
    parts.push(`${enc(k)}=${enc(String(v))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

export const api = {
  runs: (task?: string) => call<Run[]>('GET', `runs${queryString({ task })}`),
  run: (id: number) => call<Run>('GET', `runs/${id}`),
  results: (id: number, offset: number, limit: number, q: ResultQuery, signal?: AbortSignal) =>
    fetchPage(`runs/${id}/results${queryString({ offset, limit, ...q })}`, signal),
  trace: (id: number, item: string) => call<Trace>('GET', `runs/${id}/items/${enc(item)}/trace`),
  metrics: (id: number) => call<Metrics>('GET', `runs/${id}/metrics`),
  compare: (a: number, b: number) => call<Comparison>('GET', `compare${queryString({ a, b })}`),
  history: (task: string) => call<History>('GET', `metrics/history${queryString({ task })}`),
  protocol: (task: string) => call<Protocol>('GET', `protocol/${enc(task)}`),
  appendRule: (task: string, rule: string) =>
    call<ProtocolVersion>('POST', `protocol/${enc(task)}/append`, { rule }),
  annotate: (body: {
    run_id: number;
    item_id?: string;
    action: string;
    label?: string;
    note?: string;
  }) => call<{ annotation: Annotation; gold: unknown }>('POST', 'annotations', body),
};

async function fetchPage(path: string, signal?: AbortSignal): Promise<Page> {
  const headers: Record<string, string> = {};
  const t = token();
  if (t) headers['Authorization'] = `Bearer ${t}`;
  const res = await fetch(`/api/${path}`, { headers, signal });
  const json = await res.json();
  if (!res.ok) throw new ApiError(res.status, json.error ?? res.statusText);
  return json as Page;
}
