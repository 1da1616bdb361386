// Shared by the browser tests and the UI benchmark: a temp project seeded by
// real runs against the fixture LLM server, `centaur ui` on a free port, and
// Debian's Chromium driven by playwright-core (no browser download).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const SOURCE_DIR = process.env.CENTAUR_SOURCE_DIR ?? resolve(here, '../..');
// Relative paths are the caller's: the binaries run in the project's temp dir.
export const BIN = resolve(process.env.CENTAUR_BIN ?? join(SOURCE_DIR, 'build/centaur'));
export const FIXTURE = resolve(process.env.CENTAUR_FIXTURE_SERVER ?? join(SOURCE_DIR, 'build/fixture_llm_server'));
export const CHROMIUM = process.env.CENTAUR_CHROMIUM ?? '/usr/bin/chromium';

// Resolves with the first stdout line of a child matching `re`.
function firstLine(child, re, what) {
  return new Promise((ok, fail) => {
    const rl = createInterface({ input: child.stdout });
    let err = '';
    child.stderr?.on('data', (d) => (err += d));
    const timer = setTimeout(() => fail(new Error(`${what} did not start: ${err}`)), 60000);
    rl.on('line', (line) => {
      const m = line.match(re);
      if (m) {
        clearTimeout(timer);
        ok(m);
      }
    });
    child.on('exit', (code) => fail(new Error(`${what} exited ${code}: ${err}`)));
  });
}

export const TASK = (prompt) => `name: intent
model: openai:gpt-4o-mini-2024-07-18
params: {temperature: 0, max_tokens: 200}
inputs:
  text: {type: string}
prompt:
  system: ${prompt}
  user: "Message: {{text}}"
output:
  type: object
  properties:
    thoughts: {type: string}
    label: {type: string, enum: [refund, card_arrival, other]}
  required: [thoughts, label]
  additionalProperties: false
target: label
attempts: 3
`;

export class Project {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'centaur-ui-'));
    this.db = join(this.dir, 'centaur.db');
    this.children = [];
  }

  async startFixture() {
    const child = spawn(FIXTURE, ['--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    const m = await firstLine(child, /^PORT (\d+)/, 'fixture server');
    const base = `http://127.0.0.1:${m[1]}`;
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (/^(OPENAI_|ANTHROPIC_|CENTAUR_DB)/.test(k)) delete env[k];
    this.env = {
      ...env,
      CENTAUR_DB: this.db,
      OPENAI_BASE_URL: `${base}/v1`,
      OPENAI_API_KEY: 'sk-fixture-key-0000',
      ASAN_OPTIONS: 'detect_leaks=1',
    };
  }

  write(name, text) {
    const path = join(this.dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    return path;
  }

  centaur(...args) {
    const p = spawnSync(BIN, args, { cwd: this.dir, env: this.env, encoding: 'utf8', maxBuffer: 1 << 28 });
    if (p.status !== 0) {
      throw new Error(`centaur ${args.join(' ')} exited ${p.status ?? p.error}:\n${p.stdout}\n${p.stderr}`);
    }
    return p.stdout;
  }

  runJson(...args) {
    return JSON.parse(this.centaur(...args, '--json'));
  }

  async startUi(...args) {
    const child = spawn(BIN, ['ui', '--port', '0', ...args], { cwd: this.dir, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    this.ui = child;
    const m = await firstLine(child, /(http:\/\/\S+\/)/, 'centaur ui');
    this.url = m[1];
    return this.url;
  }

  async stop() {
    for (const c of this.children.reverse()) {
      if (c.exitCode === null) {
        const done = new Promise((ok) => c.on('exit', ok));
        c.kill('SIGTERM');
        await Promise.race([done, new Promise((ok) => setTimeout(ok, 10000))]);
        if (c.exitCode === null) c.kill('SIGKILL');
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'centaur-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
