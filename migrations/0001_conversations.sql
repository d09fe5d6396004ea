-- Conversations, their messages, answers with citations, and escalations.
-- Times are Unix milliseconds.

CREATE TABLE conversations (
    id          TEXT PRIMARY KEY,
    account_id  TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE messages (
    id               TEXT PRIMARY KEY,
    conversation_id  TEXT NOT NULL REFERENCES conversations (id),
    seq              INTEGER NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('customer', 'assistant', 'csm')),
    text             TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    UNIQUE (conversation_id, seq)
);

CREATE TABLE answers (
    message_id      TEXT PRIMARY KEY REFERENCES messages (id),
    question_id     TEXT NOT NULL REFERENCES messages (id),
    mode            TEXT NOT NULL CHECK (mode IN ('llm', 'extractive')),
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

CREATE TABLE escalations (
    id               TEXT PRIMARY KEY,
    conversation_id  TEXT NOT NULL REFERENCES conversations (id),
    question_id      TEXT NOT NULL REFERENCES messages (id),
    answer_id        TEXT NOT NULL REFERENCES messages (id),
    reason           TEXT NOT NULL,
    confidence       REAL NOT NULL,
    question         TEXT NOT NULL,
    draft            TEXT NOT NULL,
    passages         TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'open',
    created_at       INTEGER NOT NULL
);

CREATE INDEX messages_by_conversation ON messages (conversation_id, seq);
CREATE INDEX escalations_by_status ON escalations (status, created_at);
