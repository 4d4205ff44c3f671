"""What an e-mail says. Like a push it never names the child, the diagnosis or a symptom:
e-mail is read on shared screens and kept for years (docs/privacy.md). It says that there
is news, when, and links into the app, where signing in shows the rest.

Two kinds go out: to staff, an escalation (a red report or an urgent message nobody took
up); to a caregiver who switched e-mail reminders on, a visit reminder, the notice that a
date changed, a dose reminder or a check-in reminder, in the words of the push
(``payloads.family_news``).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urljoin

from .. import dates
from ..db import Reader
from ..i18n import format_region, translate
from .jobs import Job
from .mail import Mail
from .payloads import ESCALATIONS, family_news, locale_of, still_waiting


def N_(message: str) -> str:
    return message


REPORT_SUBJECT = N_("A red report is waiting for a nurse")
REPORT_ADMIN_SUBJECT = N_("A red report is still not taken up")
REPORT_BODY = N_(
    "A red report came in at %(time)s and no nurse has taken it up by its target.\n\n"
    "Open the nurse queue: %(url)s\n\n"
    "This e-mail names no child and no symptom: sign in to see the report."
)
MESSAGE_SUBJECT = N_("An urgent message is waiting for a nurse")
MESSAGE_ADMIN_SUBJECT = N_("An urgent message is still not read")
MESSAGE_BODY = N_(
    "A family marked a message urgent at %(time)s and no nurse has read it by its target.\n\n"
    "Open the conversation: %(url)s\n\n"
    "This e-mail names no child and no symptom: sign in to see the message."
)
REMINDER_SUBJECT = N_("Reminder from the hospital")
CHANGED_SUBJECT = N_("A date in your schedule changed")
CHECKIN_SUBJECT = N_("A quick check-in for today?")
FAMILY_BODY = N_(
    "%(news)s\n\n"
    "Open the app: %(url)s\n\n"
    "You get this e-mail because you switched on e-mail reminders in the app. "
    "To stop them, switch them off there: %(settings)s"
)


def _link(origin: str, path: str) -> str:
    return urljoin(origin.rstrip("/") + "/", path.lstrip("/"))


async def build_mail(
    db: Reader, job: Job, origin: str, ward_email: str, now: datetime
) -> Mail | None:
    """The e-mail for an e-mail job, in its recipient's language (the ward's inbox: Dutch);
    None when there is nothing to say any more or nobody to say it to."""
    address = await _address(db, job.recipient_id, ward_email)
    if not address:
        return None
    locale = await locale_of(db, job.recipient_id)
    if job.kind not in ESCALATIONS:
        news = await family_news(db, job, now, locale)
        if news is None:
            return None
        text, path = news
        subject = {"visit_changed": CHANGED_SUBJECT, "checkin": CHECKIN_SUBJECT}.get(
            job.kind, REMINDER_SUBJECT
        )
        body = translate(
            locale,
            FAMILY_BODY,
            news=text,
            url=_link(origin, path),
            settings=_link(origin, "/settings/reminders"),
        )
        return Mail(address, translate(locale, subject), body + "\n")
    waiting = await still_waiting(db, job)
    if waiting is None:
        return None  # a nurse took it up meanwhile
    ward = job.kind == "red_escalation"
    if job.about.message_id is not None:
        subject, body = (MESSAGE_SUBJECT if ward else MESSAGE_ADMIN_SUBJECT), MESSAGE_BODY
    else:
        subject, body = (REPORT_SUBJECT if ward else REPORT_ADMIN_SUBJECT), REPORT_BODY
    when = dates.moment(waiting.since, format_region(locale))
    text = translate(locale, body, time=when, url=_link(origin, waiting.path))
    return Mail(address, translate(locale, subject), text + "\n")


async def _address(db: Reader, account_id: int | None, ward_email: str) -> str:
    """Where it goes: the ward's shared inbox (no account), or the person's own address
    while their account is active."""
    if account_id is None:
        return ward_email.strip()
    row = await db.fetch_one(
        "SELECT email FROM account WHERE id = :id AND disabled_at IS NULL", {"id": account_id}
    )
    return str(row["email"]) if row else ""
