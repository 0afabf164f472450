use std::path::{Path, PathBuf};

use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters};

use crate::speech_only::SpeechOnly;
use crate::voice_activity::detect_voice_activity;
use crate::{SAMPLE_RATE, Segment, TranscribeError, Transcript, Word};

/// How to decode. Defaults: greedy, all available cores, no prompt, English.
#[derive(Debug, Clone)]
pub struct DecodeOptions {
    pub threads: usize,
    /// `Some(n)` for beam search of width n; `None` for greedy decoding.
    pub beam_size: Option<usize>,
    /// Text the decoder sees as preceding context (steers style, e.g. keeping disfluencies).
    pub initial_prompt: Option<String>,
    /// Language code, or `None` to detect it (multilingual models only).
    pub language: Option<String>,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self {
            threads: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            beam_size: None,
            initial_prompt: None,
            language: Some("en".into()),
        }
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
        let language = if self.is_multilingual() { options.language.as_deref() } else { Some("en") };
        params.set_language(language.or(Some("auto")));
        if let Some(prompt) = &options.initial_prompt {
            params.set_initial_prompt(prompt);
        }

        let mut state = self.context.create_state().map_err(|e| TranscribeError::Decode(e.to_string()))?;
        let mut speech = SpeechOnly::new(samples, SAMPLE_RATE, &activity);
        let mut input = std::mem::take(&mut speech.samples);
        // whisper.cpp refuses input shorter than a second; pad with silence.
        if input.len() < SAMPLE_RATE as usize + SAMPLE_RATE as usize / 10 {
            input.resize(SAMPLE_RATE as usize + SAMPLE_RATE as usize / 10, 0.0);
        }
        state.full(params, &input).map_err(|e| TranscribeError::Decode(e.to_string()))?;

        let language = match language {
            Some(code) => code.to_string(),
            None => whisper_rs::get_lang_str(state.full_lang_id_from_state()).unwrap_or("").to_string(),
        };
        let end_of_text = self.context.token_eot();
        let mut segments = Vec::new();
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
                let (start_s, end_s) = (data.t0 as f64 / 100.0, data.t1 as f64 / 100.0);
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
            if segment.no_speech_probability() > NO_SPEECH_PROBABILITY_LIMIT && mean_log_probability < LOW_LOG_PROBABILITY {
                continue;
            }
            // Map times back; words from different speech spans go to separate segments.
            let mut groups: Vec<(usize, Vec<Word>)> = Vec::new();
            for mut word in words.into_iter().filter_map(WordBuilder::finish) {
                let (start_s, end_s, span) = speech.to_original(word.start_s, word.end_s);
                (word.start_s, word.end_s) = (start_s, end_s);
                match groups.last_mut() {
                    Some((last, group)) if *last == span => group.push(word),
                    _ => groups.push((span, vec![word])),
                }
            }
            for (_, words) in groups {
                let text = words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ");
                segments.push(Segment {
                    start_s: words[0].start_s,
                    end_s: words[words.len() - 1].end_s,
                    text,
                    speaker: None,
                    words,
                });
            }
        }
        Ok(Transcript { language, segments })
    }
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
