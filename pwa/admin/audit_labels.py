"""What each audit action means, in words for the admin reading the log.

The stored code (``plan.created``) stays the record and is shown beside the words; an
action without words here (a new one) is shown by its code alone.
"""

from __future__ import annotations

from ..i18n import lazy_gettext as _l

ACTION_LABELS = {
    "account.created": _l("Staff account added"),
    "account.disabled": _l("Staff account disabled"),
    "account.enabled": _l("Staff account enabled again"),
    "account.password_changed": _l("Password changed"),
    "account.password_reset": _l("Password set with a reset code"),
    "account.phone_changed": _l("Caregiver's phone number changed"),
    "account.role_changed": _l("Staff role changed"),
    "account.second_factor_enrolled": _l("Authenticator app set up"),
    "account.second_factor_reset": _l("Second step reset"),
    "audit.searched": _l("Audit log searched"),
    "calendar_feed.created": _l("Calendar link made"),
    "calendar_feed.revoked": _l("Calendar link stopped"),
    "card.updated": _l("Emergency card changed"),
    "child.created": _l("Child added"),
    "child.number_changed": _l("Hospital patient number changed"),
    "fhir.viewed": _l("Read by a hospital system (FHIR)"),
    "fhir_client.added": _l("Hospital system registered"),
    "fhir_client.disabled": _l("Hospital system switched off"),
    "visit.import_refused": _l("Visit from the hospital system refused: changed in the app"),
    "conversation.claim_released": _l("Conversation handed back"),
    "conversation.claim_taken_over": _l("Conversation taken over from a colleague"),
    "conversation.claimed": _l("Conversation taken on"),
    "conversation.viewed": _l("Conversation with the family opened"),
    "child.viewed": _l("Child's page opened"),
    "diary_items.updated": _l("Diary questions changed"),
    "export.csv": _l("Record exported (CSV)"),
    "export.fhir": _l("Record exported (FHIR)"),
    "export.doses_csv": _l("Doses at home exported (CSV)"),
    "export.print": _l("Printable report opened"),
    "family_export.csv": _l("Family downloaded their data (CSV)"),
    "family_export.fhir": _l("Family downloaded their data (FHIR)"),
    "guidance.created": _l("Guidance page written"),
    "guidance.examples_added": _l("Example guidance pages added"),
    "guidance.removed": _l("Guidance page removed"),
    "guidance.reordered": _l("Guidance pages put in another order"),
    "guidance.review_removed": _l("Guidance page's review mark removed"),
    "guidance.reviewed": _l("Guidance page marked as reviewed for clinical use"),
    "guidance.updated": _l("Guidance page changed"),
    "family_export.doses_csv": _l("Family downloaded their doses (CSV)"),
    "hospital.updated": _l("Hospital settings changed"),
    "invite.created": _l("Family invite made"),
    "invite.redeemed": _l("Family invite used"),
    "invite.revoked": _l("Family invite withdrawn"),
    "medication.changed": _l("Home-medication days changed"),
    "medication.prescribed": _l("Home medicine or prescription changed"),
    "medicines.updated": _l("Home medicines changed"),
    "dose_flag.updated": _l("Dose flag rule changed"),
    "message.sent_to_family": _l("Message sent to the family"),
    "packing.updated": _l("What-to-bring list changed"),
    "photo.viewed": _l("Photo opened"),
    "plan.courses_moved": _l("Later courses moved along"),
    "plan.created": _l("Treatment plan made"),
    "plan.viewed": _l("Treatment plan opened"),
    "push.device_added": _l("Reminders switched on on a device"),
    "push.device_removed": _l("Reminders switched off on a device"),
    "record.closed": _l("Record closed"),
    "record.purged": _l("Closed record deleted"),
    "reminders.offsets_updated": _l("Reminder times changed"),
    "reminders.preferences_updated": _l("Family's reminder choices changed"),
    "report.claim_released": _l("Report handed back"),
    "report.claim_taken_over": _l("Report taken over from a colleague"),
    "report.claimed": _l("Report taken on"),
    "report.escalated": _l("Red report not taken up in time: nurses and the ward told"),
    "report.escalated_to_admins": _l("Red report still not taken up: admins told"),
    "report.outcome_changed": _l("Report outcome changed"),
    "report.replied": _l("Reply sent to the family"),
    "report.reviewed": _l("Report reviewed"),
    "report.viewed": _l("Report opened"),
    "reset.created": _l("Set-up or password reset code made"),
    "rules.updated": _l("Red-flag rules changed"),
    "template.updated": _l("Treatment plan template changed"),
    "visit.added": _l("Visit added"),
    "visit.changed": _l("Visit changed"),
}


def action_label(action: str) -> str:
    """The action in the reader's words, or its code when it has none yet."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action
