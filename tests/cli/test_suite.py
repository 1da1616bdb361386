"""centaur test: assertion suites against the fixture server — pass/fail per
case with reasons, threshold exit codes, suite errors, JUnit XML, --repeat
with pass^k, the cache, latency and cost ceilings."""
import json
import os
import unittest
import xml.etree.ElementTree as ET

from harness import CliTest, SOURCE_DIR

# The fixture answers with the label named in the message.
SUITE = """description: intent smoke
task: task.yaml
threshold: {threshold}
defaultTest:
  assert:
    - {{type: one-of, path: label, value: [refund, card_arrival, other]}}
tests:
  - description: refund request
    vars: {{text: I want a refund please}}
    assert:
      - {{type: equals, path: label, value: refund}}
      - {{type: contains, path: thoughts, value: refund}}
  - description: card arrival
    vars: {{text: "refund? no: my card_arrival is late"}}
    assert:
      - {{type: field-equals, path: label, value: card_arrival}}
  - description: wrong on purpose
    vars: {{text: where is my card_arrival}}
    assert:
      - {{type: equals, path: label, value: refund}}
      - {{type: not-regex, path: label, value: "^card"}}
"""


class SuiteTest(CliTest):
    def setUp(self):
        super().setUp()
        self.write_task()

    def suite(self, threshold=1, name="suite.yaml", text=None):
        return self.write(name, text if text is not None else SUITE.format(threshold=threshold))

    def chat_calls(self):
        return self.fixture.stats()["chat_completions"]

    def test_pass_fail_reasons_and_threshold_exit_codes(self):
        self.suite(threshold=1)
        p = self.centaur("test", "suite.yaml", check=False)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        out = p.stdout
        self.assertIn("suite intent smoke: 3 cases, task intent", out)
        self.assertIn("PASS  refund request\n", out)
        self.assertIn("PASS  card arrival\n", out)
        self.assertIn("FAIL  wrong on purpose\n"
                      "      expected label to equal \"refund\", got \"card_arrival\"\n"
                      "      expected label not to match /^card/, got \"card_arrival\"\n"
                      "      trace: centaur show ", out)
        self.assertIn("passed 2 of 3 (66.7%), failed 1, errors 0; threshold 100.0%: NOT MET",
                      out)
        self.assertEqual(self.chat_calls(), 3)

        # Under the threshold: 1; at or over it: 0.
        self.suite(threshold=0.6)
        p = self.centaur("test", "suite.yaml", check=False)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("threshold 60.0%: met", p.stdout)
        self.suite(threshold=0.7)
        self.assertEqual(self.centaur("test", "suite.yaml", check=False).returncode, 1)

    def test_second_run_is_served_from_the_cache(self):
        self.suite(threshold=0.5)
        first = json.loads(self.centaur("test", "suite.yaml", "--json").stdout)
        self.assertEqual(first["calls"], 3)
        self.assertEqual(first["cache_hits"], 0)
        self.assertEqual(self.chat_calls(), 3)
        second = json.loads(self.centaur("test", "suite.yaml", "--json").stdout)
        self.assertEqual(self.chat_calls(), 3)  # no new calls
        self.assertEqual(second["calls"], 0)
        self.assertEqual(second["cache_hits"], 3)
        self.assertEqual([c["status"] for c in second["cases"]], ["pass", "pass", "fail"])
        self.assertEqual(second["passed"], 2)
        self.assertAlmostEqual(second["pass_rate"], 2 / 3)
        self.assertTrue(second["meets_threshold"])
        # Each call is traced like `centaur call`.
        run_id = second["cases"][2]["results"][0]["run_id"]
        trace = self.centaur("show", str(run_id), "--item", "input").stdout
        self.assertIn("(cache hit)", trace)
        # --no-cache calls again.
        self.centaur("test", "suite.yaml", "--no-cache")
        self.assertEqual(self.chat_calls(), 6)

    def test_json_report(self):
        self.suite(threshold=1)
        p = self.centaur("test", "suite.yaml", "--json", check=False)
        self.assertEqual(p.returncode, 1)
        r = json.loads(p.stdout)
        self.assertEqual(r["suite"], "intent smoke")
        self.assertEqual(r["task"], "intent")
        self.assertEqual(r["model"], "openai:gpt-4o-mini-2024-07-18")
        self.assertEqual((r["passed"], r["failed"], r["errors"]), (2, 1, 0))
        self.assertFalse(r["meets_threshold"])
        wrong = r["cases"][2]
        self.assertEqual(wrong["name"], "wrong on purpose")
        self.assertTrue(wrong["where"].endswith("suite.yaml:17:5"))
        self.assertEqual(wrong["problems"], [
            'expected label to equal "refund", got "card_arrival"',
            'expected label not to match /^card/, got "card_arrival"'])
        result = wrong["results"][0]
        self.assertEqual(result["output"]["label"], "card_arrival")
        self.assertEqual([a["type"] for a in result["assertions"]],
                         ["one-of", "equals", "not-regex"])
        self.assertEqual([a["pass"] for a in result["assertions"]], [True, False, False])
        self.assertAlmostEqual(result["score"], 1 / 3)

    def test_bad_suite_exits_2_with_file_line_col(self):
        self.write("bad.yaml", "task: task.yaml\ntests:\n  - vars: {text: hi}\n    assert:\n"
                               "      - type: contians\n        value: x\n")
        p = self.centaur("test", "bad.yaml", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stderr, 'centaur: error: bad.yaml:5:15: unknown assertion type '
                                   '"contians" (did you mean "contains"?)\n')
        self.write("bad.yaml", "task: task.yaml\ntests:\n  - vars: {text: hi}\n    assert:\n"
                               "      - {type: regex, value: \"a(?=b)\"}\n")
        p = self.centaur("test", "bad.yaml", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("centaur: error: bad.yaml:5:30: bad regular expression /a(?=b)/: ",
                      p.stderr)
        p = self.centaur("test", "missing.yaml", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stderr, "centaur: error: missing.yaml: no such suite file\n")
        self.suite()
        p = self.centaur("test", "suite.yaml", "--repeat", "0", check=False)
        self.assertEqual(p.returncode, 2)
        p = self.centaur("test", "suite.yaml", "--model", "nocolon", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(self.chat_calls(), 0)

    def test_junit_xml(self):
        # One pass, one failure, one error (a call that never validates), and
        # text that needs escaping.
        self.write_task(attempts=2)
        self.write("suite.yaml", """task: task.yaml
tests:
  - description: ok <&> "quoted"
    vars: {text: refund}
    assert: [{type: equals, path: label, value: refund}]
  - description: fails
    vars: {text: other}
    assert:
      - {type: equals, path: label, value: "<refund & co>"}
      - {type: length, path: label, max: 3}
  - description: errors
    vars: {text: "refund !fault:invalidx9"}
    assert: [{type: equals, path: label, value: refund}]
""")
        # A JUnit file that cannot be written is an error of its own.
        p = self.centaur("test", "suite.yaml", "--junit", "out/junit.xml", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("centaur: error: ", p.stderr)
        self.assertIn("out/junit.xml", p.stderr)
        os.makedirs(f"{self.dir}/out")
        p = self.centaur("test", "suite.yaml", "--junit", "out/junit.xml", check=False)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("junit: out/junit.xml", p.stdout)
        self.assertIn("ERROR errors\n      call failed: ", p.stdout)
        root = ET.parse(f"{self.dir}/out/junit.xml").getroot()
        self.assertEqual(root.tag, "testsuites")
        suite = root.find("testsuite")
        self.assertEqual(suite.get("name"), "suite")
        self.assertEqual((suite.get("tests"), suite.get("failures"), suite.get("errors"),
                          suite.get("skipped")), ("3", "1", "1", "0"))
        self.assertGreaterEqual(float(suite.get("time")), 0)
        cases = suite.findall("testcase")
        self.assertEqual([c.get("name") for c in cases],
                         ['ok <&> "quoted"', "fails", "errors"])
        self.assertEqual({c.get("classname") for c in cases}, {"suite"})
        self.assertIsNone(cases[0].find("failure"))
        self.assertIsNone(cases[0].find("error"))
        failure = cases[1].find("failure")
        self.assertEqual(failure.get("message"),
                         'expected label to equal "<refund & co>", got "other"; '
                         'expected label to have at most 3 characters, got 5')
        self.assertEqual(failure.text.splitlines(), [
            'expected label to equal "<refund & co>", got "other"',
            'expected label to have at most 3 characters, got 5'])
        error = cases[2].find("error")
        self.assertTrue(error.get("message").startswith("call failed: /label: "), error.attrib)
        self.assertIn("(2 attempts; trace: centaur show ", error.get("message"))
        props = {p.get("name"): p.get("value") for p in suite.find("properties")}
        self.assertEqual(props["task"], "intent")
        self.assertEqual(props["model"], "openai:gpt-4o-mini-2024-07-18")

    def test_repeat_reports_pass_hat_k(self):
        # attempts 1: the first sample of the faulted case gets an invalid
        # output and fails; the two later samples are served normally.
        self.write_task(attempts=1)
        self.write("suite.yaml", """task: task.yaml
threshold: 0.5
tests:
  - description: steady
    vars: {text: refund}
    assert: [{type: equals, path: label, value: refund}]
  - description: flaky
    vars: {text: "refund !fault:invalidx1"}
    assert: [{type: equals, path: label, value: refund}]
""")
        # One call at a time, so the fault lands on sample 1.
        p = self.centaur("test", "suite.yaml", "--repeat", "3", "--concurrency", "1",
                         check=False)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("suite suite: 2 cases x 3 samples", p.stdout)
        self.assertIn("PASS  steady (3/3)\n", p.stdout)
        self.assertIn("ERROR flaky (2/3)\n      sample 1: call failed: ", p.stdout)
        self.assertIn("passed 1 of 2 (50.0%), failed 0, errors 1; threshold 50.0%: met",
                      p.stdout)
        self.assertIn("pass^3 50.0%, pass@3 100.0%, samples passed 83.3%", p.stdout)
        # Distinct sample indexes are distinct cache keys: 6 calls.
        self.assertEqual(self.chat_calls(), 6)
        r = json.loads(self.centaur("test", "suite.yaml", "--repeat", "3", "--json").stdout)
        # The failed sample was never cached: only it is called again, and
        # passes now.
        self.assertEqual(self.chat_calls(), 7)
        self.assertEqual(r["repeat"], 3)
        self.assertEqual(r["cache_hits"], 5)
        self.assertEqual(r["calls"], 1)
        self.assertEqual([c["passes"] for c in r["cases"]], [3, 3])
        self.assertEqual([s["sample"] for s in r["cases"][0]["results"]], [0, 1, 2])
        # Sample 0 shares its cache entry with `centaur call`.
        before = self.chat_calls()
        call = json.loads(self.centaur("call", "task.yaml", "--input",
                                       '{"text": "refund"}', "--json").stdout)
        self.assertTrue(call["cache_hit"])
        self.assertEqual(self.chat_calls(), before)
        # JUnit of a repeated run counts samples in the message.
        self.write_task(attempts=1)
        self.write("suite.yaml", open(f"{self.dir}/suite.yaml").read().replace(
            "invalidx1", "invalidx1 again"))
        self.centaur("test", "suite.yaml", "--repeat", "3", "--junit", "j.xml", check=False)
        error = ET.parse(f"{self.dir}/j.xml").getroot().find("testsuite/testcase[2]/error")
        self.assertRegex(error.get("message"), r"^2/3 samples passed: sample [12]: call failed: ")

    def test_cost_ceilings(self):
        self.write("suite.yaml", """task: task.yaml
tests:
  - description: cheap enough
    vars: {text: refund}
    assert: [{type: cost, threshold: 0.01}]
  - description: too dear
    vars: {text: other}
    assert: [{type: cost, threshold: 0.0000001}]
""")
        r = json.loads(self.centaur("test", "suite.yaml", "--json", check=False).stdout)
        self.assertEqual([c["status"] for c in r["cases"]], ["pass", "fail"])
        self.assertRegex(r["cases"][1]["problems"][0],
                         r"^expected cost at most \$0\.0000001, got \$0\.0000\d+$")
        # Cached answers are priced by their tokens all the same.
        r = json.loads(self.centaur("test", "suite.yaml", "--json", check=False).stdout)
        self.assertEqual(r["cache_hits"], 2)
        self.assertEqual([c["status"] for c in r["cases"]], ["pass", "fail"])
        # A model without a price: the cost is unknown, and that fails.
        p = self.centaur("test", "suite.yaml", "--model", "openai:mystery-model", "--json",
                         check=False)
        self.assertEqual(p.returncode, 1)
        r = json.loads(p.stdout)
        self.assertEqual(r["model"], "openai:mystery-model")
        self.assertEqual(r["cases"][0]["problems"],
                         ["cost unknown: no price for openai:mystery-model"])


class LatencyTest(CliTest):
    fixture_args = ("--latency-ms", "300")

    def test_latency_ceilings(self):
        self.write_task()
        self.write("suite.yaml", """task: task.yaml
tests:
  - description: fast enough
    vars: {text: refund}
    assert: [{type: latency, threshold: 20000}]
  - description: too slow
    vars: {text: other}
    assert: [{type: latency, threshold: 100}]
""")
        r = json.loads(self.centaur("test", "suite.yaml", "--json", check=False).stdout)
        self.assertEqual([c["status"] for c in r["cases"]], ["pass", "fail"])
        self.assertRegex(r["cases"][1]["problems"][0],
                         r"^expected latency at most 100 ms, got \d+(\.\d)? ms$")
        self.assertGreaterEqual(r["cases"][1]["results"][0]["latency_ms"], 300)
        # From the cache the latency is not measured: the assertion says so.
        r = json.loads(self.centaur("test", "suite.yaml", "--json", check=False).stdout)
        self.assertEqual(r["cases"][0]["problems"], [
            "latency not measured: the output came from the cache (run with --no-cache to "
            "measure it)"])
        r = json.loads(self.centaur("test", "suite.yaml", "--json", "--no-cache",
                                    check=False).stdout)
        self.assertEqual([c["status"] for c in r["cases"]], ["pass", "fail"])

    def test_calls_run_concurrently_and_report_in_order(self):
        self.write_task()
        tests = "".join(f"""
  - description: case {i}
    vars: {{text: "refund number {i}"}}
    assert: [{{type: equals, path: label, value: refund}}]""" for i in range(8))
        self.write("suite.yaml", "task: task.yaml\ntests:" + tests + "\n")
        p = self.centaur("test", "suite.yaml", "--concurrency", "4")
        self.assertEqual([l for l in p.stdout.splitlines() if l.startswith("PASS")],
                         [f"PASS  case {i}" for i in range(8)])
        stats = self.fixture.stats()
        self.assertEqual(stats["chat_completions"], 8)
        self.assertGreaterEqual(stats["connections"], 2)  # several requests in flight


class ExampleSuiteTest(CliTest):
    def test_banking77_example_suite_runs(self):
        self.copy_example("task.yaml", "examples.jsonl", "suite.yaml")
        p = self.centaur("test", "suite.yaml", "--junit", "junit.xml", check=False)
        self.assertIn(p.returncode, (0, 1), p.stdout + p.stderr)
        self.assertIn("suite banking77 smoke", p.stdout)
        suite = ET.parse(f"{self.dir}/junit.xml").getroot().find("testsuite")
        self.assertGreaterEqual(int(suite.get("tests")), 4)


if __name__ == "__main__":
    unittest.main()
