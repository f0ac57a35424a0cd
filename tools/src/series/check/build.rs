//! The `builds` rule: a patch whose prefix of the series (the base with
//! it and every patch before it) does not build on an arch. The builds
//! themselves are the kernel layer's (`kernel::prefix_build`); this reads
//! their results as problems of the mails that caused them.

use super::{Problem, Rule};
use crate::kernel::prefix_build::PrefixBuild;

/// One problem per prefix and arch that failed to build, on the mail of
/// the patch that prefix adds.
pub fn build_problems(builds: &[PrefixBuild]) -> Vec<Problem> {
    builds
        .iter()
        .filter(|b| !b.result.built)
        .map(|b| Problem {
            mail: b.adds.clone(),
            rule: Rule::Builds,
            detail: detail(b),
        })
        .collect()
}

fn detail(b: &PrefixBuild) -> String {
    let why = match b.result.errors.as_slice() {
        [] => "kunit.py build failed with no compiler error (configuration?)".to_string(),
        errors => errors.join(" | "),
    };
    format!(
        "patch {}/{} does not build on its own on {} (the base with patches 1..{}): {why}; the whole output is in {}",
        b.patches,
        b.of,
        b.arch.name(),
        b.patches,
        b.result.log.display()
    )
}

/// What each build compiled and did not, one line per prefix and arch,
/// so that a passing check says how far its builds reached.
pub fn build_summary(builds: &[PrefixBuild]) -> Vec<String> {
    builds
        .iter()
        .map(|b| {
            let mut line = format!(
                "1..{}/{} on {}: {} in {:.0} s",
                b.patches,
                b.of,
                b.arch.name(),
                if b.result.built { "builds" } else { "FAILS" },
                b.result.seconds
            );
            if !b.compiled.is_empty() {
                line.push_str(&format!("; compiled {}", b.compiled.join(", ")));
            }
            if !b.not_compiled.is_empty() {
                line.push_str(&format!(
                    "; NOT compiled (its config is off on {}): {}",
                    b.arch.name(),
                    b.not_compiled.join(", ")
                ));
            }
            line
        })
        .collect()
}
