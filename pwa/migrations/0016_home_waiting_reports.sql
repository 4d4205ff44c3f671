-- The family's home shows the reports it waits on (amber and red without a review) with
-- the ward's promise, which reads the hospital's settings: a new report, a claim, a review
-- and a settings change all change that page, so they bump the page cache's version too.
-- A later report that corrects one replaces it in that list: corrections are looked up by
-- the report they correct.

CREATE INDEX report_by_correction ON report (corrects_id) WHERE corrects_id IS NOT NULL;

-- A green report changes nothing on the page unless it corrects another report: most
-- reports are green, and they leave every family's kept page alone.
CREATE TRIGGER family_data_version_report_insert AFTER INSERT ON report
WHEN NEW.level <> 'green' OR NEW.corrects_id IS NOT NULL
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_report_claim_insert AFTER INSERT ON report_claim
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_report_claim_update AFTER UPDATE ON report_claim
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_report_claim_delete AFTER DELETE ON report_claim
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_report_review_insert AFTER INSERT ON report_review
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_report_review_update AFTER UPDATE ON report_review
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_report_review_delete AFTER DELETE ON report_review
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_hospital_setting_insert AFTER INSERT ON hospital_setting
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_hospital_setting_update AFTER UPDATE ON hospital_setting
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_hospital_setting_delete AFTER DELETE ON hospital_setting
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_report_update AFTER UPDATE ON report
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;
