"""`local:` models end to end: the generated tiny model, run in-process."""
import json
import os
import unittest

from harness import CliTest


class LocalModelTest(CliTest):
    def setUp(self):
        super().setUp()
        self.use_tiny_model()
        self.write_task(model="local:tiny")
        rows = ["text,label"] + [f"message {i} about a refund,refund" for i in range(20)]
        self.write("data.csv", "\n".join(rows) + "\n")
        self.centaur("data", "import", "data.csv", "--name", "tickets",
                     "--label-column", "label", "--test-fraction", "0")

    def test_run_is_constrained_traced_and_cached(self):
        first = self.centaur_json("run", "task.yaml", "--data", "tickets", "--concurrency", "4")
        self.assertEqual(first["items"], 20)
        self.assertEqual(first["succeeded"], 20)
        self.assertEqual(first["failed"], 0)
        self.assertEqual(first["calls"], 20, "constrained output is valid the first time")
        self.assertEqual(first["cost"], 0)
        self.assertEqual(first["http_requests"], 0)
        for (raw,) in self.sql("SELECT raw FROM results WHERE run_id = ?", first["run_id"]):
            # The grammar writes properties in the schema's order: thoughts first.
            out = json.loads(raw, object_pairs_hook=dict)
            self.assertEqual(list(out), ["thoughts", "label"])
            self.assertIn(out["label"], ["refund", "card_arrival", "other"])

        second = self.centaur_json("run", "task.yaml", "--data", "tickets")
        self.assertEqual(second["calls"], 0)
        self.assertEqual(second["cache_hits"], 20)

        item = self.sql("SELECT item_id FROM results WHERE run_id = ? LIMIT 1",
                        first["run_id"])[0][0]
        trace = self.centaur("show", str(first["run_id"]), "--item", item).stdout
        self.assertIn("[system]\nRoute the message to one intent.", trace)
        self.assertRegex(trace, r"attempt 1: ok \| \d+ ms \| \d+ in / \d+ out tokens \| cost \$0")
        self.assertIn('[response]\n{', trace)

    def test_call_with_a_path(self):
        p = self.centaur("call", "task.yaml", "--model",
                         "local:" + os.path.join(self.models, "tiny.gguf"),
                         "--input", json.dumps({"text": "where is my money"}), "--json")
        out = json.loads(p.stdout)
        self.assertEqual(out["status"], "ok")
        self.assertIn(out["output"]["label"], ["refund", "card_arrival", "other"])
        self.assertEqual(out["cost"], 0)

    def test_unenforced_schema_keywords_are_warned_once_on_stderr(self):
        self.write("count.yaml", """name: count
model: local:tiny
params: {temperature: 0, max_tokens: 60}
inputs:
  text: {type: string}
prompt:
  user: "Count the words: {{text}}"
output:
  type: object
  properties:
    n: {type: integer, minimum: 0, maximum: 99, multipleOf: 3}
  required: [n]
  additionalProperties: false
target: n
attempts: 1
""")
        p = self.centaur("run", "count.yaml", "--data", "tickets", "--limit", "6", "--json",
                         check=False)
        json.loads(p.stdout)  # stdout stays clean JSON
        warning = ("centaur: warning: local model: decoding does not enforce multipleOf at "
                   "/properties/n of the output schema; validation still checks it after "
                   "decoding")
        self.assertEqual(p.stderr.count(warning), 1, p.stderr)

    def test_unknown_local_model_says_where_it_looked(self):
        self.write_task(model="local:nope")
        p = self.centaur("run", "task.yaml", "--data", "tickets", check=False)
        self.assertEqual(p.returncode, 2)
        path = os.path.join(self.models, "nope.gguf")
        self.assertIn(f'local model "nope" not found: looked for {path}', p.stderr)


if __name__ == "__main__":
    unittest.main()
