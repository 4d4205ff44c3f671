-- The family's home lists the reports it waits on (amber and red without a review); a
-- report the family corrected later is left out, its correction waits instead. That, and
-- escalation, look reports up by the report they correct; the review queue reads every
-- correction of the children waiting from this index, not from all their reports.

CREATE INDEX report_by_correction ON report (corrects_id) WHERE corrects_id IS NOT NULL;
