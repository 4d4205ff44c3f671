"""The admin's form for check-in days: how many days after each stay, and which home
medicines' periods (docs/clinical.md, "Daily check-ins")."""

from __future__ import annotations

from typing import Any

from wtforms import IntegerField, SelectChoice, SelectMultipleField
from wtforms.validators import InputRequired, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from ..checkins.rule import MAX_AFTER_STAY_DAYS, CheckinRule
from ..doses.medicines import Medicine
from ..i18n import lazy_gettext as _l
from ..security import CsrfForm


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CheckinRuleForm(CsrfForm):
    after_stay_days = IntegerField(
        _l("Days after each hospital stay"),
        description=_l(
            "The family is asked for a report on each of this many days after the last day "
            "of a stay (0: none)."
        ),
        validators=[
            InputRequired(message=_l("Please fill this in.")),
            NumberRange(
                0, MAX_AFTER_STAY_DAYS, message=_l("Enter a number from %(min)s to %(max)s.")
            ),
        ],
    )
    medicine_ids = _Checkboxes(
        _l("Every day of a home-medication period of"),
        coerce=int,
        validate_choice=True,
    )

    def with_medicines(self, medicines: list[Medicine]) -> CheckinRuleForm:
        """The choices are the admin's list of home medicines, read when the page is made."""
        self.medicine_ids.choices = [
            SelectChoice(medicine.id, medicine.name()) for medicine in medicines
        ]
        return self

    def to_rule(self) -> CheckinRule:
        return CheckinRule(
            after_stay_days=int(self.after_stay_days.data),
            medicine_ids=tuple(sorted(self.medicine_ids.data or [])),
        )

    @staticmethod
    def data_from(rule: CheckinRule) -> dict[str, Any]:
        return {"after_stay_days": rule.after_stay_days, "medicine_ids": list(rule.medicine_ids)}
