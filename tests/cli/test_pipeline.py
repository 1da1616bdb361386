"""import -> run -> show -> export against the fixture server, and the cache."""
import csv
import io
import json
import unittest

from harness import CliTest


class PipelineTest(CliTest):
    def setUp(self):
        super().setUp()
        self.write_task()
        # Quoted fields with an embedded newline and a doubled quote.
        rows = ["text,label",
                '"I want a refund, please",refund',
                '"where is my card_arrival? it\nhas not come",card_arrival',
                'refund now,card_arrival',
                '"he said ""hi""",other',
                'nothing to see,']
        rows += [f"message number {i} about other things,other" for i in range(40)]
        self.write("data.csv", "\n".join(rows) + "\n")

    def test_import_run_show_export_and_cache(self):
        p = self.centaur("data", "import", "data.csv", "--name", "tickets",
                         "--label-column", "label", "--test-fraction", "0")
        self.assertIn('imported 45 items into "tickets": 45 val, 0 test, 44 labeled', p.stdout)

        first = self.centaur_json("run", "task.yaml", "--data", "tickets", "--concurrency", "4")
        self.assertEqual(first["items"], 45)
        self.assertEqual(first["succeeded"], 45)
        self.assertEqual(first["failed"], 0)
        self.assertEqual(first["calls"], 45)
        self.assertEqual(first["cache_hits"], 0)
        self.assertEqual(self.fixture.stats()["chat_completions"], 45)
        # The fixture picks a label named in the message: 3 of the 4 named rows
        # are right ("refund now" is labeled card_arrival), the 40 others are
        # whatever the hash picks; the unlabeled row is not counted.
        self.assertEqual(first["labeled"], 44)
        rows = self.sql("SELECT item_id, output FROM results WHERE run_id = ?", first["run_id"])
        self.assertEqual(len(rows), 45)
        correct = self.sql("SELECT SUM(correct) FROM results WHERE run_id = ?", first["run_id"])
        self.assertAlmostEqual(first["accuracy"], correct[0][0] / 44)

        # Second run of the same task version: everything from the cache.
        second = self.centaur_json("run", "task.yaml", "--data", "tickets")
        self.assertNotEqual(second["run_id"], first["run_id"])
        self.assertEqual(second["calls"], 0)
        self.assertEqual(second["cache_hits"], 45)
        self.assertEqual(second["accuracy"], first["accuracy"])
        self.assertEqual(self.fixture.stats()["chat_completions"], 45)
        # A cache hit's trace still shows the exact prompt that produced it.
        item = self.sql("SELECT item_id FROM results WHERE run_id = ? LIMIT 1",
                        second["run_id"])[0][0]
        trace = self.centaur("show", str(second["run_id"]), "--item", item).stdout
        self.assertIn("(cache hit)", trace)
        self.assertIn("[system]\nRoute the message to one intent.", trace)
        self.assertIn("[user]\nMessage: ", trace)

        # --no-cache calls again.
        third = self.centaur_json("run", "task.yaml", "--data", "tickets", "--no-cache")
        self.assertEqual(third["calls"], 45)

        # A changed prompt is a new version: calls again.
        with open(f"{self.dir}/task.yaml") as f:
            text = f.read()
        self.write("task.yaml", text.replace("Route the message", "Route this message"))
        fourth = self.centaur_json("run", "task.yaml", "--data", "tickets")
        self.assertEqual(fourth["calls"], 45)

        show = self.centaur("show", str(first["run_id"])).stdout
        self.assertIn("items 45: 45 ok, 0 failed", show)
        self.assertIn("fixture thoughts", show)

        out = self.centaur("export", str(first["run_id"]), "--format", "jsonl").stdout
        lines = [json.loads(l) for l in out.splitlines()]
        self.assertEqual(len(lines), 45)
        for line in lines:
            for key in ("item_id", "status", "output", "gold", "attempts"):
                self.assertIn(key, line)
            self.assertEqual(line["status"], "ok")
            self.assertEqual(line["attempts"], 1)
        by_text = {l["input"]["text"]: l for l in lines}
        refund = by_text["I want a refund, please"]
        self.assertEqual(refund["output"]["label"], "refund")
        self.assertEqual(refund["gold"], "refund")
        self.assertTrue(refund["correct"])
        self.assertIn("where is my card_arrival? it\nhas not come", by_text)
        self.assertIsNone(by_text["nothing to see"]["gold"])

        self.centaur("export", str(first["run_id"]), "--format", "csv", "--output", "out.csv")
        with open(f"{self.dir}/out.csv", newline="") as f:
            table = list(csv.DictReader(f))
        self.assertEqual(len(table), 45)
        self.assertEqual({r["status"] for r in table}, {"ok"})

        runs = json.loads(self.centaur("runs", "--json").stdout)
        self.assertEqual([r["run_id"] for r in runs][-1], first["run_id"])
        self.assertEqual(runs[-1]["task"], "intent")
        dataset_id = self.sql("SELECT dataset_id FROM runs WHERE id = ?", first["run_id"])
        self.assertEqual(runs[-1]["dataset_id"], dataset_id[0][0])

    def test_split_and_limit(self):
        self.centaur("data", "import", "data.csv", "--name", "t", "--label-column", "label",
                     "--test-fraction", "0.5", "--seed", "7")
        val = self.sql("SELECT COUNT(*) FROM items WHERE split = 'val'")[0][0]
        test = self.sql("SELECT COUNT(*) FROM items WHERE split = 'test'")[0][0]
        self.assertEqual(val + test, 45)
        self.assertGreater(val, 10)
        self.assertGreater(test, 10)
        r = self.centaur_json("run", "task.yaml", "--data", "t", "--split", "test", "--force")
        self.assertEqual(r["items"], test)
        r = self.centaur_json("run", "task.yaml", "--data", "t", "--limit", "5")
        self.assertEqual(r["items"], 5)

    def test_data_file_imported_on_the_fly_and_map(self):
        self.write("msgs.jsonl", "".join(json.dumps({"message": f"m {i}"}) + "\n"
                                         for i in range(6)))
        p = self.centaur("run", "task.yaml", "--data", "msgs.jsonl", "--split", "all",
                         check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn('the data has no field "text" for task input "text" (fields: message); '
                      'map one with --map text=FIELD', p.stderr)
        r = self.centaur_json("run", "task.yaml", "--data", "msgs.jsonl", "--split", "all",
                              "--map", "text=message")
        self.assertEqual(r["items"], 6)
        self.assertIsNone(r["accuracy"])


if __name__ == "__main__":
    unittest.main()
