-- What a family's home page shows changes rarely; it is rendered once and kept in memory
-- until the data under it changes (pwa/pagecache.py, docs/performance.md). This counter
-- says when: triggers bump it on every write, by any process, to a table the page reads.
-- A report only ever adds to what the page shows through a reply, so stored reports do
-- not bump it; deleting one does (its replies go with it).
CREATE TABLE family_data_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO family_data_version (id, version) VALUES (1, 0);

CREATE TRIGGER family_data_version_account_insert AFTER INSERT ON account
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_account_update AFTER UPDATE ON account
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_account_delete AFTER DELETE ON account
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_child_insert AFTER INSERT ON child
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_child_update AFTER UPDATE ON child
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_child_delete AFTER DELETE ON child
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_caregiver_child_insert AFTER INSERT ON caregiver_child
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_caregiver_child_update AFTER UPDATE ON caregiver_child
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_caregiver_child_delete AFTER DELETE ON caregiver_child
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_treatment_plan_insert AFTER INSERT ON treatment_plan
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_treatment_plan_update AFTER UPDATE ON treatment_plan
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_treatment_plan_delete AFTER DELETE ON treatment_plan
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_visit_insert AFTER INSERT ON visit
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_visit_update AFTER UPDATE ON visit
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_visit_delete AFTER DELETE ON visit
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_medication_period_insert AFTER INSERT ON medication_period
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_medication_period_update AFTER UPDATE ON medication_period
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_medication_period_delete AFTER DELETE ON medication_period
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_schedule_seen_insert AFTER INSERT ON schedule_seen
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_schedule_seen_update AFTER UPDATE ON schedule_seen
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_schedule_seen_delete AFTER DELETE ON schedule_seen
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_packing_item_insert AFTER INSERT ON packing_item
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_packing_item_update AFTER UPDATE ON packing_item
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_packing_item_delete AFTER DELETE ON packing_item
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_report_reply_insert AFTER INSERT ON report_reply
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_report_reply_update AFTER UPDATE ON report_reply
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_report_reply_delete AFTER DELETE ON report_reply
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;

CREATE TRIGGER family_data_version_report_delete AFTER DELETE ON report
BEGIN
    UPDATE family_data_version SET version = version + 1;
END;
