"""How pages are produced: synchronous Jinja and no thread hand-offs for quick hooks.

Both are there for speed (docs/performance.md); these tests keep them from quietly
coming undone, and keep them safe: a template helper that had to be awaited would print
a coroutine instead of its value.
"""

from __future__ import annotations

import inspect
import threading
from typing import Any

from jinja2 import Environment
from quart import Quart, g


def awaitable_helpers(environment: Environment) -> list[str]:
    """Names of template globals and filters that are coroutine functions: a synchronous
    template would print such a helper's coroutine object instead of its value."""
    helpers = {
        **{f"filter {name}": value for name, value in environment.filters.items()},
        **{f"global {name}": value for name, value in environment.globals.items()},
    }
    return sorted(name for name, helper in helpers.items() if inspect.iscoroutinefunction(helper))


async def test_no_template_helper_needs_awaiting(app: Quart) -> None:
    assert app.jinja_env.is_async is False
    async with app.test_request_context("/"):
        assert awaitable_helpers(app.jinja_env) == []


async def test_an_awaitable_helper_would_be_found(app: Quart) -> None:
    async def upcoming() -> str:
        return "never printed"

    app.jinja_env.globals["upcoming"] = upcoming
    async with app.test_request_context("/"):
        assert awaitable_helpers(app.jinja_env) == ["global upcoming"]


async def test_synchronous_hooks_run_on_the_event_loop_thread(config: dict[str, Any]) -> None:
    from pwa.app import create_app

    application = create_app(config)
    seen: dict[str, int] = {}

    def before() -> None:  # a synchronous hook, like i18n.select_locale
        seen["hook"] = threading.get_ident()
        g.hook_ran = True

    application.before_request(before)
    async with application.test_app():
        response = await application.test_client().get("/healthz")
    assert response.status_code == 200
    # Quart's default hands each synchronous hook to a thread pool: one trip per hook
    # on every request.
    assert seen["hook"] == threading.get_ident()


async def test_pages_still_render_in_both_languages(client: Any) -> None:
    english = await client.get("/login", headers={"Accept-Language": "en"})
    dutch = await client.get("/login", headers={"Accept-Language": "nl"})
    assert english.status_code == dutch.status_code == 200
    assert "Sign in" in await english.get_data(as_text=True)
    assert "Inloggen" in await dutch.get_data(as_text=True)


async def test_messages_keep_gettexts_formatting_and_markup(app: Quart) -> None:
    """A message is a constant format; what a user typed is only ever a value in it."""
    source = (
        '{{ _("Home") }}|{{ _("100%% sure") }}|{{ _("Home")|upper }}|{{ _("a & b") }}|'
        '{{ _("Hello, %(name)s", name=typed) }}'
    )
    async with app.test_request_context("/", headers={"Accept-Language": "nl"}):
        await app.preprocess_request()
        page = app.jinja_env.from_string(source).render(typed="%(name)s <b>")
    assert page == "Start|100% sure|START|a & b|Hallo %(name)s &lt;b&gt;"


def test_every_view_is_a_coroutine_function(app: Quart) -> None:
    """Synchronous code runs inline on the event loop here (pwa/app.py: App.ensure_async),
    which is right for quick hooks but would let a blocking view stall every request."""
    synchronous = sorted(
        endpoint
        for endpoint, view in app.view_functions.items()
        if not inspect.iscoroutinefunction(view)
    )
    assert synchronous == []
