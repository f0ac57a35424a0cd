//! The rules the in-kernel Rust heap (`kunit/system_rust_heap.rs`, and the
//! shared `alloc.rs` it builds on) is held to, checked on its source: the
//! kernel build cannot check them, and a panic there takes the kernel down.
//!
//! - every `unsafe` block has its own `// SAFETY:` comment just before it;
//! - no call that panics by name: `unwrap()`, `expect(`, `panic!`,
//!   `unreachable!`, `todo!` (indexing is left to review: the heap indexes
//!   nothing by a variable).

use std::path::Path;

fn source(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The code of a line: what precedes a `//` comment.
fn code(line: &str) -> &str {
    line.split("//").next().unwrap_or("")
}

/// Line numbers (1-based) of `unsafe {` blocks with no `// SAFETY:`
/// comment between them and the previous block or statement end.
fn blocks_without_safety(text: &str) -> (usize, Vec<usize>) {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = 0;
    let mut missing = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        for _ in code(line).matches("unsafe {") {
            blocks += 1;
            // Walk back over the statement this block is part of, to the
            // comment that opens it.
            let covered = lines[..i]
                .iter()
                .rev()
                .take(8)
                .take_while(|l| !code(l).contains("unsafe {"))
                .any(|l| l.trim_start().starts_with("// SAFETY:"));
            if !covered {
                missing.push(i + 1);
            }
        }
    }
    (blocks, missing)
}

fn panicking_calls(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut in_tests = false;
    for (i, line) in text.lines().enumerate() {
        if line.contains("#[cfg(test)]") {
            in_tests = true;
        }
        if in_tests {
            continue;
        }
        let code = code(line);
        let bad = [".unwrap()", ".expect(", "panic!", "unreachable!", "todo!"]
            .iter()
            .any(|p| code.contains(p));
        if bad {
            found.push((i + 1, line.trim().to_string()));
        }
    }
    found
}

#[test]
fn kernel_heap_has_a_safety_comment_for_every_unsafe_block() {
    for rel in ["kunit/system_rust_heap.rs", "rust-heap/src/alloc.rs"] {
        let (blocks, missing) = blocks_without_safety(&source(rel));
        assert!(
            blocks > 0,
            "{rel}: no unsafe blocks found; is the scan broken?"
        );
        assert!(
            missing.is_empty(),
            "{rel}: unsafe blocks without a // SAFETY: comment at lines {missing:?}"
        );
        println!("{rel}: {blocks} unsafe blocks, each with its SAFETY comment");
    }
}

#[test]
fn kernel_heap_has_nothing_that_panics() {
    for rel in ["kunit/system_rust_heap.rs", "rust-heap/src/alloc.rs"] {
        let found = panicking_calls(&source(rel));
        assert!(found.is_empty(), "{rel}: calls that can panic: {found:?}");
    }
}

/// The scan itself finds what it is there to find.
#[test]
fn the_scan_sees_a_missing_comment_and_an_unwrap() {
    let text = "fn f() {\n    // SAFETY: fine.\n    unsafe { a() };\n    unsafe { b() };\n    x.unwrap();\n}\n";
    let (blocks, missing) = blocks_without_safety(text);
    assert_eq!((blocks, missing), (2, vec![4]));
    assert_eq!(panicking_calls(text).len(), 1);
}
