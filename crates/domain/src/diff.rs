//! Word-level differences between two revisions, for the history page.

/// One piece of a difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Text in both versions.
    Same(String),
    /// Text only in the new version.
    Added(String),
    /// Text only in the old version.
    Removed(String),
}

/// Longest input (in tokens) diffed exactly; beyond it the whole text is shown replaced,
/// which keeps the quadratic table within a few megabytes.
const MAX_TOKENS: usize = 3_000;

/// The changes that turn `old` into `new`, by words (keeping whitespace), merged into runs.
pub fn diff_words(old: &str, new: &str) -> Vec<Change> {
    let a = tokens(old);
    let b = tokens(new);
    if a.len() > MAX_TOKENS || b.len() > MAX_TOKENS {
        let mut out = Vec::new();
        if !old.is_empty() {
            out.push(Change::Removed(old.to_string()));
        }
        if !new.is_empty() {
            out.push(Change::Added(new.to_string()));
        }
        return out;
    }
    // Classic LCS table over tokens, then a walk from the start.
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * (m + 1) + j] = if a[i] == b[j] {
                lcs[(i + 1) * (m + 1) + j + 1] + 1
            } else {
                lcs[(i + 1) * (m + 1) + j].max(lcs[i * (m + 1) + j + 1])
            };
        }
    }
    let mut out: Vec<Change> = Vec::new();
    let push = |out: &mut Vec<Change>, c: Change| match (out.last_mut(), &c) {
        (Some(Change::Same(s)), Change::Same(t))
        | (Some(Change::Added(s)), Change::Added(t))
        | (Some(Change::Removed(s)), Change::Removed(t)) => s.push_str(t),
        _ => out.push(c),
    };
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i] == b[j] {
            push(&mut out, Change::Same(a[i].to_string()));
            i += 1;
            j += 1;
        } else if lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1] {
            push(&mut out, Change::Removed(a[i].to_string()));
            i += 1;
        } else {
            push(&mut out, Change::Added(b[j].to_string()));
            j += 1;
        }
    }
    for t in &a[i..] {
        push(&mut out, Change::Removed(t.to_string()));
    }
    for t in &b[j..] {
        push(&mut out, Change::Added(t.to_string()));
    }
    out
}

/// Splits into alternating runs of whitespace and non-whitespace, so joining gives the input back.
fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev_ws: Option<bool> = None;
    for (i, c) in s.char_indices() {
        let ws = c.is_whitespace();
        if prev_ws.is_some_and(|p| p != ws) {
            out.push(&s[start..i]);
            start = i;
        }
        prev_ws = Some(ws);
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rebuild(changes: &[Change]) -> (String, String) {
        let (mut old, mut new) = (String::new(), String::new());
        for c in changes {
            match c {
                Change::Same(s) => {
                    old.push_str(s);
                    new.push_str(s);
                }
                Change::Added(s) => new.push_str(s),
                Change::Removed(s) => old.push_str(s),
            }
        }
        (old, new)
    }

    #[test]
    fn small_edit() {
        let d = diff_words("the quick fox", "the slow fox");
        assert_eq!(
            d,
            vec![
                Change::Same("the ".into()),
                Change::Removed("quick".into()),
                Change::Added("slow".into()),
                Change::Same(" fox".into())
            ]
        );
    }

    proptest! {
        #[test]
        fn diff_rebuilds_both_sides(a in "[ab \n]{0,40}", b in "[ab \n]{0,40}") {
            let d = diff_words(&a, &b);
            prop_assert_eq!(rebuild(&d), (a, b));
        }
    }
}
