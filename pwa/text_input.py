"""Free text from outside (a report's note, a device's name), cleaned once before it is stored.

Control characters (Unicode category Cc: NUL, escape, DEL, the C1 set) have no place in
a note a nurse reads or a name a list shows: a terminal escape in a log or a CSV cell, a
NUL that ends the text early in another program. They are removed, not refused: a
report must never be lost for a character nobody can see. A note keeps its line breaks
(CR LF and CR become LF, as a textarea's value has them) and tabs; a name is one line.
"""

from __future__ import annotations

import re

# Every C0 and C1 control character and DEL, except tab and line feed.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile(r"\r\n?")


def multiline(text: str) -> str:
    """``text`` with line breaks as LF and no control character but LF and tab."""
    return _CONTROLS.sub("", _LINE_BREAK.sub("\n", text))


def single_line(text: str) -> str:
    """``text`` on one line: blanks (tabs and line breaks too) as single spaces, no controls."""
    return " ".join(_CONTROLS.sub("", " ".join(text.split())).split())


def is_clean(text: str, *, lines: bool) -> bool:
    """True when ``text`` is already as cleaning leaves it (the fuzz bench's check)."""
    return text == (multiline(text) if lines else single_line(text))


# A number as a parent types it: "38,5" (decimal comma, as in Dutch, Polish, Turkish and
# Ukrainian), "38.5", or in Arabic-Indic digits "٣٨٫٥" (the Arabic decimal separator, or
# the Arabic comma) and their Eastern (Persian) forms. static/js/diary.js reads it the same.
_LATIN: dict[str, str] = {
    **{chr(0x0660 + value): str(value) for value in range(10)},
    **{chr(0x06F0 + value): str(value) for value in range(10)},
    "\u066b": ".",  # ARABIC DECIMAL SEPARATOR
    "\u060c": ".",  # ARABIC COMMA
    ",": ".",
}
_DIGITS = str.maketrans(_LATIN)


def decimal_text(text: str) -> str:
    """``text`` with Latin digits and a decimal point: ready for ``Decimal``."""
    return text.strip().translate(_DIGITS)
