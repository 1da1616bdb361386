"""API keys never reach the store, traces, logs or error messages."""
import glob
import json
import os
import unittest

from harness import CliTest

SECRET = "sk-test-SECRET-9f8e7d6c5b4a"


class SecretsTest(CliTest):
    fixture_args = ("--require-key", SECRET)

    def store_bytes(self):
        data = b""
        for path in glob.glob(self.db + "*"):
            with open(path, "rb") as f:
                data += f.read()
        return data

    def test_key_never_written(self):
        self.env["OPENAI_API_KEY"] = SECRET
        self.write_task()
        self.write("d.jsonl", "".join(json.dumps({"text": t}) + "\n" for t in [
            "refund please", "x !fault:500x50", "y !fault:invalidx9", f"echo {SECRET[:6]}"]))
        p = self.centaur("run", "task.yaml", "--data", "d.jsonl", "--split", "all",
                         "--max-retries", "1")
        self.assertNotIn(SECRET, p.stdout + p.stderr)
        run_id = json.loads(self.centaur("runs", "--json").stdout)[0]["run_id"]
        for args in (["show", str(run_id)], ["show", str(run_id), "--errors"],
                     ["export", str(run_id)], ["export", str(run_id), "--format", "csv"]):
            out = self.centaur(*args)
            self.assertNotIn(SECRET, out.stdout + out.stderr)
        call = self.centaur("call", "task.yaml", "--input", '{"text": "refund"}')
        self.assertNotIn(SECRET, call.stdout + call.stderr)
        self.assertNotIn(SECRET.encode(), self.store_bytes())
        self.assertGreater(len(self.store_bytes()), 0)

    def test_wrong_key_error_does_not_echo_it(self):
        wrong = "sk-wrong-KEY-1234567890"
        self.env["OPENAI_API_KEY"] = wrong
        self.write_task()
        p = self.centaur("call", "task.yaml", "--input", '{"text": "refund"}', check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("401", p.stdout + p.stderr)
        self.assertNotIn(wrong, p.stdout + p.stderr)
        self.assertNotIn(wrong.encode(), self.store_bytes())

    def test_missing_key_names_the_variable(self):
        del self.env["OPENAI_API_KEY"]
        del self.env["OPENAI_BASE_URL"]
        self.write_task()
        p = self.centaur("call", "task.yaml", "--input", '{"text": "refund"}', check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("OPENAI_API_KEY is not set", p.stderr)


if __name__ == "__main__":
    unittest.main()
