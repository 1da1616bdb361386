#!/usr/bin/env bash
# The demo: import a BANKING77 sample, run the intent task on its validation
# split, show results and accuracy. Works with no API key and no network (see
# the model choice below).
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/$BUILD/centaur"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/centaur-demo.XXXXXX")
export CENTAUR_DB="$WORK/centaur.db"
cp "$ROOT"/examples/banking77/{task.yaml,examples.jsonl,sample.csv} "$WORK/"
cd "$WORK"

MODELS_DIR="${CENTAUR_MODELS:-$HOME/.cache/centaur/models}"
DEFAULT_PULL="qwen2.5-0.5b-instruct-q4"

# The model, local first: CENTAUR_MODEL; else a chat model already in the
# models directory; else pull a small instruct model; else the generated tiny
# model (random weights: the workflow runs, the answers mean nothing).
pick_local() {
  "$BIN" models --json 2>/dev/null | python3 -c '
import json, sys
models = [m for m in json.load(sys.stdin)
          if m["has_chat_template"] and not m["embeddings_only"] and m["architecture"] != "invalid"]
real = [m for m in models if not m["name"].startswith("centaur-tiny")]
pick = (real or [None])[0]
print("local:" + pick["name"] if pick else "")'
}

MODEL="${CENTAUR_MODEL:-}"
if [ -z "$MODEL" ]; then
  MODEL="$(pick_local)"
fi
if [ -z "$MODEL" ]; then
  echo "demo: no local model in $MODELS_DIR; trying to download $DEFAULT_PULL" >&2
  if "$BIN" models pull "$DEFAULT_PULL" >&2; then
    MODEL="local:$DEFAULT_PULL"
  fi
fi
if [ -z "$MODEL" ]; then
  "$BIN" models tiny "$MODELS_DIR/centaur-tiny.gguf" >/dev/null
  MODEL="local:centaur-tiny"
  cat <<'MSG'
================================================================================
 No model could be found or downloaded, so this demo runs centaur's generated
 TINY model: a 5 MB llama with RANDOM WEIGHTS. Its answers are random and the
 accuracy below means nothing; it only shows the workflow (constrained output,
 traces, cache, export), all in-process and offline.

 To run the demo on a real model, any one of:
   put a chat GGUF in ~/.cache/centaur/models (or set CENTAUR_MODELS)
   CENTAUR_MODEL=local:/path/to/model.gguf make demo
   CENTAUR_MODEL=openai:gpt-4o-mini-2024-07-18 OPENAI_API_KEY=... make demo
   CENTAUR_MODEL=anthropic:claude-3-5-haiku-20241022 ANTHROPIC_API_KEY=... make demo
================================================================================
MSG
fi
echo "demo: model $MODEL" >&2
# Local models decode this many sequences at once in one context.
CONC=16
case "$MODEL" in local:*) CONC=8 ;; esac

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
step centaur data import sample.csv --name banking77 --label-column category
"$BIN" data import sample.csv --name banking77 --label-column category
step centaur call task.yaml --model "$MODEL" --input '{"text": "My card still has not arrived"}'
"$BIN" call task.yaml --model "$MODEL" --input '{"text": "My card still has not arrived"}'
step centaur run task.yaml --data banking77 --model "$MODEL" --concurrency $CONC
"$BIN" run task.yaml --data banking77 --model "$MODEL" --concurrency "$CONC"
step "centaur run task.yaml --data banking77 --model $MODEL   # again: every answer from the cache"
"$BIN" run task.yaml --data banking77 --model "$MODEL" --concurrency "$CONC"
step centaur runs
"$BIN" runs
step "centaur show 2 | head -n 15"
"$BIN" show 2 | head -n 15 || true
step centaur export 2 --format jsonl --output results.jsonl
"$BIN" export 2 --format jsonl --output results.jsonl
head -n 2 results.jsonl
printf '\nThe store and files are in %s\n' "$WORK"
