//! Word error rate and filler recall, for tests and benchmarks of the stage.

/// Lower-case words without punctuation; hyphens split words. Spelling variants of fillers that
/// whisper copies from a prompt ("Umm", "Uhh") are folded to "um" / "uh".
pub fn normalise(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace(['-', '—'], " ")
        .split_whitespace()
        .map(|w| w.chars().filter(|c| c.is_alphanumeric() || *c == '\'').collect::<String>())
        .filter(|w| !w.is_empty())
        .map(|w| fold_filler(&w).unwrap_or(w))
        .collect()
}

fn fold_filler(word: &str) -> Option<String> {
    let squeezed: String = word.chars().fold(String::new(), |mut s, c| {
        if !s.ends_with(c) {
            s.push(c);
        }
        s
    });
    match squeezed.as_str() {
        "um" | "hum" | "uhm" | "erm" => Some("um".into()),
        "uh" | "er" | "ah" => Some("uh".into()),
        _ => None,
    }
}

/// Word error rate of `hypothesis` against `reference`: word-level edit distance / reference words.
pub fn word_error_rate(reference: &str, hypothesis: &str) -> f64 {
    let (r, h) = (normalise(reference), normalise(hypothesis));
    let mut previous: Vec<usize> = (0..=h.len()).collect();
    for (i, rw) in r.iter().enumerate() {
        let mut current = vec![i + 1; h.len() + 1];
        for (j, hw) in h.iter().enumerate() {
            let substitution = previous[j] + usize::from(rw != hw);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[h.len()] as f64 / r.len().max(1) as f64
}

/// Filler phrases counted by [`filler_recall`] (normalised words).
pub const FILLERS: [&[&str]; 4] = [&["um"], &["uh"], &["you", "know"], &["basically"]];

fn count_phrase(words: &[String], phrase: &[&str]) -> usize {
    words.windows(phrase.len()).filter(|w| w.iter().zip(phrase).all(|(a, b)| a == b)).count()
}

/// (found, expected): for each filler phrase, the occurrences in the reference, and how many of
/// them the hypothesis has (at most as many as the reference).
pub fn filler_counts(reference: &str, hypothesis: &str) -> (usize, usize) {
    let (r, h) = (normalise(reference), normalise(hypothesis));
    FILLERS.iter().fold((0, 0), |(found, expected), phrase| {
        let want = count_phrase(&r, phrase);
        (found + count_phrase(&h, phrase).min(want), expected + want)
    })
}

/// Share of the reference's fillers that the hypothesis kept (1.0 when there are none).
pub fn filler_recall(reference: &str, hypothesis: &str) -> f64 {
    let (found, expected) = filler_counts(reference, hypothesis);
    if expected == 0 { 1.0 } else { found as f64 / expected as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_error_rate_counts_edits() {
        assert_eq!(word_error_rate("ask not what", "Ask not, what"), 0.0);
        assert!((word_error_rate("a b c d", "a x c") - 0.5).abs() < 1e-9);
    }

    #[test]
    fn fillers_are_folded_and_counted() {
        assert_eq!(normalise("Umm, well... Uhh"), ["um", "well", "uh"]);
        let reference = "So, um, you know, it basically works. Um, yes.";
        assert_eq!(filler_counts(reference, "So it works. Umm, yes, you know."), (2, 4));
        assert_eq!(filler_recall("no fillers here", "none"), 1.0);
    }
}
