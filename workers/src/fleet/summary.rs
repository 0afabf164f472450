//! The team summary of a batch for enablement teams: one row per clip (score and key metrics, or
//! why it failed) and per-rep averages, written to the store as `batches/<batch-id>/summary.json`,
//! `clips.csv` and `reps.csv`.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use crate::fleet::status::{ClipStatus, State, scorecard_key};
use crate::storage::Storage;

/// One clip of the batch.
#[derive(Debug, Clone, Serialize)]
pub struct ClipRow {
    pub clip_id: String,
    pub rep_id: String,
    pub kind: String,
    pub source_key: String,
    pub state: State,
    pub score: Option<f64>,
    pub duration_s: Option<f64>,
    pub talk_ratio: Option<f64>,
    pub words_per_minute: Option<f64>,
    pub fillers_per_minute: Option<f64>,
    pub rep_questions: Option<f64>,
    pub next_steps_agreed: Option<bool>,
    /// The dead-lettered stage's error, for failed clips.
    pub error: Option<String>,
}

/// Averages over one rep's finished clips.
#[derive(Debug, Clone, Serialize)]
pub struct RepRow {
    pub rep_id: String,
    pub clips: usize,
    pub done: usize,
    pub failed: usize,
    pub mean_score: Option<f64>,
    pub mean_talk_ratio: Option<f64>,
    pub mean_words_per_minute: Option<f64>,
    pub mean_fillers_per_minute: Option<f64>,
    pub mean_rep_questions: Option<f64>,
    /// Share of the rep's finished clips with an agreed next step.
    pub next_steps_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TeamSummary {
    pub batch_id: String,
    pub created_at: u64,
    pub clips: Vec<ClipRow>,
    pub reps: Vec<RepRow>,
}

/// Where a batch's summary files are.
pub fn summary_prefix(batch_id: &str) -> String {
    format!("batches/{batch_id}")
}

/// Rep id of clips submitted without one.
const NO_REP: &str = "(none)";

fn number(value: &serde_json::Value, path: &[&str]) -> Option<f64> {
    path.iter().try_fold(value, |v, key| v.get(key))?.as_f64()
}

/// Read each finished clip's scorecard and build the summary.
pub async fn build(storage: &Storage, batch_id: &str, statuses: &[ClipStatus]) -> Result<TeamSummary> {
    let mut clips = Vec::new();
    for status in statuses {
        let scorecard = if status.state == State::Done {
            Some(serde_json::from_slice::<serde_json::Value>(&storage.get(&scorecard_key(&status.clip_id)).await?)?)
        } else {
            None
        };
        let s = scorecard.as_ref();
        clips.push(ClipRow {
            clip_id: status.clip_id.clone(),
            rep_id: status.request.rep_id.clone().unwrap_or_else(|| NO_REP.into()),
            kind: serde_json::to_value(status.request.kind)?.as_str().unwrap_or_default().to_string(),
            source_key: status.request.source_key.clone(),
            state: status.state,
            score: s.and_then(|s| number(s, &["score"])),
            duration_s: s.and_then(|s| number(s, &["clip", "duration_s"])),
            talk_ratio: s.and_then(|s| number(s, &["metrics", "talk_ratio"])),
            words_per_minute: s.and_then(|s| number(s, &["metrics", "words_per_minute"])),
            fillers_per_minute: s.and_then(|s| number(s, &["metrics", "fillers", "per_minute"])),
            rep_questions: s.and_then(|s| number(s, &["metrics", "questions", "rep"])),
            next_steps_agreed: s.and_then(|s| s.get("next_steps")?.get("agreed")?.as_bool()),
            error: status.stages.iter().find_map(|st| st.error.clone()),
        });
    }
    let mut by_rep: BTreeMap<&str, Vec<&ClipRow>> = BTreeMap::new();
    for row in &clips {
        by_rep.entry(row.rep_id.as_str()).or_default().push(row);
    }
    let reps = by_rep
        .into_iter()
        .map(|(rep, rows)| {
            let done: Vec<&&ClipRow> = rows.iter().filter(|r| r.state == State::Done).collect();
            let mean = |f: &dyn Fn(&ClipRow) -> Option<f64>| {
                let values: Vec<f64> = done.iter().filter_map(|r| f(r)).collect();
                (!values.is_empty()).then(|| round(values.iter().sum::<f64>() / values.len() as f64))
            };
            RepRow {
                rep_id: rep.to_string(),
                clips: rows.len(),
                done: done.len(),
                failed: rows.iter().filter(|r| r.state == State::Failed).count(),
                mean_score: mean(&|r| r.score),
                mean_talk_ratio: mean(&|r| r.talk_ratio),
                mean_words_per_minute: mean(&|r| r.words_per_minute),
                mean_fillers_per_minute: mean(&|r| r.fillers_per_minute),
                mean_rep_questions: mean(&|r| r.rep_questions),
                next_steps_rate: mean(&|r| r.next_steps_agreed.map(|a| if a { 1.0 } else { 0.0 })),
            }
        })
        .collect();
    let created_at =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    Ok(TeamSummary { batch_id: batch_id.to_string(), created_at, clips, reps })
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn csv_of<T: Serialize>(rows: &[T]) -> Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.serialize(row)?;
    }
    Ok(writer.into_inner()?)
}

/// Write `summary.json`, `clips.csv` and `reps.csv`; returns the JSON's key.
pub async fn write(storage: &Storage, summary: &TeamSummary) -> Result<String> {
    let prefix = summary_prefix(&summary.batch_id);
    storage.put(&format!("{prefix}/clips.csv"), csv_of(&summary.clips)?).await?;
    storage.put(&format!("{prefix}/reps.csv"), csv_of(&summary.reps)?).await?;
    let key = format!("{prefix}/summary.json");
    storage.put(&key, serde_json::to_vec_pretty(summary)?).await?;
    Ok(key)
}
