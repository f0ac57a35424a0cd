//! Small helpers with no domain of their own.

use std::path::Path;

use anyhow::{Context, Result};

/// Appends `s` unless `v` already holds it (order kept, first wins).
pub fn push_unique<T: PartialEq>(v: &mut Vec<T>, s: T) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// Writes through a temporary file beside `path` and a rename, creating
/// the directory first: a reader never sees half a file, and a failed
/// write leaves the old one.
pub fn write_atomically(path: &Path, data: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = Path::new(&tmp);
    std::fs::write(tmp, data).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(tmp, path)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))
}

/// `to` as a path relative to the directory `from` (both must exist), as
/// a page in `from` links to it.
pub fn relative_path(from: &Path, to: &Path) -> Result<String> {
    let from = from
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", from.display()))?;
    let to = to
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", to.display()))?;
    let common = from
        .components()
        .zip(to.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = vec!["..".to_string(); from.components().count() - common];
    parts.extend(
        to.components()
            .skip(common)
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Ok(if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    })
}
