//! Rules for user-written text shown to others, shared by every field that holds it.

/// Unicode's explicit bidirectional formatting characters: embeddings, overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069). Marks (U+200E, U+200F) stay: right-to-left writing uses them.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `raw` without bidirectional embedding, override and isolate controls, which could make a
/// title, name or subject read differently from what it says (`Invoice \u{202E}fdp.exe`
/// shows as "Invoice exe.pdf") or spill into the page around it. Every other character stays.
pub fn strip_bidi_controls(raw: &str) -> String {
    raw.chars().filter(|c| !is_bidi_control(*c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn controls_go_and_marks_stay() {
        assert_eq!(
            strip_bidi_controls("Invoice \u{202E}fdp.exe\u{202C} attached"),
            "Invoice fdp.exe attached"
        );
        assert_eq!(
            strip_bidi_controls("\u{2067}שלום\u{2069} \u{202A}\u{202B}\u{202D}\u{2066}\u{2068}x"),
            "שלום x"
        );
        // Marks and other format characters are not controls of embedding.
        assert_eq!(
            strip_bidi_controls("a\u{200E}b\u{200F}c\u{200D}"),
            "a\u{200E}b\u{200F}c\u{200D}"
        );
        assert_eq!(strip_bidi_controls(""), "");
        for c in ['\u{2029}', '\u{202F}', '\u{2065}', '\u{206A}'] {
            assert!(!is_bidi_control(c), "{c:?}");
        }
    }

    proptest! {
        #[test]
        fn strips_exactly_the_controls(s in "\\PC{0,40}", controls in proptest::collection::vec(
            prop_oneof![0x202Au32..=0x202E, 0x2066u32..=0x2069], 0..6
        ), at in 0usize..41) {
            // Controls scattered into any text are removed, and nothing else is.
            let clean = strip_bidi_controls(&s);
            let mut dirty: Vec<char> = s.chars().collect();
            for (i, c) in controls.iter().enumerate() {
                let c = char::from_u32(*c).unwrap();
                dirty.insert((at + i * 7) % (dirty.len() + 1), c);
            }
            let dirty: String = dirty.into_iter().collect();
            let stripped = strip_bidi_controls(&dirty);
            prop_assert!(!stripped.chars().any(is_bidi_control));
            prop_assert_eq!(&stripped, &clean);
            prop_assert_eq!(strip_bidi_controls(&stripped), stripped.clone());
            prop_assert!(stripped.chars().all(|c| dirty.contains(c)));
        }
    }
}
