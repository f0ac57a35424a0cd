//! Kernel trees per revision: a git worktree of the pristine source's base
//! commit with the revision's patches applied as commits. The pristine tree
//! (Debian's linux-source, or the user's own) is never written to.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use git2::{
    IndexAddOption, Oid, Repository, Signature, Time, WorktreeAddOptions, WorktreePruneOptions,
};

use crate::mail::patch::{self, MailPatch};
use crate::series::manifest::Base;

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

/// A revision to test: the base alone, a directory of patch files, or a
/// variant of one (some of its patches left out), with what its series
/// asks of the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// The series directory's name (`system-heap-vmap`, ...).
    pub series: String,
    /// `baseline`, `v1`, ...
    pub name: String,
    /// The patch files, in order (empty for the baseline).
    pub patches: Vec<PathBuf>,
    /// The suite the series places into the tree.
    pub suite: String,
    /// Lines the series adds to the suite's kunitconfig.
    pub kunit_config: Vec<String>,
    /// The kernel it is built on.
    pub base: Base,
}

impl Revision {
    /// A revision of no series in particular, with the default suite.
    pub fn new(name: &str, patches: Vec<PathBuf>) -> Revision {
        let kunit = crate::series::manifest::KunitSection::default();
        Revision {
            series: "series".into(),
            name: name.into(),
            patches,
            suite: kunit.suite,
            kunit_config: kunit.config,
            base: Base::Android,
        }
    }

    /// `baseline`, a revision directory under `series_dir` holding
    /// `*.patch` files, or a `[[variant]]` its series.toml names.
    pub fn resolve(series_dir: &Path, name: &str) -> Result<Revision> {
        let manifest = if series_dir.join(crate::series::manifest::FILE).exists() {
            Some(crate::series::Manifest::load(series_dir)?)
        } else {
            None
        };
        Revision::in_series(series_dir, manifest.as_ref(), name)
    }

    /// As [`Revision::resolve`], with the series' manifest already read
    /// (`None`: the series has none).
    pub fn in_series(
        series_dir: &Path,
        manifest: Option<&crate::series::Manifest>,
        name: &str,
    ) -> Result<Revision> {
        let mut revision = Revision::new(name, Vec::new());
        revision.series = series_dir
            .file_name()
            .map_or("series".into(), |n| n.to_string_lossy().into_owned());
        if let Some(m) = manifest {
            revision.suite = m.kunit.suite.clone();
            revision.kunit_config = m.kunit.config.clone();
            revision.base = m.base_of(name);
        }
        if name == crate::series::manifest::BASELINE {
            return Ok(revision);
        }
        if name == crate::series::manifest::MAINLINE {
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
                        series_dir.join(crate::series::manifest::FILE).display(),
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
}

/// The `*.patch` files of `series_dir/directory` that carry a diff, in
/// order.
fn patches_in(series_dir: &Path, directory: &str) -> Result<Vec<PathBuf>> {
    // Absolute, because patches are applied from inside the tree.
    let dir = std::path::absolute(series_dir.join(directory))
        .with_context(|| format!("cannot resolve {}", series_dir.join(directory).display()))?;
    let entries = fs::read_dir(&dir).with_context(|| {
        format!(
            "no revision {directory:?}: expected \"baseline\" (6.12), \"mainline\", a directory {} with *.patch files, or a [[variant]] in series.toml",
            dir.display()
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

/// Checks that `source` looks like a kernel tree and says which version.
pub fn kernel_version(source: &Path) -> Result<String> {
    let makefile = source.join("Makefile");
    let text = fs::read_to_string(&makefile).with_context(|| {
        format!(
            "{} is not a kernel tree: cannot read its Makefile",
            source.display()
        )
    })?;
    let field = |key: &str| {
        text.lines().find_map(|l| {
            l.strip_prefix(key)
                .map(|v| v.trim_start_matches([' ', '=']).trim().to_string())
        })
    };
    match (field("VERSION"), field("PATCHLEVEL"), field("SUBLEVEL")) {
        (Some(v), Some(p), Some(s)) => Ok(format!("{v}.{p}.{s}")),
        _ => bail!(
            "{} is not a kernel tree: its Makefile has no VERSION/PATCHLEVEL/SUBLEVEL",
            makefile.display()
        ),
    }
}

/// Records, inside a prepared tree, the patches it was made with.
const STAMP: &str = ".patchctl-applied";

/// The identity commits made by the tool carry as committer when the
/// repository has no user configured.
const TOOL_NAME: &str = "patchctl";
const TOOL_EMAIL: &str = "patchctl@localhost";

/// A git repository holding the pristine source as one base commit.
///
/// A `source` that is a git repository already is used as it is (its
/// HEAD is the base). Any other tree is copied into the cache once and
/// committed there, so the user's files are never written to.
pub fn base_repository(
    source: &Path,
    cache: &Path,
    version: &str,
    progress: &mut dyn std::io::Write,
) -> Result<Repository> {
    if let Ok(repo) = Repository::open(source) {
        if repo.head().is_ok() {
            return Ok(repo);
        }
    }
    let dir = cache.join(format!("base-{version}"));
    if let Ok(repo) = Repository::open(&dir) {
        if repo.head().is_ok() && dir.join(STAMP).exists() {
            return Ok(repo);
        }
    }
    let _ = writeln!(
        progress,
        "patchctl: making {} a git repository with one base commit (once; about a minute)",
        dir.display()
    );
    let partial = dir.with_extension("partial");
    for d in [&partial, &dir] {
        if d.exists() {
            fs::remove_dir_all(d).with_context(|| format!("cannot remove {}", d.display()))?;
        }
    }
    fs::create_dir_all(cache).with_context(|| format!("cannot create {}", cache.display()))?;
    copy_tree(source, &partial)?;
    {
        let repo = Repository::init(&partial)
            .with_context(|| format!("cannot create a git repository in {}", partial.display()))?;
        let mut index = repo.index()?;
        // FORCE: the tarball's files are the base, whatever .gitignore says.
        index
            .add_all(["*"], IndexAddOption::FORCE, None)
            .context("cannot add the kernel source to the index")?;
        index.write()?;
        let tree = repo.find_tree(index.write_tree()?)?;
        let sig = Signature::now(TOOL_NAME, TOOL_EMAIL)?;
        repo.commit(
            Some("HEAD"),
            &sig,
            &sig,
            &format!(
                "Linux {version}\n\nThe pristine source from {}.\n",
                source.display()
            ),
            &tree,
            &[],
        )?;
    }
    fs::write(partial.join(STAMP), "")?;
    fs::rename(&partial, &dir)
        .with_context(|| format!("cannot rename {} to {}", partial.display(), dir.display()))?;
    Ok(Repository::open(&dir)?)
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    let status = Command::new("cp")
        .arg("-a")
        .arg("--reflink=auto")
        .arg(from)
        .arg(to)
        .status()
        .context("cannot run cp")?;
    if !status.success() {
        bail!("copying {} to {} failed", from.display(), to.display());
    }
    Ok(())
}

/// Holds `dest` for this process until the returned file is dropped: two
/// runs that share the cache (two terminals, CI beside a developer) would
/// otherwise remove and rebuild the same worktree under each other.
pub fn lock_tree(dest: &Path, progress: &mut dyn std::io::Write) -> Result<std::fs::File> {
    let name = dest
        .file_name()
        .map_or_else(|| "tree".into(), |n| n.to_string_lossy().into_owned());
    let parent = dest.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let path = parent.join(format!(".{name}.lock"));
    let file = std::fs::File::create(&path)
        .with_context(|| format!("cannot create the lock file {}", path.display()))?;
    if file.try_lock().is_err() {
        let _ = writeln!(
            progress,
            "patchctl: another patchctl is using {}; waiting for it",
            dest.display()
        );
        file.lock()
            .with_context(|| format!("cannot lock {}", path.display()))?;
    }
    Ok(file)
}

/// Makes `dest` a worktree of `base` at its base commit with `revision`'s
/// patches applied as commits, as `git am` would make them. A tree made
/// from the same patches before is reused, so that kbuild rebuilds only
/// what changed. On any failure the worktree is removed: no half-applied
/// revision is left behind.
pub fn prepare(base: &Repository, revision: &Revision, name: &str, dest: &Path) -> Result<()> {
    let mut applied = String::new();
    let mut patches = Vec::new();
    for path in &revision.patches {
        let raw = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        applied.push_str(&String::from_utf8_lossy(&raw));
        patches.push((path, patch::parse(&raw, &path.display().to_string())?));
    }
    let stamp = dest.join(STAMP);
    if fs::read_to_string(&stamp).is_ok_and(|old| old == applied) {
        return Ok(());
    }
    let base_commit = base.head()?.peel_to_commit()?;
    if switch_in_place(base, name, dest, base_commit.id()) {
        let result = (|| -> Result<()> {
            let repo = Repository::open(dest)?;
            for (path, patch) in &patches {
                am(&repo, path, patch)?;
            }
            fs::write(&stamp, &applied).with_context(|| format!("cannot write {}", stamp.display()))
        })();
        if result.is_err() {
            // Back to the base, so that no half-applied revision is left.
            let _ = switch_in_place(base, name, dest, base_commit.id());
        }
        return result;
    }
    remove_worktree(base, name, dest)?;
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let branch = base.branch(&format!("patchctl/{name}"), &base_commit, true)?;
    let mut opts = WorktreeAddOptions::new();
    opts.reference(Some(branch.get()));
    base.worktree(name, dest, Some(&opts))
        .with_context(|| format!("cannot add a worktree at {}", dest.display()))?;

    let result = (|| -> Result<()> {
        let repo = Repository::open(dest)?;
        for (path, patch) in &patches {
            am(&repo, path, patch)?;
        }
        fs::write(&stamp, &applied).with_context(|| format!("cannot write {}", stamp.display()))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = remove_worktree(base, name, dest);
    }
    result
}

/// Resets the existing worktree `name` at `dest` to the base commit, as
/// `git reset --hard` does: only the files that differ are rewritten, so
/// kbuild's timestamps send it to exactly those. False when there is no
/// usable worktree there (the caller then makes one).
fn switch_in_place(base: &Repository, name: &str, dest: &Path, base_commit: Oid) -> bool {
    if base.find_worktree(name).is_err() || Repository::open(dest).is_err() {
        return false;
    }
    let _ = fs::remove_file(dest.join(STAMP));
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(dest)
            .status()
            .is_ok_and(|s| s.success())
    };
    // Then what the last run placed (the suite's files): a revision that
    // adds one of them must find its path free.
    git(&["reset", "-q", "--hard", &base_commit.to_string()]) && git(&["clean", "-q", "-fdx"])
}

/// Removes the worktree `name` at `dest`, if there is one.
fn remove_worktree(base: &Repository, name: &str, dest: &Path) -> Result<()> {
    if dest.exists() {
        fs::remove_dir_all(dest).with_context(|| format!("cannot remove {}", dest.display()))?;
    }
    if let Ok(wt) = base.find_worktree(name) {
        let mut opts = WorktreePruneOptions::new();
        opts.valid(true).working_tree(true);
        wt.prune(Some(&mut opts))
            .with_context(|| format!("cannot prune worktree {name}"))?;
    }
    Ok(())
}

/// Applies one patch to the index and the files and commits it with the
/// mail's author, date and message. An error names the patch, the file
/// and the line of the hunk that failed, and changes nothing.
///
/// The diff goes through `git apply --index`, not libgit2's apply:
/// libgit2 places a hunk only at the line its header names, while git
/// (and `git am`) finds it where the context matches. v1 applies to
/// 6.12.117 only that way: its hunk sits 4 lines higher there.
pub fn am(repo: &Repository, path: &Path, patch: &MailPatch) -> Result<Oid> {
    let workdir = repo.workdir().with_context(|| {
        format!(
            "{}: the repository has no working tree to apply to",
            path.display()
        )
    })?;
    let mut child = Command::new("git")
        .args(["apply", "--index", "--verbose", "--whitespace=nowarn", "-"])
        .current_dir(workdir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .context("cannot run git apply")?;
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("piped");
        stdin
            .write_all(patch.diff.as_bytes())
            .context("cannot give the diff to git apply")?;
    }
    let out = child.wait_with_output().context("waiting for git apply")?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let detail: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
        bail!(
            "patch {} does not apply to {}: {}",
            path.display(),
            workdir.display(),
            detail.join("; ")
        );
    }
    // git apply wrote the index file; drop libgit2's cached copy of it.
    repo.index()?.read(true)?;
    let mut index = repo.index()?;
    let tree = repo.find_tree(index.write_tree()?)?;
    let parent = repo.head()?.peel_to_commit()?;
    let author = Signature::new(
        &patch.author_name,
        &patch.author_email,
        &Time::new(patch.time, patch.offset_minutes),
    )
    .with_context(|| format!("{}: bad author {:?}", path.display(), patch.author_name))?;
    let committer = repo
        .signature()
        .or_else(|_| Signature::now(TOOL_NAME, TOOL_EMAIL))?;
    let oid = repo.commit(
        Some("HEAD"),
        &author,
        &committer,
        &patch.message,
        &tree,
        &[&parent],
    )?;
    Ok(oid)
}
