//! Captions from a transcript: WebVTT and SubRip, at most 42 characters a line, 2 lines and 7 s a cue,
//! one speaker per cue, labelled when known.

use crate::{Transcript, Word};

pub const MAX_LINE_CHARS: usize = 42;
pub const MAX_LINES: usize = 2;
pub const MAX_CUE_S: f64 = 7.0;

#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    pub start_s: f64,
    pub end_s: f64,
    pub speaker: Option<String>,
    pub lines: Vec<String>,
}

/// Split the transcript's words into cues.
pub fn cues(transcript: &Transcript) -> Vec<Cue> {
    let mut words: Vec<&Word> = transcript.words().collect();
    words.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    let mut out: Vec<Cue> = Vec::new();
    let mut current: Option<Cue> = None;
    for word in words {
        let fits = current.as_ref().is_some_and(|cue| {
            cue.speaker == word.speaker && word.end_s - cue.start_s <= MAX_CUE_S && {
                let last = cue.lines.last().expect("a cue has a line");
                last.chars().count() + 1 + word.text.chars().count() <= MAX_LINE_CHARS || cue.lines.len() < MAX_LINES
            }
        });
        if fits {
            let cue = current.as_mut().expect("checked");
            let last = cue.lines.last_mut().expect("a cue has a line");
            if last.chars().count() + 1 + word.text.chars().count() <= MAX_LINE_CHARS {
                last.push(' ');
                last.push_str(&word.text);
            } else {
                cue.lines.push(word.text.clone());
            }
            cue.end_s = word.end_s;
        } else {
            out.extend(current.take());
            current = Some(Cue {
                start_s: word.start_s,
                end_s: word.end_s,
                speaker: word.speaker.clone(),
                lines: vec![word.text.clone()],
            });
        }
    }
    out.extend(current);
    out
}

fn timestamp(seconds: f64, decimal: char) -> String {
    let ms = (seconds.max(0.0) * 1000.0).round() as u64;
    format!("{:02}:{:02}:{:02}{decimal}{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

/// WebVTT, speakers as voice spans (`<v rep>`).
pub fn to_webvtt(transcript: &Transcript) -> String {
    let mut out = String::from("WEBVTT\n\n");
    for (i, cue) in cues(transcript).iter().enumerate() {
        out.push_str(&format!("{}\n{} --> {}\n", i + 1, timestamp(cue.start_s, '.'), timestamp(cue.end_s, '.')));
        for (n, line) in cue.lines.iter().enumerate() {
            match (&cue.speaker, n) {
                (Some(speaker), 0) => out.push_str(&format!("<v {speaker}>{line}\n")),
                _ => out.push_str(&format!("{line}\n")),
            }
        }
        out.push('\n');
    }
    out
}

/// SubRip, speakers as a leading "REP:" label.
pub fn to_srt(transcript: &Transcript) -> String {
    let mut out = String::new();
    for (i, cue) in cues(transcript).iter().enumerate() {
        out.push_str(&format!("{}\n{} --> {}\n", i + 1, timestamp(cue.start_s, ','), timestamp(cue.end_s, ',')));
        for (n, line) in cue.lines.iter().enumerate() {
            match (&cue.speaker, n) {
                (Some(speaker), 0) => out.push_str(&format!("{}: {line}\n", speaker.to_uppercase())),
                _ => out.push_str(&format!("{line}\n")),
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Segment;

    fn transcript(n: usize) -> Transcript {
        let words: Vec<Word> = (0..n)
            .map(|i| Word {
                start_s: i as f64 * 0.35,
                end_s: i as f64 * 0.35 + 0.3,
                text: format!("word{i}"),
                probability: 0.9,
                speaker: Some(if i < n / 2 { "rep" } else { "customer" }.into()),
            })
            .collect();
        Transcript {
            language: "en".into(),
            segments: vec![Segment { start_s: 0.0, end_s: 0.0, text: String::new(), speaker: None, words }],
        }
    }

    /// Parse WebVTT back: (start, end, lines) per cue.
    fn parse_vtt(text: &str) -> Vec<(f64, f64, Vec<String>)> {
        let seconds = |t: &str| {
            let parts: Vec<f64> = t.split([':', '.']).map(|p| p.parse().unwrap()).collect();
            parts[0] * 3600.0 + parts[1] * 60.0 + parts[2] + parts[3] / 1000.0
        };
        let body = text.strip_prefix("WEBVTT\n\n").expect("header");
        body.split("\n\n")
            .filter(|b| !b.trim().is_empty())
            .map(|block| {
                let mut lines = block.lines();
                lines.next().expect("cue number");
                let (a, b) = lines.next().expect("timing").split_once(" --> ").expect("arrow");
                (seconds(a), seconds(b), lines.map(str::to_string).collect())
            })
            .collect()
    }

    #[test]
    fn cues_respect_line_length_line_count_duration_and_speaker() {
        let t = transcript(80);
        let parsed = parse_vtt(&to_webvtt(&t));
        assert!(parsed.len() >= 4);
        let mut words_seen = 0;
        for (start, end, lines) in &parsed {
            assert!(end - start <= MAX_CUE_S + 1e-9 && end > start);
            assert!(!lines.is_empty() && lines.len() <= MAX_LINES);
            for line in lines {
                let visible = line.split_once('>').map(|(_, rest)| rest).unwrap_or(line);
                assert!(visible.chars().count() <= MAX_LINE_CHARS, "{visible}");
                words_seen += visible.split_whitespace().count();
            }
            assert!(lines[0].starts_with("<v rep>") || lines[0].starts_with("<v customer>"));
        }
        assert_eq!(words_seen, 80, "every word appears exactly once");
    }

    #[test]
    fn srt_uses_commas_and_labels() {
        let srt = to_srt(&transcript(4));
        assert!(srt.starts_with("1\n00:00:00,000 --> "));
        assert!(srt.contains("REP: word0 word1"));
        assert!(srt.contains("CUSTOMER: word2 word3"));
    }
}
