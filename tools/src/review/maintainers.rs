//! Who looks after which files: the kernel tree's MAINTAINERS, matched the
//! way `scripts/get_maintainer.pl` matches it for files (F:, X:, N:).
//!
//! Matching rules, as get_maintainer applies them: an F:/X: pattern that
//! ends in `/` (or names a directory of the tree) covers everything below
//! it; any other pattern, with `*` and `?` as wildcards, covers only files
//! at the same directory depth; N: is a regular expression on the path.
//! K: (content keywords) is not applied: it needs the patch's text.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use regex::Regex;
use serde::Serialize;

/// One section of MAINTAINERS.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// Its title line, e.g. `DMA BUFFER SHARING FRAMEWORK`.
    pub title: String,
    /// `M:` people.
    pub maintainers: Vec<Person>,
    /// `R:` people.
    pub reviewers: Vec<Person>,
    /// `L:` lists (address only).
    pub lists: Vec<String>,
    /// `S:` status.
    pub status: String,
    /// `T: git <url>` trees (the URL only).
    #[serde(skip)]
    pub trees: Vec<String>,
    #[serde(skip)]
    files: Vec<Pattern>,
    #[serde(skip)]
    excludes: Vec<Pattern>,
    #[serde(skip)]
    names: Vec<Regex>,
}

/// A person an `M:` or `R:` line names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    /// Their name; empty for a bare address.
    pub name: String,
    /// Their address, lower case (after .mailmap, once it is set).
    pub email: String,
}

impl Section {
    /// Covers every file (`F: *`): THE REST.
    fn is_catch_all(&self) -> bool {
        self.files.iter().any(|p| p.glob == "*")
    }
}

/// An `F:` or `X:` pattern, matched as get_maintainer.pl matches it: a
/// glob (`*` any characters, `?` one) anchored at the start of the path; a
/// pattern ending in `/`, or naming a directory of the tree, covers
/// everything below it; any other covers files at its own depth only.
///
/// Matched by hand, not compiled to a regex: MAINTAINERS has over 8,000
/// of them and a patch touches a handful of files, so compiling them all
/// cost most of `patchctl status`'s time and memory. Whether a plain
/// pattern names a directory is asked of the tree only when a file falls
/// under it, once.
#[derive(Debug, Clone)]
struct Pattern {
    glob: String,
    wildcard: bool,
    depth: usize,
    tree: Option<std::sync::Arc<Path>>,
    is_dir: std::sync::OnceLock<bool>,
}

impl Pattern {
    fn new(pattern: &str, tree: Option<&std::sync::Arc<Path>>) -> Pattern {
        let glob = pattern.trim().to_string();
        Pattern {
            wildcard: glob.contains(['*', '?']),
            depth: glob.matches('/').count(),
            glob,
            tree: tree.cloned(),
            is_dir: std::sync::OnceLock::new(),
        }
    }

    fn names_a_directory(&self) -> bool {
        *self.is_dir.get_or_init(|| {
            self.tree
                .as_ref()
                .is_some_and(|t| t.join(&self.glob).is_dir())
        })
    }

    fn matches(&self, file: &str) -> bool {
        let depth = || file.matches('/').count();
        if self.glob.ends_with('/') {
            return glob_prefix(self.glob.as_bytes(), file.as_bytes());
        }
        if !self.wildcard {
            if !file.starts_with(&self.glob) {
                return false;
            }
            if self.names_a_directory() {
                return file[self.glob.len()..].starts_with('/');
            }
            return depth() == self.depth;
        }
        glob_prefix(self.glob.as_bytes(), file.as_bytes()) && depth() == self.depth
    }
}

/// Whether some prefix of `text` matches `glob` (`*`: any run, `?`: one).
fn glob_prefix(glob: &[u8], text: &[u8]) -> bool {
    let (mut g, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if g == glob.len() {
            return true;
        }
        if glob[g] == b'*' {
            star = Some((g, t));
            g += 1;
        } else if t < text.len() && (glob[g] == b'?' || glob[g] == text[t]) {
            g += 1;
            t += 1;
        } else {
            match star {
                Some((sg, st)) if st < text.len() => {
                    star = Some((sg, st + 1));
                    g = sg + 1;
                    t = st + 1;
                }
                _ => return false,
            }
        }
    }
}

/// An `M:` or `R:` value: `Name <address>`, or a bare address.
fn person(value: &str) -> Person {
    match crate::mail::address::split(value) {
        Some((name, email)) => Person {
            name,
            email: email.to_lowercase(),
        },
        None => Person {
            name: String::new(),
            email: value.trim().to_lowercase(),
        },
    }
}

/// The parsed file.
#[derive(Debug, Clone)]
pub struct Maintainers {
    /// Every section, in file order.
    pub sections: Vec<Section>,
    /// The tree's .mailmap: old address to the one in use.
    pub mailmap: std::collections::HashMap<String, String>,
}

/// Reads a .mailmap: every line with two addresses maps the second (as
/// once used) to the first (as used now).
pub fn parse_mailmap(text: &str) -> std::collections::HashMap<String, String> {
    let mut map = std::collections::HashMap::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default();
        let addrs: Vec<String> = line
            .split('<')
            .skip(1)
            .filter_map(|part| part.split_once('>').map(|(a, _)| a.trim().to_lowercase()))
            .collect();
        if addrs.len() >= 2 && addrs[0] != addrs[1] {
            map.insert(addrs[1].clone(), addrs[0].clone());
        }
    }
    map
}

/// Someone's place in the sections that cover a patch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Role {
    /// What they are there.
    pub role: RoleKind,
    /// The section's title.
    pub section: String,
}

/// A MAINTAINERS entry's kind of person: `M:` or `R:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleKind {
    /// `M:`
    Maintainer,
    /// `R:`
    Reviewer,
}

impl RoleKind {
    /// `maintainer` or `reviewer`.
    pub fn as_str(self) -> &'static str {
        match self {
            RoleKind::Maintainer => "maintainer",
            RoleKind::Reviewer => "reviewer",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} of {}", self.role.as_str(), self.section)
    }
}

impl Maintainers {
    /// Reads `path`; patterns naming directories are checked against the
    /// tree the file sits in.
    pub fn load(path: &Path) -> Result<Maintainers> {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read {}: expected a kernel tree's MAINTAINERS",
                path.display()
            )
        })?;
        let mut m = Maintainers::parse(&text, path.parent())?;
        if let Some(mailmap) = path.parent().map(|t| t.join(".mailmap")) {
            if let Ok(text) = std::fs::read_to_string(&mailmap) {
                m.set_mailmap(parse_mailmap(&text));
            }
        }
        Ok(m)
    }

    /// Uses `mailmap` for every address in the sections and in lookups,
    /// as get_maintainer.pl does.
    pub fn set_mailmap(&mut self, mailmap: std::collections::HashMap<String, String>) {
        for s in &mut self.sections {
            for p in s.maintainers.iter_mut().chain(s.reviewers.iter_mut()) {
                if let Some(now) = mailmap.get(p.email.as_str()) {
                    p.email = now.clone();
                }
            }
        }
        self.mailmap = mailmap;
    }

    /// The address in use for `email`.
    pub fn canonical(&self, email: &str) -> String {
        let email = email.to_lowercase();
        self.mailmap.get(&email).cloned().unwrap_or(email)
    }

    /// Parses MAINTAINERS text. Sections start after the introduction:
    /// a title line followed by `X:\tvalue` lines.
    pub fn parse(text: &str, tree: Option<&Path>) -> Result<Maintainers> {
        let tree: Option<std::sync::Arc<Path>> = tree.map(Into::into);
        let mut sections: Vec<Section> = Vec::new();
        let mut title: Option<String> = None;
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let is_field = line.len() > 2
                && line.as_bytes()[1] == b':'
                && line.as_bytes()[0].is_ascii_uppercase();
            if is_field {
                let Some(section) = title.as_ref().and_then(|_| sections.last_mut()) else {
                    continue;
                };
                let (tag, value) = (line.as_bytes()[0], line[2..].trim());
                match tag {
                    b'M' => section.maintainers.push(person(value)),
                    b'R' => section.reviewers.push(person(value)),
                    b'L' => section.lists.push(
                        value
                            .split_whitespace()
                            .next()
                            .unwrap_or_default()
                            .to_lowercase(),
                    ),
                    b'S' => section.status = value.to_string(),
                    b'T' => section.trees.extend(git_tree(value)),
                    b'F' => section.files.push(Pattern::new(value, tree.as_ref())),
                    b'X' => section.excludes.push(Pattern::new(value, tree.as_ref())),
                    b'N' => section
                        .names
                        .push(Regex::new(value).with_context(|| {
                            format!("MAINTAINERS line {}: bad N: regex", i + 1)
                        })?),
                    _ => {}
                }
            } else if !line.trim().is_empty() {
                // A title: a non-field line followed by a field line.
                let next_is_field = lines.get(i + 1).is_some_and(|n| {
                    n.len() > 2 && n.as_bytes()[1] == b':' && n.as_bytes()[0].is_ascii_uppercase()
                });
                if next_is_field {
                    title = Some(line.trim().to_string());
                    sections.push(Section {
                        title: line.trim().to_string(),
                        maintainers: Vec::new(),
                        reviewers: Vec::new(),
                        lists: Vec::new(),
                        status: String::new(),
                        trees: Vec::new(),
                        files: Vec::new(),
                        excludes: Vec::new(),
                        names: Vec::new(),
                    });
                } else {
                    title = None;
                }
            }
        }
        // The introduction's "Descriptions of section entries" has fields too.
        sections.retain(|s| !s.files.is_empty() || !s.names.is_empty());
        if sections.is_empty() {
            bail!("no MAINTAINERS sections found: expected titles followed by M:/R:/L:/F: lines");
        }
        Ok(Maintainers {
            sections,
            mailmap: std::collections::HashMap::new(),
        })
    }

    /// Sections covering any of `files`, in file order.
    ///
    /// The catch-all section (THE REST, `F: *`) keeps its lists always but
    /// its people only when no other section covers the files, as
    /// get_maintainer.pl reports it.
    pub fn for_files(&self, files: &[String]) -> Vec<Section> {
        let mut matched: Vec<Section> = self
            .sections
            .iter()
            .filter(|s| {
                files.iter().any(|f| {
                    let included = s.files.iter().any(|p| p.matches(f))
                        || s.names.iter().any(|n| n.is_match(f));
                    included && !s.excludes.iter().any(|p| p.matches(f))
                })
            })
            .cloned()
            .collect();
        let specific = matched.iter().any(|s| !s.is_catch_all());
        if specific {
            for s in matched.iter_mut().filter(|s| s.is_catch_all()) {
                s.maintainers.clear();
                s.reviewers.clear();
            }
        }
        matched
    }

    /// Whether a section other than the catch-all (THE REST) covers
    /// `file`, which need not exist yet.
    pub fn covers_specifically(&self, file: &str) -> bool {
        self.for_files(&[file.to_string()])
            .iter()
            .any(|s| !s.is_catch_all())
    }

    /// What `email` is in the sections covering `files`.
    pub fn roles(&self, files: &[String], email: &str) -> Vec<Role> {
        self.roles_in(&self.for_files(files), email)
    }

    /// What `email` is in `sections` (from [`Maintainers::for_files`]):
    /// for many lookups against the same files, match the files once.
    pub fn roles_in(&self, sections: &[Section], email: &str) -> Vec<Role> {
        let email = self.canonical(email);
        let mut out = Vec::new();
        for s in sections {
            if s.maintainers.iter().any(|p| p.email == email) {
                out.push(Role {
                    role: RoleKind::Maintainer,
                    section: s.title.clone(),
                });
            }
            if s.reviewers.iter().any(|p| p.email == email) {
                out.push(Role {
                    role: RoleKind::Reviewer,
                    section: s.title.clone(),
                });
            }
        }
        out
    }
}

/// The URL of a `T:` value that names a git tree (`git <url> [branch]`).
fn git_tree(value: &str) -> Option<String> {
    let mut words = value.split_whitespace();
    (words.next() == Some("git")).then(|| words.next().map(String::from))?
}

/// The files a diff touches (`diff --git a/x b/x`, new side); a diff in
/// plain form (`---`/`+++` only) counts too.
pub fn files_in_diff(text: &str) -> Vec<String> {
    let text = crate::mail::patch_id::with_git_headers(text);
    let mut out: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("diff --git "))
        .filter_map(|l| l.split_whitespace().nth(1))
        .map(|b| b.trim_start_matches("b/").to_string())
        .collect();
    out.dedup();
    out
}

/// The default MAINTAINERS: the cached Debian kernel source's.
pub fn default_path() -> Result<PathBuf> {
    Ok(crate::sources::cached_source()?.join("MAINTAINERS"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
Descriptions of section entries and preferred order
	M: *Mail* patches to: FullName <address@domain>

ABC DRIVER
M:	Ann Example <Ann@Example.org>
R:	Rob Review <rob@example.org>
L:	abc@lists.example.org (moderated for non-subscribers)
S:	Maintained
T:	git git://git.example.org/abc.git
T:	quilt https://example.org/abc-patches/
F:	drivers/abc/
F:	include/linux/abc*.h
X:	drivers/abc/legacy/

ABC HEAPS
M:	Hal Heap <hal@example.org>
F:	drivers/abc/heaps/*
N:	abcfs
";

    #[test]
    fn patterns_as_get_maintainer_applies_them() {
        let m = Maintainers::parse(TEXT, None).unwrap();
        assert_eq!(m.sections.len(), 2);
        let titles = |f: &str| -> Vec<String> {
            m.for_files(&[f.to_string()])
                .iter()
                .map(|s| s.title.clone())
                .collect()
        };
        assert_eq!(
            titles("drivers/abc/heaps/sys.c"),
            vec!["ABC DRIVER", "ABC HEAPS"]
        );
        // A wildcard pattern stays at its depth.
        assert_eq!(titles("drivers/abc/heaps/deep/x.c"), vec!["ABC DRIVER"]);
        assert_eq!(titles("include/linux/abc-ops.h"), vec!["ABC DRIVER"]);
        assert!(titles("drivers/abc/legacy/old.c").is_empty());
        assert_eq!(titles("fs/abcfs/super.c"), vec!["ABC HEAPS"]);
        let roles = m.roles(&["drivers/abc/heaps/sys.c".into()], "ANN@example.org");
        assert_eq!(
            roles,
            vec![Role {
                role: RoleKind::Maintainer,
                section: "ABC DRIVER".into()
            }]
        );
        assert_eq!(m.sections[0].lists, vec!["abc@lists.example.org"]);
        assert_eq!(m.sections[0].trees, vec!["git://git.example.org/abc.git"]);
        assert!(m.sections[1].trees.is_empty());
    }

    #[test]
    fn mailmap_maps_old_addresses() {
        let map = parse_mailmap("# c\nAnn Example <ann@new.org> <ann@old.org>\nBob <bob@x.org>\n<c@new> C Old <c@old>\n");
        assert_eq!(
            map.get("ann@old.org").map(String::as_str),
            Some("ann@new.org")
        );
        assert_eq!(map.get("c@old").map(String::as_str), Some("c@new"));
        assert_eq!(map.len(), 2);
    }

    #[test]
    fn diff_files() {
        let d = "diff --git a/x/y.c b/x/y.c\n--- a/x/y.c\n+++ b/x/y.c\ndiff --git a/z b/z\n";
        assert_eq!(files_in_diff(d), vec!["x/y.c", "z"]);
    }
}
