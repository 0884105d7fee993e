//! Paths that cannot name anything: a percent-encoded path that is not UTF-8 answers like any
//! unknown path (404 in the API's error shape, or the site's page) instead of the framework's
//! plain-text rejection.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

/// Whether the percent-decoded path is valid UTF-8 (malformed escapes count as invalid).
pub fn decodes(path: &str) -> bool {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(b) => out.push(b),
                None => return false,
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    std::str::from_utf8(&out).is_ok()
}

/// Answers 404 for paths that do not decode.
pub async fn refuse_undecodable(req: Request, next: Next) -> Response {
    if decodes(req.uri().path()) {
        next.run(req).await
    } else {
        crate::pages::errors::not_found(req.uri().clone()).await
    }
}

#[cfg(test)]
mod tests {
    use super::decodes;

    #[test]
    fn paths() {
        assert!(decodes("/questions/1/a-title"));
        assert!(decodes("/badges/se%3AStudent"));
        assert!(decodes("/tags/caf%C3%A9"));
        assert!(!decodes("/api/v1/questions/%FF"));
        assert!(!decodes("/tags/%C3"));
        assert!(!decodes("/tags/%G1"));
        assert!(!decodes("/tags/%4"));
    }
}
