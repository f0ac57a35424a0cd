//! The base tree's two scripts on a revision's patches, from the tree's
//! top directory, as many at a time as there are CPUs:
//!
//! - `checkpatch.pl --strict` in one process per CPU, each over its share
//!   of the mails (perl compiles checkpatch once per process, which is
//!   about half of a one-mail run);
//! - `get_maintainer.pl` once per mail: it matches MAINTAINERS' keyword
//!   patterns against each patch's text, so a run over several mails
//!   would merge their answers.
//!
//! A cover letter runs neither: the gate holds it against everyone named
//! for any patch. Nor does a mail whose answers an earlier check of the
//! same bytes on the same tree kept (`script_cache`).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result};

use super::mail::SentMail;
use super::script_cache::{Script, ScriptCache};
use crate::mail::address::email_or_whole;
use crate::review::maintainers::Maintainers;
use crate::series::kernel_scripts;

/// What the tree's scripts say about one mail.
pub(super) struct ScriptFindings {
    /// checkpatch.pl's findings, one line each.
    pub checkpatch: Vec<String>,
    /// The addresses get_maintainer.pl names (none for a cover letter).
    pub named: BTreeSet<String>,
}

/// One script run: checkpatch over some mails, or get_maintainer on one.
enum Job {
    Checkpatch(Vec<usize>),
    Maintainers(usize),
}

/// What a job found, by the mails' places in the revision.
enum Answer {
    Checkpatch(Vec<(usize, String)>),
    Maintainers(usize, BTreeSet<String>),
}

/// Both scripts on every patch of `mails`; one finding per mail, in order,
/// and how many of the patches' answers came from `cache` (both scripts'
/// answers kept from an earlier check of the same mail on the same tree).
pub(super) fn run_on_all(
    tree: &Path,
    mails: &[SentMail],
    cache: Option<&ScriptCache>,
) -> Result<(Vec<ScriptFindings>, usize)> {
    // The scripts run from the tree's top: each mail by its full path.
    let mut paths = vec![PathBuf::new(); mails.len()];
    let mut texts = vec![Vec::new(); mails.len()];
    let mut patches = Vec::new();
    for (i, mail) in mails.iter().enumerate().filter(|(_, m)| m.patch.is_some()) {
        paths[i] = fs::canonicalize(&mail.path)
            .with_context(|| format!("cannot resolve {}", mail.path.display()))?;
        texts[i] =
            fs::read(&paths[i]).with_context(|| format!("cannot read {}", mail.path.display()))?;
        patches.push(i);
    }
    let mut outputs = vec![None; mails.len()];
    let mut named = vec![None; mails.len()];
    if let Some(cache) = cache {
        for &i in &patches {
            outputs[i] = cache.get(Script::Checkpatch, &texts[i]);
            named[i] = cache
                .get(Script::Maintainers, &texts[i])
                .map(|t| t.lines().map(str::to_string).collect::<BTreeSet<_>>());
        }
    }
    let to_check: Vec<usize> = patches
        .iter()
        .copied()
        .filter(|&i| outputs[i].is_none())
        .collect();
    let to_ask: Vec<usize> = patches
        .iter()
        .copied()
        .filter(|&i| named[i].is_none())
        .collect();
    let cached = patches
        .iter()
        .filter(|&&i| outputs[i].is_some() && named[i].is_some())
        .count();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let jobs: Vec<Job> = shares(&to_check, workers)
        .into_iter()
        .map(Job::Checkpatch)
        .chain(to_ask.iter().map(|&i| Job::Maintainers(i)))
        .collect();
    for answer in run_jobs(tree, &paths, &jobs, workers) {
        match answer? {
            Answer::Checkpatch(parts) => {
                for (i, text) in parts {
                    if let Some(cache) = cache {
                        cache.put(Script::Checkpatch, &texts[i], &text);
                    }
                    outputs[i] = Some(text);
                }
            }
            Answer::Maintainers(i, answer) => {
                if let Some(cache) = cache {
                    let lines: Vec<&str> = answer.iter().map(String::as_str).collect();
                    cache.put(Script::Maintainers, &texts[i], &lines.join("\n"));
                }
                named[i] = Some(answer);
            }
        }
    }
    let maintainers = std::cell::OnceCell::new();
    let mut found = Vec::with_capacity(mails.len());
    for i in 0..mails.len() {
        let checkpatch = match &outputs[i] {
            Some(output) => answered_findings(tree, &paths[i], output, &maintainers)?,
            None => Vec::new(),
        };
        found.push(ScriptFindings {
            checkpatch,
            named: named[i].take().unwrap_or_default(),
        });
    }
    Ok((found, cached))
}

/// `items` cut into at most `n` runs of nearly equal length, in order.
fn shares(items: &[usize], n: usize) -> Vec<Vec<usize>> {
    let n = n.min(items.len()).max(1);
    let mut out = Vec::new();
    let mut start = 0;
    for k in 0..n {
        let end = start + (items.len() - start) / (n - k);
        if end > start {
            out.push(items[start..end].to_vec());
        }
        start = end;
    }
    out
}

/// The jobs on `workers` threads, each taking the next job when it is
/// free; the answers in no particular order.
fn run_jobs(tree: &Path, paths: &[PathBuf], jobs: &[Job], workers: usize) -> Vec<Result<Answer>> {
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers.min(jobs.len()))
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    while let Some(job) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                        done.push(run_job(tree, paths, job));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a script thread panicked"))
            .collect()
    })
}

fn run_job(tree: &Path, paths: &[PathBuf], job: &Job) -> Result<Answer> {
    match job {
        Job::Checkpatch(mails) => {
            let files: Vec<PathBuf> = mails.iter().map(|&i| paths[i].clone()).collect();
            let parts = kernel_scripts::checkpatch_each(tree, &files)?;
            Ok(Answer::Checkpatch(
                mails.iter().copied().zip(parts).collect(),
            ))
        }
        Job::Maintainers(i) => {
            let (to, cc) = kernel_scripts::recipients(tree, &paths[*i])?;
            let named = to.iter().chain(&cc).map(|w| email_or_whole(w)).collect();
            Ok(Answer::Maintainers(*i, named))
        }
    }
}

/// checkpatch's findings on one mail, less its question whether
/// MAINTAINERS needs updating when a section already covers every file
/// the patch adds (MAINTAINERS read once, when a mail first asks).
fn answered_findings(
    tree: &Path,
    mail: &Path,
    output: &str,
    maintainers: &std::cell::OnceCell<Option<Maintainers>>,
) -> Result<Vec<String>> {
    let mut findings = kernel_scripts::checkpatch_findings(output);
    let asks = |f: &String| f.contains(kernel_scripts::MAINTAINERS_QUESTION);
    if !findings.iter().any(asks) {
        return Ok(findings);
    }
    let patch =
        fs::read_to_string(mail).with_context(|| format!("cannot read {}", mail.display()))?;
    let added = kernel_scripts::added_files(&patch);
    // MAINTAINERS matched as get_maintainer.pl matches it (the review
    // layer's reading of it; a test holds the two together).
    let covered =
        match maintainers.get_or_init(|| Maintainers::load(&tree.join("MAINTAINERS")).ok()) {
            Some(m) => !added.is_empty() && added.iter().all(|f| m.covers_specifically(f)),
            None => false,
        };
    if covered {
        findings.retain(|f| !asks(f));
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::shares;

    #[test]
    fn shares_are_in_order_and_nearly_equal() {
        let items: Vec<usize> = (1..=7).collect();
        assert_eq!(shares(&items, 2), [vec![1, 2, 3], vec![4, 5, 6, 7]]);
        assert_eq!(shares(&items, 3), [vec![1, 2], vec![3, 4], vec![5, 6, 7]]);
        assert_eq!(shares(&[4], 8), [vec![4]]);
        assert!(shares(&[], 2).is_empty());
    }
}
