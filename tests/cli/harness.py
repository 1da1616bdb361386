"""Helpers for black-box tests: the real centaur binary, the fixture LLM
server on a free loopback port, and a temporary working directory and store."""
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import unittest
import urllib.request

BIN = os.environ.get("CENTAUR_BIN", "build/centaur")
FIXTURE = os.environ.get("CENTAUR_FIXTURE_SERVER", "build/fixture_llm_server")
SOURCE_DIR = os.environ.get("CENTAUR_SOURCE_DIR", os.getcwd())


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
        enum = ", ".join(labels)
        return self.write(name, f"""name: intent
model: {model}
params: {{temperature: 0, max_tokens: 200}}
inputs:
  text: {{type: string}}
prompt:
  system: Route the message to one intent.
  user: "Message: {{{{text}}}}"
output:
  type: object
  properties:
    thoughts: {{type: string}}
    label: {{type: string, enum: [{enum}]}}
  required: [thoughts, label]
  additionalProperties: false
target: label
attempts: {attempts}
""")
