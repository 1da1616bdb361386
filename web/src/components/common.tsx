// Small pieces every page uses.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

// Loads `load()` whenever `deps` change; shows errors and a loading line.
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data?: T; error?: string; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: string }>({});
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState({});
    load().then(
      (data) => live && setState({ data }),
      (e: Error) => live && setState({ error: e.message }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export function Loading(props: { error?: string }) {
  return props.error ? <p class="error">{props.error}</p> : <p class="muted">loading…</p>;
}

export function Tabs(props: { runId: number; current: string }) {
  const tabs = [
    ['results', `#/runs/${props.runId}`],
    ['annotate', `#/runs/${props.runId}/annotate`],
    ['metrics', `#/runs/${props.runId}/metrics`],
  ];
  return (
    <nav class="tabs">
      {tabs.map(([name, href]) => (
        <a key={name} href={href} class={name === props.current ? 'active' : ''}>
          {name}
        </a>
      ))}
    </nav>
  );
}

export function Section(props: { title: string; children: ComponentChildren }) {
  return (
    <section>
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}

// A message's text exactly as sent, in a plain-text block.
export function Messages(props: { messages: { role: string; content: string }[] }) {
  return (
    <div class="messages">
      {props.messages.map((m, i) => (
        <div key={i} class={`message role-${m.role}`}>
          <div class="role">{m.role}</div>
          <pre>{m.content}</pre>
        </div>
      ))}
    </div>
  );
}
