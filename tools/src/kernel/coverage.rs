//! Which of the kernel's own KUnit suites cover the files a series
//! touches, read from the tree itself: the nearest `.kunitconfig` above
//! each touched file, and the KUnit test files beside it (in its
//! directory or a `tests/` directory under it) whose names follow the
//! file's, each enabled by the Kconfig symbol its Makefile line names,
//! with the symbols that symbol plainly depends on.
//!
//! The result is one kunitconfig for kunit.py. A touched file that no
//! suite covers is said so, not hidden: a run of nothing proves nothing.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// What covers a series' files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    /// The `.kunitconfig` files used, relative to the tree.
    pub kunitconfigs: Vec<String>,
    /// The KUnit test files found beside touched files, with the symbol
    /// that builds each.
    pub tests: Vec<TestFile>,
    /// The kunitconfig lines: `CONFIG_KUNIT=y`, then every symbol.
    pub config: Vec<String>,
    /// Touched files no suite covers, or whose test could not be mapped
    /// to a symbol, each with why.
    pub uncovered: Vec<String>,
}

impl Coverage {
    /// Whether any suite was found.
    pub fn is_empty(&self) -> bool {
        self.kunitconfigs.is_empty() && self.tests.is_empty()
    }
}

/// A KUnit test file and the symbol that builds it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TestFile {
    /// Its path, relative to the tree.
    pub path: String,
    /// `CONFIG_...` without the prefix.
    pub symbol: String,
}

/// The suites that cover `touched` (paths relative to `tree`).
pub fn discover(tree: &Path, touched: &[String]) -> Result<Coverage> {
    discover_in(tree, touched, &KconfigIndex::read(tree)?)
}

/// The kunitconfig that compiles the touched C files as well as the
/// suites that cover them: [`discover`]'s lines, then for each touched
/// `.c` file that an `obj-$(CONFIG_X)` line builds, `CONFIG_X` and what
/// it plainly depends on. A file built unconditionally needs nothing; one
/// whose symbol is not found is left to the build to show.
pub fn build_config(tree: &Path, touched: &[String]) -> Result<Vec<String>> {
    let kconfig = KconfigIndex::read(tree)?;
    let mut lines = discover_in(tree, touched, &kconfig)?.config;
    for file in touched.iter().filter(|f| f.ends_with(".c")) {
        let Some(symbol) = symbol_of(tree, file) else {
            continue;
        };
        for s in kconfig.with_dependencies(&symbol) {
            let line = format!("CONFIG_{s}=y");
            if !lines.contains(&line) {
                lines.push(line);
            }
        }
    }
    Ok(lines)
}

fn discover_in(tree: &Path, touched: &[String], kconfig: &KconfigIndex) -> Result<Coverage> {
    let mut coverage = Coverage::default();
    let mut symbols: BTreeSet<String> = BTreeSet::new();
    let mut lines: Vec<String> = vec!["CONFIG_KUNIT=y".into()];
    for file in touched {
        let found_config = nearest_kunitconfig(tree, file);
        if let Some(rel) = &found_config {
            if !coverage.kunitconfigs.contains(rel) {
                let text = fs::read_to_string(tree.join(rel))
                    .with_context(|| format!("cannot read {rel}"))?;
                for l in text.lines().map(str::trim) {
                    if l.starts_with("CONFIG_") && !lines.iter().any(|x| x == l) {
                        lines.push(l.to_string());
                    }
                }
                coverage.kunitconfigs.push(rel.clone());
            }
        }
        let tests = tests_beside(tree, file);
        let mut mapped = 0;
        for test in &tests {
            match symbol_of(tree, test) {
                Some(symbol) => {
                    mapped += 1;
                    let t = TestFile {
                        path: test.clone(),
                        symbol: symbol.clone(),
                    };
                    if !coverage.tests.contains(&t) {
                        coverage.tests.push(t);
                    }
                    for s in kconfig.with_dependencies(&symbol) {
                        symbols.insert(s);
                    }
                }
                None => coverage.uncovered.push(format!(
                    "{file}: its test {test} is built by no obj-$(CONFIG_...) line found"
                )),
            }
        }
        if found_config.is_none() && mapped == 0 && tests.is_empty() {
            coverage.uncovered.push(format!(
                "{file}: no .kunitconfig above it and no KUnit test beside it"
            ));
        }
    }
    for s in symbols {
        let line = format!("CONFIG_{s}=y");
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    coverage.tests.sort();
    coverage.config = lines;
    Ok(coverage)
}

/// The `.kunitconfig` nearest above `file`: in its directory, a `tests/`
/// directory there, or the closest parent (not the tree's top).
fn nearest_kunitconfig(tree: &Path, file: &str) -> Option<String> {
    let mut dir = Path::new(file).parent();
    while let Some(d) = dir {
        if d.as_os_str().is_empty() {
            return None;
        }
        for candidate in [d.join(".kunitconfig"), d.join("tests/.kunitconfig")] {
            if tree.join(&candidate).is_file() {
                return Some(candidate.to_string_lossy().into_owned());
            }
        }
        dir = d.parent();
    }
    None
}

/// Whether a file name is a KUnit test's, by the kernel's conventions
/// (`*_kunit.c`, `*_test.c`, `*-test.c`, `test_*.c`).
fn is_test_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".c") else {
        return false;
    };
    stem.ends_with("_kunit")
        || stem.ends_with("_test")
        || stem.ends_with("-test")
        || stem.starts_with("test_")
}

/// The name a test file is about: `string_helpers_kunit.c` is about
/// `string_helpers`.
fn subject_of(test_name: &str) -> &str {
    let stem = test_name.strip_suffix(".c").unwrap_or(test_name);
    for suffix in ["_kunit", "_test", "-test"] {
        if let Some(s) = stem.strip_suffix(suffix) {
            return s;
        }
    }
    stem.strip_prefix("test_").unwrap_or(stem)
}

/// KUnit test files about `file`: `file` itself when it is one, else
/// those in its directory or a `tests/` or `test/` directory under it
/// whose subject is the file's stem.
fn tests_beside(tree: &Path, file: &str) -> Vec<String> {
    let path = Path::new(file);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if is_test_name(name) {
        return vec![file.to_string()];
    }
    let Some(stem) = name.strip_suffix(".c").or_else(|| name.strip_suffix(".h")) else {
        return Vec::new();
    };
    let dir = path.parent().unwrap_or(Path::new(""));
    let mut found = Vec::new();
    for d in [dir.to_path_buf(), dir.join("tests"), dir.join("test")] {
        let Ok(entries) = fs::read_dir(tree.join(&d)) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| is_test_name(n) && subject_of(n) == stem)
            .collect();
        names.sort();
        found.extend(names.into_iter().map(|n| rel(&d.join(n))));
    }
    found
}

fn rel(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// The symbol of the `obj-$(CONFIG_X) += ....o` line that builds `test`
/// (any C file), in its directory's Makefile or its parent's.
fn symbol_of(tree: &Path, test: &str) -> Option<String> {
    let path = Path::new(test);
    let object = path.file_name()?.to_str()?.strip_suffix(".c")?.to_string() + ".o";
    let dir = path.parent()?;
    let mut searched: Vec<(PathBuf, String)> = vec![(dir.join("Makefile"), object.clone())];
    if let (Some(parent), Some(last)) = (dir.parent(), dir.file_name()) {
        let nested = format!("{}/{object}", last.to_string_lossy());
        searched.push((parent.join("Makefile"), nested));
    }
    for (makefile, wanted) in searched {
        let Ok(text) = fs::read_to_string(tree.join(&makefile)) else {
            continue;
        };
        for line in text.lines() {
            let Some(rest) = line.trim_start().strip_prefix("obj-$(CONFIG_") else {
                continue;
            };
            let Some((symbol, objects)) = rest.split_once(')') else {
                continue;
            };
            if objects.split_whitespace().any(|o| o == wanted) {
                return Some(symbol.to_string());
            }
        }
    }
    None
}

/// Every `config` entry's plain dependencies, read from the tree's
/// Kconfig files once.
struct KconfigIndex {
    entries: Vec<(String, Vec<String>)>,
}

impl KconfigIndex {
    fn read(tree: &Path) -> Result<KconfigIndex> {
        let mut entries = Vec::new();
        let mut stack = vec![tree.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let Ok(read) = fs::read_dir(&dir) else {
                continue;
            };
            for e in read.flatten() {
                let p = e.path();
                let name = e.file_name();
                let name = name.to_string_lossy();
                if p.is_dir() && !name.starts_with('.') && name != "Documentation" {
                    stack.push(p);
                } else if name.starts_with("Kconfig") {
                    let text = fs::read_to_string(&p).unwrap_or_default();
                    entries.extend(parse_entries(&text));
                }
            }
        }
        Ok(KconfigIndex { entries })
    }

    /// `symbol` and, transitively, the symbols its `depends on` lines
    /// require outright (`A && B`; an `||`, a negation or a comparison
    /// requires nothing in particular).
    fn with_dependencies(&self, symbol: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut todo = vec![symbol.to_string()];
        while let Some(s) = todo.pop() {
            if out.contains(&s) || s == "KUNIT" {
                continue;
            }
            for (_, deps) in self.entries.iter().filter(|(name, _)| *name == s) {
                todo.extend(deps.iter().cloned());
            }
            out.push(s);
        }
        out
    }
}

/// `(symbol, required dependencies)` for every `config` entry in a
/// Kconfig file's text, with what an enclosing `if` or `menu` of the same
/// file requires. (An `if` around the `source` line in another file is not
/// followed: kunit.py's own check names a symbol left unset.)
fn parse_entries(text: &str) -> Vec<(String, Vec<String>)> {
    /// An open block and what it requires of the entries inside it.
    enum Block {
        If(Vec<String>),
        Menu(Vec<String>),
    }
    let mut blocks: Vec<Block> = Vec::new();
    let mut entries: Vec<(String, Vec<String>)> = Vec::new();
    // Where a `depends on` line goes: the last entry, or an open menu.
    let mut in_menu_header = false;
    let enclosing = |blocks: &[Block]| -> Vec<String> {
        blocks
            .iter()
            .flat_map(|b| match b {
                Block::If(s) | Block::Menu(s) => s.clone(),
            })
            .collect()
    };
    for line in text.lines() {
        let t = line.trim();
        if let Some(name) = t
            .strip_prefix("config ")
            .or_else(|| t.strip_prefix("menuconfig "))
        {
            in_menu_header = false;
            entries.push((name.trim().to_string(), enclosing(&blocks)));
        } else if let Some(expr) = t.strip_prefix("depends on ") {
            let required = required_symbols(expr);
            match (in_menu_header, blocks.last_mut(), entries.last_mut()) {
                (true, Some(Block::Menu(m)), _) => m.extend(required),
                (false, _, Some((_, deps))) => deps.extend(required),
                _ => {}
            }
        } else if let Some(expr) = t.strip_prefix("if ") {
            blocks.push(Block::If(required_symbols(expr)));
            in_menu_header = false;
        } else if t == "endif" || t.starts_with("endif ") || t.starts_with("endif#") {
            if let Some(i) = blocks.iter().rposition(|b| matches!(b, Block::If(_))) {
                blocks.truncate(i);
            }
        } else if t.starts_with("menu ") {
            blocks.push(Block::Menu(Vec::new()));
            in_menu_header = true;
        } else if t.starts_with("endmenu") {
            if let Some(i) = blocks.iter().rposition(|b| matches!(b, Block::Menu(_))) {
                blocks.truncate(i);
            }
            in_menu_header = false;
        }
    }
    entries
}

/// The symbols an expression requires outright: the terms of a pure
/// `&&` chain that are plain symbols.
fn required_symbols(expr: &str) -> Vec<String> {
    let expr = expr.split('#').next().unwrap_or("");
    if expr.contains("||") {
        return Vec::new();
    }
    expr.split("&&")
        .map(|term| term.trim().trim_matches(|c| c == '(' || c == ')').trim())
        .filter(|term| {
            !term.is_empty()
                && term
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_names_and_subjects() {
        assert!(is_test_name("string_helpers_kunit.c"));
        assert!(is_test_name("test_sort.c"));
        assert!(is_test_name("list-test.c"));
        assert!(!is_test_name("string_helpers.c"));
        assert_eq!(subject_of("string_helpers_kunit.c"), "string_helpers");
        assert_eq!(subject_of("test_sort.c"), "sort");
        assert_eq!(subject_of("list-test.c"), "list");
    }

    #[test]
    fn only_plain_conjunctions_are_required() {
        assert_eq!(required_symbols("KUNIT && MMU"), vec!["KUNIT", "MMU"]);
        assert_eq!(required_symbols("KUNIT && !UML"), vec!["KUNIT"]);
        assert!(required_symbols("A || COMPILE_TEST").is_empty());
        assert_eq!(required_symbols("(A && B) # why"), vec!["A", "B"]);
        assert!(required_symbols("X=y").is_empty());
    }

    #[test]
    fn entries_take_their_own_and_their_blocks_dependencies() {
        let text = "config A\n\ttristate \"a\"\n\tdepends on B && C\n\nmenu \"m\"\n\tdepends on D\nif F\nconfig E\n\tbool\nendif\nendmenu\nconfig G\n\tbool\n";
        let e = parse_entries(text);
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            e,
            vec![
                ("A".to_string(), v(&["B", "C"])),
                ("E".to_string(), v(&["D", "F"])),
                ("G".to_string(), v(&[])),
            ]
        );
    }
}
