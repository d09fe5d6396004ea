-- Accounts and tiers, widget keys, API tokens, the escalation queue's workflow
-- columns and audit trail, and answer feedback. Times are Unix milliseconds.

CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    tier          TEXT NOT NULL CHECK (tier IN ('high_touch', 'ai_assisted')),
    arr_cents     INTEGER NOT NULL DEFAULT 0,
    renewal_date  TEXT,
    csm           TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE widget_keys (
    key         TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    origins     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('csm', 'admin')),
    name        TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

ALTER TABLE escalations ADD COLUMN account_id TEXT;
ALTER TABLE escalations ADD COLUMN tier TEXT NOT NULL DEFAULT 'ai_assisted';
ALTER TABLE escalations ADD COLUMN sla_deadline INTEGER NOT NULL DEFAULT 0;
ALTER TABLE escalations ADD COLUMN assignee TEXT;
ALTER TABLE escalations ADD COLUMN resolution TEXT;
ALTER TABLE escalations ADD COLUMN first_response_at INTEGER;
ALTER TABLE escalations ADD COLUMN resolved_at INTEGER;
ALTER TABLE escalations ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;

-- Escalations recorded before this migration: a 24 h SLA from their creation.
UPDATE escalations SET sla_deadline = created_at + 86400000, updated_at = created_at
    WHERE sla_deadline = 0;

-- The queue is read in deadline order: everything unresolved, one status,
-- or one account's.
DROP INDEX escalations_by_status;
CREATE INDEX escalations_unresolved ON escalations (sla_deadline, id) WHERE status <> 'resolved';
CREATE INDEX escalations_by_status ON escalations (status, sla_deadline, id);
CREATE INDEX escalations_by_account ON escalations (account_id, sla_deadline, id);
CREATE INDEX escalations_by_created ON escalations (created_at);
CREATE INDEX escalations_by_conversation ON escalations (conversation_id, created_at);

CREATE TABLE escalation_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    escalation_id  TEXT NOT NULL REFERENCES escalations (id),
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL,
    detail         TEXT,
    at             INTEGER NOT NULL
);
CREATE INDEX escalation_events_by_escalation ON escalation_events (escalation_id, id);

CREATE TABLE feedback (
    message_id  TEXT PRIMARY KEY REFERENCES messages (id),
    helpful     INTEGER NOT NULL,
    comment     TEXT,
    created_at  INTEGER NOT NULL
);

-- The tier a conversation was held under, and who wrote a message (the CSM's
-- name for CSM replies).
ALTER TABLE conversations ADD COLUMN tier TEXT NOT NULL DEFAULT 'ai_assisted';
ALTER TABLE messages ADD COLUMN author TEXT;
CREATE INDEX conversations_by_created ON conversations (created_at);
CREATE INDEX answers_by_question ON answers (question_id);
CREATE INDEX messages_by_created ON messages (created_at);
