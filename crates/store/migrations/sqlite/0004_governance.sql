-- Governance: flags, suggested edits, close votes, reviews, the public moderation log, appeals
-- and the spam classifier's training decisions. (0003 belongs to the Stack Exchange importer.)

ALTER TABLE posts ADD COLUMN protected_at BIGINT;

-- A compensating ledger entry points at the entry it undoes.
ALTER TABLE reputation_events ADD COLUMN reverses_id BIGINT REFERENCES reputation_events (id);
CREATE INDEX reputation_events_post ON reputation_events (post_id, actor_id);

CREATE TABLE flags (
    id INTEGER PRIMARY KEY,
    post_id BIGINT NOT NULL REFERENCES posts (id),
    -- NULL: raised by the spam filter when it held the post.
    user_id BIGINT REFERENCES users (id),
    reason TEXT NOT NULL CHECK (reason IN ('spam', 'rude', 'low_quality', 'duplicate', 'other')),
    duplicate_of BIGINT REFERENCES posts (id),
    text TEXT NOT NULL DEFAULT '',
    -- 1 when the flagger held the trusted-flag privilege: such flags can hide a post.
    trusted BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'helpful', 'declined')),
    created_at BIGINT NOT NULL,
    handled_by BIGINT REFERENCES users (id),
    handled_at BIGINT
);
CREATE UNIQUE INDEX flags_one_pending ON flags (post_id, user_id) WHERE status = 'pending';
CREATE INDEX flags_status ON flags (status, post_id);

CREATE TABLE suggested_edits (
    id INTEGER PRIMARY KEY,
    post_id BIGINT NOT NULL REFERENCES posts (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    -- The revision the edit was made against; approving over a newer one is refused.
    base_revision BIGINT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    body_md TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    reviewer_id BIGINT REFERENCES users (id),
    review_reason TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    reviewed_at BIGINT
);
CREATE UNIQUE INDEX suggested_edits_one_pending ON suggested_edits (post_id) WHERE status = 'pending';
CREATE INDEX suggested_edits_author ON suggested_edits (author_id, created_at);

CREATE TABLE close_votes (
    id INTEGER PRIMARY KEY,
    post_id BIGINT NOT NULL REFERENCES posts (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('close', 'reopen')),
    reason TEXT CHECK (reason IN ('off_topic', 'needs_details', 'duplicate')),
    duplicate_of BIGINT REFERENCES posts (id),
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'dismissed')),
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX close_votes_one_pending ON close_votes (post_id, user_id, kind) WHERE status = 'pending';
CREATE INDEX close_votes_status ON close_votes (status, post_id);

-- Every review is an action with a reason. item_id: the suggested edit, or the first vote of a
-- close-vote round, or 0.
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    queue TEXT NOT NULL,
    post_id BIGINT NOT NULL REFERENCES posts (id),
    item_id BIGINT NOT NULL DEFAULT 0,
    reviewer_id BIGINT NOT NULL REFERENCES users (id),
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (queue, post_id, item_id, reviewer_id)
);
CREATE INDEX reviews_reviewer ON reviews (reviewer_id, created_at);

-- The public moderation log. actor_id NULL: the community (flags, close votes).
CREATE TABLE moderation_actions (
    id INTEGER PRIMARY KEY,
    action TEXT NOT NULL,
    actor_id BIGINT REFERENCES users (id),
    target_type TEXT NOT NULL CHECK (target_type IN ('post', 'user')),
    target_id BIGINT NOT NULL,
    affected_user_id BIGINT REFERENCES users (id),
    category TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- Seen only by the affected user and moderators.
    private_detail TEXT NOT NULL DEFAULT '',
    duration_hours BIGINT,
    created_at BIGINT NOT NULL,
    reverses_id BIGINT REFERENCES moderation_actions (id),
    reversed_at BIGINT,
    reversed_by_id BIGINT REFERENCES moderation_actions (id)
);
CREATE INDEX moderation_actions_recent ON moderation_actions (created_at DESC, id DESC);
CREATE INDEX moderation_actions_target ON moderation_actions (target_type, target_id);
CREATE INDEX moderation_actions_affected ON moderation_actions (affected_user_id);

CREATE TABLE appeals (
    id INTEGER PRIMARY KEY,
    action_id BIGINT NOT NULL UNIQUE REFERENCES moderation_actions (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    text TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'reversed', 'upheld')),
    decided_by BIGINT REFERENCES users (id),
    decision_reason TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    decided_at BIGINT
);
CREATE INDEX appeals_status ON appeals (status, created_at);

-- What moderators taught the spam classifier, so that a reversed decision can be untrained
-- exactly. The model itself is the settings row 'spam_model'.
CREATE TABLE spam_decisions (
    id INTEGER PRIMARY KEY,
    post_id BIGINT REFERENCES posts (id),
    text TEXT NOT NULL,
    is_spam BIGINT NOT NULL CHECK (is_spam IN (0, 1)),
    decided_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    reversed_at BIGINT
);
CREATE INDEX spam_decisions_post ON spam_decisions (post_id);
