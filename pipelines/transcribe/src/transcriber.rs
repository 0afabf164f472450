use std::path::{Path, PathBuf};

use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState};

use crate::speech_only::SpeechOnly;
use crate::voice_activity::detect_voice_activity;
use crate::word_edges;
use crate::{SAMPLE_RATE, Segment, TranscribeError, Transcript, Word};

/// How to decode. Defaults: greedy, all available cores, no prompt, English, encoder window fitted
/// to the audio.
#[derive(Debug, Clone)]
pub struct DecodeOptions {
    pub threads: usize,
    /// `Some(n)` for beam search of width n; `None` for greedy decoding.
    pub beam_size: Option<usize>,
    /// Text the decoder sees as preceding context (steers style, e.g. keeping disfluencies), given to
    /// whisper sentence by sentence between nominal timestamps (`Transcriber::timed_prompt`).
    pub initial_prompt: Option<String>,
    /// Language code, or `None` to detect it (multilingual models only).
    pub language: Option<String>,
    /// Decode the speech in windows of at most 30 s cut at pauses, each with an encoder context
    /// (whisper.cpp's `audio_ctx`) sized to it, instead of always encoding a full 30 s window.
    pub fit_encoder_window: bool,
    /// Move word edges onto the pauses in the audio (`word_edges`): whisper's own word times are often a
    /// few tenths of a second off, and early after a pause.
    pub snap_word_edges: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self {
            threads: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            beam_size: None,
            initial_prompt: None,
            language: Some("en".into()),
            fit_encoder_window: true,
            snap_word_edges: true,
        }
    }
}

impl DecodeOptions {
    /// A prompt written with disfluencies: whisper imitates the style of the text before it, and
    /// keeps the "um"s and "uh"s it would otherwise clean away.
    pub const FILLER_PROMPT: &'static str = "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking.";

    /// These options with [`DecodeOptions::FILLER_PROMPT`] as the initial prompt.
    pub fn keeping_fillers(mut self) -> Self {
        self.initial_prompt = Some(Self::FILLER_PROMPT.to_string());
        self
    }
}

/// A loaded whisper model, shared by every job of a worker.
pub struct Transcriber {
    context: WhisperContext,
    model_path: PathBuf,
}

/// Segments whisper itself thinks are probably not speech, and decodes with low confidence, are dropped.
const NO_SPEECH_PROBABILITY_LIMIT: f32 = 0.6;
const LOW_LOG_PROBABILITY: f64 = -1.0;

impl Transcriber {
    pub fn load(model_path: &Path) -> Result<Self, TranscribeError> {
        if !model_path.is_file() {
            return Err(TranscribeError::ModelMissing(model_path.to_path_buf()));
        }
        // Route whisper.cpp's and ggml's own logging away from stderr (they print a screenful per load).
        whisper_rs::install_logging_hooks();
        // Flash attention stays off: on this CPU it made decoding slower (docs/performance.md), and it
        // cannot be combined with DTW timestamps.
        let context = WhisperContext::new_with_params(model_path, WhisperContextParameters::default()).map_err(|e| {
            TranscribeError::ModelLoad { path: model_path.to_path_buf(), message: e.to_string() }
        })?;
        Ok(Self { context, model_path: model_path.to_path_buf() })
    }

    pub fn model_path(&self) -> &Path {
        &self.model_path
    }

    pub fn is_multilingual(&self) -> bool {
        self.context.is_multilingual()
    }

    /// Transcribe 16 kHz mono samples. Silence yields an empty transcript without running the model.
    pub fn transcribe(&self, samples: &[f32], options: &DecodeOptions) -> Result<Transcript, TranscribeError> {
        let activity = detect_voice_activity(samples, SAMPLE_RATE);
        let default_language = if self.is_multilingual() { String::new() } else { "en".to_string() };
        if activity.is_silent() {
            return Ok(Transcript { language: default_language, segments: Vec::new() });
        }

        let language = if self.is_multilingual() { options.language.as_deref() } else { Some("en") };
        let prompt = match &options.initial_prompt {
            Some(text) => Some(self.timed_prompt(text)?),
            None => None,
        };
        let mut state = self.context.create_state().map_err(|e| TranscribeError::Decode(e.to_string()))?;
        let speech = SpeechOnly::new(samples, SAMPLE_RATE, &activity);
        let windows: Vec<std::ops::Range<usize>> = if options.fit_encoder_window {
            speech.windows(SAMPLE_RATE, WINDOW_S)
        } else {
            std::iter::once(0..speech.samples.len()).collect()
        };
        let mut detected_language = None;
        let mut segments = Vec::new();
        for window in windows {
            let offset_s = window.start as f64 / SAMPLE_RATE as f64;
            let mut input = speech.samples[window].to_vec();
            // whisper.cpp refuses input shorter than a second; pad with silence.
            if input.len() < MIN_INPUT_SAMPLES {
                input.resize(MIN_INPUT_SAMPLES, 0.0);
            }
            let audio_ctx = if options.fit_encoder_window { encoder_context(input.len()) } else { 0 };
            let params = decode_params(options, language, audio_ctx, prompt.as_deref());
            let started = std::time::Instant::now();
            state.full(params, &input).map_err(|e| TranscribeError::Decode(e.to_string()))?;
            tracing::debug!(
                window_s = input.len() as f64 / SAMPLE_RATE as f64,
                audio_ctx,
                seconds = started.elapsed().as_secs_f64(),
                "decoded a window"
            );
            if language.is_none() && detected_language.is_none() {
                detected_language = whisper_rs::get_lang_str(state.full_lang_id_from_state()).map(str::to_string);
            }
            self.collect_segments(&state, &speech, offset_s, input.len() as f64 / SAMPLE_RATE as f64, &mut segments);
        }
        if options.snap_word_edges {
            let islands = word_edges::islands(samples, SAMPLE_RATE);
            word_edges::snap_segments(&mut segments, &islands);
        }
        let language = match language {
            Some(code) => code.to_string(),
            None => detected_language.unwrap_or_default(),
        };
        Ok(Transcript { language, segments })
    }

    /// The prompt as whisper's own context looks: each sentence between timestamp tokens
    /// (`<|0.00|> Umm, let me think like, hmm...<|2.40|><|2.40|> Okay, ...<|5.60|>`).
    ///
    /// Whisper was trained with the previous window's tokens, timestamps included, as its context. Given
    /// plain text instead, tiny.en stops emitting timestamps: each window decodes as one untimed segment,
    /// its words are spread over 30 s and whisper.cpp skips the rest of the window at the first
    /// end-of-text (docs/performance.md, "Keeping fillers"). The times given here are nominal: a sentence
    /// lasts `PROMPT_SECONDS_PER_WORD` per word.
    fn timed_prompt(&self, text: &str) -> Result<Vec<std::ffi::c_int>, TranscribeError> {
        let timestamp = |seconds: f64| self.context.token_beg() + (seconds / 0.02).round() as i32;
        let mut tokens = Vec::new();
        let mut at_s = 0.0;
        for sentence in sentences(text) {
            let words = sentence.split_whitespace().count() as f64;
            let end_s = (at_s + words * PROMPT_SECONDS_PER_WORD).min(WINDOW_S);
            let text_tokens = self
                .context
                .tokenize(&format!(" {sentence}"), MAX_PROMPT_TOKENS)
                .map_err(|e| TranscribeError::Decode(format!("cannot tokenize the prompt: {e}")))?;
            tokens.push(timestamp(at_s));
            tokens.extend(text_tokens);
            tokens.push(timestamp(end_s));
            at_s = end_s;
        }
        Ok(tokens)
    }

    /// Turn the decoded segments of one window into words with original times, appended to `segments`.
    /// `window_s` is the window's length: a segment that whisper ends beyond it had no closing timestamp
    /// (its token times are then spread over a whole 30 s window; see docs/performance.md, "Keeping
    /// fillers").
    fn collect_segments(
        &self,
        state: &WhisperState,
        speech: &SpeechOnly,
        offset_s: f64,
        window_s: f64,
        segments: &mut Vec<Segment>,
    ) {
        let end_of_text = self.context.token_eot();
        for segment in state.as_iter() {
            let mut words: Vec<WordBuilder> = Vec::new();
            let mut log_probability_sum = 0.0f64;
            let mut token_count = 0usize;
            for index in 0..segment.n_tokens() {
                let Some(token) = segment.get_token(index) else { continue };
                if token.token_id() >= end_of_text {
                    continue; // special tokens: timestamps, language, task
                }
                let data = token.token_data();
                let bytes = token.to_bytes().unwrap_or_default();
                log_probability_sum += data.plog as f64;
                token_count += 1;
                let (start_s, end_s) = (offset_s + data.t0 as f64 / 100.0, offset_s + data.t1 as f64 / 100.0);
                let starts_word = bytes.first() == Some(&b' ') || words.is_empty();
                let is_punctuation = bytes.iter().all(|b| b.is_ascii_punctuation());
                if starts_word && !(is_punctuation && !words.is_empty()) {
                    words.push(WordBuilder { bytes: Vec::new(), start_s, end_s, probabilities: Vec::new() });
                }
                let word = words.last_mut().expect("a word was just started");
                word.bytes.extend_from_slice(bytes);
                word.end_s = word.end_s.max(end_s);
                if !is_punctuation {
                    word.probabilities.push(data.p as f64);
                }
            }
            let mean_log_probability = if token_count > 0 { log_probability_sum / token_count as f64 } else { f64::MIN };
            let not_speech =
                segment.no_speech_probability() > NO_SPEECH_PROBABILITY_LIMIT && mean_log_probability < LOW_LOG_PROBABILITY;
            let (start_s, end_s) = (segment.start_timestamp() as f64 / 100.0, segment.end_timestamp() as f64 / 100.0);
            tracing::debug!(
                window_start_s = offset_s,
                start_s,
                end_s,
                untimed = end_s > window_s + 1.0,
                no_speech_probability = segment.no_speech_probability(),
                mean_log_probability,
                dropped = not_speech,
                text = segment.to_str_lossy().unwrap_or_default().as_ref(),
                "decoded a segment (times in the window)"
            );
            if not_speech {
                continue;
            }
            // Map times back; words from different speech spans go to separate segments.
            let mut groups: Vec<(usize, Vec<Word>)> = Vec::new();
            let mut finished: Vec<Word> = words.into_iter().filter_map(WordBuilder::finish).collect();
            drop_annotations(&mut finished);
            for mut word in finished {
                let (start_s, end_s, span) = speech.to_original(word.start_s, word.end_s);
                (word.start_s, word.end_s) = (start_s, end_s);
                match groups.last_mut() {
                    Some((last, group)) if *last == span => group.push(word),
                    _ => groups.push((span, vec![word])),
                }
            }
            for (_, mut words) in groups {
                drop_repeated_tail(&mut words);
                let text = words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ");
                if is_repeat(segments.last(), &text) {
                    tracing::debug!(text, "dropped a repeated segment");
                    continue;
                }
                segments.push(Segment {
                    start_s: words[0].start_s,
                    end_s: words[words.len() - 1].end_s,
                    text,
                    speaker: None,
                    words,
                });
            }
        }
    }
}

/// Whisper sometimes emits a sentence again, word for word, right after itself (most often at the end of
/// a window, and more with an initial prompt). A segment of three or more words that repeats the one
/// before it is such a loop, not speech.
fn is_repeat(previous: Option<&Segment>, text: &str) -> bool {
    let words = crate::wer::normalise(text);
    words.len() >= 3 && previous.is_some_and(|p| crate::wer::normalise(&p.text) == words)
}

/// Drop whisper's descriptions of non-speech sound, which nobody said: a run of words from one that opens
/// with `[` or `(` to the one that closes it ("[wind blowing]", "(music)", "[BLANK_AUDIO]"), and words
/// made only of music notes or asterisks.
fn drop_annotations(words: &mut Vec<Word>) {
    let mut inside: Option<char> = None;
    words.retain(|word| {
        let text = word.text.trim();
        let closes = |close: char| text.trim_end_matches(|c: char| c.is_ascii_punctuation() && c != close).ends_with(close);
        if let Some(close) = inside {
            if closes(close) {
                inside = None;
            }
            return false;
        }
        let open = match text.chars().next() {
            Some('[') => Some(']'),
            Some('(') => Some(')'),
            _ => None,
        };
        if let Some(close) = open {
            if !closes(close) {
                inside = Some(close);
            }
            return false;
        }
        !text.chars().all(|c| matches!(c, '♪' | '♫' | '*') || c.is_whitespace())
    });
}

/// Drop a loop inside a segment: while its last k >= 3 words repeat the k before them, the repeat goes.
fn drop_repeated_tail(words: &mut Vec<Word>) {
    let normalised: Vec<String> = words.iter().map(|w| crate::wer::normalise(&w.text).join(" ")).collect();
    let mut len = normalised.len();
    'shrink: loop {
        for k in (3..=len / 2).rev() {
            if normalised[len - 2 * k..len - k] == normalised[len - k..len] {
                len -= k;
                continue 'shrink;
            }
        }
        break;
    }
    if len < words.len() {
        tracing::debug!(dropped = words.len() - len, "dropped a repetition loop");
        words.truncate(len);
    }
}

/// Longest window decoded with one encoder pass (whisper's fixed window).
const WINDOW_S: f64 = 30.0;
const MIN_INPUT_SAMPLES: usize = SAMPLE_RATE as usize + SAMPLE_RATE as usize / 10;
/// Encoder positions per second of audio (whisper: 100 mel frames a second, halved by the conv stride).
const ENCODER_FRAMES_PER_S: usize = 50;
/// Positions a full window has.
const FULL_ENCODER_CONTEXT: usize = 1500;
/// Silence the encoder sees after the audio, so the decoder finds its end (in positions: 1 s).
const ENCODER_CONTEXT_MARGIN: usize = 50;

/// The encoder context for `samples` of audio: its length plus a margin, at most a full window
/// (0 = whisper's default, the full window, for anything longer).
fn encoder_context(samples: usize) -> i32 {
    let needed = samples.div_ceil(SAMPLE_RATE as usize / ENCODER_FRAMES_PER_S) + ENCODER_CONTEXT_MARGIN;
    if needed >= FULL_ENCODER_CONTEXT { 0 } else { needed as i32 }
}

/// Nominal length of a prompt word, for the prompt's timestamps (about 150 words a minute).
const PROMPT_SECONDS_PER_WORD: f64 = 0.4;
/// Whisper keeps at most half its 448-token text context as prompt.
const MAX_PROMPT_TOKENS: usize = 224;

/// The sentences of `text`: split after `.`, `?` or `!` (runs such as "..." included) and whitespace.
fn sentences(text: &str) -> Vec<&str> {
    let mut sentences = Vec::new();
    let mut start = 0;
    let mut previous: Option<char> = None;
    for (at, c) in text.char_indices() {
        if c.is_whitespace() && matches!(previous, Some('.' | '?' | '!')) {
            sentences.push(text[start..at].trim());
            start = at;
        }
        previous = Some(c);
    }
    sentences.push(text[start..].trim());
    sentences.retain(|s| !s.is_empty());
    sentences
}

fn decode_params<'a>(
    options: &'a DecodeOptions,
    language: Option<&'a str>,
    audio_ctx: i32,
    prompt: Option<&'a [std::ffi::c_int]>,
) -> FullParams<'a, 'a> {
    let strategy = match options.beam_size {
        Some(beam_size) => SamplingStrategy::BeamSearch { beam_size: beam_size as i32, patience: -1.0 },
        None => SamplingStrategy::Greedy { best_of: 1 },
    };
    let mut params = FullParams::new(strategy);
    params.set_n_threads(options.threads.max(1) as i32);
    params.set_token_timestamps(true);
    params.set_print_progress(false);
    params.set_print_realtime(false);
    params.set_print_special(false);
    params.set_print_timestamps(false);
    params.set_audio_ctx(audio_ctx);
    params.set_language(language.or(Some("auto")));
    if let Some(prompt) = prompt {
        params.set_tokens(prompt);
    }
    params
}

struct WordBuilder {
    bytes: Vec<u8>,
    start_s: f64,
    end_s: f64,
    probabilities: Vec<f64>,
}

impl WordBuilder {
    fn finish(self) -> Option<Word> {
        let text = String::from_utf8_lossy(&self.bytes).trim().to_string();
        if text.is_empty() || text.chars().all(|c| c.is_ascii_punctuation()) {
            return None;
        }
        let probability = if self.probabilities.is_empty() {
            0.0
        } else {
            self.probabilities.iter().sum::<f64>() / self.probabilities.len() as f64
        };
        Some(Word { start_s: self.start_s, end_s: self.end_s.max(self.start_s), text, probability, speaker: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<Word> {
        text.split(' ')
            .enumerate()
            .map(|(i, t)| Word { start_s: i as f64, end_s: i as f64 + 0.5, text: t.into(), probability: 0.9, speaker: None })
            .collect()
    }

    fn text(words: &[Word]) -> String {
        words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn prompts_split_into_sentences() {
        assert_eq!(
            sentences(DecodeOptions::FILLER_PROMPT),
            vec!["Umm, let me think like, hmm...", "Okay, here's what I'm, like, thinking."]
        );
        assert_eq!(sentences("No stop"), vec!["No stop"]);
        assert_eq!(sentences(" One. Two?  Three! "), vec!["One.", "Two?", "Three!"]);
        assert!(sentences("  ").is_empty());
    }

    #[test]
    fn descriptions_of_sounds_are_dropped_and_speech_kept() {
        let mut annotated = words("[wind blowing] Thanks, (laughs) bye. (upbeat music playing) ♪ [BLANK_AUDIO]");
        drop_annotations(&mut annotated);
        assert_eq!(text(&annotated), "Thanks, bye.");
        let mut plain = words("We pay three (3) dollars a seat.");
        drop_annotations(&mut plain);
        assert_eq!(text(&plain), "We pay three dollars a seat.", "only bracketed words go");
    }

    #[test]
    fn repetition_loops_are_cut_and_real_repeats_kept() {
        let mut looped = words("Perfect, I will send it. Perfect, I will send it. perfect i will send it");
        drop_repeated_tail(&mut looped);
        assert_eq!(text(&looped), "Perfect, I will send it.");
        let mut short = words("Yes, yes. Okay.");
        drop_repeated_tail(&mut short);
        assert_eq!(short.len(), 3, "short repeats are speech");
        let previous = Segment { start_s: 0.0, end_s: 1.0, text: "Thanks for your time.".into(), speaker: None, words: vec![] };
        assert!(is_repeat(Some(&previous), "thanks for your time"));
        assert!(!is_repeat(Some(&previous), "Thanks for the time."));
        assert!(!is_repeat(None, "thanks for your time"));
    }
}
