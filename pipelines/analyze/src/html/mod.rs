//! `scorecard.html`: the scorecard for a coach's browser, from the template `scorecard.html` (minijinja).
//! Self-contained: inline CSS and script, no network; media are referenced by their artifact names next
//! to it, and every evidence time is a link that seeks the player.

use minijinja::{Environment, context};
use serde::Serialize;

use crate::text::clock;
use crate::{AnalysisInput, Evidence, Scorecard};

const TEMPLATE: &str = include_str!("scorecard.html");

#[derive(Debug, thiserror::Error)]
#[error("rendering scorecard.html: {0}")]
pub struct HtmlError(#[from] minijinja::Error);

#[derive(Serialize)]
struct Moment<'a> {
    start_s: f64,
    clock: String,
    speaker: &'a str,
    text: &'a str,
}

impl<'a> From<&'a Evidence> for Moment<'a> {
    fn from(e: &'a Evidence) -> Self {
        Moment { start_s: e.start_s, clock: clock(e.start_s), speaker: &e.speaker, text: &e.text }
    }
}

fn moments(evidence: &[Evidence]) -> Vec<Moment<'_>> {
    evidence.iter().map(Moment::from).collect()
}

#[derive(Serialize)]
struct Turn {
    speaker: String,
    role: String,
    start_s: f64,
    clock: String,
    left: f64,
    width: f64,
    text: String,
}

/// Consecutive words of one speaker, with their place on the timeline (percent of the clip).
fn turns(card: &Scorecard, input: &AnalysisInput) -> Vec<Turn> {
    let duration = card.clip.duration_s.max(0.001);
    let mut out: Vec<(String, f64, f64, Vec<&str>)> = Vec::new();
    for word in input.words_in_time_order() {
        match out.last_mut() {
            Some((speaker, _, end, words)) if *speaker == word.speaker => {
                *end = word.end_s;
                words.push(&word.text);
            }
            _ => out.push((word.speaker.clone(), word.start_s, word.end_s, vec![&word.text])),
        }
    }
    out.into_iter()
        .map(|(speaker, start, end, words)| Turn {
            role: role_class(card, &speaker),
            left: 100.0 * start / duration,
            width: (100.0 * (end - start) / duration).max(0.2),
            clock: clock(start),
            start_s: start,
            text: words.join(" "),
            speaker,
        })
        .collect()
}

/// "economic_buyer" → "Economic buyer".
fn display_name(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn role_class(card: &Scorecard, speaker: &str) -> String {
    card.speakers
        .iter()
        .find(|s| s.id == speaker)
        .map(|s| serde_json::to_value(s.role).ok().and_then(|v| v.as_str().map(str::to_string)))
        .flatten()
        .unwrap_or_else(|| "unknown".into())
}

/// Render the scorecard (and the transcript from `input`) as one self-contained HTML page.
pub fn render_html(card: &Scorecard, input: &AnalysisInput) -> Result<String, HtmlError> {
    let mut env = Environment::new();
    env.add_template("scorecard.html", TEMPLATE)?;
    let has = |name: &str| card.artifacts.contains_key(name).then(|| name.to_string());
    let media = context! {
        video => has("video.mp4"),
        poster => has("poster.jpg"),
        audio => has("audio.m4a").or_else(|| has("audio.wav")),
    };
    let total_talk: f64 = card.speakers.iter().map(|s| s.talk_s).sum();
    let talk: Vec<_> = card
        .speakers
        .iter()
        .map(|s| context! { id => &s.id, role => role_class(card, &s.id), share => if total_talk > 0.0 { 100.0 * s.talk_s / total_talk } else { 0.0 } })
        .collect();
    let r = &card.rubric;
    let criteria = [
        ("Objective achievement", r.objective_achievement),
        ("Question quality", r.question_quality),
        ("Value articulation", r.value_articulation),
        ("Outcome", r.outcome),
    ]
    .map(|(name, value)| context! { name, value });
    let s = &card.frameworks.spin;
    let spin = [("Situation", &s.situation), ("Problem", &s.problem), ("Implication", &s.implication), ("Need-payoff", &s.need_payoff)]
        .map(|(name, c)| context! { name, count => c.count, evidence => moments(&c.evidence) });
    let meddicc: Vec<_> = card
        .frameworks
        .meddicc
        .elements()
        .into_iter()
        .map(|(name, e)| context! { name => display_name(name), covered => e.covered, evidence => moments(&e.evidence) })
        .collect();
    let objections: Vec<_> = card
        .objections
        .iter()
        .map(|o| {
            let kind = serde_json::to_value(o.objection_type).ok().and_then(|v| v.as_str().map(str::to_string));
            context! { type => kind, start_s => o.start_s, clock => clock(o.start_s), text => &o.text, handled => o.handled }
        })
        .collect();
    let trackers: Vec<_> = card
        .trackers
        .iter()
        .map(|(name, t)| context! { name, count => t.count, evidence => moments(&t.evidence) })
        .collect();
    let html = env.get_template("scorecard.html")?.render(context! {
        card,
        duration => clock(card.clip.duration_s),
        media,
        criteria,
        talk,
        turns => turns(card, input),
        spin,
        meddicc,
        objections,
        next_steps => moments(&card.next_steps.evidence),
        trackers,
    })?;
    Ok(html)
}

#[cfg(test)]
mod tests {
    use crate::{ClipKind, Playbook, analyze, testing};

    #[test]
    fn renders_escaped_self_contained_html_with_seek_links() {
        let input = testing::input(
            ClipKind::Call,
            &[("rep", "What do you use today for <script>alert(1)</script> routing?"), ("customer", "Spreadsheets, and it hurts.")],
        );
        let card = analyze(&input, &Playbook::default());
        let html = super::render_html(&card, &input).unwrap();
        assert!(html.contains("&lt;script&gt;alert(1)&lt;"), "transcript text is escaped");
        assert!(!html.contains("<script>alert(1)"));
        assert!(!html.contains("http://") && !html.contains("https://"), "no network references");
        assert!(html.contains(&format!(r#"<div class="score" id="score">{}<small>"#, card.score)));
        assert!(html.contains(r#"<a class="t" data-t="0.0">00:00</a>"#), "evidence times are seek links: {html}");
        assert!(html.contains("Spreadsheets, and it hurts."));
    }
}
