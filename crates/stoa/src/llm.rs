//! The optional language model: an OpenAI-compatible chat-completions client (llama.cpp's
//! server, Ollama, vLLM…) that writes the assistant's answer from its passages. The assistant
//! checks the citations of what comes back (docs/assistant.md).

use serde_json::{json, Value};
use std::time::Duration;
use stoa_app::{AnswerWriter, WriteFuture};

/// A client for `{base}/chat/completions`.
pub struct ChatClient {
    http: reqwest::Client,
    endpoint: String,
    model: String,
}

impl ChatClient {
    /// A client for the server at `base` (for example `http://127.0.0.1:8080/v1`).
    pub fn new(base: &str, model: &str, timeout: Duration) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        Ok(ChatClient {
            http,
            endpoint: format!("{}/chat/completions", base.trim_end_matches('/')),
            model: model.to_string(),
        })
    }
}

/// The first choice's message of a chat-completions reply.
fn reply_text(body: &[u8]) -> Result<String, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    v["choices"][0]["message"]["content"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| "no choices[0].message.content in the reply".to_string())
}

impl AnswerWriter for ChatClient {
    fn write(&self, messages: Vec<(&'static str, String)>) -> WriteFuture {
        let body = json!({
            "model": self.model,
            "temperature": 0,
            "messages": messages
                .into_iter()
                .map(|(role, content)| json!({"role": role, "content": content}))
                .collect::<Vec<_>>(),
        });
        let request = self
            .http
            .post(&self.endpoint)
            .header("content-type", "application/json")
            .body(body.to_string());
        Box::pin(async move {
            let res = request.send().await.map_err(|e| e.to_string())?;
            let status = res.status();
            let bytes = res.bytes().await.map_err(|e| e.to_string())?;
            if !status.is_success() {
                return Err(format!("the model server answered {status}"));
            }
            reply_text(&bytes)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_read() {
        let ok = br#"{"choices":[{"message":{"role":"assistant","content":"Hold reset [1]."}}]}"#;
        assert_eq!(reply_text(ok), Ok("Hold reset [1].".into()));
        assert!(reply_text(b"{}").is_err());
        assert!(reply_text(b"oops").is_err());
    }
}
