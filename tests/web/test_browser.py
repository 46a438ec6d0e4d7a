"""End to end in a real headless Chromium (Debian's `chromium`, driven by Playwright), fully offline:
every request that leaves the loopback address is blocked and counted, and the test fails if there is one.

Upload a file, find a project by facets, open it, see a value's source sentence and its place in the
document, resolve a finding with a comment, export the selection. One screenshot per main page is kept
under artifacts/screenshots/.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from optional import require

from .conftest import PASSWORD
from .seed import GOLD

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(app) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(server):
    require(Path(CHROMIUM).exists(), "Debian's chromium", "make system-deps")
    from playwright import sync_api
    outside: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})

        def guard(route):
            host = urlparse(route.request.url).hostname or ""
            if host in ("127.0.0.1", "localhost", "::1"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        pg = context.new_page()
        pg.set_default_timeout(15000)
        pg.base = server  # type: ignore[attr-defined]
        yield pg
        context.close()
        browser.close()
    assert outside == [], f"requests left the machine: {outside}"


def shot(page, name: str, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def test_registry_end_to_end(page, tmp_path):
    base = page.base
    page.goto(f"{base}/")
    shot(page, "home")
    # sign in
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Name").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    shot(page, "login")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")

    # upload: the seed documents when the ingest engine is installed, else a registry file (same path);
    # the progress bar runs and the ingest summary appears in place
    from initiatives.web import services

    if services._extractor() is not None:
        uploads = sorted((GOLD.parent / "seeds").glob("*.txt"))
    else:
        data = json.loads((GOLD / "002_d5bd7149008d43e0.json").read_text())
        data["doc"] = "press-release-copy.txt"
        uploads = [tmp_path / "press-release-copy.json"]
        uploads[0].write_text(json.dumps(data))
    page.get_by_role("link", name="Upload").click()
    page.get_by_label("Choose files, or drop them here").set_input_files([str(u) for u in uploads])
    page.get_by_role("button", name="Upload and ingest").click()
    summary = page.locator("#upload-result table.summary")
    summary.wait_for(timeout=60000)
    rows = summary.locator("tbody tr")
    assert rows.count() == len(uploads)
    assert [rows.nth(i).locator("td").nth(0).inner_text() for i in range(len(uploads))] == [u.name for u in uploads]
    for i in range(len(uploads)):
        cells = [rows.nth(i).locator("td").nth(k).inner_text() for k in range(7)]
        assert cells[6].startswith("ok") and sum(int(c) for c in cells[1:4]) > 0, cells
    assert page.locator("#upload-progress").get_attribute("hidden") is None
    shot(page, "upload")

    # explore: two facets narrow the list; the count matches the API
    page.get_by_role("link", name="Explore").click()
    page.locator('a[data-facet="kind"][data-value="project"]').click()
    page.wait_for_url("**kind=project**")
    page.locator('a[data-facet="country"][data-value="BGD"]').click()
    page.wait_for_url("**country=BGD**")
    total = int(page.locator("#total").inner_text())
    api = page.request.get(f"{base}/api/v1/initiatives?kind=project&country=BGD&facets=false").json()
    assert total == api["total"] > 0
    shot(page, "explore")

    # export the selection as CSV
    with page.expect_download() as dl:
        page.locator('a[data-export="csv"]').click()
    csv_text = Path(dl.value.path()).read_text()
    assert len(csv_text.strip().splitlines()) == total + 1 and "BGD" in csv_text

    # open a result that has a source for its title
    target = next(i for i in api["items"] if i["sources"].get("title"))
    page.locator(f'a[href="/initiatives/{target["id"]}"]').first.click()
    page.wait_for_url(f"**/initiatives/{target['id']}")
    source = page.locator("#field-title details.src")
    source.locator("summary").click()
    quote = source.locator("blockquote")
    assert quote.is_visible() and target["title"][:20] in quote.inner_text()
    shot(page, "initiative")
    from initiatives.search import embeddings

    if embeddings.available():  # the similar list loads in place (htmx) with links to other records
        similar = page.locator("#similar-list ol.similar a")
        similar.first.wait_for(timeout=90000)
        assert similar.count() > 0 and f'/initiatives/{target["id"]}"' not in page.locator("#similar-list").inner_html()
        shot(page, "initiative-similar")
    source.locator("a").first.click()
    page.wait_for_url("**/documents/**")
    focus = page.locator(".doctext .focus").first
    assert focus.is_visible() and target["title"][:10] in focus.inner_text()
    shot(page, "document", full_page=False)

    # resolve a finding of this record with a comment (htmx swaps the finding in place)
    page.go_back()
    findings = page.locator("li.finding")
    if findings.count() == 0:
        rid = next(f["initiative_ids"][0] for f in page.request.get(f"{base}/api/v1/findings?status=open").json()
                   if f["initiative_ids"])
        page.goto(f"{base}/initiatives/{rid}")
    first = page.locator("li.finding").first
    fid = first.get_attribute("id").removeprefix("finding-")
    first.get_by_label("Comment").fill("checked against the final report")
    first.get_by_role("button", name="Resolve").click()
    page.locator(f"#finding-{fid} .status-resolved").wait_for()
    stored = page.request.get(f"{base}/api/v1/findings/{fid}").json()
    assert stored["status"] == "resolved" and stored["comment"] == "checked against the final report"
    assert stored["comment"] in page.locator(f"#finding-{fid}").inner_text()

    # Explore by meaning: the match selector keeps the query and the facets work on the meaning results
    if embeddings.available():
        page.goto(f"{base}/explore")
        page.locator("#q").fill("young people starting social businesses")
        page.get_by_label("Match").select_option("semantic")
        page.locator("#explore-form button[type=submit]").click()
        page.wait_for_url("**mode=semantic**")
        assert page.locator("ol.hits li.hit").count() > 0
        assert page.get_by_label("Match").input_value() == "semantic"
        shot(page, "explore-meaning")
        page.goto(f"{base}/countries/BGD")
        page.locator("#elsewhere-link").click()
        page.get_by_label("Theme").fill("digital services for citizens")
        page.get_by_role("button", name="Find").click()
        page.wait_for_url("**theme=digital**")
        assert page.locator("ol.elsewhere li.hit").count() > 0
        shot(page, "elsewhere")

    # the other main pages render (screenshots for people to look at)
    for path, name in (("/review", "review"), ("/organizations", "organizations"), ("/countries", "countries"),
                       ("/admin", "admin")):
        page.goto(f"{base}{path}")
        assert page.locator("h1").first.is_visible()
        shot(page, name, full_page=name not in ("review", "organizations"))
    page.goto(f"{base}/docs")  # Swagger UI from the app itself
    page.locator(".swagger-ui .opblock").first.wait_for()
    shot(page, "api-docs", full_page=False)


def test_phone_width_and_keyboard(page):
    base = page.base
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/explore")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"page is {width}px wide at phone width"
    shot(page, "explore-phone", full_page=False)
    for path in ("/", "/initiatives/45", "/review", "/documents/1"):
        page.goto(f"{base}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, f"{path} is {width}px wide at phone width"
    shot(page, "document-phone", full_page=False)
    # keyboard: the skip link is the first stop and moves focus to the content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    page.goto(f"{base}/")
    page.locator('svg.worldmap a[data-country="BGD"]').click()
    page.wait_for_url("**/explore?country=BGD")
