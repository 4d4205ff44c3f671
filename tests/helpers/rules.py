"""A red-flag rule as the admin's form posts it."""

from __future__ import annotations

A_RULE = {
    "item": "weight",
    "op": ">=",
    "value": "30",
    "count": "",
    "within_hours": "",
    "level": "red",
    "reason_en": "Weight of 30 kg or more",
    "reason_nl": "Gewicht van 30 kg of meer",
}
