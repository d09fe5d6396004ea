//! The CSM console in real headless Chromium: sign in, the queue in deadline
//! order with overdue rows marked, an escalation with its passages and the
//! draft in the reply box, claim, reply (seen by the customer), resolve; and
//! customer text that looks like HTML staying text.

mod common;

use std::time::Duration;

use axum::http::{Method, StatusCode};
use common::browser::{Browser, artifacts};
use common::desk::Desk;
use serde_json::{Value, json};

const HOUR: Duration = Duration::from_secs(3600);
const MINUTE: Duration = Duration::from_secs(60);

/// A desk served on loopback, with a browser.
async fn open() -> (Desk, String, Browser) {
    let desk = Desk::start(|_| {}).await;
    let addr = desk.service.listen().await;
    let browser = Browser::launch().await;
    (desk, format!("http://{addr}"), browser)
}

/// Signs in through the form with `token`.
async fn sign_in(browser: &mut Browser, base: &str, token: &str) {
    browser.goto(&format!("{base}/console/login")).await;
    let token = serde_json::to_string(token).unwrap();
    browser
        .navigate_by(&format!(
            "document.querySelector('#token').value = {token}; \
             document.querySelector('#login').requestSubmit()"
        ))
        .await;
}

/// Clicks the element `selector` and waits for the page it leads to.
async fn click(browser: &mut Browser, selector: &str) {
    let sel = serde_json::to_string(selector).unwrap();
    assert_eq!(
        browser.count(selector).await,
        1,
        "exactly one {selector} on {}",
        browser.path().await
    );
    browser
        .navigate_by(&format!("document.querySelector({sel}).click()"))
        .await;
}

/// The queue's rows: (escalation id, deadline, question, overdue).
async fn rows(browser: &mut Browser) -> Vec<(String, i64, String, bool)> {
    let rows = browser
        .eval(
            "Array.from(document.querySelectorAll('#queue tbody tr')).map(r => [\
               r.dataset.id, Number(r.dataset.deadline), \
               r.querySelector('td.question').textContent, r.classList.contains('overdue')])",
        )
        .await;
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap().to_string(),
                r[1].as_i64().unwrap(),
                r[2].as_str().unwrap().to_string(),
                r[3].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csm_signs_in_works_the_queue_and_the_customer_sees_the_reply() {
    let (desk, base, mut browser) = open().await;
    let clock = desk.service.clock.clone();

    // Escalations at different times and tiers: deadlines are asked-at plus
    // 4 h (acme, high-touch) or 24 h (globex, AI-assisted).
    let globex_first = desk
        .ask(&desk.globex, "I want to talk to a person about carriers")
        .await;
    clock.advance(HOUR);
    let acme_late = desk
        .ask(&desk.acme, "I want to talk to a person about webhooks")
        .await;
    clock.advance(MINUTE);
    let acme_gap = desk.ask(&desk.acme, "what is the moon made of").await;
    assert_eq!(acme_gap["escalated"], true, "{acme_gap}");
    clock.advance(HOUR / 2);
    let acme_soon = desk
        .ask(
            &desk.acme,
            "how do I verify webhook signatures? talk to a human",
        )
        .await;
    // 4 h 10 min after the first acme question: it and the next are overdue.
    clock.advance(HOUR * 3 + MINUTE * 39);

    // Not signed in: the console sends you to the sign-in page.
    browser.goto(&format!("{base}/console/queue")).await;
    assert_eq!(browser.path().await, "/console/login");

    // A wrong token, then an admin token, are refused on the page.
    sign_in(&mut browser, &base, "docent_csm_0000").await;
    assert_eq!(browser.path().await, "/console/login");
    assert!(
        browser
            .text("#login-error")
            .await
            .unwrap()
            .contains("not valid")
    );
    sign_in(&mut browser, &base, &desk.admin).await;
    assert!(
        browser
            .text("#login-error")
            .await
            .unwrap()
            .contains("admin token")
    );

    sign_in(&mut browser, &base, &desk.ann).await;
    assert_eq!(browser.path().await, "/console/queue");
    assert_eq!(
        browser.eval("document.cookie").await,
        json!(""),
        "the session cookie is HttpOnly"
    );

    // The queue, earliest deadline first; overdue rows marked.
    let queue = rows(&mut browser).await;
    let id = |answer: &Value| answer["escalation_id"].as_str().unwrap().to_string();
    let order: Vec<&str> = queue.iter().map(|r| r.0.as_str()).collect();
    let expected = [
        id(&acme_late),
        id(&acme_gap),
        id(&acme_soon),
        id(&globex_first),
    ];
    assert_eq!(
        order,
        expected.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(queue.windows(2).all(|w| w[0].1 <= w[1].1));
    let overdue: Vec<bool> = queue.iter().map(|r| r.3).collect();
    assert_eq!(overdue, [true, true, false, false]);
    let countdown = browser.text("#queue tbody tr .countdown").await.unwrap();
    assert_eq!(countdown, "overdue by 10 min");
    assert!(queue[3].2.contains("about carriers"));

    // Filters: the high-touch ones only.
    browser
        .goto(&format!("{base}/console/queue?tier=high_touch"))
        .await;
    assert_eq!(rows(&mut browser).await.len(), 3);
    browser
        .goto(&format!("{base}/console/queue?overdue=true"))
        .await;
    assert_eq!(rows(&mut browser).await.len(), 2);

    // Open the soonest non-overdue escalation from the queue.
    browser.goto(&format!("{base}/console/queue")).await;
    let target = id(&acme_soon);
    click(
        &mut browser,
        &format!("tr[data-id='{target}'] td.question a"),
    )
    .await;
    assert_eq!(
        browser.path().await,
        format!("/console/escalations/{target}")
    );
    assert_eq!(
        browser.text("#question").await.unwrap(),
        "how do I verify webhook signatures? talk to a human"
    );
    let (status, detail) = desk
        .staff(
            &desk.ann,
            Method::GET,
            &format!("/v1/csm/escalations/{target}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // The draft is in the reply box; the passages show their lines.
    assert_eq!(
        browser
            .eval("document.querySelector('#reply-text').value")
            .await,
        detail["draft"]
    );
    let passages = detail["passages"].as_array().unwrap();
    assert!(!passages.is_empty());
    assert_eq!(browser.count(".passage").await, passages.len() as u64);
    let first = &passages[0]["citation"];
    let caption = browser
        .text("#passage-1 figcaption code.path")
        .await
        .unwrap();
    assert_eq!(
        caption,
        format!(
            "{}:{}-{}",
            first["path"].as_str().unwrap(),
            first["start_line"],
            first["end_line"]
        )
    );
    let numbers = browser
        .eval("Array.from(document.querySelectorAll('#passage-1 td.ln')).map(td => Number(td.textContent))")
        .await;
    let start = first["start_line"].as_u64().unwrap();
    let end = first["end_line"].as_u64().unwrap();
    let expected_numbers: Vec<u64> = (start..=end).collect();
    assert_eq!(numbers, json!(expected_numbers));
    let first_line = browser
        .text("#passage-1 tr:first-child td code")
        .await
        .unwrap();
    assert_eq!(
        first_line,
        passages[0]["text"]
            .as_str()
            .unwrap()
            .lines()
            .next()
            .unwrap()
    );

    // Claim.
    click(&mut browser, "#claim").await;
    assert!(browser.text("#notice").await.unwrap().contains("claimed"));
    assert_eq!(
        browser.text("#status").await.unwrap(),
        "claimed · ann@vendor.test"
    );
    assert_eq!(browser.count("#claim").await, 0);

    // Reply, editing the draft.
    let reply = "Hi! Compute the HMAC over the raw body, before any JSON parsing. — Ann";
    let text = serde_json::to_string(reply).unwrap();
    browser
        .navigate_by(&format!(
            "document.querySelector('#reply-text').value = {text}; \
             document.querySelector('#send').click()"
        ))
        .await;
    assert!(
        browser
            .text("#notice")
            .await
            .unwrap()
            .contains("Reply sent")
    );
    let thread = browser.text("#thread").await.unwrap();
    assert!(thread.contains(reply), "{thread}");
    assert_eq!(
        browser.text(".facts .countdown").await.unwrap(),
        "responded in time"
    );

    // The customer's widget sees it in the conversation.
    let conversation = acme_soon["conversation_id"].as_str().unwrap();
    let (status, _, messages) = desk
        .service
        .call(
            Method::GET,
            &format!("/v1/conversations/{conversation}/messages"),
            &[("x-docent-key", desk.acme.as_str())],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let last = messages["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["role"], "csm");
    assert_eq!(last["text"], reply);
    assert_eq!(last["author"], "ann@vendor.test");

    // Save the reply as a verified answer; it is listed, fresh.
    click(&mut browser, "#verify").await;
    assert_eq!(browser.path().await, "/console/verified");
    assert!(browser.text("#notice").await.unwrap().contains("verified"));
    assert_eq!(browser.count("article.verified").await, 1);
    assert_eq!(browser.count("article.verified.stale").await, 0);
    assert_eq!(
        browser.text("article.verified .msg .text").await.unwrap(),
        reply
    );
    browser
        .goto(&format!("{base}/console/escalations/{target}"))
        .await;

    // Resolve as a docs gap.
    browser
        .navigate_by(
            "document.querySelector('#resolution').value = 'docs_gap'; \
             document.querySelector('#resolve').click()",
        )
        .await;
    assert!(browser.text("#notice").await.unwrap().contains("Resolved"));
    assert_eq!(
        browser.text("#status").await.unwrap(),
        "resolved · ann@vendor.test · docs gap"
    );
    assert_eq!(browser.count("#reply-form").await, 0);
    assert_eq!(browser.count("#reopen").await, 1);
    let events = browser.text("#events").await.unwrap();
    for action in ["claim", "reply", "resolve"] {
        assert!(
            events.contains(&format!("ann@vendor.test {action}")),
            "{action} in {events}"
        );
    }
    browser
        .screenshot(&artifacts().join("console-escalation.png"))
        .await;

    // Gone from the default (unresolved) queue; there under status=resolved.
    browser.goto(&format!("{base}/console/queue")).await;
    let ids: Vec<String> = rows(&mut browser).await.into_iter().map(|r| r.0).collect();
    assert!(!ids.contains(&target));
    assert_eq!(ids.len(), 3);
    browser
        .screenshot(&artifacts().join("console-queue.png"))
        .await;
    browser
        .goto(&format!("{base}/console/queue?status=resolved"))
        .await;
    assert_eq!(rows(&mut browser).await[0].0, target);

    // Analytics count what happened.
    browser.goto(&format!("{base}/console/analytics")).await;
    assert_eq!(
        browser
            .text("#tier-high_touch td.escalations")
            .await
            .unwrap(),
        "3"
    );
    assert_eq!(
        browser
            .text("#tier-ai_assisted td.escalations")
            .await
            .unwrap(),
        "1"
    );

    // Sign out: the queue sends you back to sign in.
    click(&mut browser, ".signout button").await;
    assert_eq!(browser.path().await, "/console/login");
    browser.goto(&format!("{base}/console/queue")).await;
    assert_eq!(browser.path().await, "/console/login");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_text_that_looks_like_html_stays_text() {
    let (desk, base, mut browser) = open().await;
    let question = "<script>window.__xss = 1</script><img src=x onerror=\"window.__xss = 2\"> \
                    talk to a human </textarea><b onmouseover=alert(3)>bold</b>";
    let asked = desk.ask(&desk.acme, question).await;
    assert_eq!(asked["escalated"], true, "{asked}");
    let conversation = asked["conversation_id"].as_str().unwrap();
    let follow_up = "\"><svg onload=\"window.__xss = 4\"> & more";
    let (status, _, _) = desk
        .service
        .call(
            Method::POST,
            &format!("/v1/conversations/{conversation}/messages"),
            &[("x-docent-key", desk.acme.as_str())],
            Some(json!({ "text": follow_up })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    sign_in(&mut browser, &base, &desk.ann).await;

    // The queue shows the (cut) question as text.
    let queue = rows(&mut browser).await;
    assert_eq!(queue.len(), 1);
    assert!(
        queue[0]
            .2
            .starts_with("<script>window.__xss = 1</script><img src=x")
    );
    assert_eq!(
        browser.count("#queue img, #queue script, #queue b").await,
        0
    );

    // The escalation page: question, thread and reply box hold the text as is.
    let target = asked["escalation_id"].as_str().unwrap();
    click(
        &mut browser,
        &format!("tr[data-id='{target}'] td.question a"),
    )
    .await;
    assert_eq!(browser.text("#question").await.unwrap(), question);
    let thread = browser.text("#thread").await.unwrap();
    assert!(
        thread.contains(question) && thread.contains(follow_up),
        "{thread}"
    );
    assert_eq!(
        browser
            .count("#question *, #thread .text *, main img, main svg, main script")
            .await,
        0
    );
    // The draft cannot break out of the textarea either.
    let detail = desk.detail(target).await;
    assert_eq!(
        browser
            .eval("document.querySelector('#reply-text').value")
            .await,
        detail["draft"]
    );
    assert_eq!(
        browser.eval("typeof window.__xss").await,
        json!("undefined")
    );

    // A form post without the session's CSRF token is refused, even from the
    // console's own origin with its cookie.
    browser
        .navigate_by(&format!(
            "const f = document.createElement('form'); f.method = 'post'; \
             f.action = '/console/escalations/{target}/claim'; \
             const i = document.createElement('input'); i.name = 'csrf'; i.value = 'forged'; \
             f.appendChild(i); document.body.appendChild(f); f.submit()"
        ))
        .await;
    assert_eq!(
        browser
            .eval("document.querySelector('#problem').dataset.code")
            .await,
        json!("csrf")
    );
    assert_eq!(browser.text("h1").await.unwrap(), "403");
    // Script cannot call out at all (CSP), so an injected one could not either.
    let blocked = browser
        .eval("fetch('/console/queue').then(() => 'fetched', () => 'blocked')")
        .await;
    assert_eq!(blocked, json!("blocked"));
    let detail = desk.detail(target).await;
    assert_eq!(detail["status"], "open", "the forged claim changed nothing");
}

/// Sends a console request with the session cookie of `token`.
async fn console(
    desk: &Desk,
    method: Method,
    path: &str,
    token: Option<&str>,
    form: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let mut request = axum::http::Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header("cookie", format!("docent_console={token}"));
    }
    let request = match form {
        Some(body) => request
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(body.to_string())),
        None => request.body(axum::body::Body::empty()),
    }
    .unwrap();
    let (status, headers, body) = desk.service.send(request).await;
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn console_errors_are_pages_with_the_api_status() {
    let desk = Desk::start(|_| {}).await;
    let ann = Some(desk.ann.as_str());
    let (status, headers, _) = console(&desk, Method::GET, "/console/queue", None, None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/console/login");
    // A revoked or admin token in the cookie is no session either.
    let (status, _, _) = console(
        &desk,
        Method::GET,
        "/console/queue",
        Some(&desk.admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let (status, headers, page) =
        console(&desk, Method::GET, "/console/queue?tier=gold", ann, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("tier must be high_touch or ai_assisted"),
        "{page}"
    );
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["cache-control"], "no-store");

    let (status, _, page) =
        console(&desk, Method::GET, "/console/escalations/e_nope", ann, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("escalation_not_found"), "{page}");
    let (status, _, _) = console(
        &desk,
        Method::GET,
        "/console/analytics?from=yesterday",
        ann,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Illegal transitions come back as the escalation page with the reason.
    let asked = desk.ask(&desk.acme, "I want to talk to a person").await;
    let id = asked["escalation_id"].as_str().unwrap();
    let csrf = docent::http::console::csrf_token(&desk.ann);
    let claim = format!("csrf={csrf}");
    let path = format!("/console/escalations/{id}/claim");
    let (status, headers, _) = console(&desk, Method::POST, &path, ann, Some(&claim)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        headers["location"],
        format!("/console/escalations/{id}?done=claim").as_str()
    );
    let bob = Some(desk.bob.as_str());
    let bob_claim = format!("csrf={}", docent::http::console::csrf_token(&desk.bob));
    let (status, _, page) = console(&desk, Method::POST, &path, bob, Some(&bob_claim)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("id=\"action-error\""), "{page}");
    assert!(page.contains("ann@vendor.test"), "{page}");
    // Ann's CSRF token is not Bob's.
    let (status, _, _) = console(&desk, Method::POST, &path, bob, Some(&claim)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A blank reply is refused and nothing is posted.
    let reply_path = format!("/console/escalations/{id}/reply");
    let blank = format!("csrf={csrf}&text=%20%20");
    let (status, _, _) = console(&desk, Method::POST, &reply_path, ann, Some(&blank)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let detail = desk.detail(id).await;
    assert!(
        detail["messages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["role"] != "csm")
    );
    let bogus = format!("/console/escalations/{id}/delete");
    let (status, _, _) = console(&desk, Method::POST, &bogus, ann, Some(&claim)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Sign-in from another site's page is refused.
    let request = axum::http::Request::post("/console/login")
        .header("origin", "https://evil.example")
        .header("host", "docent.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(format!("token={}", desk.ann)))
        .unwrap();
    let (status, headers, _) = desk.service.send(request).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!headers.contains_key("set-cookie"));
}
