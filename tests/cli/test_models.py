"""`centaur models`: the tiny model, listing, and pulls from a local HTTP
server (verified, mismatched, missing, refused), with the exact errors."""
import functools
import hashlib
import http.server
import json
import os
import socket
import threading
import unittest

from harness import CliTest


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class ModelsTest(CliTest):
    def setUp(self):
        super().setUp()
        self.models = os.path.join(self.dir, "models")
        self.env["CENTAUR_MODELS"] = self.models
        self.served = os.path.join(self.dir, "served")
        os.makedirs(self.served)
        handler = functools.partial(QuietHandler, directory=self.served)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.payload = os.urandom(300_000)
        with open(os.path.join(self.served, "model.gguf"), "wb") as f:
            f.write(self.payload)
        self.sha = hashlib.sha256(self.payload).hexdigest()

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()
        super().tearDown()

    def files(self, d=None):
        d = d or self.models
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    def test_tiny_then_list(self):
        p = self.centaur("models", "tiny", "models/tiny.gguf", "--seed", "3")
        self.assertIn("models/tiny.gguf", p.stdout)
        self.assertIn("random weights", p.stdout)
        models = self.centaur_json("models")
        self.assertEqual(len(models), 1)
        m = models[0]
        self.assertEqual(m["name"], "tiny")
        self.assertEqual(m["path"], os.path.join(self.models, "tiny.gguf"))
        self.assertEqual(m["architecture"], "llama")
        self.assertEqual(m["context_length"], 4096)
        self.assertIs(m["has_chat_template"], True)
        self.assertIs(m["embeddings_only"], False)
        self.assertGreater(m["size_bytes"], 1_000_000)
        self.assertLess(m["size_bytes"], 12_000_000)
        self.assertEqual(m["size_bytes"], os.path.getsize(m["path"]))

        with open(os.path.join(self.models, "junk.gguf"), "w") as f:
            f.write("not a model")
        table = self.centaur("models").stdout.splitlines()
        self.assertEqual(table[0],
                         f"models in {self.models} (set CENTAUR_MODELS to use another directory)")
        self.assertEqual(table[1].split(), ["NAME", "SIZE", "ARCH", "CONTEXT", "CHAT-TEMPLATE"])
        self.assertEqual(table[2].split(), ["junk", "11", "B", "invalid", "-", "-"])
        self.assertEqual(table[3].split()[0], "tiny")
        self.assertEqual(table[3].split()[3:], ["llama", "4096", "yes"])
        self.assertEqual([x["architecture"] for x in self.centaur_json("models")],
                         ["invalid", "llama"])

    def test_empty_list(self):
        p = self.centaur("models")
        self.assertEqual(p.stdout,
                         f"models in {self.models} (set CENTAUR_MODELS to use another directory)\n"
                         "none yet: `centaur models pull qwen2.5-0.5b-instruct-q4` downloads a "
                         "small instruct model\n")
        self.assertEqual(self.centaur_json("models"), [])

    def test_tiny_errors(self):
        p = self.centaur("models", "tiny", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("out is required", p.stderr)

    def test_known(self):
        p = self.centaur("models", "known")
        self.assertIn("qwen2.5-0.5b-instruct-q4", p.stdout)
        self.assertIn("centaur models pull NAME", p.stdout)

    def test_pull_url(self):
        url = f"{self.base}/model.gguf"
        p = self.centaur("models", "pull", url, "--sha256", self.sha.upper())
        path = os.path.join(self.models, "model.gguf")
        self.assertEqual(p.stdout, f"pulled {path} (sha256 verified); use it as local:model\n")
        self.assertIn("downloaded 300.0 kB in ", p.stderr)
        self.assertEqual(self.files(), ["model.gguf"])
        with open(path, "rb") as f:
            self.assertEqual(f.read(), self.payload)

        # Again: nothing is fetched, the file is kept.
        p = self.centaur("models", "pull", url, "--sha256", self.sha)
        self.assertEqual(p.stdout,
                         f"already present: {path} already exists (delete it to pull again)\n")

        # Elsewhere, under another name.
        other = os.path.join(self.dir, "other")
        self.centaur("models", "pull", url, "--sha256", self.sha, "--name", "mine", "--dir", other)
        self.assertEqual(self.files(other), ["mine.gguf"])

    def test_pull_sha_mismatch_keeps_nothing(self):
        url = f"{self.base}/model.gguf"
        wrong = "0" * 64
        p = self.centaur("models", "pull", url, "--sha256", wrong, check=False)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stderr.splitlines()[-1],
                         f"centaur: error: could not pull {url}: sha256 mismatch: "
                         f"expected {wrong} got {self.sha}")
        self.assertEqual(self.files(), [])

    def test_pull_http_404(self):
        url = f"{self.base}/missing.gguf"
        p = self.centaur("models", "pull", url, "--sha256", self.sha, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr, f"centaur: error: could not pull {url}: HTTP 404\n")
        self.assertEqual(self.files(), [])

    def test_pull_connection_refused(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        url = f"http://127.0.0.1:{port}/model.gguf"
        p = self.centaur("models", "pull", url, "--sha256", self.sha, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertTrue(
            p.stderr.startswith(f"centaur: error: could not pull {url}: could not connect ("),
            p.stderr)
        self.assertEqual(self.files(), [])

    def test_pull_mistakes(self):
        url = f"{self.base}/model.gguf"
        cases = [
            (["models", "pull", url],
             "--sha256 is required to pull a URL: the download is checked against it before it "
             "is kept"),
            (["models", "pull", url, "--sha256", "abc"],
             '--sha256 must be 64 hex digits, got "abc"'),
            (["models", "pull", url, "--sha256", self.sha, "--name", "a/b"],
             "--name \"a/b\" is not a valid model name (letters, digits, '.', '_' and '-')"),
            (["models", "pull", f"{self.base}/", "--sha256", self.sha],
             f"cannot name the model after {self.base}/: pass --name NAME"),
        ]
        for args, message in cases:
            p = self.centaur(*args, check=False)
            self.assertEqual(p.returncode, 2, args)
            self.assertEqual(p.stderr, f"centaur: error: {message}\n")
        p = self.centaur("models", "pull", "qwen-9000", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertTrue(p.stderr.startswith(
            'centaur: error: unknown model "qwen-9000": known models are '
            "qwen2.5-0.5b-instruct-q4, "), p.stderr)
        self.assertTrue(p.stderr.endswith(
            " (`centaur models known`); or pass an http(s) URL with --sha256\n"), p.stderr)
        self.assertEqual(self.files(), [])


if __name__ == "__main__":
    unittest.main()
