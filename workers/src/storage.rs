//! Object storage through `object_store`: clip sources, stage outputs and finished artifacts.
//!
//! [`Storage`] is the async handle the fleet uses; [`ArtifactStore`] wraps it with its own small
//! runtime for the synchronous `process` command.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use bytes::Bytes;
use futures::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::prefix::PrefixStore;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use tokio::io::AsyncWriteExt;

/// What can go wrong talking to the object store. `NotFound` is told apart because a stage whose
/// input is missing cannot succeed by retrying forever.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("store {spec:?}: {reason}")]
    Config { spec: String, reason: String },
    #[error("object {0} does not exist")]
    NotFound(String),
    #[error("object store at {key}: {source}")]
    Backend {
        key: String,
        #[source]
        source: object_store::Error,
    },
    #[error("local file {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl StorageError {
    fn backend(key: &ObjectPath, source: object_store::Error) -> Self {
        match source {
            object_store::Error::NotFound { .. } => Self::NotFound(key.to_string()),
            source => Self::Backend { key: key.to_string(), source },
        }
    }
}

/// An artifact's content: small ones in memory, large ones (video) in a file of the stage's work dir.
pub enum Content {
    Bytes(Bytes),
    File(std::path::PathBuf),
}

/// Files larger than this are uploaded in parts of this size.
const UPLOAD_PART_BYTES: usize = 8 * 1024 * 1024;

/// A clip's finished artifacts, ready to be stored.
#[derive(Default)]
pub struct Artifacts {
    entries: Vec<(String, Content)>,
    /// Artifacts an earlier stage already stored: listed (the scorecard links them), not rewritten.
    existing: Vec<String>,
}

impl Artifacts {
    pub fn add(&mut self, name: &str, content: impl Into<Bytes>) {
        self.entries.push((name.to_string(), Content::Bytes(content.into())));
    }

    /// An artifact written to a file (it must exist until the artifacts are stored).
    pub fn add_file(&mut self, name: &str, path: &Path) {
        self.entries.push((name.to_string(), Content::File(path.to_path_buf())));
    }

    /// Name an artifact that is already in the store under the same prefix.
    pub fn add_existing(&mut self, name: &str) {
        self.existing.push(name.to_string());
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.existing.iter().map(String::as_str).chain(self.entries.iter().map(|(n, _)| n.as_str()))
    }
}

/// An object store: the local filesystem under one folder, or S3.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    description: String,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage").field("store", &self.description).finish()
    }
}

impl Storage {
    /// Open `spec`: `file:///path`, a plain folder path (both created if missing) or `s3://bucket`.
    pub fn open(spec: &str) -> Result<Self, StorageError> {
        if let Some(path) = spec.strip_prefix("file://") {
            return Self::local(Path::new(path));
        }
        if let Some(location) = spec.strip_prefix("s3://") {
            return Self::s3(spec, location);
        }
        if spec.contains("://") {
            return Err(StorageError::Config { spec: spec.to_string(), reason: "expected file:///path or s3://bucket".into() });
        }
        Self::local(Path::new(spec))
    }

    /// A store rooted at `dir`, created if missing.
    pub fn local(dir: &Path) -> Result<Self, StorageError> {
        let io = |source| StorageError::Io { path: dir.display().to_string(), source };
        std::fs::create_dir_all(dir).map_err(io)?;
        let dir = std::fs::canonicalize(dir).map_err(io)?;
        let store = LocalFileSystem::new_with_prefix(&dir)
            .map_err(|source| StorageError::Backend { key: dir.display().to_string(), source })?;
        Ok(Self { store: Arc::new(store), description: format!("file://{}", dir.display()) })
    }

    /// `s3://bucket[/prefix]`: endpoint, region and credentials from the standard `AWS_*` environment
    /// variables (`AWS_ENDPOINT_URL` (or `AWS_ENDPOINT`), `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`,
    /// `AWS_ALLOW_HTTP` for a plain-HTTP store on a private network). Path-style requests, so any
    /// S3-compatible server works; conditional puts (`If-None-Match`) make stage markers safe.
    fn s3(spec: &str, location: &str) -> Result<Self, StorageError> {
        let config = |reason: String| StorageError::Config { spec: spec.to_string(), reason };
        let (bucket, prefix) = location.split_once('/').unwrap_or((location, ""));
        if bucket.is_empty() {
            return Err(config("expected s3://bucket or s3://bucket/prefix".into()));
        }
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        if std::env::var_os("AWS_REGION").is_none() && std::env::var_os("AWS_DEFAULT_REGION").is_none() {
            builder = builder.with_region("us-east-1");
        }
        let s3 = builder.build().map_err(|e| config(e.to_string()))?;
        let endpoint = std::env::var("AWS_ENDPOINT").or_else(|_| std::env::var("AWS_ENDPOINT_URL")).unwrap_or_default();
        let description = if endpoint.is_empty() { spec.to_string() } else { format!("{spec} at {endpoint}") };
        let prefix = prefix.trim_matches('/');
        let store: Arc<dyn ObjectStore> =
            if prefix.is_empty() { Arc::new(s3) } else { Arc::new(PrefixStore::new(s3, prefix)) };
        Ok(Self { store, description })
    }

    /// Where this store is, for messages.
    pub fn describe(&self) -> &str {
        &self.description
    }

    /// Keys under `prefix`, sorted.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let path = ObjectPath::from(prefix);
        let mut keys = Vec::new();
        let mut listing = self.store.list(Some(&path));
        while let Some(meta) = listing.next().await {
            keys.push(meta.map_err(|e| StorageError::backend(&path, e))?.location.to_string());
        }
        keys.sort();
        Ok(keys)
    }

    /// An object's content as a stream of chunks, with its size (for HTTP responses).
    pub async fn get_stream(
        &self,
        key: &str,
    ) -> Result<(u64, futures::stream::BoxStream<'static, Result<Bytes, object_store::Error>>), StorageError> {
        let path = ObjectPath::from(key);
        let result = self.store.get(&path).await.map_err(|e| StorageError::backend(&path, e))?;
        Ok((result.meta.size, result.into_stream()))
    }

    pub async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        let path = ObjectPath::from(key);
        let result = self.store.get(&path).await.map_err(|e| StorageError::backend(&path, e))?;
        result.bytes().await.map_err(|e| StorageError::backend(&path, e))
    }

    /// Stream an object into a local file.
    pub async fn download(&self, key: &str, to: &Path) -> Result<(), StorageError> {
        let path = ObjectPath::from(key);
        let io = |source| StorageError::Io { path: to.display().to_string(), source };
        let result = self.store.get(&path).await.map_err(|e| StorageError::backend(&path, e))?;
        let mut stream = result.into_stream();
        let mut file = tokio::fs::File::create(to).await.map_err(io)?;
        while let Some(chunk) = stream.next().await {
            file.write_all(&chunk.map_err(|e| StorageError::backend(&path, e))?).await.map_err(io)?;
        }
        file.flush().await.map_err(io)?;
        Ok(())
    }

    pub async fn put(&self, key: &str, content: impl Into<Bytes>) -> Result<(), StorageError> {
        let path = ObjectPath::from(key);
        self.store.put(&path, PutPayload::from(content.into())).await.map_err(|e| StorageError::backend(&path, e))?;
        Ok(())
    }

    /// Write `key` only if it does not exist yet (`PutMode::Create`). Returns false when it already
    /// existed: the commit point of an idempotent stage.
    pub async fn create(&self, key: &str, content: impl Into<Bytes>) -> Result<bool, StorageError> {
        let path = ObjectPath::from(key);
        let options = PutOptions { mode: PutMode::Create, ..PutOptions::default() };
        match self.store.put_opts(&path, PutPayload::from(content.into()), options).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
            Err(e) => Err(StorageError::backend(&path, e)),
        }
    }

    pub async fn exists(&self, key: &str) -> Result<bool, StorageError> {
        let path = ObjectPath::from(key);
        match self.store.head(&path).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(StorageError::backend(&path, e)),
        }
    }

    /// Upload a local file, streamed: object_store's buffered writer switches to a multipart upload
    /// once the file outgrows one part, so a long video is never held in memory.
    pub async fn upload(&self, key: &str, from: &Path) -> Result<(), StorageError> {
        self.upload_to(&ObjectPath::from(key), from).await
    }

    async fn upload_to(&self, key: &ObjectPath, from: &Path) -> Result<(), StorageError> {
        use tokio::io::AsyncWriteExt;
        let io = |source| StorageError::Io { path: from.display().to_string(), source };
        let mut file = tokio::fs::File::open(from).await.map_err(io)?;
        let mut writer = object_store::buffered::BufWriter::with_capacity(self.store.clone(), key.clone(), UPLOAD_PART_BYTES);
        if let Err(source) = tokio::io::copy(&mut file, &mut writer).await {
            let _ = writer.abort().await;
            return Err(io(source));
        }
        writer.shutdown().await.map_err(|source| StorageError::Io { path: key.to_string(), source })
    }

    /// Write every artifact under `prefix/`, `commit_last` last (readers take its presence to mean the
    /// set is complete). If any write fails, what was written is deleted again.
    pub async fn put_all(&self, prefix: &str, artifacts: Artifacts, commit_last: &str) -> Result<(), StorageError> {
        let (last, rest): (Vec<_>, Vec<_>) = artifacts.entries.into_iter().partition(|(n, _)| n == commit_last);
        let mut written = Vec::new();
        for (name, content) in rest.into_iter().chain(last) {
            let key = ObjectPath::from(format!("{prefix}/{name}"));
            let result = match content {
                Content::Bytes(bytes) => {
                    self.store.put(&key, PutPayload::from(bytes)).await.map(|_| ()).map_err(|e| StorageError::backend(&key, e))
                }
                Content::File(path) => self.upload_to(&key, &path).await,
            };
            if let Err(err) = result {
                let _ = self.store.delete(&key).await;
                for key in &written {
                    let _ = self.store.delete(key).await;
                }
                return Err(err);
            }
            written.push(key);
        }
        Ok(())
    }
}

/// Artifact storage for the synchronous `process` command: a [`Storage`] with its own runtime.
pub struct ArtifactStore {
    storage: Storage,
    runtime: tokio::runtime::Runtime,
}

impl ArtifactStore {
    /// A store rooted at `dir`, created if missing.
    pub fn local(dir: &Path) -> Result<Self> {
        let storage = Storage::local(dir).with_context(|| format!("opening output folder {}", dir.display()))?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        Ok(Self { storage, runtime })
    }

    /// Write every artifact under `prefix/`, `commit_last` last; all or nothing.
    pub fn put_all(&self, prefix: &str, artifacts: Artifacts, commit_last: &str) -> Result<()> {
        Ok(self.runtime.block_on(self.storage.put_all(prefix, artifacts, commit_last))?)
    }
}
