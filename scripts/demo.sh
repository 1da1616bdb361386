#!/usr/bin/env bash
# The demo: import a BANKING77 sample, run the intent task on its validation
# split, show results and accuracy. Uses the provider the environment
# configures; with none, runs against the fixture server and says so.
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/$BUILD/centaur"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/centaur-demo.XXXXXX")
export CENTAUR_DB="$WORK/centaur.db"
cp "$ROOT"/examples/banking77/{task.yaml,examples.jsonl,sample.csv} "$WORK/"
cd "$WORK"

MODEL=""
FIXTURE_PID=""
cleanup() { [ -n "$FIXTURE_PID" ] && kill "$FIXTURE_PID" 2>/dev/null; true; }
trap cleanup EXIT

if [ -n "${CENTAUR_MODEL:-}" ]; then
  MODEL="$CENTAUR_MODEL"
elif [ -n "${OPENAI_API_KEY:-}" ] || [ -n "${OPENAI_BASE_URL:-}" ]; then
  MODEL="openai:${OPENAI_MODEL:-gpt-4o-mini-2024-07-18}"
elif [ -n "${ANTHROPIC_API_KEY:-}" ]; then
  MODEL="anthropic:${ANTHROPIC_MODEL:-claude-3-5-haiku-20241022}"
else
  cat <<'MSG'
================================================================================
 No LLM provider is configured, so this demo runs against centaur's built-in
 FIXTURE server: its answers are canned (picked by a hash), NOT a model's, and
 the accuracy below means nothing. It shows the workflow only.

 To run the demo on a real model, set one of:
   OPENAI_API_KEY=...                      (OpenAI; OPENAI_MODEL to pick one)
   OPENAI_BASE_URL=http://host:port/v1     (vLLM, llama.cpp server, Ollama)
   ANTHROPIC_API_KEY=...                   (Anthropic; ANTHROPIC_MODEL)
   CENTAUR_MODEL=provider:model            (any of the above, explicitly)
 and run `make demo` again.
================================================================================
MSG
  exec 3< <("$ROOT/$BUILD/fixture_llm_server" --port 0 --latency-ms 20)
  FIXTURE_PID=$!
  read -r _ PORT <&3
  export OPENAI_BASE_URL="http://127.0.0.1:$PORT/v1"
  export OPENAI_API_KEY="fixture-key"
  MODEL="openai:gpt-4o-mini-2024-07-18"
fi

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
step centaur data import sample.csv --name banking77 --label-column category
"$BIN" data import sample.csv --name banking77 --label-column category
step centaur call task.yaml --model "$MODEL" --input '{"text": "My card still has not arrived"}'
"$BIN" call task.yaml --model "$MODEL" --input '{"text": "My card still has not arrived"}'
step centaur run task.yaml --data banking77 --model "$MODEL" --concurrency 16
"$BIN" run task.yaml --data banking77 --model "$MODEL" --concurrency 16
step "centaur run task.yaml --data banking77 --model $MODEL   # again: every answer from the cache"
"$BIN" run task.yaml --data banking77 --model "$MODEL" --concurrency 16
step centaur runs
"$BIN" runs
step "centaur show 2 | head -n 15"
"$BIN" show 2 | head -n 15 || true
step centaur export 2 --format jsonl --output results.jsonl
"$BIN" export 2 --format jsonl --output results.jsonl
head -n 2 results.jsonl
printf '\nThe store and files are in %s\n' "$WORK"
