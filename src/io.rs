//! File output that never leaves a half-written file behind: everything is written to a
//! temporary file in the destination folder and renamed into place when complete.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Creates the parent folder of `path` if needed and returns it.
pub fn ensure_parent(path: &Path) -> Result<PathBuf> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    Ok(parent)
}

/// A temporary file next to `path` (its parent folder is created), to be renamed onto `path`
/// when complete. On Unix it is readable by everyone (0644) like a normally created file, not
/// 0600 as temporary files are by default.
pub fn temp_beside(path: &Path, suffix: &str) -> Result<tempfile::NamedTempFile> {
    let parent = ensure_parent(path)?;
    let mut b = tempfile::Builder::new();
    b.prefix(".galaxy-lab-").suffix(suffix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o644));
    }
    b.tempfile_in(&parent).map_err(|e| Error::io(&parent, e))
}

/// Atomically writes `bytes` to `path` (temp file in the same folder, then rename).
pub fn write_atomic(path: impl AsRef<Path>, bytes: &[u8]) -> Result<()> {
    let path = path.as_ref();
    let mut tmp = temp_beside(path, ".tmp")?;
    tmp.write_all(bytes).map_err(|e| Error::io(path, e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// Serialises `value` as pretty JSON and writes it atomically.
pub fn write_json<T: serde::Serialize>(path: impl AsRef<Path>, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    write_atomic(path, text.as_bytes())
}

/// Reads `path` as JSON of type `T`; a missing, unreadable or malformed file is an error
/// naming it.
pub fn read_json<T: serde::de::DeserializeOwned>(path: impl AsRef<Path>) -> Result<T> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    Ok(serde_json::from_str(&text)?)
}

/// A JSON value that names its variant under `tag` is read as `Tagged`; one without (written
/// before the variants existed) as `Bare`; either becomes a `T`. For configurations that grew
/// from one network to several (classifiers, regressors).
pub fn tagged_or_bare<T, Tagged, Bare>(
    value: serde_json::Value,
    tag: &str,
    tagged: impl FnOnce(Tagged) -> T,
    bare: impl FnOnce(Bare) -> T,
) -> serde_json::Result<T>
where
    Tagged: serde::de::DeserializeOwned,
    Bare: serde::de::DeserializeOwned,
{
    if value.get(tag).is_some() {
        serde_json::from_value(value).map(tagged)
    } else {
        serde_json::from_value(value).map(bare)
    }
}

/// Every `*.json` file in `dir` that parses as `T`, with its file stem, sorted by name. An absent
/// folder gives an empty list; JSON files of another shape are skipped; unreadable files are errors.
pub fn load_json_dir<T: serde::de::DeserializeOwned>(
    dir: impl AsRef<Path>,
) -> Result<Vec<(String, T)>> {
    let dir = dir.as_ref();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
        if let Ok(v) = serde_json::from_str::<T>(&text) {
            let stem = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push((stem, v));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_leaves_only_the_final_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/out.json");
        write_json(&p, &serde_json::json!({"a": 1})).unwrap();
        let names: Vec<_> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec!["out.json".to_string()]);
        let back: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        assert_eq!(back["a"], 1);
        // Readable like a normally created file, not 0600 like a temporary one.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644, "{mode:o}");
        }
    }

    #[test]
    fn unwritable_destination_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain");
        std::fs::write(&file, b"x").unwrap();
        // A path *under* a regular file cannot be created.
        let err = write_atomic(file.join("child.txt"), b"y").unwrap_err();
        assert!(err.to_string().contains("plain"), "{err}");
    }
}
