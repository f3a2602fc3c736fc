"""The README's pictures of teaching with the explorer, made again: docs/*.png.

    .venv/bin/python scripts/teaching_screenshots.py

Serves the app, opens it in Debian's chromium and takes: presenter mode on a
1024×768 projector (the 3-5-3 debug net after a forward step), and a predict-first
question waiting for its answer (xnor, 1280×800).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from harness.browser import CHROMIUM_ARGS, REPO_ROOT, chromium, free_port, panel_serve, served  # noqa: E402

DOCS = REPO_ROOT / "docs"


def open_app(browser, url, query, width, height):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{url}?{query}")
    page.wait_for_selector(".player[data-tape]", timeout=60000)
    page.wait_for_timeout(1000)
    return page


def main():
    DOCS.mkdir(exist_ok=True)
    port = free_port()
    url = f"http://localhost:{port}/app"
    log = REPO_ROOT / "test-artifacts" / "server-screenshots.log"
    log.parent.mkdir(exist_ok=True)
    with served(panel_serve(REPO_ROOT / "explorer" / "app.py", port), url, log), \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        page = open_app(browser, url, "preset=debug&present=1", 1024, 768)
        page.get_by_role("button", name="Next step", exact=True).click()
        page.wait_for_timeout(800)
        page.screenshot(path=DOCS / "presenter-1024x768.png")
        page = open_app(browser, url, "preset=xnor&quiz=1&example=1", 1280, 800)
        page.get_by_role("button", name="Next step", exact=True).click()
        page.wait_for_selector(".quiz.asking")
        page.locator(".quiz-answers button.choice").first.click()
        page.wait_for_timeout(500)
        page.screenshot(path=DOCS / "quiz-question.png")
        browser.close()
    print("wrote", *sorted(p.name for p in DOCS.glob("*.png")))


if __name__ == "__main__":
    main()
