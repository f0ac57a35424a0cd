//! The library's layers run one way, and no module imports another that
//! imports it back.
//!
//! The source is read as text: every `crate::`, `super::` and `self::`
//! path in a file names the module (a file under `src/`) it depends on.
//! Two rules follow from that graph:
//! - a module never reaches a layer above its own (`LAYERS` below);
//! - the graph has no cycle, inside a layer or across one.
//!
//! Paths in comments and string literals are ignored, so that a doc
//! comment naming a higher module does not count as an import.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Top-level modules by layer, lowest first. A module may use its own
/// layer and those below it. Mail is parsed under review and series; the
/// kernel layer (trees, kunit.py, records) knows no series.toml and no
/// review; series use kernel trees to apply and check patches; and
/// `orchestrate` runs series on kernels. `bench` reads the userspace
/// benchmark and sits at the top beside it.
const LAYERS: &[&[&str]] = &[
    &["util", "failpoint", "machine", "sources", "staging"],
    &["mail"],
    &["review"],
    &["kernel"],
    &["series"],
    &["orchestrate", "bench", "readme"],
];

fn layer_of(top: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&top))
}

/// A module is the path of its file under `src/`, without `.rs` or
/// `/mod.rs`: `kernel/record.rs` is `["kernel", "record"]`.
type Module = Vec<String>;

fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).expect("file under src/");
    let mut parts: Module = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    match last.as_str() {
        "mod.rs" | "lib.rs" => {}
        name => parts.push(name.trim_end_matches(".rs").to_owned()),
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text with comments, string and char literals blanked, so that
/// only code is searched for paths.
fn code_only(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            i += end;
        } else if rest.starts_with("/*") {
            let end = rest.find("*/").map_or(rest.len(), |e| e + 2);
            i += end;
        } else if let Some(len) = raw_string_len(rest) {
            out.push(' ');
            i += len;
        } else if bytes[i] == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(' ');
        } else if let Some(len) = char_literal_len(rest) {
            out.push(' ');
            i += len;
        } else {
            let c = rest.chars().next().expect("not at end");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Length of a raw string literal (`r"…"`, `r#"…"#`) starting here.
fn raw_string_len(rest: &str) -> Option<usize> {
    let after_r = rest.strip_prefix('r')?;
    let hashes = after_r.len() - after_r.trim_start_matches('#').len();
    if !after_r[hashes..].starts_with('"') {
        return None;
    }
    let close = format!("\"{}", "#".repeat(hashes));
    let body = 1 + hashes + 1;
    let end = rest[body..].find(&close)?;
    Some(body + end + close.len())
}

/// Length of a char literal starting here; a lifetime (`'a`) is not one.
fn char_literal_len(rest: &str) -> Option<usize> {
    let after = rest.strip_prefix('\'')?;
    if let Some(esc) = after.strip_prefix('\\') {
        return esc.find('\'').map(|e| 1 + 1 + e + 1);
    }
    let c = after.chars().next()?;
    after[c.len_utf8()..]
        .starts_with('\'')
        .then(|| 1 + c.len_utf8() + 1)
}

/// Every path that starts at `crate`, `super` or `self`, as written, with
/// `use` trees expanded: `use crate::a::{b, c::d}` gives `crate::a::b`
/// and `crate::a::c::d`.
fn paths_in(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let tokens = tokenize(code);
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i].as_str();
        let starts = matches!(t, "crate" | "super" | "self");
        let joined = i > 0 && tokens[i - 1] == "::";
        if starts && !joined && tokens.get(i + 1).is_some_and(|n| n == "::") {
            let mut prefix = Vec::new();
            i = walk_tree(&tokens, i, &mut prefix, &mut paths);
        } else {
            i += 1;
        }
    }
    paths
}

fn tokenize(code: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = code.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            let mut end = start + c.len_utf8();
            while let Some(&(i, n)) = chars.peek() {
                if n.is_alphanumeric() || n == '_' {
                    end = i + n.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            tokens.push(code[start..end].to_owned());
        } else if c == ':' && chars.peek().is_some_and(|&(_, n)| n == ':') {
            chars.next();
            tokens.push("::".to_owned());
        } else if !c.is_whitespace() {
            tokens.push(c.to_string());
        }
    }
    tokens
}

/// Reads one path (or use tree) from `tokens[i]`, pushing each complete
/// path onto `out`; returns the index after it.
fn walk_tree(
    tokens: &[String],
    mut i: usize,
    prefix: &mut Vec<String>,
    out: &mut Vec<Vec<String>>,
) -> usize {
    let depth = prefix.len();
    loop {
        match tokens.get(i).map(String::as_str) {
            Some("{") => {
                i += 1;
                loop {
                    match tokens.get(i).map(String::as_str) {
                        Some("}") => {
                            i += 1;
                            break;
                        }
                        Some(",") => i += 1,
                        Some(_) => i = walk_tree(tokens, i, prefix, out),
                        None => break,
                    }
                }
                break;
            }
            Some(t) if t.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                prefix.push(t.to_owned());
                i += 1;
                if tokens.get(i).is_some_and(|n| n == "::") {
                    i += 1;
                    continue;
                }
                out.push(prefix.clone());
                break;
            }
            _ => {
                out.push(prefix.clone());
                break;
            }
        }
    }
    prefix.truncate(depth);
    i
}

/// The module a path depends on: the longest prefix of its absolute form
/// that names a module file. `None` for paths outside the crate's
/// modules (such as the crate root's own items).
fn resolve(from: &Module, path: &[String], modules: &BTreeSet<Module>) -> Option<Module> {
    let mut abs: Module = Vec::new();
    let mut segs = path.iter().peekable();
    match segs.peek().map(|s| s.as_str()) {
        Some("crate") => {
            segs.next();
        }
        Some("super") | Some("self") => {
            abs = from.clone();
            while let Some(s) = segs.peek() {
                match s.as_str() {
                    "super" => {
                        abs.pop();
                    }
                    "self" => {}
                    _ => break,
                }
                segs.next();
            }
        }
        _ => return None,
    }
    abs.extend(segs.cloned());
    (1..=abs.len())
        .rev()
        .map(|n| abs[..n].to_vec())
        .find(|m| modules.contains(m))
}

fn dependency_graph() -> BTreeMap<Module, BTreeSet<Module>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    // The binary is the top of the stack; only the library is layered.
    files.retain(|f| !f.starts_with(src.join("bin")));
    let modules: BTreeSet<Module> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut graph = BTreeMap::new();
    for file in &files {
        let from = module_of(&src, file);
        let code = code_only(&fs::read_to_string(file).expect("read a source file"));
        let deps: BTreeSet<Module> = paths_in(&code)
            .iter()
            .filter_map(|p| resolve(&from, p, &modules))
            .filter(|to| *to != from && !from.starts_with(to) && !to.is_empty())
            .collect();
        graph.insert(from, deps);
    }
    graph
}

fn show(m: &Module) -> String {
    m.join("::")
}

#[test]
fn no_module_reaches_a_higher_layer() {
    let graph = dependency_graph();
    let mut wrong = Vec::new();
    for (from, deps) in &graph {
        let Some(from_layer) = from.first().and_then(|t| layer_of(t)) else {
            continue;
        };
        for to in deps {
            let Some(to_layer) = to.first().and_then(|t| layer_of(t)) else {
                continue;
            };
            if to_layer > from_layer {
                wrong.push(format!("{} uses {}", show(from), show(to)));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "modules that reach above their layer ({LAYERS:?}):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn every_top_module_has_a_layer() {
    let graph = dependency_graph();
    let unplaced: BTreeSet<&String> = graph
        .keys()
        .filter_map(|m| m.first())
        .filter(|top| layer_of(top).is_none())
        .collect();
    assert!(
        unplaced.is_empty(),
        "top-level modules missing from LAYERS: {unplaced:?}"
    );
}

/// Strongly connected components of more than one module, by Tarjan's
/// algorithm; each is a cycle to break.
fn cycles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct Walk<'g> {
        graph: &'g BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'g Module, usize>,
        low: BTreeMap<&'g Module, usize>,
        stack: Vec<&'g Module>,
        on_stack: BTreeSet<&'g Module>,
        found: Vec<Vec<Module>>,
    }
    impl<'g> Walk<'g> {
        fn visit(&mut self, m: &'g Module) {
            let n = self.index.len();
            self.index.insert(m, n);
            self.low.insert(m, n);
            self.stack.push(m);
            self.on_stack.insert(m);
            for to in self.graph.get(m).into_iter().flatten() {
                let Some((to, _)) = self.graph.get_key_value(to) else {
                    continue;
                };
                if !self.index.contains_key(to) {
                    self.visit(to);
                    let low = self.low[m].min(self.low[to]);
                    self.low.insert(m, low);
                } else if self.on_stack.contains(to) {
                    let low = self.low[m].min(self.index[to]);
                    self.low.insert(m, low);
                }
            }
            if self.low[m] == self.index[m] {
                let mut component = Vec::new();
                while let Some(top) = self.stack.pop() {
                    self.on_stack.remove(top);
                    component.push(top.clone());
                    if top == m {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for m in graph.keys() {
        if !walk.index.contains_key(m) {
            walk.visit(m);
        }
    }
    walk.found
}

#[test]
fn the_module_graph_has_no_cycle() {
    let graph = dependency_graph();
    let found = cycles(&graph);
    let shown: Vec<String> = found
        .iter()
        .map(|c| c.iter().map(show).collect::<Vec<_>>().join(" <-> "))
        .collect();
    assert!(found.is_empty(), "module cycles:\n{}", shown.join("\n"));
}

/// The checker itself: a use tree, a relative path, a path in a comment
/// and a cycle, on a made-up crate, so that a checker that finds nothing
/// cannot pass unnoticed.
#[test]
fn the_checker_sees_uses_and_cycles() {
    let code = code_only(
        "use crate::a::{b, c::d};\n// crate::z::q\nlet s = \"crate::y::x\";\nsuper::e::f();",
    );
    let mut paths = paths_in(&code);
    paths.sort();
    let want: Vec<Vec<String>> = [
        &["crate", "a", "b"][..],
        &["crate", "a", "c", "d"],
        &["super", "e", "f"],
    ]
    .iter()
    .map(|p| p.iter().map(|s| s.to_string()).collect())
    .collect();
    assert_eq!(paths, want);

    let m = |s: &str| -> Module { s.split('/').map(str::to_owned).collect() };
    let modules: BTreeSet<Module> = [m("a"), m("a/c"), m("e")].into_iter().collect();
    assert_eq!(resolve(&m("x/y"), &paths[1], &modules), Some(m("a/c")));
    assert_eq!(resolve(&m("x/y"), &paths[0], &modules), Some(m("a")));
    assert_eq!(resolve(&m("x/y"), &paths[2], &modules), None);
    assert_eq!(resolve(&m("x"), &paths[2], &modules), Some(m("e")));

    let graph: BTreeMap<Module, BTreeSet<Module>> = [
        (m("a"), [m("b")].into_iter().collect()),
        (m("b"), [m("a")].into_iter().collect()),
        (m("c"), [m("a")].into_iter().collect()),
    ]
    .into_iter()
    .collect();
    assert_eq!(cycles(&graph), vec![vec![m("a"), m("b")]]);
}
