"""Pages are rendered by Jinja in its ordinary (synchronous) mode.

Quart turns on Jinja's async mode so that templates may await. Ours never do: every
template global and filter is a plain function and the data is fetched before rendering.
In async mode each output expression, call and loop goes through coroutine machinery,
which made rendering the larger part of a page's cost (docs/performance.md). Rendering
synchronously in the event loop is the same CPU work as before, without that overhead;
nothing awaited inside a template, so no other request waits any longer than it did.

Use ``render_template`` from here instead of Quart's; it keeps Quart's context
processors and template signals.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, Template
from quart import Quart, current_app
from quart.signals import before_render_template, template_rendered


class PageEnvironment(Environment):
    """Quart's environment (its loader and globals) without async mode."""

    def __init__(self, app: Quart, **options: Any) -> None:
        if "loader" not in options:
            options["loader"] = app.create_global_jinja_loader()
        options["enable_async"] = False
        super().__init__(**options)


async def render_template(template_name: str, **context: Any) -> str:
    """Render a template file synchronously, with Quart's context and signals."""
    app: Quart = current_app._get_current_object()  # type: ignore[attr-defined]
    await app.update_template_context(context)
    return await _render(app, app.jinja_env.get_or_select_template(template_name), context)


async def render_template_string(source: str, **context: Any) -> str:
    """Render template source synchronously, with Quart's context and signals."""
    app: Quart = current_app._get_current_object()  # type: ignore[attr-defined]
    await app.update_template_context(context)
    return await _render(app, app.jinja_env.from_string(source), context)


async def _render(app: Quart, template: Template, context: dict[str, Any]) -> str:
    await before_render_template.send_async(
        app,
        _sync_wrapper=app.ensure_async,  # type: ignore[arg-type]
        template=template,
        context=context,
    )
    page = template.render(context)
    await template_rendered.send_async(
        app,
        _sync_wrapper=app.ensure_async,  # type: ignore[arg-type]
        template=template,
        context=context,
    )
    return page
