//! The patch-id is the one `git patch-id --stable` computes: compared with
//! the real command on every patch the workspace carries and on diffs that
//! touch several files, with hunks, new files and mail signatures.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use patchctl::mail::patch_id::patch_id;

fn git_patch_id(text: &str) -> Option<String> {
    let mut child = Command::new("git")
        .args(["patch-id", "--stable"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("git runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .map(String::from)
}

#[test]
fn every_patch_in_the_workspace_matches_git() {
    let patches = Path::new(env!("CARGO_MANIFEST_DIR")).join("../patches");
    let mut seen = 0;
    for series in std::fs::read_dir(&patches).unwrap() {
        for dir in std::fs::read_dir(series.unwrap().path()).unwrap() {
            let dir = dir.unwrap().path();
            if !dir.is_dir() {
                continue;
            }
            for f in std::fs::read_dir(&dir).unwrap() {
                let f = f.unwrap().path();
                if f.extension().is_none_or(|e| e != "patch") {
                    continue;
                }
                let text = std::fs::read_to_string(&f).unwrap();
                assert_eq!(patch_id(&text), git_patch_id(&text), "{}", f.display());
                seen += 1;
            }
        }
    }
    assert!(seen >= 4, "{seen} patches");
}

#[test]
fn several_files_hunks_and_new_files_match_git() {
    let diff = "Subject: x\n\n---\n\
diff --git a/b.c b/b.c\nindex 1111111..2222222 100644\n--- a/b.c\n+++ b/b.c\n\
@@ -1,3 +1,4 @@\n a\n-b\n+B\n+  c  d\n e\n@@ -10 +11 @@ fn f()\n-x\n+y\n\
diff --git a/new.h b/new.h\nnew file mode 100644\nindex 0000000..3333333\n--- /dev/null\n+++ b/new.h\n\
@@ -0,0 +1,2 @@\n+#define A 1\n+#define B 2\n-- \n2.39.3\n";
    assert_eq!(patch_id(diff), git_patch_id(diff));
    // Whitespace and line numbers do not change it; the files' order does not either.
    let moved = diff
        .replace("@@ -10 +11 @@", "@@ -20 +21 @@")
        .replace("+  c  d", "+c d");
    assert_eq!(patch_id(&moved), patch_id(diff));
    let swapped = "Subject: x\n\n---\n\
diff --git a/new.h b/new.h\nnew file mode 100644\nindex 0000000..3333333\n--- /dev/null\n+++ b/new.h\n\
@@ -0,0 +1,2 @@\n+#define A 1\n+#define B 2\n\
diff --git a/b.c b/b.c\nindex 1111111..2222222 100644\n--- a/b.c\n+++ b/b.c\n\
@@ -1,3 +1,4 @@\n a\n-b\n+B\n+  c  d\n e\n@@ -10 +11 @@ fn f()\n-x\n+y\n";
    assert_eq!(patch_id(swapped), git_patch_id(swapped));
    assert_eq!(patch_id(swapped), patch_id(diff));
    assert_eq!(patch_id("no diff here\n"), None);
}
