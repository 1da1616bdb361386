"""Each fault the fixture injects is survived, or reported as DESIGN.md says."""
import json
import time
import unittest

from harness import CliTest

FAULTS = {
    # text -> (expected status, expected attempts, expected calls counted)
    "a !fault:429 refund": ("ok", 1),
    "b !fault:500x2 refund": ("ok", 1),
    "c !fault:503 refund": ("ok", 1),
    "d !fault:reset refund": ("ok", 1),
    "e !fault:timeout refund": ("ok", 1),
    "f !fault:truncated refund": ("ok", 1),
    "g !fault:malformed refund": ("ok", 2),   # a 200 that is not JSON: an API error, retried
    "h !fault:invalid refund": ("ok", 2),     # schema-invalid output: re-asked
    "i !fault:badjson refund": ("ok", 2),     # output is not JSON: re-asked
    "j !fault:invalidx5 refund": ("failed", 3),  # never valid within attempts: 3
    "k plain refund": ("ok", 1),
}


class FaultsTest(CliTest):
    def run_faults(self, model):
        self.write_task(model=model)
        self.write("faults.jsonl", "".join(
            json.dumps({"id": f"item-{t[0]}", "text": t, "label": "refund"}) + "\n"
            for t in FAULTS))
        self.centaur("data", "import", "faults.jsonl", "--name", "faults", "--id-column", "id",
                     "--label-column", "label", "--test-fraction", "0")
        start = time.monotonic()
        summary = self.centaur_json("run", "task.yaml", "--data", "faults", "--concurrency", "4",
                                    "--timeout-ms", "1500")
        elapsed = time.monotonic() - start
        self.assertEqual(summary["items"], len(FAULTS))
        self.assertEqual(summary["failed"], 1)
        self.assertEqual(summary["succeeded"], len(FAULTS) - 1)
        self.assertLess(elapsed, 60)
        lines = {}
        for l in self.centaur("export", str(summary["run_id"])).stdout.splitlines():
            line = json.loads(l)
            lines[line["input"]["text"]] = line
        for text, (status, attempts) in FAULTS.items():
            with self.subTest(fault=text):
                self.assertEqual(lines[text]["status"], status)
                self.assertEqual(lines[text]["attempts"], attempts)
        failed = lines["j !fault:invalidx5 refund"]
        self.assertIsNone(failed["output"])
        self.assertIn("not_a_label", failed["raw"])      # the raw output is kept
        self.assertIn("/label", failed["error"])          # with the last validation error
        # The re-ask conversation carries the bad output and the error; an API
        # error (malformed body) is retried without touching the conversation.
        rows = self.sql(
            "SELECT a.attempt_no, a.status, r.body FROM attempts a "
            "JOIN results s ON s.id = a.result_id JOIN requests r ON r.hash = a.request_hash "
            "WHERE s.item_id = 'item-h' ORDER BY a.attempt_no")
        self.assertEqual([r[1] for r in rows], ["invalid", "ok"])
        second = json.loads(rows[1][2])["messages"]
        self.assertEqual(second[-2]["role"], "assistant")
        self.assertIn("not_a_label", second[-2]["content"])
        self.assertIn("could not be used", second[-1]["content"])
        rows = self.sql(
            "SELECT a.status, r.body FROM attempts a "
            "JOIN results s ON s.id = a.result_id JOIN requests r ON r.hash = a.request_hash "
            "WHERE s.item_id = 'item-g' ORDER BY a.attempt_no")
        self.assertEqual([r[0] for r in rows], ["error", "ok"])
        self.assertEqual(rows[0][1], rows[1][1])
        # Show --errors lists the failure and the recovered ones.
        errors = self.centaur("show", str(summary["run_id"]), "--errors").stdout
        self.assertIn("item-j", errors)
        self.assertIn("item-h", errors)
        self.assertNotIn("item-k", errors)
        return summary

    def test_openai_faults(self):
        self.run_faults("openai:gpt-4o-mini-2024-07-18")

    def test_anthropic_faults(self):
        self.run_faults("anthropic:claude-3-5-haiku-20241022")

    def test_retries_exhausted_are_reported(self):
        self.write_task()
        self.write("d.jsonl", json.dumps({"text": "x !fault:500x50"}) + "\n")
        summary = self.centaur_json("run", "task.yaml", "--data", "d.jsonl", "--split", "all",
                                    "--max-retries", "1")
        self.assertEqual(summary["failed"], 1)
        line = json.loads(self.centaur("export", str(summary["run_id"])).stdout)
        self.assertIn("HTTP 500", line["error"])


class ToolCallFallbackTest(CliTest):
    fixture_args = ("--no-json-schema",)

    def test_server_without_json_schema(self):
        self.write_task()
        self.write("d.jsonl", "".join(json.dumps({"text": f"refund {i}"}) + "\n"
                                      for i in range(5)))
        summary = self.centaur_json("run", "task.yaml", "--data", "d.jsonl", "--split", "all")
        self.assertEqual(summary["succeeded"], 5)
        line = json.loads(self.centaur("export", str(summary["run_id"])).stdout.splitlines()[0])
        self.assertEqual(line["output"]["label"], "refund")


if __name__ == "__main__":
    unittest.main()
