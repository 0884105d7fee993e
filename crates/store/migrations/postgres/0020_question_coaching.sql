-- Question coaching (issue 18): which hints a question's draft was shown before it was posted,
-- and which its posted text still warranted, so that the health page can compare how often
-- coached questions get an answer.
CREATE TABLE question_coaching (
    post_id BIGINT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    -- Hint codes shown while the draft was written, space-separated ('' when none).
    shown TEXT NOT NULL,
    -- Hint codes the posted text still warranted, space-separated.
    remaining TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
