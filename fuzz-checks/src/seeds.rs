//! Seed corpora from the project's own fixtures: the series' review thread
//! and mails, the recorded kunit.py runs, the subjects the
//! series used, and the heap layouts the KUnit suite maps.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::tables::{EntrySpec, TableInput};

/// The seed inputs of `target`, by file name, read from the workspace at
/// `root`.
pub fn seeds(target: &str, root: &Path) -> io::Result<Vec<(String, Vec<u8>)>> {
    match target {
        "conversions" | "v1_overflow" => Ok(table_seeds()),
        "mbox" => {
            let mut out = vec![("v1-thread.mbox".to_string(), fs::read(v1_thread(root))?)];
            for patch in series_mails(root)? {
                out.push((file_name(&patch), fs::read(&patch)?));
            }
            Ok(out)
        }
        "ktap" => {
            let mut out = Vec::new();
            for log in sorted_files(&root.join("tools/tests/fixtures/ktap"))? {
                out.push((file_name(&log), fs::read(&log)?));
            }
            Ok(out)
        }
        "subject" => {
            let mut texts = vec![fs::read(v1_thread(root))?];
            for patch in series_mails(root)? {
                texts.push(fs::read(&patch)?);
            }
            let mut subjects: Vec<String> = texts
                .iter()
                .flat_map(|t| {
                    String::from_utf8_lossy(t)
                        .lines()
                        .filter_map(|l| l.strip_prefix("Subject: ").map(str::to_string))
                        .collect::<Vec<_>>()
                })
                .collect();
            subjects.sort();
            subjects.dedup();
            Ok(subjects
                .into_iter()
                .enumerate()
                .map(|(i, s)| (format!("subject-{i}"), s.into_bytes()))
                .collect())
        }
        other => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "no fuzz target {other:?}: expected one of {:?}",
                crate::TARGETS
            ),
        )),
    }
}

/// The buffers the KUnit suite maps (one page; 2x1M + 3x64K + 5 pages;
/// 16M; 256M, chained), plus a partial table and a small-chunk chain.
fn table_seeds() -> Vec<(String, Vec<u8>)> {
    let mut odd = vec![8u8, 8, 4, 4, 4];
    odd.extend([0; 5]);
    let mut partial = TableInput::whole(&odd);
    partial.partial = true;
    partial.entries[0] = EntrySpec {
        order: 8,
        offset: 5,
        tail: 7,
    };
    let mut chained = TableInput::whole(&[4; 20]);
    chained.max_ents = 3;
    vec![
        ("one-page".into(), TableInput::whole(&[0]).encode()),
        ("2x1M-3x64K-5p".into(), TableInput::whole(&odd).encode()),
        ("16M".into(), TableInput::whole(&[8; 16]).encode()),
        ("256M-chained".into(), TableInput::whole(&[8; 256]).encode()),
        ("partial".into(), partial.encode()),
        ("small-chunks".into(), chained.encode()),
    ]
}

/// The v1 review thread, kept with the series it belongs to.
fn v1_thread(root: &Path) -> PathBuf {
    root.join("patches/system-heap-vmap/threads/v1.mbox")
}

fn series_mails(root: &Path) -> io::Result<Vec<PathBuf>> {
    let series = root.join("patches/system-heap-vmap");
    let mut out = Vec::new();
    for dir in sorted_files(&series)? {
        if dir.is_dir() {
            out.extend(
                sorted_files(&dir)?
                    .into_iter()
                    .filter(|p| p.extension().is_some_and(|e| e == "patch")),
            );
        }
    }
    Ok(out)
}

fn sorted_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?
        .map(|e| e.map(|e| e.path()))
        .collect::<io::Result<_>>()?;
    out.sort();
    Ok(out)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}
