//! A revision of a series resolved into the checkout a run builds: the
//! base alone, a directory of patch files, or a variant of one (some of
//! its patches left out), with what its series.toml asks of the run.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::manifest::{self, Base, Manifest};
use crate::kernel::checkout::Checkout;

/// The checkout of revision `name` of the series in `series_dir`:
/// `baseline`, `mainline`, a revision directory holding `*.patch` files,
/// or a `[[variant]]` its series.toml names.
pub fn resolve(series_dir: &Path, name: &str) -> Result<Checkout> {
    let manifest = if series_dir.join(manifest::FILE).exists() {
        Some(Manifest::load(series_dir)?)
    } else {
        None
    };
    in_series(series_dir, manifest.as_ref(), name)
}

/// As [`resolve`], with the series' manifest already read (`None`: the
/// series has none, and runs the default suite on the Android base).
pub fn in_series(series_dir: &Path, manifest: Option<&Manifest>, name: &str) -> Result<Checkout> {
    let mut revision = Checkout::new(name, Vec::new());
    revision.series = series_dir
        .file_name()
        .map_or("series".into(), |n| n.to_string_lossy().into_owned());
    if let Some(m) = manifest {
        revision.suite = m.kunit.suite.clone();
        revision.kunit_config = m.kunit_config_of(name);
        revision.base = m.base_of(name);
        revision.own_loop = m.own_loop(name);
    }
    if name == manifest::BASELINE {
        return Ok(revision);
    }
    if name == manifest::MAINLINE {
        revision.base = Base::Mainline;
        return Ok(revision);
    }
    let variant = manifest.and_then(|m| m.variant(name));
    let directory = variant.map_or(name, |v| v.revision.as_str());
    let all = patches_in(series_dir, directory)?;
    revision.patches = match variant {
        None => all,
        Some(v) => {
            if let Some(bad) = v.omit.iter().find(|&&n| n == 0 || n > all.len()) {
                bail!(
                    "variant {name:?} in {}: omit = {bad} is not a patch of {directory}/ (it holds patches 1 to {})",
                    series_dir.join(manifest::FILE).display(),
                    all.len()
                );
            }
            all.into_iter()
                .enumerate()
                .filter(|(i, _)| !v.omit.contains(&(i + 1)))
                .map(|(_, p)| p)
                .collect()
        }
    };
    Ok(revision)
}

/// The `*.patch` files of `series_dir/directory` that carry a diff, in
/// order.
fn patches_in(series_dir: &Path, directory: &str) -> Result<Vec<PathBuf>> {
    // Absolute, because patches are applied from inside the tree.
    let dir = std::path::absolute(series_dir.join(directory))
        .with_context(|| format!("cannot resolve {}", series_dir.join(directory).display()))?;
    if !series_dir.is_dir() {
        bail!(
            "no series at {}: expected a series directory (patches/<slug>, as patchctl am writes it)",
            series_dir.display()
        );
    }
    let entries = fs::read_dir(&dir).with_context(|| {
        format!(
            "no revision {directory:?} in {}: it holds {}; expected one of them, \"baseline\" (6.12), \"mainline\", or a [[variant]] in series.toml",
            series_dir.display(),
            held_revisions(series_dir)
        )
    })?;
    let mut patches: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "patch"))
        // A cover letter carries no diff: nothing to apply.
        .filter(|p| fs::read_to_string(p).map_or(true, |t| t.contains("\ndiff --git ")))
        .collect();
    patches.sort();
    if patches.is_empty() {
        bail!(
            "revision directory {} holds no *.patch files",
            dir.display()
        );
    }
    Ok(patches)
}

/// The revision directories of a series (`v1`, `v2`, ...), in order, for
/// errors that must say what there is: "v1, v2", or "no revision".
pub fn held_revisions(series_dir: &Path) -> String {
    let mut held: Vec<(u32, String)> = fs::read_dir(series_dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let n = name.strip_prefix('v')?.parse().ok()?;
                    Some((n, name))
                })
                .collect()
        })
        .unwrap_or_default();
    held.sort();
    match held.is_empty() {
        true => "no revision directory".into(),
        false => held
            .into_iter()
            .map(|(_, name)| name)
            .collect::<Vec<_>>()
            .join(", "),
    }
}
