//! Personal data in what was said: e-mail addresses, phone numbers, card numbers (Luhn-checked) and
//! long runs of spoken digits. [`find`] returns word spans; the caller replaces each span by its tag
//! (`[email]`, `[phone]`, `[card]`, `[number]`) everywhere the words appear.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Redacted {
    Email,
    Phone,
    Card,
    Number,
}

impl Redacted {
    pub fn tag(self) -> &'static str {
        match self {
            Redacted::Email => "[email]",
            Redacted::Phone => "[phone]",
            Redacted::Card => "[card]",
            Redacted::Number => "[number]",
        }
    }
}

/// Words `start..end` (end exclusive) are one item of personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub kind: Redacted,
}

const DIGIT_WORDS: [(&str, char); 11] = [
    ("zero", '0'), ("oh", '0'), ("one", '1'), ("two", '2'), ("three", '3'), ("four", '4'),
    ("five", '5'), ("six", '6'), ("seven", '7'), ("eight", '8'), ("nine", '9'),
];
const EMAIL_ENDINGS: [&str; 8] = ["com", "org", "net", "io", "co", "uk", "de", "edu"];
/// Words that announce an address; a domain-like word soon after one is taken for a mangled e-mail.
const EMAIL_CUES: [&str; 7] = ["email", "e-mail", "mail", "write", "reach", "address", "at"];

/// "acme.com": letters, digits, dots and dashes ending in a common mail domain ending.
fn looks_like_domain(word: &str) -> bool {
    let w = word.trim_end_matches(['.', ',', '?', '!', ';', ':']).to_lowercase();
    w.rsplit_once('.').is_some_and(|(name, ending)| {
        !name.is_empty() && EMAIL_ENDINGS.contains(&ending) && name.chars().all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c))
    })
}

fn bare(word: &str) -> String {
    word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase()
}

/// The digits a word stands for: written digits (with phone punctuation) or a spoken digit.
/// `None` for anything else, including amounts ("$5,000") and ordinary numbers with thousands commas.
fn digits_of(word: &str) -> Option<(String, bool)> {
    let w = word.trim_end_matches(['.', ',', '?', '!', ';', ':']);
    if w.contains('$') || w.contains('%') {
        return None;
    }
    if let Some((_, d)) = DIGIT_WORDS.iter().find(|(name, _)| bare(w) == *name) {
        return Some((d.to_string(), true));
    }
    let digits: String = w.chars().filter(|c| c.is_ascii_digit()).collect();
    let allowed = w.chars().all(|c| c.is_ascii_digit() || "()-+./,".contains(c));
    // Thousands commas mark an amount ("1,200,000"), unless the number is longer than any amount said in
    // a call: the recogniser writes a spoken card number as "4,111,111,111,...".
    let amount = w.contains(',') && digits.len() < 10;
    (!digits.is_empty() && allowed && !amount).then_some((digits, false))
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| if i % 2 == 1 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d })
        .sum();
    sum % 10 == 0
}

pub fn find(words: &[&str]) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i < words.len() {
        // Written e-mail: one token with an @ and a dot after it.
        let w = words[i];
        if w.contains('@') && w.rsplit('@').next().is_some_and(|domain| domain.contains('.')) {
            spans.push(Span { start: i, end: i + 1, kind: Redacted::Email });
            i += 1;
            continue;
        }
        // An address the recogniser mangled into a domain ("write to me at vayletrijt.com").
        if looks_like_domain(w) && words[i.saturating_sub(3)..i].iter().any(|p| EMAIL_CUES.contains(&bare(p).as_str())) {
            spans.push(Span { start: i, end: i + 1, kind: Redacted::Email });
            i += 1;
            continue;
        }
        // Spoken e-mail: NAME at DOMAIN dot com.
        if i + 3 < words.len() && bare(words[i + 1]) == "at" && bare(words[i + 3]) == "dot" {
            if let Some(ending) = words.get(i + 4) {
                if EMAIL_ENDINGS.contains(&bare(ending).as_str()) {
                    spans.push(Span { start: i, end: i + 5, kind: Redacted::Email });
                    i += 5;
                    continue;
                }
            }
        }
        // Digits, written or spoken, across consecutive words.
        let mut digits = String::new();
        let mut spoken = 0;
        let mut end = i;
        while let Some((d, was_spoken)) = words.get(end).and_then(|w| digits_of(w)) {
            digits.push_str(&d);
            spoken += usize::from(was_spoken);
            end += 1;
        }
        let kind = match digits.len() {
            13..=19 if luhn(&digits) => Some(Redacted::Card),
            7..=15 => Some(Redacted::Phone),
            n if n >= 6 && spoken == end - i => Some(Redacted::Number),
            n if n > 15 => Some(Redacted::Number),
            _ => None,
        };
        match kind {
            Some(kind) => {
                spans.push(Span { start: i, end, kind });
                i = end;
            }
            None => i = end.max(i + 1),
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redacted(text: &str) -> String {
        let words: Vec<&str> = text.split_whitespace().collect();
        let spans = find(&words);
        let mut out = Vec::new();
        let mut i = 0;
        while i < words.len() {
            match spans.iter().find(|s| s.start == i) {
                Some(s) => {
                    out.push(s.kind.tag().to_string());
                    i = s.end;
                }
                None => {
                    out.push(words[i].to_string());
                    i += 1;
                }
            }
        }
        out.join(" ")
    }

    #[test]
    fn emails_written_and_spoken() {
        assert_eq!(redacted("Mail me at dana@acme.com today."), "Mail me at [email] today.");
        assert_eq!(redacted("It's dana at acme dot com, thanks"), "It's [email] thanks");
    }

    #[test]
    fn phone_numbers_in_several_shapes() {
        assert_eq!(redacted("Call 555-123-4567 tomorrow"), "Call [phone] tomorrow");
        assert_eq!(redacted("Call (555) 123-4567 tomorrow"), "Call [phone] tomorrow");
        assert_eq!(redacted("my number is five five five one two three four"), "my number is [phone]");
    }

    #[test]
    fn shapes_the_recogniser_produces() {
        // What tiny.en wrote for "4111 1111 1111 1111": 25 digits, no card, but removed all the same.
        assert_eq!(redacted("My card is 4,111,111,111,111,111,111,111,111, and it expires"), "My card is [number] and it expires");
        assert_eq!(redacted("card 4,111,111,111,111,111 ok"), "card [card] ok");
        assert_eq!(redacted("my number is 5.5, 2.13, 4.876. Thanks."), "my number is [phone] Thanks.");
        assert_eq!(redacted("You can write to me at vayletrijt.com."), "You can write to me at [email]");
        assert_eq!(redacted("Our website acme.com has the details"), "Our website acme.com has the details");
    }

    #[test]
    fn card_numbers_need_a_valid_luhn_checksum() {
        assert_eq!(redacted("card 4111 1111 1111 1111 expires"), "card [card] expires");
        // Same length, bad checksum: still too long to be a phone number, so a plain number.
        assert_eq!(redacted("card 4111 1111 1111 1112 expires"), "card [number] expires");
    }

    #[test]
    fn long_spoken_digit_runs_go_but_ordinary_numbers_stay() {
        assert_eq!(redacted("the code is four two four two four two"), "the code is [number]");
        assert_eq!(redacted("We saved $50,000 and 1,200,000 hours in 2024 with 20 reps."), "We saved $50,000 and 1,200,000 hours in 2024 with 20 reps.");
        assert_eq!(redacted("about eight percent of one deal"), "about eight percent of one deal");
    }
}
