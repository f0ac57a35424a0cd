//! Whether each patch of a revision builds on its own: the base with the
//! first k patches applied, for every k, built for each arch with
//! `kunit.py build`, nothing booted.
//!
//! A series is bisectable only when every prefix builds; a patch that
//! uses what a later one adds breaks `git bisect` for everyone after it,
//! and the whole revision building hides that. The tree is switched in
//! place from prefix to prefix and each arch keeps one build directory,
//! so after the first build kbuild recompiles only what one patch
//! changed.
//!
//! The config is what the caller gives (the kunitconfig that enables the
//! touched files and the suites covering them): the builds compile what
//! the series touches, not the whole tree, and each result says which
//! touched C files that config compiled and which it did not.

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use super::checkout::{Checkout, KERNEL_SUITES};
use super::kunitpy::{Arch, BuildResult};
use super::run::{KernelRunner, KunitPy};

/// One prefix of a revision, built for one arch.
#[derive(Debug, Clone, Serialize)]
pub struct PrefixBuild {
    /// How many patches it holds: patch `patches` is the one it adds.
    pub patches: usize,
    /// How many patches the revision has.
    pub of: usize,
    /// The mail of the patch it adds.
    pub adds: std::path::PathBuf,
    /// The arch it was built for.
    pub arch: Arch,
    /// What the build gave.
    pub result: BuildResult,
    /// The touched C files the build compiled (none listed when it
    /// failed).
    pub compiled: Vec<String>,
    /// The touched C files it did not compile (their config is off on
    /// this arch, or they are not built by a plain object line): their
    /// code was not checked by this build.
    pub not_compiled: Vec<String>,
}

/// What to build.
pub struct PrefixPlan<'a> {
    /// The revision; its prefixes are built.
    pub revision: &'a Checkout,
    /// The kunitconfig lines every prefix is built with.
    pub config: &'a [String],
    /// The C files the revision touches, relative to the tree.
    pub touched: &'a [String],
    /// The arches, in order.
    pub arches: &'a [Arch],
}

/// Builds every prefix of `plan.revision` for every arch, in order,
/// reporting each on `progress`; a prefix that fails does not stop the
/// ones after it (a later patch may be the one that breaks).
pub fn build_prefixes(
    runner: &mut KunitPy,
    plan: &PrefixPlan,
    progress: &mut dyn Write,
) -> Result<Vec<PrefixBuild>> {
    let n = plan.revision.patches.len();
    let mut out = Vec::new();
    for k in 1..=n {
        let prefix = prefix_checkout(plan, k);
        let _ = writeln!(
            progress,
            "patchctl: patches 1..{k} of {n} ({})",
            plan.revision.name
        );
        runner.switch_to(&prefix, progress)?;
        for &arch in plan.arches {
            let result = runner.build(&prefix, arch, progress)?;
            let build_dir = runner.build_dir(arch, &prefix);
            // A failed build compiled what it reached; only a finished
            // one says what its config leaves out.
            let (compiled, not_compiled) = match result.built {
                true => split_compiled(runner.tree_dir(), &build_dir, plan.touched),
                false => (Vec::new(), Vec::new()),
            };
            let _ = writeln!(
                progress,
                "patchctl: 1..{k}/{n} on {}: {} in {:.0} s",
                arch.name(),
                if result.built { "builds" } else { "FAILS" },
                result.seconds
            );
            out.push(PrefixBuild {
                patches: k,
                of: n,
                adds: plan.revision.patches[k - 1].clone(),
                arch,
                result,
                compiled,
                not_compiled,
            });
        }
    }
    Ok(out)
}

/// The revision's first `k` patches as a checkout of the kernel's own
/// suites (nothing of the workspace placed), built with the plan's config.
fn prefix_checkout(plan: &PrefixPlan, k: usize) -> Checkout {
    Checkout {
        name: format!("{}-prefix-{k}", plan.revision.name),
        patches: plan.revision.patches[..k].to_vec(),
        suite: KERNEL_SUITES.into(),
        kunit_config: plan.config.to_vec(),
        ..plan.revision.clone()
    }
}

/// The touched C files whose object is in `build_dir`, and those whose
/// object is not. A file not in `tree` (a later patch adds it) counts as
/// neither.
fn split_compiled(tree: &Path, build_dir: &Path, touched: &[String]) -> (Vec<String>, Vec<String>) {
    let mut compiled = Vec::new();
    let mut not_compiled = Vec::new();
    for file in touched {
        let Some(stem) = file.strip_suffix(".c") else {
            continue;
        };
        if !tree.join(file).exists() {
            continue;
        }
        if build_dir.join(format!("{stem}.o")).exists() {
            compiled.push(file.clone());
        } else {
            not_compiled.push(file.clone());
        }
    }
    (compiled, not_compiled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_touched_file_without_its_object_was_not_compiled() {
        let dir = std::env::temp_dir().join(format!("patchctl-prefix-{}", std::process::id()));
        for f in [
            "lib/list_sort.c",
            "lib/list_sort.o",
            "drivers/input/input.c",
        ] {
            let path = dir.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let touched = vec![
            "lib/list_sort.c".to_string(),
            "drivers/input/input.c".to_string(),
            "include/linux/list_sort.h".to_string(),
            "lib/added_later.c".to_string(),
        ];
        let (compiled, not) = split_compiled(&dir, &dir, &touched);
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(compiled, vec!["lib/list_sort.c"]);
        assert_eq!(not, vec!["drivers/input/input.c"]);
    }
}
