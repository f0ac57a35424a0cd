//! The patch-id `git patch-id --stable` gives a diff: per file, the SHA-1
//! of its diff lines with all whitespace removed and hunk headers (line
//! numbers) and `index` lines left out; the files' hashes summed bytewise
//! with carry, so the order of files does not matter. A diff in plain form
//! (`---`/`+++` without `diff --git`, as some mailers and tools send) is
//! given its `diff --git` headers first, so it gets the same id as the same
//! change in git's form.

use sha1::{Digest, Sha1};

/// The stable patch-id of `diff`, or `None` if it holds no diff.
pub fn patch_id(diff: &str) -> Option<String> {
    let diff = with_git_headers(diff);
    let mut sum = [0u8; 20];
    let mut file = String::new();
    let mut started = false;
    // Lines left in the current hunk, old side and new side; -1: in a
    // file's header, before its `---` line.
    let (mut before, mut after) = (-1i64, -1i64);
    for line in diff.lines() {
        if !started {
            if !line.starts_with("diff ") {
                continue;
            }
            started = true;
        }
        if before == -1 {
            if line.starts_with("index ") {
                continue;
            } else if line.starts_with("--- ") {
                before = 1;
                after = 1;
            } else if !line.starts_with(|c: char| c.is_ascii_alphabetic()) {
                break;
            }
        }
        if before == 0 && after == 0 {
            if line.starts_with("@@ -") {
                (before, after) = hunk_lengths(line);
                continue;
            }
            if !line.starts_with("diff ") {
                // The end of the patch: a signature, a new mail, ...
                break;
            }
            add(&mut sum, &file);
            file.clear();
            before = -1;
            after = -1;
        }
        if line.starts_with('-') || line.starts_with(' ') {
            before -= 1;
        }
        if line.starts_with('+') || line.starts_with(' ') {
            after -= 1;
        }
        file.extend(line.chars().filter(|c| !c.is_whitespace()));
    }
    if !started {
        return None;
    }
    add(&mut sum, &file);
    Some(sum.iter().map(|b| format!("{b:02x}")).collect())
}

/// Adds one file's SHA-1 into the sum, byte by byte with carry.
fn add(sum: &mut [u8; 20], file: &str) {
    if file.is_empty() {
        return;
    }
    let hash = sha1(file.as_bytes());
    let mut carry: u16 = 0;
    for (s, h) in sum.iter_mut().zip(hash) {
        carry += u16::from(*s) + u16::from(h);
        *s = carry as u8;
        carry >>= 8;
    }
}

/// SHA-1 of the bytes alone (git2 hashes objects with a header): git's
/// patch-id is SHA-1 whatever the repository's object format.
fn sha1(data: &[u8]) -> [u8; 20] {
    Sha1::digest(data).into()
}

/// `@@ -a[,b] +c[,d] @@`: the old and new line counts (1 when omitted).
fn hunk_lengths(line: &str) -> (i64, i64) {
    let count = |part: Option<&str>| -> i64 {
        part.and_then(|p| match p.split_once(',') {
            Some((_, n)) => n.parse().ok(),
            None => Some(1),
        })
        .unwrap_or(1)
    };
    let mut words = line[3..].split_whitespace();
    let old = words.next().and_then(|w| w.strip_prefix('-'));
    let new = words.next().and_then(|w| w.strip_prefix('+'));
    (count(old), count(new))
}

/// Adds a `diff --git a/P b/P` line before every `--- `/`+++ ` pair that
/// has none.
pub fn with_git_headers(diff: &str) -> String {
    let lines: Vec<&str> = diff.lines().collect();
    let mut out = String::with_capacity(diff.len() + 64);
    for (i, line) in lines.iter().enumerate() {
        let header_above = i > 0
            && lines[..i]
                .iter()
                .rev()
                .take(8)
                .any(|l| l.starts_with("diff "));
        if line.starts_with("--- ") && !header_above {
            if let Some(new) = lines.get(i + 1).and_then(|l| l.strip_prefix("+++ ")) {
                let old = line[4..].trim_end();
                let new = new.trim_end();
                let path = if new == "/dev/null" {
                    old.trim_start_matches("a/")
                } else {
                    new.trim_start_matches("b/")
                };
                let path = path.split('\t').next().unwrap_or(path);
                out.push_str(&format!("diff --git a/{path} b/{path}\n"));
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunk_headers() {
        assert_eq!(hunk_lengths("@@ -1 +1,2 @@"), (1, 2));
        assert_eq!(hunk_lengths("@@ -10,7 +10,0 @@ fn x()"), (7, 0));
    }

    #[test]
    fn plain_diffs_get_git_headers() {
        let plain = "--- a/x/y.c\n+++ b/x/y.c\n@@ -1 +1 @@\n-a\n+b\n";
        assert!(with_git_headers(plain).starts_with("diff --git a/x/y.c b/x/y.c\n--- a/x/y.c\n"));
        let new = "--- /dev/null\n+++ b/n.c\n@@ -0,0 +1 @@\n+b\n";
        assert!(with_git_headers(new).starts_with("diff --git a/n.c b/n.c\n"));
        let git = "diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n";
        assert_eq!(with_git_headers(git), git);
    }
}
