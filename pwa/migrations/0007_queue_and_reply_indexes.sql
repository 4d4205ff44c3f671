-- Indexes for scale (bench/scale.py: 500 children, 500,000 reports; docs/performance.md).

-- The review queue: reports without a review. Found by scanning every report (an
-- anti-join on report_review), which took seconds at 500,000 reports. This table holds
-- exactly the ids of unreviewed reports, kept by triggers whoever writes: a report
-- enters when it is stored and leaves when it is reviewed (or deleted with its child).
CREATE TABLE report_queue (
    report_id INTEGER PRIMARY KEY REFERENCES report (id) ON DELETE CASCADE
);
INSERT INTO report_queue (report_id)
SELECT id FROM report WHERE NOT EXISTS (SELECT 1 FROM report_review WHERE report_review.report_id = report.id);

CREATE TRIGGER report_queue_add AFTER INSERT ON report
BEGIN
    INSERT INTO report_queue (report_id) VALUES (NEW.id);
END;

CREATE TRIGGER report_queue_reviewed AFTER INSERT ON report_review
BEGIN
    DELETE FROM report_queue WHERE report_id = NEW.report_id;
END;

-- Unread care-team replies on the family home page: start from the few unread replies
-- instead of every report of the family's children.
CREATE INDEX report_reply_unread ON report_reply (report_id) WHERE read_at IS NULL;
