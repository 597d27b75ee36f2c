"""The Content-Security-Policy: sent with every page and the API docs, and kept by every template (no inline
script, event-handler attribute or style attribute, which `script-src 'self'` and `style-src 'self'` refuse)."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an event-handler attribute"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"<style[\s>]", re.I), "a <style> element"),
    (re.compile(r"\shx-on", re.I), "an hx-on attribute (evaluated as script)"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def test_pages_and_the_api_docs_carry_the_policy(cast, client_for, client):
    for response in (client.get("/accounts/login/"), client_for(cast.street_officer).get("/"),
                     client_for(cast.street_officer).get("/api/docs")):
        assert response.status_code == 200
        policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
        assert policy["default-src"] == policy["script-src"] == policy["style-src"] == "'self'"
        assert policy["object-src"] == policy["frame-ancestors"] == "'none'"
        assert policy["base-uri"] == policy["form-action"] == "'self'"


def test_no_template_holds_inline_script_or_style():
    found = []
    for path in sorted(ROOT.glob("*/templates/**/*.html")) + sorted(ROOT.glob("templates/**/*.html")):
        if ".venv" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert found == []
