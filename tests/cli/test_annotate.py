"""centaur annotate driven over a pipe (one command per line), and the
annotation protocol: edit in $EDITOR, append, log, show."""
import json
import os
import pty
import re
import select
import stat
import subprocess
import termios
import time
import unittest

from harness import BIN, CliTest

# The fixture answers with the label a message names; "!fault:invalid" makes
# the first answer fail the schema (re-asked), "invalidx3" every answer.
DATA = """id,text,label
i1,I want a refund,
i2,where is my card_arrival,
i3,something other,other
i4,refund please !fault:invalid,
i5,card_arrival late !fault:invalidx3,
i6,other stuff,refund
"""


class AnnotateTest(CliTest):
    def setUp(self):
        super().setUp()
        self.write_task()
        self.write("data.csv", DATA)
        self.centaur("data", "import", "data.csv", "--name", "t", "--id-column", "id",
                     "--label-column", "label", "--test-fraction", "0")
        self.run_id = str(self.centaur_json("run", "task.yaml", "--data", "t")["run_id"])

    def annotate(self, *commands, args=(), annotator="alice", env=None, check=True):
        p = subprocess.run([BIN, "annotate", self.run_id, "--annotator", annotator, *args],
                           cwd=self.dir, env=env or self.env, capture_output=True, text=True,
                           input="".join(c + "\n" for c in commands), timeout=120)
        if check and p.returncode != 0:
            self.fail(f"annotate exited {p.returncode}\n{p.stdout}\n{p.stderr}")
        return p.stdout

    def shown(self, out):
        """The item ids in the order the session showed them."""
        return re.findall(r"^\[\d+/\d+\] item (\S+)$", out, re.M)

    def current(self):
        rows = self.centaur("label", "export", "--format", "jsonl").stdout.splitlines()
        return {(r["id"], r["annotator"]): r["label"] for r in map(json.loads, rows)}

    def editor(self, name, body):
        path = self.write(name, "#!/bin/sh\n" + body)
        os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)
        return dict(self.env, EDITOR=path)

    def test_decisions_are_saved_at_once_and_a_rerun_skips_labeled_items(self):
        out = self.annotate("a", "3", "=card", "n looks like a refund", "s", "u", "Refund", "q")
        self.assertIn("annotate run " + self.run_id, out)
        self.assertIn("6 items as alice", out)
        self.assertIn("classes: 1 refund · 2 card_arrival · 3 other", out)
        self.assertIn("input:\n  text: I want a refund\n", out)
        self.assertIn("thoughts: fixture thoughts: Message: I want a refund", out)
        self.assertIn("output: refund\n", out)
        self.assertIn("  accepted refund\n", out)
        self.assertIn("  labeled other\n", out)
        self.assertIn("  labeled card_arrival\n", out)  # =card: the one class it prefixes
        self.assertIn("  noted (p adds it to the protocol)\n", out)
        self.assertIn("  skipped\n", out)
        self.assertIn("  undone: skipped on item i4\n", out)
        self.assertIn("  labeled refund\n", out)  # a typed name, any case
        # i3 had an imported gold; undo went back to i4.
        self.assertIn("gold: other (imported)", out)
        self.assertEqual(self.shown(out), ["i1", "i2", "i3", "i4", "i5", "i4", "i5"])
        self.assertIn("4 labeled, 0 skipped, 1 note; 2 of 6 items left", out)
        self.assertEqual(self.current(), {("i1", "alice"): "refund", ("i2", "alice"): "other",
                                          ("i3", "alice"): "card_arrival",
                                          ("i4", "alice"): "refund"})
        actions = self.sql("SELECT item_id, action, undoes IS NOT NULL, run_id FROM annotations "
                           "ORDER BY id")
        self.assertEqual([a[:2] for a in actions],
                         [("i1", "accept"), ("i2", "label"), ("i3", "label"), ("i4", "note"),
                          ("i4", "skip"), ("i4", "undo"), ("i4", "label")])
        self.assertEqual({a[3] for a in actions}, {int(self.run_id)})

        # Annotated labels are the gold now, for show and for results.
        show = self.centaur("show", self.run_id).stdout
        self.assertRegex(show, r"i3\s+ok\s+card_arrival")

        # Only items without any gold: i5 (i6 has an imported one).
        out = self.annotate("q", args=("--only", "unlabeled"))
        self.assertEqual(self.shown(out), ["i5"])
        self.assertIn("1 item as alice (only unlabeled)", out)
        # The labels of everyone show up, the annotator's own marked.
        self.assertIn("labels: alice=refund (you)\n", self.annotate("q"))
        out = self.annotate("s", "s", "s", "q", annotator="bob")
        self.assertIn("[4/6] item i4\n", out)
        self.assertIn("gold: refund (alice)\nlabels: alice=refund\n"
                      "note: alice: looks like a refund\n", out)

    def test_single_keys_on_a_terminal(self):
        master, slave = pty.openpty()
        before = termios.tcgetattr(slave)
        p = subprocess.Popen([BIN, "annotate", self.run_id, "--annotator", "kim"], cwd=self.dir,
                             env=self.env, stdin=slave, stdout=slave, stderr=slave)
        out = b""

        def read_until(marker, timeout=60):
            nonlocal out
            deadline = time.time() + timeout
            while marker not in out and time.time() < deadline:
                if select.select([master], [], [], 0.1)[0]:
                    try:
                        out += os.read(master, 65536)
                    except OSError:
                        break
            self.assertIn(marker, out)

        read_until(b"> ")
        # Accept, a class by number, an arrow key (ignored), a name typed with
        # a correction, a note, a name cancelled with Esc, skip, quit.
        os.write(master, b"a3\x1b[Acx\x7far\rnodd one\r=zz\x1b")
        time.sleep(0.5)  # so that the Esc is not read as Alt+s
        os.write(master, b"sq")
        read_until(b"items left")
        self.assertEqual(p.wait(timeout=60), 0)
        self.assertEqual(termios.tcgetattr(slave), before)  # the terminal is restored
        os.close(slave)
        os.close(master)
        text = out.decode()
        self.assertIn("accepted refund", text)
        self.assertIn("labeled other", text)
        self.assertIn("labeled card_arrival", text)
        self.assertIn("noted (p adds it to the protocol)", text)
        self.assertIn("skipped", text)
        self.assertEqual(self.sql("SELECT item_id, action, coalesce(label, note) FROM annotations "
                                  "ORDER BY id"),
                         [("i1", "accept", '"refund"'), ("i2", "label", '"other"'),
                          ("i3", "label", '"card_arrival"'), ("i4", "note", "odd one"),
                          ("i4", "skip", "")])

    def test_refused_commands_write_nothing(self):
        out = self.annotate("9", "=zz", "=r", "n", "", "s", "s", "s", "a", "e", "q",
                            env=dict(self.env, EDITOR="false"))
        self.assertIn("  error: no class 9 (classes 1-3)\n", out)
        self.assertIn('  error: no class matches "zz" (classes: refund, card_arrival, other)\n',
                      out)
        # "r" prefixes only refund; "a" would be ambiguous but is the accept key.
        self.assertIn("  labeled refund\n", out)
        self.assertIn("  error: an empty note is not saved\n", out)
        # i5 failed: nothing to accept.
        self.assertIn("output: failed: ", out)
        self.assertIn("  error: nothing to accept: the model gave no valid output (pick a class, "
                      "or e to edit)\n", out)
        self.assertIn('  error: editor "false" exited with status 1; nothing saved\n', out)
        self.assertEqual(self.sql("SELECT count(*) FROM annotations WHERE action = 'label'"),
                         [(1,)])
        out = self.annotate("=ar", "q")
        self.assertIn("  labeled card_arrival\n", out)  # "ar" is inside card_arrival only

    def test_ambiguous_name_lists_candidates(self):
        self.write_task(labels=("card_arrival", "card_linking", "other"))
        run = self.centaur_json("run", "task.yaml", "--data", "t")["run_id"]
        self.run_id = str(run)
        out = self.annotate("card", "=card l", "q")
        self.assertIn('  error: "card" matches several classes: card_arrival, card_linking\n', out)
        self.assertIn("  labeled card_linking\n", out)

    def test_edit_in_editor_is_validated_against_the_output_schema(self):
        good = self.editor("good.sh", 'printf \'{"thoughts": "t", "label": "other"}\' > "$1"\n')
        out = self.annotate("e", "q", env=good)
        self.assertIn("  labeled other (edited)\n", out)
        bad = self.editor("bad.sh", 'printf \'{"thoughts": "t", "label": "nope"}\' > "$1"\n')
        out = self.annotate("e", "q", env=bad)
        self.assertIn("  error: the edited output does not match the output schema; nothing "
                      "saved:\n  /label: ", out)
        junk = self.editor("junk.sh", 'printf \'{"label": \' > "$1"\n')
        out = self.annotate("e", "q", env=junk)
        self.assertIn("  error: the edited output is not valid JSON; nothing saved\n", out)
        self.assertEqual(self.current(), {("i1", "alice"): "other"})

    def test_only_wrong_and_uncertain_order(self):
        out = self.annotate("q", args=("--only", "wrong"))
        # i5 failed; i6 answered other against the gold refund.
        self.assertEqual(self.shown(out), ["i5"])
        self.assertIn("2 items as alice (only wrong)", out)
        self.assertIn("output: other ✗", self.annotate("s", "q", args=("--only", "wrong")))
        out = self.annotate("q", args=("--order", "uncertain"))
        self.assertIn("(uncertain first)", out)
        out = self.annotate(*["s"] * 6, "q", args=("--order", "uncertain"))
        # Failed and re-asked, then re-asked, then wrong, then the rest in order.
        self.assertEqual(self.shown(out), ["i5", "i4", "i6", "i1", "i2", "i3"])

    def test_disagreements_and_bad_arguments(self):
        self.annotate("=refund", "=refund", annotator="alice")
        self.annotate("=refund", "=other", annotator="bob")
        out = self.annotate("q", args=("--only", "disagreements"), annotator="carol")
        self.assertEqual(self.shown(out), ["i2"])
        self.assertIn("labels: alice=refund · bob=other", out)
        self.assertIn("gold: other (bob)", out)
        p = self.centaur("annotate", "99", "--annotator", "a", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("no run 99", p.stderr)
        p = self.centaur("annotate", self.run_id, "--annotator", "a", "--only", "right",
                         check=False)
        self.assertEqual(p.returncode, 2)
        env = {k: v for k, v in self.env.items() if k != "USER"}
        p = subprocess.run([BIN, "annotate", self.run_id], cwd=self.dir, env=env,
                           capture_output=True, text=True, input="q\n")
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stderr, "centaur: error: no annotator: pass --annotator NAME (or set "
                                   "$USER)\n")
        out = self.annotate("q", annotator="", env=dict(self.env, USER="dora"))
        self.assertIn("6 items as dora", out)

    def test_protocol_edit_append_log_show_and_notes_from_annotate(self):
        p = self.centaur("protocol", "show", "intent", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stderr, 'centaur: error: no protocol for task "intent" yet (centaur '
                                   'protocol edit intent writes one)\n')
        env = self.editor("ed.sh", "printf '%s\\n' '- refunds beat card questions' >> \"$1\"\n")
        p = subprocess.run([BIN, "protocol", "edit", "task.yaml", "--author", "ann"], cwd=self.dir,
                           env=env, capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, 'protocol "intent": version 1 saved (+3 -0 lines)\n')
        self.assertEqual(self.centaur("protocol", "show", "intent").stdout,
                         "# intent: annotation protocol\n\n- refunds beat card questions\n")
        p = subprocess.run([BIN, "protocol", "edit", "intent"], cwd=self.dir,
                           env=dict(self.env, EDITOR="true"), capture_output=True, text=True)
        self.assertEqual(p.stdout, "no change\n")
        p = subprocess.run([BIN, "protocol", "edit", "intent"], cwd=self.dir,
                           env=dict(self.env, EDITOR="false"), capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr,
                         'centaur: error: editor "false" exited with status 1; nothing saved\n')

        self.assertEqual(self.centaur("protocol", "append", "intent", "late cards are "
                                      "card_arrival", "--author", "bob").stdout,
                         'protocol "intent": version 2 saved (+1 line)\n')
        # Annotations record the version in force; p adds the last note as v3.
        out = self.annotate("n unclear", "p", "a", "q")
        self.assertIn("protocol: v2\n", out)
        self.assertIn("  protocol intent v3: added the note\n", out)
        self.assertEqual(self.sql("SELECT action, protocol_version FROM annotations ORDER BY id"),
                         [("note", 2), ("accept", 3)])
        self.assertEqual(self.centaur("protocol", "show", "intent", "--version", "2").stdout,
                         "# intent: annotation protocol\n\n- refunds beat card questions\n"
                         "- late cards are card_arrival\n")
        self.assertTrue(self.centaur("protocol", "show", "intent").stdout.endswith(
            "- late cards are card_arrival\n- unclear\n"))
        log = self.centaur("protocol", "log", "intent").stdout.splitlines()
        self.assertEqual(len(log), 4)
        self.assertRegex(log[0], r"^VERSION\s+DATE\s+AUTHOR\s+CHANGE\s+FIRST LINE$")
        self.assertRegex(log[1], r"^v3\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+alice\s+\+1 -0\s+# intent: "
                                 r"annotation protocol$")
        self.assertRegex(log[2], r"^v2\s+.*\s+bob\s+\+1 -0\s+# intent")
        self.assertRegex(log[3], r"^v1\s+.*\s+ann\s+\+3 -0\s+# intent")
        p = self.centaur("protocol", "show", "intent", "--version", "7", check=False)
        self.assertEqual(p.stderr, 'centaur: error: task "intent" has no protocol version 7 '
                                   '(latest: 3)\n')


if __name__ == "__main__":
    unittest.main()
