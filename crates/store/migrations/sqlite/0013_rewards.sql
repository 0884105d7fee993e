-- Fair value sharing (issue 13): the published formula, its versions, periods with a money
-- pool, the contributions and allocations of each period (live standings while open, an
-- immutable statement once closed), and each member's choices.

-- Versions of the formula. A version applies to periods that start at or after
-- `effective_from`; versions are never changed or deleted.
CREATE TABLE reward_formulas (
    version INTEGER PRIMARY KEY,
    -- JSON: stoa_domain::rewards::Formula.
    spec TEXT NOT NULL,
    -- What changed and why, for the public page.
    note TEXT NOT NULL DEFAULT '',
    published_at BIGINT NOT NULL,
    effective_from BIGINT NOT NULL,
    published_by BIGINT REFERENCES users (id)
);
INSERT INTO reward_formulas (version, spec, note, published_at, effective_from) VALUES (1,
 '{"weights":{"accepted_answer":15,"answer_upvote":10,"article_helpful":5,"person_helped":20,"flag_upheld":2,"review":1,"edit_approved":2},"full_votes_per_post":10,"later_vote_percent":50,"max_points_per_post":200,"cap_percent":10,"min_payout_minor":100,"transform":"sqrt","exclude_staff":true}',
 'The first formula.', 0, 0);

CREATE TABLE reward_periods (
    id INTEGER PRIMARY KEY,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    pool_minor BIGINT NOT NULL CHECK (pool_minor > 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    formula_version BIGINT NOT NULL REFERENCES reward_formulas (version),
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    -- When the standings (open) or the statement (closed) were computed.
    computed_at BIGINT,
    closed_at BIGINT,
    -- SHA-256 of the statement's canonical text (stoa_domain::rewards::canonical).
    statement_hash TEXT
);
CREATE INDEX reward_periods_dates ON reward_periods (starts_at, ends_at);

-- Every counted contribution of a period, with its points.
CREATE TABLE reward_contributions (
    period_id BIGINT NOT NULL REFERENCES reward_periods (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    post_id BIGINT,
    at BIGINT NOT NULL,
    points BIGINT NOT NULL
);
CREATE INDEX reward_contributions_user ON reward_contributions (period_id, user_id, at);

-- Each person's result in a period.
CREATE TABLE reward_allocations (
    period_id BIGINT NOT NULL REFERENCES reward_periods (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    points BIGINT NOT NULL,
    -- The weight after the transform, as text (it can exceed 64 bits).
    weight TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    -- 1: the member declined payouts; their share went back to the pool.
    declined BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (period_id, user_id)
);
CREATE INDEX reward_allocations_amount ON reward_allocations (period_id, amount_minor DESC, points DESC, user_id);

-- A member's choices: decline payouts; show past rewards on the profile.
CREATE TABLE reward_preferences (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    decline BIGINT NOT NULL DEFAULT 0,
    public BIGINT NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL
);

-- What the contribution queries read by time.
-- Live ledger entries by reason and time, with what the contribution queries read.
CREATE INDEX reputation_events_live ON reputation_events (reason, created_at, user_id, post_id, actor_id)
    WHERE reversed_at IS NULL;
CREATE INDEX article_feedback_created ON article_feedback (created_at) WHERE helpful = 1;
CREATE INDEX deflection_sessions_solved_at ON deflection_sessions (outcome_at) WHERE outcome = 'solved';
CREATE INDEX flags_handled ON flags (handled_at) WHERE status = 'helpful';
CREATE INDEX reviews_created ON reviews (created_at);
CREATE INDEX suggested_edits_reviewed ON suggested_edits (reviewed_at) WHERE status = 'approved';
