"""The offline shell on the server: manifest, service worker, offline page, and which
responses a phone may keep."""

from __future__ import annotations

import json
import re
import shutil
import struct
from pathlib import Path
from typing import Any

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client

import pwa.app
import pwa.templating
from pwa.app import asset_root, create_app
from pwa.security import SECURITY_HEADERS
from pwa.shared_names import CACHEABLE_HEADER, OWNER_HEADER
from pwa.shell import precache
from tests.conftest import HttpsClient, People, get_csrf, sign_in

SETTINGS_LINE = re.compile(r"^const SHELL = (\{.*\});$", re.MULTILINE)


async def worker(client: Client) -> tuple[Any, dict[str, Any]]:
    response = await client.get("/sw.js")
    settings = SETTINGS_LINE.search(await response.get_data(as_text=True))
    assert settings, "the served worker carries its settings"
    return response, json.loads(settings.group(1))


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# --- manifest --------------------------------------------------------------------


async def test_manifest_makes_the_app_installable(client: Client) -> None:
    response = await client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(await response.get_data(as_text=True))
    assert manifest["name"] == "Immuno Companion"
    assert manifest["short_name"] and len(manifest["short_name"]) <= 12
    assert manifest["description"]
    assert (manifest["id"], manifest["start_url"], manifest["scope"]) == ("/", "/", "/")
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#1d5c63"
    assert manifest["background_color"].startswith("#")
    dark = manifest["user_preferences"]["color_scheme_dark"]
    assert dark["theme_color"] == "#10282b"

    icons = {(icon["sizes"], icon["purpose"]): icon for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable"), ("any", "any")} <= set(
        icons
    )
    for (sizes, _), icon in icons.items():
        image = await client.get(icon["src"])
        assert image.status_code == 200, icon["src"]
        assert image.mimetype == icon["type"]
        if icon["type"] == "image/png":
            edge = int(sizes.split("x")[0])
            assert png_size(await image.get_data()) == (edge, edge)


async def test_manifest_colours_match_the_pages(client: Client) -> None:
    manifest = json.loads(await (await client.get("/manifest.webmanifest")).get_data(as_text=True))
    page = await (await client.get("/login")).get_data(as_text=True)
    light = re.search(r'theme-color" content="(#\w+)" media="\(prefers-color-scheme: light\)', page)
    dark = re.search(r'theme-color" content="(#\w+)" media="\(prefers-color-scheme: dark\)', page)
    assert light and light.group(1) == manifest["theme_color"]
    assert (
        dark and dark.group(1) == manifest["user_preferences"]["color_scheme_dark"]["theme_color"]
    )


async def test_manifest_description_follows_the_language(client: Client) -> None:
    response = await client.get("/manifest.webmanifest", headers={"Accept-Language": "nl"})
    manifest = json.loads(await response.get_data(as_text=True))
    assert manifest["lang"] == "nl"
    assert "ziekenhuis" in manifest["description"]


async def test_every_page_links_the_manifest_icons_and_scripts(client: Client) -> None:
    page = await (await client.get("/login")).get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert re.search(
        r'<link rel="apple-touch-icon" href="/static/icons/apple-touch-icon\.png\?v=\w+">', page
    )
    for module in ("sw-register", "sign-out", "install"):
        assert re.search(
            rf'<script type="module" src="/static/js/{module}\.js\?v=\w+"></script>', page
        )
    assert "<script>" not in page, "inline scripts are refused by the CSP"


# --- the service worker ------------------------------------------------------------


async def test_worker_is_served_as_fresh_javascript_with_the_security_headers(
    client: Client,
) -> None:
    response, settings = await worker(client)
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert "Set-Cookie" not in response.headers
    body = await response.get_data(as_text=True)
    assert precache.SETTINGS_PLACEHOLDER not in body
    assert re.fullmatch(r"[0-9a-f]{16}", settings["version"])
    assert settings["offline"] == "/offline"
    assert settings["signedOut"] == "/login?signed_out=1"


async def test_worker_precaches_the_whole_shell_by_content_hashed_url(
    app: Quart, client: Client
) -> None:
    _, settings = await worker(client)
    static = Path(str(app.static_folder))
    files = sorted(
        path.relative_to(static).as_posix()
        for folder in ("css", "js", "icons")
        for path in (static / folder).iterdir()
    )
    assert "css/app.css" in files and "js/sw-register.js" in files and "icons/icon-192.png" in files
    async with app.test_request_context("/"):
        expected = [app.jinja_env.globals["asset"](path) for path in files]  # type: ignore[operator]
    assert settings["precache"] == ["/offline", *expected]
    for url in settings["precache"]:
        response = await client.get(url)
        assert response.status_code == 200, url
        assert "Set-Cookie" not in response.headers, f"{url} must not carry a cookie"


async def test_worker_version_is_stable_while_nothing_changes(client: Client) -> None:
    _, first = await worker(client)
    _, second = await worker(client)
    assert first["version"] == second["version"]


@pytest.fixture
def asset_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app's templates, static files and worker in a folder the test may change."""
    root = tmp_path / "assets"
    for folder in ("templates", "static", "service_worker"):
        shutil.copytree(asset_root() / folder, root / folder)
    monkeypatch.setattr(pwa.app, "asset_root", lambda: root)
    return root


async def served_worker_settings(config: dict[str, Any]) -> dict[str, Any]:
    """What a freshly started server puts into the worker."""
    pwa.templating._file_hash.cache_clear()
    application = create_app(config)
    application.test_client_class = HttpsClient  # type: ignore[assignment]  # QuartClient, not quart.typing's protocol
    async with application.test_app():
        _, settings = await worker(application.test_client())
    return settings


@pytest.mark.parametrize(
    ("changed", "old", "new", "precache_url_changes"),
    [
        ("static/css/app.css", "}", "} /* changed */", True),
        ("static/js/install.js", "const help", "const  help", True),
        ("service_worker/sw.js", "const CACHE_PREFIX", "const  CACHE_PREFIX", False),
        ("templates/shell/offline.html", "<h1>", "<h1 class=changed>", False),
    ],
)
async def test_worker_version_changes_with_anything_it_precaches(
    asset_copy: Path,
    config: dict[str, Any],
    changed: str,
    old: str,
    new: str,
    precache_url_changes: bool,
) -> None:
    before = await served_worker_settings(config)
    path = asset_copy / changed
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    after = await served_worker_settings(config)
    assert after["version"] != before["version"]
    assert (after["precache"] != before["precache"]) is precache_url_changes


async def test_worker_version_changes_with_the_hospital_numbers_on_the_offline_page(
    client: Client, app: Quart
) -> None:
    from pwa.hospital import HospitalSettings, save_hospital_settings

    _, before = await worker(client)
    async with app.extensions["db"].transaction() as connection:
        await save_hospital_settings(connection, HospitalSettings(phone_daytime="+31 20 123 4567"))
    _, after = await worker(client)
    assert after["version"] != before["version"]
    assert "+31 20 123 4567" in await (await client.get("/offline")).get_data(as_text=True)


def test_worker_source_must_have_its_placeholder_once() -> None:
    with pytest.raises(RuntimeError):
        precache.fill_worker("const SHELL = {};", {})
    with pytest.raises(RuntimeError):
        precache.fill_worker("__SHELL__ __SHELL__", {})
    assert precache.fill_worker("const SHELL = __SHELL__;", {"a": 1}) == 'const SHELL = {"a": 1};'


# --- the offline page --------------------------------------------------------------


async def test_offline_page_helps_without_anything_personal(
    family_client: Client,
) -> None:
    response = await family_client.get("/offline")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Content-Language"] == "en"
    assert "Set-Cookie" not in response.headers
    page = await response.get_data(as_text=True)
    assert "<h1>You are offline</h1>" in page
    assert "call 112" in page and 'href="tel:' in page
    # Phones keep one copy for whoever signs in next: no account, messages or forms.
    assert "Parent" not in page and "Sam" not in page
    assert "<form" not in page and "csrf_token" not in page
    assert CACHEABLE_HEADER not in response.headers
    assert OWNER_HEADER not in response.headers
    worker_response, settings = await worker(family_client)
    assert OWNER_HEADER not in worker_response.headers
    for url in settings["precache"]:
        assert OWNER_HEADER not in (await family_client.get(url)).headers, url


async def test_offline_page_in_dutch(client: Client) -> None:
    response = await client.get("/offline", headers={"Accept-Language": "nl"})
    assert response.headers["Content-Language"] == "nl"
    page = await response.get_data(as_text=True)
    assert '<html lang="nl"' in page and "Je bent offline" in page


# --- which responses a phone may keep ---------------------------------------------------


def get_routes(app: Quart, people: People) -> list[tuple[str, str]]:
    """(endpoint, path) for every GET route, with ids filled in from the test's rows."""
    values = {"child_id": people.child_id, "caregiver_id": people.parent_id, "invite_id": 1}
    routes = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        if set(rule.arguments) - set(values):
            continue  # capability links (invite, reset codes) hold no family page
        routes.append((rule.endpoint, rule.build({k: values[k] for k in rule.arguments})[1]))
    return sorted(routes)


# docs/offline.md: offline, a family can open home, the schedule, the report form, the
# "when to call us" card, the conversation and the guidance list (and its pages, whose
# addresses hold a slug this walk does not fill in); no other page may be kept on a phone.
OFFLINE_FAMILY_PATHS = {"/", "/call", "/schedule", "/diary/new", "/messages", "/guidance"}


async def paths_marked_cacheable(app: Quart, client: Client, people: People) -> set[str]:
    marked = set()
    for _, path in get_routes(app, people):
        response = await client.get(path)
        if CACHEABLE_HEADER in response.headers:
            assert response.headers[CACHEABLE_HEADER] == "family"
            assert response.status_code == 200 and response.mimetype == "text/html"
            marked.add(path)
    return marked


async def test_only_listed_family_pages_may_be_kept(
    app: Quart, family_client: Client, people: People
) -> None:
    marked = await paths_marked_cacheable(app, family_client, people)
    assert {"/", "/call"} <= marked <= OFFLINE_FAMILY_PATHS


@pytest.mark.parametrize("role", ["nurse", "admin"])
async def test_staff_pages_are_never_kept(app: Quart, people: People, role: str) -> None:
    client = app.test_client()
    await sign_in(client, f"{role}@example.org", staff=True)
    assert await paths_marked_cacheable(app, client, people) == set()


async def test_signed_out_pages_are_never_kept_and_name_nobody(
    app: Quart, client: Client, people: People
) -> None:
    assert await paths_marked_cacheable(app, client, people) == set()
    response = await client.get("/call")
    assert OWNER_HEADER not in response.headers


async def test_owner_tag_tells_accounts_apart_without_naming_them(
    app: Quart, people: People
) -> None:
    first, second = app.test_client(), app.test_client()
    await sign_in(first, "parent@example.org")
    await sign_in(second, "other@example.org")
    tag = (await first.get("/")).headers[OWNER_HEADER]
    assert (await first.get("/settings")).headers[OWNER_HEADER] == tag
    assert (await second.get("/")).headers[OWNER_HEADER] != tag
    assert str(people.parent_id) != tag and len(tag) >= 16


async def test_sign_out_tells_the_browser_to_clear_the_site_data(
    family_client: Client,
) -> None:
    token = await get_csrf(family_client, "/settings")
    response = await family_client.post("/logout", form={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


async def test_a_refused_sign_out_clears_nothing(family_client: Client) -> None:
    response = await family_client.post("/logout", form={"csrf_token": "forged"})
    assert response.status_code == 400
    assert "Clear-Site-Data" not in response.headers
