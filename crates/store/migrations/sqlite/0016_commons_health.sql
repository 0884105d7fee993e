-- Commons health (issue 17): indexes for the metrics' reads over a window of days, and the
-- dated record of governance-settings changes the health page lists.

-- The posts of a window, read from the index alone (the table's rows hold the bodies).
CREATE INDEX posts_health ON posts (created_at, kind, author_id)
    WHERE kind IN ('question', 'answer') AND deleted_at IS NULL;
CREATE INDEX posts_health_questions ON posts (created_at, accepted_answer_id)
    WHERE kind = 'question' AND deleted_at IS NULL;
-- A question's first answer, and whether its accepted answer stands, from the index alone.
CREATE INDEX posts_answer_first ON posts (parent_id, created_at)
    WHERE kind = 'answer' AND deleted_at IS NULL;
-- Each contributor's first post ever is one index seek.
CREATE INDEX posts_author_first ON posts (author_id, created_at)
    WHERE kind IN ('question', 'answer') AND deleted_at IS NULL;
CREATE INDEX flags_created ON flags (created_at);
CREATE INDEX appeals_created ON appeals (created_at);

-- Every change of the governance settings: who, when, and the settings then in force.
CREATE TABLE governance_changes (
    id INTEGER PRIMARY KEY,
    changed_at BIGINT NOT NULL,
    changed_by BIGINT REFERENCES users (id),
    -- JSON: the settings after the change.
    settings TEXT NOT NULL
);
CREATE INDEX governance_changes_at ON governance_changes (changed_at);
