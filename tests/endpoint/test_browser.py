"""Headless Chromium (Debian's chromium, driven by Playwright) uses the pages as a person would:
the query page (YASGUI) with paged results, the search box, an entity profile with its picture,
a document page with its evidence highlighted, an HTML error page, the API docs. Every page is
served with a strict Content Security Policy and nothing off 127.0.0.1 may load.

KG_SCREENSHOTS=DIR keeps a screenshot of each page there. Skipped when chromium or playwright is
missing."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.pipeline import build
from kg.store import Store
from tests.conftest import EXAMPLES
from tests.endpoint.conftest import BASE, make_store

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("KG_CHROMIUM") or next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
#: What the endpoint's pages must work under: no inline script or style, nothing from elsewhere.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
BIG_ROWS = 12_000


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
    )
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH (apt-get install chromium, or set KG_CHROMIUM)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.violations = []  # CSP violations and script errors seen on the page
    page.on("pageerror", lambda e: page.violations.append(f"script error: {e}"))
    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push("
        "e.violatedDirective + ' ' + (e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 99) : '')"
        "))"
    )

    def handle(route):
        if "127.0.0.1" not in route.request.url:
            return route.abort()
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": CSP})

    page.route("**/*", handle)
    yield page
    context.close()


def violations(page) -> list[str]:
    """Script errors and CSP violations, but for one known and harmless one: YASGUI's column
    resizer inserts its rules as a <style> element, which the CSP blocks; style.css carries them."""
    seen = page.evaluate("window.__csp || []")
    return page.violations + [v for v in seen if not ("<style" in v and "grip-resizable" in v)]


def shot(page, name: str) -> None:
    folder = os.environ.get("KG_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def examples_live(live_factory, tmp_path_factory):
    """A server over the two example releases, built by the pipeline (texts, evidence, links)."""
    store = Store(tmp_path_factory.mktemp("browser") / "store", BASE)
    build([EXAMPLES], store)
    return live_factory("examples", store=store)


@pytest.fixture(scope="module")
def big_live(live_factory, tmp_path_factory):
    store = make_store(tmp_path_factory.mktemp("big") / "store")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    triples = [
        ox.Triple(ox.NamedNode(f"{BASE}person/p{i:05d}"), label, ox.Literal(f"Person {i}", language="en"))
        for i in range(BIG_ROWS)
    ]
    store.replace_graph(BASE + "graph/big", triples)
    return live_factory("big", store=store)


def open_query_page(page, url: str) -> None:
    page.goto(url + "/")
    page.wait_for_selector(".tabPanel.active .yasqe .CodeMirror", timeout=20_000)


def run_query(page, text: str) -> float:
    """Type ``text`` into the active tab, run it, and return the seconds until rows are shown."""
    page.evaluate("t => window.kgYasgui.getTab().getYasqe().setValue(t)", text)
    started = time.monotonic()
    page.click(".tabPanel.active .yasqe_queryButton")
    page.wait_for_selector(".tabPanel.active .yasr .dataTable tbody tr", timeout=30_000)
    return time.monotonic() - started


def test_query_page_pages_through_ten_thousand_rows(big_live, page):
    open_query_page(page, big_live.url)
    tabs = page.locator(".tabsList .tab").all_inner_texts()
    assert any("Who holds which office" in t for t in tabs) and len(tabs) >= 5  # examples as tabs
    seconds = run_query(page, "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s")
    info = page.inner_text(".tabPanel.active .dataTables_info, .tabPanel.active .dt-info")
    total = BIG_ROWS + 4  # and the tiny graph's four labels
    assert f"of {total:,} entries" in info or f"of {total} entries" in info, info
    assert page.locator(".tabPanel.active .yasr .dataTable tbody tr").count() == 50  # one page
    first = page.inner_text(".tabPanel.active .yasr .dataTable tbody tr >> nth=0")
    assert "id:event/meeting-1" in first  # IRIs with their prefix
    page.click(".tabPanel.active .dt-paging-button.next, .tabPanel.active .paginate_button.next")
    page.wait_for_function(
        "() => document.querySelector('.tabPanel.active .yasr .dataTable tbody tr .rowNumber')"
        ".textContent.trim() === '51'"
    )
    shot(page, "query-page")
    print(f"\n{total} rows: run to first page shown in {seconds:.2f} s")
    assert seconds < 15  # measured 0.6 s here; a generous bound for a loaded machine
    assert violations(page) == []


def test_query_page_links_entities_to_their_pages_and_shows_errors(live, page):
    open_query_page(page, live.url)
    run_query(page, "SELECT ?person ?office WHERE { ?p a kg:Person ; rdfs:label ?person ; kg:holds ?office }")
    link = page.locator(".tabPanel.active .yasr a.iri").first
    assert link.get_attribute("href") == "/id/post/high-commissioner"
    page.evaluate("t => window.kgYasgui.getTab().getYasqe().setValue(t)", "SELECT * WHERE { ?s ?p }")
    page.click(".tabPanel.active .yasqe_queryButton")
    page.wait_for_selector(".tabPanel.active .yasr .errorResult", timeout=10_000)
    error = page.inner_text(".tabPanel.active .yasr .errorResult")
    assert "400" in error and "line 1, column" in error
    assert violations(page) == []


def test_search_box_finds_a_person_by_part_of_the_name(live, page):
    page.goto(live.url + "/ontology")
    page.fill("header form.search input[name=q]", "arbour")
    page.press("header form.search input[name=q]", "Enter")
    page.wait_for_selector("#search-results li a")
    shot(page, "search")
    assert page.inner_text("#search-results li >> nth=0").startswith("Louise Arbour")
    page.click("#search-results li a >> nth=0")
    page.wait_for_selector("#label")
    assert page.inner_text("#label") == "Louise Arbour"
    assert violations(page) == []


def test_entity_profile_with_its_picture(examples_live, page):
    page.goto(examples_live.url + "/id/person/mereani-vakatale")
    assert page.inner_text("#label") == "Mereani Vakatale"
    assert "Permanent Representative of Fiji" in page.inner_text("#posts")
    assert "Fiji" in page.inner_text("#represents")
    assert page.locator("#picture svg.neighbourhood a").count() >= 3  # neighbours, as links
    assert "Fiji" in page.text_content("#picture svg")
    source = page.locator("#facts a.source").first
    assert "2019-03-05" in source.inner_text() and "#chars-" in source.get_attribute("href")
    sentences = page.locator("#evidence blockquote").all_inner_texts()
    assert sentences and len(sentences) == len(set(sentences))  # each sentence once
    shot(page, "entity-profile")
    assert violations(page) == []


def test_document_page_highlights_the_evidence(examples_live, page):
    page.goto(examples_live.url + "/id/person/mereani-vakatale")
    page.locator("#facts a.source").first.click()
    page.wait_for_selector("#text mark.evidence")
    assert page.inner_text("#label") == "Regional Dialogue on Ocean Resilience Concludes in Suva"
    assert page.locator("#text mark.evidence:target").count() == 1  # the sentence linked to
    mention = page.locator("#text a.mention", has_text="Mereani Vakatale").first
    assert mention.get_attribute("href") == "/id/person/mereani-vakatale"
    assert "pacific-dialogue.txt" in page.inner_text("#meta")
    shot(page, "document-page")
    assert violations(page) == []


def test_html_404_for_a_browser(live, page):
    response = page.goto(live.url + "/id/person/nobody-at-all")
    assert response.status == 404
    assert page.inner_text("#error-status") == "404 · Not Found"
    assert "nothing is known about https://kg.example/id/person/nobody-at-all" in page.inner_text(
        "#error-message"
    )
    shot(page, "not-found")
    response = page.goto(live.url + "/no/such/page")
    assert response.status == 404 and page.locator("form.search").count() == 1
    assert violations(page) == []


def test_api_docs_render_offline(live, browser):
    """/docs (Swagger UI) and /redoc come from local files (requests off 127.0.0.1 are refused)."""
    page = browser.new_page()
    page.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
    page.goto(live.url + "/docs")
    page.wait_for_selector(".opblock", timeout=10_000)
    assert "/sparql" in page.inner_text("#swagger-ui")
    page.goto(live.url + "/redoc")
    page.wait_for_selector("text=SPARQL 1.1 Protocol: query", timeout=10_000)
    page.close()
