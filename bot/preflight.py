"""Refuse to start the Rasa server when its tracker store or lock store is unreachable, or when
the web page's origin (Rasa's only CORS origin) is not one exact origin.

Rasa 3.6 logs an error and quietly keeps conversations in memory when the SQL tracker store
fails (rasa#3243), which would lose every conversation on restart. We check first and stop.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import sqlalchemy as sa


def check_tracker_store(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    finally:
        engine.dispose()


def check_lock_store(lock_type: str, host: str, port: str, db: str) -> None:
    if lock_type in ("", "in_memory"):
        return
    if lock_type != "redis":
        raise ValueError(f"LOCK_STORE_TYPE must be in_memory or redis, not {lock_type!r}")
    import redis

    redis.Redis(host=host or "localhost", port=int(port or 6379), db=int(db or 1), socket_timeout=5).ping()


def check_web_origin(origin: str) -> None:
    """One scheme://host[:port], as the browser sends it in Origin: never '*', a list or a path."""
    if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?", origin):
        raise ValueError(f"WEB_ORIGIN must be the web page's origin, such as https://www.example.org, not {origin!r}")


def main() -> int:
    if "WEB_ORIGIN" in os.environ:
        try:
            check_web_origin(os.environ["WEB_ORIGIN"])
        except ValueError as error:
            print(f"preflight: {error}", file=sys.stderr)
            return 1
    url = os.environ.get("TRACKER_STORE_URL", "")
    try:
        if not url:
            raise ValueError("TRACKER_STORE_URL is not set")
        check_tracker_store(url)
        check_lock_store(
            os.environ.get("LOCK_STORE_TYPE", "in_memory"),
            os.environ.get("REDIS_HOST", ""),
            os.environ.get("REDIS_PORT", ""),
            os.environ.get("REDIS_DB", ""),
        )
    except Exception as error:  # any failure here must stop the start-up
        print(f"preflight: cannot reach a conversation store ({type(error).__name__}: {error}). "
              "Check TRACKER_STORE_URL and the lock store settings in README.md.", file=sys.stderr)
        return 1
    print("preflight: tracker store and lock store reachable")
    return 0


if __name__ == "__main__":
    sys.exit(main())
