//! `patchctl check`: the gate before `git send-email`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use patchctl::series::check::{self, CheckRequest};

/// Check a revision's mails before they are sent, as their maintainer would.
///
/// Reads every *.patch mail of SERIES/REVISION and prints one line per
/// problem, `<mail>: <rule>: <what>`:
///
///   dco              a patch without a Signed-off-by from its author (the
///                    Developer's Certificate of Origin), or a
///                    Co-developed-by not followed at once by that person's
///                    Signed-off-by. Fix: the author signs off.
///   sender-signoff   the sender has not signed a patch off, or signed before
///                    someone else. Fix: git commit -s when you carry it.
///   placeholder      an identity (From, To, Cc, any `Key: Name <address>`
///                    line of a message) at an example, .invalid, .test or
///                    no-reply address. Fix: the person's real address.
///   placeholder-link a link in the prose to such a host, or to a Message-ID
///                    at one. Fix: the lore link of the mail that was sent.
///   applies          a patch that does not apply to the base tree on top of
///                    the ones before it (git apply --check). Fix: rebase.
///   checkpatch       anything the base tree's scripts/checkpatch.pl --strict
///                    reports.
///   recipients       someone the base tree's scripts/get_maintainer.pl names
///                    for a patch whom the mail does not reach (the cover
///                    letter: for any patch). A mail reaches its To and Cc
///                    headers, its From, the sender, and the Cc: and -by:
///                    lines of its message, which git send-email copies by
///                    default; --cc-cmd is not counted, so put them in the
///                    headers.
///   builds           (with --build) a patch that does not build on its own:
///                    the base with it and the patches before it, built
///                    by kunit.py for each arch given, nothing booted.
///                    Each prefix builds with the config that compiles the
///                    files the series touches and the KUnit suites that
///                    cover them, not the whole tree; the report says which
///                    touched C files each build compiled and which it
///                    did not (their config is off on that arch). The first
///                    build from an empty build directory takes minutes
///                    (on an idle 2-CPU machine UML about 4 to 5, arm64
///                    about 6 to 7; several times that on a loaded one);
///                    each next patch rebuilds only what it changed, from
///                    seconds to a minute. Fix: move what a patch uses into it, or
///                    reorder the series.
///   figures          a figure quoted from the KUnit record (a `Figure
///                    whole@v3 um 256M = <value>, from <file>` line, which patchctl
///                    revise writes when it fills a {{...}} placeholder) that
///                    the record in --results gives differently now, or that
///                    the text above does not carry; or a placeholder never
///                    filled. Fix: patchctl revise --results again.
///
/// checkpatch.pl and get_maintainer.pl take most of a check's time (perl
/// compiles each script on every start). Their answers on a patch are kept
/// in the cache (~/.cache/patchctl/check-scripts) and used again while the
/// patch's bytes, the scripts and the tree are the same: after editing one
/// patch, a check runs perl on that patch alone. A tree is cached only when
/// it cannot change unseen (a source package patchctl extracted, or a git
/// checkout whose tracked files match HEAD); --no-cache runs every script.
///
/// The sender is --sender, else git's sendemail.from, else user.name and
/// user.email (the repository's own configuration first). The base tree gives the scripts
/// and takes the patches: --kdir (or KDIR), --mainline for the cached
/// linux-source-7.2 (scripts/deps.sh kernel-source-mainline), else the
/// cached linux-source-6.12. A vendor pick (android/) is judged as a
/// series for that tree: its list recipients will be missing, by design.
///
/// Exit status: 0 when the series may be sent, 1 when a problem was found,
/// 2 when the check itself could not run (no tree, no sender, a mail that
/// does not read).
///
/// Examples:
///   patchctl check patches/system-heap-vmap v2
///   patchctl check patches/vmap-sg v1 --mainline --json
///   patchctl check patches/lib-list-sort v1 --build um,arm64
///   patchctl check patches --ready        # every revision marked ready
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The series directory (patches/<slug>, as patchctl am writes it);
    /// with --ready, a series or a directory of them.
    series: PathBuf,
    /// The revision: a directory of the series (v1, v2...). Default: its
    /// newest vN.
    revision: Option<String>,
    /// Who will send it, as "Name <address>".
    #[arg(long)]
    sender: Option<String>,
    /// The base kernel tree: its checkpatch.pl and get_maintainer.pl
    /// judge, and the patches must apply to it.
    #[arg(long, env = "KDIR")]
    kdir: Option<PathBuf>,
    /// Judge against mainline: the cached linux-source-7.2 (wins over
    /// KDIR). A revision whose series.toml says `base = "mainline"` is
    /// judged against it without this.
    #[arg(long)]
    mainline: bool,
    /// The KUnit record the figures quoted in the mails are recomputed
    /// from (each mail's `Figure <figure>@<revision> ... = ..., from <file>`
    /// lines).
    #[arg(long, default_value = "results")]
    results: PathBuf,
    /// Build every prefix of the series on these arches (um, arm64),
    /// comma separated: the `builds` rule. Without it nothing is built.
    #[arg(long, value_delimiter = ',', value_name = "ARCHES")]
    build: Vec<patchctl::kernel::kunitpy::Arch>,
    /// Parallel make jobs for --build (default: the machine's CPUs).
    #[arg(long)]
    jobs: Option<usize>,
    /// Check every revision marked `ready = true` in its series.toml, in
    /// every series under SERIES (a series, or a directory of them such as
    /// patches/): what `make test` runs, so that nothing called ready to
    /// send fails the gate.
    #[arg(long)]
    ready: bool,
    /// Run checkpatch.pl and get_maintainer.pl on every patch, even where
    /// an earlier check kept their answers on the same mail and tree.
    #[arg(long)]
    no_cache: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let passed = match (&args.revision, args.ready) {
        (_, true) => check_ready(&args)?,
        (Some(r), false) => check_revision(&args, &args.series, r)?,
        (None, false) => check_revision(&args, &args.series, &newest_revision(&args.series)?)?,
    };
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `--ready`: every revision marked `ready = true` in the series.toml of
/// each series under `args.series`; whether all of them pass.
fn check_ready(args: &Args) -> Result<bool> {
    if args.revision.is_some() {
        anyhow::bail!("--ready checks every revision marked ready: name no revision");
    }
    let mut passed = true;
    let mut checked = 0;
    for series in patchctl::orchestrate::kunit::series_dirs(std::slice::from_ref(&args.series))? {
        let manifest = patchctl::series::Manifest::load(&series)?;
        for r in manifest.revision.iter().filter(|r| r.ready) {
            checked += 1;
            passed &= check_revision(args, &series, &r.directory)?;
        }
    }
    eprintln!(
        "patchctl check: {checked} revision(s) under {} marked ready to send{}",
        args.series.display(),
        match (checked, passed) {
            (0, _) => ": nothing to check",
            (_, true) => ", all pass",
            (_, false) => ", and not all pass",
        }
    );
    Ok(passed)
}

/// Checks `revision` of `series` and prints the report; whether it passed.
fn check_revision(args: &Args, series: &Path, revision: &str) -> Result<bool> {
    let revision = &revision_dir(series, revision)?;
    let dir = series.join(revision);
    let manifest = match series.join(patchctl::series::manifest::FILE).exists() {
        true => Some(patchctl::series::Manifest::load(series)?),
        false => None,
    };
    let on_mainline = manifest
        .as_ref()
        .is_some_and(|m| m.base_of(revision) == patchctl::series::manifest::Base::Mainline);
    let tree = match (args.mainline || on_mainline, args.kdir.clone()) {
        (true, _) => patchctl::kernel::tree::cached_mainline_source()?,
        (false, Some(k)) => k,
        (false, None) => patchctl::kernel::tree::cached_source()?,
    };
    let series_name = manifest.as_ref().map_or_else(
        || {
            series
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned())
        },
        |m| m.name.clone(),
    );
    let figures = match args.results.is_dir() {
        true => Some(patchctl::orchestrate::quote::RecordFigures::in_dir(
            &series_name,
            &args.results,
        )?),
        false => None,
    };
    let sender = args.sender.clone().or_else(|| patchctl::series::identity::git_sender(None)).context(
        "no sender: pass --sender \"Name <address>\", or set git config user.name and user.email",
    )?;
    let address = patchctl::mail::address::email_or_whole(&sender);
    if let Some(why) = patchctl::series::identity::placeholder_email(&address) {
        eprintln!(
            "patchctl check: the sender <{address}> ({}) is {why}: pass --sender \"Name <the address you send from>\"",
            if args.sender.is_some() { "--sender" } else { "from git config" }
        );
    }
    let mut report = check::check(
        &CheckRequest {
            mails: check::mails_in(&dir)?,
            tree: tree.clone(),
            sender,
            script_cache: match args.no_cache {
                true => None,
                false => patchctl::sources::cache_dir()
                    .ok()
                    .map(|d| d.join("check-scripts")),
            },
        },
        figures
            .as_ref()
            .map(|f| f as &dyn patchctl::series::quote::FigureSource),
    )?;
    if !args.build.is_empty() {
        add_builds(&mut report, args, series, revision, tree)?;
    }
    print_report(args, &dir, &report)?;
    Ok(report.passed())
}

fn print_report(args: &Args, dir: &Path, report: &check::CheckReport) -> Result<()> {
    if args.json {
        println!("{}", serde_json::to_string_pretty(report)?);
        return Ok(());
    }
    for p in &report.problems {
        println!("{}: {}: {}", p.mail.display(), p.rule.name(), p.detail);
    }
    for line in check::build_summary(&report.builds) {
        eprintln!("patchctl check: built {line}");
    }
    if report.scripts_cached > 0 {
        eprintln!(
            "patchctl check: checkpatch.pl and get_maintainer.pl answers on {} unchanged patch(es) kept from an earlier check on the same tree (--no-cache runs them again)",
            report.scripts_cached
        );
    }
    eprintln!(
        "patchctl check: {}: {} problem(s) in {} mail(s)",
        dir.display(),
        report.problems.len(),
        report.mails
    );
    Ok(())
}

/// The patch-by-patch builds (`--build`), unless a patch does not apply:
/// then there is nothing to build, and the report says why already.
fn add_builds(
    report: &mut check::CheckReport,
    args: &Args,
    series: &Path,
    revision: &str,
    tree: PathBuf,
) -> Result<()> {
    if report
        .problems
        .iter()
        .any(|p| p.rule == check::Rule::Applies)
    {
        eprintln!("patchctl check: not building: a patch does not apply (see the applies line)");
        return Ok(());
    }
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let workspace = std::env::current_dir().context("cannot read the current directory")?;
    let mut builds = patchctl::orchestrate::prefix_builds::build_series_prefixes(
        &patchctl::orchestrate::prefix_builds::PrefixBuildRequest {
            series: series.to_path_buf(),
            revision: revision.to_string(),
            arches: args.build.clone(),
            jobs,
            source: Some(tree),
            workspace,
        },
        &mut std::io::stderr(),
    )?;
    // Named as the other rules name the mails: under the directory given.
    let dir = series.join(revision);
    for b in &mut builds {
        if let Some(name) = b.adds.file_name() {
            b.adds = dir.join(name);
        }
    }
    report.add_builds(builds);
    Ok(())
}

/// The revision directory `name` stands for: itself, or `vN` for a bare
/// number; an error that lists what the series holds when neither exists.
fn revision_dir(series: &Path, name: &str) -> Result<String> {
    if !series.is_dir() {
        anyhow::bail!(
            "no series at {}: expected a series directory (patches/<slug>, as patchctl am writes it)",
            series.display()
        );
    }
    let numbered = format!("v{name}");
    for candidate in [name, numbered.as_str()] {
        if series.join(candidate).is_dir() {
            return Ok(candidate.to_string());
        }
    }
    anyhow::bail!(
        "no revision {name:?} in {}: it holds {}",
        series.display(),
        patchctl::series::revision::held_revisions(series)
    )
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
