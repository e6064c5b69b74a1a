"""Start the real action server and Rasa server on free loopback ports, as `make run` does, for the
tests and for `make evaluate`. Runs in the action-server environment; Rasa runs from its own
environment as a subprocess."""
from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Dict

import httpx

ROOT = Path(__file__).resolve().parent.parent
RASA_BIN = ROOT / ".venv" / "rasa" / "bin"
ACTION_PYTHON = ROOT / ".venv" / "actions" / "bin" / "python"
MODEL = ROOT / "models" / "caregiver.tar.gz"


_given_ports: set = set()


def free_port() -> int:
    """A free loopback port, never one this process handed out before (the system may offer a port
    again as soon as the probe closes it, and two servers would then share one)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in _given_ports:
            _given_ports.add(port)
            return port


def compute_threads(threads: str) -> Dict[str, str]:
    """One compute thread per server process by default (SERVER_THREADS). Rasa's TensorFlow and
    NumPy, and the action server's torch, each start a thread per core; on 2 cores they fought.
    make bench, one family: p95 160 ms with the defaults, 73 ms with one thread each; twenty
    families: 13.7 messages/s, then 24.2."""
    return {name: threads for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                       "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")}


def base_env(**overrides: str) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(compute_threads(os.environ.get("SERVER_THREADS", "1")))
    env.update({"TF_CPP_MIN_LOG_LEVEL": "3", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                "LOCK_STORE_TYPE": "in_memory", "REDIS_HOST": "localhost", "REDIS_PORT": "6379",
                "REDIS_DB": "1", "PYTHONPATH": str(ROOT)})
    env.update(overrides)
    return env


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up in {timeout} s:\n{log.read_text()[-3000:]}")


class Servers:
    """The real action server and Rasa server on free loopback ports, with a fresh SQLite tracker
    store and a fresh interpreter request database."""

    def __init__(self, workdir: Path, model: Path = MODEL, **env: str) -> None:
        self.workdir = workdir
        self.model = model
        self.action_port = free_port()
        self.rasa_port = free_port()
        self.web_port = free_port()
        self.tracker_db = workdir / "tracker.db"
        self.requests_db = workdir / "interpreter_requests.db"
        settings = dict(
            ACTION_SERVER_URL=f"http://127.0.0.1:{self.action_port}/webhook",
            TRACKER_STORE_URL=f"sqlite:///{self.tracker_db}",
            SANIC_HOST="127.0.0.1",
            UNANSWERED_LOG=str(workdir / "unanswered.jsonl"),
            INTERPRETER_DB_URL=f"sqlite:///{self.requests_db}",
            INTERPRETER_OUTBOX=str(workdir / "interpreter_outbox.db"),
        )
        settings.update(env)  # a test may point Rasa elsewhere (a fault proxy) or at other stores
        self.env = base_env(**settings)
        self.rasa_args: list = []  # more `rasa run` options (tests/test_fuzz_channel.py adds --debug)
        self.action_args: list = []
        self.processes: Dict[str, subprocess.Popen] = {}

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def web_url(self) -> str:
        """The demo page. Rasa's CORS allows this origin only."""
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"

    def _launch(self, name: str, command: list) -> subprocess.Popen:
        with (self.workdir / f"{name}.log").open("ab") as out:
            process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def _start(self, name: str, command: list, health: str) -> None:
        wait_until_up(health, self._launch(name, command), self.workdir / f"{name}.log")

    @property
    def action_command(self) -> list:
        return [str(ACTION_PYTHON), "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.action_port),
                *self.action_args]

    @property
    def rasa_command(self) -> list:
        return [str(RASA_BIN / "rasa"), "run", "--model", str(self.model), "--endpoints", "bot/endpoints.yml",
                "--credentials", "bot/credentials.yml", "--interface", "127.0.0.1", "--port", str(self.rasa_port),
                "--cors", self.web_url, *self.rasa_args]

    def start_together(self, names=("actions", "rasa")) -> None:
        """Launch the servers at once, as `make run` does, then wait until each answers."""
        commands = {"actions": (self.action_command, f"http://127.0.0.1:{self.action_port}/health"),
                    "rasa": (self.rasa_command, f"{self.rasa_url}/")}
        launched = {name: self._launch(name, commands[name][0]) for name in names}
        for name, process in launched.items():
            wait_until_up(commands[name][1], process, self.workdir / f"{name}.log")

    def start_actions(self) -> None:
        self._start("actions", self.action_command, f"http://127.0.0.1:{self.action_port}/health")

    def start_rasa(self) -> None:
        self._start("rasa", self.rasa_command, f"{self.rasa_url}/")

    def start_web(self) -> None:
        """The demo page with the chat widget, as `make run` serves it (not started by default)."""
        self._start("web", [str(ACTION_PYTHON), "bot/web_server.py", "--port", str(self.web_port),
                            "--rasa-url", self.rasa_url], f"{self.web_url}/")

    def stop(self, name: str) -> None:
        process = self.processes.pop(name)
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def __enter__(self) -> "Servers":
        try:
            self.start_actions()
            self.start_rasa()
        except BaseException:
            self.stop_all()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop_all()

    def say(self, sender: str, message: str) -> list:
        response = httpx.post(self.rest_url, json={"sender": sender, "message": message}, timeout=60)
        response.raise_for_status()
        return response.json()
