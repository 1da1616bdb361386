"""`centaur ui`: the JSON API and the embedded front end over real HTTP, on a
store seeded by a real run against the fixture server."""
import subprocess
import unittest

from harness import BIN, CliTest
from ui_server import UiServer


class UiApiTest(CliTest):
    def setUp(self):
        super().setUp()
        self.write_task()
        rows = ["text,label", '"I want a refund, please",refund', "where is my card_arrival,card_arrival",
                "refund now,card_arrival", "nothing to see,"]
        rows += [f"message number {i} about other things,other" for i in range(20)]
        self.write("data.csv", "\n".join(rows) + "\n")
        self.centaur("data", "import", "data.csv", "--name", "tickets", "--label-column", "label",
                     "--test-fraction", "0")
        self.run_id = self.centaur_json("run", "task.yaml", "--data", "tickets")["run_id"]
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.stop()
        super().tearDown()

    def serve(self, *args, env=None):
        s = UiServer(self.dir, env or self.env, *args)
        self.servers.append(s)
        return s

    def test_api_and_front_end(self):
        s = self.serve()
        self.assertRegex(s.first_line, r"^serving the web UI at http://127\.0\.0\.1:\d+/ ")

        status, headers, runs = s.get("/api/runs")
        self.assertEqual(status, 200)
        self.assertEqual(headers["X-Centaur-Api"], "1")
        self.assertEqual([(r["run_id"], r["task"]) for r in runs], [(self.run_id, "intent")])
        self.assertEqual(runs[0]["items"], 24)

        status, _, run = s.get(f"/api/runs/{self.run_id}")
        self.assertEqual(run["target"]["labels"], ["refund", "card_arrival", "other"])

        status, _, page = s.get(f"/api/runs/{self.run_id}/results?offset=0&limit=10")
        self.assertEqual((status, page["total"], len(page["items"])), (200, 24, 10))
        first = page["items"][0]
        self.assertEqual(first["input"]["text"], "I want a refund, please")
        self.assertEqual(first["prediction"], "refund")
        self.assertIn("fixture thoughts", first["thoughts"])
        _, _, found = s.get(f"/api/runs/{self.run_id}/results?q=refund")
        self.assertEqual(sorted(i["input"]["text"] for i in found["items"]),
                         ["I want a refund, please", "refund now"])
        _, _, wrong = s.get(f"/api/runs/{self.run_id}/results?filter=wrong")
        self.assertIn("refund now", [i["input"]["text"] for i in wrong["items"]])
        _, _, unlabeled = s.get(f"/api/runs/{self.run_id}/results?filter=unlabeled")
        self.assertEqual([i["input"]["text"] for i in unlabeled["items"]], ["nothing to see"])

        item = first["item_id"]
        status, _, trace = s.get(f"/api/runs/{self.run_id}/items/{item}/trace")
        self.assertEqual(status, 200)
        messages = trace["attempts"][0]["messages"]
        self.assertEqual(messages[0], {"role": "system", "content": "Route the message to one intent."})
        self.assertEqual(messages[-1]["content"], "Message: I want a refund, please")
        self.assertFalse(trace["attempts"][0]["cache_hit"])

        # Annotate: label the unlabeled item, then undo it.
        target = unlabeled["items"][0]["item_id"]
        status, _, made = s.post("/api/annotations", {"run_id": self.run_id, "item_id": target,
                                                      "action": "label", "label": "other"})
        self.assertEqual(status, 201, made)
        self.assertEqual(made["gold"], "other")
        self.assertEqual(s.get(f"/api/runs/{self.run_id}/results?filter=unlabeled")[2]["total"], 0)
        # The store shows it to the command line too.
        rows = self.sql("SELECT item_id, action, label FROM annotations")
        self.assertEqual(rows, [(target, "label", '"other"')])
        status, _, undone = s.post("/api/annotations", {"run_id": self.run_id, "action": "undo"})
        self.assertEqual((status, undone["annotation"]["undoes"]), (201, made["annotation"]["id"]))

        status, _, rule = s.post("/api/protocol/intent/append", {"rule": "Fees are refunds."})
        self.assertEqual((status, rule["version"]), (201, 1))
        self.assertEqual(s.get("/api/protocol/intent")[2]["current"]["text"], "- Fees are refunds.\n")

        status, _, metrics = s.get(f"/api/runs/{self.run_id}/metrics")
        self.assertEqual(status, 200, metrics)
        self.assertEqual(metrics["labels"], ["refund", "card_arrival", "other"])
        self.assertEqual(sum(map(sum, metrics["confusion"])), 23)
        second = self.centaur_json("run", "task.yaml", "--data", "tickets")["run_id"]
        status, _, cmp = s.get(f"/api/compare?a={self.run_id}&b={second}")
        self.assertEqual((status, cmp["delta"]["accuracy"]["delta"]), (200, 0))
        status, _, hist = s.get("/api/metrics/history?task=intent")
        self.assertEqual((status, len(hist["versions"])), (200, 1))

        # The front end: embedded, no external origin anywhere.
        status, headers, html = s.get("/")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        self.assertIn('src="/assets/app.js"', html)
        self.assertIn("default-src 'self'", headers["Content-Security-Policy"])
        status, headers, js = s.get("/assets/app.js")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/javascript"))
        self.assertNotRegex(js, r"https?://(?!127\.0\.0\.1|localhost)[a-z0-9.-]+\.[a-z]{2,}/[a-z]")
        self.assertEqual(s.get("/nope.js")[0], 404)

        code, err = s.stop()
        self.assertEqual(code, 0, err)

    def test_errors(self):
        s = self.serve()
        cases = [
            ("GET", "/api/runs/999", None, 404, "no run 999"),
            ("GET", "/api/runs/x", None, 400,
             'run id must be an integer from 1 to 9223372036854775807, not "x"'),
            ("GET", f"/api/runs/{self.run_id}/items/nope/trace", None, 404,
             f'item "nope" has no result in run {self.run_id}'),
            ("GET", "/api/unknown", None, 404, "no API endpoint /api/unknown"),
            ("POST", "/api/annotations", b"{oops", 400, "request body is not valid JSON"),
            ("POST", "/api/annotations", b"[]", 400, "request body must be a JSON object"),
            ("POST", "/api/annotations", b'{"run_id": 999, "item_id": "a", "action": "skip"}',
             404, "no run 999"),
            ("GET", f"/api/runs/{self.run_id}/results?filter=nope", None, 400,
             'unknown result filter "nope" (expected wrong, unlabeled, disagreements, errors or '
             'invalid)'),
        ]
        for method, path, raw, status, error in cases:
            got, _, body = s.request(method, path, raw=raw)
            self.assertEqual((got, body), (status, {"error": error}), path)
        got, _, body = s.request("POST", "/api/annotations", raw=b"{}",
                                 headers={"Content-Type": "text/plain"})
        self.assertEqual((got, body["error"]), (415, "request body must be application/json"))

        # A fault inside (a corrupt row) is a 500 and a log line; the server lives on.
        item = s.get(f"/api/runs/{self.run_id}/results?limit=1")[2]["items"][0]["item_id"]
        self.sql_exec("UPDATE results SET output = '{broken' WHERE item_id = ?", item)
        got, _, body = s.get(f"/api/runs/{self.run_id}/items/{item}/trace")
        self.assertEqual((got, body), (500, {"error": "internal error (see the server's log)"}))
        self.assertEqual(s.get("/api/runs")[0], 200)
        code, err = s.stop()
        self.assertEqual(code, 0)
        self.assertIn(f"GET /api/runs/{self.run_id}/items/{item}/trace:", err)
        self.assertIn("results.output", err)

    def sql_exec(self, query, *params):
        import sqlite3
        con = sqlite3.connect(self.db)
        try:
            con.execute(query, params)
            con.commit()
        finally:
            con.close()

    def test_token(self):
        # Any address other than loopback needs a token.
        p = subprocess.run([BIN, "ui", "--host", "0.0.0.0", "--port", "0"], cwd=self.dir,
                           env=self.env, capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stderr,
                         "centaur: error: refusing to serve on 0.0.0.0 without a token: anyone who "
                         "can reach it could read and change the store; pass --token TOKEN or set "
                         "CENTAUR_TOKEN\n")
        env = dict(self.env, CENTAUR_TOKEN="tok-123")
        s = self.serve("--host", "0.0.0.0", env=env)
        self.assertIn("API calls need the token", s.proc.stdout.readline())
        self.assertNotIn("tok-123", s.first_line)
        need = ("this server needs its token: send \"Authorization: Bearer TOKEN\" or add "
                "?token=TOKEN")
        status, _, body = s.get("/api/runs")
        self.assertEqual((status, body), (401, {"error": need}))
        self.assertEqual(s.get("/api/runs?token=wrong")[0], 401)
        self.assertEqual(s.get("/api/runs", headers={"Authorization": "Bearer nope"})[0], 401)
        self.assertEqual(s.get("/api/runs?token=tok-123")[0], 200)
        self.assertEqual(s.get("/api/runs", headers={"Authorization": "Bearer tok-123"})[0], 200)
        self.assertEqual(s.post("/api/annotations", {"run_id": self.run_id, "action": "undo"})[0],
                         401)
        # The page itself is public; only its API calls carry the token.
        self.assertEqual(s.get("/")[0], 200)
        # --token on loopback is checked as well.
        t = self.serve("--token", "abc")
        self.assertEqual(t.get("/api/runs")[0], 401)
        self.assertEqual(t.get("/api/runs?token=abc")[0], 200)

    def test_port_in_use(self):
        s = self.serve()
        port = s.url.rsplit(":", 1)[1].strip("/")
        p = subprocess.run([BIN, "ui", "--port", port], cwd=self.dir, env=self.env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr, f"centaur: error: cannot listen on 127.0.0.1:{port} (in use, "
                                   "or not an address of this machine)\n")


if __name__ == "__main__":
    unittest.main()
