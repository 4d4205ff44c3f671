"""The real app served as `pwa serve` serves it: a subprocess on 127.0.0.1 and a free port,
restartable and killable, and `pwa` commands against its instance folder. The browser,
WebKit and reliability tests and the benchmarks all run the app this way.

Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
STARTUP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def push_test_service(origin: str) -> dict[str, Any]:
    """Settings that let the app send to the local fake push service at ``origin``
    (http://127.0.0.1:<port>) besides the real push services: development only, production
    refuses them."""
    from pwa.config import DEFAULT_PUSH_SERVICE_HOSTS

    return {
        "PUSH_SERVICE_HOSTS": f"{DEFAULT_PUSH_SERVICE_HOSTS} {origin.removeprefix('http://')}",
        "PUSH_ALLOW_INSECURE_TEST_SERVICE": True,
    }


def push_test_service_env(origin: str) -> dict[str, str]:
    """The same as PWA_* environment variables, for a served app."""
    return {
        f"PWA_{name}": str(value).lower() if value is True else str(value)
        for name, value in push_test_service(origin).items()
    }


def app_env(instance: Path, url: str, **extra: str) -> dict[str, str]:
    """The environment of a served app: cheap hashes, no PWA_* from the caller's shell."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PWA_")}
    env.update(
        PWA_ENV="development",
        PWA_INSTANCE_PATH=str(instance),
        PWA_PUBLIC_URL=url,
        # Cheap hashes keep sign-ins fast; production uses the argon2id defaults.
        PWA_ARGON2_TIME_COST="1",
        PWA_ARGON2_MEMORY_KIB="64",
        # Many clients sign in from 127.0.0.1: one address, many families.
        PWA_RATE_LIMITS_ENABLED="false",
        PWA_SENDER_IN_APP="false",
    )
    env.update(extra)
    return env


@dataclass
class Server:
    """`pwa serve` in a subprocess; restartable, killable with any signal."""

    instance: Path
    port: int = field(default_factory=free_port)
    env_extra: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    # A certificate and key for 127.0.0.1: Hypercorn then serves https itself.
    certfile: Path | None = None
    keyfile: Path | None = None
    # A command the server runs under, such as Debian's `faketime <when>` for a server
    # whose clock starts at a chosen moment.
    wrapper: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"{'https' if self.certfile else 'http'}://{HOST}:{self.port}"

    @property
    def database(self) -> str:
        return str(self.instance / "immuno.sqlite3")

    @property
    def log(self) -> Path:
        return self.instance.parent / f"server-{self.port}.log"

    def env(self) -> dict[str, str]:
        return app_env(self.instance, self.url, **self.env_extra)

    def start(self, command: tuple[str, ...] = ("-m", "pwa", "serve")) -> None:
        self.starts += 1
        tls = ["--certfile", str(self.certfile), "--keyfile", str(self.keyfile)]
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                [
                    *self.wrapper,
                    sys.executable,
                    *command,
                    *("--host", HOST, "--port", str(self.port)),
                    *(tls if self.certfile else ()),
                ],
                env=self.env(),
                cwd=ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
                # Its own process group: a wrapper such as faketime runs the app as its
                # child, and stopping or killing the wrapper alone would orphan the app.
                start_new_session=True,
            )
        self.wait_until_up()

    def wait_until_up(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_SECONDS
        # Our own certificate is the only one trusted for https.
        trust = ssl.create_default_context(cafile=self.certfile) if self.certfile else None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    "the app exited with "
                    f"{self.process.returncode}:\n{self.log.read_text()[-3000:]}"
                )
            try:
                health = f"{self.url}/healthz"
                with urllib.request.urlopen(health, timeout=1, context=trust) as response:  # noqa: S310 - 127.0.0.1  # nosec B310  # a fixed http(s)://127.0.0.1 URL built by the script itself
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.05)
        raise RuntimeError(
            f"the app did not answer within {STARTUP_SECONDS} s:\n{self.log.read_text()[-3000:]}"
        )

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flush, as a power cut of the process."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@contextmanager
def served(instance: Path, **env_extra: str) -> Iterator[Server]:
    server = Server(instance, env_extra=env_extra)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def run(*command: str, instance: Path, url: str = "http://127.0.0.1:8000", **env_extra: str) -> str:
    """A `pwa` command against an instance folder (migrate, demo, backup ...)."""
    return run_under((), *command, instance=instance, url=url, **env_extra)


def run_under(
    wrapper: tuple[str, ...],
    *command: str,
    instance: Path,
    url: str = "http://127.0.0.1:8000",
    **env_extra: str,
) -> str:
    """The same, under ``wrapper`` (as a Server's, e.g. `faketime <when>`)."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [*wrapper, sys.executable, "-m", "pwa", *command],
        env=app_env(instance, url, **env_extra),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def count_rows(database: str, sql: str, params: tuple[Any, ...] = ()) -> int:
    import sqlite3

    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return int(connection.execute(sql, params).fetchone()[0])
    finally:
        connection.close()
