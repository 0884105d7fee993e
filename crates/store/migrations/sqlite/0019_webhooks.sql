-- Webhooks (issue 14): URLs that receive signed events, and the log of every delivery.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    owner_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    -- Kept as is: signing needs it (it is shown once, when generated).
    secret TEXT NOT NULL,
    -- Event names separated by spaces.
    events TEXT NOT NULL,
    -- 'site': every event (an administrator's); 'own': events about the owner.
    audience TEXT NOT NULL CHECK (audience IN ('site', 'own')),
    active BIGINT NOT NULL DEFAULT 1,
    disabled_at BIGINT,
    disabled_reason TEXT NOT NULL DEFAULT '',
    -- Failed tries since the last success.
    failure_streak BIGINT NOT NULL DEFAULT 0,
    last_success_at BIGINT,
    last_failure_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX webhooks_owner ON webhooks (owner_id, id);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    -- The event's id, shared by every webhook that receives it (the payload's `id`).
    event_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'retrying', 'delivered', 'failed', 'cancelled')),
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    response_code BIGINT,
    response_excerpt TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    duration_ms BIGINT,
    -- A manual redelivery points at the delivery it repeats.
    redelivery_of BIGINT,
    created_at BIGINT NOT NULL,
    last_attempt_at BIGINT,
    next_attempt_at BIGINT,
    delivered_at BIGINT
);
-- One automatic delivery per event and webhook: a fan-out run twice delivers nothing twice.
CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (webhook_id, event_id)
    WHERE redelivery_of IS NULL;
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, id);
