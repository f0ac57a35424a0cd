//! A maintainer's "applied" reply read into where the patches went: the
//! tree, the branch and each patch's commit.
//!
//! Two forms are read: b4's thank-you (`Applied to <tree> (<branch>),
//! thanks!` over a summary of `[i/n] <subject>` lines, each with
//! `commit: <sha or link>` below it), and prose (`Applied to the for-next
//! branch of <tree>`, `Queued for 6.14 in input.git next`, `Applied both
//! to my next branch as <sha> and <sha>`). Trying a patch out ("applied it
//! locally to test", "applied on top of X and tested") is not an
//! application, nor is a question or a promise. Who may apply is the
//! caller's to decide: the review state counts maintainers only.

use std::sync::LazyLock;

use regex::Regex;

/// What an applied reply says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reading {
    /// The tree as the reply names it: a URL, `git://...`, or a name
    /// (`input.git`).
    pub tree: Option<String>,
    /// The branch (`next`, `for-next`).
    pub branch: Option<String>,
    /// The commits it names, in order.
    pub commits: Vec<NamedCommit>,
    /// The line that says it was applied.
    pub line: String,
}

/// A commit an applied reply names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedCommit {
    /// The patch's place (`[2/3]` is 2), when the reply gives it.
    pub index: Option<u32>,
    /// The commit, as written (abbreviated or whole).
    pub sha: String,
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a valid built-in pattern")
}

/// A word that says the patch went into a tree.
static TRIGGER: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\b(applied|queued|picked up)\b"));
/// Words that make it a trial, a condition, a refusal or a promise.
static NOT_APPLIED: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)\b(locally|test|tested|testing|tests|try|trying|tried|cleanly|conflicts?|",
        r"fail|fails|failed|failing|not|cannot|can't|couldn't|didn't|doesn't|don't|won't|",
        r"if|once|when|please)\b|on top of|\b(will|would|should|can|could|to) be\b"
    ))
});
/// b4's `Applied to <tree> (<branch>)`.
static B4_PLACE: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\bapplied to (\S+) \(([^)\s]+)\)"));
/// `the <branch> branch`, `my <branch> branch`.
static BRANCH_WORD: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\b([\w./+-]+) branch\b"));
/// `to <x>`, `into <x>`, `in <x>`: a branch when nothing else names one.
static TO_WORD: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\b(?:to|into|in|on)\s+([\w./+-]+)"));
/// `[2/3] <subject>` in b4's summary.
static SUMMARY_ENTRY: LazyLock<Regex> = LazyLock::new(|| re(r"^\[(\d+)/(\d+)\]\s"));
/// `commit: <sha or link>` under a summary entry.
static SUMMARY_COMMIT: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)^commit:\s*(\S+)"));
/// An abbreviated or whole commit id.
static SHA: LazyLock<Regex> = LazyLock::new(|| re(r"\b[0-9a-f]{7,40}\b"));

/// Words that never name a branch.
const NOT_BRANCHES: &[&str] = &[
    "the",
    "my",
    "a",
    "an",
    "it",
    "this",
    "that",
    "these",
    "both",
    "all",
    "them",
    "your",
    "our",
    "his",
    "her",
    "their",
    "tree",
    "git",
    "and",
    "as",
    "for",
    "thanks",
    "thank",
    "with",
    "now",
    "branch",
    "repo",
    "repository",
];

/// Reads `body` (a mail's text): `None` unless a line the sender wrote
/// says the patches were applied.
pub fn read(body: &str) -> Option<Reading> {
    let lines = own_text(body);
    let (at, clause) = lines
        .iter()
        .enumerate()
        .find_map(|(i, l)| applying_clause(l).map(|c| (i, c)))?;
    let (tree, branch) = place(clause);
    let mut commits = summary_commits(&lines);
    if commits.is_empty() {
        commits = prose_commits(&lines, at);
    }
    Some(Reading {
        tree,
        branch,
        commits,
        line: lines[at].to_string(),
    })
}

/// The sender's own lines, trimmed: not quoted, not blank, above the
/// signature.
fn own_text(body: &str) -> Vec<&str> {
    body.lines()
        .take_while(|l| *l != "-- " && *l != "--")
        .filter(|l| !l.trim_start().starts_with('>'))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// The sentence of `line` that says it was applied, if one does.
fn applying_clause(line: &str) -> Option<&str> {
    sentences(line).into_iter().find(|s| {
        let words = without_places(s);
        TRIGGER.is_match(s) && !s.ends_with('?') && !NOT_APPLIED.is_match(&words)
    })
}

/// `line` cut after each `.`, `!`, `?` or `;` that a blank follows.
fn sentences(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = line.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        let ends = matches!(b, b'.' | b'!' | b'?' | b';')
            && bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace());
        if ends {
            out.push(line[start..=i].trim());
            start = i + 1;
        }
    }
    if !line[start..].trim().is_empty() {
        out.push(line[start..].trim());
    }
    out
}

/// The sentence without its trees: a tree's name (`kselftest.git`)
/// says nothing of how it was applied.
fn without_places(sentence: &str) -> String {
    sentence
        .split_whitespace()
        .filter(|w| !looks_like_tree(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A word with its punctuation around it taken off.
fn bare(word: &str) -> &str {
    word.trim_matches(|c: char| matches!(c, ',' | '.' | ';' | ':' | '!' | '(' | ')' | '"' | '\''))
}

fn looks_like_tree(word: &str) -> bool {
    let w = bare(word);
    w.contains("://") || w.ends_with(".git")
}

/// The tree and branch a clause names.
fn place(clause: &str) -> (Option<String>, Option<String>) {
    if let Some(c) = B4_PLACE.captures(clause) {
        return (Some(bare(&c[1]).to_string()), Some(bare(&c[2]).to_string()));
    }
    let words: Vec<&str> = clause.split_whitespace().collect();
    let tree_at = words.iter().position(|w| looks_like_tree(w));
    let tree = tree_at.map(|i| bare(words[i]).to_string());
    let is_branch = |w: &str| {
        let w = bare(w);
        !w.is_empty()
            && !NOT_BRANCHES.contains(&w.to_lowercase().as_str())
            && !looks_like_tree(w)
            && !is_sha(w)
    };
    let named = BRANCH_WORD
        .captures_iter(clause)
        .map(|c| c.get(1).expect("group 1").as_str())
        .find(|w| is_branch(w));
    let after_tree = tree_at
        .and_then(|i| words.get(i + 1))
        .copied()
        .filter(|w| is_branch(w));
    let to_word = || {
        TO_WORD
            .captures_iter(clause)
            .map(|c| c.get(1).expect("group 1").as_str())
            .find(|w| is_branch(w) && !w.starts_with(|c: char| c.is_ascii_digit()))
    };
    let branch = named.or(after_tree).or_else(to_word);
    (tree, branch.map(|b| bare(b).to_string()))
}

fn is_sha(word: &str) -> bool {
    (7..=40).contains(&word.len())
        && word
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        && word.bytes().any(|b| b.is_ascii_digit())
}

/// b4's summary: `[i/n] <subject>` lines, each with `commit: <x>` below.
fn summary_commits(lines: &[&str]) -> Vec<NamedCommit> {
    let mut out = Vec::new();
    let mut index = None;
    for line in lines {
        if let Some(c) = SUMMARY_ENTRY.captures(line) {
            index = c[1].parse().ok();
        } else if let (Some(c), Some(i)) = (SUMMARY_COMMIT.captures(line), index) {
            // A link (`.../c/<sha>`, `?id=<sha>`) ends with the commit.
            if let Some(sha) = SHA.find_iter(&c[1]).last() {
                out.push(NamedCommit {
                    index: Some(i),
                    sha: sha.as_str().to_string(),
                });
            }
            index = None;
        }
    }
    out
}

/// Commits named in prose: on the applying line, or on a later line that
/// speaks of a commit.
fn prose_commits(lines: &[&str], at: usize) -> Vec<NamedCommit> {
    let speaks = |(i, l): &(usize, &&str)| *i == at || l.to_lowercase().contains("commit");
    lines
        .iter()
        .enumerate()
        .skip(at)
        .filter(speaks)
        .flat_map(|(_, l)| l.split_whitespace())
        .map(bare)
        .filter(|w| is_sha(w))
        .map(|w| NamedCommit {
            index: None,
            sha: w.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const B4: &str = "On Sun, 20 Oct 2024 10:00:00 -0700, Ann Author wrote:\n\
        > Two changes.\n>\n\n\
        Applied to git://git.kernel.org/pub/scm/linux/kernel/git/dtor/input.git (next), thanks!\n\n\
        [1/2] Input: one\n      commit: 1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b\n\
        [2/2] Input: two\n      commit: https://git.kernel.org/dtor/input/c/0f9e8d7c6b5a\n\n\
        Best regards,\n-- \nDmitry Torokhov <dmitry.torokhov@gmail.com>\n";

    fn place_of(text: &str) -> Option<(Option<String>, Option<String>, Vec<String>)> {
        read(text).map(|r| {
            let shas = r.commits.into_iter().map(|c| c.sha).collect();
            (r.tree, r.branch, shas)
        })
    }

    fn s(x: &str) -> Option<String> {
        Some(x.to_string())
    }

    #[test]
    fn b4_thank_you_with_its_summary() {
        let r = read(B4).unwrap();
        let tree = "git://git.kernel.org/pub/scm/linux/kernel/git/dtor/input.git";
        assert_eq!(r.tree, s(tree));
        assert_eq!(r.branch, s("next"));
        assert_eq!(
            r.commits,
            vec![
                NamedCommit {
                    index: Some(1),
                    sha: "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b".into()
                },
                NamedCommit {
                    index: Some(2),
                    sha: "0f9e8d7c6b5a".into()
                },
            ]
        );
        assert!(r.line.starts_with("Applied to git://"), "{}", r.line);
    }

    /// A reply, and the tree, branch and commits read from it.
    type Case<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [&'a str]);

    #[test]
    fn prose_phrasings() {
        let url = "https://git.kernel.org/pub/scm/linux/kernel/git/foo/bar.git";
        let table: &[Case] = &[
            (
                "Applied to the for-next branch of https://git.kernel.org/pub/scm/linux/kernel/git/foo/bar.git, thank you.",
                Some(url),
                Some("for-next"),
                &[],
            ),
            (
                "Applied both to my next branch as 1a2b3c4d5e6f and 0f9e8d7c6b5a.",
                None,
                Some("next"),
                &["1a2b3c4d5e6f", "0f9e8d7c6b5a"],
            ),
            ("Queued for 6.14 in input.git next", Some("input.git"), Some("next"), &[]),
            ("Applied, thanks.", None, None, &[]),
            ("Thanks, applied to for-next.", None, Some("for-next"), &[]),
            (
                "Applied to mm-unstable in git://git.example.org/mm.git.\nThe commit is 0123456789ab.",
                Some("git://git.example.org/mm.git"),
                Some("mm-unstable"),
                &["0123456789ab"],
            ),
            ("Picked up into linux-kselftest.git next.", Some("linux-kselftest.git"), Some("next"), &[]),
            ("Nice work.\nApplied to next, thanks!", None, Some("next"), &[]),
        ];
        for (text, tree, branch, shas) in table {
            let got = place_of(text).unwrap_or_else(|| panic!("not read as applied: {text}"));
            let want = (
                tree.map(String::from),
                branch.map(String::from),
                shas.iter().map(|x| x.to_string()).collect::<Vec<_>>(),
            );
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn trials_questions_and_promises_are_not_applications() {
        for text in [
            "I applied it locally to test, works for me.",
            "Applied on top of next-20241020 and tested on my board.",
            "Applied this on top of v6.12 to try it: no warnings.",
            "Has this been applied to next yet?",
            "It applied cleanly here.",
            "This can't be applied as is, it conflicts with the grab rework.",
            "I'll take it once it is applied to the i2c tree.",
            "Will be queued for 6.15 if nobody objects.",
            "> Applied to next, thanks!\nOK, great.",
            "Looks fine to me.\n-- \nApplied to nothing, a signature",
            "Please don't apply this yet.",
        ] {
            assert_eq!(read(text), None, "{text}");
        }
    }
}
