"""`centaur init` writes a starter project that works as written."""
import json
import os
import unittest

from harness import CliTest


class InitTest(CliTest):
    def test_init_then_import_call_run(self):
        p = self.centaur("init", "proj")
        for name in ("task.yaml", "examples.jsonl", "data.csv", "centaur.yaml"):
            self.assertTrue(os.path.exists(os.path.join(self.dir, "proj", name)), name)
            self.assertIn(name, p.stdout)
        again = self.centaur("init", "proj", check=False)
        self.assertEqual(again.returncode, 2)
        self.assertIn("--force", again.stderr)
        proj = os.path.join(self.dir, "proj")
        self.dir = proj
        self.centaur("data", "import", "data.csv", "--name", "sample", "--label-column", "label")
        call = self.centaur("call", "task.yaml", "--input", '{"text": "my card has not arrived"}',
                            "--json")
        out = json.loads(call.stdout)
        self.assertEqual(out["status"], "ok")
        self.assertIn("thoughts", out["output"])
        again = json.loads(self.centaur("call", "task.yaml", "--input",
                                        '{"text": "my card has not arrived"}', "--json").stdout)
        self.assertTrue(again["cache_hit"])
        self.assertEqual(again["output"], out["output"])
        run = self.centaur_json("run", "task.yaml", "--data", "sample", "--split", "all")
        self.assertGreater(run["items"], 0)
        self.assertEqual(run["failed"], 0)


if __name__ == "__main__":
    unittest.main()
