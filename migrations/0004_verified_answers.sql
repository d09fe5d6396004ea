-- Verified answers: a CSM's reply saved for a question, served first to
-- similar questions (mode 'verified') until a source it cites changes.

CREATE TABLE verified_answers (
    id            TEXT PRIMARY KEY,
    question      TEXT NOT NULL,
    answer        TEXT NOT NULL,
    -- JSON array of citations, as /v1/ask returns them.
    citations     TEXT NOT NULL,
    -- JSON object: cited path -> content hash when verified (or confirmed).
    sources       TEXT NOT NULL,
    escalation_id TEXT REFERENCES escalations (id),
    created_by    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_by    TEXT NOT NULL,
    updated_at    INTEGER NOT NULL,
    -- Set when a re-index changed a cited source; cleared by a CSM.
    stale_since   INTEGER,
    stale_reason  TEXT,
    retired_at    INTEGER
);

-- Answers may now be verified ones: the mode check is widened (SQLite
-- changes a CHECK only by rebuilding the table; nothing references it).
CREATE TABLE answers_new (
    message_id      TEXT PRIMARY KEY REFERENCES messages (id),
    question_id     TEXT NOT NULL REFERENCES messages (id),
    mode            TEXT NOT NULL CHECK (mode IN ('llm', 'extractive', 'verified')),
    confidence      REAL NOT NULL,
    reasons         TEXT NOT NULL,
    citations       TEXT NOT NULL,
    retrieval_ms    INTEGER NOT NULL,
    first_token_ms  INTEGER,
    total_ms        INTEGER NOT NULL,
    prompt_version  TEXT,
    model           TEXT,
    release         TEXT NOT NULL,
    llm_fallback    TEXT,
    escalated       INTEGER NOT NULL
);
INSERT INTO answers_new SELECT message_id, question_id, mode, confidence, reasons, citations,
    retrieval_ms, first_token_ms, total_ms, prompt_version, model, release, llm_fallback, escalated
    FROM answers;
DROP TABLE answers;
ALTER TABLE answers_new RENAME TO answers;
CREATE INDEX answers_by_question ON answers (question_id);
