//! The Snowball English ("Porter2") stemmer, as published by the Snowball project (version 3).
//!
//! Written here rather than pulled in as a crate so that the domain stays dependency-free and
//! so that the exact algorithm (which decides what matches what) is pinned by our own tests:
//! a silent stemmer upgrade would change every stored ranking at once.

/// Reduces one lower-case English word to its stem ("running" → "run").
///
/// Words containing anything but ASCII letters and apostrophes are returned unchanged, since
/// the algorithm is only defined for English spelling.
pub fn stem(word: &str) -> String {
    if !word.bytes().all(|c| c.is_ascii_lowercase() || c == b'\'') {
        return word.to_owned();
    }
    if let Some(fixed) = exception(word) {
        return fixed.to_owned();
    }
    if word.len() < 3 {
        return word.to_owned();
    }
    let mut w = word.as_bytes().to_vec();
    prelude(&mut w);
    let (p1, p2) = regions(&w);
    let mut s = Stem { w, p1, p2 };
    s.step_1a();
    s.step_1b();
    s.step_1c();
    s.step_2();
    s.step_3();
    s.step_4();
    s.step_5();
    for c in &mut s.w {
        if *c == b'Y' {
            *c = b'y';
        }
    }
    // Only ASCII bytes ever enter or leave the buffer, so this cannot fail; the fallback keeps
    // the function total without an unwrap.
    String::from_utf8(s.w).unwrap_or_else(|_| word.to_owned())
}

/// Whole words the general rules get wrong, with their stems (`None` entries stay unchanged).
fn exception(word: &str) -> Option<&'static str> {
    Some(match word {
        "skis" => "ski",
        "skies" => "sky",
        "idly" => "idl",
        "gently" => "gentl",
        "ugly" => "ugli",
        "early" => "earli",
        "only" => "onli",
        "singly" => "singl",
        "andes" => "andes",
        "atlas" => "atlas",
        "bias" => "bias",
        "cosmos" => "cosmos",
        "howe" => "howe",
        "news" => "news",
        "sky" => "sky",
        _ => return None,
    })
}

fn is_v(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

fn is_v_wxy(c: u8) -> bool {
    is_v(c) || matches!(c, b'w' | b'x' | b'Y')
}

fn is_valid_li(c: u8) -> bool {
    matches!(
        c,
        b'c' | b'd' | b'e' | b'g' | b'h' | b'k' | b'm' | b'n' | b'r' | b't'
    )
}

/// Drops a leading apostrophe and marks consonantal `y` as `Y` so later steps skip it as a vowel.
fn prelude(w: &mut Vec<u8>) {
    if w.first() == Some(&b'\'') {
        w.remove(0);
    }
    if w.first() == Some(&b'y') {
        w[0] = b'Y';
    }
    for i in 1..w.len() {
        if w[i] == b'y' && is_v(w[i - 1]) {
            w[i] = b'Y';
        }
    }
}

/// The start of R1 and R2: each is the position after the first non-vowel following a vowel.
fn regions(w: &[u8]) -> (usize, usize) {
    const PREFIXES: [&[u8]; 8] = [
        b"arsen", b"commun", b"emerg", b"gener", b"later", b"organ", b"past", b"univers",
    ];
    let n = w.len();
    let p1 = PREFIXES
        .iter()
        .filter(|p| w.starts_with(p))
        .map(|p| p.len())
        .max()
        .or_else(|| after_vowel_consonant(w, 0))
        .unwrap_or(n);
    let p2 = after_vowel_consonant(w, p1).unwrap_or(n);
    (p1, p2)
}

fn after_vowel_consonant(w: &[u8], from: usize) -> Option<usize> {
    let v = (from..w.len()).find(|&i| is_v(w[i]))?;
    let c = (v + 1..w.len()).find(|&i| !is_v(w[i]))?;
    Some(c + 1)
}

/// Whether the stem ends in a short syllable (or in "past", a Snowball 3 special case).
fn short_syllable(w: &[u8]) -> bool {
    let n = w.len();
    if n >= 3 && !is_v_wxy(w[n - 1]) && is_v(w[n - 2]) && !is_v(w[n - 3]) {
        return true;
    }
    if n == 2 && is_v(w[0]) && !is_v(w[1]) {
        return true;
    }
    w.ends_with(b"past")
}

/// The longest suffix of `w` in `list`, with its payload.
fn longest<'a, T: Copy>(w: &[u8], list: &[(&'a [u8], T)]) -> Option<(&'a [u8], T)> {
    list.iter()
        .filter(|(s, _)| w.ends_with(s))
        .max_by_key(|(s, _)| s.len())
        .copied()
}

struct Stem {
    w: Vec<u8>,
    p1: usize,
    p2: usize,
}

impl Stem {
    fn replace_suffix(&mut self, suffix_len: usize, with: &[u8]) {
        let keep = self.w.len() - suffix_len;
        self.w.truncate(keep);
        self.w.extend_from_slice(with);
    }

    fn step_1a(&mut self) {
        for apostrophe in [&b"'s'"[..], b"'s", b"'"] {
            if self.w.ends_with(apostrophe) {
                let keep = self.w.len() - apostrophe.len();
                self.w.truncate(keep);
                break;
            }
        }
        #[derive(Clone, Copy)]
        enum A {
            Sses,
            Ies,
            Keep,
            S,
        }
        let list: [(&[u8], A); 6] = [
            (b"sses", A::Sses),
            (b"ied", A::Ies),
            (b"ies", A::Ies),
            (b"ss", A::Keep),
            (b"us", A::Keep),
            (b"s", A::S),
        ];
        let Some((suffix, action)) = longest(&self.w, &list) else {
            return;
        };
        let start = self.w.len() - suffix.len();
        match action {
            A::Sses => self.replace_suffix(4, b"ss"),
            A::Ies => {
                let with: &[u8] = if start >= 2 { b"i" } else { b"ie" };
                self.replace_suffix(3, with);
            }
            A::Keep => {}
            A::S => {
                if start >= 1 && self.w[..start - 1].iter().any(|&c| is_v(c)) {
                    self.w.pop();
                }
            }
        }
    }

    fn step_1b(&mut self) {
        #[derive(Clone, Copy, PartialEq)]
        enum B {
            Eed,
            Ed,
            Ing,
        }
        let list: [(&[u8], B); 6] = [
            (b"eedly", B::Eed),
            (b"eed", B::Eed),
            (b"ingly", B::Ed),
            (b"edly", B::Ed),
            (b"ing", B::Ing),
            (b"ed", B::Ed),
        ];
        let Some((suffix, kind)) = longest(&self.w, &list) else {
            return;
        };
        let start = self.w.len() - suffix.len();
        let stem = &self.w[..start];
        match kind {
            B::Eed => {
                if start >= self.p1 && !matches!(stem, b"succ" | b"proc" | b"exc") {
                    self.replace_suffix(suffix.len(), b"ee");
                }
                return;
            }
            B::Ing => {
                // "dying" → "die", and a few words that only look like a stem plus "ing".
                if stem.len() == 2 && stem[1] == b'y' && !is_v(stem[0]) {
                    self.w.truncate(1);
                    self.w.extend_from_slice(b"ie");
                    return;
                }
                if matches!(
                    stem,
                    b"even" | b"cann" | b"inn" | b"earr" | b"herr" | b"out"
                ) {
                    return;
                }
            }
            B::Ed => {}
        }
        if !stem.iter().any(|&c| is_v(c)) {
            return;
        }
        self.w.truncate(start);
        let w = &self.w;
        if w.ends_with(b"at") || w.ends_with(b"bl") || w.ends_with(b"iz") {
            self.w.push(b'e');
            return;
        }
        let n = w.len();
        let double = n >= 2
            && w[n - 1] == w[n - 2]
            && matches!(
                w[n - 1],
                b'b' | b'd' | b'f' | b'g' | b'm' | b'n' | b'p' | b'r' | b't'
            );
        if double {
            // "added", "egged", "odder": a three-letter stem keeps its double letter.
            if !(n == 3 && matches!(w[0], b'a' | b'e' | b'o')) {
                self.w.pop();
            }
            return;
        }
        if n == self.p1 && short_syllable(w) {
            self.w.push(b'e');
        }
    }

    fn step_1c(&mut self) {
        let n = self.w.len();
        if n >= 3 && matches!(self.w[n - 1], b'y' | b'Y') && !is_v(self.w[n - 2]) {
            self.w[n - 1] = b'i';
        }
    }

    fn step_2(&mut self) {
        #[derive(Clone, Copy)]
        enum R {
            To(&'static [u8]),
            Ogi,
            Li,
        }
        let list: [(&[u8], R); 25] = [
            (b"tional", R::To(b"tion")),
            (b"enci", R::To(b"ence")),
            (b"anci", R::To(b"ance")),
            (b"abli", R::To(b"able")),
            (b"entli", R::To(b"ent")),
            (b"izer", R::To(b"ize")),
            (b"ization", R::To(b"ize")),
            (b"ational", R::To(b"ate")),
            (b"ation", R::To(b"ate")),
            (b"ator", R::To(b"ate")),
            (b"alism", R::To(b"al")),
            (b"aliti", R::To(b"al")),
            (b"alli", R::To(b"al")),
            (b"fulness", R::To(b"ful")),
            (b"fulli", R::To(b"ful")),
            (b"ousli", R::To(b"ous")),
            (b"ousness", R::To(b"ous")),
            (b"iveness", R::To(b"ive")),
            (b"iviti", R::To(b"ive")),
            (b"biliti", R::To(b"ble")),
            (b"bli", R::To(b"ble")),
            (b"ogist", R::To(b"og")),
            (b"lessli", R::To(b"less")),
            (b"ogi", R::Ogi),
            (b"li", R::Li),
        ];
        let Some((suffix, rule)) = longest(&self.w, &list) else {
            return;
        };
        let start = self.w.len() - suffix.len();
        if start < self.p1 {
            return;
        }
        match rule {
            R::To(with) => self.replace_suffix(suffix.len(), with),
            R::Ogi => {
                if start >= 1 && self.w[start - 1] == b'l' {
                    self.replace_suffix(3, b"og");
                }
            }
            R::Li => {
                if start >= 1 && is_valid_li(self.w[start - 1]) {
                    self.replace_suffix(2, b"");
                }
            }
        }
    }

    fn step_3(&mut self) {
        #[derive(Clone, Copy)]
        enum R {
            To(&'static [u8]),
            Ative,
        }
        let list: [(&[u8], R); 9] = [
            (b"tional", R::To(b"tion")),
            (b"ational", R::To(b"ate")),
            (b"alize", R::To(b"al")),
            (b"icate", R::To(b"ic")),
            (b"iciti", R::To(b"ic")),
            (b"ical", R::To(b"ic")),
            (b"ful", R::To(b"")),
            (b"ness", R::To(b"")),
            (b"ative", R::Ative),
        ];
        let Some((suffix, rule)) = longest(&self.w, &list) else {
            return;
        };
        let start = self.w.len() - suffix.len();
        if start < self.p1 {
            return;
        }
        match rule {
            R::To(with) => self.replace_suffix(suffix.len(), with),
            R::Ative => {
                if start >= self.p2 {
                    self.replace_suffix(suffix.len(), b"");
                }
            }
        }
    }

    fn step_4(&mut self) {
        const LIST: [(&[u8], bool); 18] = [
            (b"al", false),
            (b"ance", false),
            (b"ence", false),
            (b"er", false),
            (b"ic", false),
            (b"able", false),
            (b"ible", false),
            (b"ant", false),
            (b"ement", false),
            (b"ment", false),
            (b"ent", false),
            (b"ism", false),
            (b"ate", false),
            (b"iti", false),
            (b"ous", false),
            (b"ive", false),
            (b"ize", false),
            (b"ion", true),
        ];
        let Some((suffix, is_ion)) = longest(&self.w, &LIST) else {
            return;
        };
        let start = self.w.len() - suffix.len();
        if start < self.p2 {
            return;
        }
        if is_ion && !(start >= 1 && matches!(self.w[start - 1], b's' | b't')) {
            return;
        }
        self.replace_suffix(suffix.len(), b"");
    }

    fn step_5(&mut self) {
        let n = self.w.len();
        if n == 0 {
            return;
        }
        let start = n - 1;
        let drop = match self.w[start] {
            b'e' => start >= self.p2 || (start >= self.p1 && !short_syllable(&self.w[..start])),
            b'l' => start >= self.p2 && start >= 1 && self.w[start - 1] == b'l',
            _ => false,
        };
        if drop {
            self.w.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::stem;

    #[test]
    fn matches_snowball_on_known_words() {
        // Pairs checked against the reference Snowball 3.1 implementation.
        let cases = [
            ("running", "run"),
            ("runs", "run"),
            ("generously", "generous"),
            ("pasted", "paste"),
            ("universe", "univers"),
            ("organization", "organiz"),
            ("dying", "die"),
            ("skies", "sky"),
            ("news", "news"),
            ("hoping", "hope"),
            ("hopping", "hop"),
            ("biologist", "biolog"),
            ("geologists", "geolog"),
            ("communism", "communism"),
            ("consolingly", "consol"),
            ("conspiracy", "conspiraci"),
            ("constables", "constabl"),
            ("ties", "tie"),
            ("cries", "cri"),
            ("gaps", "gap"),
            ("gas", "gas"),
            ("agreed", "agre"),
            ("succeed", "succeed"),
            ("inning", "inning"),
            ("added", "add"),
            ("happy", "happi"),
            ("say", "say"),
            ("relational", "relat"),
            ("mobile", "mobil"),
            ("insurance", "insur"),
        ];
        for (word, want) in cases {
            assert_eq!(stem(word), want, "stem({word})");
        }
    }

    #[test]
    fn leaves_short_and_foreign_words_alone() {
        assert_eq!(stem("is"), "is");
        assert_eq!(stem("qr1"), "qr1");
        assert_eq!(stem("café"), "café");
        assert_eq!(stem(""), "");
    }
}
