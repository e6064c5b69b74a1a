"""The clinical reviewers' page renders every topic beside its page text, with reading grades."""
from __future__ import annotations

import html
import subprocess
import sys

from knowledge import load
from tests.conftest import ROOT


def test_kb_report_renders_every_topic(tmp_path):
    output = tmp_path / "kb-report.html"
    subprocess.run([sys.executable, "-m", "knowledge.report", str(output)], cwd=ROOT, check=True, timeout=120)
    page = output.read_text(encoding="utf-8")
    kb = load()
    for topic in kb.topics.values():
        assert f"id='{topic.id}'" in page
        assert html.escape(topic.answer) in page
        assert html.escape(topic.source[0]) in page
    assert "Reading grade" in page and "median" in page
    assert "<script" not in page
