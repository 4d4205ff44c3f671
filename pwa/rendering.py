"""Pages are rendered by Jinja in its ordinary (synchronous) mode.

Quart turns on Jinja's async mode so that templates may await. Ours never do: every
template global and filter is a plain function and the data is fetched before rendering.
In async mode each output expression, call and loop goes through coroutine machinery,
which made rendering the larger part of a page's cost (docs/performance.md). Rendering
synchronously in the event loop is the same CPU work as before, without that overhead;
nothing awaited inside a template, so no other request waits any longer than it did.

Each language also has its own compiled copy of every template, in which the constant
messages (``_("Home")``, the large majority) are translated once, while compiling, instead
of being looked up on every render. Messages with values (``_("Hello, %(name)s",
name=...)``) and plurals are still translated when rendered.

Use ``render_template`` from here instead of Quart's; it keeps Quart's context
processors and template signals.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, Template
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from quart import Quart, current_app
from quart.signals import before_render_template, template_rendered

from .i18n import current_locale, load_catalogues


class ConstantMessages(Extension):
    """While compiling for one language, replace ``_("literal")`` by its translation.

    The result is exactly what the call would return when rendered: newstyle gettext
    marks a translation safe (catalogues are trusted text) and applies ``%`` formatting
    with no values, so ``%%`` reads as ``%``.
    """

    def filter_stream(self, stream: TokenStream) -> Any:
        locale = getattr(self.environment, "message_locale", None)
        if locale is None:
            return stream
        return iter(_translate_constants(list(stream), locale))


def _translate_constants(tokens: list[Token], locale: str) -> list[Token]:
    catalogue = load_catalogues().get(locale)
    if catalogue is None:
        return tokens  # no catalogue: every message is translated when rendered, as usual
    result: list[Token] = []
    index = 0
    while index < len(tokens):
        window = tokens[index : index + 4]
        if (
            len(window) == 4
            and window[0].type == "name"
            and window[0].value == "_"
            and [token.type for token in window[1:]] == ["lparen", "string", "rparen"]
            and (not result or result[-1].type != "dot")
        ):
            try:
                text = catalogue.gettext(window[2].value) % {}
            except (KeyError, TypeError, ValueError):
                text = None  # left to fail (or not) exactly as it would when rendered
            if text is not None:
                line = window[0].lineno
                result += [
                    Token(line, "string", text),
                    Token(line, "pipe", "|"),
                    Token(line, "name", "safe"),
                ]
                index += 4
                continue
        result.append(tokens[index])
        index += 1
    return result


class PageEnvironment(Environment):
    """Quart's environment (its loader and globals) without async mode, with one
    compiled copy of the templates per language."""

    def __init__(self, app: Quart, **options: Any) -> None:
        if "loader" not in options:
            options["loader"] = app.create_global_jinja_loader()
        options["enable_async"] = False
        options["extensions"] = [*options.get("extensions", ()), ConstantMessages]
        super().__init__(**options)
        self._by_locale: dict[str, Environment] = {}

    def for_locale(self, locale: str) -> Environment:
        """This environment's twin for one language: the same globals, filters and
        loader, its own cache of templates compiled with that language's messages."""
        found = self._by_locale.get(locale)
        if found is None:
            found = self.overlay()
            found.message_locale = locale  # type: ignore[attr-defined]
            self._by_locale[locale] = found
        return found


def _environment(app: Quart) -> Environment:
    environment = app.jinja_env
    if isinstance(environment, PageEnvironment):
        return environment.for_locale(current_locale())
    return environment


async def render_template(template_name: str, **context: Any) -> str:
    app: Quart = current_app._get_current_object()  # type: ignore[attr-defined]
    await app.update_template_context(context)
    return await _render(app, _environment(app).get_or_select_template(template_name), context)


async def render_template_string(source: str, **context: Any) -> str:
    app: Quart = current_app._get_current_object()  # type: ignore[attr-defined]
    await app.update_template_context(context)
    return await _render(app, _environment(app).from_string(source), context)


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
