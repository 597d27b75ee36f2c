"""The Content-Security-Policy in a real browser: every page keeps to `script-src 'self'` and `style-src 'self'`
(no inline script, handler or style attribute), including the API docs page; Chromium reports no violation."""

import pytest

from fangkong.browser import login, screenshot

pytestmark = pytest.mark.browser

CHECK = """() => {
  window.__violations = [];
  document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(
    e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" + e.lineNumber));
}"""

# (user or None for nobody signed in, the pages they open)
TOURS = [
    (None, ["/accounts/login/", "/supplies/public/"]),
    ("heying", ["/", "/persons/", "/persons/today/", "/tracing/", "/tracing/chains/", "/tracing/follow-up/", "/tracing/tasks/", "/checkpoints/",
                "/reports/", "/reports/board/", "/reports/templates/", "/supplies/", "/volunteers/", "/legal/", "/accounts/me/",
                "/accounts/users/", "/audit/", "/api/docs"]),
    ("kangshuangfeng", ["/checkpoints/"]),
]


def _visit(page, url: str, problems: list) -> None:
    response = page.goto(url)
    assert response is not None and response.status < 400, (url, response and response.status)
    assert "'self'" in response.headers.get("content-security-policy", ""), url
    page.wait_for_load_state("networkidle")
    problems += [f"{url}: {v}" for v in page.evaluate("window.__violations || []")]


@pytest.mark.parametrize("who, paths", TOURS, ids=[t[0] or "anonymous" for t in TOURS])
def test_pages_raise_no_content_security_policy_violation(new_page, demo_server, who, paths):
    page = new_page()
    page.add_init_script(f"({CHECK})()")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console: {m.text}")
            if "Content Security Policy" in m.text else None)
    if who:
        login(page, demo_server, who)
    for path in paths:
        _visit(page, demo_server + path, problems)
    if who == "kangshuangfeng":  # the gate page, with its script and the live alerts polled by htmx
        page.locator("a.button").first.click()
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(2500)
        problems += [f"{page.url}: {v}" for v in page.evaluate("window.__violations || []")]
    assert problems == []
    if who == "heying":
        page.goto(demo_server + "/api/docs")
        page.locator("#swagger-ui .opblock-tag").first.wait_for()  # Swagger UI drew the operations
        screenshot(page, "csp-api-docs")
        assert page.evaluate("window.__violations || []") == []
