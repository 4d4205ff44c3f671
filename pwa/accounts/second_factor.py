"""TOTP second factor for staff: enrolment by QR code, codes accepted once."""

from __future__ import annotations

import time

import pyotp
import segno

ISSUER = "Immuno Companion"
# Accept the previous and next 30-second step too: phone clocks drift.
VALID_WINDOW = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_data_uri(text: str) -> str:
    """An SVG QR code as a data: URI (allowed by the CSP's img-src)."""
    return str(segno.make(text, error="m").svg_data_uri(scale=5, border=2))


def matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The time step the code belongs to, or None when it matches none in the window."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if at is None else at
    current = int(now // totp.interval)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def current_code(secret: str) -> str:
    """The code an authenticator shows now (for `pwa demo-code` and tests)."""
    return pyotp.TOTP(secret).now()
