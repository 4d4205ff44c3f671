-- The family home page cache no longer keeps a version of its own: it compares SQLite's
-- PRAGMA data_version, which moves on every commit by any connection, to any table
-- (pwa/pagecache.py, docs/performance.md). The counter of migration 0008 and the
-- triggers of migrations 0008 and 0010 that bumped it on writes to the page's tables go;
-- the triggers first, as a write to their tables would fail once the counter is gone.

DROP TRIGGER IF EXISTS family_data_version_account_insert;
DROP TRIGGER IF EXISTS family_data_version_account_update;
DROP TRIGGER IF EXISTS family_data_version_account_delete;
DROP TRIGGER IF EXISTS family_data_version_child_insert;
DROP TRIGGER IF EXISTS family_data_version_child_update;
DROP TRIGGER IF EXISTS family_data_version_child_delete;
DROP TRIGGER IF EXISTS family_data_version_caregiver_child_insert;
DROP TRIGGER IF EXISTS family_data_version_caregiver_child_update;
DROP TRIGGER IF EXISTS family_data_version_caregiver_child_delete;
DROP TRIGGER IF EXISTS family_data_version_treatment_plan_insert;
DROP TRIGGER IF EXISTS family_data_version_treatment_plan_update;
DROP TRIGGER IF EXISTS family_data_version_treatment_plan_delete;
DROP TRIGGER IF EXISTS family_data_version_visit_insert;
DROP TRIGGER IF EXISTS family_data_version_visit_update;
DROP TRIGGER IF EXISTS family_data_version_visit_delete;
DROP TRIGGER IF EXISTS family_data_version_medication_period_insert;
DROP TRIGGER IF EXISTS family_data_version_medication_period_update;
DROP TRIGGER IF EXISTS family_data_version_medication_period_delete;
DROP TRIGGER IF EXISTS family_data_version_schedule_seen_insert;
DROP TRIGGER IF EXISTS family_data_version_schedule_seen_update;
DROP TRIGGER IF EXISTS family_data_version_schedule_seen_delete;
DROP TRIGGER IF EXISTS family_data_version_packing_item_insert;
DROP TRIGGER IF EXISTS family_data_version_packing_item_update;
DROP TRIGGER IF EXISTS family_data_version_packing_item_delete;
DROP TRIGGER IF EXISTS family_data_version_report_reply_insert;
DROP TRIGGER IF EXISTS family_data_version_report_reply_update;
DROP TRIGGER IF EXISTS family_data_version_report_reply_delete;
DROP TRIGGER IF EXISTS family_data_version_plan_change_insert;
DROP TRIGGER IF EXISTS family_data_version_plan_change_update;
DROP TRIGGER IF EXISTS family_data_version_plan_change_delete;
DROP TRIGGER IF EXISTS family_data_version_report_delete;

DROP TABLE IF EXISTS family_data_version;
