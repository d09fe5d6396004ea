//! The CSM side in process: accounts and tiers, widget keys and origins, the
//! escalation queue and its workflow, customer follow-ups, feedback,
//! analytics, and the error contract of the staff APIs.

mod common;

use std::time::Duration;

use axum::http::{Method, StatusCode, header};
use common::desk::{ACME_ORIGIN, Desk, PERSON};
use docent::store::Table;
use serde_json::{Value, json};

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn high_touch_accounts_escalate_more_readily_and_sooner() {
    // Thresholds far apart, so a question of middling evidence falls between.
    let desk = Desk::start(|c| {
        c.tiers.ai_assisted.confidence_threshold = 0.3;
        c.tiers.high_touch.confidence_threshold = 0.99;
    })
    .await;
    let question = "how long is the label PDF link valid";
    let ai = desk.ask(&desk.globex, question).await;
    let high = desk.ask(&desk.acme, question).await;
    let confidence = ai["confidence"].as_f64().unwrap();
    assert!(
        (0.3..0.99).contains(&confidence),
        "the question must fall between the thresholds: {confidence}"
    );
    assert_eq!(ai["escalated"], false, "{ai}");
    assert_eq!(high["escalated"], true, "{high}");
    assert_eq!(high["confidence"], ai["confidence"]);

    // SLAs: 24 h for AI-assisted, 4 h for high-touch; the queue is in deadline
    // order, so a high-touch escalation made later still comes first.
    let ai_person = desk.ask(&desk.globex, PERSON).await;
    desk.service.clock.advance(Duration::from_secs(60));
    let high_person = desk.ask(&desk.acme, PERSON).await;
    let page = desk.queue("").await;
    assert_eq!(page["total"], 3, "{page}");
    let items = page["items"].as_array().unwrap();
    let deadlines: Vec<i64> = items
        .iter()
        .map(|i| i["sla_deadline"].as_i64().unwrap())
        .collect();
    assert!(deadlines.windows(2).all(|w| w[0] <= w[1]), "{deadlines:?}");
    assert_eq!(items[2]["id"], ai_person["escalation_id"]);
    for item in items {
        let sla = item["sla_deadline"].as_i64().unwrap() - item["created_at"].as_i64().unwrap();
        let hours = if item["tier"] == "high_touch" { 4 } else { 24 };
        assert_eq!(sla, hours * 3_600_000, "{item}");
    }
    let high_only = desk.queue("?tier=high_touch").await;
    assert_eq!(high_only["total"], 2);
    assert!(ids(&high_only).contains(&high_person["escalation_id"].as_str().unwrap().to_string()));
    let acme_only = desk.queue("?account=acme").await;
    assert_eq!(acme_only["items"][0]["account_name"], "Acme Corp");
}

#[tokio::test]
async fn widget_keys_and_origins_are_enforced() {
    let desk = Desk::start(|_| {}).await;
    let s = &desk.service;
    let ask = |headers: Vec<(&'static str, String)>| async move {
        let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        s.call(
            Method::POST,
            "/v1/ask",
            &h,
            Some(json!({"question": "how do I print a label for a shipment"})),
        )
        .await
    };
    let (status, headers, _) = ask(vec![
        ("x-docent-key", desk.acme.clone()),
        ("origin", ACME_ORIGIN.to_string()),
    ])
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], ACME_ORIGIN);

    for (key, origin, status, code) in [
        (
            "pk_00000000000000000000000000000000",
            None,
            401,
            "invalid_widget_key",
        ),
        ("not-a-key", None, 401, "invalid_widget_key"),
        (
            desk.acme.as_str(),
            Some("https://evil.test"),
            403,
            "origin_not_allowed",
        ),
        (
            desk.globex.as_str(),
            Some(ACME_ORIGIN),
            403,
            "origin_not_allowed",
        ),
    ] {
        let mut h = vec![("x-docent-key", key.to_string())];
        if let Some(o) = origin {
            h.push(("origin", o.to_string()));
        }
        let (got, headers, body) = ask(h).await;
        assert_eq!(
            (got.as_u16(), body["code"].as_str()),
            (status, Some(code)),
            "{key} {origin:?}"
        );
        if origin == Some("https://evil.test") {
            assert!(headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
        }
    }

    // Preflights carry no key: an origin some key lists may ask.
    let preflight = |origin: &'static str| async move {
        let headers = [
            ("origin", origin),
            ("access-control-request-method", "POST"),
            (
                "access-control-request-headers",
                "content-type, x-docent-key",
            ),
        ];
        s.call(Method::OPTIONS, "/v1/ask", &headers, None).await
    };
    let (status, headers, _) = preflight(ACME_ORIGIN).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], ACME_ORIGIN);
    assert!(
        headers[header::ACCESS_CONTROL_ALLOW_HEADERS]
            .to_str()
            .unwrap()
            .contains("x-docent-key")
    );
    let (status, _, body) = preflight("https://evil.test").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("origin_not_allowed"))
    );

    // A conversation belongs to its account.
    let first = desk
        .ask(&desk.acme, "how do I print a label for a shipment")
        .await;
    let conversation = first["conversation_id"].as_str().unwrap();
    let (status, _, body) = s
        .call(
            Method::POST,
            "/v1/ask",
            &[("x-docent-key", desk.globex.as_str())],
            Some(json!({"question": "and in python?", "conversation_id": conversation})),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("conversation_not_found"))
    );
    let (status, _, _) = s
        .call(
            Method::GET,
            &format!("/v1/conversations/{conversation}/messages"),
            &[],
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "anonymous callers cannot read an account's conversation"
    );

    // A revoked key stops working.
    let (status, _) = desk
        .staff(
            &desk.admin,
            Method::DELETE,
            &format!("/v1/admin/keys/{}", desk.acme),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, body) = ask(vec![("x-docent-key", desk.acme.clone())]).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_widget_key"))
    );
}

#[tokio::test]
async fn a_required_widget_key_refuses_anonymous_questions() {
    let desk = Desk::start(|c| c.require_widget_key = true).await;
    let (status, body) = desk
        .service
        .ask(json!({"question": "how do I print a label for a shipment"}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("widget_key_required"))
    );
    assert_eq!(
        desk.service
            .state
            .engine
            .store
            .count(Table::Messages)
            .await
            .unwrap(),
        0
    );
    desk.ask(&desk.globex, "how do I print a label for a shipment")
        .await;
}

#[tokio::test]
async fn csms_claim_reply_resolve_and_reopen_and_the_customer_sees_it() {
    let desk = Desk::start(|_| {}).await;
    let s = &desk.service;
    let asked = desk.ask(&desk.acme, PERSON).await;
    let id = asked["escalation_id"].as_str().unwrap();
    let conversation = asked["conversation_id"].as_str().unwrap();

    let (status, detail) = desk
        .staff(
            &desk.ann,
            Method::GET,
            &format!("/v1/csm/escalations/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(detail["status"], "open");
    assert_eq!(detail["reason"], "asked_for_human");
    assert_eq!(detail["tier"], "high_touch");
    assert_eq!(detail["question_full"], PERSON);
    let roles = common::strs(&detail["messages"], "role");
    assert_eq!(roles, ["customer", "assistant"]);

    let (status, body) = desk.act(&desk.bob, id, "claim", None).await;
    assert_eq!(
        (status, body["assignee"].as_str()),
        (StatusCode::OK, Some("bob@vendor.test"))
    );
    let (status, body) = desk.act(&desk.ann, id, "claim", None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("claimed_by_other"))
    );
    let (status, body) = desk
        .act(&desk.ann, id, "reply", Some(json!({"text": "hi"})))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("claimed_by_other"))
    );
    let (status, body) = desk
        .act(&desk.ann, id, "claim", Some(json!({"force": true})))
        .await;
    assert_eq!(
        (status, body["assignee"].as_str()),
        (StatusCode::OK, Some("ann@vendor.test"))
    );

    let reply = "Hi! I've raised your label limit; try again now.";
    let (status, body) = desk
        .act(&desk.ann, id, "reply", Some(json!({"text": reply})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["first_response_at"].is_i64());

    // The widget polls for what came after the two messages it has.
    let path = format!("/v1/conversations/{conversation}/messages?after=2");
    let acme = [("x-docent-key", desk.acme.as_str())];
    let (status, _, thread) = s.call(Method::GET, &path, &acme, None).await;
    assert_eq!(status, StatusCode::OK, "{thread}");
    assert_eq!(thread["with_person"], true);
    assert_eq!(thread["messages"][0]["role"], "csm");
    assert_eq!(thread["messages"][0]["text"], reply);
    assert_eq!(thread["messages"][0]["author"], "ann@vendor.test");
    assert_eq!(thread["messages"].as_array().unwrap().len(), 1);

    // The customer writes back, the CSM resolves.
    let post = format!("/v1/conversations/{conversation}/messages");
    let (status, _, body) = s
        .call(
            Method::POST,
            &post,
            &acme,
            Some(json!({"text": "Works now, thanks!"})),
        )
        .await;
    assert_eq!(
        (status, body["seq"].as_i64()),
        (StatusCode::CREATED, Some(4)),
        "{body}"
    );
    let (status, body) = desk
        .act(
            &desk.ann,
            id,
            "resolve",
            Some(json!({"resolution": "answered", "note": "limit raised"})),
        )
        .await;
    assert_eq!(
        (status, body["status"].as_str(), body["resolution"].as_str()),
        (StatusCode::OK, Some("resolved"), Some("answered"))
    );

    // Illegal transitions: 409, nothing written.
    let messages = s.state.engine.store.count(Table::Messages).await.unwrap();
    for (action, body, code) in [
        (
            "resolve",
            json!({"resolution": "bug"}),
            "escalation_resolved",
        ),
        ("reply", json!({"text": "more"}), "escalation_resolved"),
        ("claim", json!({}), "escalation_resolved"),
        ("release", json!({}), "escalation_resolved"),
    ] {
        let (status, got) = desk.act(&desk.ann, id, action, Some(body)).await;
        assert_eq!(
            (status, got["code"].as_str()),
            (StatusCode::CONFLICT, Some(code)),
            "{action}"
        );
    }
    assert_eq!(
        s.state.engine.store.count(Table::Messages).await.unwrap(),
        messages
    );

    // The customer comes back: the escalation is open again, with a new clock.
    s.clock.advance(Duration::from_secs(3600));
    let (status, _, _) = s
        .call(
            Method::POST,
            &post,
            &acme,
            Some(json!({"text": "It broke again."})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let detail = desk.detail(id).await;
    assert_eq!(detail["status"], "open");
    assert_eq!(detail["resolution"], Value::Null);
    assert_eq!(detail["first_response_at"], Value::Null);
    let (status, body) = desk.act(&desk.ann, id, "reopen", None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("escalation_not_resolved"))
    );
    let (status, _) = desk
        .act(&desk.bob, id, "resolve", Some(json!({"resolution": "bug"})))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = desk
        .act(
            &desk.ann,
            id,
            "reopen",
            Some(json!({"note": "customer called"})),
        )
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("open"))
    );

    // Every change, with who and when.
    let trail: Vec<(String, String)> = body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_string(),
                e["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("assistant", "escalate"),
        ("bob@vendor.test", "claim"),
        ("ann@vendor.test", "claim_forced"),
        ("ann@vendor.test", "reply"),
        ("customer", "customer_message"),
        ("ann@vendor.test", "resolve"),
        ("customer", "customer_message"),
        ("bob@vendor.test", "resolve"),
        ("ann@vendor.test", "reopen"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(trail, expected);
    assert!(
        body["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["at"].is_i64())
    );

    // A conversation with no escalation is not with a person.
    let other = desk
        .ask(&desk.acme, "how do I print a label for a shipment")
        .await;
    let (status, _, body) = s
        .call(
            Method::POST,
            &format!(
                "/v1/conversations/{}/messages",
                other["conversation_id"].as_str().unwrap()
            ),
            &acme,
            Some(json!({"text": "hello?"})),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("not_with_a_person"))
    );
}

#[tokio::test]
async fn pages_follow_the_deadline_and_overdue_means_unanswered_past_it() {
    let desk = Desk::start(|_| {}).await;
    let mut made = Vec::new();
    for i in 0..7 {
        let key = if i % 2 == 0 { &desk.acme } else { &desk.globex };
        let body = desk.ask(key, PERSON).await;
        made.push(body["escalation_id"].as_str().unwrap().to_string());
        desk.service.clock.advance(Duration::from_secs(10));
    }
    let mut seen = Vec::new();
    let mut query = "?limit=3".to_string();
    let mut deadlines = Vec::new();
    loop {
        let page = desk.queue(&query).await;
        assert_eq!(page["total"], 7);
        for item in page["items"].as_array().unwrap() {
            deadlines.push(item["sla_deadline"].as_i64().unwrap());
        }
        seen.extend(ids(&page));
        match page["next"].as_str() {
            Some(next) => query = format!("?limit=3&after={next}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7);
    assert!(deadlines.windows(2).all(|w| w[0] <= w[1]));
    made.sort();
    seen.sort();
    assert_eq!(seen, made);

    assert_eq!(desk.queue("?overdue=true").await["total"], 0);
    desk.service.clock.advance(Duration::from_secs(5 * 3600));
    let overdue = desk.queue("?overdue=true").await;
    assert_eq!(overdue["total"], 4, "the high-touch ones, 4 h SLA");
    assert!(
        overdue["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["overdue"] == true && i["tier"] == "high_touch")
    );
    let first = overdue["items"][0]["id"].as_str().unwrap().to_string();
    let (status, _) = desk
        .act(&desk.ann, &first, "reply", Some(json!({"text": "On it."})))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        desk.queue("?overdue=true").await["total"],
        3,
        "answered is no longer overdue"
    );
    desk.service.clock.advance(Duration::from_secs(24 * 3600));
    assert_eq!(desk.queue("?overdue=true").await["total"], 6);
    assert_eq!(desk.queue("?status=claimed").await["total"], 1);
    assert_eq!(desk.queue("?status=all").await["total"], 7);
}

#[tokio::test]
async fn thumbs_down_offers_a_person_and_escalating_is_idempotent() {
    let desk = Desk::start(|_| {}).await;
    let s = &desk.service;
    let answer = desk
        .ask(&desk.globex, "how do I print a label for a shipment")
        .await;
    assert_eq!(answer["escalated"], false);
    let message = answer["message_id"].as_str().unwrap();
    let globex = [("x-docent-key", desk.globex.as_str())];
    let feedback = format!("/v1/messages/{message}/feedback");
    let (status, _, body) = s
        .call(
            Method::POST,
            &feedback,
            &globex,
            Some(json!({"helpful": false, "comment": "wrong format"})),
        )
        .await;
    assert_eq!(
        (status, body["escalation_offered"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{body}"
    );

    let escalate = format!("/v1/messages/{message}/escalate");
    let (status, _, made) = s.call(Method::POST, &escalate, &globex, None).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let (status, _, again) = s.call(Method::POST, &escalate, &globex, None).await;
    assert_eq!(
        (status, &again["escalation_id"]),
        (StatusCode::OK, &made["escalation_id"])
    );
    let (_, detail) = desk
        .staff(
            &desk.ann,
            Method::GET,
            &format!(
                "/v1/csm/escalations/{}",
                made["escalation_id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(detail["reason"], "thumbs_down");
    assert_eq!(
        detail["draft"], answer["answer"],
        "the CSM sees what the customer saw"
    );
    assert!(!detail["passages"].as_array().unwrap().is_empty());
    assert_eq!(
        detail["passages"][0]["citation"]["path"],
        answer["citations"][0]["path"]
    );

    let (_, _, body) = s
        .call(
            Method::POST,
            &feedback,
            &globex,
            Some(json!({"helpful": false})),
        )
        .await;
    assert_eq!(body["escalation_offered"], false);
    assert_eq!(body["escalation_id"], made["escalation_id"]);

    for (path, headers, body, status, code) in [
        (
            feedback.clone(),
            vec![("x-docent-key", desk.acme.as_str())],
            json!({"helpful": true}),
            404,
            "message_not_found",
        ),
        (
            "/v1/messages/m_nope/feedback".to_string(),
            globex.to_vec(),
            json!({"helpful": true}),
            404,
            "message_not_found",
        ),
        (
            feedback.clone(),
            globex.to_vec(),
            json!({"comment": "no rating"}),
            400,
            "invalid_json",
        ),
        (
            feedback.clone(),
            globex.to_vec(),
            json!({"helpful": true, "comment": "x".repeat(5000)}),
            400,
            "invalid_parameter",
        ),
    ] {
        let (got, _, err) = s.call(Method::POST, &path, &headers, Some(body)).await;
        assert_eq!(
            (got.as_u16(), err["code"].as_str()),
            (status, Some(code)),
            "{path}"
        );
    }
}

#[tokio::test]
async fn analytics_report_each_tier() {
    let desk = Desk::start(|_| {}).await;
    let s = &desk.service;
    let globex = [("x-docent-key", desk.globex.as_str())];
    let answered = desk
        .ask(&desk.globex, "how do I print a label for a shipment")
        .await;
    desk.ask(&desk.globex, "which python versions are supported")
        .await;
    let (status, _, _) = s
        .call(
            Method::POST,
            &format!(
                "/v1/messages/{}/feedback",
                answered["message_id"].as_str().unwrap()
            ),
            &globex,
            Some(json!({"helpful": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let late = desk.ask(&desk.globex, PERSON).await;
    let gap = desk.ask(&desk.acme, "Does the API support carbon offset reporting for shipments? I want to talk to a person").await;
    let gap_id = gap["escalation_id"].as_str().unwrap();
    let (status, _) = desk
        .act(
            &desk.ann,
            gap_id,
            "resolve",
            Some(json!({"resolution": "docs_gap"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    s.clock.advance(Duration::from_secs(25 * 3600));
    let (status, _) = desk
        .act(
            &desk.bob,
            late["escalation_id"].as_str().unwrap(),
            "reply",
            Some(json!({"text": "Sorry for the wait."})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, report) = desk
        .staff(&desk.ann, Method::GET, "/v1/csm/analytics", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let tier = |name: &str| {
        report["tiers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["tier"] == name)
            .unwrap()
            .clone()
    };
    let ai = tier("ai_assisted");
    assert_eq!(ai["questions"], 3, "{ai}");
    assert_eq!(ai["deflected"], 2);
    assert_eq!(ai["confirmed_helpful"], 1);
    assert_eq!(ai["assumed_helpful"], 1);
    assert_eq!(ai["escalations_by_reason"]["asked_for_human"], 1);
    assert_eq!(
        (ai["sla_met"].as_i64(), ai["sla_breached"].as_i64()),
        (Some(0), Some(1))
    );
    assert!(ai["latency_ms_p50"].is_i64() && ai["latency_ms_p95"].is_i64());
    let high = tier("high_touch");
    assert_eq!(
        (high["questions"].as_i64(), high["deflected"].as_i64()),
        (Some(1), Some(0))
    );
    assert_eq!(high["sla_met"], 1);
    assert_eq!(report["top_docs_gaps"][0]["escalation_id"], gap_id);

    // A window before anything happened is empty.
    let (_, empty) = desk
        .staff(
            &desk.ann,
            Method::GET,
            "/v1/csm/analytics?from=2020-01-01&to=2020-01-31",
            None,
        )
        .await;
    assert_eq!(empty["tiers"][0]["questions"], 0);
    for query in [
        "from=yesterday",
        "from=2026-02-30",
        "from=2026-12-05&to=2026-12-01",
        "since=2026-01-01",
    ] {
        let (status, body) = desk
            .staff(
                &desk.ann,
                Method::GET,
                &format!("/v1/csm/analytics?{query}"),
                None,
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_parameter")),
            "{query}"
        );
    }
}

#[tokio::test]
async fn staff_apis_refuse_bad_credentials_roles_ids_and_bodies() {
    let desk = Desk::start(|_| {}).await;
    let s = &desk.service;
    let asked = desk.ask(&desk.acme, PERSON).await;
    let id = asked["escalation_id"].as_str().unwrap();

    let (status, headers, body) = s.call(Method::GET, "/v1/csm/escalations", &[], None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("missing_token"))
    );
    assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
    for (token, path, status, code) in [
        (
            "docent_csm_guess",
            "/v1/csm/escalations",
            401,
            "invalid_token",
        ),
        (
            desk.acme.as_str(),
            "/v1/csm/escalations",
            401,
            "invalid_token",
        ),
        (
            desk.admin.as_str(),
            "/v1/csm/escalations",
            403,
            "wrong_role",
        ),
        (desk.ann.as_str(), "/v1/admin/accounts", 403, "wrong_role"),
        (desk.ann.as_str(), "/v1/admin/tokens", 403, "wrong_role"),
        (
            desk.ann.as_str(),
            "/v1/csm/escalations/e_nope",
            404,
            "escalation_not_found",
        ),
        (
            desk.ann.as_str(),
            "/v1/csm/escalations?status=stale",
            400,
            "invalid_parameter",
        ),
        (
            desk.ann.as_str(),
            "/v1/csm/escalations?tier=gold",
            400,
            "invalid_parameter",
        ),
        (
            desk.ann.as_str(),
            "/v1/csm/escalations?limit=0",
            400,
            "invalid_parameter",
        ),
        (
            desk.ann.as_str(),
            "/v1/csm/escalations?after=zzz",
            400,
            "invalid_parameter",
        ),
        (
            desk.ann.as_str(),
            "/v1/csm/escalations?overdue=maybe",
            400,
            "invalid_parameter",
        ),
        (
            desk.ann.as_str(),
            "/v1/csm/escalations?sort=name",
            400,
            "invalid_parameter",
        ),
        (
            desk.admin.as_str(),
            "/v1/admin/accounts/nobody",
            404,
            "account_not_found",
        ),
    ] {
        let (got, body) = desk.staff(token, Method::GET, path, None).await;
        assert_eq!(
            (got.as_u16(), body["code"].as_str()),
            (status, Some(code)),
            "{path}"
        );
    }
    let (got, _, body) = s
        .call(
            Method::GET,
            "/v1/csm/escalations",
            &[("authorization", "Basic YW5uOnB3")],
            None,
        )
        .await;
    assert_eq!(
        (got, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("missing_token"))
    );

    // Bad bodies: 400, and the escalation is untouched.
    for (action, body, code) in [
        ("reply", json!({"text": "   "}), "invalid_parameter"),
        ("reply", json!({"txt": "hi"}), "invalid_json"),
        (
            "resolve",
            json!({"resolution": "fixed"}),
            "invalid_parameter",
        ),
        ("resolve", json!({}), "invalid_json"),
        ("claim", json!({"force": "yes"}), "invalid_json"),
    ] {
        let (got, err) = desk.act(&desk.ann, id, action, Some(body)).await;
        assert_eq!(
            (got, err["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some(code)),
            "{action}"
        );
    }
    let (status, body) = desk
        .act(&desk.ann, "e_nope", "reply", Some(json!({"text": "hi"})))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("escalation_not_found"))
    );
    let detail = desk.detail(id).await;
    assert_eq!(detail["status"], "open");
    assert_eq!(detail["events"].as_array().unwrap().len(), 1);
    assert_eq!(
        s.state.engine.store.count(Table::Messages).await.unwrap(),
        2
    );

    // Admin: all or nothing, and clear about what is wrong.
    let (status, body) = desk
        .staff(
            &desk.admin,
            Method::POST,
            "/v1/admin/accounts",
            Some(json!([{"id": "initech", "name": "Initech", "tier": "ai_assisted"}, {"id": "x", "name": "X", "tier": "gold"}])),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_parameter"))
    );
    assert!(
        body["message"].as_str().unwrap().contains("item 2"),
        "{body}"
    );
    let (_, list) = desk
        .staff(&desk.admin, Method::GET, "/v1/admin/accounts", None)
        .await;
    assert_eq!(
        list["accounts"].as_array().unwrap().len(),
        2,
        "initech was not written"
    );
    for (path, body, status, code) in [
        (
            "/v1/admin/accounts/nobody/keys",
            json!({"origins": ["https://x.test"]}),
            404,
            "account_not_found",
        ),
        (
            "/v1/admin/accounts/acme/keys",
            json!({"origins": ["*"]}),
            400,
            "invalid_parameter",
        ),
        (
            "/v1/admin/accounts/acme/keys",
            json!({"origins": []}),
            400,
            "invalid_parameter",
        ),
        (
            "/v1/admin/tokens",
            json!({"role": "root", "name": "x"}),
            400,
            "invalid_parameter",
        ),
        (
            "/v1/admin/tokens",
            json!({"role": "csm", "name": " "}),
            400,
            "invalid_parameter",
        ),
    ] {
        let (got, err) = desk
            .staff(&desk.admin, Method::POST, path, Some(body))
            .await;
        assert_eq!(
            (got.as_u16(), err["code"].as_str()),
            (status, Some(code)),
            "{path}"
        );
    }

    // A revoked token stops working at once.
    let (_, tokens) = desk
        .staff(&desk.admin, Method::GET, "/v1/admin/tokens", None)
        .await;
    assert!(
        !tokens.to_string().contains(&desk.ann),
        "tokens are never listed"
    );
    let ann_id = tokens["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "ann@vendor.test")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = desk
        .staff(
            &desk.admin,
            Method::DELETE,
            &format!("/v1/admin/tokens/{ann_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = desk
        .staff(&desk.ann, Method::GET, "/v1/csm/escalations", None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = desk
        .staff(
            &desk.admin,
            Method::DELETE,
            &format!("/v1/admin/tokens/{ann_id}"),
            None,
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("token_not_found"))
    );
}
