"""Stage 4 of the iris example: an HTTP prediction service for the model train.py wrote.

  GET  /healthz   200 {"status": "ok"} once the model is loaded; 503 {"status": "loading", ...} before
  GET  /livez     200 while the process runs (a liveness probe that does not wait for the model)
  POST /predict   {"instances": [[5.1, 3.5, 1.4, 0.2], ...]}
                  -> {"predictions": [0, ...], "classes": ["setosa", ...]}  (class index and name per instance)
  GET  /          what this service is and its model's metadata

The model is loaded in the background: the service starts listening at once and waits, polling,
until DATA_DIR/model/model.joblib and model.json exist (an orchestrator may start it before training
has finished). It writes nothing. SIGTERM or SIGINT stops it within a second, exit status 0.

Environment: DATA_DIR (default /data), PORT (default 8080), HOST (default 0.0.0.0),
MODEL_POLL_SECONDS (default 1).
"""
import hashlib
import json
import math
import os
import signal
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from common import env_number, model_dir, setup_logging

MAX_BODY = 1 << 20
MAX_INSTANCES = 10_000
log = setup_logging("serve")


class Model:
    """The loaded model, or why there is none yet; shared by the request threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pipeline = None
        self.meta = None
        self.waiting_for = "model"

    def ready(self):
        with self.lock:
            return self.pipeline is not None

    def snapshot(self):
        with self.lock:
            return self.pipeline, self.meta, self.waiting_for

    def load_when_present(self, stop, poll):
        """Polls for model.json and model.joblib, loads them, checks the sha256; until stop is set."""
        import joblib

        joblib_path, meta_path = model_dir() / "model.joblib", model_dir() / "model.json"
        last_problem, last_log = None, 0.0
        while not stop.is_set():
            try:
                if not (meta_path.is_file() and joblib_path.is_file()):
                    raise FileNotFoundError(f"waiting for {joblib_path} and {meta_path} (run train.py)")
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
                blob = joblib_path.read_bytes()
                if meta.get("sha256") and hashlib.sha256(blob).hexdigest() != meta["sha256"]:
                    raise ValueError(f"{joblib_path} does not match the sha256 in {meta_path} (being rewritten?)")
                pipeline = joblib.load(joblib_path)
                with self.lock:
                    self.pipeline, self.meta = pipeline, meta
                log.info("model loaded: %s, classes %s, sha256 %s", meta.get("model"), meta.get("class_names"),
                         str(meta.get("sha256"))[:12])
                return
            except Exception as e:  # noqa: BLE001 - any problem is "not ready yet", reported and retried
                problem = str(e)
                with self.lock:
                    self.waiting_for = problem
                now = time.monotonic()
                if problem != last_problem or now - last_log > 30:
                    log.warning("model not ready: %s", problem)
                    last_problem, last_log = problem, now
            stop.wait(poll)


def parse_instances(body, n_features):
    """The "instances" of a /predict body as a list of float rows, or a ValueError saying what is wrong."""
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"body is not JSON: {e}")
    instances = doc.get("instances") if isinstance(doc, dict) else None
    if not isinstance(instances, list) or not instances:
        raise ValueError('expected {"instances": [[f1, f2, f3, f4], ...]} with at least one instance')
    if len(instances) > MAX_INSTANCES:
        raise ValueError(f"at most {MAX_INSTANCES} instances per request")
    rows = []
    for i, row in enumerate(instances):
        if not isinstance(row, list) or len(row) != n_features:
            raise ValueError(f"instances[{i}] must be a list of {n_features} numbers")
        for j, v in enumerate(row):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValueError(f"instances[{i}][{j}] is not a finite number")
        rows.append([float(v) for v in row])
    return rows


def make_handler(model):
    class Handler(BaseHTTPRequestHandler):
        server_version = "iris-serve/1"

        def send_json(self, status, doc, allow=None):
            body = (json.dumps(doc) + "\n").encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if allow:
                self.send_header("Allow", allow)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            self._status, self._sent = status, len(body)

        def handle_one_request(self):
            self._started, self._status, self._sent = time.monotonic(), None, 0
            super().handle_one_request()
            if self._status is not None:
                log.info('%s "%s %s" %d %d %.1fms', self.client_address[0], self.command, self.path, self._status,
                         self._sent, (time.monotonic() - self._started) * 1000)

        # The standard library's own request and error lines are replaced by the one above.
        def log_request(self, code="-", size="-"):
            pass

        def log_error(self, format, *args):  # noqa: A002 - the base class's signature
            log.warning("%s %s", self.client_address[0], format % args)

        def do_GET(self):
            if self.path == "/healthz":
                pipeline, _, waiting_for = model.snapshot()
                if pipeline is not None:
                    self.send_json(HTTPStatus.OK, {"status": "ok"})
                else:
                    self.send_json(HTTPStatus.SERVICE_UNAVAILABLE, {"status": "loading", "detail": waiting_for})
            elif self.path == "/livez":
                self.send_json(HTTPStatus.OK, {"status": "alive"})
            elif self.path == "/":
                _, meta, _ = model.snapshot()
                self.send_json(HTTPStatus.OK, {"service": "iris", "endpoints": ["GET /healthz", "GET /livez", "POST /predict"],
                                               "model": meta})
            elif self.path == "/predict":
                self.send_json(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "use POST"}, allow="POST")
            else:
                self.send_json(HTTPStatus.NOT_FOUND, {"error": f"no such path: {self.path}"})

        do_HEAD = do_GET

        def do_POST(self):
            if self.path in ("/healthz", "/livez", "/"):
                return self.send_json(HTTPStatus.METHOD_NOT_ALLOWED, {"error": f"use GET {self.path}"}, allow="GET, HEAD")
            if self.path != "/predict":
                return self.send_json(HTTPStatus.NOT_FOUND, {"error": f"no such path: {self.path}"})
            length = self.headers.get("Content-Length")
            if length is None or not length.isdigit():
                return self.send_json(HTTPStatus.LENGTH_REQUIRED, {"error": "Content-Length is required"})
            if int(length) > MAX_BODY:
                return self.send_json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": f"body over {MAX_BODY} bytes"})
            body = self.rfile.read(int(length))
            pipeline, meta, waiting_for = model.snapshot()
            if pipeline is None:
                return self.send_json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "model not loaded yet", "detail": waiting_for})
            try:
                rows = parse_instances(body, len(meta["feature_names"]))
            except ValueError as e:
                return self.send_json(HTTPStatus.BAD_REQUEST, {"error": str(e)})
            import numpy as np

            predictions = [int(p) for p in pipeline.predict(np.asarray(rows, dtype=float))]
            names = meta["class_names"]
            self.send_json(HTTPStatus.OK, {"predictions": predictions, "classes": [names[p] for p in predictions]})

    return Handler


def main():
    port = env_number("PORT", 8080, int, 1, 65535)
    poll = env_number("MODEL_POLL_SECONDS", 1.0, float, 0.05)
    host = os.environ.get("HOST") or "0.0.0.0"
    model = Model()
    stop = threading.Event()

    ThreadingHTTPServer.daemon_threads = True  # in-flight requests do not hold up the exit
    ThreadingHTTPServer.allow_reuse_address = True
    try:
        server = ThreadingHTTPServer((host, port), make_handler(model))
    except OSError as e:
        log.error("cannot listen on %s:%d: %s", host, port, e)
        return 1

    def on_signal(signum, _frame):
        log.info("%s received: shutting down", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    threading.Thread(target=model.load_when_present, args=(stop, poll), name="model-loader", daemon=True).start()
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="http", daemon=True)
    serving.start()
    log.info("listening on %s:%d (model from %s)", host, port, model_dir())
    while not stop.wait(0.5):
        if not serving.is_alive():
            log.error("the HTTP server thread died")
            return 1
    server.shutdown()
    server.server_close()
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
