//! The optional language model (issue 18): a small local server speaking the OpenAI chat
//! completions protocol returns fixed texts. This checks Stoa's client and the citation guard,
//! not a model: an answer citing only the passages it was given is shown with them; one citing
//! nothing or a passage it was not given, or a server that fails, leaves the passages alone.

use crate::notifications::{answer, ask};
use crate::support::{spawn, Kind, TestApp};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The fake model server: answers each request with the next `(status, content)`.
#[derive(Clone, Default)]
struct FakeModel {
    replies: Arc<Mutex<VecDeque<(u16, String)>>>,
    requests: Arc<Mutex<Vec<Value>>>,
}

impl FakeModel {
    async fn start(&self) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let me = self.clone();
        tokio::spawn(async move {
            while let Ok((s, _)) = listener.accept().await {
                let me = me.clone();
                tokio::spawn(async move { me.serve(s).await });
            }
        });
        format!("http://{addr}/v1")
    }

    fn push(&self, status: u16, content: &str) {
        self.replies
            .lock()
            .unwrap()
            .push_back((status, content.to_string()));
    }

    async fn serve(&self, mut s: TcpStream) {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        let head_end = loop {
            let n = s.read(&mut chunk).await.unwrap_or(0);
            if n == 0 {
                return;
            }
            buf.extend_from_slice(&chunk[..n]);
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + len {
            let n = s.read(&mut chunk).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        assert!(head.starts_with("post /v1/chat/completions "), "{head}");
        let request: Value = serde_json::from_slice(&buf[head_end..]).unwrap_or(Value::Null);
        self.requests.lock().unwrap().push(request);
        let (status, content) = self
            .replies
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or((500, String::new()));
        let body = json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]})
            .to_string();
        let reply = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = s.write_all(reply.as_bytes()).await;
        let _ = s.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    let model = FakeModel::default();
    let url = model.start().await;
    let t = spawn(Kind::Sqlite, |c| c.assistant.llm_url = url)
        .await
        .expect("sqlite");
    written_answers_are_kept_only_with_true_citations(t, model).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    let model = FakeModel::default();
    let url = model.start().await;
    if let Some(t) = spawn(Kind::Postgres, |c| c.assistant.llm_url = url).await {
        written_answers_are_kept_only_with_true_citations(t, model).await;
    }
}

async fn written_answers_are_kept_only_with_true_citations(t: TestApp, model: FakeModel) {
    let (_, ann) = t.signup("ann").await;
    let (_, bob) = t.signup("bob").await;
    let q = ask(
        &t,
        &ann,
        "How do I reset the router admin password?",
        &["router"],
        "I changed the admin password of my router months ago and cannot remember it now.",
    )
    .await;
    let good = answer(
        &t,
        &bob,
        q,
        "Hold the reset button on the back of the router for 10 seconds; it restarts with the factory password printed on its label.",
    )
    .await;
    let (s, _) = t
        .post_json(
            &format!("/api/v1/questions/{q}/accept"),
            Some(&ann),
            json!({"answer_id": good}),
        )
        .await;
    assert_eq!(s, 200);
    let problem = json!({"text": "forgot my router admin password, how to reset it"});

    // Cites the passage it was given: shown, with the post it cites.
    model.push(
        200,
        "Hold the reset button for ten seconds, then use the password on the label [1].",
    );
    let (s, r) = t
        .post_json("/api/v1/assistant", None, problem.clone())
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["items"][0]["post_id"], good, "{r}");
    assert_eq!(
        r["answer"]["text"],
        "Hold the reset button for ten seconds, then use the password on the label [1]."
    );
    assert_eq!(r["answer"]["cites"], json!([good]));
    // What the model was given: the instructions, the problem and the numbered passage.
    let sent = model.requests.lock().unwrap().last().cloned().unwrap();
    assert_eq!(sent["messages"][0]["role"], "system");
    let user = sent["messages"][1]["content"].as_str().unwrap();
    assert!(user.contains("forgot my router admin password"), "{user}");
    assert!(
        user.contains(
            "[1] (from \"How do I reset the router admin password?\") Hold the reset button"
        ),
        "{user}"
    );

    // A made-up source, no citation, or a failing server: the passages alone.
    for (status, content) in [
        (200, "Call the vendor [2]."),
        (200, "Just buy a new router."),
        (200, "NO ANSWER"),
        (503, "overloaded"),
    ] {
        model.push(status, content);
        let (s, r) = t
            .post_json("/api/v1/assistant", None, problem.clone())
            .await;
        assert_eq!(s, 200, "{r}");
        assert_eq!(r["answer"], Value::Null, "{content}: {r}");
        assert_eq!(
            r["items"][0]["post_id"], good,
            "the passages still come: {r}"
        );
    }

    // The page shows the written answer above the numbered passages.
    model.push(200, "Hold the reset button [1].");
    let html = reqwest::Client::new()
        .get(t.url("/assistant?text=forgot%20my%20router%20admin%20password"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-testid=\"assistant-answer\""), "{html}");
    assert!(html.contains("Hold the reset button [1]."), "{html}");
    assert!(html.contains("<ol class=\"passage-list\">"), "{html}");

    // Nothing to go on: the model is not asked.
    let before = model.requests.lock().unwrap().len();
    let (_, r) = t
        .post_json(
            "/api/v1/assistant",
            None,
            json!({"text": "quantum flux capacitor alignment"}),
        )
        .await;
    assert_eq!(r["answer"], Value::Null);
    assert_eq!(model.requests.lock().unwrap().len(), before);
}
