"""WebKit tests: Debian's WebKitGTK WebDriver drives MiniBrowser (the engine of Safari
and every iPhone browser) on a virtual X display against the real served app.

Playwright cannot download its own WebKit here, so Selenium talks to `WebKitWebDriver`,
which starts `MiniBrowser --automation`. Xvfb runs for the session on a display number
it picks itself (free), and only the driver's environment names it. The app is served
twice from demo data, as `make run` serves it (plain http on 127.0.0.1) and over https
with a self-signed certificate made here; one WebKit session serves a whole module.
Missing programs are a failure, not a skip: `make test` installs them.
"""

from __future__ import annotations

import ipaddress
import os
import subprocess
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from selenium import webdriver
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.webkitgtk.options import Options
from selenium.webdriver.webkitgtk.service import Service

from tests.helpers.served import HOST, Server, run
from tests.helpers.webkit import PHONE_WIDTH

WEBDRIVER = Path("/usr/bin/WebKitWebDriver")
MINIBROWSER = Path("/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser")
XVFB = Path("/usr/bin/Xvfb")
PHONE = (PHONE_WIDTH, 780)
# MiniBrowser's toolbar keeps its window at least 447 px wide; a user stylesheet for
# GTK lets its buttons and address field shrink, so the page can be a phone's width.
NARROW_TOOLBAR_CSS = "button, entry { min-width: 0; padding: 0; margin: 0; }\n"


def _require(*programs: Path) -> None:
    missing = [str(program) for program in programs if not program.exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: run `make webkit` (or `make test`)")


@pytest.fixture(scope="session")
def display() -> Iterator[str]:
    """A virtual X display (Xvfb picks a free number and writes it to a pipe)."""
    _require(XVFB)
    reader, writer = os.pipe()
    xvfb = subprocess.Popen(  # noqa: S603 - a fixed system program and our own arguments
        [str(XVFB), "-displayfd", str(writer), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        pass_fds=(writer,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(writer)
    try:
        with os.fdopen(reader) as numbers:
            number = numbers.readline().strip()
        if not number:
            pytest.fail(f"Xvfb did not start (exit {xvfb.poll()})")
        yield f":{number}"
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, valid for a day, and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    certfile.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certfile, keyfile


def _serve_demo(server: Server) -> Iterator[Server]:
    run("demo", instance=server.instance, url=server.url)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def http_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`pwa demo` and `pwa serve` over plain http, exactly as `make run` does."""
    yield from _serve_demo(Server(tmp_path_factory.mktemp("webkit-http") / "instance"))


@pytest.fixture(scope="session")
def https_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The same over https: Hypercorn with a self-signed certificate for 127.0.0.1."""
    folder = tmp_path_factory.mktemp("webkit-https")
    certfile, keyfile = self_signed_certificate(folder)
    yield from _serve_demo(Server(folder / "instance", certfile=certfile, keyfile=keyfile))


@pytest.fixture(scope="module")
def webkit(display: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """One MiniBrowser for the module, phone-sized, trusting our self-signed certificate."""
    _require(WEBDRIVER, MINIBROWSER)
    home = tmp_path_factory.mktemp("webkit-home")
    for gtk in ("gtk-3.0", "gtk-4.0"):
        (home / "config" / gtk).mkdir(parents=True)
        (home / "config" / gtk / "gtk.css").write_text(NARROW_TOOLBAR_CSS)
    env = dict(
        os.environ,
        DISPLAY=display,
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
    )
    options = Options()
    options.binary_location = str(MINIBROWSER)
    options.add_argument("--automation")
    options.accept_insecure_certs = True
    service = Service(executable_path=str(WEBDRIVER), env=env, log_output=str(home / "driver.log"))
    with warnings.catch_warnings():
        # Selenium 4.51's own WebKitGTK class hands its driver's address over the way
        # Selenium itself has deprecated; nothing of ours to change.
        warnings.filterwarnings(
            "ignore", "setting remote_server_addr in RemoteConnection", DeprecationWarning
        )
        driver = webdriver.WebKitGTK(options=options, service=service)
    try:
        driver.set_window_size(*PHONE)
        driver.set_page_load_timeout(30)
        driver.set_script_timeout(75)  # above WORKER_WAIT_MS (tests/helpers/webkit.py)
        yield driver
    finally:
        driver.quit()
