-- The durable job queue grows what workers need (a key for idempotent enqueues, the claiming
-- worker, dead letters), and notifications arrive: follows, per-person settings, in-app
-- notifications, the mail log (daily cap, digests, no double sends) and one-time tokens
-- (e-mail confirmation, password reset).

ALTER TABLE jobs ADD COLUMN job_key TEXT;
ALTER TABLE jobs ADD COLUMN locked_by TEXT;
ALTER TABLE jobs ADD COLUMN dead_at BIGINT;
-- NULL keys are distinct on both backends: only keyed jobs are deduplicated.
CREATE UNIQUE INDEX jobs_key ON jobs (job_key);
DROP INDEX jobs_ready;
CREATE INDEX jobs_ready ON jobs (run_at, id) WHERE done_at IS NULL AND dead_at IS NULL;
CREATE INDEX jobs_dead ON jobs (dead_at DESC) WHERE dead_at IS NOT NULL;
CREATE INDEX jobs_done ON jobs (done_at) WHERE done_at IS NOT NULL;

ALTER TABLE users ADD COLUMN email_confirmed_at BIGINT;
-- Asking or answering follows the question (1) or not (0).
ALTER TABLE users ADD COLUMN auto_follow BIGINT NOT NULL DEFAULT 1;

CREATE TABLE follows (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_type TEXT NOT NULL CHECK (target_type IN ('tag', 'question', 'user')),
    target TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, target_type, target)
);
CREATE INDEX follows_target ON follows (target_type, target, user_id);

CREATE TABLE notification_settings (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('off', 'in_app', 'email', 'daily', 'weekly')),
    PRIMARY KEY (user_id, kind)
);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    -- What happened, once per person: fan-out run twice inserts nothing twice.
    event_key TEXT NOT NULL,
    -- Notifications about the same thing ("3 new answers on ...") share it.
    group_key TEXT NOT NULL,
    text TEXT NOT NULL,
    url TEXT NOT NULL,
    -- The question a notification belongs to, for mail threading.
    thread_id BIGINT,
    actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- Channel chosen when it was made: in_app, email, daily or weekly.
    channel TEXT NOT NULL,
    read_at BIGINT,
    -- When it went out by e-mail (at once or in a digest).
    mailed_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, event_key)
);
CREATE INDEX notifications_user ON notifications (user_id, id DESC);
CREATE INDEX notifications_unread ON notifications (user_id, id) WHERE read_at IS NULL;
CREATE INDEX notifications_digest ON notifications (channel, user_id) WHERE mailed_at IS NULL AND channel IN ('daily', 'weekly');

-- Every message handed to the SMTP server. `mail_key` makes a send idempotent: the row is written
-- as 'sending' before the SMTP conversation and made 'sent' with the job's completion; a job run
-- again after its worker died finds the row and sends nothing ('unknown': maybe delivered, never
-- twice). ADR 008.
CREATE TABLE mail_log (
    id INTEGER PRIMARY KEY,
    mail_key TEXT NOT NULL UNIQUE,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'unknown')),
    sent_at BIGINT NOT NULL
);
CREATE INDEX mail_log_user ON mail_log (user_id, sent_at);

CREATE TABLE one_time_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('confirm_email', 'password_reset')),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX one_time_tokens_user ON one_time_tokens (user_id, purpose);
