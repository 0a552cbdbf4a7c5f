"""A real Node-RED (the pinned devDependency) in a temporary user directory, for the tests
and the bench: install the node package offline, start headless on a loopback port,
deploy flows through the admin API, post to its HTTP endpoints, stop by PID.

Offline install: the user directory gets ``@tensorflow/tfjs`` (and optionally
``@tensorflow/tfjs-backend-wasm``) through ``npm ci --offline``
from a lock cut out of this repository's package-lock.json (npm's cache holds those exact
tarballs and their registry answers since the repository's own ``npm ci``), then the packed
node package (its small dependencies bundled, see buildlib/serve/node_red.py) with
``npm install --offline``: npm's offline mode answers from its cache only and fails
(ENOTCACHED) rather than going out.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from buildlib import config
from buildlib.serve import node_red

RED_JS = config.NODE_MODULES / "node-red" / "red.js"
SETTINGS = """module.exports = {
    uiHost: '127.0.0.1',
    uiPort: %(port)d,
    flowFile: 'flows.json',
    credentialSecret: false,
    httpNodeCors: false,
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: false, ui: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    editorTheme: { tours: false, palette: { catalogues: [] }, projects: { enabled: false } },
    logging: { console: { level: 'info', metrics: false, audit: false } },
};
"""


def _npm(args: list[str], cwd: Path) -> None:
    env = dict(os.environ, npm_config_update_notifier="false")
    proc = subprocess.run([shutil.which("npm"), *args, "--offline", "--no-audit", "--no-fund",
                           "--ignore-scripts"], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)
    if proc.returncode:
        raise RuntimeError(f"npm {' '.join(args)} failed in {cwd}:\n{proc.stdout}\n{proc.stderr}")


def install_user_dir(user_dir: Path, work: Path, wasm: bool = False) -> Path:
    """tfjs (``wasm``: and its optional wasm backend) and the node package in ``user_dir``,
    offline; returns the tarball installed."""
    user_dir.mkdir(parents=True, exist_ok=True)
    wanted = ("@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm") if wasm else (
        "@tensorflow/tfjs",)
    manifest, lock = node_red.user_dir_lock(wanted)
    (user_dir / "package.json").write_text(json.dumps(manifest, indent=1) + "\n")
    (user_dir / "package-lock.json").write_text(json.dumps(lock, indent=1) + "\n")
    _npm(["ci"], user_dir)
    tarball = node_red.pack(work)
    # the peer (tfjs) is already installed above; --legacy-peer-deps keeps npm from asking
    # the registry about it again
    _npm(["install", "--legacy-peer-deps", str(tarball)], user_dir)
    return tarball


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NodeRed:
    """One Node-RED process; use as a context manager (it is stopped by its PID)."""

    def __init__(self, user_dir: Path) -> None:
        self.user_dir = user_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = user_dir / "node-red.log"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> NodeRed:
        return self.start()

    def restart(self) -> None:
        """Stop, then start again on the same port and user directory (the deployed flows
        are in flows.json and start again)."""
        self.stop()
        self.start()
        deadline = time.monotonic() + 120
        while "Started flows" not in self.log():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the flows did not start in 120 s:\n{self.log()}")
            time.sleep(0.1)

    def start(self) -> NodeRed:
        (self.user_dir / "settings.js").write_text(SETTINGS % {"port": self.port})
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [shutil.which("node"), str(RED_JS), "--userDir", str(self.user_dir),
             "--settings", str(self.user_dir / "settings.js"), "--port", str(self.port)],
            cwd=self.user_dir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 120
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Node-RED exited ({self.proc.returncode}):\n{self.log()}")
            try:
                self.request("GET", "/settings", timeout=2)
                return self
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"Node-RED did not answer in 120 s:\n{self.log()}"
                                       ) from None
                time.sleep(0.2)

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """SIGTERM to the PID, SIGKILL after 15 s; also its process group (none expected)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None, headers: dict | None = None,
                timeout: float = 300) -> tuple[int, bytes, dict]:
        """(status, body, headers); HTTP errors are returned, not raised."""
        req = urllib.request.Request(self.url + path, data=body, method=method,
                                     headers=dict(headers or {}))
        if content_type:
            req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, resp.read(), dict(resp.headers)
        except urllib.error.HTTPError as err:
            return err.code, err.read(), dict(err.headers)

    def deploy(self, flows: list[dict]) -> None:
        """POST /flows (full deployment), then wait until Node-RED has started them (its log
        says "Started flows" once more: only then are the http-in routes served)."""
        started = self.log().count("Started flows")
        status, body, _ = self.request("POST", "/flows", json.dumps(flows).encode(),
                                       "application/json",
                                       {"Node-RED-Deployment-Type": "full"}, timeout=60)
        if status not in (200, 204):
            raise RuntimeError(f"POST /flows answered {status}: {body[:500]!r}")
        deadline = time.monotonic() + 120
        while self.log().count("Started flows") <= started:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the flows did not start in 120 s:\n{self.log()}")
            time.sleep(0.1)

    def post_json(self, path: str, value: object) -> tuple[int, object]:
        status, body, _ = self.request("POST", path, json.dumps(value).encode(),
                                       "application/json")
        return status, json.loads(body)

    def post_bytes(self, path: str, data: bytes, content_type: str) -> tuple[int, object]:
        status, body, _ = self.request("POST", path, data, content_type)
        return status, json.loads(body)


def predict_flow(models: dict[str, Path | str], tab: str = "pytfjs",
                 with_meta: bool = False, backend: str = "",
                 embeddings: dict[str, Path] | None = None) -> list[dict]:
    """A tab with, per model name: http in (POST /predict/<name>) -> pytfjs predict -> http
    response, and a catch node on the predict nodes that answers errors with HTTP 400
    {"error": message}. ``with_meta``: answer {"result": payload, "pytfjs": msg.pytfjs}
    (timing, tensors alive) through a change node instead of the bare payload. ``backend``:
    the model nodes' TF.js backend ('' leaves the process's). ``embeddings``: per model name,
    the embedding model folder of a webcam project."""
    flows: list[dict] = [{"id": "tab1", "type": "tab", "label": tab}]
    y = 60
    predict_ids = []
    for i, (name, path) in enumerate(models.items()):
        model, http_in, predict, response = (f"{kind}{i}" for kind in ("model", "in", "predict",
                                                                       "out"))
        predict_ids.append(predict)
        flows += [
            {"id": model, "type": "pytfjs-model", "name": name, "path": str(path),
             "backend": backend, "embedding": str((embeddings or {}).get(name, ""))},
            {"id": http_in, "type": "http in", "z": "tab1", "name": f"POST /predict/{name}",
             "url": f"/predict/{name}", "method": "post", "upload": False, "x": 140, "y": y,
             "wires": [[predict]]},
            {"id": predict, "type": "pytfjs-predict", "z": "tab1", "name": name, "model": model,
             "property": "payload", "x": 380, "y": y,
             "wires": [[f"meta{i}" if with_meta else response]]},
            {"id": response, "type": "http response", "z": "tab1", "name": "", "statusCode": "",
             "headers": {}, "x": 600, "y": y, "wires": []},
        ]
        if with_meta:
            flows.append({"id": f"meta{i}", "type": "change", "z": "tab1", "name": "with timing",
                          "rules": [{"t": "set", "p": "payload", "pt": "msg", "tot": "jsonata",
                                     "to": '{"result": payload, "pytfjs": pytfjs}'}],
                          "x": 500, "y": y + 30, "wires": [[response]]})
        y += 60
    flows += [
        {"id": "catch", "type": "catch", "z": "tab1", "name": "bad input", "scope": predict_ids,
         "uncaught": False, "x": 130, "y": y + 20, "wires": [["answer"]]},
        {"id": "answer", "type": "change", "z": "tab1", "name": "400 {error}",
         "rules": [{"t": "set", "p": "statusCode", "pt": "msg", "to": "400", "tot": "num"},
                   {"t": "set", "p": "payload", "pt": "msg", "to": '{"error": error.message}',
                    "tot": "jsonata"}],
         "x": 370, "y": y + 20, "wires": [["errout"]]},
        {"id": "errout", "type": "http response", "z": "tab1", "name": "", "statusCode": "",
         "headers": {}, "x": 600, "y": y + 20, "wires": []},
    ]
    return flows


EXAMPLE_FLOW = node_red.PACKAGE / "examples" / "classify-pictures-and-csv-rows.json"


def example_flow(rpsls: Path, csv_model: Path, picture: Path) -> list[dict]:
    """The package's example flow with its /home/pi/... paths replaced by these."""
    flow = json.loads(EXAMPLE_FLOW.read_text())
    paths = {"rpsls-model": str(rpsls), "csv-model": str(csv_model)}
    for node in flow:
        if node["id"] in paths:
            node["path"] = paths[node["id"]]
        if node["type"] == "file in":
            node["filename"] = str(picture)
    return flow
