"""`centaur embed`: local models in-process, the fixture server's
/v1/embeddings, and llama.cpp's llama-server as a real OpenAI-compatible
peer (when CENTAUR_LLAMA_SERVER names it)."""
import math
import os
import unittest

from harness import LLAMA_SERVER, CliTest, LlamaServer

TINY_DIMS = 64
FIXTURE_DIMS = 16


def norm(v):
    return math.sqrt(sum(x * x for x in v))


def max_diff(a, b):
    return max(abs(x - y) for x, y in zip(a, b, strict=True))


class EmbedTest(CliTest):
    def setUp(self):
        super().setUp()
        self.use_tiny_model()

    def embed_json(self, *args):
        out = self.centaur_json("embed", *args)
        self.assertEqual([d["index"] for d in out["data"]], list(range(len(out["data"]))))
        return out

    def test_local_json(self):
        out = self.embed_json("local:tiny", "my card has not arrived", "I want a refund",
                              "my card has not arrived")
        self.assertEqual(out["model"], "local:tiny")
        vectors = [d["embedding"] for d in out["data"]]
        self.assertEqual(len(vectors), 3)
        for v in vectors:
            self.assertEqual(len(v), TINY_DIMS)
            self.assertAlmostEqual(norm(v), 1.0, places=5)
        self.assertLess(max_diff(vectors[0], vectors[2]), 1e-6)
        self.assertGreater(max_diff(vectors[0], vectors[1]), 1e-3)
        self.assertGreater(out["usage"]["input_tokens"], 8)
        self.assertGreaterEqual(out["latency_ms"], 0)

    def test_local_text_and_file(self):
        self.write("texts.txt", "my card has not arrived\r\n\n  \nI want a refund\n")
        p = self.centaur("embed", "local:tiny", "hello", "--file", "texts.txt")
        lines = p.stdout.splitlines()
        self.assertEqual(len(lines), 4, p.stdout)
        self.assertRegex(lines[0], r"^0  64 dims  \[-?\d\.\d{4}(, -?\d\.\d{4}){3}, \.\.\.\]  hello$")
        self.assertTrue(lines[1].endswith("  my card has not arrived"), lines[1])
        self.assertTrue(lines[2].startswith("2  64 dims  ["), lines[2])
        self.assertRegex(lines[3], r"^3 inputs, \d+ tokens, \d+ ms$")
        from_file = self.embed_json("local:tiny", "--file", "texts.txt")["data"]
        from_args = self.embed_json("local:tiny", "my card has not arrived",
                                    "I want a refund")["data"]
        self.assertEqual(len(from_file), 2)
        for a, b in zip(from_file, from_args):
            self.assertLess(max_diff(a["embedding"], b["embedding"]), 1e-6)

    def test_openai_fixture(self):
        out = self.embed_json("openai:text-embedding-3-small", "card lost", "refund please")
        self.assertEqual(out["model"], "openai:text-embedding-3-small")
        self.assertEqual(out["usage"], {"input_tokens": 3 + 4})
        vectors = [d["embedding"] for d in out["data"]]
        for v in vectors:
            self.assertEqual(len(v), FIXTURE_DIMS)
            self.assertAlmostEqual(norm(v), 1.0, places=5)
        # Reversed inputs, reversed vectors (the fixture lists data backwards).
        back = self.embed_json("openai:text-embedding-3-small", "refund please", "card lost")
        self.assertEqual([d["embedding"] for d in back["data"]], vectors[::-1])
        stats = self.fixture.stats()
        self.assertEqual(stats["embeddings"], 2)
        self.assertEqual(stats["chat_completions"], 0)

    def test_openai_faults(self):
        out = self.embed_json("openai:text-embedding-3-small", "ok", "slow down !fault:429")
        self.assertEqual(len(out["data"]), 2)
        self.assertEqual(self.fixture.stats()["faults"], 1)
        p = self.centaur("embed", "openai:text-embedding-3-small", "!fault:malformed",
                         check=False)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr,
                         "centaur: error: openai: malformed response body: not JSON\n")
        self.assertEqual(p.stdout, "")

    def test_errors(self):
        cases = [
            (("anthropic:claude-3-5-haiku-latest", "hi"),
             'provider "anthropic" does not support embeddings '
             '(model "claude-3-5-haiku-latest")'),
            (("local:tiny",),
             "nothing to embed: give TEXT arguments or --file FILE (one text per line)"),
            (("local:tiny", "--file", "missing.txt"), "cannot read missing.txt"),
            (("tiny", "hi"),
             'model "tiny" must be "provider:model" (e.g. openai:gpt-4o-mini-2024-07-18)'),
            (("local:tiny", "--file", "blank.txt"),
             "nothing to embed: give TEXT arguments or --file FILE (one text per line)"),
        ]
        self.write("blank.txt", "\n \n")
        for args, message in cases:
            p = self.centaur("embed", *args, check=False)
            self.assertEqual(p.returncode, 2, args)
            self.assertEqual(p.stderr, f"centaur: error: {message}\n", args)
        self.assertEqual(self.fixture.stats()["requests"], 0)


@unittest.skipIf(not LLAMA_SERVER or not os.path.exists(LLAMA_SERVER),
                 "CENTAUR_LLAMA_SERVER does not name llama.cpp's llama-server")
class LlamaServerEmbedTest(CliTest):
    """The openai: provider against llama-server --embeddings, and the same
    model in-process: both pool by mean and normalize, so they agree."""

    def setUp(self):
        super().setUp()
        try:
            self.model = self.use_tiny_model()
            # The tiny model declares no pooling type; llama-server's OpenAI
            # endpoint needs one, and mean is what local: uses for such models.
            self.server = LlamaServer(self.model, os.path.join(self.dir, "llama-server.log"),
                                      "--embeddings", "--pooling", "mean", "-t", "2",
                                      "-c", "2048")
        except BaseException:
            super().tearDown()
            raise
        self.addCleanup(self.server.stop)
        self.env["OPENAI_BASE_URL"] = self.server.base_url + "/v1"

    def test_llama_server_agrees_with_local(self):
        texts = ["my card has not arrived", "I want a refund", "what is the exchange rate"]
        remote = self.embed("openai:tiny", texts)
        local = self.embed("local:tiny", texts)
        self.assertEqual(len(remote["data"]), len(texts))
        for r, l in zip(remote["data"], local["data"]):
            self.assertEqual(len(r["embedding"]), TINY_DIMS)
            self.assertAlmostEqual(norm(r["embedding"]), 1.0, places=5)
            self.assertLess(max_diff(r["embedding"], l["embedding"]), 1e-3)
        self.assertEqual(remote["usage"]["input_tokens"], local["usage"]["input_tokens"])
        self.assertGreater(max_diff(remote["data"][0]["embedding"],
                                    remote["data"][1]["embedding"]), 1e-3)
        self.assertEqual(self.fixture.stats()["requests"], 0)

    def embed(self, model, texts):
        return self.centaur_json("embed", model, *texts)


if __name__ == "__main__":
    unittest.main()
