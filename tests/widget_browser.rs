//! The embeddable widget in real headless Chromium, on host pages served from
//! another origin (so CORS and widget keys are real): streaming, citations,
//! safe Markdown, hand-off to a person and their reply, reload, errors,
//! hostile host CSS, several widgets, and the demo page.

mod common;

use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::get;
use common::browser::{Browser, artifacts};
use common::desk::Desk;
use common::fake_llm::{FakeLlm, Script};
use serde_json::{Value, json};

const TEMPLATE: &str = "https://git.example/acme/sdk/blob/{release}/{path}#L{start}-L{end}";

/// The model's answer: Markdown, citations, and HTML that must stay text.
const ANSWER: [&str; 12] = [
    "Signatures fail when the body was re-serialized ",
    "before verifying [1].\n\n",
    "- Verify the **raw** body\n",
    "- Compare with `timingSafeEqual` [2]\n\n",
    "```js\n",
    "<script>window.__xss = 1</script>\n",
    "```\n\n",
    "Never trust ",
    "<img src=x onerror=\"window.__xss = 2\"> ",
    "input",
    " that is not ",
    "signed.",
];

/// Serves host pages on `listener`: `/` embeds the widget; `/hostile` does
/// so under CSS that tries to break it; `/two` embeds two widgets.
fn serve_host_pages(listener: tokio::net::TcpListener, docent: &str, key: &str) {
    let tag = |extra: &str| {
        format!(
            "<script src=\"{docent}/widget.js\" data-docent-key=\"{key}\" \
             data-source-link=\"{TEMPLATE}\" data-poll-ms=\"250\" {extra} async></script>"
        )
    };
    let plain = format!(
        "<!doctype html><html><head><title>Acme docs</title></head><body>\
         <h1 id=\"host-title\">Acme docs</h1>{}</body></html>",
        tag("data-title=\"Acme help\"")
    );
    let hostile = format!(
        "<!doctype html><html><head><style>\
           * {{ font-size: 40px !important; color: red !important; \
                letter-spacing: 9px !important; text-transform: uppercase !important; }}\
           div, button, docent-chat {{ display: none !important; opacity: 0 !important; }}\
           h1 {{ color: rgb(0, 128, 0) !important; }}\
         </style></head><body><h1 id=\"host-title\">Hostile</h1>{}</body></html>",
        tag("")
    );
    let two = format!(
        "<!doctype html><html><body>{}{}</body></html>",
        tag("data-title=\"First\" data-position=\"left\""),
        tag("data-title=\"Second\" data-accent=\"#aa0000\"")
    );
    let app = Router::new()
        .route("/", get(move || async move { Html(plain) }))
        .route("/hostile", get(move || async move { Html(hostile) }))
        .route("/two", get(move || async move { Html(two) }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
}

/// A service answering through a slow-streaming fake model, a host site on
/// another origin with a widget key for it, and a browser.
struct Site {
    desk: Desk,
    llm: FakeLlm,
    docent: String,
    host: String,
    browser: Browser,
}

async fn site() -> Site {
    let llm = FakeLlm::start(Script::Tokens {
        tokens: ANSWER.iter().map(|t| t.to_string()).collect(),
        first: Duration::from_millis(100),
        between: Duration::from_millis(120),
    })
    .await;
    let desk = Desk::start_with(Some(&llm), |c| {
        c.budget_ms = 8_000;
        c.first_token_ms = 4_000;
    })
    .await;
    let docent = format!("http://{}", desk.service.listen().await);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = format!("http://{}", listener.local_addr().unwrap());
    let key = desk
        .service
        .state
        .engine
        .store
        .issue_widget_key("acme", std::slice::from_ref(&host))
        .await
        .unwrap()
        .unwrap()
        .key;
    serve_host_pages(listener, &docent, &key);
    let browser = Browser::launch().await;
    Site {
        desk,
        llm,
        docent,
        host,
        browser,
    }
}

/// An expression for the element `selector` inside the (first) widget.
fn w(selector: &str) -> String {
    format!(
        "document.querySelector('docent-chat').shadowRoot.querySelector({})",
        serde_json::to_string(selector).unwrap()
    )
}

/// An expression for all elements matching `selector` inside the widget.
fn w_all(selector: &str) -> String {
    format!(
        "Array.from(document.querySelector('docent-chat').shadowRoot.querySelectorAll({}))",
        serde_json::to_string(selector).unwrap()
    )
}

impl Site {
    async fn open_widget(&mut self, path: &str) {
        let url = format!("{}{path}", self.host);
        self.browser.goto(&url).await;
        self.browser
            .wait_for(&format!("{} !== null", w(".launcher")))
            .await;
        self.browser
            .eval(&format!("{}.click()", w(".launcher")))
            .await;
        self.browser
            .wait_for(&format!("!{}.hidden", w(".panel")))
            .await;
    }

    /// Types `text` into the widget and sends it.
    async fn type_and_send(&mut self, text: &str) {
        let text = serde_json::to_string(text).unwrap();
        self.browser
            .eval(&format!(
                "{}.value = {text}; {}.click()",
                w("textarea"),
                w("form .send")
            ))
            .await;
    }

    /// Waits for `selector` in the widget; returns its text.
    async fn wait_text(&mut self, selector: &str) -> String {
        self.browser
            .wait_for(&format!("{} !== null", w(selector)))
            .await;
        let text = self
            .browser
            .eval(&format!("{}.textContent", w(selector)))
            .await;
        text.as_str().unwrap_or_default().to_string()
    }

    /// Waits for an error with a Retry button; returns its text.
    async fn wait_error(&mut self) -> String {
        self.browser
            .wait_for(&format!("{} !== null", w(".status .retry")))
            .await;
        self.wait_text(".status").await
    }

    async fn click(&mut self, selector: &str) {
        self.browser.eval(&format!("{}.click()", w(selector))).await;
    }

    /// Waits until the widget shows `n` assistant messages, the last complete.
    async fn wait_answers(&mut self, n: usize) {
        let all = w_all(".msg.assistant");
        self.browser
            .wait_for(&format!(
                "{all}.length === {n} && !{all}.pop().hasAttribute('aria-busy')"
            ))
            .await;
    }

    async fn assistant_count(&mut self) -> u64 {
        self.browser
            .eval(&format!("{}.length", w_all(".msg.assistant")))
            .await
            .as_u64()
            .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_asks_gets_a_streamed_cited_answer_and_then_a_person() {
    let mut s = site().await;
    s.open_widget("/").await;
    // The greeting, and focus in the question box.
    assert_eq!(s.assistant_count().await, 1);
    assert_eq!(
        s.browser
            .eval("document.querySelector('docent-chat').shadowRoot.activeElement.tagName")
            .await,
        json!("TEXTAREA")
    );

    s.type_and_send("why do my webhook signatures not verify?")
        .await;
    // Tokens arrive: some text shows while the answer is still streaming.
    let last = format!("{}.pop()", w_all(".msg.assistant"));
    s.browser
        .wait_for(&format!(
            "(() => {{ const m = {last}; return m.getAttribute('aria-busy') === 'true' \
               && m.textContent.startsWith('Signatures fail') && !m.textContent.includes('signed.'); }})()"
        ))
        .await;
    s.browser
        .wait_for(&format!("!{last}.hasAttribute('aria-busy')"))
        .await;
    let text = s.browser.eval(&format!("{last}.textContent")).await;
    let text = text.as_str().unwrap().to_string();
    assert!(text.contains("signed."), "{text}");

    // Markdown rendered safely: list, bold, inline code, a code block holding
    // the script as text, and the <img> as text.
    let md = format!("{last}.querySelector('.md')");
    assert_eq!(
        s.browser
            .eval(&format!("{md}.querySelectorAll('li').length"))
            .await,
        json!(2)
    );
    assert_eq!(
        s.browser
            .eval(&format!("{md}.querySelector('strong').textContent"))
            .await,
        json!("raw")
    );
    assert_eq!(
        s.browser
            .eval(&format!("{md}.querySelector('pre code').textContent"))
            .await,
        json!("<script>window.__xss = 1</script>")
    );
    assert!(text.contains("<img src=x onerror=\"window.__xss = 2\">"));
    assert_eq!(
        s.browser
            .eval(&format!(
                "{last}.querySelectorAll('script, img, iframe').length"
            ))
            .await,
        json!(0)
    );
    assert_eq!(
        s.browser.eval("typeof window.__xss").await,
        json!("undefined")
    );

    // Citations: numbered links to the exact lines, through the template.
    let links = s
        .browser
        .eval(&format!(
            "Array.from({last}.querySelectorAll('.cites a')).map(a => [a.textContent, a.href])"
        ))
        .await;
    let links = links.as_array().unwrap().clone();
    assert!(!links.is_empty());
    for link in &links {
        let label = link[0].as_str().unwrap();
        let (path, lines) = label.rsplit_once(':').unwrap();
        let (start, end) = lines.split_once('-').unwrap();
        assert_eq!(
            link[1].as_str().unwrap(),
            format!("https://git.example/acme/sdk/blob/2.1.0/{path}#L{start}-L{end}")
        );
    }
    let inline_cite = s
        .browser
        .eval(&format!("{md}.querySelector('a.cite').href"))
        .await;
    assert_eq!(inline_cite, links[0][1]);
    // ...and the release they come from.
    let release = s
        .browser
        .eval(&format!("{last}.querySelector('.release').textContent"))
        .await;
    assert_eq!(release, json!("From release 2.1.0"));

    // The conversation is remembered for a reload.
    let conversation = s
        .browser
        .eval("Object.entries(localStorage).find(([k]) => k.startsWith('docent:conversation:'))[1]")
        .await;
    let conversation = conversation.as_str().unwrap().to_string();
    assert!(conversation.starts_with("c_"));

    // Thumbs down offers a person; taking it shows who follows up and when.
    s.browser
        .eval(&format!(
            "{last}.querySelector('[aria-label=\"Not helpful\"]').click()"
        ))
        .await;
    s.browser
        .wait_for(&format!("{last}.querySelector('.offer') !== null"))
        .await;
    s.browser
        .eval(&format!("{last}.querySelector('.offer').click()"))
        .await;
    let notice = s.wait_text(".msg.notice").await;
    assert!(
        notice.contains("ann@vendor.test will follow up here within 4 hours"),
        "{notice}"
    );

    // The CSM sees it as a thumbs-down escalation and replies.
    let queue = s.desk.queue("").await;
    let item = &queue["items"][0];
    assert_eq!(item["reason"], "thumbs_down");
    assert_eq!(item["conversation_id"], conversation.as_str());
    let id = item["id"].as_str().unwrap().to_string();
    let reply = "Hi, Ann here: use the raw bytes. <b>not bold</b>";
    let (status, _) = s
        .desk
        .act(&s.desk.ann, &id, "reply", Some(json!({ "text": reply })))
        .await;
    assert_eq!(status, StatusCode::OK);
    let csm = s.wait_text(".msg.csm").await;
    assert_eq!(csm, json!(format!("ann@vendor.test{reply}")));
    assert_eq!(
        s.browser
            .eval(&format!("{}.querySelectorAll('b').length", w(".msg.csm")))
            .await,
        json!(0)
    );

    // The customer writes back: it goes to the person, not the model.
    let model_calls = s.llm.requests().len();
    s.type_and_send("Thanks, trying it now").await;
    s.browser
        .wait_for(&format!("{}.length === 2", w_all(".msg.customer")))
        .await;
    let mut followed_up = false;
    for _ in 0..100 {
        let detail = s.desk.detail(&id).await;
        let texts = common::strs(&detail["messages"], "text");
        if texts.contains(&"Thanks, trying it now") {
            followed_up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(followed_up, "the follow-up reached the escalation");
    assert_eq!(s.llm.requests().len(), model_calls);
    s.browser
        .screenshot(&artifacts().join("widget-open.png"))
        .await;

    // Reload: the whole thread comes back, and the person still has it.
    let url = format!("{}/", s.host);
    s.browser.goto(&url).await;
    s.click(".launcher").await;
    s.browser
        .wait_for(&format!("{} !== null", w(".msg.csm")))
        .await;
    let thread = s.browser.eval(&format!("{}.textContent", w(".log"))).await;
    let thread = thread.as_str().unwrap().to_string();
    for part in [
        "why do my webhook signatures not verify?",
        "Signatures fail",
        reply,
        "Thanks, trying it now",
        "will follow up here",
    ] {
        assert!(thread.contains(part), "{part} in {thread}");
    }
    let cited = s
        .browser
        .eval(&format!("{}.length", w_all(".cites a")))
        .await;
    assert_eq!(
        cited,
        json!(links.len()),
        "citations come back with the history"
    );
}

/// Presses a key in the page (a real input event, not a synthetic one).
async fn press(browser: &mut Browser, key: &str, code: u32, shift: bool) {
    for kind in ["rawKeyDown", "keyUp"] {
        browser
            .call(
                "Input.dispatchKeyEvent",
                json!({"type": kind, "key": key, "code": key, "windowsVirtualKeyCode": code,
                       "modifiers": if shift { 8 } else { 0 }}),
            )
            .await;
    }
}

async fn active_class(browser: &mut Browser) -> Value {
    browser
        .eval("(document.querySelector('docent-chat').shadowRoot.activeElement || {}).className")
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_errors_and_a_person_without_a_question() {
    let mut s = site().await;
    s.open_widget("/").await;
    // ARIA: a modal dialog with a live log.
    assert_eq!(
        s.browser
            .eval(&format!("{}.getAttribute('role')", w(".panel")))
            .await,
        json!("dialog")
    );
    assert_eq!(
        s.browser
            .eval(&format!("{}.getAttribute('aria-live')", w(".log")))
            .await,
        json!("polite")
    );
    assert_eq!(
        s.browser
            .eval(&format!("{}.getAttribute('aria-expanded')", w(".launcher")))
            .await,
        json!("true")
    );

    // Focus is trapped: Tab from the last control wraps to the first, and
    // Shift+Tab from the first wraps to the last.
    s.browser
        .eval(&format!("{}.focus()", w("footer .human")))
        .await;
    press(&mut s.browser, "Tab", 9, false).await;
    assert_eq!(active_class(&mut s.browser).await, json!("close"));
    press(&mut s.browser, "Tab", 9, true).await;
    assert_eq!(active_class(&mut s.browser).await, json!("human"));
    // Escape closes and gives focus back to the launcher.
    press(&mut s.browser, "Escape", 27, false).await;
    assert_eq!(
        s.browser.eval(&format!("{}.hidden", w(".panel"))).await,
        json!(true)
    );
    assert_eq!(active_class(&mut s.browser).await, json!("launcher"));
    s.click(".launcher").await;

    // A network failure shows a message and a retry, never a blank panel.
    s.browser
        .eval("window.__realFetch = window.fetch; window.fetch = () => Promise.reject(new TypeError('Failed to fetch'))")
        .await;
    s.type_and_send("how many requests per second am I allowed to make?")
        .await;
    let error = s.wait_error().await;
    assert!(error.contains("Couldn't reach the assistant"), "{error}");
    assert_eq!(
        s.assistant_count().await,
        1,
        "no empty answer bubble is left behind"
    );
    assert_eq!(
        s.browser
            .eval(&format!("{}.pop().textContent", w_all(".msg.customer")))
            .await,
        json!("how many requests per second am I allowed to make?")
    );
    // Retry, with the network back: the answer arrives.
    s.browser.eval("window.fetch = window.__realFetch").await;
    s.click(".status .retry").await;
    s.wait_answers(2).await;
    assert_eq!(
        s.browser
            .eval(&format!("{}.textContent", w(".status")))
            .await,
        json!("")
    );

    // Rate limited: the wait is shown.
    s.browser
        .eval(
            "window.fetch = () => Promise.resolve(new Response(\
               JSON.stringify({code: 'rate_limited', message: 'slow down'}), \
               {status: 429, headers: {'retry-after': '7', 'content-type': 'application/json'}}))",
        )
        .await;
    s.type_and_send("and per minute?").await;
    let error = s.wait_error().await;
    assert!(error.contains("Try again in 7 s"), "{error}");
    s.browser.eval("window.fetch = window.__realFetch").await;

    // "Talk to a person" in a fresh conversation asks for one.
    s.browser.eval("localStorage.clear()").await;
    let url = format!("{}/", s.host);
    s.browser.goto(&url).await;
    s.click(".launcher").await;
    s.click("footer .human").await;
    let notice = s.wait_text(".msg.notice").await;
    assert!(notice.starts_with("ann@vendor.test will follow up here within 4 hours"));
    assert_eq!(
        s.browser
            .eval(&format!("{}.disabled", w("footer .human")))
            .await,
        json!(true)
    );
    let queue = s.desk.queue("").await;
    assert_eq!(queue["items"][0]["reason"], "asked_for_human");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_css_and_several_widgets() {
    let mut s = site().await;
    s.open_widget("/hostile").await;
    // The host's `display: none !important` on everything does not hide it...
    let rect = s
        .browser
        .eval(&format!(
            "(() => {{ const r = {}.getBoundingClientRect(); return [r.width, r.height]; }})()",
            w(".launcher")
        ))
        .await;
    assert_eq!(rect, json!([56, 56]));
    // ...nor do its fonts, colours and letter-spacing reach inside.
    let style = s
        .browser
        .eval(&format!(
            "(() => {{ const c = getComputedStyle({}); return [c.fontSize, c.color, c.letterSpacing, c.textTransform]; }})()",
            w(".msg.assistant .md p")
        ))
        .await;
    assert_eq!(style, json!(["14px", "rgb(29, 35, 48)", "normal", "none"]));
    // And the widget's styles do not leak out onto the host page.
    assert_eq!(
        s.browser
            .eval("getComputedStyle(document.querySelector('#host-title')).color")
            .await,
        json!("rgb(0, 128, 0)")
    );
    s.type_and_send("why do my webhook signatures not verify?")
        .await;
    s.wait_answers(2).await;
    s.browser
        .screenshot(&artifacts().join("widget-hostile-css.png"))
        .await;

    // Two widgets on one page: each its own launcher, place and colour.
    let url = format!("{}/two", s.host);
    s.browser.goto(&url).await;
    s.browser
        .wait_for("document.querySelectorAll('docent-chat').length === 2")
        .await;
    let launchers = s
        .browser
        .eval(
            "Array.from(document.querySelectorAll('docent-chat')).map(h => { \
               const b = h.shadowRoot.querySelector('.launcher'); \
               return [b.getAttribute('aria-label'), b.getBoundingClientRect().left < 200, getComputedStyle(b).backgroundColor]; })",
        )
        .await;
    assert_eq!(
        launchers,
        json!([
            ["Open chat: First", true, "rgb(36, 87, 214)"],
            ["Open chat: Second", false, "rgb(170, 0, 0)"]
        ])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_page_embeds_the_widget() {
    let mut s = site().await;
    let demo = format!("{}/", s.docent);
    s.browser.goto(&demo).await;
    s.browser
        .wait_for(&format!("{} !== null", w(".launcher")))
        .await;
    s.click(".launcher").await;
    assert_eq!(
        s.browser
            .eval(&format!("{}.textContent", w("header h2")))
            .await,
        json!("Shiplane support")
    );
    // No key on the demo page: an anonymous customer, AI-assisted SLA.
    s.type_and_send("I want to talk to a person").await;
    let notice = s.wait_text(".msg.notice").await;
    assert!(
        notice.starts_with("Our support team will follow up here within 1 day"),
        "{notice}"
    );
    // The widget script itself stays under its budget as served.
    let (status, body) = s.desk.service.get("/widget.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.len() < docent::http::site::WIDGET_BUDGET_BYTES);
}
