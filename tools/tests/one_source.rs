//! One source per algorithm: the four conversions are defined once, in
//! c-heap/src/convert.c, which c-heap builds and the KUnit suite includes
//! into the kernel. A second definition anywhere in the tracked C fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use regex::Regex;

const HOME: &str = "c-heap/src/convert.c";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Definitions (a body, not a prototype) of the conversions in `text`.
fn definitions(text: &str) -> Vec<String> {
    let re = Regex::new(
        r"(?m)^[A-Za-z_ ]*\bint\s+(sgvmap_(?:before|v1|bounded|floor))\s*\([^;{]*\)\s*\{",
    )
    .unwrap();
    re.captures_iter(text).map(|c| c[1].to_string()).collect()
}

fn tracked_c() -> Vec<String> {
    let out = Command::new("git")
        .args(["ls-files", "*.c", "*.h", "*.c.tail"])
        .current_dir(workspace())
        .output()
        .expect("git runs");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn the_conversions_are_defined_once() {
    let mut found = Vec::new();
    for file in tracked_c() {
        let Ok(text) = std::fs::read_to_string(workspace().join(&file)) else {
            continue;
        };
        for name in definitions(&text) {
            found.push((file.clone(), name));
        }
    }
    let home: Vec<&String> = found
        .iter()
        .filter(|(f, _)| f == HOME)
        .map(|(_, n)| n)
        .collect();
    assert_eq!(home.len(), 4, "{HOME} should define all four: {found:?}");
    let copies: Vec<_> = found.iter().filter(|(f, _)| f != HOME).collect();
    assert!(
        copies.is_empty(),
        "conversions defined again outside {HOME}: {copies:?}"
    );
}

#[test]
fn the_kernel_suite_includes_the_one_source() {
    let test_c = std::fs::read_to_string(workspace().join("kunit/system_heap_test.c")).unwrap();
    let include = format!(
        "#include \"{}\"",
        patchctl::kernel::suite::CONVERSIONS_IN_TREE
    );
    assert!(
        test_c.contains(&include),
        "kunit/system_heap_test.c lacks {include}"
    );
    let suite = patchctl::kernel::suite::Suite::in_workspace(&workspace());
    assert!(suite.conversions.ends_with(HOME));
}

#[test]
fn the_check_sees_a_copy() {
    let copy = "static int sgvmap_v1(const struct sg_table *table, struct page **pages,\n\t\tunsigned int npages, struct sgvmap_report *report)\n{\n";
    assert_eq!(definitions(copy), ["sgvmap_v1"]);
    let prototype = "int sgvmap_v1(const struct sg_table *table, struct page **pages,\n\tunsigned int npages, struct sgvmap_report *report);\n";
    assert!(definitions(prototype).is_empty());
}
