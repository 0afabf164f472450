//! `scorecard.html`: the scorecard for a coach's browser. Self-contained: inline CSS, no scripts from
//! anywhere, media referenced by relative name next to it.

use std::fmt::Write;

use crate::text::clock;
use crate::{Role, Scorecard};

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

pub fn render_html(card: &Scorecard) -> String {
    let m = &card.metrics;
    let mut html = String::with_capacity(8 * 1024);
    let _ = write!(
        html,
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Scorecard {id}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}}
h1{{font-size:1.4em}} table{{border-collapse:collapse}} td,th{{padding:.25em .8em;border-bottom:1px solid #ddd;text-align:left}}
.bar{{display:flex;height:1.4em;border-radius:4px;overflow:hidden;background:#eee}} .rep{{background:#2b6cb0}} .customer{{background:#dd6b20}}
.feedback{{background:#f7fafc;border-left:4px solid #2b6cb0;padding:.5em 1em}} .pending{{color:#777;font-size:.9em}}
video,img{{max-width:100%}}
</style></head><body>
<h1>Scorecard — {kind:?} {id}</h1>
<p>{duration} long · language {lang} · score <b>{score}</b>/100</p>
"#,
        id = escape(&card.clip.id),
        kind = card.clip.kind,
        duration = clock(card.clip.duration_s),
        lang = escape(&card.clip.language),
        score = card.score,
    );
    if card.artifacts.contains_key("video.mp4") {
        let poster = if card.artifacts.contains_key("poster.jpg") { r#" poster="poster.jpg""# } else { "" };
        let _ = write!(html, r#"<video id="video" controls preload="metadata"{poster} src="video.mp4"></video>"#);
    } else if card.artifacts.contains_key("poster.jpg") {
        html.push_str(r#"<img src="poster.jpg" alt="poster frame">"#);
    }
    let _ = write!(
        html,
        r#"<h2>Feedback</h2><div class="feedback"><p><b>Strength:</b> {}</p><p><b>To improve:</b> {}</p></div>"#,
        escape(&card.feedback.strength),
        escape(&card.feedback.improvement)
    );
    html.push_str("<h2>Talk time</h2><div class=\"bar\">");
    let total: f64 = card.speakers.iter().map(|s| s.talk_s).sum();
    for speaker in &card.speakers {
        let class = match speaker.role {
            Role::Rep => "rep",
            Role::Customer => "customer",
            Role::Unknown => "unknown",
        };
        let share = if total > 0.0 { speaker.talk_s / total * 100.0 } else { 0.0 };
        let _ = write!(html, r#"<div class="{class}" style="width:{share:.1}%" title="{} {share:.0}%"></div>"#, escape(&speaker.id));
    }
    html.push_str("</div><table><tr><th>speaker</th><th>role</th><th>talk</th><th>words</th></tr>");
    for s in &card.speakers {
        let _ = write!(html, "<tr><td>{}</td><td>{:?}</td><td>{:.1} s</td><td>{}</td></tr>", escape(&s.id), s.role, s.talk_s, s.words);
    }
    let _ = write!(
        html,
        "</table><h2>Metrics</h2><table>\
<tr><td>talk ratio (rep)</td><td>{:.0}%</td></tr>\
<tr><td>longest monologue</td><td>{:.1} s</td></tr>\
<tr><td>longest customer story</td><td>{:.1} s</td></tr>\
<tr><td>pace</td><td>{:.0} words/min</td></tr>\
<tr><td>speaker switches</td><td>{:.1} /min</td></tr>\
<tr><td>patience</td><td>{:.2} s</td></tr>\
<tr><td>silence</td><td>{:.0}%</td></tr>\
<tr><td>fillers</td><td>{} ({:.1} /min)</td></tr>\
<tr><td>questions</td><td>rep {} · customer {} · open {} · closed {}</td></tr></table>",
        m.talk_ratio * 100.0,
        m.longest_monologue_s,
        m.longest_customer_story_s,
        m.words_per_minute,
        m.switches_per_minute,
        m.patience_s,
        m.silence_ratio * 100.0,
        m.fillers.count,
        m.fillers.per_minute,
        m.questions.rep,
        m.questions.customer,
        m.questions.open,
        m.questions.closed
    );
    if !m.fillers.by_word.is_empty() {
        html.push_str("<h3>Fillers by word</h3><ul>");
        for (word, n) in &m.fillers.by_word {
            let _ = write!(html, "<li>{} × {n}</li>", escape(word));
        }
        html.push_str("</ul>");
    }
    if !card.analysis.pending.is_empty() {
        let _ = write!(html, r#"<p class="pending">Not analysed yet: {}.</p>"#, escape(&card.analysis.pending.join(", ")));
    }
    for note in &card.analysis.notes {
        let _ = write!(html, r#"<p class="pending">Note: {}</p>"#, escape(note));
    }
    html.push_str("</body></html>\n");
    html
}
