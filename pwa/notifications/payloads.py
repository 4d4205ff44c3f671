"""What a notification says. Lock screens show it, so it never names the child, the
diagnosis or a symptom (docs/privacy.md): only that there is news, and where to look.

Payloads are Declarative Web Push messages (``"web_push": 8030``, WebKit's proposal that
the W3C Push API is taking in): Safari 18.4 and later show the notification straight from
the message, with no service worker to wake (an iPhone revokes the subscription of a site
whose pushes show nothing); other browsers hand the same JSON to our service worker, which
shows the same title and body and opens the same address.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from babel.dates import format_time

from .. import dates
from ..accounts.staff import STAFF_ROLES
from ..checkins import windows as checkin_windows
from ..db import Reader, from_db
from ..i18n import LOCALES, for_staff, format_region, translate, translate_plural
from .jobs import Job

# Push services accept 4096 bytes of encrypted payload; keep well below it.
MAX_PAYLOAD_BYTES = 3000


def _t(locale: str, message: str, **variables: object) -> str:
    return translate(locale, message, **variables)


def N_(message: str) -> str:
    return message


STAY_REMINDER = N_("Reminder: your stay starts %(when)s at %(time)s — open the app for details.")
VISIT_REMINDER = N_("Reminder: your visit starts %(when)s at %(time)s — open the app for details.")
SCHEDULE_CHANGED = N_("Your schedule changed — open the app to see the new dates.")
RED_REPORT = N_("A new urgent report is waiting — open the nurse queue.")
# Never the medicine's name: a lock screen is read by others.
MEDICATION = N_("Time for a dose at home — open the app to note it.")
TEST = N_("Test notification: reminders work on this device.")
REPLY = N_("The care team replied — open the app.")
ESCALATED = N_("A red report has waited past its target — open the nurse queue.")
ESCALATED_ADMIN = N_("A red report is still not taken up — open the nurse queue.")
URGENT_MESSAGE_ESCALATED = N_("An urgent message has waited past its target — open the messages.")
URGENT_MESSAGE_ESCALATED_ADMIN = N_("An urgent message is still not read — open the messages.")
# Messages: no name, no words of the message, only that one is waiting (docs/privacy.md).
WARD_MESSAGE = N_("The care team wrote to you — open the app.")
FAMILY_MESSAGE = N_("A new message is waiting — open the app.")
# A check-in day without a report yet: gentle, and no word about health or the illness.
CHECKIN = N_("A quick check-in for today? Open the app to tell the care team how things are.")
CHECKIN_PATH = "/diary/new"
# Shown by the service worker when a push arrives without a readable payload.
FALLBACK = N_("There is news for you in the app — open it to see.")
TODAY = N_("today")
TOMORROW = N_("tomorrow")


DECLARATIVE_WEB_PUSH = 8030


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    url: str  # a path in the app
    tag: str
    lang: str = "en"

    def encode(self, origin: str) -> str:
        """The Declarative Web Push JSON, opening ``url`` on ``origin`` (PUBLIC_URL)."""
        if not (self.title.strip() and self.body.strip()):
            raise ValueError("a push must show something")
        data = json.dumps(
            {
                "web_push": DECLARATIVE_WEB_PUSH,
                "notification": {
                    "title": self.title,
                    "body": self.body,
                    # Must be absolute: Safari opens it without asking the page.
                    "navigate": urljoin(origin.rstrip("/") + "/", self.url.lstrip("/")),
                    "tag": self.tag,
                    "lang": self.lang,
                    # The phone decides from the text (right-to-left languages too).
                    "dir": "auto",
                    "silent": False,
                },
            },
            ensure_ascii=False,
        )
        if len(data.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError("notification payload too large")
        return data


def fallback_texts() -> dict[str, str]:
    """The fallback notification text in every language, for the service worker."""
    return {locale: _t(locale, FALLBACK) for locale in LOCALES}


def topic_for(job: Job) -> str:
    """A Topic header (<= 32 URL-safe characters) that is the same for every send of a job."""
    return f"j{job.id}"[:32]


def tag_for(job: Job) -> str:
    """The notification's tag: the same for every send of a job (the phone replaces it),
    and different per thing a job is about (another visit's reminder stands beside it)."""
    about = job.about
    if about.visit_id is not None:
        named = f"visit:{about.visit_id}"
    elif about.report_id is not None:
        named = f"report:{about.report_id}"
    elif about.medication_period_id is not None and about.medication_day is not None:
        named = f"medication:{about.medication_period_id}:{about.medication_day.isoformat()}"
    elif about.test_token is not None:
        named = f"test:{about.test_token}"
    elif about.message_id is not None:
        named = f"message:{about.message_id}"
    elif about.checkin_child_id is not None and about.checkin_day is not None:
        named = f"checkin:{about.checkin_child_id}:{about.checkin_day.isoformat()}"
    else:  # what it was about was deleted
        named = f"j{job.id}"
    return f"{named}:{job.kind}"


async def locale_of(db: Reader, account_id: int | None) -> str:
    """The recipient's language; the ward's shared inbox reads the hospital's (Dutch), and a
    member of staff English or Dutch (their pages exist in no other language)."""
    if account_id is None:
        return "nl"
    row = await db.fetch_one("SELECT locale, role FROM account WHERE id = :id", {"id": account_id})
    locale = row["locale"] if row and row["locale"] in LOCALES else "nl"
    return for_staff(locale) if row and row["role"] in STAFF_ROLES else locale


VISIT_JOB_KINDS = ("visit_reminder", "visit_changed")


async def visit_news(db: Reader, job: Job, now: datetime, locale: str) -> tuple[str, str] | None:
    """What a visit reminder or change notice says, and the path it opens; None when the
    visit is gone. The same words go by push and by e-mail."""
    visit_id = job.about.visit_id
    if visit_id is None:
        return None
    row = await db.fetch_one(
        """
        SELECT visit.starts_local, visit.time_zone, visit_kind.is_stay
          FROM visit JOIN visit_kind ON visit_kind.key = visit.kind
         WHERE visit.id = :id
        """,
        {"id": visit_id},
    )
    if row is None:
        return None
    url = f"/schedule/visits/{visit_id}"
    if job.kind == "visit_changed":
        return _t(locale, SCHEDULE_CHANGED), url
    zone = ZoneInfo(row["time_zone"])
    starts = datetime.fromisoformat(row["starts_local"]).replace(tzinfo=zone)
    days = (starts.date() - now.astimezone(zone).date()).days
    region = format_region(locale)
    if days == 0:
        when = _t(locale, TODAY)
    elif days == 1:
        when = _t(locale, TOMORROW)
    else:
        when = translate_plural(
            locale,
            "in %(num)s day, on %(date)s",
            "in %(num)s days, on %(date)s",
            days,
            date=dates.long_day(starts, region),
        )
    clock = format_time(starts, "HH:mm", locale=region)
    # "Your stay starts" for a kind the admin marked as a stay, else "your visit".
    message = STAY_REMINDER if row["is_stay"] else VISIT_REMINDER
    return _t(locale, message, when=when, time=clock), url


async def build(db: Reader, job: Job, now: datetime) -> Message | None:
    """The message for a job, in its recipient's language; None when what it is about is gone."""
    locale = await locale_of(db, job.recipient_id)
    title = "Immuno Companion"
    tag = tag_for(job)
    if job.kind.startswith(VISIT_JOB_KINDS):
        visit = await visit_news(db, job, now, locale)
        return Message(title, visit[0], visit[1], tag, locale) if visit else None
    if job.kind == "red_report":
        return Message(title, _t(locale, RED_REPORT), "/nurse/queue", tag, locale)
    if job.kind in ESCALATIONS:
        waiting = await still_waiting(db, job)
        if waiting is None:
            return None  # a nurse took it up meanwhile
        ward = job.kind == "red_escalation"
        if job.about.message_id is not None:
            text = URGENT_MESSAGE_ESCALATED if ward else URGENT_MESSAGE_ESCALATED_ADMIN
        else:
            text = ESCALATED if ward else ESCALATED_ADMIN
        return Message(title, _t(locale, text), waiting.path, tag, locale)
    if job.kind.startswith("medication"):
        dose = await dose_news(db, job, locale)
        return Message(title, dose[0], dose[1], tag, locale) if dose else None
    if job.kind == "reply":
        return Message(title, _t(locale, REPLY), "/diary", tag, locale)
    if job.kind in ("ward_message", "family_message"):
        message_id = job.about.message_id
        if message_id is None:
            return None
        row = await db.fetch_one("SELECT child_id FROM message WHERE id = :id", {"id": message_id})
        if row is None:
            return None
        if job.kind == "ward_message":
            return Message(title, _t(locale, WARD_MESSAGE), "/messages", tag, locale)
        url = f"/nurse/messages/{row['child_id']}"
        return Message(title, _t(locale, FAMILY_MESSAGE), url, tag, locale)
    if job.kind == "test":
        return Message(title, _t(locale, TEST), "/settings/reminders", tag, locale)
    if job.kind == "checkin":
        checkin = await family_news(db, job, now, locale)
        return Message(title, checkin[0], checkin[1], tag, locale) if checkin else None
    return None


async def dose_news(db: Reader, job: Job, locale: str) -> tuple[str, str] | None:
    """What a dose reminder says and the path it opens (home's dose card), by push and by
    e-mail alike; None when there is nothing to give: the period moved or went after the
    job was planned, or someone noted the dose already."""
    period_id, day = job.about.medication_period_id, job.about.medication_day
    if period_id is None or day is None:
        return None
    covered = await db.fetch_one(
        "SELECT 1 FROM medication_period WHERE id = :id AND first_date <= :day AND last_date >= :day",
        {"id": period_id, "day": day.isoformat()},
    )
    if covered is None or await dose_recorded(db, job):
        return None
    return _t(locale, MEDICATION), "/#doses"


async def family_news(db: Reader, job: Job, now: datetime, locale: str) -> tuple[str, str] | None:
    """The words and path of a reminder that may also go to a family by e-mail (a visit's
    reminder or change notice, a dose reminder, a check-in reminder); None when it has nothing to say (any
    more), or the job is of another kind."""
    if job.kind.startswith(VISIT_JOB_KINDS):
        return await visit_news(db, job, now, locale)
    if job.kind.startswith("medication"):
        return await dose_news(db, job, locale)
    if job.kind == "checkin":
        return (_t(locale, CHECKIN), CHECKIN_PATH) if await checkin_due(db, job) else None
    return None


async def checkin_due(db: Reader, job: Job) -> bool:
    """A check-in reminder still has something to ask, checked when it is sent: the day is
    still a check-in day of the child's plan now (a stay or period may have moved), the
    record is open, the recipient still looks after the child, and nobody reported that
    day (a report from a phone's outbox that arrived a minute ago counts)."""
    child_id, day = job.about.checkin_child_id, job.about.checkin_day
    if child_id is None or day is None or job.recipient_id is None:
        return False
    linked = await db.fetch_one(
        """
        SELECT 1 FROM caregiver_child JOIN child ON child.id = caregiver_child.child_id
         WHERE caregiver_child.child_id = :child AND caregiver_child.caregiver_id = :account
           AND child.closed_at IS NULL
        """,
        {"child": child_id, "account": job.recipient_id},
    )
    if linked is None or day not in await checkin_windows.days_for_child(db, child_id, day, day):
        return False
    return not await checkin_windows.reported_on(db, [child_id], day)


async def dose_recorded(db: Reader, job: Job) -> bool:
    """Someone in the family recorded this dose already (given early, say): a reminder now
    could get it given twice, so it is not sent."""
    at = job.kind.removeprefix("medication:")
    row = await db.fetch_one(
        """
        SELECT 1 FROM dose
         WHERE medication_period_id = :period AND slot_day = :day AND slot_time = :time LIMIT 1
        """,
        {
            "period": job.about.medication_period_id,
            "day": job.about.medication_day.isoformat() if job.about.medication_day else "",
            "time": at,
        },
    )
    return row is not None


ESCALATIONS = ("red_escalation", "red_escalation_admin")


@dataclass(frozen=True)
class StillWaiting:
    """What an escalation is about, still not taken up: since when, and where to see it."""

    since: datetime
    path: str


async def still_waiting(db: Reader, job: Job) -> StillWaiting | None:
    """When the red report or urgent message of an escalation job came in, if no nurse
    has taken it up yet (escalation.py says what taken up means)."""
    if job.about.message_id is not None:
        row = await db.fetch_one(
            """
            SELECT created_at, child_id FROM message
             WHERE id = :id AND read_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM conversation_claim
                                WHERE conversation_claim.child_id = message.child_id
                                  AND conversation_claim.claimed_at >= message.created_at)
            """,
            {"id": job.about.message_id},
        )
        if row is None:
            return None
        return StillWaiting(from_db(row["created_at"]), f"/nurse/messages/{row['child_id']}")
    if job.about.report_id is None:
        return None
    row = await db.fetch_one(
        """
        SELECT received_at FROM report
         WHERE id = :id
           AND NOT EXISTS (SELECT 1 FROM report_review WHERE report_id = :id)
           AND NOT EXISTS (SELECT 1 FROM report_claim WHERE report_id = :id)
        """,
        {"id": job.about.report_id},
    )
    return StillWaiting(from_db(row["received_at"]), "/nurse/queue") if row else None
