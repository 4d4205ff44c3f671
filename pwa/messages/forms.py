"""The composer forms: the family's message and the nurse's answer."""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..i18n import lazy_gettext as _l
from ..photo_requests import photo_field
from ..security import CsrfForm
from .store import BODY_MAX


class FamilyMessageForm(CsrfForm):
    # Made when the page is drawn (and again by the script on a kept copy): sending the
    # same form twice stores one message.
    message_id = HiddenField()
    body = TextAreaField(
        _l("Your message to the ward"),
        validators=[
            DataRequired(message=_l("Write your message first.")),
            Length(max=BODY_MAX, message=_l("Keep the message under 2,000 characters.")),
        ],
    )
    urgent = BooleanField(_l("This is urgent"))
    # Optional: one photo (a rash, a swollen line site). With JavaScript the phone shrinks
    # it and sends it after the message (static/js/photos.js); without, it is posted here.
    photo = photo_field(_l("Add a photo (optional)"))
    # Made with the form, like message_id: the same form sent twice keeps one photo.
    photo_id = HiddenField()


class WardMessageForm(CsrfForm):
    message_id = HiddenField()
    # The colleague's account id, sent only from the "take over?" page (as for reports).
    take_over_from = HiddenField()
    body = TextAreaField(
        _l("Message to the family"),
        validators=[
            DataRequired(message=_l("Write your message first.")),
            Length(max=BODY_MAX, message=_l("Keep the message under 2,000 characters.")),
        ],
        description=_l(
            "The family sees this in the app; their phone only says that the care team wrote."
        ),
    )


class ClaimForm(CsrfForm):
    take_over_from = HiddenField()
