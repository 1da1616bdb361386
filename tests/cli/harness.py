"""Helpers for black-box tests: the real centaur binary, the fixture LLM
server on a free loopback port, and a temporary working directory and store;
llama.cpp's llama-server as a peer where CENTAUR_LLAMA_SERVER names it."""
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

BIN = os.environ.get("CENTAUR_BIN", "build/centaur")
FIXTURE = os.environ.get("CENTAUR_FIXTURE_SERVER", "build/fixture_llm_server")
SOURCE_DIR = os.environ.get("CENTAUR_SOURCE_DIR", os.getcwd())
LLAMA_SERVER = os.environ.get("CENTAUR_LLAMA_SERVER", "")


def task_yaml(labels=("refund", "card_arrival", "other"), attempts=3,
              model="openai:gpt-4o-mini-2024-07-18", var="text"):
    """An intent classification task over one string input named `var`."""
    enum = ", ".join(labels)
    return f"""name: intent
model: {model}
params: {{temperature: 0, max_tokens: 200}}
inputs:
  {var}: {{type: string}}
prompt:
  system: Route the message to one intent.
  user: "Message: {{{{{var}}}}}"
output:
  type: object
  properties:
    thoughts: {{type: string}}
    label: {{type: string, enum: [{enum}]}}
  required: [thoughts, label]
  additionalProperties: false
target: label
attempts: {attempts}
"""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Fixture:
    """The fixture LLM server, started on a free port; stopped by stop()."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([FIXTURE, "--port", "0", *args],
                                     stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        line = self.proc.stdout.readline().decode().split()
        if len(line) != 2 or line[0] != "PORT":
            raise RuntimeError(f"fixture server did not start: {line}")
        self.port = int(line[1])
        self.base_url = f"http://127.0.0.1:{self.port}"

    def stats(self):
        with urllib.request.urlopen(self.base_url + "/stats", timeout=5) as r:
            return json.loads(r.read())

    def stop(self):
        self.proc.kill()
        self.proc.wait()


class LlamaServer:
    """llama-server (CENTAUR_LLAMA_SERVER) on a free loopback port serving one
    GGUF file, with extra command-line `args`; stopped by stop()."""

    def __init__(self, model, log_path, *args):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [LLAMA_SERVER, "-m", model, "--host", "127.0.0.1", "--port", str(self.port), *args,
             "--no-webui"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        self.wait_healthy()

    def wait_healthy(self, timeout_s=60):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama-server exited {self.proc.returncode}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.base_url + "/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass  # not listening yet, or 503 while the model loads
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"llama-server not healthy after {timeout_s} s:\n{self.tail()}")

    def tail(self, n=4000):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")[-n:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.log.close()


class CliTest(unittest.TestCase):
    """A temp dir as the working directory with its own store, and the
    environment pointing the openai and anthropic providers at a fixture."""

    fixture_args = ()

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="centaur-test-")
        self.db = os.path.join(self.dir, "centaur.db")
        self.fixture = Fixture(*self.fixture_args)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("OPENAI_", "ANTHROPIC_", "CENTAUR_DB"))}
        self.env.update({
            "CENTAUR_DB": self.db,
            "OPENAI_BASE_URL": self.fixture.base_url + "/v1",
            "OPENAI_API_KEY": "sk-fixture-key-0000",
            "ANTHROPIC_BASE_URL": self.fixture.base_url,
            "ANTHROPIC_API_KEY": "sk-ant-fixture-key-0000",
            "ASAN_OPTIONS": "detect_leaks=1:malloc_context_size=4",
        })

    def tearDown(self):
        self.fixture.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def centaur(self, *args, check=True, timeout=300):
        p = subprocess.run([BIN, *args], cwd=self.dir, env=self.env, capture_output=True,
                           text=True, timeout=timeout)
        if check and p.returncode != 0:
            self.fail(f"centaur {' '.join(args)} exited {p.returncode}\n"
                      f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}")
        return p

    def centaur_json(self, *args):
        p = self.centaur(*args, "--json")
        return json.loads(p.stdout)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def copy_example(self, *names):
        for n in names:
            shutil.copy(os.path.join(SOURCE_DIR, "examples", "banking77", n), self.dir)

    def sql(self, query, *params):
        con = sqlite3.connect(self.db)
        try:
            return con.execute(query, params).fetchall()
        finally:
            con.close()

    def write_task(self, name="task.yaml", labels=("refund", "card_arrival", "other"),
                   attempts=3, model="openai:gpt-4o-mini-2024-07-18"):
        return self.write(name, task_yaml(labels=labels, attempts=attempts, model=model))

    def use_tiny_model(self):
        """Generates the tiny test model as `local:tiny` in a models directory
        of the test's own (CENTAUR_MODELS); returns the GGUF file's path."""
        self.models = os.path.join(self.dir, "models")
        os.makedirs(self.models)
        self.env["CENTAUR_MODELS"] = self.models
        model = os.path.join(self.models, "tiny.gguf")
        self.centaur("models", "tiny", model)
        return model
