//! Typo tolerance where it pays: when a query finds nothing, each unmatched term is replaced by
//! the closest term the index does hold, found among the terms sharing its first letters.

/// Terms shorter than this are not corrected: short words have too many close neighbours.
pub const MIN_CORRECTABLE_CHARS: usize = 4;

/// How many leading characters a correction must share with the typed term (people rarely
/// mistype the start of a word, and a prefix is what both full-text indexes can look up fast).
pub fn correction_prefix(term: &str) -> Option<String> {
    let n = term.chars().count();
    if n < MIN_CORRECTABLE_CHARS {
        return None;
    }
    let keep = if n <= 5 { 3 } else { 4 };
    Some(term.chars().take(keep).collect())
}

/// Most edits allowed for a term of this length: one for short words, two for long ones.
pub fn max_edits(term: &str) -> usize {
    if term.chars().count() >= 8 {
        2
    } else {
        1
    }
}

/// Damerau–Levenshtein distance (with adjacent transpositions), bounded: returns `limit + 1`
/// as soon as the distance must exceed `limit`.
pub fn edit_distance(a: &str, b: &str, limit: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit {
        return limit + 1;
    }
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        let mut row_min = i;
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
            row_min = row_min.min(v);
        }
        if row_min > limit {
            return limit + 1;
        }
    }
    d[n][m]
}

/// The best correction of `term` among `candidates` (term, how many documents hold it): the
/// fewest edits, then the most common. `None` when nothing is close enough.
pub fn best_correction<'a>(
    term: &str,
    candidates: impl IntoIterator<Item = (&'a str, u64)>,
) -> Option<String> {
    let limit = max_edits(term);
    candidates
        .into_iter()
        .filter(|(c, _)| *c != term)
        .map(|(c, df)| (edit_distance(term, c, limit), df, c))
        .filter(|(d, _, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)))
        .map(|(_, _, c)| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("espreso", "espresso", 2), 1);
        assert_eq!(
            edit_distance("grinedr", "grinder", 2),
            1,
            "transposition is one edit"
        );
        assert_eq!(edit_distance("kitten", "sitting", 5), 3);
        assert_eq!(edit_distance("abc", "abcdefgh", 2), 3, "bounded");
    }

    #[test]
    fn corrections() {
        let vocab = [("espresso", 40), ("espress", 1), ("esprit", 3)];
        assert_eq!(
            best_correction("espreso", vocab).as_deref(),
            Some("espresso")
        );
        assert_eq!(
            best_correction("espresso", [("espresso", 4)]),
            None,
            "a known term is not corrected"
        );
        assert_eq!(best_correction("zzzz", vocab), None);
        assert_eq!(correction_prefix("tea"), None);
        assert_eq!(correction_prefix("grinedr").as_deref(), Some("grin"));
    }

    proptest! {
        #[test]
        fn distance_is_symmetric_and_bounded(a in "[a-d]{0,10}", b in "[a-d]{0,10}") {
            let d = edit_distance(&a, &b, 20);
            prop_assert_eq!(d, edit_distance(&b, &a, 20));
            prop_assert!(d <= a.chars().count().max(b.chars().count()));
            prop_assert_eq!(d == 0, a == b);
        }
    }
}
