"""Wait until the action server, the Rasa server and the web page answer, then print the URLs.

Runs as one process of the Procfile; it keeps running so that honcho keeps the others up,
and exits non-zero (stopping them all) if they do not come up in time.
"""
from __future__ import annotations

import os
import signal
import sys
import time
import urllib.request
from pathlib import Path

TIMEOUT_SECONDS = float(os.environ.get("READY_TIMEOUT", "180"))
LOG_DIR = Path(__file__).resolve().parent.parent / "var" / "log"


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return 200 <= response.status < 300
    except OSError:
        return False


def main() -> int:
    services = {
        "action server": f"http://127.0.0.1:{os.environ['ACTION_PORT']}/health",
        "Rasa server": f"http://127.0.0.1:{os.environ['RASA_PORT']}/",
        "web page": f"http://127.0.0.1:{os.environ['WEB_PORT']}/",
    }
    started = time.monotonic()
    waiting = dict(services)
    while waiting:
        if time.monotonic() - started > TIMEOUT_SECONDS:
            print(f"Not ready after {TIMEOUT_SECONDS:.0f} s: {', '.join(waiting)}. See the logs in {LOG_DIR}.",
                  file=sys.stderr)
            return 1
        waiting = {name: url for name, url in waiting.items() if not answers(url)}
        time.sleep(0.5)
    rasa = f"http://127.0.0.1:{os.environ['RASA_PORT']}"
    print(f"Ready in {time.monotonic() - started:.0f} s.\n"
          f"  Web page:      http://127.0.0.1:{os.environ['WEB_PORT']}/\n"
          f"  REST channel:  {rasa}/webhooks/rest/webhook\n"
          f"  Action server: http://127.0.0.1:{os.environ['ACTION_PORT']}\n"
          f"  Logs:          {LOG_DIR}\n"
          "Press Ctrl-C to stop everything.", flush=True)
    signal.sigwait({signal.SIGINT, signal.SIGTERM})
    return 0


if __name__ == "__main__":
    sys.exit(main())
