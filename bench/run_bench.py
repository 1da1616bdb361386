#!/usr/bin/env python3
"""End-to-end benchmarks of `centaur run` against the fixture LLM server.

  1. 2,000 items, fixture latency 50 ms, concurrency 32: wall time vs. the
     floor N*latency/concurrency (target: within 1.15x), CPU seconds, peak RSS.
  2. Re-run of 10,000 cached items: items/s end to end (target >= 50,000).
  3. A 100,000-item run: peak RSS (target <= 150 MB).

And of the local engine (llama.cpp in-process), on the tiny random-weight
model, with llama.cpp's own llama-server beside it (bench/local_runs.py):

  4. Constrained decoding throughput, in-process vs. llama-server: the same
     prompts and schema (the banking77 task: thoughts + 77-label enum), the
     same parallel sequences and context per sequence (target >= 0.9x).
  5. `centaur run` of 256 items on local:tiny, --concurrency 8 vs. 1
     (target >= 3x on 2 cores).
  6. Engine overhead of Runner::Run: wall time outside llama_decode and
     sampling as a fraction of the whole (target <= 2%).

And of the web UI (web/e2e/bench.mjs, node and headless Chromium) over a run
of 100,000 results:

  7. The API's 100-row pages, at offsets 0, 50,000 and 99,900, filtered and
     searched (target < 20 ms).
  8. The Run page from navigation to its first rows, cold and warm (target
     < 1 s); a filter change or search until the table shows its rows
     (target < 200 ms); the table keeps fewer than 200 rows in the DOM.

Usage: bench/run_bench.py BUILD_DIR [fixture|local|ui]   (prints markdown
tables; all groups by default)
"""
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import local_runs  # bench/, beside this file

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build-bench"
BIN = os.path.abspath(os.path.join(BUILD, "centaur"))
FIXTURE = os.path.abspath(os.path.join(BUILD, "fixture_llm_server"))

TASK = """name: bench
model: openai:gpt-4o-mini-2024-07-18
params: {temperature: 0, max_tokens: 200}
inputs: {text: {type: string}}
prompt:
  system: Route the message to one intent.
  user: "Message: {{text}}"
output:
  type: object
  properties:
    thoughts: {type: string}
    label: {type: string, enum: [refund, card_arrival, other]}
  required: [thoughts, label]
  additionalProperties: false
target: label
"""


def start_fixture(*args):
    p = subprocess.Popen([FIXTURE, "--port", "0", *args], stdout=subprocess.PIPE)
    port = int(p.stdout.readline().split()[1])
    return p, port


def timed(cmd, env, cwd):
    """Runs cmd; returns (wall s, cpu s, peak rss MB, stdout) of that child alone."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    # A fresh process per measurement so ru_maxrss is this child's.
    wrapper = [sys.executable, "-c",
               "import resource,subprocess,sys,json,time;"
               "t=time.monotonic();"
               "p=subprocess.run(sys.argv[1:],capture_output=True,text=True);"
               "t=time.monotonic()-t;"
               "u=resource.getrusage(resource.RUSAGE_CHILDREN);"
               "print(json.dumps({'rc':p.returncode,'out':p.stdout,'err':p.stderr[-2000:],"
               "'cpu':u.ru_utime+u.ru_stime,'rss_kb':u.ru_maxrss,'wall':t}))", *cmd]
    out = subprocess.run(wrapper, capture_output=True, text=True, env=env, cwd=cwd, check=True)
    del before
    r = json.loads(out.stdout)
    wall = r["wall"]  # the command alone, not the wrapper's start-up
    if r["rc"] != 0:
        raise RuntimeError(f"{cmd} failed: {r['err']}")
    return wall, r["cpu"], r["rss_kb"] / 1024, r["out"]


def fixture_runs(work):
    rows = []
    with open(os.path.join(work, "task.yaml"), "w") as f:
        f.write(TASK)
    fixture, port = start_fixture("--latency-ms", "50")
    env = dict(os.environ, CENTAUR_DB=os.path.join(work, "a.db"),
               OPENAI_BASE_URL=f"http://127.0.0.1:{port}/v1", OPENAI_API_KEY="bench")
    with open(os.path.join(work, "d2k.jsonl"), "w") as f:
        for i in range(2000):
            f.write(json.dumps({"text": f"bench message {i} about a refund"}) + "\n")
    subprocess.run([BIN, "data", "import", "d2k.jsonl", "--name", "d2k", "--test-fraction",
                    "0"], env=env, cwd=work, check=True, capture_output=True)
    wall, cpu, rss, out = timed([BIN, "run", "task.yaml", "--data", "d2k", "--concurrency",
                                 "32", "--json"], env, work)
    s = json.loads(out)
    assert s["succeeded"] == 2000 and s["calls"] == 2000, s
    floor = 2000 * 0.050 / 32
    rows.append(("2,000 items, 50 ms latency, concurrency 32",
                 f"{wall:.2f} s wall ({wall / floor:.3f}x the {floor:.2f} s floor), "
                 f"{cpu:.2f} CPU-s, peak RSS {rss:.0f} MB", "<= 1.15x floor"))
    fixture.kill()

    fixture, port = start_fixture()
    env.update(CENTAUR_DB=os.path.join(work, "b.db"),
               OPENAI_BASE_URL=f"http://127.0.0.1:{port}/v1")
    with open(os.path.join(work, "d10k.jsonl"), "w") as f:
        for i in range(10000):
            f.write(json.dumps({"text": f"cached message {i}"}) + "\n")
    subprocess.run([BIN, "data", "import", "d10k.jsonl", "--name", "d10k",
                    "--test-fraction", "0"], env=env, cwd=work, check=True,
                   capture_output=True)
    subprocess.run([BIN, "run", "task.yaml", "--data", "d10k", "--concurrency", "64"],
                   env=env, cwd=work, check=True, capture_output=True)
    wall, cpu, rss, out = timed([BIN, "run", "task.yaml", "--data", "d10k", "--json"], env,
                                work)
    s = json.loads(out)
    assert s["cache_hits"] == 10000 and s["calls"] == 0, s
    rows.append(("re-run of 10,000 cached items",
                 f"{10000 / wall:,.0f} items/s end to end ({wall:.3f} s, {cpu:.2f} CPU-s, "
                 f"peak RSS {rss:.0f} MB)", ">= 50,000 items/s"))

    env.update(CENTAUR_DB=os.path.join(work, "c.db"))
    with open(os.path.join(work, "d100k.jsonl"), "w") as f:
        for i in range(100000):
            f.write(json.dumps({"text": f"item {i} of the large run about other things"})
                    + "\n")
    subprocess.run([BIN, "data", "import", "d100k.jsonl", "--name", "d100k",
                    "--test-fraction", "0"], env=env, cwd=work, check=True,
                   capture_output=True)
    wall, cpu, rss, out = timed([BIN, "run", "task.yaml", "--data", "d100k", "--concurrency",
                                 "64", "--json"], env, work)
    s = json.loads(out)
    assert s["succeeded"] == 100000, s
    rows.append(("100,000-item run (no latency, concurrency 64)",
                 f"peak RSS {rss:.0f} MB ({wall:.1f} s, {100000 / wall:,.0f} items/s, "
                 f"{cpu:.1f} CPU-s)", "<= 150 MB"))
    fixture.kill()
    return rows


def ui_runs():
    """Rows of web/e2e/bench.mjs's table, run against this build."""
    source = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, CENTAUR_BIN=BIN, CENTAUR_FIXTURE_SERVER=FIXTURE,
               CENTAUR_SOURCE_DIR=source)
    p = subprocess.run(["node", os.path.join(source, "web/e2e/bench.mjs")], env=env,
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"web/e2e/bench.mjs failed:\n{p.stdout}\n{p.stderr[-4000:]}")
    rows = []
    for line in p.stdout.splitlines():
        if line.startswith("| ") and not line.startswith(("| benchmark |", "| --- |")):
            rows.append(tuple(cell.strip() for cell in line.strip().strip("|").split(" | ")))
    return rows


def main():
    groups = sys.argv[2:] or ["fixture", "local", "ui"]
    work = tempfile.mkdtemp(prefix="centaur-bench-")
    rows = []
    try:
        if "fixture" in groups:
            rows += fixture_runs(work)
        if "local" in groups:
            rows += local_runs.run_all(BUILD, work)
        if "ui" in groups:
            rows += ui_runs()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores; "
          f"date: {time.strftime('%Y-%m-%d')}\n")
    print("| benchmark | result | target |\n| --- | --- | --- |")
    for name, result, target in rows:
        print(f"| {name} | {result} | {target} |")


if __name__ == "__main__":
    main()
