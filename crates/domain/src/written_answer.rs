//! The citation guard for answers written by an operator's language model from the
//! assistant's passages: an answer is kept only when it cites at least one passage it was
//! given, as `[n]`, and none it was not; otherwise the passages are shown instead.

/// Why a written answer is discarded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CitationError {
    /// Nothing written.
    #[error("the answer is empty")]
    Empty,
    /// No `[n]` at all: nothing ties it to what the community wrote.
    #[error("the answer cites no passage")]
    Uncited,
    /// `[n]` beyond the passages given: a source made up.
    #[error("the answer cites passage {0}, which it was not given")]
    Unknown(usize),
}

/// The passages (1-based, in order of first citation, each once) an answer cites, given that
/// it was shown `given` passages.
pub fn check_citations(answer: &str, given: usize) -> Result<Vec<usize>, CitationError> {
    if answer.trim().is_empty() {
        return Err(CitationError::Empty);
    }
    let mut cited = Vec::new();
    let b = answer.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'[' {
            let mut j = i + 1;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j > i + 1 && j < b.len() && b[j] == b']' && j - i <= 4 {
                let n: usize = answer[i + 1..j].parse().unwrap_or(0);
                if n == 0 || n > given {
                    return Err(CitationError::Unknown(n));
                }
                if !cited.contains(&n) {
                    cited.push(n);
                }
                i = j;
            }
        }
        i += 1;
    }
    if cited.is_empty() {
        return Err(CitationError::Uncited);
    }
    Ok(cited)
}

/// The instructions and the question with its numbered passages, as chat messages
/// (`(role, content)`) for an OpenAI-compatible server.
pub fn prompt(question: &str, passages: &[(String, String)]) -> Vec<(&'static str, String)> {
    let mut user = format!("Question:\n{}\n\nPassages:\n", question.trim());
    for (i, (title, text)) in passages.iter().enumerate() {
        user.push_str(&format!("[{}] (from \"{}\") {}\n", i + 1, title, text));
    }
    vec![
        (
            "system",
            "You answer a help-center question using only the numbered passages, which members \
             of the community wrote. Write two to five plain sentences. After every claim, cite \
             the passage it comes from as [1], [2] and so on. Use nothing that is not in the \
             passages. If they do not answer the question, reply exactly: NO ANSWER"
                .to_string(),
        ),
        ("user", user),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_are_checked() {
        assert_eq!(
            check_citations("Hold reset [1]. Then log in [2][1].", 2),
            Ok(vec![1, 2])
        );
        assert_eq!(
            check_citations("Hold reset.", 2),
            Err(CitationError::Uncited)
        );
        assert_eq!(check_citations("NO ANSWER", 2), Err(CitationError::Uncited));
        assert_eq!(
            check_citations("See [3].", 2),
            Err(CitationError::Unknown(3))
        );
        assert_eq!(
            check_citations("See [0].", 2),
            Err(CitationError::Unknown(0))
        );
        assert_eq!(check_citations("  ", 2), Err(CitationError::Empty));
        // Brackets that are not citations are text.
        assert_eq!(check_citations("Use [x] or [] then [1]", 1), Ok(vec![1]));
        assert_eq!(
            check_citations("ends with [1", 1),
            Err(CitationError::Uncited)
        );
    }

    #[test]
    fn the_prompt_numbers_the_passages() {
        let m = prompt(
            " Why? ",
            &[
                ("Reset".into(), "Hold it.".into()),
                ("Log in".into(), "Use admin.".into()),
            ],
        );
        assert_eq!(m[0].0, "system");
        assert!(m[1]
            .1
            .contains("[1] (from \"Reset\") Hold it.\n[2] (from \"Log in\") Use admin."));
        assert!(m[1].1.starts_with("Question:\nWhy?"));
    }
}
