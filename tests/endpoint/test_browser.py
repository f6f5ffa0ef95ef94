"""Headless Chromium (Debian's chromium, driven by Playwright) runs a query from the page and
sees the table; an entity page renders. Skipped when chromium or playwright is missing."""

from __future__ import annotations

import os
import shutil

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("KG_CHROMIUM") or next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)


@pytest.fixture(scope="module")
def page():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
    )
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH (apt-get install chromium, or set KG_CHROMIUM)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.route(
            "**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort()
        )
        yield page
        browser.close()


def test_query_page_shows_the_table(live, page):
    page.goto(live.url + "/")
    page.select_option("#examples", "Who holds which office")
    page.click("#run")
    page.wait_for_selector("#result-table tbody tr", timeout=10_000)
    text = page.inner_text("#result-table")
    assert "Louise Arbour" in text and "High Commissioner" in text
    assert page.locator("#downloads a", has_text="CSV").count() == 1


def test_query_page_shows_errors(live, page):
    page.goto(live.url + "/")
    page.fill("#query", "SELECT * WHERE { ?s ?p }")
    page.click("#run")
    page.wait_for_selector("#error:not([hidden])", timeout=10_000)
    assert "400" in page.inner_text("#error") and "syntax" in page.inner_text("#error")


def test_entity_page_renders(live, page):
    page.goto(live.url + "/id/person/louise-arbour")
    assert page.inner_text("#label") == "Louise Arbour"
    assert "Louise Arbour, the High Commissioner" in page.inner_text("#evidence")
    assert "wikidata.org/entity/Q255629" in page.inner_text("#links")


def test_api_docs_render_offline(live, page):
    """/docs (Swagger UI) and /redoc come from local files (requests off 127.0.0.1 are refused)."""
    page.goto(live.url + "/docs")
    page.wait_for_selector(".opblock", timeout=10_000)
    assert "/sparql" in page.inner_text("#swagger-ui")
    page.goto(live.url + "/redoc")
    page.wait_for_selector("text=SPARQL 1.1 Protocol: query", timeout=10_000)
