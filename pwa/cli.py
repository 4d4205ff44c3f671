"""The `pwa` command: serve, migrate, demo data, backups, account bootstrap and reminders."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import TypeVar

import aiohttp

from . import demo
from .accounts import second_factor
from .accounts import store as accounts
from .accounts.passwords import hash_password, password_problem
from .app import create_app
from .db import Database
from .hospital import hospital_settings
from .notifications.sender import Sender, Summary
from .schema import migrate

T = TypeVar("T")


def _serve(args: argparse.Namespace) -> int:
    from hypercorn.asyncio import serve

    from .serving import hypercorn_config

    app = create_app()
    host = args.host or app.config["HOST"]
    port = args.port or app.config["PORT"]
    if bool(args.certfile) != bool(args.keyfile):
        raise SystemExit("--certfile and --keyfile go together")
    scheme = "https" if args.certfile else "http"
    print(f"Immuno Companion on {scheme}://{host}:{port}", flush=True)
    config = hypercorn_config(host, port, args.certfile, args.keyfile)
    asyncio.run(serve(app, config))
    return 0


def _migrate(_: argparse.Namespace) -> int:
    app = create_app()
    applied = migrate(app.config["DATABASE"])
    print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none needed'}")
    return 0


async def _with_db(path: str, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run one piece of work on an open database, closing it afterwards."""
    db = Database(path, read_connections=1)
    await db.open()
    try:
        return await work(db)
    finally:
        await db.close()


def _demo(args: argparse.Namespace) -> int:
    app = create_app()
    if app.config["ENV"] == "production":
        print("refusing: demo data is for development only", file=sys.stderr)
        return 2
    today = date.fromisoformat(args.today) if args.today else None  # the hospital's today
    migrate(app.config["DATABASE"])
    loaded = asyncio.run(_with_db(app.config["DATABASE"], lambda db: demo.load(app, db, today)))
    print(
        "demo data loaded" if loaded else "database already has accounts; demo data left as it is"
    )
    return 0


def _demo_code(args: argparse.Namespace) -> int:
    app = create_app()
    print(second_factor.current_code(app.config["DEMO_TOTP_SECRET"]))
    return 0


def _create_admin(args: argparse.Namespace) -> int:
    app = create_app()
    password = args.password or getpass.getpass("Password for the new admin: ")

    async def work(db: Database) -> int:
        async with app.app_context():
            hospital = (await hospital_settings(db)).name
            problem = password_problem(password, [args.email, args.name, hospital])
            if problem:
                print(problem, file=sys.stderr)
                return 2
            password_hash = hash_password(password)
        if await accounts.select_account_by_email(db, args.email):
            print("an account with this e-mail address exists already", file=sys.stderr)
            return 2
        async with db.transaction() as tx:
            await accounts.insert_account(
                tx,
                email=args.email,
                display_name=args.name,
                role="admin",
                password_hash=password_hash,
            )
        print(f"admin {args.email} created; the second factor is set up at first sign-in")
        return 0

    migrate(app.config["DATABASE"])
    return asyncio.run(_with_db(app.config["DATABASE"], work))


def _purge(_: argparse.Namespace) -> int:
    from datetime import timedelta
    from pathlib import Path

    from .clock import utcnow
    from .families.retention import PurgeSummary, purge
    from .photos import FOLDER, sweep_orphans

    app = create_app()
    migrate(app.config["DATABASE"])
    retention = timedelta(days=app.config["RETENTION_DAYS"])
    photos = Path(app.config["INSTANCE_PATH"]) / FOLDER

    async def work(db: Database) -> tuple[PurgeSummary, int]:
        summary = await purge(db, utcnow(), retention, photos)
        return summary, await sweep_orphans(db, photos, utcnow())

    summary, orphans = asyncio.run(_with_db(app.config["DATABASE"], work))
    print(
        f"purged {summary.children} closed record(s), {summary.caregivers} account(s), {summary.photos} photo(s)"
    )
    print(f"removed {orphans} photo file(s) no report or message refers to")
    return 0


def _backup(args: argparse.Namespace) -> int:
    app = create_app()
    migrate(app.config["DATABASE"])

    async def work(db: Database) -> None:
        await db.backup(args.target)

    asyncio.run(_with_db(app.config["DATABASE"], work))
    print(f"backup written to {args.target}")
    return 0


def _send_reminders(_: argparse.Namespace) -> int:
    """One sender run, for cron or a separate process (with PWA_SENDER_IN_APP=false)."""
    app = create_app()
    migrate(app.config["DATABASE"])

    async def work(db: Database) -> Summary:
        async with aiohttp.ClientSession() as session:
            return await Sender.for_app(app, db, name="cli").run_once(session)

    summary = asyncio.run(_with_db(app.config["DATABASE"], work))
    print(
        f"claimed {summary.claimed}, sent {summary.sent}, retried {summary.retried}, "
        f"failed {summary.failed}, deferred {summary.deferred}, expired {summary.expired}"
    )
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="pwa", description="Immuno Companion")
    commands = root.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the app with Hypercorn")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--certfile", help="PEM certificate: serve https without a proxy")
    serve.add_argument("--keyfile", help="PEM private key of --certfile")
    serve.set_defaults(run=_serve)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(run=_migrate)
    demo_command = commands.add_parser("demo", help="load demo data (development only)")
    demo_command.add_argument("--today", help="build the demo around this date (YYYY-MM-DD)")
    demo_command.set_defaults(run=_demo)
    commands.add_parser("demo-code", help="print the demo staff's current TOTP code").set_defaults(
        run=_demo_code
    )
    admin = commands.add_parser("create-admin", help="create a hospital admin account")
    admin.add_argument("email")
    admin.add_argument("--name", default="Admin")
    admin.add_argument("--password", help="omit to be asked without echo")
    admin.set_defaults(run=_create_admin)
    commands.add_parser(
        "purge", help="remove personal data of records closed longer ago than PWA_RETENTION_DAYS"
    ).set_defaults(run=_purge)
    backup = commands.add_parser(
        "backup", help="copy the live database with SQLite's online backup API"
    )
    backup.add_argument("target")
    backup.set_defaults(run=_backup)
    commands.add_parser(
        "send-reminders", help="send the push notifications that are due, once (for cron)"
    ).set_defaults(run=_send_reminders)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
