//! Writing a clip's artifacts through `object_store`, all or nothing.

use std::path::Path;

use anyhow::{Context, Result};
use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStoreExt, PutPayload};

/// A clip's finished artifacts, in memory, ready to be stored.
#[derive(Default)]
pub struct Artifacts {
    entries: Vec<(String, Bytes)>,
}

impl Artifacts {
    pub fn add(&mut self, name: &str, content: impl Into<Bytes>) {
        self.entries.push((name.to_string(), content.into()));
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }
}

/// Object storage for artifacts: the local filesystem under one folder.
pub struct ArtifactStore {
    store: LocalFileSystem,
    runtime: tokio::runtime::Runtime,
}

impl ArtifactStore {
    /// A store rooted at `dir`, created if missing.
    pub fn local(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating output folder {}", dir.display()))?;
        let store = LocalFileSystem::new_with_prefix(dir).with_context(|| format!("opening {}", dir.display()))?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        Ok(Self { store, runtime })
    }

    /// Write every artifact under `prefix/`, `commit_last` last (readers take its presence to mean the
    /// set is complete). If any write fails, what was written is deleted again.
    pub fn put_all(&self, prefix: &str, artifacts: Artifacts, commit_last: &str) -> Result<()> {
        let (last, rest): (Vec<_>, Vec<_>) = artifacts.entries.into_iter().partition(|(n, _)| n == commit_last);
        self.runtime.block_on(async {
            let mut written = Vec::new();
            for (name, content) in rest.into_iter().chain(last) {
                let key = ObjectPath::from(format!("{prefix}/{name}"));
                if let Err(err) = self.store.put(&key, PutPayload::from(content)).await {
                    for key in &written {
                        let _ = self.store.delete(key).await;
                    }
                    return Err(err).with_context(|| format!("writing {key}"));
                }
                written.push(key);
            }
            Ok(())
        })
    }
}
