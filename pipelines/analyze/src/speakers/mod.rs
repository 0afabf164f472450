//! Who spoke when in a mono recording of two people, with no downloaded model.
//!
//! The audio is cut into voiced segments (split at short silences); each gets a voice description
//! (median pitch and mean MFCCs, see [`features`]); a duration-weighted 2-means splits them into two
//! voices, and each word takes its segment's voice. The rep
//! is then the voice that opens the call and asks more questions ([`assign_roles`]).

mod features;

use features::{Extractor, MFCCS, VoiceFeatures};

use crate::{AnalysisInput, ClipFacts, ClipKind, Playbook, Role, SpeakerLabel, SpokenWord};

/// A silence at least this long may be a change of speaker.
const SEGMENT_GAP_S: f64 = 0.3;
/// The quieter voice must hold at least this share of speech, or the clip is one voice.
const MIN_MINOR_SHARE: f64 = 0.08;
/// The two voices' centres must lie at least this far apart, in within-voice spreads.
const MIN_SEPARATION: f64 = 1.0;
/// Pitch counts as much as all MFCCs together.
const PITCH_WEIGHT: f64 = 3.5;

/// For each word (in input order), which of two voices spoke it (0 or 1; 0 opens the clip).
/// `None` when the audio does not show two distinct voices.
///
/// The stretches clustered are voiced segments of the audio itself (split at short silences), not word
/// runs: the recogniser stretches word times over the pause at a change of speaker.
pub fn diarize(words: &[SpokenWord], samples: &[f32], sample_rate: u32) -> Option<Vec<usize>> {
    if words.is_empty() {
        return None;
    }
    let overlaps = |(a, b): (f64, f64), w: &SpokenWord| (b.min(w.end_s) - a.max(w.start_s)).max(0.0);
    let segments: Vec<(f64, f64)> = voiced_segments(samples, sample_rate)
        .into_iter()
        .filter(|seg| words.iter().any(|w| overlaps(*seg, w) > 0.0))
        .collect();
    let extractor = Extractor::new(sample_rate);
    let described: Vec<Option<(Vec<f64>, f64)>> = segments
        .iter()
        .map(|(start, end)| {
            let (a, b) = ((start * sample_rate as f64) as usize, ((end * sample_rate as f64) as usize).min(samples.len()));
            let features = extractor.features(samples.get(a..b)?)?;
            Some((vector(&features), end - start))
        })
        .collect();
    let points: Vec<(&Vec<f64>, f64)> = described.iter().flatten().map(|(v, w)| (v, *w)).collect();
    if points.len() < 2 {
        return None;
    }
    let labels = two_means(&standardize(&points))?;
    let mut next = labels.into_iter();
    let segment_labels: Vec<Option<usize>> =
        described.iter().map(|d| d.as_ref().map(|_| next.next().expect("one label per described segment"))).collect();

    // Each word takes the label of the described segment it overlaps most, else the nearest one.
    let labelled: Vec<((f64, f64), usize)> =
        segments.iter().zip(&segment_labels).filter_map(|(seg, l)| l.map(|l| (*seg, l))).collect();
    let per_word: Vec<usize> = words
        .iter()
        .map(|w| {
            let mid = 0.5 * (w.start_s + w.end_s);
            labelled
                .iter()
                .max_by(|a, b| {
                    let key = |(seg, _): &((f64, f64), usize)| (overlaps(*seg, w), -(0.5 * (seg.0 + seg.1) - mid).abs());
                    key(a).partial_cmp(&key(b)).unwrap_or(std::cmp::Ordering::Equal)
                })
                .map(|(_, l)| *l)
                .unwrap_or(0)
        })
        .collect();
    // Voice 0 is whoever opens the clip.
    let first = (0..words.len()).min_by(|a, b| words[*a].start_s.total_cmp(&words[*b].start_s))?;
    let opener = per_word[first];
    Some(per_word.into_iter().map(|l| if l == opener { 0 } else { 1 }).collect())
}

/// Voiced stretches of the audio: 10 ms frames above a level relative to the loud frames, joined
/// across gaps shorter than [`SEGMENT_GAP_S`].
fn voiced_segments(samples: &[f32], sample_rate: u32) -> Vec<(f64, f64)> {
    let frame = (sample_rate as usize / 100).max(1);
    let rms: Vec<f32> =
        samples.chunks(frame).map(|c| (c.iter().map(|s| s * s).sum::<f32>() / c.len() as f32).sqrt()).collect();
    let mut sorted = rms.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let loud = sorted.get(sorted.len() * 95 / 100).copied().unwrap_or(0.0);
    let threshold = (loud * 0.05).max(0.002);
    let mut segments: Vec<(f64, f64)> = Vec::new();
    for (i, level) in rms.iter().enumerate() {
        if *level < threshold {
            continue;
        }
        let (start, end) = (i as f64 * 0.01, (i + 1) as f64 * 0.01);
        match segments.last_mut() {
            Some(last) if start - last.1 < SEGMENT_GAP_S => last.1 = end,
            _ => segments.push((start, end)),
        }
    }
    segments.retain(|(a, b)| b - a >= 0.1);
    segments
}

fn vector(f: &VoiceFeatures) -> Vec<f64> {
    std::iter::once(f.log_pitch as f64).chain(f.mfcc.iter().map(|c| *c as f64)).collect()
}

/// Z-score every dimension (duration-weighted), then weight pitch against the MFCC group.
fn standardize(points: &[(&Vec<f64>, f64)]) -> Vec<(Vec<f64>, f64)> {
    let dims = points[0].0.len();
    let total: f64 = points.iter().map(|(_, w)| w).sum();
    let mut out: Vec<(Vec<f64>, f64)> = points.iter().map(|(v, w)| ((*v).clone(), *w)).collect();
    for d in 0..dims {
        let mean = points.iter().map(|(v, w)| v[d] * w).sum::<f64>() / total;
        let var = points.iter().map(|(v, w)| (v[d] - mean).powi(2) * w).sum::<f64>() / total;
        let scale = if d == 0 { PITCH_WEIGHT } else { 1.0 / (MFCCS as f64).sqrt() };
        for (v, _) in &mut out {
            v[d] = (v[d] - mean) / var.sqrt().max(1e-9) * scale;
        }
    }
    out
}

fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>().sqrt()
}

/// Duration-weighted 2-means with a deterministic start: the lower and upper halves of the
/// duration-weighted pitch distribution (seeding from the farthest point picked lone outliers). `None`
/// when the split is not two distinct voices.
fn two_means(points: &[(Vec<f64>, f64)]) -> Option<Vec<usize>> {
    let dims = points[0].0.len();
    let mut by_pitch: Vec<&(Vec<f64>, f64)> = points.iter().collect();
    by_pitch.sort_by(|a, b| a.0[0].total_cmp(&b.0[0]));
    let total: f64 = points.iter().map(|(_, w)| w).sum();
    let mut seen = 0.0;
    let split = by_pitch.iter().position(|(_, w)| {
        seen += w;
        seen >= total / 2.0
    })?;
    let mean = |group: &[&(Vec<f64>, f64)]| {
        let weight: f64 = group.iter().map(|(_, w)| w).sum::<f64>().max(f64::EPSILON);
        (0..dims).map(|d| group.iter().map(|(v, w)| v[d] * w).sum::<f64>() / weight).collect::<Vec<f64>>()
    };
    let (low, high) = by_pitch.split_at((split + 1).min(by_pitch.len() - 1));
    let mut centres = [mean(low), mean(high)];
    let mut labels = vec![0usize; points.len()];
    for _ in 0..50 {
        let new: Vec<usize> =
            points.iter().map(|(v, _)| if distance(v, &centres[0]) <= distance(v, &centres[1]) { 0 } else { 1 }).collect();
        let changed = new != labels;
        labels = new;
        for (c, centre) in centres.iter_mut().enumerate() {
            let members: Vec<&(Vec<f64>, f64)> = points.iter().zip(&labels).filter(|(_, l)| **l == c).map(|(p, _)| p).collect();
            let weight: f64 = members.iter().map(|(_, w)| w).sum();
            if weight > 0.0 {
                *centre = (0..dims).map(|d| members.iter().map(|(v, w)| v[d] * w).sum::<f64>() / weight).collect();
            }
        }
        if !changed {
            break;
        }
    }
    let weight_of = |c: usize| points.iter().zip(&labels).filter(|(_, l)| **l == c).map(|(p, _)| p.1).sum::<f64>();
    if weight_of(0).min(weight_of(1)) < MIN_MINOR_SHARE * total {
        return None;
    }
    let spread = (points.iter().zip(&labels).map(|((v, w), l)| distance(v, &centres[*l]).powi(2) * w).sum::<f64>() / total).sqrt();
    (distance(&centres[0], &centres[1]) >= MIN_SEPARATION * spread).then_some(labels)
}

/// Label two voices as rep and customer: the rep opens the call (usually) and asks more questions.
/// `voices[i]` is word i's voice (0 or 1). Returns the words relabelled "rep"/"customer" and the labels.
pub fn assign_roles(words: &[SpokenWord], voices: &[usize], duration_s: f64, playbook: &Playbook) -> (Vec<SpokenWord>, Vec<SpeakerLabel>) {
    let ids = ["voice_0", "voice_1"];
    let tagged: Vec<SpokenWord> =
        words.iter().zip(voices).map(|(w, v)| SpokenWord { speaker: ids[*v].to_string(), ..w.clone() }).collect();
    let probe = AnalysisInput {
        clip: ClipFacts { id: String::new(), kind: ClipKind::Call, duration_s, language: String::new() },
        speakers: ids.iter().map(|id| SpeakerLabel { id: id.to_string(), role: Role::Unknown }).collect(),
        words: tagged.clone(),
    };
    let ordered = probe.words_in_time_order();
    let sentences = crate::text::sentences(&ordered);
    let questions = crate::questions::find(&sentences, &probe, playbook);
    let asked = |id: &str| questions.all.iter().filter(|q| q.sentence.speaker() == id).count() as f64;
    // Opening the call is worth one and a half questions.
    let rep_voice = if asked(ids[0]) + 1.5 >= asked(ids[1]) { 0 } else { 1 };
    let role_of = |voice: usize| if voice == rep_voice { ("rep", Role::Rep) } else { ("customer", Role::Customer) };
    let relabelled = words.iter().zip(voices).map(|(w, v)| SpokenWord { speaker: role_of(*v).0.to_string(), ..w.clone() }).collect();
    let labels = [rep_voice, 1 - rep_voice].map(|v| SpeakerLabel { id: role_of(v).0.to_string(), role: role_of(v).1 }).to_vec();
    (relabelled, labels)
}
