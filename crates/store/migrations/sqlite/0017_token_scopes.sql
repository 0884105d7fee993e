-- Scoped personal access tokens (issue 14): tokens issued at sign-up and log-in stand for the
-- whole account (`*`); personal tokens carry the scopes their owner chose.
UPDATE api_tokens SET scopes = '*' WHERE scopes = 'read write';
CREATE INDEX api_tokens_personal ON api_tokens (user_id, id) WHERE scopes <> '*';
