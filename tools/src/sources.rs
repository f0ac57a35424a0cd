//! Where the kernel sources the workspace reads live: the cache root and
//! the Debian packages extracted into it by `scripts/deps.sh`. Every layer
//! may ask (review for MAINTAINERS, series for checkpatch, kernel for
//! builds), so it sits below all of them.

use std::path::PathBuf;

use anyhow::{Context, Result};
use serde::Deserialize;

/// The kernel a revision is based on, applied to, built and measured on.
#[derive(
    Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Base {
    /// 6.12.117, the base of android16-6.12 (Debian's linux-source-6.12):
    /// the Android picks, and the revisions posted before mainline came in.
    #[default]
    Android,
    /// The newest mainline the workspace can get (Debian unstable's
    /// linux-source-7.2): revisions that go upstream.
    Mainline,
}

impl Base {
    /// Its name in series.toml and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Base::Android => "android",
            Base::Mainline => "mainline",
        }
    }
}

/// The kernel source the workspace tests against: Debian's package of
/// 6.12 (the base of android16-6.12), extracted into the cache under this
/// name by `scripts/deps.sh kernel-source`.
pub const KERNEL_SOURCE: &str = "linux-source-6.12";

/// The cached kernel source (see [`KERNEL_SOURCE`]).
pub fn cached_source() -> Result<PathBuf> {
    Ok(cache_dir()?.join(KERNEL_SOURCE))
}

/// Mainline: Debian unstable's package of 7.2, extracted into the cache
/// under this name by `scripts/deps.sh kernel-source-mainline`.
pub const MAINLINE_SOURCE: &str = "linux-source-7.2";

/// The cached mainline source (see [`MAINLINE_SOURCE`]); an error that
/// says how to fetch it when it is not there.
pub fn cached_mainline_source() -> Result<PathBuf> {
    let dir = cache_dir()?.join(MAINLINE_SOURCE);
    if !dir.join(".extracted").exists() {
        anyhow::bail!(
            "no mainline source in {}: run `scripts/deps.sh kernel-source-mainline` (it fetches {MAINLINE_SOURCE} from Debian unstable)",
            dir.display()
        );
    }
    Ok(dir)
}

/// The cache root: `${XDG_CACHE_HOME:-$HOME/.cache}/patchctl`.
pub fn cache_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("patchctl"));
    }
    let home = std::env::var_os("HOME").context("neither XDG_CACHE_HOME nor HOME is set")?;
    Ok(PathBuf::from(home).join(".cache/patchctl"))
}
