"""The local engine's benchmarks (see run_bench.py): the tiny model
in-process (local_bench, `centaur run`) and in llama.cpp's llama-server.

Every function takes the build dir and a scratch dir and returns rows of
(benchmark, result, target) for run_bench.py's table.
"""
import csv
import http.client
import json
import os
import queue
import socket
import statistics
import subprocess
import threading
import time
import urllib.error
import urllib.request

SOURCE = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
TASK = os.path.join(SOURCE, "examples", "banking77", "task.yaml")
SAMPLE = os.path.join(SOURCE, "examples", "banking77", "sample.csv")

PARALLEL = 8         # sequences decoded at once, both engines
CTX_PER_SEQ = 2048   # tokens of context per sequence, both engines
DECODE_ITEMS = 64    # requests per throughput measurement
ROUNDS = 3           # throughput: alternating rounds, each engine
RUN_ITEMS = 256      # `centaur run`, concurrency 8 vs 1
# llama-server's threads. The in-process engine chooses its own, as `centaur
# run` does (one decoder per core for the tiny model: sharded_decoder.h).
THREADS = int(os.environ.get("CENTAUR_BENCH_THREADS", os.cpu_count()))


def llama_server_bin(build):
    """llama.cpp's llama-server: $CENTAUR_LLAMA_SERVER, else the one of the
    prefix the build was configured with (scripts/llama.sh's by default)."""
    if os.environ.get("CENTAUR_LLAMA_SERVER"):
        return os.environ["CENTAUR_LLAMA_SERVER"]
    prefix = ""
    with open(os.path.join(build, "CMakeCache.txt")) as f:
        for line in f:
            if line.startswith("CENTAUR_LLAMA_PREFIX:"):
                prefix = line.split("=", 1)[1].strip()
    if not prefix:
        prefix = subprocess.run([os.path.join(SOURCE, "scripts", "llama.sh"), "--print-prefix"],
                                capture_output=True, text=True, check=True).stdout.strip()
    return os.path.join(prefix, "build", "bin", "llama-server")


def write_inputs(path, n):
    """The first n messages of the banking77 sample as task inputs (JSONL)."""
    with open(SAMPLE, newline="", encoding="utf-8") as f:
        texts = [row["text"] for row in csv.DictReader(f)]
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps({"text": texts[i % len(texts)]}) + "\n")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    def __init__(self, binary, model, log_path, parallel, ctx_per_seq, threads):
        self.port = free_port()
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [binary, "-m", model, "--host", "127.0.0.1", "--port", str(self.port),
             "-np", str(parallel), "-c", str(parallel * ctx_per_seq), "--no-kv-unified",
             "-t", str(threads), "-tb", str(threads),
             "--jinja", "--no-webui"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                with open(log_path, errors="replace") as f:
                    raise RuntimeError("llama-server did not start:\n" + f.read()[-3000:])
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health",
                                            timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.log.close()


def server_throughput(port, bodies, parallel):
    """Sends every body with `parallel` client threads (one keep-alive
    connection each); returns (wall s, prompt tokens, completion tokens)."""
    work = queue.Queue()
    for b in bodies:
        work.put(b)
    totals = {"prompt": 0, "completion": 0, "errors": []}
    lock = threading.Lock()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        while True:
            try:
                body = work.get_nowait()
            except queue.Empty:
                break
            conn.request("POST", "/v1/chat/completions", body=body,
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
            with lock:
                if r.status != 200:
                    totals["errors"].append(f"{r.status}: {data[:300]!r}")
                    continue
                out = json.loads(data)
                json.loads(out["choices"][0]["message"]["content"])  # constrained: parses
                totals["prompt"] += out["usage"]["prompt_tokens"]
                totals["completion"] += out["usage"]["completion_tokens"]
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(parallel)]
    t = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.monotonic() - t
    if totals["errors"]:
        raise RuntimeError(f"llama-server: {len(totals['errors'])} errors, e.g. "
                           f"{totals['errors'][0]}")
    return wall, totals["prompt"], totals["completion"]


def local_bench(build, *args):
    p = subprocess.run([os.path.join(build, "local_bench"), *map(str, args)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"local_bench {' '.join(map(str, args))}: {p.stderr[-2000:]}")
    return json.loads(p.stdout)


def load():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def decode_throughput(build, work, model):
    """In-process vs llama-server, alternating rounds; medians compared."""
    inputs = os.path.join(work, "decode.jsonl")
    write_inputs(inputs, DECODE_ITEMS)
    requests = os.path.join(work, "requests.jsonl")
    server_bin = llama_server_bin(build)
    local_tps, server_tps, local_tok, server_tok, loads = [], [], [], [], []
    for _ in range(ROUNDS):
        loads.append(load())
        r = local_bench(build, "decode", model, TASK, inputs, "--parallel", PARALLEL, "--ctx",
                        CTX_PER_SEQ, "--requests-out", requests)
        assert r["items"] == DECODE_ITEMS and r["failed"] == 0, r
        local_tps.append(r["output_tokens_per_s"])
        local_tok.append(r["output_tokens"])
        with open(requests, encoding="utf-8") as f:
            bodies = [line.encode() for line in f if line.strip()]
        server = LlamaServer(server_bin, model, os.path.join(work, "llama-server.log"),
                             PARALLEL, CTX_PER_SEQ, THREADS)
        try:
            wall, _, completion = server_throughput(server.port, bodies, PARALLEL)
        finally:
            server.stop()
        server_tps.append(completion / wall)
        server_tok.append(completion)
    loc, srv = statistics.median(local_tps), statistics.median(server_tps)
    fmt = ", ".join
    return [(f"constrained decoding, tiny model, banking77 schema (77-label enum), "
             f"{DECODE_ITEMS} requests, {PARALLEL} parallel sequences x {CTX_PER_SEQ} ctx: "
             f"in-process (its own threads) / llama-server ({THREADS} threads)",
             f"**{loc / srv:.2f}x**: in-process {loc:,.0f} tok/s "
             f"({fmt(f'{x:,.0f}' for x in local_tps)}; {local_tok[0]} tokens), llama-server "
             f"{srv:,.0f} tok/s ({fmt(f'{x:,.0f}' for x in server_tps)}; {server_tok[0]} "
             f"tokens); {ROUNDS} alternating rounds, medians; load {min(loads):.1f}-"
             f"{max(loads):.1f}", ">= 0.9x")]


def run_speedup(build, work, model_dir, pairs=5):
    """`centaur run` of RUN_ITEMS items on local:tiny, concurrency 8 vs 1, in
    `pairs` alternated pairs; the median pair is reported, by the run's own
    time (`elapsed_s`: the batch run) and by the whole command's (process
    start, model load and store included)."""
    binary = os.path.join(build, "centaur")
    env = dict(os.environ, CENTAUR_DB=os.path.join(work, "local.db"), CENTAUR_MODELS=model_dir)
    data = os.path.join(work, "run.jsonl")
    write_inputs(data, RUN_ITEMS)
    subprocess.run([binary, "data", "import", data, "--name", "local", "--test-fraction", "0"],
                   env=env, cwd=work, check=True, capture_output=True)
    rounds = []
    for _ in range(pairs):
        results = {}
        for concurrency in (8, 1):
            before = load()
            t = time.monotonic()
            p = subprocess.run([binary, "run", TASK, "--model", "local:tiny", "--data", "local",
                                "--concurrency", str(concurrency), "--no-cache", "--json"],
                               env=env, cwd=work, capture_output=True, text=True)
            wall = time.monotonic() - t
            if p.returncode != 0:
                raise RuntimeError(f"centaur run: {p.stderr[-2000:]}")
            s = json.loads(p.stdout)
            assert s["succeeded"] == RUN_ITEMS, s
            results[concurrency] = (s["elapsed_s"], wall, s["output_tokens"], before)
        rounds.append(results)
    med = lambda xs: sorted(xs)[len(xs) // 2]
    runs = sorted(r[1][0] / r[8][0] for r in rounds)
    commands = sorted(r[1][1] / r[8][1] for r in rounds)
    rounds.sort(key=lambda r: r[1][0] / r[8][0])
    (e8, w8, t8, l8), (e1, w1, t1, l1) = rounds[len(rounds) // 2][8], rounds[len(rounds) // 2][1]
    return [(f"`centaur run`, {RUN_ITEMS} banking77 items on local:tiny, --concurrency 8 vs 1",
             f"**{med(runs):.2f}x** the run's time, median of {pairs} alternated pairs "
             f"({runs[0]:.2f}–{runs[-1]:.2f}x): {e8:.2f} s ({RUN_ITEMS / e8:.1f} items/s, "
             f"{t8 / e8:,.0f} tok/s) vs {e1:.2f} s ({RUN_ITEMS / e1:.1f} items/s, "
             f"{t1 / e1:,.0f} tok/s); the whole command {med(commands):.2f}x "
             f"({commands[0]:.2f}–{commands[-1]:.2f}x; {w8:.2f} s vs {w1:.2f} s); "
             f"load {l8:.1f} / {l1:.1f}", ">= 3x")]


def engine_overhead(build, work, model, runs=5):
    """The engine's share of Runner::Run, the median of `runs` runs (one run
    is at the mercy of the shared machine): of the CPU time when the model
    decodes on threads of its own, else of the wall time (local_bench)."""
    inputs = os.path.join(work, "overhead.jsonl")
    write_inputs(inputs, RUN_ITEMS)
    before = load()
    rs = []
    for _ in range(runs):
        r = local_bench(build, "overhead", model, TASK, inputs, "--parallel", PARALLEL)
        assert r["succeeded"] == RUN_ITEMS, r
        rs.append(r)
    rs.sort(key=lambda r: r["overhead_fraction"])
    r = rs[len(rs) // 2]
    lo, hi = rs[0]["overhead_fraction"], rs[-1]["overhead_fraction"]
    if r["shards"] > 1:
        what = (f"{r['shards']} decoder shards on threads of their own: the engine thread's CPU "
                f"outside llama.cpp / the process's CPU")
        detail = (f"{r['overhead_ms_per_item']:.2f} ms CPU per item; process CPU "
                  f"{r['process_cpu_s']:.2f} s; no shard decoding for "
                  f"{100 * r['stall_fraction']:.1f}% of the run's {r['wall_s']:.2f} s")
    else:
        what = "outside llama_decode + sampling + tokenizer, of the wall time"
        detail = (f"{r['overhead_ms_per_item']:.2f} ms of {1000 * r['wall_s'] / RUN_ITEMS:.1f} ms "
                  f"per item; run {r['wall_s']:.2f} s, compute {r['compute_s']:.2f} s")
    return [(f"engine overhead: Runner::Run of {RUN_ITEMS} items on the tiny model, "
             f"{PARALLEL} parallel, {what}",
             f"**{100 * r['overhead_fraction']:.2f}%** median of {runs} runs "
             f"({100 * lo:.2f}–{100 * hi:.2f}%; {detail}); load {before:.1f}", "<= 2%")]


def run_all(build, work):
    build = os.path.abspath(build)
    model_dir = os.path.join(work, "models")
    os.makedirs(model_dir, exist_ok=True)
    model = os.path.join(model_dir, "tiny.gguf")
    t = time.monotonic()
    subprocess.run([os.path.join(build, "centaur"), "models", "tiny", model], check=True,
                   capture_output=True)
    wall = time.monotonic() - t
    rows = [("`centaur models tiny`: write the 2-layer random-weight model (whole command)",
             f"**{wall:.2f} s**, {os.path.getsize(model) / 1e6:.1f} MB", "well under 1 s")]
    rows += decode_throughput(build, work, model)
    rows += run_speedup(build, work, model_dir)
    rows += engine_overhead(build, work, model)
    return rows
