"""The admin's form for a hospital system that uses the FHIR API (pwa/fhir/clients.py)."""

from __future__ import annotations

from typing import Any

from wtforms import SelectChoice, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ..fhir import clients
from ..i18n import gettext
from ..i18n import lazy_gettext as _l
from ..security import CsrfForm
from ..text_input import single_line

JWKS_MAX = 20_000


def _scope_choices() -> list[SelectChoice]:
    labels = {
        clients.READ_ALL: _l("Read the record (system/*.read)"),
        clients.APPOINTMENT_WRITE: _l("Book, move and cancel visits (system/Appointment.write)"),
    }
    return [SelectChoice(scope, labels[scope]) for scope in clients.SCOPES]


class FhirClientForm(CsrfForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Please fill this in.")), Length(max=80)],
        description=_l("Families see it in their access log: hospital system <name>."),
    )
    jwks = TextAreaField(
        _l("Public key set (JWKS)"),
        validators=[
            DataRequired(message=_l("Paste the system's public key set.")),
            Length(max=JWKS_MAX),
        ],
        description=_l(
            'JSON as {"keys": [...]}: RSA (2048 bits or more) or P-384 public keys. Never a '
            "private key."
        ),
    )
    scopes = SelectMultipleField(
        _l("Allowed"),
        choices=_scope_choices,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    key_set: dict[str, object] | None = None

    def validate(self, extra_validators: Any = None) -> bool:
        valid = bool(super().validate(extra_validators))
        if not self.scopes.data:
            self.scopes.errors = [*self.scopes.errors, gettext("Allow at least one of these.")]
            valid = False
        if self.jwks.data and not self.jwks.errors:
            try:
                self.key_set = clients.parse_key_set(self.jwks.data, _key_messages())
            except clients.BadKeySet as error:
                self.jwks.errors = [*self.jwks.errors, str(error)]
                valid = False
        return valid

    def clean_name(self) -> str:
        return single_line(self.name.data or "").strip()


def _key_messages() -> dict[str, str]:
    return {
        "json": gettext('This is not a key set: paste JSON like {"keys": [ ... ]}.'),
        "private": gettext(
            "This key set holds a private key. Paste only the public keys; ask the "
            "system's supplier for its public key set (JWKS)."
        ),
        "kind": gettext("Use RSA keys of 2048 bits or more, or P-384 keys (ES384)."),
        "empty": gettext("The key set holds no key."),
    }
