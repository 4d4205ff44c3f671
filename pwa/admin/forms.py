"""Admin forms: the treatment plan template and the "what to bring" list."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from wtforms import (
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import TimeField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from ..hospital_texts import LANGUAGES
from ..i18n import LANGUAGE_NAMES, current_locale, gettext
from ..i18n import lazy_gettext as _l
from ..plans.schedule import MedicationPeriodRule, PlanTemplate, ShortVisitRule
from ..plans.store import PackingLine
from ..security import CsrfForm
from .language_fields import add_language_fields, language_fields

MEDICATION_ROWS = 3
SHORT_VISIT_ROWS = 4
# How far before course 1 or after a course's first day a template's short visit may lie.
SHORT_VISIT_DAYS = 120
MAX_SPACING_DAYS = 120  # as the plan_template table allows
MAX_PACKING_ITEMS = 40
MAX_PACKING_LINE = 200


@cache
def known_time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _required() -> InputRequired:
    return InputRequired(message=_l("Please fill this in."))


def _between(low: int, high: int) -> NumberRange:
    return NumberRange(low, high, message=_l("Enter a number from %(min)s to %(max)s."))


class WholeNumberField(IntegerField):
    """An integer field where an empty box is "not filled in", not "not a number"."""

    data: Any

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        text = str(valuelist[0]).strip()
        if not text:
            self.data = None
            return
        try:
            self.data = int(text)
        except ValueError as error:
            self.data = None
            raise ValueError(gettext("Enter a whole number, like 7.")) from error


def _known_time_zone(form: Any, field: Any) -> None:
    if field.data and field.data.strip() not in known_time_zones():
        raise ValidationError(gettext("Enter a time zone name like Europe/Amsterdam."))


class MedicationRowForm(Form):
    """One home-medication period; a row left blank is ignored."""

    class Meta:
        @property
        def locales(self) -> list[str]:
            return [current_locale()]

    name = StringField(_l("Medicine"), validators=[Optional(), Length(max=60)])
    first_day = WholeNumberField(
        _l("First day of the course"), validators=[Optional(), _between(1, MAX_SPACING_DAYS)]
    )
    last_day = WholeNumberField(
        _l("Last day of the course"), validators=[Optional(), _between(1, MAX_SPACING_DAYS)]
    )

    def is_blank(self) -> bool:
        return not any(_typed(field) for field in (self.name, self.first_day, self.last_day))


class ShortVisitRowForm(Form):
    """One short visit of every new plan (a hearing test before course 1...); a row left
    blank is ignored."""

    class Meta:
        @property
        def locales(self) -> list[str]:
            return [current_locale()]

    # Choices are the admin's short kinds (and "none"), set by the view.
    kind = SelectField(_l("Kind of visit"), choices=[], validate_choice=False)
    course = WholeNumberField(_l("Course"), validators=[Optional(), _between(1, 20)])
    day = WholeNumberField(
        _l("Day of the course"),
        validators=[Optional(), _between(-SHORT_VISIT_DAYS, SHORT_VISIT_DAYS)],
        description=_l("Day 1 is the course's first day; day -6 is a week before it."),
    )
    at_time = TimeField(_l("At"), validators=[Optional()], format="%H:%M", render_kw={"step": "60"})
    minutes = WholeNumberField(
        _l("Minutes (empty: the kind's usual length)"), validators=[Optional(), _between(5, 720)]
    )

    def is_blank(self) -> bool:
        return not self.kind.data and not any(
            _typed(field) for field in (self.course, self.day, self.at_time, self.minutes)
        )


def _typed(field: Any) -> str:
    """What was typed into a field, spaces removed ("" when nothing was posted)."""
    if field.raw_data:
        return str(field.raw_data[0]).strip()
    return str(field.data or "").strip()


class TemplateForm(CsrfForm):
    courses = WholeNumberField(_l("Number of courses"), validators=[_required(), _between(1, 20)])
    spacing_days = WholeNumberField(
        _l("Days from the start of one course to the start of the next"),
        validators=[_required(), _between(1, MAX_SPACING_DAYS)],
    )
    visit_kind = SelectField(
        _l("Each course starts with"),
        choices=[
            SelectChoice("admission", _l("a hospital stay (admission)")),
            SelectChoice("day_visit", _l("a day visit")),
            SelectChoice("home_infusion", _l("a home infusion")),
        ],
        validators=[_required()],
    )
    visit_days = WholeNumberField(
        _l("Length of the stay or infusion, in days"),
        validators=[_required(), _between(1, 30)],
        description=_l("Counting the first and the last day: a stay from Monday to Sunday is 7."),
    )
    start_time = TimeField(
        _l("Starts at"), validators=[_required()], format="%H:%M", render_kw={"step": "60"}
    )
    end_time = TimeField(
        _l("Ends at (on the last day)"),
        validators=[_required()],
        format="%H:%M",
        render_kw={"step": "60"},
    )
    time_zone = StringField(
        _l("Time zone"),
        validators=[_required(), Length(max=64), _known_time_zone],
        description=_l("The hospital's time zone, for example Europe/Amsterdam."),
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"},
    )
    location = StringField(
        _l("Default place (optional)"),
        validators=[Optional(), Length(max=120)],
        description=_l("For example the ward's name; nurses can change it per visit."),
    )
    medication_periods = FieldList(
        FormField(MedicationRowForm), min_entries=MEDICATION_ROWS, max_entries=MEDICATION_ROWS
    )
    short_visits = FieldList(
        FormField(ShortVisitRowForm), min_entries=SHORT_VISIT_ROWS, max_entries=SHORT_VISIT_ROWS
    )

    def offer_kinds(self, choices: list[SelectChoice]) -> None:
        """The short kinds a row may name (the view's list), after "none"."""
        for entry in self.short_visits:
            entry.form.kind.choices = [SelectChoice("", gettext("None")), *choices]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        spacing = self.spacing_days.data
        if spacing and self.visit_days.data and self.visit_days.data > spacing:
            self.visit_days.errors.append(
                gettext("A stay cannot be longer than the time between two courses.")
            )
            valid = False
        if (
            self.visit_days.data == 1
            and self.start_time.data
            and self.end_time.data
            and self.end_time.data <= self.start_time.data
        ):
            self.end_time.errors.append(
                gettext("On a one-day visit, the end must be after the start.")
            )
            valid = False
        for entry in self.medication_periods:
            valid = _check_medication_row(entry.form, spacing) and valid
        for entry in self.short_visits:
            valid = _check_short_visit_row(entry.form, self.courses.data) and valid
        # FieldList gathered its rows' errors before the checks above added theirs.
        for rows in (self.medication_periods, self.short_visits):
            row_errors = [entry.errors for entry in rows]
            rows.errors = row_errors if any(row_errors) else []
        return bool(valid)

    def to_template(self, usual_minutes: dict[str, int] | None = None) -> PlanTemplate:
        """The template as entered; a short visit without minutes takes its kind's usual
        length from ``usual_minutes``."""
        usual = usual_minutes or {}
        return PlanTemplate(
            courses=self.courses.data,
            spacing_days=self.spacing_days.data,
            visit_kind=self.visit_kind.data,
            visit_days=self.visit_days.data,
            start_time=self.start_time.data,
            end_time=self.end_time.data,
            time_zone=self.time_zone.data.strip(),
            location=(self.location.data or "").strip(),
            medication_periods=tuple(
                MedicationPeriodRule(
                    entry.form.name.data.strip(),
                    entry.form.first_day.data,
                    entry.form.last_day.data,
                )
                for entry in self.medication_periods
                if not entry.form.is_blank()
            ),
            short_visits=tuple(
                ShortVisitRule(
                    row.kind.data,
                    row.course.data,
                    row.day.data,
                    row.at_time.data,
                    row.minutes.data or usual.get(row.kind.data, 60),
                )
                for row in (entry.form for entry in self.short_visits)
                if not row.is_blank()
            ),
        )

    @staticmethod
    def data_from(template: PlanTemplate) -> dict[str, Any]:
        """What the form shows for the saved template (with empty rows to fill in)."""
        rows: list[dict[str, Any]] = [
            {"name": rule.name, "first_day": rule.first_day, "last_day": rule.last_day}
            for rule in template.medication_periods[:MEDICATION_ROWS]
        ]
        rows += [{"name": "", "first_day": None, "last_day": None}] * (MEDICATION_ROWS - len(rows))
        shorts: list[dict[str, Any]] = [
            {
                "kind": rule.kind,
                "course": rule.course,
                "day": rule.day,
                "at_time": rule.at,
                "minutes": rule.minutes,
            }
            for rule in template.short_visits[:SHORT_VISIT_ROWS]
        ]
        shorts += [{"kind": "", "course": None, "day": None, "at_time": None, "minutes": None}] * (
            SHORT_VISIT_ROWS - len(shorts)
        )
        return {
            "courses": template.courses,
            "spacing_days": template.spacing_days,
            "visit_kind": template.visit_kind,
            "visit_days": template.visit_days,
            "start_time": template.start_time,
            "end_time": template.end_time,
            "time_zone": template.time_zone,
            "location": template.location,
            "medication_periods": rows,
            "short_visits": shorts,
        }


def _check_medication_row(row: MedicationRowForm, spacing: int | None) -> bool:
    """A row is either blank or complete: a name and days that fit inside one course."""
    if row.is_blank():
        return True
    valid = True
    if not (row.name.data or "").strip():
        row.name.errors.append(gettext("Please fill this in."))
        valid = False
    for day in (row.first_day, row.last_day):
        if day.data is None and not day.errors:
            day.errors.append(gettext("Please fill this in."))
            valid = False
    first, last = row.first_day.data, row.last_day.data
    if first is not None and last is not None and not row.last_day.errors:
        if last < first:
            row.last_day.errors.append(gettext("The last day cannot be before the first day."))
            valid = False
        elif spacing and last > spacing:
            row.last_day.errors.append(
                gettext(
                    "The period must end within its course (day %(days)s at the latest).",
                    days=spacing,
                )
            )
            valid = False
    return valid and not row.errors


def _check_short_visit_row(row: ShortVisitRowForm, courses: int | None) -> bool:
    """A row is either blank or complete: one of the listed kinds, a course of the plan,
    a day and a time (the minutes may stay empty)."""
    if row.is_blank():
        return True
    valid = True
    if row.kind.data not in {choice.value for choice in row.kind.choices if choice.value}:
        row.kind.errors.append(gettext("Choose a kind of visit from the list."))
        valid = False
    for field in (row.course, row.day, row.at_time):
        if field.data is None and not field.errors:
            field.errors.append(gettext("Please fill this in."))
            valid = False
    if courses and row.course.data and row.course.data > courses and not row.course.errors:
        row.course.errors.append(gettext("The plan has %(courses)s courses.", courses=courses))
        valid = False
    return valid and not row.errors


# --- what to bring --------------------------------------------------------------------


def item_lines(text: str | None) -> list[str]:
    """One item per line; blank lines and spaces around each item do not count."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def translation_lines(text: str | None) -> list[str]:
    """A family language's list: line 3 is item 3, so a blank line is an item not yet
    translated; blank lines after the last words do not count."""
    lines = [line.strip() for line in (text or "").splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


class PackingForm(CsrfForm):
    english = TextAreaField(
        _l("In English, one item per line"),
        validators=[Length(max=MAX_PACKING_ITEMS * (MAX_PACKING_LINE + 2))],
        render_kw={"lang": "en", "rows": 12},
    )
    dutch = TextAreaField(
        _l("In Dutch, one item per line, in the same order"),
        validators=[Length(max=MAX_PACKING_ITEMS * (MAX_PACKING_LINE + 2))],
        render_kw={"lang": "nl", "rows": 12},
    )

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        english, dutch = item_lines(self.english.data), item_lines(self.dutch.data)
        valid = True
        for field, lines in ((self.english, english), (self.dutch, dutch)):
            if len(lines) > MAX_PACKING_ITEMS:
                field.errors.append(
                    gettext("Keep the list to %(count)s items.", count=MAX_PACKING_ITEMS)
                )
                valid = False
            elif any(len(line) > MAX_PACKING_LINE for line in lines):
                field.errors.append(
                    gettext("Keep each item under %(count)s characters.", count=MAX_PACKING_LINE)
                )
                valid = False
        if valid and len(english) != len(dutch):
            self.dutch.errors.append(
                gettext(
                    "The English list has %(english)s items and the Dutch list %(dutch)s. Put each "
                    "item on its own line, in the same order in both lists.",
                    english=len(english),
                    dutch=len(dutch),
                )
            )
            valid = False
        return self._check_translations(len(english)) and valid

    def _check_translations(self, items: int) -> bool:
        valid = True
        for field in language_fields(self, "items"):
            code = field.name.rsplit("_", 1)[1]
            lines = translation_lines(field.data)
            if len(lines) > items:
                field.errors.append(
                    gettext(
                        "The %(language)s list has %(lines)s lines and the English list "
                        "%(english)s items. Line 3 here is item 3 there; leave a line empty "
                        "for an item not yet translated.",
                        language=LANGUAGE_NAMES[code],
                        lines=len(lines),
                        english=items,
                    )
                )
                valid = False
            elif any(len(line) > MAX_PACKING_LINE for line in lines):
                field.errors.append(
                    gettext("Keep each item under %(count)s characters.", count=MAX_PACKING_LINE)
                )
                valid = False
        return valid

    def items(self) -> list[PackingLine]:
        """Each item in English and Dutch, with the family languages it has words in."""
        pairs = zip(item_lines(self.english.data), item_lines(self.dutch.data), strict=True)
        translated = {code: translation_lines(self[f"items_{code}"].data) for code in LANGUAGES}
        return [
            PackingLine(
                english,
                dutch,
                {
                    code: lines[index]
                    for code, lines in translated.items()
                    if index < len(lines) and lines[index]
                },
            )
            for index, (english, dutch) in enumerate(pairs)
        ]

    @staticmethod
    def data_from(items: Sequence[Any]) -> dict[str, str]:
        data = {
            "english": "\n".join(item.text_en for item in items),
            "dutch": "\n".join(item.text_nl for item in items),
        }
        for code in LANGUAGES:
            data[f"items_{code}"] = "\n".join(item.texts.get(code, "") for item in items).rstrip()
        return data


# One text area per family language: line for line the same items as the English list.
add_language_fields(
    PackingForm, "items", max_length=MAX_PACKING_ITEMS * (MAX_PACKING_LINE + 2), rows=8
)
