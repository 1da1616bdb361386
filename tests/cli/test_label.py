"""centaur label import / export / agreement: errors with file:line, nothing
half-written, a round trip through export, and kappa/alpha checked by hand."""
import csv
import io
import json
import os
import unittest

from harness import CliTest

ITEMS = "id,text\n" + "".join(f"a{i},message {i}\n" for i in range(10))


class LabelTest(CliTest):
    def setUp(self):
        super().setUp()
        self.write("items.csv", ITEMS)
        self.centaur("data", "import", "items.csv", "--name", "d", "--id-column", "id")

    def count(self):
        return self.sql("SELECT count(*) FROM annotations")[0][0]

    def import_error(self, name, text, *args):
        self.write(name, text)
        p = self.centaur("label", "import", name, *args, check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(self.count(), 0)
        return p.stderr

    def test_import_errors_name_the_line_and_write_nothing(self):
        self.assertEqual(
            self.import_error("l.csv", "id,label\na1,x\nzz,y\n", "--annotator", "bob"),
            'centaur: error: l.csv:3: no item "zz" in dataset "d"\n')
        rows = "id,label\na1,x\n" + "".join(f"z{i},y\n" for i in range(7))
        self.assertEqual(
            self.import_error("l.csv", rows, "--annotator", "bob"),
            'centaur: error: l.csv: 7 item ids are not in dataset "d": "z0" (line 3), "z1" '
            '(line 4), "z2" (line 5), "z3" (line 6), "z4" (line 7), and 2 more\n')
        self.assertEqual(
            self.import_error("l.csv", "id,lbl\na1,x\n", "--annotator", "bob"),
            'centaur: error: l.csv:2: --label-column "label" is not a column (columns: id, lbl)\n')
        self.assertEqual(
            self.import_error("l.csv", 'id,label\na1,x\n"a2,y\n', "--annotator", "bob"),
            "centaur: error: l.csv:3:1: unterminated quoted field\n")
        self.assertEqual(
            self.import_error("l.csv", "id,label\na1,x\na2,y\na1,z\n", "--annotator", "bob"),
            'centaur: error: l.csv:4: item "a1" is labeled twice by "bob" (first on line 2)\n')
        self.assertEqual(
            self.import_error("l.csv", "id,label\na1,x\n,y\n", "--annotator", "bob"),
            'centaur: error: l.csv:3: empty id in column "id"\n')
        err = self.import_error("l.jsonl", '{"id": "a1", "label": "x"}\n{"id": "a2", "label": }\n',
                                "--annotator", "bob")
        self.assertTrue(err.startswith("centaur: error: l.jsonl:2:"), err)
        self.assertIn("invalid JSON", err)
        self.assertEqual(self.import_error("l.csv", "id,label\na1,\n", "--annotator", "bob"),
                         "centaur: error: l.csv: no labels to import\n")
        self.assertEqual(self.import_error("l.csv", "id,label\na1,x\n", "--dataset", "nope"),
                         f'centaur: error: {self.db}: no dataset named "nope"\n')
        self.write("more.csv", "id,text\nb1,x\n")
        self.centaur("data", "import", "more.csv", "--name", "e", "--id-column", "id")
        self.assertEqual(self.import_error("l.csv", "id,label\na1,x\n"),
                         "centaur: error: there are 2 datasets; name one with --dataset (d, e)\n")

    def test_import_then_export_round_trips(self):
        self.write("alice.csv", "item,cls,note\na1,refund,\na2,other,odd one\na3,,\n")
        p = self.centaur("label", "import", "alice.csv", "--annotator", "alice",
                         "--id-column", "item", "--label-column", "cls")
        self.assertEqual(p.stdout, 'imported 2 labels into "d" by alice\n'
                                   "skipped 1 rows without a label\n")
        self.write("team.jsonl", json.dumps({"id": "a1", "label": "other", "annotator": "bob"})
                   + "\n" + json.dumps({"id": "a4", "label": 3, "annotator": "carol"}) + "\n")
        p = self.centaur("label", "import", "team.jsonl", "--dataset", "d")
        self.assertEqual(p.stdout, 'imported 2 labels into "d" by bob, carol\n')
        # Imported labels are the items' gold.
        self.assertEqual(self.centaur("data", "list").stdout.split("\n")[1].split()[4], "3")

        out = self.centaur("label", "export").stdout
        table = list(csv.DictReader(io.StringIO(out)))
        self.assertEqual(list(table[0].keys()), ["id", "label", "annotator", "time", "note"])
        self.assertEqual([(r["id"], r["label"], r["annotator"], r["note"]) for r in table],
                         [("a1", "refund", "alice", ""), ("a1", "other", "bob", ""),
                          ("a2", "other", "alice", "odd one"), ("a4", "3", "carol", "")])
        self.assertRegex(table[0]["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.centaur("label", "export", "--format", "jsonl", "--output", "out.jsonl")
        with open(os.path.join(self.dir, "out.jsonl")) as f:
            jsonl = [json.loads(line) for line in f]
        self.assertEqual(jsonl[3]["label"], 3)  # JSON keeps the type

        # Into a fresh store with the same items: the same labels come out.
        self.write("export.csv", out)
        self.env["CENTAUR_DB"] = os.path.join(self.dir, "other.db")
        self.db = self.env["CENTAUR_DB"]
        self.centaur("data", "import", "items.csv", "--name", "d", "--id-column", "id")
        self.centaur("label", "import", "export.csv")
        again = list(csv.DictReader(io.StringIO(self.centaur("label", "export").stdout)))
        strip = lambda rows: [(r["id"], r["label"], r["annotator"], r["note"]) for r in rows]
        self.assertEqual(strip(again), strip(table))

    def test_agreement_two_annotators_is_cohens_kappa(self):
        p = self.centaur("label", "agreement")
        self.assertIn("no item is labeled by two or more annotators", p.stdout)
        alice = ["x", "x", "x", "x", "x", "y", "y", "y", "y", "y"]
        bob = ["x", "x", "x", "x", "y", "y", "y", "y", "y", "x"]
        for name, labels in (("alice", alice), ("bob", bob)):
            self.write(f"{name}.csv",
                       "id,label\n" + "".join(f"a{i},{l}\n" for i, l in enumerate(labels)))
            self.centaur("label", "import", f"{name}.csv", "--annotator", name)
        # By hand: p_o = 8/10; both annotators say x half the time, so
        # p_e = 0.5*0.5 + 0.5*0.5 = 0.5 and kappa = (0.8 - 0.5) / (1 - 0.5) = 0.6.
        # Alpha: 20 values, 10 x and 10 y; two split units, D_o = 2 * 2 = 4,
        # D_e = (400 - 200) / 19, alpha = 1 - 4 * 19 / 200 = 0.62.
        out = self.centaur("label", "agreement").stdout
        self.assertEqual(out, 'dataset "d": 10 items labeled by 2 annotators: alice (10 items), '
                              'bob (10 items)\n'
                              "10 items labeled by 2+ annotators (20 labels); all agree on 8 "
                              "(80.0%)\n"
                              "Cohen's kappa (alice, bob): 0.600\n")
        r = json.loads(self.centaur("label", "agreement", "--json").stdout)
        self.assertAlmostEqual(r["kappa"], 0.6, places=12)
        self.assertAlmostEqual(r["alpha"], 0.62, places=12)
        self.assertEqual(r["shared_items"], 10)
        self.assertEqual(r["pairs"], [{"a": "alice", "b": "bob", "items": 10, "agree": 8,
                                       "kappa": r["kappa"]}])

        # A third annotator on four items: alpha over every shared item.
        self.write("carol.csv", "id,label\na0,x\na1,y\na5,y\na9,y\n")
        self.centaur("label", "import", "carol.csv", "--annotator", "carol")
        out = self.centaur("label", "agreement").stdout
        self.assertIn("Krippendorff's alpha (nominal): ", out)
        self.assertIn("  alice / carol: 4 items, 3 agree, kappa ", out)
        r = json.loads(self.centaur("label", "agreement", "--json").stdout)
        self.assertIsNone(r["kappa"])
        # By hand: units a0 {x,x,x}, a1 {x,x,y}, a5 {y,y,y}, a9 {y,x,y}, a4 {x,y}
        # and five agreeing pairs; n = 24 values, 11 x and 13 y.
        # D_o = (9-5)/2 + (4-2)/1 + (9-5)/2 = 6; D_e = (576 - 121 - 169) / 23.
        self.assertAlmostEqual(r["alpha"], 1 - 6 * 23 / 286, places=12)


if __name__ == "__main__":
    unittest.main()
