//! Which of the kernel's own KUnit suites cover a file, found in the real
//! 7.2 tree (the cached Debian unstable linux-source-7.2 that `make test`
//! installs): a library file with a test beside it, a driver under a
//! `.kunitconfig`, and an mm file no KUnit suite covers.

use patchctl::kernel::coverage;

fn mainline() -> std::path::PathBuf {
    patchctl::sources::cached_mainline_source().unwrap()
}

#[test]
fn a_library_file_is_covered_by_its_kunit_test() {
    let c = coverage::discover(&mainline(), &["lib/string_helpers.c".into()]).unwrap();
    assert_eq!(c.tests.len(), 1, "{c:#?}");
    assert_eq!(c.tests[0].path, "lib/tests/string_helpers_kunit.c");
    assert_eq!(c.tests[0].symbol, "STRING_HELPERS_KUNIT_TEST");
    assert!(c
        .config
        .contains(&"CONFIG_STRING_HELPERS_KUNIT_TEST=y".to_string()));
    assert!(c.uncovered.is_empty(), "{:?}", c.uncovered);
}

#[test]
fn a_driver_file_is_covered_by_the_nearest_kunitconfig() {
    let c = coverage::discover(&mainline(), &["drivers/dma-buf/dma-fence.c".into()]).unwrap();
    assert_eq!(c.kunitconfigs, vec!["drivers/dma-buf/.kunitconfig"]);
    assert!(
        c.config.contains(&"CONFIG_DMABUF_KUNIT_TEST=y".to_string()),
        "{c:#?}"
    );
}

#[test]
fn a_file_no_suite_covers_is_named() {
    let c = coverage::discover(&mainline(), &["mm/vmalloc.c".into()]).unwrap();
    assert!(c.is_empty(), "{c:#?}");
    assert_eq!(c.config, vec!["CONFIG_KUNIT=y"]);
    assert!(
        c.uncovered[0].starts_with("mm/vmalloc.c: no .kunitconfig"),
        "{:?}",
        c.uncovered
    );
}

/// The two reconstructed series (`tests/fixtures/series/`) on the 6.12
/// base they are picked onto.
#[test]
fn the_reconstructed_series_are_covered_on_6_12() {
    let android = patchctl::sources::cached_source().unwrap();
    let c = coverage::discover(&android, &["lib/list_sort.c".into()]).unwrap();
    assert_eq!(c.tests.len(), 1, "{c:#?}");
    assert_eq!(c.tests[0].path, "lib/test_list_sort.c");
    assert_eq!(c.tests[0].symbol, "TEST_LIST_SORT");
    let c = coverage::discover(&android, &["drivers/input/input.c".into()]).unwrap();
    assert_eq!(c.kunitconfigs, vec!["drivers/input/tests/.kunitconfig"]);
}
