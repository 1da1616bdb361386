// The web UI: a hash-routed single page over the JSON API.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { AnnotatePage } from './pages/Annotate';
import { ComparePage } from './pages/Compare';
import { HistoryPage, MetricsPage } from './pages/Metrics';
import { RunPage } from './pages/Run';
import { RunsPage } from './pages/Runs';
import { TracePage } from './pages/Trace';
import './style.css';
import { parseRoute } from './util';

function Page() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  const r = parseRoute(hash);
  const id = Number(r.params[0]);
  switch (r.page) {
    case '':
    case 'runs':
      return <RunsPage task={r.query.get('task') ?? ''} />;
    case 'runs/:':
      return <RunPage runId={id} query={r.query} />;
    case 'runs/:/annotate':
      return <AnnotatePage runId={id} query={r.query} />;
    case 'runs/:/metrics':
      return <MetricsPage runId={id} />;
    case 'runs/:/items/:':
      return <TracePage runId={id} itemId={r.params[1]} />;
    case 'compare':
      return <ComparePage a={Number(r.query.get('a') ?? 0)} b={Number(r.query.get('b') ?? 0)} />;
    case 'history':
      return <HistoryPage task={r.query.get('task') ?? ''} />;
    default:
      return <p class="error">No page here. <a href="#/">Runs</a></p>;
  }
}

function App() {
  return (
    <>
      <header>
        <a href="#/" class="brand">
          centaur
        </a>
        <a href="#/">runs</a>
        <a href="#/compare">compare</a>
      </header>
      <main>
        <Page />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
