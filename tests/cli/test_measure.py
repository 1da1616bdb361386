"""metrics, compare, history and the test-set guard, black-box against the
fixture server. The fixture answers with the class named in the message, so
each item's prediction (right, wrong, failed) is chosen by its text. Expected
numbers come from scikit-learn (in this interpreter, or Debian's
/usr/bin/python3) or, without it, from the plain definitions below."""
import json
import math
import os
import subprocess
import unittest

from harness import CliTest
from harness import task_yaml as harness_task_yaml

LABELS = ["refund", "card_arrival", "other"]
MODEL = "openai:gpt-4o-mini-2024-07-18"
FAILED = "__failed__"


def task_yaml(var):
    return harness_task_yaml(labels=LABELS, attempts=1, model=MODEL, var=var)


def rows():
    """(id, gold, text for version 1, text for version 2)."""
    out = []
    for i in range(24):
        gold = LABELS[i % 3]
        a = LABELS[(i + 1) % 3] if i % 4 == 0 else gold
        b = LABELS[(i + 2) % 3] if i % 5 == 0 else gold
        out.append((f"t{i:02d}", gold, f"ticket {i}: {a}", f"ticket {i}: {b}"))
    out.append(("t24", "", "ticket 24: refund", "ticket 24: other"))  # unlabeled
    out.append(("t25", "refund", "ticket 25 !fault:invalidx99", "ticket 25: refund"))
    out.append(("t26", "card_arrival", "ticket 26: card_arrival", "ticket 26 !fault:invalidx99"))
    return out


def predicted(text):
    if "!fault:" in text:
        return FAILED
    return next(l for l in LABELS if l in text)


SKLEARN = r"""
import json, sys
from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score,
                             precision_recall_fscore_support)
d = json.load(sys.stdin)
t, p, L = d["true"], d["pred"], d["labels"]
pr, rc, f1, sup = precision_recall_fscore_support(t, p, labels=L, zero_division=0)
print(json.dumps({
    "accuracy": accuracy_score(t, p),
    "macro_f1": f1_score(t, p, labels=L, average="macro", zero_division=0),
    "micro_f1": f1_score(t, p, labels=L, average="micro", zero_division=0),
    "weighted_f1": f1_score(t, p, labels=L, average="weighted", zero_division=0),
    "precision": list(pr), "recall": list(rc), "f1": list(f1),
    "support": [int(s) for s in sup],
    "confusion": confusion_matrix(t, p, labels=L).tolist()}))
"""


def by_definition(t, p, labels):
    """The same numbers from their definitions (no scikit-learn at hand)."""
    def div(a, b):
        return a / b if b else 0.0
    tp = [sum(1 for x, y in zip(t, p) if x == y == l) for l in labels]
    pred = [sum(1 for y in p if y == l) for l in labels]
    sup = [sum(1 for x in t if x == l) for l in labels]
    prec = [div(a, b) for a, b in zip(tp, pred)]
    rec = [div(a, b) for a, b in zip(tp, sup)]
    f1 = [div(2 * a, b + c) for a, b, c in zip(tp, pred, sup)]
    micro_p, micro_r = div(sum(tp), sum(pred)), div(sum(tp), sum(sup))
    return {
        "accuracy": sum(1 for x, y in zip(t, p) if x == y) / len(t),
        "macro_f1": sum(f1) / len(labels),
        "micro_f1": div(2 * micro_p * micro_r, micro_p + micro_r),
        "weighted_f1": div(sum(f * s for f, s in zip(f1, sup)), sum(sup)),
        "precision": prec, "recall": rec, "f1": f1, "support": sup,
        "confusion": [[sum(1 for x, y in zip(t, p) if x == g and y == q) for q in labels]
                      for g in labels]}


def reference(t, p, labels):
    payload = json.dumps({"true": t, "pred": p, "labels": labels})
    try:
        import sklearn  # noqa: F401
        return json.loads(subprocess.run(["python3", "-c", SKLEARN], input=payload,
                                         capture_output=True, text=True, check=True).stdout)
    except ImportError:
        pass
    if os.path.exists("/usr/bin/python3"):
        r = subprocess.run(["/usr/bin/python3", "-c", SKLEARN], input=payload,
                           capture_output=True, text=True)
        if r.returncode == 0:
            return json.loads(r.stdout)
    return by_definition(t, p, labels)


def wilson(k, n, z=1.959963984540054):
    phat = k / n
    centre = (phat + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n))
    return [centre - half, centre + half]


def mcnemar_exact(b, c):
    n, k = b + c, min(b, c)
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n) if n else 1.0


class MeasureTest(CliTest):
    def setUp(self):
        super().setUp()
        lines = ["id,label,text,alt"] + [f"{i},{g},{a},{b}" for i, g, a, b in rows()]
        self.write("data.csv", "\n".join(lines) + "\n")
        self.centaur("data", "import", "data.csv", "--name", "tickets", "--id-column", "id",
                     "--label-column", "label", "--test-fraction", "0")
        self.write("task.yaml", task_yaml("text"))
        self.run_a = self.centaur_json("run", "task.yaml", "--data", "tickets")["run_id"]
        self.write("task.yaml", task_yaml("alt"))
        self.run_b = self.centaur_json("run", "task.yaml", "--data", "tickets")["run_id"]

    def expected(self, column):
        labeled = [r for r in rows() if r[1]]
        return [r[1] for r in labeled], [predicted(r[column]) for r in labeled]

    def test_metrics_agree_with_scikit_learn(self):
        m = self.centaur_json("metrics", str(self.run_a))
        t, p = self.expected(2)
        ref = reference(t, p, LABELS)
        self.assertEqual(m["kind"], "classification")
        self.assertEqual(m["labeled"], 26)
        self.assertEqual(m["unlabeled"], 1)
        self.assertEqual(m["failed"], 1)
        self.assertEqual(m["items"], 27)
        self.assertTrue(m["subset"])
        self.assertEqual(m["notes"], ["1 of 27 items have no gold label: scores are over the 26 "
                                      "labeled items"])
        for key in ("accuracy", "macro_f1", "micro_f1", "weighted_f1"):
            self.assertAlmostEqual(m[key], ref[key], delta=1e-9, msg=key)
        self.assertEqual(m["labels"], LABELS)
        self.assertEqual(m["confusion"], ref["confusion"])
        for i, label in enumerate(LABELS):
            c = m["per_class"][label]
            self.assertEqual(c["support"], ref["support"][i])
            for key in ("precision", "recall", "f1"):
                self.assertAlmostEqual(c[key], ref[key][i], delta=1e-9, msg=f"{label} {key}")
        correct = sum(1 for x, y in zip(t, p) if x == y)
        for got, want in zip(m["ci"]["accuracy"], wilson(correct, 26)):
            self.assertAlmostEqual(got, want, delta=1e-9)
        for key in ("macro_f1", "micro_f1", "weighted_f1"):
            lo, hi = m["ci"][key]
            self.assertLessEqual(lo, m[key])
            self.assertGreaterEqual(hi, m[key])
        # Seeded: the same intervals every time.
        self.assertEqual(self.centaur_json("metrics", str(self.run_a))["ci"], m["ci"])
        self.assertIsNone(m["gap"])

        text = self.centaur("metrics", str(self.run_a)).stdout
        self.assertIn(f"accuracy  {m['accuracy']:.4f}  95% CI [", text)
        self.assertIn("note: 1 of 27 items have no gold label", text)
        self.assertIn("confusion matrix (rows: gold; columns: predicted, same order)", text)
        self.assertIn("█", text)
        self.assertIn(f"macro     {m['macro_precision']:.4f}", text)

        p = self.centaur("metrics", str(self.run_a), "--split", "test", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stderr,
                         f"centaur: error: run {self.run_a} is a run on the val split, not test\n")
        p = self.centaur("metrics", "99", check=False)
        self.assertEqual(p.returncode, 2)

    def test_compare_lists_the_exact_flips(self):
        c = self.centaur_json("compare", str(self.run_a), str(self.run_b))
        self.assertEqual(c["flipped_to_wrong"], ["t05", "t10", "t15", "t26"])
        self.assertEqual(c["flipped_to_right"], ["t04", "t08", "t12", "t16", "t25"])
        self.assertEqual(c["n"], 26)
        self.assertEqual(c["common"], 27)
        self.assertEqual(c["unlabeled"], 1)
        self.assertEqual(c["only_a"], [])
        self.assertEqual(c["only_b"], [])
        ta, pa = self.expected(2)
        tb, pb = self.expected(3)
        acc_a = sum(1 for x, y in zip(ta, pa) if x == y) / 26
        acc_b = sum(1 for x, y in zip(tb, pb) if x == y) / 26
        self.assertAlmostEqual(c["delta"]["accuracy"], acc_b - acc_a, delta=1e-12)
        self.assertAlmostEqual(c["p_value"]["accuracy"], mcnemar_exact(4, 5), delta=1e-12)
        ref_a, ref_b = reference(ta, pa, LABELS), reference(tb, pb, LABELS)
        for key in ("macro_f1", "micro_f1", "weighted_f1"):
            self.assertAlmostEqual(c["delta"][key], ref_b[key] - ref_a[key], delta=1e-9)
            self.assertGreater(c["p_value"][key], 0)
            self.assertLessEqual(c["p_value"][key], 1)
        self.assertEqual(c["mcnemar"], {"b": 4, "c": 5, "method": "exact",
                                        "statistic": 4.0, "p_value": c["p_value"]["accuracy"]})
        flips = {f["item_id"]: f for f in c["flips"]}
        self.assertEqual(flips["t05"]["direction"], "to_wrong")
        self.assertEqual(flips["t05"]["gold"], "other")
        self.assertEqual(flips["t05"]["a"]["value"], "other")
        self.assertEqual(flips["t05"]["b"]["value"], "card_arrival")
        self.assertEqual(flips["t05"]["a"]["thoughts"], "fixture thoughts: Message: ticket 5: other")
        self.assertEqual(flips["t05"]["b"]["thoughts"],
                         "fixture thoughts: Message: ticket 5: card_arrival")
        self.assertEqual(flips["t25"]["a"]["status"], "failed")
        self.assertNotEqual(flips["t25"]["a"]["error"], "")
        self.assertEqual(flips["t25"]["b"]["value"], "refund")

        text = self.centaur("compare", str(self.run_a), str(self.run_b)).stdout
        self.assertIn("changed: task version", text)
        self.assertIn("right -> wrong: 4 items\n  t05  gold other\n", text)
        self.assertIn(f"    A (run {self.run_a}): other\n"
                      "      thoughts: fixture thoughts: Message: ticket 5: other\n"
                      f"    B (run {self.run_b}): card_arrival\n", text)
        self.assertIn("wrong -> right: 5 items", text)
        self.assertIn("McNemar, exact binomial (b=4, c=5)", text)
        short = self.centaur("compare", str(self.run_a), str(self.run_b), "--max-flips", "1").stdout
        self.assertIn("  ... 3 more (--max-flips 0 lists every one; --json has them all)", short)

        # Against itself: nothing flips.
        same = self.centaur_json("compare", str(self.run_a), str(self.run_a))
        self.assertEqual(same["delta"]["accuracy"], 0)
        self.assertEqual(same["flipped_to_wrong"] + same["flipped_to_right"], [])

    def test_history_shows_the_diff_and_validation_scores(self):
        acc_a = self.centaur_json("metrics", str(self.run_a))["accuracy"]
        acc_b = self.centaur_json("metrics", str(self.run_b))["accuracy"]
        text = self.centaur("history", "task.yaml").stdout
        self.assertIn("version 1  ", text)
        self.assertIn("version 2  ", text)
        self.assertIn("\n-  text: {type: string}\n+  alt: {type: string}\n", text)
        self.assertIn('\n-  user: "Message: {{text}}"\n+  user: "Message: {{alt}}"\n', text)
        self.assertIn(f"  val: run {self.run_a}  {MODEL}  accuracy {acc_a:.4f} [", text)
        self.assertIn(f"  val: run {self.run_b}  {MODEL}  accuracy {acc_b:.4f} [", text)
        self.assertIn("validation scores over time", text)
        h = self.centaur_json("history", "intent")
        self.assertEqual(h["task"], "intent")
        self.assertEqual([v["number"] for v in h["versions"]], [1, 2])
        self.assertEqual(h["versions"][0]["diff"], "")
        self.assertIn('+  user: "Message: {{alt}}"', h["versions"][1]["diff"])
        self.assertEqual(h["versions"][0]["val"][0]["run_id"], self.run_a)
        self.assertAlmostEqual(h["versions"][1]["val"][0]["accuracy"], acc_b, delta=1e-12)
        self.assertIsNotNone(h["versions"][1]["val"][0]["macro_f1_ci"])
        p = self.centaur("history", "nope", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn('no stored version of task "nope"', p.stderr)


class TestSplitGuardTest(CliTest):
    def setUp(self):
        super().setUp()
        lines = ["id,label,text"] + [f"g{i:02d},{LABELS[i % 3]},ticket {i}: {LABELS[i % 2]}"
                                     for i in range(40)]
        self.write("g.csv", "\n".join(lines) + "\n")
        self.centaur("data", "import", "g.csv", "--name", "g", "--id-column", "id",
                     "--label-column", "label", "--test-fraction", "0.5")
        self.write("task.yaml", task_yaml("text"))

    def test_guard_force_tuning_warning_and_gap(self):
        p = self.centaur("run", "task.yaml", "--data", "g", "--split", "test", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(self.sql("SELECT COUNT(*) FROM runs WHERE kind = 'run'")[0][0], 0)
        forced = self.centaur("run", "task.yaml", "--data", "g", "--split", "test", "--force",
                              "--json")
        v1 = json.loads(forced.stdout)["version"][:8]
        self.assertEqual(p.stderr,
                         f'centaur: error: version {v1} of task "intent" has never run on the val '
                         f'split of "g" with {MODEL}: measure it there first (centaur run '
                         f'task.yaml --data g), or pass --force to run it on the test split '
                         f'anyway\n')
        self.assertIn(f"centaur: warning: --force: running version {v1} on the test split "
                      "without a validation run\n", forced.stderr)
        self.assertEqual(self.sql("SELECT split FROM runs WHERE kind = 'run'"), [("test",)])

        self.write("task.yaml", task_yaml("text").replace("Route the message", "Route this"))
        val = self.centaur_json("run", "task.yaml", "--data", "g")
        test = self.centaur("run", "task.yaml", "--data", "g", "--split", "test", "--json")
        self.assertIn('centaur: warning: the test split of "g" was already used by 1 run of 1 '
                      'earlier version of task "intent": choosing versions by test scores tunes '
                      'them on the test set (compare versions on val; keep test for the final '
                      'check)\n', test.stderr)
        test_run = json.loads(test.stdout)["run_id"]

        m = self.centaur_json("metrics", str(val["run_id"]))
        self.assertEqual(m["gap"]["val"]["run_id"], val["run_id"])
        self.assertEqual(m["gap"]["test"]["run_id"], test_run)
        t = self.centaur_json("metrics", str(test_run))
        self.assertAlmostEqual(m["gap"]["accuracy"], t["accuracy"] - m["accuracy"], delta=1e-12)
        self.assertAlmostEqual(m["gap"]["macro_f1"], t["macro_f1"] - m["macro_f1"], delta=1e-12)
        text = self.centaur("metrics", str(test_run)).stdout
        self.assertIn("validation -> test (same version, model and dataset)", text)
        self.assertIn(f"  val  run {val['run_id']}", text)


class ExtractionMetricsTest(CliTest):
    def test_exact_normalized_and_per_field(self):
        self.write("task.yaml", f"""name: extract
model: {MODEL}
inputs: {{text: {{type: string}}}}
prompt:
  user: "{{{{text}}}}"
output:
  type: object
  properties:
    thoughts: {{type: string}}
    person:
      type: object
      properties:
        name: {{type: string}}
        year: {{type: integer}}
      required: [name, year]
      additionalProperties: false
  required: [thoughts, person]
  additionalProperties: false
target: person
""")
        # The fixture answers {"name": "fixture", "year": 0} to everything.
        golds = [{"name": "fixture", "year": 0}, {"name": " Fixture ", "year": 0},
                 {"name": "fixture", "year": 1}, {"name": "other", "year": 2}, None]
        with open(f"{self.dir}/p.jsonl", "w") as f:
            for i, g in enumerate(golds):
                f.write(json.dumps({"id": f"p{i}", "text": f"person {i}", "gold": g}) + "\n")
        self.centaur("data", "import", "p.jsonl", "--name", "p", "--id-column", "id",
                     "--label-column", "gold", "--test-fraction", "0")
        run = self.centaur_json("run", "task.yaml", "--data", "p")["run_id"]
        m = self.centaur_json("metrics", str(run))
        self.assertEqual(m["kind"], "match")
        self.assertEqual(m["labeled"], 4)
        self.assertEqual(m["unlabeled"], 1)
        self.assertEqual(m["exact"], 1)
        self.assertEqual(m["normalized"], 2)
        self.assertEqual(m["accuracy"], 0.25)
        self.assertEqual(m["normalized_match"], 0.5)
        self.assertIsNone(m["macro_f1"])
        self.assertEqual(m["fields"]["name"]["exact"], 2)
        self.assertEqual(m["fields"]["name"]["normalized"], 3)
        self.assertEqual(m["fields"]["year"]["exact"], 2)
        self.assertEqual(m["fields"]["year"]["n"], 4)
        text = self.centaur("metrics", str(run)).stdout
        self.assertIn("exact match       0.2500", text)
        self.assertIn("normalized match  0.5000", text)


if __name__ == "__main__":
    unittest.main()
