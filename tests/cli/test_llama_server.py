"""llama.cpp's own llama-server as a real OpenAI-compatible peer: the
`openai:` provider, unchanged, against it (json_schema response format,
usage, `centaur call`), and the same items in-process on `local:`."""
import json
import os
import unittest

from harness import LLAMA_SERVER, CliTest, LlamaServer

LABELS = ("refund", "card_arrival", "lost_or_stolen_card", "other")
ITEMS = 20


@unittest.skipIf(not LLAMA_SERVER, "CENTAUR_LLAMA_SERVER is not set (llama.cpp's llama-server)")
class LlamaServerTest(CliTest):
    def setUp(self):
        super().setUp()
        try:
            self.start_server()
        except BaseException:
            super().tearDown()
            raise

    def start_server(self):
        self.model = self.use_tiny_model()
        self.server = LlamaServer(self.model, os.path.join(self.dir, "llama-server.log"),
                                  "-np", "4", "-c", "8192", "--jinja")
        self.addCleanup(self.server.stop)
        self.env["OPENAI_BASE_URL"] = self.server.base_url + "/v1"
        self.env["OPENAI_API_KEY"] = "sk-llama-server-0000"
        self.write_task(labels=LABELS, model="openai:tiny")
        rows = ["text,label"] + [f"message {i}: {LABELS[i % len(LABELS)]} please,"
                                 f"{LABELS[i % len(LABELS)]}" for i in range(ITEMS)]
        self.write("data.csv", "\n".join(rows) + "\n")
        self.centaur("data", "import", "data.csv", "--name", "tickets",
                     "--label-column", "label", "--test-fraction", "0")

    def check_outputs(self, run_id):
        """Every result parses, has the schema's shape and an enum label;
        returns {item_id: output}."""
        rows = self.sql("SELECT item_id, status, output, raw, input_tokens, output_tokens "
                        "FROM results WHERE run_id = ?", run_id)
        self.assertEqual(len(rows), ITEMS)
        outputs = {}
        for item_id, status, output, raw, input_tokens, output_tokens in rows:
            self.assertEqual(status, "ok", raw)
            out = json.loads(raw, object_pairs_hook=dict)
            self.assertEqual(list(out), ["thoughts", "label"], raw)
            self.assertIsInstance(out["thoughts"], str)
            self.assertIn(out["label"], LABELS)
            self.assertEqual(json.loads(output), out)
            self.assertGreater(input_tokens, 0)
            self.assertGreater(output_tokens, 0)
            outputs[item_id] = out
        return outputs

    def test_run_call_and_local_agree_on_shape(self):
        try:
            summary = self.centaur_json("run", "task.yaml", "--data", "tickets",
                                        "--concurrency", "4")
        except AssertionError:
            print(self.server.tail())
            raise
        self.assertEqual(summary["items"], ITEMS)
        self.assertEqual(summary["succeeded"], ITEMS, summary)
        self.assertEqual(summary["failed"], 0)
        self.assertEqual(summary["api_errors"], 0)
        self.assertEqual(summary["calls"], ITEMS, "constrained output is valid the first time")
        self.assertGreaterEqual(summary["http_requests"], ITEMS)
        self.assertGreater(summary["input_tokens"], 0)
        self.assertGreater(summary["output_tokens"], 0)
        remote = self.check_outputs(summary["run_id"])
        # The json_schema response format was sent and accepted: no request
        # fell back to a forced tool call after a 400.
        for (body,) in self.sql("SELECT raw_body FROM attempts"):
            self.assertNotIn("tool_calls", json.loads(body)["choices"][0]["message"])

        p = self.centaur("call", "task.yaml", "--input",
                         json.dumps({"text": "my card was stolen"}), "--json")
        call = json.loads(p.stdout)
        self.assertEqual(call["status"], "ok", call)
        self.assertIn(call["output"]["label"], LABELS)
        self.assertIsInstance(call["output"]["thoughts"], str)

        local = self.centaur_json("run", "task.yaml", "--data", "tickets", "--model",
                                  "local:tiny", "--concurrency", "4")
        self.assertEqual(local["succeeded"], ITEMS, local)
        self.assertEqual(local["calls"], ITEMS)
        self.assertEqual(local["http_requests"], 0)
        self.assertEqual(set(self.check_outputs(local["run_id"])), set(remote))


if __name__ == "__main__":
    unittest.main()
