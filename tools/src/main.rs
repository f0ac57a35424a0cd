//! patchctl: carry a kernel patch from its first posting to v2 and into the
//! Android Common Kernel.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use patchctl::{
    ack, bench, fetch, kunit, machine::Machine, maintainers, review, revise, store, thread, tree,
};

#[derive(Parser)]
#[command(
    name = "patchctl",
    version,
    about = "Kernel patch maintenance workspace: series, review state, KUnit figures, revisions",
    long_about = "patchctl keeps a kernel patch series from its first posting through review to \
the next revision and into vendor kernels.\n\nThe series this workspace carries is \
\"dma-buf: system_heap: Optimize sg_table-to-pages conversion in vmap\"; its revisions live \
under patches/."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the userspace benchmark table from criterion's figures.
    ///
    /// Reads target/criterion/sgvmap_2g/*/new/estimates.json, written by
    /// `cargo bench -p rust-heap --bench sgvmap` (`make bench` runs both), and
    /// prints each conversion's median with its speed-up over the pre-patch
    /// walk and its ratio to the store-loop floor, then the targets.
    Bench {
        /// criterion's output folder.
        #[arg(long, default_value = "target/criterion")]
        criterion_dir: PathBuf,
        /// Print JSON instead of the table.
        #[arg(long)]
        json: bool,
        /// Also write the JSON report to this file.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Exit with status 1 when a target is missed.
        #[arg(long)]
        check: bool,
    },
    /// Build real kernels and run the KUnit suite on them, for each revision and arch.
    ///
    /// For every revision (`baseline`, or a directory under the series such
    /// as `v1`), one cached worktree of the kernel source is switched to the
    /// revision's patches and gets the suite from kunit/, then the tree's own
    /// tools/testing/kunit/kunit.py builds and boots it (UML, or arm64 under
    /// QEMU) in a build directory per arch and flavour, so a revision costs
    /// only what it changes. The KTAP it prints is
    /// parsed: any failed or missing case fails the command. Figures go to
    /// results/kunit-<series>-<revision>-<arch>.json and into one comparison table.
    ///
    /// Trees and build directories live in ~/.cache/patchctl and are reused.
    Kunit {
        /// Architectures: um, arm64. Repeat or separate with commas.
        #[arg(long = "arch", value_delimiter = ',', default_value = "um")]
        arches: Vec<String>,
        /// Revisions: baseline, v1, ... Repeat or separate with commas.
        #[arg(
            long = "revision",
            value_delimiter = ',',
            default_value = "baseline,v1"
        )]
        revisions: Vec<String>,
        /// The series directory holding the revision directories.
        #[arg(long, default_value = "patches/system-heap-vmap")]
        series: PathBuf,
        /// Pristine kernel source (never written to). Default: the cached
        /// Debian linux-source-6.12 that `scripts/deps.sh kernel-source` extracts.
        #[arg(long, env = "KDIR")]
        kdir: Option<PathBuf>,
        /// Parallel make jobs.
        #[arg(long, default_value_t = std::thread::available_parallelism().map_or(2, |n| n.get()))]
        jobs: usize,
        /// Where the JSON results go.
        #[arg(long, default_value = "results")]
        results: PathBuf,
        /// Print the results as JSON instead of the table.
        #[arg(long)]
        json: bool,
        /// Build with CONFIG_RUST and compare the Rust conversion too
        /// (Debian's rustc-web and bindgen-cli, from `scripts/deps.sh rust`).
        #[arg(long, conflicts_with = "kasan")]
        rust: bool,
        /// Build with KASAN (generic, vmalloc too; UML only, C only) and
        /// check byte by byte: no report may come from any revision's code,
        /// and the suite's deliberate v1 overflow must be reported by KASAN
        /// in sgvmap_v1 (that one case fails, as it must). Timing cases are
        /// filtered out. Results go to ...-<arch>-kasan.json.
        #[arg(long)]
        kasan: bool,
    },
    /// Fetch a review thread into the workspace's review store.
    ///
    /// THREAD is a Message-ID (with or without <>), a lore URL (/r/<id>,
    /// /<list>/<id>/, /all/<id>/T/), or a local .mbox / .mbox.gz file. Over
    /// HTTP the whole thread is downloaded as <base>/all/<id>/t.mbox.gz.
    /// A refetch adds only the messages not stored yet; a download that is
    /// cut short, corrupt, or not an mbox changes nothing. The thread and the
    /// review state derived from it are committed under refs/patchctl/review.
    Fetch {
        /// Message-ID, lore URL, or mbox file.
        thread: String,
        /// lore's address (tests point it at 127.0.0.1).
        #[arg(long, default_value = fetch::DEFAULT_BASE, env = "PATCHCTL_LORE")]
        base: String,
        /// Use only what is stored; never touch the network.
        #[arg(long)]
        offline: bool,
        /// Seconds per HTTP request.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
        /// Tries in all for 5xx answers and broken connections.
        #[arg(long, default_value_t = 4)]
        attempts: u32,
        #[command(flatten)]
        review: ReviewArgs,
    },
    /// Where each revision stands: state, trailers, verdicts with evidence,
    /// open questions, and the next step for the author.
    ///
    /// Reads the threads in the review store (patchctl fetch puts them
    /// there); roles come from the kernel tree's MAINTAINERS.
    Status {
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        review: ReviewArgs,
    },
    /// Write the next revision of a series from a branch in a kernel tree.
    ///
    /// The commits base..head become patches/<series>/v<N>/ in git
    /// format-patch form ([PATCH vN i/M]), N one past the manifest's newest
    /// revision: trailers collected in review (from the review store) are
    /// added above the submitter's Signed-off-by, the changelog and a link to
    /// the previous revision go below ---, To/Cc come from the tree's
    /// scripts/get_maintainer.pl plus the previous thread's participants, and
    /// scripts/checkpatch.pl --strict checks every patch (errors fail the
    /// command). The branch is only read; a dirty tree is refused; nothing
    /// is left half-written.
    Revise {
        /// The kernel tree (git repository) holding the branch.
        #[arg(long)]
        tree: PathBuf,
        /// The base revision the series applies to.
        #[arg(long)]
        base: String,
        /// The branch (or revision) at the series' top.
        #[arg(long, default_value = "HEAD")]
        head: String,
        /// The series directory.
        #[arg(long, default_value = "patches/system-heap-vmap")]
        series: PathBuf,
        /// A changelog line (repeat for more).
        #[arg(long = "change")]
        changes: Vec<String>,
        /// Cover letter: a file whose first line is the title, the rest the text.
        #[arg(long)]
        cover: Option<PathBuf>,
        /// KUnit results JSON files whose figures go into the cover letter.
        #[arg(long = "results")]
        results: Vec<PathBuf>,
        /// Reply to this Message-ID (the previous cover letter).
        #[arg(long)]
        in_reply_to: Option<String>,
        /// lore's address, for the link to the previous revision.
        #[arg(long, default_value = fetch::DEFAULT_BASE)]
        lore: String,
        /// Write the revision even when checkpatch.pl reports errors.
        #[arg(long)]
        allow_checkpatch_errors: bool,
        /// Which KUnit-timed loop (before, v1, bounded) this revision's
        /// system_heap_do_vmap() runs, recorded in series.toml for the tables.
        #[arg(long = "loop")]
        timed_loop: Option<String>,
        #[command(flatten)]
        review: ReviewArgs,
    },
    /// Pick a revision into the Android Common Kernel.
    ///
    /// Each patch of the revision becomes a commit on the 6.12 base with the
    /// ACK's prefix: FROMLIST: (posted, not merged; Link: to the patch on
    /// lore), UPSTREAM: (merged; --upstream-sha) or BACKPORT: (merged but
    /// changed to apply; --upstream-sha and --note), then Bug:, a Gerrit
    /// Change-Id: as the commit-msg hook computes it, and your Signed-off-by.
    /// The picks are written to patches/<series>/android/ and, with
    /// --branch, left on a new branch of the kernel repository.
    Ack {
        /// The revision to pick (a directory of the series, e.g. v1).
        #[arg(long)]
        revision: String,
        /// The Android tracking bug.
        #[arg(long)]
        bug: String,
        /// fromlist, upstream or backport.
        #[arg(long, default_value = "fromlist")]
        kind: String,
        /// The upstream commit (upstream, backport).
        #[arg(long)]
        upstream_sha: Option<String>,
        /// What a backport changed.
        #[arg(long)]
        note: Option<String>,
        /// You, as "Name <address>" (default: git's user.name and user.email).
        #[arg(long)]
        picker: Option<String>,
        /// Leave the picks on this new branch of the kernel repository.
        #[arg(long)]
        branch: Option<String>,
        /// The base to pick onto, in the kernel repository.
        #[arg(long, default_value = "HEAD")]
        onto: String,
        /// Pristine kernel source or repository (default: the cached linux-source-6.12).
        #[arg(long, env = "KDIR")]
        kdir: Option<PathBuf>,
        /// The series directory.
        #[arg(long, default_value = "patches/system-heap-vmap")]
        series: PathBuf,
        /// lore's address, for Link:.
        #[arg(long, default_value = fetch::DEFAULT_BASE)]
        lore: String,
    },
}

#[derive(clap::Args)]
struct ReviewArgs {
    /// The git repository holding the review store.
    #[arg(long, default_value = ".")]
    repo: PathBuf,
    /// A kernel tree's MAINTAINERS (default: the cached linux-source-6.12's).
    #[arg(long)]
    maintainers: Option<PathBuf>,
    /// Verdict rules (default: the built-in tools/config/review-rules.toml).
    #[arg(long)]
    rules: Option<PathBuf>,
}

impl ReviewArgs {
    fn repository(&self) -> Result<git2::Repository> {
        git2::Repository::discover(&self.repo).with_context(|| {
            format!(
                "{} is not in a git repository: the review store lives in one",
                self.repo.display()
            )
        })
    }

    fn rules(&self) -> Result<review::Rules> {
        match &self.rules {
            None => Ok(review::Rules::default_rules()),
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read {}", p.display()))?;
                review::Rules::parse(&text, &p.display().to_string())
            }
        }
    }

    fn maintainers(&self) -> Result<Option<maintainers::Maintainers>> {
        let path = match &self.maintainers {
            Some(p) => p.clone(),
            None => {
                let p = maintainers::default_path()?;
                if !p.exists() {
                    eprintln!(
                        "patchctl: no MAINTAINERS at {} (scripts/deps.sh kernel-source puts one there): roles are not shown",
                        p.display()
                    );
                    return Ok(None);
                }
                p
            }
        };
        Ok(Some(maintainers::Maintainers::load(&path)?))
    }
}

/// Every stored thread, decoded, as one thread set for the state.
fn stored_thread(store: &store::Store) -> Result<thread::Thread> {
    let mut mails = Vec::new();
    for (name, data) in store.threads()? {
        let fetched = fetch::decode(&data, &format!("stored thread {name}"))?;
        mails.extend(fetched.thread.mails);
    }
    Ok(thread::Thread::from_mails(mails))
}

fn run_fetch(
    source: &str,
    opts: fetch::HttpOptions,
    offline: bool,
    args: &ReviewArgs,
) -> Result<ExitCode> {
    let source = fetch::parse_source(source)?;
    let repo = args.repository()?;
    let store = store::Store::new(&repo);
    let (data, what) = match &source {
        fetch::Source::File(p) => (
            std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?,
            p.display().to_string(),
        ),
        fetch::Source::MessageId(id) if offline => {
            let known = stored_thread(&store)?;
            if known.get(id).is_none() {
                anyhow::bail!("thread {id} is not stored: fetch it once without --offline");
            }
            println!(
                "{id}: stored, {} messages in the store (offline: nothing fetched)",
                known.mails.len()
            );
            return Ok(ExitCode::SUCCESS);
        }
        fetch::Source::MessageId(id) => {
            eprintln!("patchctl: fetching {}", fetch::thread_url(&opts.base, id));
            (
                fetch::download(id, &opts)?,
                fetch::thread_url(&opts.base, id),
            )
        }
    };
    let fetched = fetch::decode(&data, &what)?;
    let root = fetched
        .thread
        .mails
        .iter()
        .find(|m| m.parent.is_none())
        .map(|m| m.message_id.clone())
        .context("the thread has no messages")?;
    let file = format!("threads/{}", store::thread_file(&root));
    let old = match store.read(&file)? {
        Some(bytes) => fetch::decode(&bytes, &file)?.messages,
        None => Vec::new(),
    };
    let (merged, added) = fetch::merge(old, fetched.messages);
    let raw: Vec<Vec<u8>> = merged.iter().map(|(_, r)| r.clone()).collect();
    let mbox = patchctl::mbox::join(&raw);

    // The state as it stands with this thread, in the same commit.
    let mut files = vec![(file.clone(), mbox)];
    let mut all = Vec::new();
    for (name, data) in store.threads()? {
        if format!("threads/{name}") != file {
            all.extend(fetch::decode(&data, &name)?.thread.mails);
        }
    }
    all.extend(fetch::decode(&files[0].1, &file)?.thread.mails);
    let state = review::derive(
        &thread::Thread::from_mails(all),
        args.maintainers()?.as_ref(),
        &args.rules()?,
    );
    files.push(("state.json".into(), serde_json::to_vec_pretty(&state)?));
    let commit = store.commit(
        &files,
        &format!(
            "fetch {root}: {added} new, {} in all\n\nFrom {what}.\n",
            merged.len()
        ),
    )?;
    println!(
        "{root}: {added} new message(s), {} stored; {} at {}",
        merged.len(),
        store::REF,
        &commit.to_string()[..12]
    );
    Ok(ExitCode::SUCCESS)
}

fn run_status(json: bool, args: &ReviewArgs) -> Result<ExitCode> {
    let repo = args.repository()?;
    let store = store::Store::new(&repo);
    let thread = stored_thread(&store)?;
    if thread.mails.is_empty() {
        anyhow::bail!(
            "no threads in the review store of {}: run `patchctl fetch <thread>` first",
            args.repo.display()
        );
    }
    let state = review::derive(&thread, args.maintainers()?.as_ref(), &args.rules()?);
    if json {
        println!("{}", serde_json::to_string_pretty(&state)?);
    } else {
        print!("{}", review::render(&state));
    }
    Ok(ExitCode::SUCCESS)
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Bench {
            criterion_dir,
            json,
            output,
            check,
        } => {
            let report = bench::load(&criterion_dir, Machine::this())?;
            let text = serde_json::to_string_pretty(&report)?;
            if let Some(path) = output {
                write_atomically(&path, &text)?;
            }
            if json {
                println!("{text}");
            } else {
                print!("{}", bench::render(&report));
            }
            let missed = report.targets.iter().any(|t| !t.met);
            Ok(if check && missed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Kunit {
            arches,
            revisions,
            series,
            kdir,
            jobs,
            results,
            json,
            rust,
            kasan,
        } => run_kunit(
            &arches, &revisions, &series, kdir, jobs, &results, json, rust, kasan,
        ),
        Command::Fetch {
            thread,
            base,
            offline,
            timeout,
            attempts,
            review,
        } => {
            let opts = fetch::HttpOptions {
                base,
                timeout: std::time::Duration::from_secs(timeout),
                attempts,
                ..fetch::HttpOptions::default()
            };
            run_fetch(&thread, opts, offline, &review)
        }
        Command::Status { json, review } => run_status(json, &review),
        Command::Ack {
            revision,
            bug,
            kind,
            upstream_sha,
            note,
            picker,
            branch,
            onto,
            kdir,
            series,
            lore,
        } => {
            let kind = match (kind.as_str(), upstream_sha, note) {
                ("fromlist", _, _) => ack::Kind::FromList,
                ("upstream", Some(sha), _) => ack::Kind::Upstream { sha },
                ("backport", Some(sha), Some(note)) => ack::Kind::Backport { sha, note },
                ("upstream", None, _) => anyhow::bail!("--kind upstream needs --upstream-sha"),
                ("backport", _, _) => {
                    anyhow::bail!("--kind backport needs --upstream-sha and --note")
                }
                (other, _, _) => anyhow::bail!(
                    "unknown --kind {other:?}: expected fromlist, upstream or backport"
                ),
            };
            let cache = tree::cache_dir()?;
            let source = kdir.unwrap_or_else(|| cache.join("linux-source-6.12"));
            let version = tree::kernel_version(&source)?;
            let base = tree::base_repository(&source, &cache, &version)?;
            let rev = tree::Revision::resolve(&series, &revision)?;
            let manifest = revise::Manifest::load(&series)?;
            let entry = manifest.revision.iter().find(|r| r.directory == revision);
            // One Message-ID per patch: the manifest's for a single patch.
            let message_ids: Vec<String> = match entry.and_then(|e| e.message_id.clone()) {
                Some(id) if rev.patches.len() == 1 => vec![id],
                _ => Vec::new(),
            };
            let picker = match picker {
                Some(p) => p,
                None => {
                    let cfg = git2::Config::open_default()?;
                    format!(
                        "{} <{}>",
                        cfg.get_string("user.name")?,
                        cfg.get_string("user.email")?
                    )
                }
            };
            let (pname, pemail) = picker
                .rsplit_once('<')
                .map(|(n, e)| {
                    (
                        n.trim().to_string(),
                        e.trim_end_matches('>').trim().to_string(),
                    )
                })
                .context("--picker must be \"Name <address>\"")?;
            let files = ack::ack(&ack::AckOptions {
                base: &base,
                onto: &onto,
                revision: &rev,
                message_ids,
                bug: &bug,
                picker: (&pname, &pemail),
                kind,
                out: &series.join("android"),
                branch: branch.as_deref(),
                scratch: &cache.join("trees"),
                lore: &lore,
            })?;
            for f in files {
                println!("{}", f.display());
            }
            record_android_revision(&series, &revision)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Revise {
            tree,
            base,
            head,
            series,
            changes,
            cover,
            results,
            in_reply_to,
            lore,
            allow_checkpatch_errors,
            timed_loop,
            review,
        } => {
            let cover = match cover {
                Some(p) => {
                    let text = std::fs::read_to_string(&p)
                        .with_context(|| format!("cannot read {}", p.display()))?;
                    let (title, body) = text.split_once('\n').unwrap_or((text.as_str(), ""));
                    Some((
                        title.trim().to_string(),
                        body.trim_start_matches('\n').to_string(),
                    ))
                }
                None => None,
            };
            let measured = if results.is_empty() {
                None
            } else {
                Some(measured_table(&results, &series)?)
            };
            // Trailers and participants from the review store, if it has threads.
            let repo = review.repository().ok();
            let stored = match &repo {
                Some(r) => stored_thread(&store::Store::new(r)).ok(),
                None => None,
            };
            let state = match &stored {
                Some(t) if !t.mails.is_empty() => Some(review::derive(
                    t,
                    review.maintainers()?.as_ref(),
                    &review.rules()?,
                )),
                _ => None,
            };
            let mut participants: Vec<String> = Vec::new();
            for m in stored.iter().flat_map(|t| &t.mails) {
                let who = format!("{} <{}>", m.from_name, m.from_email);
                if !participants.contains(&who) {
                    participants.push(who);
                }
            }
            let revised = revise::revise(&revise::ReviseOptions {
                tree: &tree,
                base: &base,
                head: &head,
                series_dir: &series,
                changes,
                cover,
                measured,
                review: state.as_ref(),
                extra_cc: participants,
                in_reply_to,
                lore: &lore,
                allow_checkpatch_errors,
                timed_loop,
            })?;
            for (f, summary) in &revised.checkpatch {
                println!("checkpatch {}: {summary}", f.display());
            }
            for f in &revised.files {
                println!("{}", f.display());
            }
            println!(
                "v{} written to {} and recorded in series.toml; add its Message-ID there once posted",
                revised.version,
                revised.dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn run_kunit(
    arches: &[String],
    revisions: &[String],
    series: &std::path::Path,
    kdir: Option<PathBuf>,
    jobs: usize,
    results: &std::path::Path,
    json: bool,
    rust: bool,
    kasan: bool,
) -> Result<ExitCode> {
    let cache = tree::cache_dir()?;
    let flavor = if rust {
        let tools = kunit::RustTools {
            rustc: PathBuf::from("/usr/bin/rustc"),
            bindgen: cache.join("cargo/bin/bindgen"),
        };
        for t in [&tools.rustc, &tools.bindgen] {
            if !t.is_file() {
                anyhow::bail!("--rust needs {}: run `scripts/deps.sh rust`", t.display());
            }
        }
        kunit::Flavor::Rust(tools)
    } else if kasan {
        kunit::Flavor::Kasan
    } else {
        kunit::Flavor::C
    };
    let source = kdir.unwrap_or_else(|| cache.join("linux-source-6.12"));
    let version = tree::kernel_version(&source).with_context(|| {
        "no kernel source: run `scripts/deps.sh kernel-source` (or `make deps`), or pass --kdir"
    })?;
    let workspace = std::env::current_dir()?;
    let suite = kunit::Suite::in_workspace(&workspace);
    let arches = arches
        .iter()
        .map(|a| kunit::Arch::parse(a))
        .collect::<Result<Vec<_>>>()?;
    for &arch in &arches {
        if kasan && arch != kunit::Arch::Um {
            anyhow::bail!(
                "--kasan runs on UML only: KASAN under QEMU's emulation of arm64 would take hours; drop --arch {}",
                arch.name()
            );
        }
        kunit::check_tools(arch)?;
    }
    let revisions = revisions
        .iter()
        .map(|r| tree::Revision::resolve(series, r))
        .collect::<Result<Vec<_>>>()?;
    let series_name = series
        .file_name()
        .map_or("series".into(), |n| n.to_string_lossy().to_string());

    let mut all = Vec::new();
    let mut failed = false;
    let mut stderr = std::io::stderr();
    // One worktree for every revision, switched in place, and one build
    // directory per arch and flavour: kbuild then recompiles only what a
    // revision changes (seconds) instead of building a kernel per revision.
    let tree_name = format!("linux-{version}");
    let tree_dir = cache.join("trees").join(&tree_name);
    // Held for the whole run: every build reads the tree.
    let _tree_lock = tree::lock_tree(&tree_dir)?;
    let base = tree::base_repository(&source, &cache, &version)?;
    for revision in &revisions {
        eprintln!(
            "patchctl: {} on Linux {version}: switching {} to it",
            revision.name,
            tree_dir.display()
        );
        tree::prepare(&base, revision, &tree_name, &tree_dir)?;
        kunit::place_suite(&tree_dir, &suite)?;
        for &arch in &arches {
            let build = cache.join("build").join(format!(
                "linux-{version}-{}-{}",
                arch.name(),
                flavor.name()
            ));
            let log = build.join(format!("kunit-{series_name}-{}.log", revision.name));
            eprintln!(
                "patchctl: {} / {}: kunit.py (build in {})",
                revision.name,
                arch.name(),
                build.display()
            );
            let result = kunit::run_kunit(
                &tree_dir,
                &suite,
                arch,
                &build,
                &log,
                jobs,
                &flavor,
                &mut stderr,
            )?;
            let failures = result.run.failures();
            for (path, test) in &failures {
                if matches!(flavor, kunit::Flavor::Kasan) && path == patchctl::kasan::EXPECTED_CASE
                {
                    // Judged below, with KASAN's report.
                    continue;
                }
                eprintln!("patchctl: FAILED {path}: {}", test.diagnostics.join(" | "));
            }
            for m in &result.run.missing {
                eprintln!(
                    "patchctl: MISSING results under {}: {} of {} (crash or hang? see {})",
                    m.parent,
                    m.seen,
                    m.planned,
                    log.display()
                );
            }
            for (path, reason) in result.run.skips() {
                eprintln!("patchctl: skipped {path}: {reason}");
            }
            // Under KASAN one case fails on purpose; the verdict says
            // whether the failures and reports are exactly the expected ones.
            let kasan_verdict = matches!(flavor, kunit::Flavor::Kasan).then(|| {
                let log_text = std::fs::read_to_string(&log).unwrap_or_default();
                patchctl::kasan::Verdict::of(&result.run, &log_text)
            });
            let outcome_failed = match &kasan_verdict {
                Some(v) => {
                    for r in &v.expected_reports {
                        eprintln!(
                            "patchctl: KASAN caught the deliberate v1 overflow: {}",
                            r.line
                        );
                    }
                    let problems = v.problems();
                    for p in &problems {
                        eprintln!("patchctl: KASAN run: {p}");
                    }
                    !problems.is_empty()
                }
                None => !failures.is_empty() || result.exit_code != Some(0),
            };
            let run_failed =
                outcome_failed || !result.run.missing.is_empty() || result.run.passed() == 0;
            failed |= run_failed;
            let record = serde_json::json!({
                "series": series_name,
                "revision": revision.name,
                "kernel": version,
                "arch": arch.name(),
                "config": flavor.config(),
                "machine": Machine::this(),
                "passed": result.run.passed(),
                "failed": failures.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(),
                "missing": result.run.missing,
                "skipped": result.run.skips(),
                "figures": result.run.figures,
                "loop": own_loop(series, &revision.name),
                // Where the log is under the cache, not the machine's path.
                "log": log.strip_prefix(&cache).unwrap_or(&log),
                "kasan": kasan_verdict,
            });
            write_atomically(
                &results.join(format!(
                    "kunit-{series_name}-{}-{}{}.json",
                    revision.name,
                    arch.name(),
                    flavor.suffix()
                )),
                &serde_json::to_string_pretty(&record)?,
            )?;
            all.push((
                record,
                kunit::RevisionFigures {
                    revision: revision.name.clone(),
                    arch: arch.name().into(),
                    figures: result.run.figures.clone(),
                    own_loop: own_loop(series, &revision.name),
                },
            ));
        }
    }
    if json {
        let records: Vec<_> = all.iter().map(|(r, _)| r.clone()).collect();
        println!("{}", serde_json::to_string_pretty(&records)?);
    } else if matches!(flavor, kunit::Flavor::Kasan) {
        // No timings under KASAN: one verdict line per run.
        println!("KUnit under KASAN on Linux {version}:");
        for (r, _) in &all {
            let v = &r["kasan"];
            let unexpected = v["unexpected_reports"].as_array().map_or(0, Vec::len)
                + v["unexpected_failures"].as_array().map_or(0, Vec::len);
            println!(
                "  {:<10} {:<5} {} cases passed, {} unexpected report(s) or failure(s); the deliberate v1 overflow reported {} time(s) in {}",
                r["revision"].as_str().unwrap_or("?"),
                r["arch"].as_str().unwrap_or("?"),
                r["passed"],
                unexpected,
                v["expected_reports"].as_array().map_or(0, Vec::len),
                patchctl::kasan::EXPECTED_FUNCTION
            );
        }
    } else {
        let figures: Vec<_> = all.into_iter().map(|(_, f)| f).collect();
        println!("KUnit on Linux {version}, minimum of repeated runs per figure");
        print!("{}", kunit::render_table(&figures));
    }
    Ok(if failed {
        eprintln!("patchctl: KUnit run FAILED (see the lines above)");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The KUnit table from results JSON files, with where the figures came from.
fn measured_table(files: &[PathBuf], series: &std::path::Path) -> Result<String> {
    let mut runs = Vec::new();
    let mut sources = Vec::new();
    for f in files {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
        let v: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a patchctl kunit results file", f.display()))?;
        let figures: Vec<patchctl::ktap::Figure> = serde_json::from_value(v["figures"].clone())
            .with_context(|| format!("{} has no figures", f.display()))?;
        let machine = &v["machine"];
        let source = format!(
            "{} on Linux {} ({}), {} {}, {} CPUs",
            v["arch"].as_str().unwrap_or("?"),
            v["kernel"].as_str().unwrap_or("?"),
            if v["arch"] == "arm64" {
                "QEMU TCG"
            } else {
                "UML"
            },
            machine["cpu"].as_str().unwrap_or("?"),
            machine["arch"].as_str().unwrap_or("?"),
            machine["cpus"]
        );
        if !sources.contains(&source) {
            sources.push(source);
        }
        runs.push(kunit::RevisionFigures {
            revision: v["revision"].as_str().unwrap_or("?").to_string(),
            arch: v["arch"].as_str().unwrap_or("?").to_string(),
            figures,
            // Results written before they recorded the loop: ask the manifest.
            own_loop: v["loop"]
                .as_str()
                .map(String::from)
                .or_else(|| own_loop(series, v["revision"].as_str().unwrap_or_default())),
        });
    }
    Ok(format!(
        "Measured with KUnit (minimum of 7 runs per figure):\n{}\n{}",
        sources
            .iter()
            .map(|s| format!("  {s}"))
            .collect::<Vec<_>>()
            .join("\n"),
        kunit::render_table(&runs)
    ))
}

/// Notes in series.toml which revision android/ was picked from.
fn record_android_revision(series: &std::path::Path, revision: &str) -> Result<()> {
    let path = series.join("series.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let line = format!("revision = {}", toml::Value::String(revision.into()));
    let updated = match text.find("[android]\n") {
        Some(at) => {
            let start = at + "[android]\n".len();
            let end = text[start..].find('\n').map_or(text.len(), |e| start + e);
            format!("{}{line}{}", &text[..start], &text[end..])
        }
        None => match text.find("[[revision]]") {
            Some(at) => format!("{}[android]\n{line}\n\n{}", &text[..at], &text[at..]),
            None => format!("{text}\n[android]\n{line}\n"),
        },
    };
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, updated)?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot update {}", path.display()))?;
    Ok(())
}

/// Which timed loop a revision's system_heap_do_vmap() runs: the pre-patch
/// walk for the baseline, else what series.toml says (`loop = ...`).
fn own_loop(series: &std::path::Path, revision: &str) -> Option<String> {
    if revision == "baseline" {
        return Some("before".into());
    }
    let manifest = revise::Manifest::load(series).ok()?;
    // The Android picks run the loop of the revision they picked.
    let revision = match (&manifest.android, revision) {
        (Some(a), "android") => a.revision.clone(),
        _ => revision.to_string(),
    };
    manifest
        .revision
        .into_iter()
        .find(|r| r.directory == revision)
        .and_then(|r| r.timed_loop)
}

/// Writes through a temporary file and a rename: a reader never sees half.
fn write_atomically(path: &std::path::Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))?;
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("patchctl: {err:#}");
            ExitCode::from(2)
        }
    }
}
