"""The Rasa server must not start on a tracker store it cannot reach (Rasa would silently keep
conversations in memory, rasa#3243)."""
from __future__ import annotations

import subprocess

from tests.conftest import RASA_BIN, ROOT, base_env


def preflight(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(RASA_BIN / "python"), "bot/preflight.py"], cwd=ROOT, env=base_env(**env),
                          capture_output=True, text=True, timeout=120)


def test_reachable_sqlite_store_passes_and_creates_its_folder(tmp_path):
    result = preflight(TRACKER_STORE_URL=f"sqlite:///{tmp_path / 'new' / 'tracker.db'}")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "new").is_dir()


def test_unreachable_postgres_stops_the_start(tmp_path):
    result = preflight(TRACKER_STORE_URL="postgresql://bot:secret@127.0.0.1:9/tracker")
    assert result.returncode == 1
    assert "cannot reach a conversation store" in result.stderr
    assert "secret" not in result.stderr


def test_unreachable_redis_lock_store_stops_the_start(tmp_path):
    result = preflight(TRACKER_STORE_URL=f"sqlite:///{tmp_path / 'tracker.db'}", LOCK_STORE_TYPE="redis",
                       REDIS_HOST="127.0.0.1", REDIS_PORT="9")
    assert result.returncode == 1
    assert "cannot reach a conversation store" in result.stderr


def test_cors_origin_must_be_the_pages_own_origin(tmp_path):
    store = f"sqlite:///{tmp_path / 'tracker.db'}"
    for origin in ("*", "", "http://127.0.0.1:8000/chat", "http://a.example http://b.example"):
        result = preflight(TRACKER_STORE_URL=store, WEB_ORIGIN=origin)
        assert result.returncode == 1, origin
        assert "WEB_ORIGIN must be the web page's origin" in result.stderr
    assert preflight(TRACKER_STORE_URL=store, WEB_ORIGIN="https://www.example.org").returncode == 0
