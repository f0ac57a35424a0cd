//! `patchctl check`: the gate before `git send-email`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use patchctl::series::check::{self, CheckRequest};

/// Check a revision's mails before they are sent, as their maintainer would.
///
/// Reads every *.patch mail of SERIES/REVISION and prints one line per
/// problem, `<mail>: <rule>: <what>`, for:
///
///   dco              a patch without a Signed-off-by from its author, or a
///                    Co-developed-by not followed by that person's sign-off
///   sender-signoff   a patch the sender (--sender, else git config
///                    user.name/user.email) has not signed off
///   applies          a patch that does not apply to the base tree after
///                    the ones before it (git apply --check)
///   placeholder      an identity at an example, .invalid, .test or
///                    no-reply address (From, To, Cc, trailers)
///   placeholder-link a link to such a host, or to a Message-ID at one
///   checkpatch       anything scripts/checkpatch.pl --strict reports
///   recipients       a maintainer, reviewer or list that
///                    scripts/get_maintainer.pl names for the patch, missing
///                    from its To/Cc (the cover letter: for any patch)
///
/// The base tree gives the scripts and takes the patches: --kdir, or
/// --mainline for the cached linux-source-7.2 (`scripts/deps.sh
/// kernel-source-mainline`), default the cached linux-source-6.12. Exit status: 0 when the series may be sent, 1 when
/// a problem was found, 2 when the check itself could not run.
///
/// Example: patchctl check patches/system-heap-vmap v2
#[derive(clap::Args)]
pub struct Args {
    /// The series directory.
    #[arg(default_value = "patches/system-heap-vmap")]
    series: PathBuf,
    /// The revision: a directory of the series (v1, v2, android...).
    /// Default: its newest vN.
    revision: Option<String>,
    /// Who will send it, as "Name <address>".
    #[arg(long)]
    sender: Option<String>,
    /// The base kernel tree: its checkpatch.pl and get_maintainer.pl
    /// judge, and the patches must apply to it.
    #[arg(long, env = "KDIR", conflicts_with = "mainline")]
    kdir: Option<PathBuf>,
    /// Judge against mainline: the cached linux-source-7.2.
    #[arg(long)]
    mainline: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let revision = match &args.revision {
        Some(r) => r.clone(),
        None => newest_revision(&args.series)?,
    };
    let dir = args.series.join(&revision);
    let tree = match (args.kdir, args.mainline) {
        (Some(k), _) => k,
        (None, true) => patchctl::kernel::tree::cached_mainline_source()?,
        (None, false) => patchctl::kernel::tree::cached_source()?,
    };
    let sender = args.sender.or_else(git_identity);
    let report = check::check(&CheckRequest {
        mails: check::mails_in(&dir)?,
        tree,
        sender,
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for p in &report.problems {
            println!("{}: {}: {}", p.mail.display(), p.rule.name(), p.detail);
        }
        for n in &report.not_checked {
            eprintln!("patchctl check: not checked: {n}");
        }
        eprintln!(
            "patchctl check: {}: {} problem(s) in {} mail(s)",
            dir.display(),
            report.problems.len(),
            report.mails
        );
    }
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The highest vN directory of the series.
fn newest_revision(series: &std::path::Path) -> Result<String> {
    let entries = std::fs::read_dir(series).with_context(|| {
        format!(
            "cannot read the series {}: expected a directory of revisions (v1, v2...)",
            series.display()
        )
    })?;
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let n: u32 = name.strip_prefix('v')?.parse().ok()?;
            Some((n, name))
        })
        .max()
        .map(|(_, name)| name)
        .with_context(|| {
            format!(
                "{} has no vN revision directory: name the revision",
                series.display()
            )
        })
}

/// `Name <address>` from git's configuration, if both are set.
fn git_identity() -> Option<String> {
    let config = git2::Config::open_default().ok()?;
    let name = config.get_string("user.name").ok()?;
    let email = config.get_string("user.email").ok()?;
    Some(format!("{name} <{email}>"))
}
