//! `patchctl check`: the gate before `git send-email`. It reads a
//! revision's mails as the receiving maintainer would and names every
//! problem, one per line, with the mail it is in:
//!
//! - a patch without a Signed-off-by from its author (the DCO), or a
//!   Co-developed-by not followed at once by that person's sign-off;
//! - a patch the sender has not signed off, or whose last sign-off is
//!   someone else's;
//! - an identity (From, To, Cc, any `Key: Name <address>` line of the
//!   message) at a placeholder address;
//! - a link in the prose (never the code) to a placeholder host, or to a
//!   Message-ID that was never sent;
//! - a patch that does not apply to the base tree on top of the ones
//!   before it (`git apply --check`);
//! - anything `scripts/checkpatch.pl --strict` reports, except its
//!   question whether MAINTAINERS needs updating when a section already
//!   covers every file the patch adds (get_maintainer.pl answers it);
//! - a maintainer, reviewer or list that `scripts/get_maintainer.pl`
//!   names for the patch but that the mail does not reach (for the cover
//!   letter: anyone named for any patch).
//!
//! The two scripts are the base tree's own, run from its top directory;
//! their answers on a mail are kept for the next check of the same bytes on
//! the same tree (`script_cache`).
//! The mails are read in `mail`, judged alone in `rules`, and applied in
//! `apply`.

mod apply;
mod build;
mod mail;
mod rules;
mod script_cache;
mod scripts;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Serialize;

pub use build::{build_problems, build_summary};

use crate::mail::address::email_or_whole;
use mail::SentMail;

/// What to check.
#[derive(Debug, Clone)]
pub struct CheckRequest {
    /// The revision's mails, cover letter included, in order.
    pub mails: Vec<PathBuf>,
    /// The base kernel tree whose scripts judge them.
    pub tree: PathBuf,
    /// Who will send the series: `Name <address>` or an address.
    pub sender: String,
    /// Where the scripts' answers are kept between checks (see
    /// `script_cache`); `None` runs both scripts on every patch.
    pub script_cache: Option<PathBuf>,
}

/// The rule a problem breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// No Signed-off-by from the author, or a co-author's is missing.
    Dco,
    /// The sender has not signed the patch off.
    SenderSignoff,
    /// The patch does not apply to the base tree.
    Applies,
    /// An identity at a placeholder address.
    Placeholder,
    /// A link to a placeholder.
    PlaceholderLink,
    /// `checkpatch.pl --strict` reported it.
    Checkpatch,
    /// `get_maintainer.pl` names someone the mail is not sent to.
    Recipients,
    /// A quoted figure that the committed record does not give.
    Figures,
    /// The patch does not build on its own (with the ones before it) on
    /// an arch.
    Builds,
}

impl Rule {
    /// As the report prints it.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Dco => "dco",
            Rule::SenderSignoff => "sender-signoff",
            Rule::Applies => "applies",
            Rule::Placeholder => "placeholder",
            Rule::PlaceholderLink => "placeholder-link",
            Rule::Checkpatch => "checkpatch",
            Rule::Recipients => "recipients",
            Rule::Figures => "figures",
            Rule::Builds => "builds",
        }
    }
}

/// One problem, in one mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The mail, as given.
    pub mail: PathBuf,
    /// The rule it breaks.
    pub rule: Rule,
    /// What is wrong, in words.
    pub detail: String,
}

/// What the gate found.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// How many mails were read.
    pub mails: usize,
    /// How many patches' script answers came from the cache, unchanged
    /// since an earlier check on the same tree.
    pub scripts_cached: usize,
    /// Every problem, mail by mail, in rule order.
    pub problems: Vec<Problem>,
    /// The patch-by-patch builds, when they ran (`--build`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub builds: Vec<crate::kernel::prefix_build::PrefixBuild>,
}

impl CheckReport {
    /// Adds the patch-by-patch builds and the problems they found.
    pub fn add_builds(&mut self, builds: Vec<crate::kernel::prefix_build::PrefixBuild>) {
        self.problems.extend(build_problems(&builds));
        self.problems
            .sort_by(|a, b| (&a.mail, a.rule).cmp(&(&b.mail, b.rule)));
        self.builds = builds;
    }
}

impl CheckReport {
    /// Whether the series may be sent.
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The mails of `dir`, in order: every `*.patch` file in it.
pub fn mails_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = fs::read_dir(dir).with_context(|| {
        format!(
            "cannot read {}: expected a revision directory of git format-patch mails",
            dir.display()
        )
    })?;
    let mut mails: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "patch"))
        .collect();
    mails.sort();
    if mails.is_empty() {
        bail!(
            "{} holds no *.patch mails: expected git format-patch output",
            dir.display()
        );
    }
    Ok(mails)
}

/// Runs every check on every mail; `figures` recomputes the figures the
/// mails cite (none given: a cited figure cannot be checked, and says so).
pub fn check(
    req: &CheckRequest,
    figures: Option<&dyn super::quote::FigureSource>,
) -> Result<CheckReport> {
    // Absolute: the scripts and git run from the tree's top directory.
    let tree = fs::canonicalize(&req.tree).with_context(|| {
        format!(
            "no kernel tree at {}: pass the series' base tree with --kdir",
            req.tree.display()
        )
    })?;
    if !tree.join("scripts/checkpatch.pl").is_file() {
        bail!(
            "{} is not a kernel tree (no scripts/checkpatch.pl): pass the series' base tree with --kdir",
            tree.display()
        );
    }
    let sender = email_or_whole(&req.sender);
    if !sender.contains('@') {
        bail!(
            "the sender {:?} has no address: expected \"Name <address>\"",
            req.sender
        );
    }
    let mails = req
        .mails
        .iter()
        .map(|p| SentMail::read(p))
        .collect::<Result<Vec<_>>>()?;
    let cache = req
        .script_cache
        .as_deref()
        .and_then(|dir| script_cache::ScriptCache::open(dir, &tree));
    let (scripts, scripts_cached) = scripts::run_on_all(&tree, &mails, cache.as_ref())?;
    let mut problems = Vec::new();
    for (mail, found) in mails.iter().zip(&scripts) {
        problems.extend(problems_of(mail, found, &scripts, &sender));
    }
    for mail in &mails {
        problems.extend(figure_problems(mail, figures));
    }
    if let Some((mail, error)) = apply::first_not_applying(&tree, &mails)? {
        problems.push(Problem {
            mail,
            rule: Rule::Applies,
            detail: format!(
                "does not apply to {} on top of the patches before it: {error}",
                tree.display()
            ),
        });
    }
    problems.sort_by(|a, b| (&a.mail, a.rule).cmp(&(&b.mail, b.rule)));
    Ok(CheckReport {
        mails: mails.len(),
        scripts_cached,
        problems,
        builds: Vec::new(),
    })
}

/// The figures a mail quotes, recomputed from the record they cite.
fn figure_problems(
    mail: &SentMail,
    figures: Option<&dyn super::quote::FigureSource>,
) -> Vec<Problem> {
    let problem = |detail: String| Problem {
        mail: mail.path.clone(),
        rule: Rule::Figures,
        detail,
    };
    let cites = mail
        .prose
        .lines()
        .any(|l| super::quote::parse_citation(l).is_some());
    match figures {
        Some(source) => super::quote::verify(&mail.prose, source)
            .into_iter()
            .map(problem)
            .collect(),
        None if cites || !super::quote::unfilled(&mail.prose).is_empty() => vec![problem(
            "quotes measured figures, but no record was given to check them against".into(),
        )],
        None => Vec::new(),
    }
}

/// What the rules that read one mail find in it. The cover letter must
/// reach everyone get_maintainer.pl names for any patch.
fn problems_of(
    mail: &SentMail,
    found: &scripts::ScriptFindings,
    all: &[scripts::ScriptFindings],
    sender: &str,
) -> Vec<Problem> {
    let everyone: BTreeSet<String>;
    let named = if mail.patch.is_some() {
        &found.named
    } else {
        everyone = all.iter().flat_map(|s| s.named.iter().cloned()).collect();
        &everyone
    };
    let checkpatch = found
        .checkpatch
        .iter()
        .map(|f| (Rule::Checkpatch, f.clone()));
    rules::signoffs(mail, sender)
        .into_iter()
        .chain(rules::placeholders(mail))
        .chain(checkpatch)
        .chain(rules::recipients(mail, sender, named))
        .map(|(rule, detail)| Problem {
            mail: mail.path.clone(),
            rule,
            detail,
        })
        .collect()
}
