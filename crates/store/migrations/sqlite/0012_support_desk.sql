-- The support desk around tickets (issue 12): due times for the agent inbox, tags, the
-- deflection session a ticket came from, follow-ups, satisfaction, coverage by public
-- knowledge, publishing with consent, canned replies, and failed searches for the gap report.

-- The soonest running SLA due time (253402300799, 9999-12-31, when none: the inbox sorts by
-- it through an index), whether any promise was broken, and when the job queue must look
-- again (a warning or breach begins). Kept by the application after every change.
ALTER TABLE tickets ADD COLUMN due_at BIGINT NOT NULL DEFAULT 253402300799;
ALTER TABLE tickets ADD COLUMN breached BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN check_at BIGINT DEFAULT 0;
ALTER TABLE tickets ADD COLUMN first_reply_at BIGINT;
ALTER TABLE tickets ADD COLUMN solved_at BIGINT;
ALTER TABLE tickets ADD COLUMN deflection_session_id BIGINT REFERENCES deflection_sessions (id) ON DELETE SET NULL;
ALTER TABLE tickets ADD COLUMN follow_up_of BIGINT REFERENCES tickets (id);
-- Satisfaction after solving: good or bad, and a comment.
ALTER TABLE tickets ADD COLUMN csat TEXT CHECK (csat IN ('good', 'bad'));
ALTER TABLE tickets ADD COLUMN csat_comment TEXT NOT NULL DEFAULT '';
-- The public post (article or accepted answer) that already covers the ticket, its match
-- score in thousandths, and the agents' verdict.
ALTER TABLE tickets ADD COLUMN covered_by BIGINT REFERENCES posts (id) ON DELETE SET NULL;
ALTER TABLE tickets ADD COLUMN coverage_score BIGINT;
ALTER TABLE tickets ADD COLUMN coverage_state TEXT CHECK (coverage_state IN ('suggested', 'confirmed', 'rejected'));
ALTER TABLE tickets ADD COLUMN published_question_id BIGINT REFERENCES posts (id) ON DELETE SET NULL;
-- The requester's organization when it was filed: colleagues see it where the plan says so.
ALTER TABLE tickets ADD COLUMN organization_id BIGINT REFERENCES organizations (id) ON DELETE SET NULL;
ALTER TABLE plans ADD COLUMN organization_visible BIGINT NOT NULL DEFAULT 0;
-- Premium teams see each other's tickets.
UPDATE plans SET organization_visible = 1 WHERE name_key = 'premium';
CREATE INDEX tickets_organization ON tickets (organization_id, updated_at DESC, id DESC)
    WHERE organization_id IS NOT NULL;

CREATE INDEX tickets_due ON tickets (due_at, id) WHERE status NOT IN ('solved', 'closed');
CREATE INDEX tickets_assignee_due ON tickets (assignee_id, due_at, id) WHERE status NOT IN ('solved', 'closed');
CREATE INDEX tickets_plan_due ON tickets (plan_id, due_at, id) WHERE status NOT IN ('solved', 'closed');
CREATE INDEX tickets_breached_due ON tickets (breached, due_at, id) WHERE status NOT IN ('solved', 'closed');
CREATE INDEX tickets_status_due ON tickets (status, due_at, id);
CREATE INDEX tickets_check ON tickets (check_at) WHERE check_at IS NOT NULL;
CREATE INDEX tickets_solved ON tickets (solved_at) WHERE status = 'solved';
CREATE INDEX tickets_created ON tickets (created_at);

CREATE TABLE ticket_tags (
    ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (ticket_id, tag)
);
CREATE INDEX ticket_tags_tag ON ticket_tags (tag, ticket_id);

-- What the visitor searched last in a deflection session (shown to agents on the ticket).
ALTER TABLE deflection_sessions ADD COLUMN last_query TEXT NOT NULL DEFAULT '';

-- A proposal to publish a solved ticket as a public question with its answer. The customer
-- sees the masked preview, may edit it, and accepts or declines; nothing is published
-- without `state = 'accepted'`.
CREATE TABLE ticket_publications (
    ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    proposed_by BIGINT NOT NULL REFERENCES users (id),
    -- The agent whose reply becomes the answer (credited as its author).
    answerer_id BIGINT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    question_md TEXT NOT NULL,
    answer_md TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'proposed' CHECK (state IN ('proposed', 'accepted', 'declined')),
    proposed_at BIGINT NOT NULL,
    decided_at BIGINT,
    question_id BIGINT REFERENCES posts (id) ON DELETE SET NULL
);

CREATE TABLE canned_replies (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL UNIQUE,
    body_md TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);

-- Searches that found nothing, for the content-gap report.
CREATE TABLE search_misses (
    id INTEGER PRIMARY KEY,
    query TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX search_misses_created ON search_misses (created_at);
