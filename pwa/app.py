"""The application factory: configuration, database, extensions, blueprints, errors."""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from functools import wraps
from importlib import resources
from pathlib import Path
from typing import Any

from quart import Quart, request
from quart.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from . import (
    accounts,
    admin,
    diary,
    doses,
    families,
    fhir,
    guidance,
    i18n,
    limits,
    messages,
    notifications,
    nurse,
    plans,
    security,
    security_events,
    shell,
    templating,
)
from . import config as settings
from .accounts import sessions
from .db import Database
from .fhir import outcomes as fhir_outcomes
from .health import blueprint as health_blueprint
from .ids import IdConverter
from .notifications import keys as vapid_keys
from .notifications.endpoints import EndpointPolicy
from .notifications.mail import MailSettings
from .notifications.sender import Sender, run_loop
from .notifications.status import sender_in_app
from .pagecache import PageCache
from .rendering import PageEnvironment, render_template
from .schema import has_demo_accounts, migrate
from .serving import ForwardedScheme, redact

log = logging.getLogger(__name__)
# How long a stopping server waits for the in-app sender's run before cutting it short.
SENDER_STOP_GRACE_SECONDS = 5.0


def asset_root() -> Path:
    """Where templates/, static/ and service_worker/ are: inside the wheel, or the checkout."""
    packaged = Path(str(resources.files("pwa"))) / "_assets"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent


class App(Quart):
    """Quart, with two changes that matter on every request (docs/performance.md).

    Templates render in Jinja's synchronous mode (see pwa/rendering.py). And the few
    synchronous hooks (ours and the extensions') run inline on the event loop instead of
    one trip each to a thread pool, which Quart does by default: they are short and never
    block, and the trips were a large share of a page's cost. Blocking work is handed to
    a thread explicitly (``asyncio.to_thread``), never left to this.
    """

    jinja_environment = PageEnvironment  # type: ignore[assignment]

    def ensure_async(self, func: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
        if inspect.iscoroutinefunction(func):
            return func

        @wraps(func)
        async def inline(*args: Any, **kwargs: Any) -> Any:
            return func(*args, **kwargs)

        return inline


def create_app(config: Mapping[str, Any] | None = None) -> Quart:
    values = settings.load(config)
    settings.ensure_secret_key(values)
    settings.check_production(values)
    root = asset_root()
    app = App(
        __name__,
        static_folder=str(root / "static"),
        static_url_path="/static",
        template_folder=str(root / "templates"),
        instance_path=values["INSTANCE_PATH"],
    )
    # Every integer in our URLs is a row id: refuse what SQLite cannot hold (pwa/ids.py).
    app.url_map.converters["int"] = IdConverter
    app.config.update(values)
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    app.jinja_env.autoescape = True

    db = Database(values["DATABASE"], values["READ_CONNECTIONS"])
    app.extensions["db"] = db
    app.extensions["page_cache"] = PageCache(values["PAGE_CACHE_PAGES"])
    vapid = vapid_keys.load(
        values["INSTANCE_PATH"], values["VAPID_PRIVATE_KEY"], values["VAPID_SUBJECT"]
    )
    app.extensions["vapid"] = vapid
    endpoints = EndpointPolicy.from_config(values)
    app.extensions["push_endpoints"] = endpoints
    app.extensions["mail"] = MailSettings.from_config(values)
    sender_stop = asyncio.Event()
    sender_tasks: list[asyncio.Task[None]] = []

    @app.before_serving
    async def open_database() -> None:
        migrate(db.path)
        if values["ENV"] == "production" and has_demo_accounts(db.path):
            raise settings.ConfigError(
                "production refuses to run with demo accounts in the database"
            )
        await db.open()
        # Kept pages carry the old connection's data_version; the new one counts afresh.
        app.extensions["page_cache"].clear()
        if sender_in_app(values):
            sender = Sender.for_app(app, db)
            sender_tasks.append(
                asyncio.create_task(
                    run_loop(sender, values["SENDER_INTERVAL_SECONDS"], sender_stop)
                )
            )

    @app.after_serving
    async def close_database() -> None:
        # Let the sender finish its run before the database goes away, but not for long: a
        # hung mail relay or push service would hold every send for its timeout while the
        # server accepts no connection. A run cut short loses nothing: its claimed jobs
        # are sent again when their lease ends (same Topic, same Message-ID).
        sender_stop.set()
        if sender_tasks:
            _, late = await asyncio.wait(sender_tasks, timeout=SENDER_STOP_GRACE_SECONDS)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await db.close()

    # Order matters: language first, then who is asking, then limits and access rules.
    i18n.init_app(app)
    sessions.init_app(app)
    limits.init_app(app)
    security.init_app(app)
    security_events.init_app(app)

    for package in (
        accounts,
        families,
        diary,
        messages,
        doses,
        plans,
        guidance,
        notifications,
        nurse,
        admin,
        shell,
        fhir,
    ):
        package.init_app(app)
    app.register_blueprint(health_blueprint)

    templating.init_app(app, root / "static")

    register_error_pages(app)
    if values["TRUSTED_PROXIES"]:
        app.asgi_app = ForwardedScheme(app.asgi_app, values["TRUSTED_PROXIES"])  # type: ignore[method-assign]
    return app


def register_error_pages(app: Quart) -> None:
    """Plain, translated error pages; never a traceback."""

    @app.errorhandler(HTTPException)
    async def http_error(error: HTTPException) -> ResponseReturnValue:
        status = error.code or 500
        if not getattr(error, "security_logged", False):
            security_events.record_refusal(status)
        if request.path.startswith("/api/"):
            response = await app.make_response(({"error": error.name}, status))
        elif _is_fhir(request.path):
            response = fhir_outcomes.http_error_response(status, error.name)
        else:
            # A 429 says how long to wait, in minutes, as its Retry-After header does.
            retry_after = getattr(error, "retry_after", None)
            wait_minutes = math.ceil(retry_after / 60) if isinstance(retry_after, int) else None
            page = await render_template(
                "errors/error.html", status=status, wait_minutes=wait_minutes
            )
            response = await app.make_response((page, status))
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    async def unexpected(error: Exception) -> ResponseReturnValue:
        # The path may carry an invite, reset or calendar token: never write it to a log.
        log.exception("unhandled error on %s %s", request.method, redact(request.path))
        if request.path.startswith("/api/"):
            return {"error": "Internal Server Error"}, 500
        if _is_fhir(request.path):
            return fhir_outcomes.http_error_response(500, "Internal Server Error")
        return await render_template("errors/error.html", status=500), 500


def _is_fhir(path: str) -> bool:
    """The FHIR API answers every error as an OperationOutcome (pwa/fhir/outcomes.py)."""
    return path == "/fhir" or path.startswith("/fhir/")
