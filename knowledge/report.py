"""Render the whole knowledge base as one HTML page for clinical reviewers: each answer beside
the page sentences it rests on, with its reading grade. Run with `make kb-report`."""
from __future__ import annotations

import html
import statistics

from knowledge.generate import write_generated
from knowledge.readability import reading_grade

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1a1a1a;max-width:78rem}
table{border-collapse:collapse;width:100%;margin-bottom:2rem}
th,td{border:1px solid #bbb;padding:.5rem;vertical-align:top;text-align:left}
th{background:#eef2f6;width:9rem}.answer,.source{white-space:pre-wrap;width:50%}
h2{margin-top:2.5rem;border-bottom:2px solid #235;padding-bottom:.2rem}.high{color:#a00;font-weight:bold}
"""


def render(kb) -> str:
    grades = {topic.id: reading_grade(topic.answer) for topic in kb.topics.values()}
    values = sorted(grades.values())
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>Knowledge base review</title>", f"<style>{STYLE}</style></head><body>",
        "<h1>Knowledge base review</h1>",
        f"<p>{len(kb.topics)} topics, {sum(len(t.examples) for t in kb.topics.values())} example questions, "
        f"{len(kb.terms)} vocabulary terms. Flesch-Kincaid grade: min {values[0]:.1f}, "
        f"median {statistics.median(values):.1f}, max {values[-1]:.1f} (goal: median 8 or lower, none above 10).</p>",
        "<p>Each answer is shown beside the sentences of the hospital page it rests on.</p>",
    ]
    by_section: dict = {}
    for topic in kb.topics.values():
        by_section.setdefault(topic.section, []).append(topic)
    for section, topics in by_section.items():
        out.append(f"<h2>{html.escape(section)}</h2>")
        for topic in topics:
            grade = grades[topic.id]
            css = " class='high'" if grade > 10 else ""
            source = "\n\n".join(topic.source)
            out += [
                f"<table id='{html.escape(topic.id)}'>",
                f"<tr><th>Topic</th><td colspan='2'><strong>{html.escape(topic.title)}</strong> "
                f"<code>{html.escape(topic.id)}</code> ({html.escape(topic.kind)})</td></tr>",
                "<tr><th></th><th>Answer</th><th>Page text it rests on</th></tr>",
                f"<tr><th>Reading grade <span{css}>{grade:.1f}</span><br>{len(topic.answer.split())} words</th>"
                f"<td class='answer'>{html.escape(topic.answer)}</td>"
                f"<td class='source'>{html.escape(source)}</td></tr>",
                f"<tr><th>Related</th><td colspan='2'>{html.escape(', '.join(topic.related))}</td></tr>",
                f"<tr><th>Examples</th><td colspan='2'>{html.escape(' · '.join(topic.examples))}</td></tr>",
                "</table>",
            ]
    out.append("<h2>Fixed replies</h2>")
    for reply in kb.replies.values():
        out.append(f"<table><tr><th>{html.escape(reply.key)}</th><td class='answer'>{html.escape(reply.text)}</td>"
                   f"<td class='source'>{html.escape(chr(10).join(reply.source))}</td></tr></table>")
    out.append("</body></html>")
    return "\n".join(out)


if __name__ == "__main__":
    write_generated(render, __doc__, "Knowledge base review page")
