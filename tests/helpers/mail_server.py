"""A real SMTP server on 127.0.0.1 for the e-mail tests (aiosmtpd): STARTTLS or TLS with
a certificate made for the test, a user name and password, and answers a test can script
("451 try later", "550 no such user", a relay that does not answer)."""

from __future__ import annotations

import asyncio
import datetime
import gc
import ipaddress
import socket
import ssl
import warnings
from collections import deque
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USERNAME = "immuno"
PASSWORD = "relay-password"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: the CA file the app is told to trust."""
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test relay")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "relay.pem", folder / "relay.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    authenticated_as: str | None


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    # Answers to give to the next messages instead of "250 OK", in order.
    answers: deque[str] = field(default_factory=deque)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.answers:
            return self.answers.popleft()
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        login = session.auth_data.login.decode() if session.authenticated else None
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, login))
        return "250 OK"


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    if isinstance(data, LoginPassword) and (data.login, data.password) == (
        USERNAME.encode(),
        PASSWORD.encode(),
    ):
        return AuthResult(success=True, auth_data=data)
    return AuthResult(success=False, handled=False)


class MailServer:
    """The relay, started on a free port in its own thread; ``stop()`` ends it."""

    def __init__(self, folder: Path, *, security: str = "starttls") -> None:
        self.handler = Handler()
        self.security = security
        self.cert, key = make_certificate(folder)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, key)
        options: dict[str, Any] = {
            "authenticator": _authenticate,
            "auth_require_tls": True,
        }
        if security == "starttls":
            options |= {"tls_context": context, "require_starttls": True}
        elif security == "tls":
            # The whole connection is TLS; aiosmtpd cannot tell, so it must not insist.
            options |= {"ssl_context": context, "auth_require_tls": False}
        else:
            options |= {"auth_require_tls": False}
        self.port = _free_port()
        # The server's own loop in its own thread, closed when it stops.
        self.loop = asyncio.new_event_loop()
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, loop=self.loop, **options
        )

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def start(self) -> MailServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller._thread is not None:  # started (a test may only use the port)
            self.controller.stop()
        self.loop.close()
        # A client that hung up mid-handshake (the test of an untrusted certificate) leaves
        # the server's TLS transport to the garbage collector: collect it here, where its
        # ResourceWarning belongs to the relay, not to whichever test runs next.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """The app's settings for this relay."""
        return {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": self.port,
            "SMTP_SECURITY": self.security,
            "SMTP_USERNAME": USERNAME,
            "SMTP_PASSWORD": PASSWORD,
            "SMTP_FROM": "Immuno Companion <noreply@hospital.example>",
            "SMTP_CA_FILE": str(self.cert),
            "SMTP_TIMEOUT_SECONDS": 5,
            **overrides,
        }
