"""E-mail through the hospital's relay, against a real SMTP server on 127.0.0.1
(aiosmtpd): encrypted (STARTTLS or TLS) with the relay's own certificate authority,
signed in, and each answer of the relay read as sent, try again later or failed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pwa.config import ConfigError, load
from pwa.notifications import mail
from pwa.notifications.mail import Mail, MailSettings, Verdict
from tests.helpers.mail_server import USERNAME, MailServer

ORIGIN = "https://companion.hospital.example"


@pytest.fixture(params=["starttls", "tls"])
def relay(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MailServer]:
    server = MailServer(tmp_path, security=request.param).start()
    yield server
    server.stop()


def settings_for(relay: MailServer, **overrides: Any) -> MailSettings:
    settings = MailSettings.from_config(load(relay.settings(**overrides), environ={}))
    assert settings is not None
    return settings


def a_mail(to: str = "parent@example.org") -> Mail:
    return Mail(to, "A reminder from the hospital", "Open the app: https://x.example/\n")


async def send(settings: MailSettings, note: Mail, message_id: str = "job-1") -> mail.MailAnswer:
    return await mail.send(
        settings, mail.compose(settings, note, message_id=message_id, origin=ORIGIN)
    )


async def test_a_mail_goes_encrypted_and_signed_in_to_the_relay(relay: MailServer) -> None:
    answer = await send(settings_for(relay), a_mail())
    assert answer.verdict is Verdict.SENT
    [received] = relay.received
    assert received.recipients == ["parent@example.org"]
    assert received.sender == "noreply@hospital.example"
    assert received.authenticated_as == USERNAME
    message = received.message
    assert message["Subject"] == "A reminder from the hospital"
    assert message["From"] == "Immuno Companion <noreply@hospital.example>"
    assert message["Message-ID"] == "<job-1@companion.hospital.example>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "text/plain"
    assert message.get_content().strip() == "Open the app: https://x.example/"


async def test_a_relay_whose_certificate_is_not_trusted_is_not_sent_to(
    relay: MailServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Without the hospital's CA the relay's certificate fails: nothing goes in the clear."""
    with caplog.at_level(logging.WARNING, logger="pwa.notifications.mail"):
        answer = await send(settings_for(relay, SMTP_CA_FILE=""), a_mail())
    assert answer.verdict is Verdict.RETRY and answer.code is None
    assert relay.received == []
    assert "unreachable" in caplog.text and "parent@example.org" not in caplog.text


@pytest.mark.parametrize(
    ("reply", "verdict", "code"),
    [
        ("451 4.3.0 Try again later", Verdict.RETRY, 451),
        ("452 4.3.1 Insufficient storage", Verdict.RETRY, 452),
        ("550 5.1.1 No such user", Verdict.FAILED, 550),
        ("554 5.7.1 Refused", Verdict.FAILED, 554),
    ],
)
async def test_the_relays_answer_decides_retry_or_failure(
    relay: MailServer, reply: str, verdict: Verdict, code: int
) -> None:
    relay.handler.answers.append(reply)
    answer = await send(settings_for(relay), a_mail())
    assert (answer.verdict, answer.code) == (verdict, code)
    assert "parent@example.org" not in answer.detail
    # The next message goes through: one refusal does not stick.
    assert (await send(settings_for(relay), a_mail())).verdict is Verdict.SENT


async def test_a_wrong_password_is_a_failure_not_a_loop(relay: MailServer) -> None:
    answer = await send(settings_for(relay, SMTP_PASSWORD="wrong"), a_mail())
    assert answer.verdict is Verdict.FAILED and answer.code == 535
    assert relay.received == []


async def test_a_relay_that_is_down_is_retried_later(tmp_path: Path) -> None:
    server = MailServer(tmp_path)
    settings = settings_for(server)  # its port, with nobody listening
    answer = await send(settings, a_mail())
    server.stop()
    assert answer == mail.MailAnswer(Verdict.RETRY, None, "SMTPConnectError")


async def test_a_relay_that_never_answers_is_given_up_after_the_timeout_and_retried(
    tmp_path: Path,
) -> None:
    """A relay that accepts the connection and then says nothing (hung, or a firewall that
    swallows the packets) costs the sender PWA_SMTP_TIMEOUT_SECONDS, never more, and the
    job is tried again later."""
    held: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # no greeting, ever

    listener = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    server = MailServer(tmp_path)
    settings = settings_for(server, SMTP_PORT=port, SMTP_TIMEOUT_SECONDS=1)
    try:
        answer = await asyncio.wait_for(send(settings, a_mail()), timeout=10)
    finally:
        for writer in held:
            writer.close()
        listener.close()
        await listener.wait_closed()
        server.stop()
    assert held, "the app connected"
    assert answer.verdict is Verdict.RETRY and answer.code is None


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"SMTP_HOST": "relay.hospital.example", "SMTP_SECURITY": "none"}, "in the clear"),
        ({"SMTP_SECURITY": "ssl"}, "must be 'starttls', 'tls' or 'none'"),
        ({"SMTP_FROM": "Immuno Companion"}, "must hold an e-mail address"),
        ({"SMTP_PORT": 70000}, "no such port"),
    ],
)
def test_unsafe_relay_settings_stop_the_app(
    tmp_path: Path, overrides: dict[str, Any], problem: str
) -> None:
    server = MailServer(tmp_path)
    base = server.settings()
    server.stop()
    with pytest.raises(ConfigError, match=problem):
        MailSettings.from_config(load({**base, **overrides}, environ={}))


def test_no_relay_means_no_mail() -> None:
    assert MailSettings.from_config(load({}, environ={})) is None
