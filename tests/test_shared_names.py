"""Names the server, the service worker and the page scripts share are written once, in
pwa/shared_names.py, and handed to the others by the server: these tests fail when one is
typed anywhere else again, and check that pages and the worker receive them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from quart import Quart

from pwa import shared_names

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(
    [
        *(ROOT / "static" / "js").glob("*.js"),
        *(ROOT / "service_worker").glob("*.js"),
        *(ROOT / "templates").rglob("*.html"),
        *(path for path in (ROOT / "pwa").rglob("*.py") if path.name != "shared_names.py"),
    ]
)
SCRIPTS = [path for path in SOURCES if path.suffix == ".js"]
# Short, common words ("outbox", "family", "ic-") are only ever wrong in a script, as a
# whole literal (HTML has an id="outbox", Python a role "family"); the rest are
# distinctive anywhere, also as the start of a literal.
WHOLE_IN_BROWSER = {
    shared_names.CACHE_PREFIX,
    shared_names.OUTBOX_SYNC_TAG,
    shared_names.CACHEABLE_VALUE,
}
DISTINCTIVE = {
    value
    for name, value in vars(shared_names).items()
    if name.isupper() and isinstance(value, str) and value not in WHOLE_IN_BROWSER
}
# A string literal that starts with an API path: URLs come from the routes, by url_for.
API_LITERAL = re.compile(r"[\"'`]/api/")


def typed_again(text: str, *, script: bool) -> list[str]:
    """The shared values this source text types as string literals of its own."""
    found = [
        value for value in sorted(DISTINCTIVE) if re.search(rf"[\"'`]{re.escape(value)}", text)
    ]
    if script:
        found += [
            value
            for value in sorted(WHOLE_IN_BROWSER)
            if re.search(rf"[\"'`]{re.escape(value)}[\"'`]", text)
        ]
        found += API_LITERAL.findall(text)
    return found


def test_no_shared_name_is_typed_twice() -> None:
    found = {
        str(path.relative_to(ROOT)): hits
        for path in SOURCES
        if (hits := typed_again(path.read_text(encoding="utf-8"), script=path in SCRIPTS))
    }
    assert found == {}


def test_the_rule_would_catch_a_name_typed_again() -> None:
    assert typed_again('const DATABASE = "ic-outbox";', script=True) == ["ic-outbox"]
    assert typed_again("const PAGES = `ic-pages-${version}`;", script=True) == ["ic-pages-"]
    assert typed_again('page.postMessage({ type: "FLUSH_OUTBOX" });', script=True)
    assert typed_again('registration.sync.register("outbox");', script=True) == ["outbox"]
    assert typed_again('fetch("/api/reports", options);', script=True)
    assert typed_again('HEADER = "X-Offline-Owner"', script=False) == ["X-Offline-Owner"]
    assert typed_again('role = "family"', script=False) == []
    assert typed_again("// sent to /api/reports in batches", script=True) == []
    assert len(DISTINCTIVE) >= 8


async def test_every_page_carries_the_names(app: Quart, family_client: Any) -> None:
    page = await (await family_client.get("/")).get_data(as_text=True)
    match = re.search(r'<script type="application/json" id="shared-names">(.*?)</script>', page)
    assert match is not None
    names = json.loads(match.group(1))
    assert names["outboxDatabase"] == shared_names.OUTBOX_DATABASE
    assert names["messages"]["flushOutbox"] == shared_names.FLUSH_OUTBOX_MESSAGE
    assert names["urls"]["reports"] == "/api/reports"
    assert names["urls"]["pushSubscriptions"] == "/api/push/subscriptions"
    assert names["urls"]["reportPhotos"] == ["/api/reports/", "/photos"]


async def test_the_worker_gets_the_same_names_as_the_pages(client: Any) -> None:
    worker = await (await client.get("/sw.js")).get_data(as_text=True)
    page = await (await client.get("/login")).get_data(as_text=True)
    settings = re.search(r"const SHELL = (\{.*?\});\n", worker)
    block = re.search(r'id="shared-names">(.*?)</script>', page)
    assert settings is not None and block is not None
    assert json.loads(settings.group(1))["names"] == json.loads(block.group(1))
