"""The street officer at her desk in the browser tests: her clicks and her time, the others' turns left out."""

import time


class Officer:
    """贺英 at her desk: every click and the time she spends, the others' turns left out."""

    def __init__(self, page, base: str):
        self.page, self.base, self.clicks, self.seconds = page, base, 0, 0.0

    def click(self, locator, *, navigates: bool = True) -> None:
        start = time.monotonic()
        if navigates:
            with self.page.expect_navigation():
                locator.click()
        else:
            locator.click()
        self.page.wait_for_load_state()
        self.clicks += 1
        self.seconds += time.monotonic() - start

    def fill(self, locator, text: str) -> None:
        start = time.monotonic()
        locator.fill(text)
        self.seconds += time.monotonic() - start

    def do(self, action):
        """Something she does on the page that is neither a click nor typing (choosing a file), timed."""
        start = time.monotonic()
        result = action()
        self.seconds += time.monotonic() - start
        return result

    def text(self) -> str:
        return self.page.locator("main").inner_text()

    def state(self) -> str:
        return self.page.locator("main p.muted strong").first.inner_text()
