-- Cross-process freshness (issue 16): every committed change to what cached pages show, or to
-- site settings, notifies the other processes (LISTEN stoa_changes). NOTIFY is transactional:
-- it is delivered when the writing transaction commits, and duplicates within one transaction
-- are folded into one. Statement-level triggers: one notification per statement, not per row.
-- View counts (posts.view_count) are left out on purpose: they are flushed every few seconds
-- and pages may show them up to the cache's TTL late.

CREATE FUNCTION stoa_notify_content() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('stoa_changes', 'content'); RETURN NULL; END $$;
CREATE FUNCTION stoa_notify_settings() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('stoa_changes', 'settings'); RETURN NULL; END $$;

CREATE TRIGGER posts_changed AFTER INSERT OR DELETE OR UPDATE OF
    kind, parent_id, author_id, title, body_md, body_html, tags, score, answer_count, comment_count,
    accepted_answer_id, status, closed_at, locked_at, deleted_at, revision_count, last_editor_id,
    last_edited_at, last_activity_at, license, bounty_amount
    ON posts FOR EACH STATEMENT EXECUTE FUNCTION stoa_notify_content();
CREATE TRIGGER comments_changed AFTER INSERT OR DELETE OR UPDATE ON comments
    FOR EACH STATEMENT EXECUTE FUNCTION stoa_notify_content();
CREATE TRIGGER users_changed AFTER DELETE OR UPDATE OF username, role, deleted_at ON users
    FOR EACH STATEMENT EXECUTE FUNCTION stoa_notify_content();
CREATE TRIGGER tags_changed AFTER INSERT OR DELETE OR UPDATE ON tags
    FOR EACH STATEMENT EXECUTE FUNCTION stoa_notify_content();
CREATE TRIGGER post_tags_changed AFTER INSERT OR DELETE OR UPDATE ON post_tags
    FOR EACH STATEMENT EXECUTE FUNCTION stoa_notify_content();
CREATE TRIGGER bounties_changed AFTER INSERT OR DELETE OR UPDATE ON bounties
    FOR EACH STATEMENT EXECUTE FUNCTION stoa_notify_content();
CREATE TRIGGER settings_changed AFTER INSERT OR DELETE OR UPDATE ON settings
    FOR EACH STATEMENT EXECUTE FUNCTION stoa_notify_settings();
