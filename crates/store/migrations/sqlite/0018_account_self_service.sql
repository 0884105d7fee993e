-- Account self-service (issue 14): profile, e-mail change, two-factor sign-in, data export and
-- account deletion.

-- A name to show instead of the username, and whether to show a Gravatar picture (derived
-- from the address's hash; nothing is fetched by the server).
ALTER TABLE users ADD COLUMN display_name TEXT;
ALTER TABLE users ADD COLUMN avatar TEXT NOT NULL DEFAULT 'none';
-- Set when TOTP enrolment is confirmed, cleared when it is turned off; read with every
-- request's user, so kept on the row rather than joined.
ALTER TABLE users ADD COLUMN two_factor_since BIGINT;
-- A requested deletion takes effect at this time unless cancelled.
ALTER TABLE users ADD COLUMN deletion_due_at BIGINT;
ALTER TABLE users ADD COLUMN deletion_erases_posts BIGINT NOT NULL DEFAULT 0;
CREATE INDEX users_deletion_due ON users (deletion_due_at) WHERE deletion_due_at IS NOT NULL;

-- One pending change of address per person; the link's token is made when the mail is sent.
CREATE TABLE email_changes (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    new_email TEXT NOT NULL,
    new_email_key TEXT NOT NULL,
    old_email TEXT,
    requested_at BIGINT NOT NULL,
    token_hash TEXT UNIQUE,
    expires_at BIGINT NOT NULL
);

-- The TOTP secret (RFC 6238): unconfirmed until the first right code.
CREATE TABLE totp_credentials (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    confirmed_at BIGINT,
    -- The last time step accepted, so that a code is never accepted twice.
    last_step BIGINT NOT NULL DEFAULT 0
);

-- Recovery codes, each usable once, stored as SHA-256.
CREATE TABLE recovery_codes (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- "Download my data": built by a job; the archive lives in the database so that any process
-- can serve it, and is dropped when it expires.
CREATE TABLE account_exports (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    requested_at BIGINT NOT NULL,
    ready_at BIGINT,
    expires_at BIGINT,
    token_hash TEXT UNIQUE,
    size_bytes BIGINT,
    archive BLOB
);
CREATE INDEX account_exports_user ON account_exports (user_id, id);

-- Single sign-on (OpenID Connect): who a provider's subject is here, and the short-lived state
-- of sign-ins under way (any process may receive the provider's redirect back).
CREATE TABLE user_identities (
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT,
    created_at BIGINT NOT NULL,
    last_login_at BIGINT NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX user_identities_user ON user_identities (user_id);

CREATE TABLE sso_logins (
    state_hash TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    nonce TEXT NOT NULL,
    next TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
