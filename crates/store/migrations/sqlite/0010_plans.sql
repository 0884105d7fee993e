-- Support plans (issue 12): what each tier offers (tickets or not, how many open at once,
-- response-time targets per priority in business minutes of a calendar). Users without a plan
-- have the default one. Three plans are installed; admins change them or add their own.

CREATE TABLE plans (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    price TEXT NOT NULL DEFAULT '',
    tickets_allowed BIGINT NOT NULL DEFAULT 0,
    -- NULL: no limit.
    max_open_tickets BIGINT,
    -- JSON: targets by priority, in business minutes.
    targets TEXT NOT NULL DEFAULT '{}',
    -- JSON: {"zone", "hours": [{"day", "start", "end"}], "holidays": [...]}.
    calendar TEXT NOT NULL,
    position BIGINT NOT NULL DEFAULT 0,
    is_default BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX plans_position ON plans (position, id);

INSERT INTO plans (name, name_key, description, price, tickets_allowed, max_open_tickets, targets, calendar, position, is_default, created_at)
VALUES
('Community', 'community',
 'Search, the knowledge base and the community''s answers. No private tickets.',
 'Free', 0, 0, '{}',
 '{"zone":"UTC","hours":[{"day":"monday","start":"09:00","end":"17:00"},{"day":"tuesday","start":"09:00","end":"17:00"},{"day":"wednesday","start":"09:00","end":"17:00"},{"day":"thursday","start":"09:00","end":"17:00"},{"day":"friday","start":"09:00","end":"17:00"}],"holidays":[]}',
 0, 1, 0),
('Standard', 'standard',
 'Private tickets to our support team during business hours, with response-time targets.',
 'Included with a subscription', 1, 5,
 '{"low":{"first_reply":960,"next_reply":960,"resolution":4800},"normal":{"first_reply":480,"next_reply":480,"resolution":2400},"high":{"first_reply":240,"next_reply":240,"resolution":960},"urgent":{"first_reply":120,"next_reply":120,"resolution":480}}',
 '{"zone":"UTC","hours":[{"day":"monday","start":"09:00","end":"17:00"},{"day":"tuesday","start":"09:00","end":"17:00"},{"day":"wednesday","start":"09:00","end":"17:00"},{"day":"thursday","start":"09:00","end":"17:00"},{"day":"friday","start":"09:00","end":"17:00"}],"holidays":[]}',
 1, 0, 0),
('Premium', 'premium',
 'Around-the-clock support with the fastest response times and no limit on open tickets.',
 'Contact sales', 1, NULL,
 '{"low":{"first_reply":480,"next_reply":480,"resolution":2880},"normal":{"first_reply":240,"next_reply":240,"resolution":1440},"high":{"first_reply":60,"next_reply":120,"resolution":480},"urgent":{"first_reply":30,"next_reply":60,"resolution":240}}',
 '{"zone":"UTC","hours":[{"day":"monday","start":"00:00","end":"24:00"},{"day":"tuesday","start":"00:00","end":"24:00"},{"day":"wednesday","start":"00:00","end":"24:00"},{"day":"thursday","start":"00:00","end":"24:00"},{"day":"friday","start":"00:00","end":"24:00"},{"day":"saturday","start":"00:00","end":"24:00"},{"day":"sunday","start":"00:00","end":"24:00"}],"holidays":[]}',
 2, 0, 0);

ALTER TABLE users ADD COLUMN plan_id BIGINT REFERENCES plans (id);

-- Organizations give their plan to everyone whose address is at one of their domains (unless an
-- admin gave the person a plan of their own).
CREATE TABLE organizations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    plan_id BIGINT NOT NULL REFERENCES plans (id),
    created_at BIGINT NOT NULL
);

CREATE TABLE organization_domains (
    domain TEXT PRIMARY KEY,
    organization_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE
);
CREATE INDEX organization_domains_org ON organization_domains (organization_id);
