"""Which push endpoints the server will connect to: the known web-push services only.

A push endpoint is a URL a browser hands to the page, and the page hands to us; the
sender then connects there. So an endpoint is accepted only when it names one of the
push services in ``PUSH_SERVICE_HOSTS`` (docs/security.md), over https on port 443, by
host name. It is normalised once here, and that normalised text is what is stored and
what the sender connects to. The local fake push service of the tests and development
(http://127.0.0.1:<port>) is reachable only with ``PUSH_ALLOW_INSECURE_TEST_SERVICE``,
which production refuses.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from ..config import ConfigError

MAX_ENDPOINT_LENGTH = 1024
TEST_SERVICE_HOST = "127.0.0.1"
# RFC 3986's characters only: no blanks, controls, backslashes or non-ASCII, so every
# URL parser (ours, aiohttp's yarl) reads the same host out of it.
_URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# Two labels at least, the last one starting with a letter: no IPv4 literal in any form.
_HOST_NAME = re.compile(rf"(?:{_LABEL}\.)+[a-z](?:[a-z0-9-]{{0,61}}[a-z0-9])?")
_PATTERN = re.compile(rf"(?:\*\.)?{_HOST_NAME.pattern}")
_TEST_SERVICE = re.compile(r"127\.0\.0\.1:([0-9]{1,5})")


class EndpointRefused(ValueError):
    """Not a push service endpoint this server connects to; the message says why."""


@dataclass(frozen=True)
class EndpointPolicy:
    hosts: tuple[str, ...]  # exact names, or "*.example.com" for any name under it
    test_ports: tuple[int, ...] = ()  # http://127.0.0.1:<port>, development and tests only

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> EndpointPolicy:
        """The policy of PUSH_SERVICE_HOSTS; ConfigError for an entry that is not a host
        name, or a local test service without PUSH_ALLOW_INSECURE_TEST_SERVICE."""
        hosts: list[str] = []
        ports: list[int] = []
        for entry in str(config["PUSH_SERVICE_HOSTS"]).replace(",", " ").lower().split():
            test_service = _TEST_SERVICE.fullmatch(entry)
            if test_service:
                if not config["PUSH_ALLOW_INSECURE_TEST_SERVICE"]:
                    raise ConfigError(
                        f"PWA_PUSH_SERVICE_HOSTS lists the local test service {entry}: "
                        "that needs PWA_PUSH_ALLOW_INSECURE_TEST_SERVICE=true (development only)"
                    )
                port = int(test_service.group(1))
                if not 0 < port < 65536:
                    raise ConfigError(f"PWA_PUSH_SERVICE_HOSTS: no such port in {entry}")
                ports.append(port)
            elif _PATTERN.fullmatch(entry):
                hosts.append(entry)
            else:
                raise ConfigError(
                    f"PWA_PUSH_SERVICE_HOSTS: {entry!r} is not a host name or *.domain"
                )
        return cls(tuple(hosts), tuple(ports))

    def host_allowed(self, host: str) -> bool:
        return any(
            host.endswith(pattern[1:]) if pattern.startswith("*.") else host == pattern
            for pattern in self.hosts
        )

    def check(self, endpoint: object) -> str:
        """The endpoint as it is stored and sent to, or EndpointRefused."""
        if not isinstance(endpoint, str) or not endpoint:
            raise EndpointRefused("endpoint must be a URL")
        if len(endpoint) > MAX_ENDPOINT_LENGTH:
            raise EndpointRefused(f"endpoint is longer than {MAX_ENDPOINT_LENGTH} characters")
        if not _URL_CHARACTERS.fullmatch(endpoint) or _BAD_PERCENT.search(endpoint):
            raise EndpointRefused("endpoint holds characters a URL may not hold")
        parts = urlsplit(endpoint)
        scheme, netloc = parts.scheme.lower(), parts.netloc
        if "@" in netloc:
            raise EndpointRefused("endpoint must not hold a user name or password")
        if netloc.startswith("["):
            raise EndpointRefused("endpoint must name a host, not an IP address")
        host, colon, port = netloc.lower().partition(":")
        if colon and not port.isdigit():
            raise EndpointRefused("endpoint port must be a number")
        if parts.fragment or "#" in endpoint:
            raise EndpointRefused("endpoint must not have a fragment")
        if not parts.path.startswith("/"):
            raise EndpointRefused("endpoint must have a path")
        if (
            scheme == "http"
            and host == TEST_SERVICE_HOST
            and colon
            and int(port) in self.test_ports
        ):
            return urlunsplit(("http", f"{host}:{int(port)}", parts.path, parts.query, ""))
        if scheme != "https":
            raise EndpointRefused("endpoint must be https")
        if colon and int(port) != 443:
            raise EndpointRefused("endpoint must use port 443")
        if _is_ip_address(host) or not _HOST_NAME.fullmatch(host):
            raise EndpointRefused("endpoint must name a host, not an IP address")
        if not self.host_allowed(host):
            raise EndpointRefused("endpoint is not a known push service")
        return urlunsplit(("https", host, parts.path, parts.query, ""))


class NoRedirects:
    """What pywebpush sees as its aiohttp session: every POST goes out with redirects off,
    so a push service (or anything posing as one) cannot send the sender elsewhere; a
    3xx answer comes back as the answer."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def post(self, url: str, **options: Any) -> aiohttp.ClientResponse:
        return await self.session.post(url, allow_redirects=False, **options)


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
