"""kill -9 at any moment during a run; the same command finishes only the
missing items, with nothing lost or doubled."""
import json
import os
import signal
import subprocess
import time
import unittest

from harness import BIN, CliTest

ITEMS = 300
CONCURRENCY = 8
LATENCY_MS = 60


class ResumeTest(CliTest):
    fixture_args = ("--latency-ms", str(LATENCY_MS))

    def committed(self):
        try:
            return self.sql("SELECT COUNT(*) FROM results")[0][0]
        except Exception:  # the store may not exist yet
            return 0

    def test_kill_and_resume(self):
        self.write_task()
        self.write("d.jsonl", "".join(json.dumps({"text": f"message {i}"}) + "\n"
                                      for i in range(ITEMS)))
        self.centaur("data", "import", "d.jsonl", "--name", "d", "--test-fraction", "0")
        args = [BIN, "run", "task.yaml", "--data", "d", "--concurrency", str(CONCURRENCY),
                "--json"]
        for kill_after in (20, 120):
            proc = subprocess.Popen(args, cwd=self.dir, env=self.env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
            deadline = time.monotonic() + 60
            while self.committed() < kill_after and time.monotonic() < deadline:
                time.sleep(0.01)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            self.assertLess(self.committed(), ITEMS, "the run finished before the kill")
        before = self.committed()
        calls_before = self.fixture.stats()["chat_completions"]
        summary = json.loads(subprocess.run(args, cwd=self.dir, env=self.env,
                                            capture_output=True, text=True, check=True).stdout)
        self.assertTrue(summary["resumed"])
        self.assertEqual(summary["items"], ITEMS)
        self.assertEqual(summary["skipped"], before)
        self.assertEqual(summary["calls"], ITEMS - before)
        # One run, every item exactly once.
        self.assertEqual(self.sql("SELECT COUNT(*) FROM runs WHERE kind = 'run'")[0][0], 1)
        self.assertEqual(self.sql("SELECT COUNT(*), COUNT(DISTINCT item_id) FROM results"),
                         [(ITEMS, ITEMS)])
        # Re-paid calls: at most those in flight at each kill and those since
        # the last group commit (200 ms, checked as calls finish; 250 ms
        # allowed, at CONCURRENCY / LATENCY items per ms).
        total_calls = self.fixture.stats()["chat_completions"]
        self.assertEqual(total_calls - calls_before, ITEMS - before)
        per_kill = CONCURRENCY + CONCURRENCY * 250 // LATENCY_MS + 2
        self.assertLessEqual(total_calls, ITEMS + 2 * per_kill)


if __name__ == "__main__":
    unittest.main()
