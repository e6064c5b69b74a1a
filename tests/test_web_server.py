"""The demo page's server and Rasa's CORS, over HTTP: what the browser gets before any script runs."""
from __future__ import annotations

import json
import re

import httpx

from bot.web_server import config_block, widget_config
from knowledge import load

KB = load()


def page_config(html: str) -> dict:
    block = re.search(r'<script type="application/json" id="caregiver-chat-config">(.*?)</script>', html, re.S)
    assert block, "the page carries the widget's settings"
    return json.loads(block.group(1))


def test_the_page_carries_the_widget_settings_from_knowledge(web):
    response = httpx.get(f"{web.web_url}/", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    config = page_config(response.text)
    assert config["restUrl"] == f"{web.rasa_url}/webhooks/rest/webhook"
    assert config["banner"] == KB.replies["widget_banner"].text
    assert config["unreachable"] == KB.replies["widget_unreachable"].text
    assert config["careTeam"] == {}, "empty contact settings are left out"
    assert "<h1>What is neuroblastoma?</h1>" in response.text


def test_every_response_restricts_scripts_and_connections(web):
    for path in ("/", "/widget.js", "/widget.css"):
        response = httpx.get(f"{web.web_url}{path}", timeout=10)
        assert response.status_code == 200, path
        policy = response.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "default-src 'none'" in policy
        assert f"connect-src 'self' {web.rasa_url};" in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    assert httpx.get(f"{web.web_url}/widget.js", timeout=10).headers["content-type"].startswith("text/javascript")


def test_only_the_pages_own_files_are_served(web):
    # axe-core exists two folders up (node_modules/), and the YAML and Python files one up.
    for path in ("/%2e%2e/%2e%2e/node_modules/axe-core/axe.min.js", "/..%2f..%2fnode_modules/axe-core/axe.min.js",
                 "/%2e%2e/web_server.py", "/%2e%2e/%2e%2e/knowledge/contacts.yml", "/missing.js"):
        response = httpx.get(f"{web.web_url}{path}", timeout=10)
        assert response.status_code == 404, path
        assert "axe" not in response.text and "contacts:" not in response.text, path


def test_rasa_answers_the_page_origin_only(web):
    body = {"sender": "test-cors", "message": "hello"}
    allowed = httpx.post(web.rest_url, json=body, headers={"Origin": web.web_url}, timeout=60)
    assert allowed.headers.get("access-control-allow-origin") == web.web_url
    other = httpx.post(web.rest_url, json=body, headers={"Origin": "https://attacker.example"}, timeout=60)
    assert "access-control-allow-origin" not in other.headers
    preflight = httpx.options(web.rest_url, headers={"Origin": "https://attacker.example",
                                                     "Access-Control-Request-Method": "POST"}, timeout=10)
    assert "access-control-allow-origin" not in preflight.headers


def test_contact_settings_reach_the_page_and_text_cannot_end_the_settings_block(tmp_path):
    contacts = tmp_path / "contacts.yml"
    contacts.write_text('contacts:\n  care_team: {phone: "(555) 010-0000", url: "", hours: "</script><b>x"}\n')
    config = widget_config(load(contacts_file=contacts), "http://127.0.0.1:5005")
    assert config["careTeam"] == {"phone": "(555) 010-0000", "hours": "</script><b>x"}
    block = config_block(config)
    assert block.count("</script>") == 1 and block.endswith("</script>")
    assert json.loads(block[block.index(">") + 1:-len("</script>")])["careTeam"]["hours"] == "</script><b>x"
