//! Files the stage writes into the caller's work dir, all-or-nothing.
//!
//! Everything is first written under a hidden `.NAME.partial` name; [`Artifacts::commit`] renames the
//! lot to their final names. If the stage fails (or panics) before that, dropping [`Artifacts`] removes
//! every partial and scratch file, so nothing in the work dir can be mistaken for a finished artifact.

use std::path::{Path, PathBuf};

use crate::MediaError;

pub(crate) struct Artifacts {
    dir: PathBuf,
    /// (partial path, final path)
    pending: Vec<(PathBuf, PathBuf)>,
    /// Helper files that are never artifacts (e.g. mp4mux's faststart scratch file).
    scratch: Vec<PathBuf>,
}

impl Artifacts {
    pub(crate) fn new(dir: &Path) -> Result<Self, MediaError> {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        Ok(Self { dir: dir.to_path_buf(), pending: Vec::new(), scratch: Vec::new() })
    }

    /// Reserve `name`: returns the partial path to write to.
    pub(crate) fn partial(&mut self, name: &str) -> PathBuf {
        let partial = self.dir.join(format!(".{name}.partial"));
        self.pending.push((partial.clone(), self.dir.join(name)));
        partial
    }

    /// A helper file, removed whatever happens.
    pub(crate) fn scratch(&mut self, name: &str) -> PathBuf {
        let path = self.dir.join(format!(".{name}.scratch"));
        self.scratch.push(path.clone());
        path
    }

    /// Write `bytes` as the artifact `name`; returns its final path (valid after `commit`).
    pub(crate) fn write(&mut self, name: &str, bytes: &[u8]) -> Result<PathBuf, MediaError> {
        let partial = self.partial(name);
        std::fs::write(&partial, bytes).map_err(|e| io_error(&partial, e))?;
        Ok(self.dir.join(name))
    }

    /// Final path of an artifact reserved with `partial`.
    pub(crate) fn final_path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Give every artifact its final name. On failure, the ones already renamed are removed too.
    pub(crate) fn commit(mut self) -> Result<(), MediaError> {
        let pending = std::mem::take(&mut self.pending);
        let mut done: Vec<PathBuf> = Vec::new();
        for (partial, fin) in &pending {
            if let Err(e) = std::fs::rename(partial, fin) {
                for path in done.iter().chain(pending.iter().map(|(p, _)| p)) {
                    let _ = std::fs::remove_file(path);
                }
                return Err(io_error(fin, e));
            }
            done.push(fin.clone());
        }
        Ok(())
    }
}

impl Drop for Artifacts {
    fn drop(&mut self) {
        for path in self.pending.iter().map(|(partial, _)| partial).chain(&self.scratch) {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn io_error(path: &Path, e: std::io::Error) -> MediaError {
    MediaError::Output { path: path.to_path_buf(), message: e.to_string() }
}
