//! The tokenizer vocabulary written into GGML files.
//!
//! CTranslate2 stores whisper's vocabulary as GPT-2 "byte-level BPE" strings: every byte of a
//! token is replaced by a printable unicode character (`Ġ` for space, `Ċ` for newline, ...).
//! whisper.cpp wants the raw bytes, and only the ordinary tokens: everything before
//! `<|endoftext|>` (50,256 for English-only models, 50,257 for multilingual ones, whose token
//! 50,256 is the empty string). whisper.cpp adds the special tokens itself.

use std::path::Path;

use crate::error::{ModelError, Result};

/// The end-of-text token; ordinary tokens are exactly those before it.
pub const END_OF_TEXT: &str = "<|endoftext|>";

/// GPT-2's `bytes_to_unicode()`: the printable character standing for each byte.
///
/// Bytes that are already printable Latin-1 (`!`..=`~`, `¡`..=`¬`, `®`..=`ÿ`) stand for
/// themselves; the other 68 bytes are mapped, in increasing order, to U+0100, U+0101, ...
pub fn byte_encoder() -> [char; 256] {
    let printable = |b: u32| {
        (u32::from('!')..=u32::from('~')).contains(&b)
            || (u32::from('¡')..=u32::from('¬')).contains(&b)
            || (u32::from('®')..=u32::from('ÿ')).contains(&b)
    };
    let mut table = ['\0'; 256];
    let mut next = 256u32;
    for b in 0..256u32 {
        let c = if printable(b) {
            b
        } else {
            next += 1;
            next - 1
        };
        table[b as usize] = char::from_u32(c).expect("all code points below 0x200 are chars");
    }
    table
}

/// The reverse of [`byte_encoder`], indexed by code point (all are below 0x144).
pub struct ByteDecoder {
    table: Vec<Option<u8>>,
}

impl ByteDecoder {
    pub fn new() -> Self {
        let enc = byte_encoder();
        let max = enc.iter().map(|&c| c as usize).max().unwrap_or(0);
        let mut table = vec![None; max + 1];
        for (b, &c) in enc.iter().enumerate() {
            table[c as usize] = Some(b as u8);
        }
        ByteDecoder { table }
    }

    /// Raw bytes of a byte-level BPE token, or the first character that is not part of the
    /// byte alphabet.
    pub fn decode(&self, token: &str) -> Result<Vec<u8>, char> {
        token
            .chars()
            .map(|c| self.table.get(c as usize).copied().flatten().ok_or(c))
            .collect()
    }
}

impl Default for ByteDecoder {
    fn default() -> Self {
        Self::new()
    }
}

/// Reads `vocabulary.txt` (one token per line, as CTranslate2 writes it) or, failing that,
/// `vocabulary.json` (a JSON array of strings) from a CTranslate2 model directory.
pub fn read_vocabulary(ct2_dir: &Path) -> Result<(std::path::PathBuf, Vec<String>)> {
    let txt = ct2_dir.join("vocabulary.txt");
    let json = ct2_dir.join("vocabulary.json");
    if txt.is_file() {
        let text = std::fs::read_to_string(&txt)
            .map_err(|e| ModelError::io("cannot read vocabulary", &txt, e))?;
        // Empty lines are real tokens (multilingual token 50256 is ""); only the newline that
        // ends the last line is not a separator.
        let body = text.strip_suffix('\n').unwrap_or(&text);
        let tokens = body
            .split('\n')
            .map(|t| t.strip_suffix('\r').unwrap_or(t).to_owned());
        Ok((txt, tokens.collect()))
    } else if json.is_file() {
        let text = std::fs::read_to_string(&json)
            .map_err(|e| ModelError::io("cannot read vocabulary", &json, e))?;
        let tokens: Vec<String> =
            serde_json::from_str(&text).map_err(|e| ModelError::Vocabulary {
                path: json.clone(),
                detail: format!("expected a JSON array of strings: {e}"),
            })?;
        Ok((json, tokens))
    } else {
        Err(ModelError::Ct2Format {
            path: ct2_dir.to_owned(),
            detail: "has neither vocabulary.txt nor vocabulary.json".into(),
        })
    }
}

/// The ordinary tokens (those before `<|endoftext|>`) as raw bytes, in id order.
pub fn ordinary_token_bytes(tokens: &[String], path: &Path) -> Result<Vec<Vec<u8>>> {
    let eot = tokens
        .iter()
        .position(|t| t == END_OF_TEXT)
        .ok_or_else(|| ModelError::Vocabulary {
            path: path.to_owned(),
            detail: format!("has no {END_OF_TEXT} token, so it is not a whisper vocabulary"),
        })?;
    let decoder = ByteDecoder::new();
    tokens[..eot]
        .iter()
        .enumerate()
        .map(|(id, t)| {
            decoder.decode(t).map_err(|c| ModelError::Vocabulary {
                path: path.to_owned(),
                detail: format!(
                    "token {id} {t:?} contains {c:?} (U+{:04X}), which is not a GPT-2 byte-level \
                     character",
                    c as u32
                ),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_256_bytes_round_trip() {
        let enc = byte_encoder();
        let dec = ByteDecoder::new();
        let mut seen = std::collections::HashSet::new();
        for b in 0..=255u8 {
            let c = enc[b as usize];
            assert!(seen.insert(c), "{c:?} used twice");
            assert!(
                !c.is_whitespace() && !c.is_control(),
                "byte {b} maps to {c:?}"
            );
            assert_eq!(dec.decode(&c.to_string()), Ok(vec![b]));
        }
        let all: String = enc.iter().collect();
        assert_eq!(dec.decode(&all).unwrap(), (0..=255u8).collect::<Vec<_>>());
    }

    #[test]
    fn gpt2_landmarks() {
        let enc = byte_encoder();
        assert_eq!(enc[b' ' as usize], 'Ġ');
        assert_eq!(enc[b'\n' as usize], 'Ċ');
        assert_eq!(enc[0], 'Ā');
        assert_eq!(enc[b'a' as usize], 'a');
        assert_eq!(enc[0xad], 'Ń'); // soft hyphen is the last (68th) remapped byte: U+0143
        let dec = ByteDecoder::new();
        assert_eq!(dec.decode("Ġthe").unwrap(), b" the");
        assert_eq!(dec.decode("ĠÃ©").unwrap(), " é".as_bytes());
        assert_eq!(dec.decode("hello world"), Err(' '));
        assert_eq!(dec.decode("€"), Err('€'));
    }

    #[test]
    fn ordinary_tokens_stop_before_end_of_text() {
        let toks: Vec<String> = ["!", "Ġthe", "", END_OF_TEXT, "<|startoftranscript|>"]
            .map(String::from)
            .to_vec();
        let out = ordinary_token_bytes(&toks, Path::new("v.txt")).unwrap();
        assert_eq!(out, vec![b"!".to_vec(), b" the".to_vec(), vec![]]);
        assert!(ordinary_token_bytes(&toks[..2], Path::new("v.txt")).is_err());
    }
}
