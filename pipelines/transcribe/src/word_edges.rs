//! Word edges snapped to the sound: whisper's token times (whisper.cpp's timestamp-token heuristic) are
//! often a few tenths of a second off, and early after a pause (a segment starts where the previous one
//! ended). The audio itself shows where sound starts and stops: the words are aligned, in order, to the
//! "islands" of sound between pauses, and take their edges from them.
//!
//! The alignment is a dynamic programme over (word, island): every word covers a run of one or more
//! consecutive islands (a word can hold a stop or a breath inside it), or shares an island with the word
//! before it (connected speech, no pause between them: the edge between them stays whisper's); islands no
//! word covers (noise, a word whisper missed) are skipped at a cost. Cost = a little for the distance of the
//! chosen edges from whisper's, more for changes of that distance from word to word (whisper is off by an
//! amount that drifts slowly). A word whisper placed far from any island keeps its own times.

use crate::{Segment, Word};

const FRAME_S: f64 = 0.01;
/// Sound below this RMS is never an island, whatever the level of the clip (about -46 dBFS).
const ABSOLUTE_FLOOR: f32 = 0.005;
/// ... and below this share of the loud frames' level neither (about -26 dB).
const RELATIVE_FLOOR: f32 = 0.05;
/// Quiet stretches shorter than this do not end an island (stop closures inside words).
const MIN_PAUSE_S: f64 = 0.05;
/// Islands shorter than this are clicks.
const MIN_ISLAND_S: f64 = 0.03;
/// Islands farther than this from a word's times are not candidates for it.
const REACH_S: f64 = 1.5;
/// Longest run of islands one word covers.
const MAX_RUN: usize = 4;
/// Cost of a word sharing an island with the word before it (no pause between them), of each island
/// inside a word's run, and of each island no word covers, in seconds of edge error. Sharing is dear:
/// whisper's edges are often 0.3-0.8 s off, so a cheaper share lets the alignment hop over real pauses
/// (measured on fixtures/timing_words.wav: share 0.15 / 0.4 / 0.8 gave median start error 0.23 / 0.013 /
/// 0.007 s).
const SHARE_COST: f64 = 0.8;
const INNER_COST: f64 = 0.05;
const SKIP_COST: f64 = 0.1;
/// Weights of a start edge's distance from whisper's, and of the change of that distance from the previous
/// word's (see `snap`).
/// (Measured on fixtures/long_30min.wav: weights 1 / 0 (distance only) let runs of words slide one island
/// early where whisper is early by about a word, last-20-words median error 0.546 s; 0.1 / 1 gave 0.006 s.)
const DEVIATION_WEIGHT: f64 = 0.1;
const CHANGE_WEIGHT: f64 = 1.0;
/// A pause inside a word longer than this costs INNER_PAUSE_WEIGHT per second beyond it.
const INNER_PAUSE_S: f64 = 0.12;
const INNER_PAUSE_WEIGHT: f64 = 4.0;

/// Sound islands of `samples`: (start_s, end_s), in order.
pub(crate) fn islands(samples: &[f32], sample_rate: u32) -> Vec<(f64, f64)> {
    let frame = ((sample_rate as f64 * FRAME_S) as usize).max(1);
    let rms: Vec<f32> =
        samples.chunks(frame).map(|c| (c.iter().map(|s| s * s).sum::<f32>() / c.len() as f32).sqrt()).collect();
    let mut sorted = rms.clone();
    sorted.sort_by(f32::total_cmp);
    let loud = sorted.get(sorted.len() * 95 / 100).copied().unwrap_or(0.0);
    let threshold = ABSOLUTE_FLOOR.max(loud * RELATIVE_FLOOR);
    let (min_pause, min_island) = ((MIN_PAUSE_S / FRAME_S).round() as usize, (MIN_ISLAND_S / FRAME_S).round() as usize);
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < rms.len() {
        if rms[i] <= threshold {
            i += 1;
            continue;
        }
        let start = i;
        while i < rms.len() && rms[i] > threshold {
            i += 1;
        }
        match runs.last_mut() {
            Some(last) if start - last.1 < min_pause => last.1 = i,
            _ => runs.push((start, i)),
        }
    }
    let seconds = frame as f64 / sample_rate as f64;
    runs.into_iter()
        .filter(|(a, b)| b - a >= min_island)
        .map(|(a, b)| (a as f64 * seconds, (b as f64 * seconds).min(samples.len() as f64 / sample_rate as f64)))
        .collect()
}

/// Snap the words of `segments` onto `islands`; segment bounds follow their words.
pub(crate) fn snap_segments(segments: &mut [Segment], islands: &[(f64, f64)]) {
    let mut words: Vec<&mut Word> = segments.iter_mut().flat_map(|s| s.words.iter_mut()).collect();
    snap(&mut words, islands);
    for segment in segments.iter_mut() {
        if let (Some(first), Some(last)) = (segment.words.first(), segment.words.last()) {
            (segment.start_s, segment.end_s) = (first.start_s, last.end_s);
        }
    }
}

/// Move the edges of `words` (in time order, times in the clip) onto the islands they were spoken in.
pub(crate) fn snap(words: &mut [&mut Word], islands: &[(f64, f64)]) {
    let n = words.len();
    if n == 0 || islands.is_empty() {
        return;
    }
    // Candidate islands per word: those within reach of its times.
    let candidates: Vec<std::ops::Range<usize>> = words
        .iter()
        .map(|w| {
            let lo = islands.partition_point(|(_, end)| *end < w.start_s - REACH_S);
            let hi = islands.partition_point(|(start, _)| *start <= w.end_s + REACH_S);
            lo..hi.max(lo)
        })
        .collect();
    // best[i]: (word i's first island k, last island l, shares k with the word before) -> cost of words
    // 0..=i, not yet counting word i's end edge (it depends on whether word i+1 shares island l), with the
    // choice before it. A start edge costs a little for its distance from whisper's (DEVIATION_WEIGHT) and
    // more for how much that distance changes from the previous word's (CHANGE_WEIGHT): whisper's times are
    // off by an amount that drifts slowly along a segment, and an alignment that keeps it steady puts each
    // word on its own island instead of sliding a run of words one island early.
    type Key = (usize, usize, bool);
    let start_of = |i: usize, (k, _, shared): Key| {
        if shared { words[i].start_s.clamp(islands[k].0, islands[k].1) } else { islands[k].0 }
    };
    let mut best: Vec<std::collections::BTreeMap<Key, (f64, Option<Key>)>> = Vec::with_capacity(n);
    for i in 0..n {
        let s = words[i].start_s;
        let mut here: std::collections::BTreeMap<Key, (f64, Option<Key>)> = std::collections::BTreeMap::new();
        for k in candidates[i].clone() {
            for l in k..(k + MAX_RUN).min(candidates[i].end) {
                let inner: f64 = (k..l).map(|j| INNER_COST + (islands[j + 1].0 - islands[j].1 - INNER_PAUSE_S).max(0.0) * INNER_PAUSE_WEIGHT).sum();
                if i == 0 {
                    here.insert((k, l, false), ((islands[k].0 - s).abs() * DEVIATION_WEIGHT + inner, None));
                    continue;
                }
                for shared in [false, true] {
                    let key = (k, l, shared);
                    let deviation = start_of(i, key) - s;
                    let mut choice: Option<(f64, Option<Key>)> = None;
                    for (&previous, &(cost, _)) in &best[i - 1] {
                        let (_, pl, _) = previous;
                        let step = if shared {
                            if k != pl {
                                continue;
                            }
                            // The edge between them stays whisper's, which must then lie inside that island.
                            SHARE_COST + outside(words[i - 1].end_s, islands[k]) + outside(s, islands[k])
                        } else if k > pl {
                            let previous_deviation = start_of(i - 1, previous) - words[i - 1].start_s;
                            (islands[pl].1 - words[i - 1].end_s).abs() * DEVIATION_WEIGHT
                                + deviation.abs() * DEVIATION_WEIGHT
                                + (deviation - previous_deviation).abs() * CHANGE_WEIGHT
                                + (k - pl - 1) as f64 * SKIP_COST
                        } else {
                            continue;
                        };
                        let total = cost + step + inner;
                        if choice.is_none_or(|(c, _)| total < c) {
                            choice = Some((total, Some(previous)));
                        }
                    }
                    if let Some(value) = choice {
                        here.insert(key, value);
                    }
                }
            }
        }
        if here.is_empty() {
            // No way to place this word after the previous one: leave the times as whisper gave them.
            tracing::debug!(word = words[i].text, "word edges: no island alignment");
            return;
        }
        best.push(here);
    }
    let Some((&last, _)) = best[n - 1]
        .iter()
        .map(|(key, (cost, _))| (key, cost + (islands[key.1].1 - words[n - 1].end_s).abs() * DEVIATION_WEIGHT))
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(b.0)))
    else {
        return;
    };
    let mut runs = vec![(0usize, 0usize); n];
    let mut key = Some(last);
    for i in (0..n).rev() {
        let k = key.expect("a choice for every word");
        runs[i] = (k.0, k.1);
        key = best[i][&k].1;
    }
    for i in 0..n {
        let (k, l) = runs[i];
        let shares_start = i > 0 && runs[i - 1].1 == k;
        let shares_end = i + 1 < n && runs[i + 1].0 == l;
        let start = if shares_start { words[i].start_s.clamp(islands[k].0, islands[k].1) } else { islands[k].0 };
        let end = if shares_end { words[i].end_s.clamp(islands[l].0, islands[l].1) } else { islands[l].1 };
        let start = if i > 0 { start.max(words[i - 1].end_s) } else { start };
        words[i].start_s = (start * 1000.0).round() / 1000.0;
        words[i].end_s = (end.max(start) * 1000.0).round() / 1000.0;
    }
}

/// How far `t` lies outside `island` (0 inside it).
fn outside(t: f64, island: (f64, f64)) -> f64 {
    (island.0 - t).max(t - island.1).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, start_s: f64, end_s: f64) -> Word {
        Word { start_s, end_s, text: text.into(), probability: 0.9, speaker: None }
    }

    #[test]
    fn islands_are_found_and_short_pauses_bridged() {
        let rate = 16_000u32;
        let mut samples = vec![0.0f32; 16_000]; // 1 s silence
        samples.extend(vec![0.3f32; 8_000]); // 0.5 s sound
        samples.extend(vec![0.0f32; 480]); // 30 ms closure: bridged
        samples.extend(vec![0.3f32; 3_200]); // 0.2 s
        samples.extend(vec![0.0f32; 3_200]); // 0.2 s pause
        samples.extend(vec![0.3f32; 4_800]); // 0.3 s
        let found = islands(&samples, rate);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!((found[0].0 - 1.0).abs() < 0.011 && (found[0].1 - 1.73).abs() < 0.011, "{found:?}");
        assert!((found[1].0 - 1.93).abs() < 0.011 && (found[1].1 - 2.23).abs() < 0.011, "{found:?}");
    }

    #[test]
    fn early_words_move_onto_their_islands_and_connected_words_keep_the_inner_edge() {
        let islands = vec![(1.0, 1.5), (1.8, 2.4), (3.0, 4.0)];
        let mut words =
            vec![word("a", 0.7, 1.2), word("b", 1.3, 2.0), word("c", 2.6, 3.4), word("d", 3.45, 3.9)];
        let mut refs: Vec<&mut Word> = words.iter_mut().collect();
        snap(&mut refs, &islands);
        let times: Vec<(f64, f64)> = words.iter().map(|w| (w.start_s, w.end_s)).collect();
        assert_eq!(times, vec![(1.0, 1.5), (1.8, 2.4), (3.0, 3.4), (3.45, 4.0)]);
    }

    #[test]
    fn a_run_of_words_early_by_about_a_word_keeps_one_island_each() {
        // Five words 0.5 s apart; whisper has the first right and the rest 0.45 s early (nearly on the
        // island before theirs). Distance alone would slide them one island early.
        let islands: Vec<(f64, f64)> = (0..5).map(|i| (1.0 + 0.5 * i as f64, 1.3 + 0.5 * i as f64)).collect();
        let mut words: Vec<Word> = (0..5)
            .map(|i| {
                let early = if i == 0 { 0.0 } else { 0.45 };
                let start = 1.0 + 0.5 * i as f64 - early;
                word(&format!("w{i}"), start, start + 0.3)
            })
            .collect();
        let mut refs: Vec<&mut Word> = words.iter_mut().collect();
        snap(&mut refs, &islands);
        let starts: Vec<f64> = words.iter().map(|w| w.start_s).collect();
        assert_eq!(starts, vec![1.0, 1.5, 2.0, 2.5, 3.0]);
    }
}
