#!/usr/bin/env python3
"""Seeds a Docent database with a realistic escalation queue for load tests.

    benches/seed_queue.py DATA_DIR [--escalations 100000] [--accounts 300]

The database must exist (any `docent` command against DATA_DIR creates it,
e.g. `docent accounts import`); this adds accounts, and per escalation a
conversation (customer question, assistant hand-off), its answer record, the
escalation (with a draft and five passages of about a kilobyte each, as the
service stores them) and its audit events. Statuses and ages are mixed like a
working queue: 60% resolved, 15% claimed, 25% open, created over 90 days,
about 4% of the unresolved ones overdue. Deterministic (fixed seed).
"""
import argparse
import json
import os
import random
import sqlite3
import sys
import time

HOUR = 3_600_000
DAY = 24 * HOUR

WORDS = ("webhook signature retry timeout cursor pagination carrier label shipment "
         "rate limit api key rotate sandbox live test invoice address validation "
         "customs tracking event refund cancel batch export rust python client "
         "header idempotency error status code").split()
REASONS = ["low_retrieval_evidence", "asked_for_human", "model_no_answer",
           "account_question", "thumbs_down", "no_citations", "llm_timeout"]
RESOLUTIONS = ["answered", "docs_gap", "bug", "feature_request", "duplicate"]
CSMS = ["ann@vendor.test", "bob@vendor.test", "cho@vendor.test", "dee@vendor.test"]


def sentence(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def passage(rng, n):
    start = rng.randint(1, 400)
    lines = [sentence(rng, rng.randint(4, 10)) for _ in range(24)]
    return {
        "citation": {"n": n, "path": f"docs/{rng.choice(WORDS)}.md", "start_line": start,
                     "end_line": start + 23, "symbol": None,
                     "heading": sentence(rng, 3), "release": "2.1.0"},
        "text": "\n".join(lines),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data")
    ap.add_argument("--escalations", type=int, default=100_000)
    ap.add_argument("--accounts", type=int, default=300)
    args = ap.parse_args()
    path = os.path.join(args.data, "docent.db")
    if not os.path.exists(path):
        sys.exit(f"{path} does not exist: run a docent command against {args.data} first")
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = OFF")
    rng = random.Random(42)
    now = int(time.time() * 1000)
    began = time.time()

    accounts = []
    for i in range(args.accounts):
        tier = "high_touch" if i % 10 < 3 else "ai_assisted"
        accounts.append((f"acct{i:04d}", tier))
        db.execute(
            "INSERT OR REPLACE INTO accounts (id, name, tier, arr_cents, csm, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (f"acct{i:04d}", f"Account {i}", tier, rng.randint(1, 500) * 100_000,
             rng.choice(CSMS), now, now))

    for i in range(args.escalations):
        account, tier = rng.choice(accounts)
        sla = 4 * HOUR if tier == "high_touch" else DAY
        roll = rng.random()
        status = "resolved" if roll < 0.60 else "claimed" if roll < 0.75 else "open"
        if status == "resolved":
            created = now - rng.randint(2 * DAY, 90 * DAY)
        else:
            # Unresolved ones are recent: most within their SLA, a few overdue.
            created = now - int(rng.random() * sla * 1.04)
        conv, q, a, e = f"c_seed{i:07d}", f"m_seedq{i:07d}", f"m_seeda{i:07d}", f"e_seed{i:07d}"
        question = sentence(rng, rng.randint(6, 20)) + "?"
        draft = " ".join(sentence(rng, 12) + "." for _ in range(6))
        passages = json.dumps([passage(rng, n + 1) for n in range(5)])
        reason = rng.choice(REASONS)
        confidence = round(rng.random() * 0.6, 3)
        db.execute("INSERT INTO conversations (id, account_id, created_at, updated_at, tier) "
                   "VALUES (?, ?, ?, ?, ?)", (conv, account, created, created, tier))
        db.execute("INSERT INTO messages (id, conversation_id, seq, role, text, created_at) "
                   "VALUES (?, ?, 1, 'customer', ?, ?)", (q, conv, question, created))
        db.execute("INSERT INTO messages (id, conversation_id, seq, role, text, created_at) "
                   "VALUES (?, ?, 2, 'assistant', ?, ?)",
                   (a, conv, "I've passed this conversation to your account team.", created))
        db.execute(
            "INSERT INTO answers (message_id, question_id, mode, confidence, reasons, citations, "
            "retrieval_ms, total_ms, release, escalated) VALUES (?, ?, 'extractive', ?, ?, '[]', 1, ?, '2.1.0', 1)",
            (a, q, confidence, json.dumps([reason]), rng.randint(2, 40)))
        assignee = rng.choice(CSMS) if status != "open" else None
        responded = created + rng.randint(5 * 60_000, int(sla * 1.2)) if status == "resolved" else None
        resolved_at = responded + 60_000 if responded else None
        db.execute(
            "INSERT INTO escalations (id, conversation_id, question_id, answer_id, reason, confidence, "
            "question, draft, passages, status, created_at, account_id, tier, sla_deadline, assignee, "
            "resolution, first_response_at, resolved_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (e, conv, q, a, reason, confidence, question, draft, passages, status, created,
             account, tier, created + sla, assignee,
             rng.choice(RESOLUTIONS) if status == "resolved" else None,
             responded, resolved_at, resolved_at or created))
        events = [("docent", "escalate", reason, created)]
        if assignee:
            events.append((assignee, "claim", None, created + 60_000))
        if status == "resolved":
            events.append((assignee, "reply", None, responded))
            events.append((assignee, "resolve", "answered", resolved_at))
        db.executemany("INSERT INTO escalation_events (escalation_id, actor, action, detail, at) "
                       "VALUES (?, ?, ?, ?, ?)", [(e, *ev) for ev in events])
        if i % 10_000 == 9_999:
            db.commit()
            print(f"  {i + 1} escalations", file=sys.stderr)
    db.commit()
    db.close()
    size = os.path.getsize(path) / 1e6
    print(f"seeded {args.escalations} escalations over {args.accounts} accounts in "
          f"{time.time() - began:.0f} s; {path} is {size:.0f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
