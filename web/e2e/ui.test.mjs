// End-to-end: the real binary on a store seeded by real runs against the
// fixture LLM server, driven in headless Chromium. Annotates with the keyboard,
// reloads and sees the labels kept, opens metrics, compare and a trace, and
// checks the plots draw the right number of cells, bars and points.
// Screenshots of failures go to $CENTAUR_E2E_ARTIFACTS (default: a temp dir).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Project, TASK, launchBrowser } from './lib.mjs';

const artifacts = process.env.CENTAUR_E2E_ARTIFACTS ?? mkdtempSync(join(tmpdir(), 'centaur-e2e-'));
mkdirSync(artifacts, { recursive: true });

const project = new Project();
let browser;
let page;
let failures = 0;

async function step(name, fn) {
  try {
    await fn();
    console.log(`ok - ${name}`);
  } catch (e) {
    failures++;
    const shot = join(artifacts, `${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
    try {
      await page.screenshot({ path: shot, fullPage: true });
    } catch {
      /* the page may be gone */
    }
    console.log(`not ok - ${name}\n  ${String(e.stack ?? e).split('\n').join('\n  ')}\n  screenshot: ${shot}`);
  }
}

async function api(path, init) {
  return page.evaluate(
    async ([p, i]) => {
      const r = await fetch(p, i);
      return { status: r.status, body: await r.json() };
    },
    [`/api/${path}`, init],
  );
}

// Waits until the element's text contains `text`.
async function waitText(selector, text, timeout = 10000) {
  await page.waitForFunction(
    ([s, t]) => document.querySelector(s)?.textContent?.includes(t),
    [selector, text],
    { timeout },
  );
}

async function count(selector) {
  return page.locator(selector).count();
}

try {
  await project.startFixture();
  project.write('task.yaml', TASK('Route the message to one intent.'));
  const rows = [
    'text,label',
    '"I want a refund, please",refund',
    'where is my card_arrival,card_arrival',
    'refund now,card_arrival',
    'nothing to see,',
    'please check this !fault:invalid,other',
    ...Array.from({ length: 20 }, (_, i) => `message number ${i} about other things,other`),
  ];
  project.write('data.csv', rows.join('\n') + '\n');
  project.centaur('data', 'import', 'data.csv', '--name', 'tickets', '--label-column', 'label', '--test-fraction', '0');
  const run1 = project.runJson('run', 'task.yaml', '--data', 'tickets').run_id;
  project.write('task.yaml', TASK('Route this message to one intent.'));
  const run2 = project.runJson('run', 'task.yaml', '--data', 'tickets').run_id;
  const url = await project.startUi();
  browser = await launchBrowser();
  page = await browser.context.newPage();
  const consoleErrors = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  const external = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(url)) external.push(r.url());
  });

  await step('runs page lists both runs', async () => {
    await page.goto(url);
    await page.waitForSelector('tr.run-row');
    assert.equal(await count('tr.run-row'), 2);
    await page.click(`tr.run-row[data-run="${run1}"] td:nth-child(3)`);
    await page.waitForSelector('.rtable[data-generation="1"]');
    assert.equal(await page.getAttribute('.rtable', 'data-total'), '25');
  });

  await step('run page filters and searches', async () => {
    assert.ok((await count('.trow[data-item]')) >= 20);
    await page.click('button[data-filter="unlabeled"]');
    await page.waitForSelector('.rtable[data-total="1"]');
    await waitText('.trow[data-item]', 'nothing to see');
    await page.click('button[data-filter="all"]');
    await page.waitForSelector('.rtable[data-total="25"]');
    await page.fill('#search', 'refund');
    await page.press('#search', 'Enter');
    await page.waitForSelector('.rtable[data-total="2"]');
    await page.fill('#search', 'fault');
    await page.press('#search', 'Enter');
    await page.waitForSelector('.rtable[data-total="1"]');
    await page.click('.trow[data-item]');
    await page.waitForSelector('section.attempt');
  });

  await step('trace shows every attempt with its messages and error', async () => {
    assert.equal(await count('section.attempt'), 2);
    assert.equal(await count('section.attempt.status-invalid'), 1);
    const text = await page.textContent('section.attempt[data-attempt="1"]');
    assert.match(text, /Route the message to one intent\./);
    assert.match(text, /Message: please check this !fault:invalid/);
    const second = await page.textContent('section.attempt[data-attempt="2"]');
    assert.match(second, /assistant/);  // the re-ask carries the bad output back
  });

  let items;
  await step('annotate with the keyboard', async () => {
    items = (await api(`runs/${run1}/results?limit=5`)).body.items.map((r) => r.item_id);
    await page.goto(`${url}#/runs/${run1}/annotate`);
    await page.waitForSelector(`.item[data-item="${items[0]}"] .prediction`);
    await page.keyboard.press('3'); // class 3: other
    await waitText('#status', `saved other on ${items[0]}`);
    await page.waitForSelector(`.item[data-item="${items[1]}"] .prediction`);
    await page.keyboard.press('Enter'); // accept the model's card_arrival
    await waitText('#status', `saved card_arrival on ${items[1]}`);
    await page.waitForSelector(`.item[data-item="${items[2]}"] .prediction`);
    await page.keyboard.press('=');
    await page.waitForSelector('#modebox');
    await page.keyboard.type('card');
    await waitText('.matches', 'card_arrival');
    await page.keyboard.press('Enter');
    await waitText('#status', `saved card_arrival on ${items[2]}`);
    await page.waitForSelector(`.item[data-item="${items[3]}"] .prediction`);
    await page.keyboard.press('n');
    await page.waitForSelector('#modebox');
    await page.keyboard.type('unclear message');
    await page.keyboard.press('Enter');
    await waitText('#status', `note saved on ${items[3]}`);
    await waitText('.item ul.annotations', 'unclear message');
    await page.keyboard.press('s');
    await waitText('#status', `skipped on ${items[3]}`);
    await page.waitForSelector(`.item[data-item="${items[4]}"] .prediction`);
    await page.keyboard.press('u'); // takes back the skip, back to item 4
    await waitText('#status', 'undone');
    await page.waitForSelector(`.item[data-item="${items[3]}"] .prediction`);
    await page.keyboard.press('k');
    await page.waitForSelector(`.item[data-item="${items[2]}"] .prediction`);
    await waitText('.item .gold', 'card_arrival');
    // The prompt beside the item is the exact text that was sent.
    await waitText('.item .messages', 'Message: refund now');
  });

  await step('append a protocol rule from the keyboard', async () => {
    await page.keyboard.press('p');
    await page.keyboard.type('A fee is a refund.');
    await page.keyboard.press('Control+Enter');
    await waitText('.protocol-text', 'A fee is a refund.');
    await waitText('.protocol h2', 'v1');
  });

  await step('labels persist across a reload', async () => {
    await page.reload();
    await page.waitForSelector(`.item[data-item="${items[2]}"] .prediction`);
    await waitText('.item .gold', 'card_arrival');
    await waitText('.protocol-text', 'A fee is a refund.');
    await page.goto(`${url}#/runs/${run1}/items/${encodeURIComponent(items[0])}`);
    await waitText('ul.annotations', 'label other');
    const t0 = (await api(`runs/${run1}/items/${encodeURIComponent(items[0])}/trace`)).body;
    assert.equal(t0.gold, 'other');
    const t3 = (await api(`runs/${run1}/items/${encodeURIComponent(items[3])}/trace`)).body;
    assert.deepEqual(
      t3.annotations.map((a) => [a.action, a.undone]),
      [['note', false], ['skip', true], ['undo', false]],
    );
    assert.equal(t3.annotations[0].protocol_version, null);
  });

  await step('metrics: heatmap, bars and the line chart', async () => {
    const m = (await api(`runs/${run1}/metrics`)).body;
    await page.goto(`${url}#/runs/${run1}/metrics`);
    await page.waitForSelector('svg.heatmap');
    assert.equal(await count('svg.heatmap rect.cell'), m.labels.length ** 2);
    assert.equal(await count('svg.bars rect.bar'), m.per_class.length * 3);
    await page.waitForSelector('svg.line circle.point');
    assert.equal(await count('svg.line circle.point'), 4); // 2 versions x accuracy, macro F1
    // A cell opens its items.
    const i = m.labels.indexOf('refund');
    const j = m.labels.indexOf('card_arrival');
    const n = m.confusion[j][i]; // gold card_arrival predicted refund ("refund now")
    assert.ok(n >= 1);
    await page.click('svg.heatmap rect.cell[data-gold="card_arrival"][data-pred="refund"]');
    await page.waitForSelector(`.rtable[data-total="${n}"]`);
    await waitText('.trow[data-item]', 'refund now');
  });

  await step('compare two runs', async () => {
    const c = (await api(`compare?a=${run1}&b=${run2}`)).body;
    await page.goto(`${url}#/compare?a=${run1}&b=${run2}`);
    await page.waitForSelector('tr.delta-row');
    assert.equal(await count('tr.delta-row'), 4);
    assert.equal(await count('.flip'), c.flipped_to_wrong.length + c.flipped_to_right.length);
    if (c.flipped_to_wrong.length + c.flipped_to_right.length > 0) {
      assert.ok((await count('.flip ins')) + (await count('.flip del')) > 0);
    }
    await waitText('tr.delta-row[data-metric="accuracy"]', 'McNemar');
  });

  await step('the page loads nothing from elsewhere and logs no errors', async () => {
    assert.deepEqual(external, []);
    assert.deepEqual(consoleErrors, []);
  });
} catch (e) {
  failures++;
  console.log(`not ok - setup\n  ${e.stack ?? e}`);
} finally {
  if (browser) await browser.close();
  await project.stop();
}
console.log(failures ? `${failures} failed (screenshots in ${artifacts})` : 'all passed');
process.exit(failures ? 1 : 0);
