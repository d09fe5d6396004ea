//! `docent serve` as a real process: it indexes the corpus when there is no
//! index, answers over TCP (SSE included), shuts down cleanly on SIGTERM, and
//! what it acknowledged is still there after a restart, even after SIGKILL.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::service::parse_sse;
use serde_json::{Value, json};

struct Server {
    child: Child,
    base: String,
}

fn start(data: &std::path::Path) -> Server {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_docent"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(data)
        .arg("--corpus")
        .arg(root.join("corpus"))
        .arg("--prompts")
        .arg(root.join("prompts"))
        .env_remove("DOCENT_INDEX")
        .env_remove("DOCENT_LLM_MODEL")
        .env_remove("DOCENT_LLM_BASE_URL")
        .stderr(Stdio::piped())
        .spawn()
        .expect("docent serve starts");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines.next().expect("serve prints its address").unwrap();
        if let Some(url) = line.split("on http://").nth(1) {
            break format!("http://{}", url.trim());
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, base }
}

/// POSTs a JSON question and returns the JSON answer.
async fn ask(client: &reqwest::Client, server: &Server, body: Value) -> Value {
    client
        .post(format!("{}/v1/ask", server.base))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn terminate(mut server: Server) {
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    for _ in 0..100 {
        if let Some(exit) = server.child.try_wait().unwrap() {
            assert!(exit.success(), "graceful shutdown exits 0, got {exit}");
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = server.child.kill();
    panic!("docent serve did not stop within 5 s of SIGTERM");
}

#[tokio::test]
async fn serve_answers_over_tcp_stops_on_sigterm_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = start(&data);
    let client = reqwest::Client::new();

    let ready: Value = client
        .get(format!("{}/readyz", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ready");

    let response = client
        .post(format!("{}/v1/ask", server.base))
        .header("accept", "text/event-stream")
        .json(&json!({ "question": "how do I get the next page of shipments?" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let request_id = response.headers().get("x-request-id").cloned();
    assert!(request_id.is_some(), "every response carries a request id");
    let events = parse_sse(&response.text().await.unwrap());
    assert_eq!(events.first().unwrap().0, "citations");
    let done = &events.last().unwrap().1;
    assert_eq!(events.last().unwrap().0, "done");
    let conversation = done["conversation_id"].as_str().unwrap().to_string();
    terminate(server);

    // Restarted over the same data: the index is reused and the conversation goes on.
    let server = start(&data);
    let follow_up = json!({ "question": "and what is the largest page size?", "conversation_id": conversation });
    let answer = ask(&client, &server, follow_up).await;
    assert_eq!(answer["conversation_id"], conversation.as_str(), "{answer}");

    // Killed outright right after answering: the acknowledged answer is kept.
    let acknowledged = answer["message_id"].as_str().unwrap().to_string();
    let mut killed = server;
    killed.child.kill().unwrap();
    killed.child.wait().unwrap();
    let server = start(&data);
    let third = ask(
        &client,
        &server,
        json!({ "question": "thanks, and for webhooks?", "conversation_id": conversation }),
    )
    .await;
    assert_eq!(third["conversation_id"], conversation.as_str(), "{third}");
    terminate(server);
    let store = docent::store::Store::open(&data.join("docent.db"))
        .await
        .unwrap();
    let history = store.history(&conversation, 10).await.unwrap();
    assert_eq!(history.len(), 6);
    assert!(
        history.iter().any(|m| m.id == acknowledged),
        "the answer acknowledged before the kill"
    );
}
