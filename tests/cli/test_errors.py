"""Bad input gets a clear error with file:line:col, and nothing half-written."""
import unittest

from harness import CliTest


class ErrorsTest(CliTest):
    def test_malformed_csv_imports_nothing(self):
        self.write("bad.csv", 'text,label\n"ok",a\n"fine",b\n"unterminated,c\n')
        p = self.centaur("data", "import", "bad.csv", "--name", "bad", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stderr, "centaur: error: bad.csv:4:1: unterminated quoted field\n")
        self.assertEqual(self.sql("SELECT COUNT(*) FROM datasets")[0][0], 0)
        self.assertEqual(self.sql("SELECT COUNT(*) FROM items")[0][0], 0)

    def test_wrong_field_count(self):
        self.write("bad.csv", "text,label\na,b\nc,d,e\n")
        p = self.centaur("data", "import", "bad.csv", "--name", "bad", check=False)
        self.assertEqual(p.stderr,
                         "centaur: error: bad.csv:3: row has 3 fields, the header has 2\n")

    def test_invalid_utf8(self):
        path = f"{self.dir}/bad.csv"
        with open(path, "wb") as f:
            f.write(b"text,label\nok,a\nbad \xff byte,b\n")
        p = self.centaur("data", "import", "bad.csv", "--name", "bad", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("bad.csv:3:", p.stderr)
        self.assertIn("invalid UTF-8", p.stderr)

    def test_missing_label_column(self):
        self.write("d.csv", "text,category\na,b\n")
        p = self.centaur("data", "import", "d.csv", "--name", "d", "--label-column", "label",
                         check=False)
        self.assertEqual(p.stderr, 'centaur: error: d.csv:2: --label-column "label" is not a '
                                   'column (columns: category, text)\n')

    def test_duplicate_dataset_name(self):
        self.write("d.csv", "text\na\n")
        self.centaur("data", "import", "d.csv", "--name", "d")
        p = self.centaur("data", "import", "d.csv", "--name", "d", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn('"d"', p.stderr)
        self.assertEqual(self.sql("SELECT COUNT(*) FROM items")[0][0], 1)

    def test_task_file_errors(self):
        self.write_task()
        with open(f"{self.dir}/task.yaml") as f:
            good = f.read()
        self.write("t1.yaml", good.replace("prompt:", "promt:"))
        p = self.centaur("call", "t1.yaml", "--input", "{}", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn('t1.yaml:6:1: unknown key "promt" (did you mean "prompt"?)', p.stderr)
        self.write("t2.yaml", good.replace("{{text}}", "{{txt}}"))
        p = self.centaur("call", "t2.yaml", "--input", "{}", check=False)
        self.assertIn('template variable "txt" is not declared in inputs (declared: text)',
                      p.stderr)
        self.assertIn("t2.yaml:8:", p.stderr)
        self.write("t3.yaml", good.replace("target: label", "target: lable"))
        p = self.centaur("call", "t3.yaml", "--input", "{}", check=False)
        self.assertIn('target "lable" is not a property of output (properties: thoughts, label)',
                      p.stderr)

    def test_unknown_run_and_dataset(self):
        p = self.centaur("show", "42", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("42", p.stderr)
        self.write_task()
        p = self.centaur("run", "task.yaml", "--data", "nope", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn('no dataset named "nope"', p.stderr)

    def test_bad_input_json(self):
        self.write_task()
        p = self.centaur("call", "task.yaml", "--input", "{text: 1", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--input is not valid JSON", p.stderr)


if __name__ == "__main__":
    unittest.main()
