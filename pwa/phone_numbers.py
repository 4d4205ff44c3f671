"""What the app accepts as a phone number: the hospital's own numbers and a caregiver's.

One check for both forms, so a number a nurse can tap to call is written the same way
everywhere. An optional field puts WTForms' ``Optional()`` before it.
"""

from __future__ import annotations

import re
from typing import Any

from wtforms.validators import ValidationError

from .i18n import gettext

PHONE_CHARACTERS = re.compile(r"^[0-9 +\-()]+$")
PHONE_DIGITS = (6, 20)


def check_phone_number(form: Any, field: Any) -> None:
    """A WTForms validator: digits, spaces, +, - and brackets, with 6 to 20 digits."""
    text = (field.data or "").strip()
    digits = sum(character.isdigit() for character in text)
    if not PHONE_CHARACTERS.match(text) or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
        raise ValidationError(
            gettext(
                "Enter a phone number of %(min)s to %(max)s digits, like +31 30 123 4567. "
                "Only digits, spaces, +, - and brackets.",
                min=PHONE_DIGITS[0],
                max=PHONE_DIGITS[1],
            )
        )
