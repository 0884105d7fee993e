-- Incentives and their integrity (issue 13): badges (Stoa's own, awarded by a job, and those
-- imported from Stack Exchange), bounties, daily visits (for the visiting badges), the traits
-- an account signed up or logged in with (hashed), and the pairs of linked accounts already
-- flagged to moderators.

-- A badge a person holds. Stoa's own badges (`imported` = 0) are held once per person and
-- badge; imported ones keep the dump's id, since Stack Exchange awards some many times.
CREATE TABLE badge_awards (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    -- Stoa's catalogue key (stoa_domain::badges), or the Stack Exchange name.
    badge TEXT NOT NULL,
    tier TEXT NOT NULL CHECK (tier IN ('bronze', 'silver', 'gold')),
    imported BIGINT NOT NULL DEFAULT 0 CHECK (imported IN (0, 1)),
    awarded_at BIGINT NOT NULL,
    source_site TEXT,
    source_id BIGINT
);
CREATE UNIQUE INDEX badge_awards_once ON badge_awards (user_id, badge) WHERE imported = 0;
CREATE UNIQUE INDEX badge_awards_source ON badge_awards (source_site, source_id);
CREATE INDEX badge_awards_badge ON badge_awards (badge, imported, awarded_at DESC);
CREATE INDEX badge_awards_user ON badge_awards (user_id, awarded_at DESC);

-- Bounties: reputation offered on a question for a week.
CREATE TABLE bounties (
    id INTEGER PRIMARY KEY,
    question_id BIGINT NOT NULL REFERENCES posts (id),
    offered_by BIGINT NOT NULL REFERENCES users (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    started_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'awarded', 'expired')),
    awarded_answer_id BIGINT REFERENCES posts (id),
    awarded_to BIGINT REFERENCES users (id),
    awarded_amount BIGINT NOT NULL DEFAULT 0,
    closed_at BIGINT
);
CREATE UNIQUE INDEX bounties_one_open ON bounties (question_id) WHERE status = 'open';
CREATE INDEX bounties_due ON bounties (ends_at) WHERE status = 'open';
CREATE INDEX bounties_question ON bounties (question_id, started_at DESC);
-- The open bounty's amount on its question, for lists (0: none).
ALTER TABLE posts ADD COLUMN bounty_amount BIGINT NOT NULL DEFAULT 0;
CREATE INDEX posts_list_bounty ON posts (bounty_amount DESC, id DESC) WHERE bounty_amount > 0;

-- Days (since 1970-01-01, UTC) on which a person was signed in.
CREATE TABLE user_visits (
    user_id BIGINT NOT NULL REFERENCES users (id),
    day BIGINT NOT NULL,
    PRIMARY KEY (user_id, day)
);

-- What an account was created or used with, hashed: `address` (the client address with the
-- site's salt) and `device` (a long-lived browser cookie). Two accounts sharing one are linked.
CREATE TABLE account_traits (
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('address', 'device')),
    value_hash TEXT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind, value_hash)
);
CREATE INDEX account_traits_value ON account_traits (kind, value_hash);

-- Linked pairs (one acted for the other: voted, accepted, awarded) already flagged.
CREATE TABLE linked_pairs (
    actor_id BIGINT NOT NULL REFERENCES users (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    events BIGINT NOT NULL,
    flag_id BIGINT REFERENCES flags (id),
    flagged_at BIGINT NOT NULL,
    PRIMARY KEY (actor_id, user_id)
);
