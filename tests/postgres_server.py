"""A throwaway PostgreSQL server for tests, so the interpreter-request store is tested against the real thing.

It uses the Debian server binaries (/usr/lib/postgresql/<version>/bin, newest version), initialises a
cluster in a fresh directory under /tmp, listens on a free port on 127.0.0.1 with its unix socket in that
directory, and trusts local connections. Durability is switched off: the data is thrown away anyway.

initdb and postgres refuse to run as root, so as root they run as the `postgres` system user, and the
directory is handed to that user (the reason it lives under /tmp: pytest's own temporary directories
are private to root).
"""
from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import List, Optional

BINARIES = "/usr/lib/postgresql/*/bin"
SERVICE_USER = "postgres"
LOG_TAIL = 30  # lines of the server log shown when it does not start


class PostgresUnavailable(RuntimeError):
    """The server could not be found or started; the message says what to do."""


def find_binaries() -> Path:
    """The bin directory of the newest installed PostgreSQL server."""
    candidates = [Path(path) for path in glob.glob(BINARIES) if (Path(path) / "initdb").exists()]

    def version(path: Path) -> float:
        try:
            return float(path.parent.name)
        except ValueError:
            return 0.0

    if not candidates:
        raise PostgresUnavailable(f"no PostgreSQL server found in {BINARIES}: run `make test`, which installs "
                                  "the postgresql package, or `apt-get install postgresql`")
    return max(candidates, key=version)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """Start with `start()` (or `with`), which returns the URL of an empty database; `stop()` removes everything."""

    def __init__(self, database: str = "interpreter_test", bin_dir: Optional[Path] = None,
                 timeout: float = 30.0) -> None:
        self.bin_dir = bin_dir or find_binaries()
        self.database = database
        self.timeout = timeout
        self.port = 0
        self.directory: Optional[Path] = None
        self._as_root = os.geteuid() == 0

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def log(self) -> Path:
        return self.directory / "server.log"

    def url(self, database: Optional[str] = None) -> str:
        return f"postgresql://{SERVICE_USER}@127.0.0.1:{self.port}/{database or self.database}"

    def _run(self, *command: str, as_server: bool = False) -> subprocess.CompletedProcess:
        """Run a PostgreSQL program, as the postgres user when it is a server program and we are root."""
        prefix: List[str] = ["runuser", "-u", SERVICE_USER, "--"] if as_server and self._as_root else []
        return subprocess.run(prefix + [str(self.bin_dir / command[0]), *command[1:]], cwd=self.directory,
                              capture_output=True, text=True, timeout=self.timeout)

    def _check(self, result: subprocess.CompletedProcess, what: str) -> None:
        if result.returncode != 0:
            raise PostgresUnavailable(f"{what} failed (exit {result.returncode}):\n{result.stdout}{result.stderr}"
                                      f"{self._log_tail()}")

    def _log_tail(self) -> str:
        try:
            lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        return f"\n--- last lines of {self.log} ---\n" + "\n".join(lines[-LOG_TAIL:])

    def start(self) -> str:
        self.directory = Path(tempfile.mkdtemp(prefix="interpreter-pg-", dir="/tmp"))
        try:
            if self._as_root:
                account = pwd.getpwnam(SERVICE_USER)
                os.chown(self.directory, account.pw_uid, account.pw_gid)
            self._check(self._run("initdb", "-D", str(self.data), "-U", SERVICE_USER, "--auth=trust",
                                  "--encoding=UTF8", "--no-locale", "--no-sync", as_server=True), "initdb")
            self.port = free_port()
            self._start_server()
            self.create_database(self.database)
        except BaseException:
            self.stop()
            raise
        return self.url()

    def _start_server(self) -> None:
        options = " ".join(shlex.quote(part) for part in (
            "-p", str(self.port), "-c", "listen_addresses=127.0.0.1", "-k", str(self.directory),
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"))
        # -w waits until the server accepts connections (pg_isready's test), at most -t seconds.
        self._check(self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
                              "-w", "-t", str(int(self.timeout)), "start", as_server=True), "starting postgres")

    def pause(self) -> None:
        """Stop the server and keep its data, as an outage would; `resume()` starts it again on the same port."""
        self._check(self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", as_server=True),
                    "stopping postgres")

    def resume(self) -> None:
        self._start_server()

    def create_database(self, name: str) -> str:
        """A new empty database on this server; its URL."""
        self._check(self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", SERVICE_USER, name),
                    f"createdb {name}")
        return self.url(name)

    def stop(self) -> None:
        if self.directory is None:
            return
        if (self.data / "postmaster.pid").exists():
            result = self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", as_server=True)
            if result.returncode != 0:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", as_server=True)
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory = None

    def __enter__(self) -> "PostgresServer":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()
