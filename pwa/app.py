"""The application factory: configuration, database, extensions, blueprints, errors."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from functools import cache, wraps
from importlib import resources
from pathlib import Path
from typing import Any

from quart import Quart, g, has_request_context, request, url_for
from quart.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from . import config as settings
from . import i18n, limits, security
from .accounts import sessions
from .accounts import views as account_views
from .admin import audit_views as admin_audit_views
from .admin import hospital_views as admin_hospital_views
from .admin import records as record_views
from .admin import reminders as admin_reminders
from .admin import staff as admin_staff_views
from .admin import views as admin_views
from .db import Database, has_demo_accounts, migrate
from .diary import photo_views
from .diary import views as diary_views
from .families import access_log as family_access_log
from .families import data_views as family_data_views
from .families import phone_views as family_phone_views
from .families import views as family_views
from .health import blueprint as health_blueprint
from .hospital import staffed_hours_data, staffed_hours_text
from .ids import IdConverter
from .notifications import keys as vapid_keys
from .notifications import views as reminder_views
from .notifications.endpoints import EndpointPolicy
from .notifications.sender import Sender, run_loop
from .notifications.status import sender_in_app
from .nurse import exports as export_views
from .nurse import planning as planning_views
from .nurse import queue_views
from .nurse import views as nurse_views
from .pagecache import PageCache
from .plans import calendar_views
from .plans import formatting as plan_formatting
from .plans import views as plan_views
from .rendering import PageEnvironment, render_template
from .serving import ForwardedScheme, redact
from .shell import views as shell_views

log = logging.getLogger(__name__)


def asset_root() -> Path:
    """Where templates/, static/ and service_worker/ are: inside the wheel, or the checkout."""
    packaged = Path(str(resources.files("pwa"))) / "_assets"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent


@cache
def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


class App(Quart):
    """Quart, with two changes that matter on every request (docs/performance.md).

    Templates render in Jinja's synchronous mode (see pwa/rendering.py). And the few
    synchronous hooks (ours and the extensions') run inline on the event loop instead of
    one trip each to a thread pool, which Quart does by default: they are short and never
    block, and the trips were a large share of a page's cost. Blocking work is handed to
    a thread explicitly (``asyncio.to_thread``), never left to this.
    """

    jinja_environment = PageEnvironment  # type: ignore[assignment]

    def ensure_async(self, func: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:  # type: ignore[override]
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
        if sender_in_app(values):
            sender = Sender(db, vapid, endpoints=endpoints, timeout=values["PUSH_TIMEOUT_SECONDS"])
            sender_tasks.append(
                asyncio.create_task(
                    run_loop(sender, values["SENDER_INTERVAL_SECONDS"], sender_stop)
                )
            )

    @app.after_serving
    async def close_database() -> None:
        # Let the sender finish its run before the database goes away.
        sender_stop.set()
        await asyncio.gather(*sender_tasks)
        await db.close()

    # Order matters: language first, then who is asking, then limits and access rules.
    i18n.init_app(app)
    sessions.init_app(app)
    limits.init_app(app)
    security.init_app(app)

    app.register_blueprint(account_views.blueprint)
    app.register_blueprint(family_views.blueprint)
    app.register_blueprint(family_data_views.blueprint)
    app.register_blueprint(family_phone_views.blueprint)
    app.register_blueprint(nurse_views.blueprint)
    app.register_blueprint(export_views.blueprint)
    app.register_blueprint(admin_views.blueprint)
    app.register_blueprint(admin_staff_views.blueprint)
    app.register_blueprint(admin_hospital_views.blueprint)
    app.register_blueprint(admin_audit_views.blueprint)
    app.register_blueprint(family_access_log.blueprint)
    app.register_blueprint(admin_reminders.blueprint)
    app.register_blueprint(calendar_views.blueprint)
    app.register_blueprint(plan_views.blueprint)
    app.register_blueprint(diary_views.blueprint)
    app.register_blueprint(photo_views.blueprint)
    app.register_blueprint(planning_views.blueprint)
    app.register_blueprint(queue_views.blueprint)
    app.register_blueprint(record_views.blueprint)
    app.register_blueprint(plan_formatting.blueprint)
    app.register_blueprint(health_blueprint)
    app.register_blueprint(reminder_views.blueprint)
    app.register_blueprint(shell_views.blueprint)

    static_root = root / "static"

    asset_urls: dict[tuple[str, str], str] = {}

    def asset(path: str) -> str:
        """A static URL carrying the file's content hash, so it can be cached forever.

        Built once per file (and mount point): every page links a handful of assets, and
        ``url_for`` plus the path arithmetic cost more than the rest of a small page.
        """
        key = (request.root_path if has_request_context() else "", path)
        url = asset_urls.get(key)
        if url is None:
            url = asset_urls[key] = url_for(
                "static", filename=path, v=_file_hash(static_root / path)
            )
        return url

    app.jinja_env.globals["asset"] = asset
    app.jinja_env.globals["staffed_hours_text"] = staffed_hours_text
    app.jinja_env.globals["staffed_hours_data"] = staffed_hours_data

    @app.context_processor
    async def who() -> dict[str, Any]:
        return {
            "account": g.get("account"),
            "children": g.get("children", []),
            "child": g.get("child"),
        }

    register_error_pages(app)
    if values["TRUSTED_PROXIES"]:
        app.asgi_app = ForwardedScheme(app.asgi_app, values["TRUSTED_PROXIES"])  # type: ignore[method-assign]
    return app


def register_error_pages(app: Quart) -> None:
    """Plain, translated error pages; never a traceback."""

    @app.errorhandler(HTTPException)
    async def http_error(error: HTTPException) -> ResponseReturnValue:
        status = error.code or 500
        if request.path.startswith("/api/"):
            response = await app.make_response(({"error": error.name}, status))
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
        return await render_template("errors/error.html", status=500), 500
