"""Serve the demo hospital page and the chat widget (bot/web/), as `make run` does.

The page gets the widget's settings inline, as a JSON block the widget reads: the URL of the
Rasa REST channel, the banner, welcome and "unreachable" texts from knowledge/replies.yml, and
the care team's contact details from the deployment's contacts file (empty ones left out).
Every response carries a Content-Security-Policy that allows scripts and styles from this origin
only and connections to this origin and the Rasa server, so nothing else runs or is called.

Standard library plus the knowledge loader; runs in either environment:

    python bot/web_server.py --port 8000 --rasa-url http://127.0.0.1:5005
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from knowledge import KnowledgeBase, load  # noqa: E402

WEB_DIR = Path(__file__).resolve().parent / "web"
CONFIG_MARKER = "<!-- chat-widget-config -->"
# Only what the page needs; directories are never listed.
SERVED_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".ico": "image/x-icon"}
log = logging.getLogger("web")


def origin(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def widget_config(kb: KnowledgeBase, rasa_url: str) -> Dict[str, object]:
    care_team = kb.contact("care_team")
    return {
        "restUrl": rasa_url.rstrip("/") + "/webhooks/rest/webhook",
        "statusUrl": rasa_url.rstrip("/") + "/",
        "banner": kb.replies["widget_banner"].text,
        "welcome": kb.replies["widget_welcome"].text,
        "unreachable": kb.replies["widget_unreachable"].text,
        # Only the fields a deployment filled in, and the same lines the bot's replies show.
        "careTeam": {name: value for name, value in vars(care_team).items() if value},
        "careTeamLines": care_team.lines(),
    }


def config_block(config: Dict[str, object]) -> str:
    """The settings as a JSON script block: not executed, and '<' escaped so no text can end it."""
    payload = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return f'<script type="application/json" id="caregiver-chat-config">{payload}</script>'


def security_headers(rasa_origin: str) -> Dict[str, str]:
    return {
        "Content-Security-Policy": (
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            f"connect-src 'self' {rasa_origin}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Cache-Control": "no-cache",
    }


class PageHandler(SimpleHTTPRequestHandler):
    server_version = "caregiver-web"

    def __init__(self, *args, page: bytes, headers: Dict[str, str], **kwargs) -> None:
        self.page = page
        self.extra_headers = headers
        super().__init__(*args, directory=str(WEB_DIR), **kwargs)

    def end_headers(self) -> None:
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._serve(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(body=False)

    def _serve(self, body: bool) -> None:
        path = urlsplit(self.path).path
        if path in ("/", "/index.html"):
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(self.page)))
            self.end_headers()
            if body:
                self.wfile.write(self.page)
        elif Path(path).suffix not in SERVED_TYPES:
            self.send_error(HTTPStatus.NOT_FOUND, "Not found")
        elif body:
            super().do_GET()
        else:
            super().do_HEAD()

    def guess_type(self, path) -> str:
        return SERVED_TYPES.get(Path(str(path)).suffix, "application/octet-stream")

    def list_directory(self, path):
        self.send_error(HTTPStatus.NOT_FOUND, "Not found")
        return None

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
        # Request lines only: the page never carries what families type (that goes to Rasa).
        log.info("%s %s", self.address_string(), format % args)


def make_server(host: str, port: int, rasa_url: str) -> ThreadingHTTPServer:
    kb = load()
    template = (WEB_DIR / "index.html").read_text(encoding="utf-8")
    if CONFIG_MARKER not in template:
        raise SystemExit(f"{WEB_DIR / 'index.html'} has no {CONFIG_MARKER} line for the widget's settings")
    page = template.replace(CONFIG_MARKER, config_block(widget_config(kb, rasa_url))).encode("utf-8")
    handler = partial(PageHandler, page=page, headers=security_headers(origin(rasa_url)))
    return ThreadingHTTPServer((host, port), handler)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--rasa-url", required=True, help="the Rasa server as the browser reaches it")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    server = make_server(args.host, args.port, args.rasa_url)
    log.info("Serving %s on http://%s:%d/", WEB_DIR, args.host, args.port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
