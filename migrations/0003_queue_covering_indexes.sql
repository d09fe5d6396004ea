-- The queue's filters (status, tier, account, overdue) and its order
-- (sla_deadline, id) answered from indexes alone: counting or paging through
-- 100,000 escalations never reads the table rows, whose drafts and passages
-- span overflow pages. See benches/queue-load.sh.

DROP INDEX escalations_unresolved;
CREATE INDEX escalations_unresolved
    ON escalations (sla_deadline, id, tier, account_id, status, first_response_at)
    WHERE status <> 'resolved';

DROP INDEX escalations_by_status;
CREATE INDEX escalations_by_status
    ON escalations (status, sla_deadline, id, tier, account_id, first_response_at);

DROP INDEX escalations_by_account;
CREATE INDEX escalations_by_account
    ON escalations (account_id, sla_deadline, id, tier, status, first_response_at);

CREATE INDEX escalations_by_deadline
    ON escalations (sla_deadline, id, tier, account_id, status, first_response_at);
