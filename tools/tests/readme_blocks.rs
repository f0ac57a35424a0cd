//! The README's figure tables are what the committed record gives: a
//! figure typed by hand, or a record committed without `make record`,
//! fails here.

use std::path::Path;

use patchctl::readme;

#[test]
fn the_readme_tables_match_the_record() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        text.contains("<!-- generated: review-speed -->"),
        "the README carries the review-speed table as a generated block"
    );
    assert!(
        text.contains("<!-- generated: b4-bench -->"),
        "the README carries the patchctl-beside-b4 table as a generated block"
    );
    let stale = readme::stale_blocks(&text, &root.join("results")).unwrap();
    assert!(
        stale.is_empty(),
        "README blocks {stale:?} differ from results/: run `patchctl readme` (make record)"
    );
}

/// A block edited by hand is found stale.
#[test]
fn a_hand_edited_figure_is_stale() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let results = root.join("results");
    let block = "<!-- generated: review-speed -->\n<!-- end generated -->\n";
    let fresh = readme::regenerate(block, &results).unwrap();
    assert!(readme::stale_blocks(&fresh, &results).unwrap().is_empty());
    let edited = fresh.replacen(" s |", " s (typed) |", 1);
    assert_ne!(edited, fresh);
    assert_eq!(
        readme::stale_blocks(&edited, &results).unwrap(),
        vec!["review-speed".to_string()]
    );
}
