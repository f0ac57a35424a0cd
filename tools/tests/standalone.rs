//! The repository stands alone: no tracked file refers to a path outside
//! the checkout (a folder beside it, or a directory of the machine that
//! wrote it). A user's clone has nothing beside it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tools/ sits in the workspace")
        .to_path_buf()
}

/// Paths that only exist on the machine that wrote them, or beside the
/// checkout. Spelt in pieces so that this file does not match itself.
fn outside_paths() -> Vec<String> {
    let dots = "..";
    vec![
        format!("{dots}/shared/"),
        format!("{dots}/{dots}/shared"),
        ["/", "root/"].concat(),
        ["/", "home/"].concat(),
        ["/", "work/"].concat(),
    ]
}

/// Recorded output of real kunit.py runs: it says where the run that made
/// it built its kernel, which is evidence kept as it was printed, not a
/// path anything reads.
fn is_recorded_run(path: &str) -> bool {
    path.starts_with("tools/tests/fixtures/ktap/")
}

fn tracked_files(root: &Path) -> Vec<String> {
    let out = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git ls-files in {} failed: {}",
        root.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("tracked paths are UTF-8")
        .split('\0')
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn no_tracked_file_refers_outside_the_checkout() {
    let root = workspace();
    let files = tracked_files(&root);
    assert!(
        files.iter().any(|f| f == "Cargo.toml"),
        "git ls-files listed {} files without the workspace manifest",
        files.len()
    );
    let needles = outside_paths();
    let mut found = Vec::new();
    for file in files.iter().filter(|f| !is_recorded_run(f)) {
        let Ok(bytes) = std::fs::read(root.join(file)) else {
            continue; // deleted in the work tree, not yet committed
        };
        let text = String::from_utf8_lossy(&bytes);
        for (n, line) in text.lines().enumerate() {
            if let Some(needle) = needles.iter().find(|needle| line.contains(needle.as_str())) {
                found.push(format!("{file}:{}: {needle:?} in {:?}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "tracked files refer to paths outside the checkout:\n{}",
        found.join("\n")
    );
}

/// The check itself sees such a path: a line naming the folder beside the
/// checkout is caught.
#[test]
fn the_check_sees_a_path_beside_the_checkout() {
    let line = format!("read {}threads/x.mbox", outside_paths()[0]);
    assert!(outside_paths().iter().any(|n| line.contains(n.as_str())));
    assert!(is_recorded_run("tools/tests/fixtures/ktap/um-v1.log"));
    assert!(!is_recorded_run("results/kunit-x.json"));
}
