//! The KTAP parser on real kunit output recorded from this workspace's
//! suite on UML (Linux 6.12.117).

use patchctl::kernel::ktap::{self, Outcome};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/ktap/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The kernel panicked (out of memory) in the middle of the timing case:
/// what ran is reported, and what never reported is missing, not passed.
#[test]
fn a_crash_mid_suite_is_missing_results() {
    let run = ktap::parse(&fixture("um-baseline-oom-panic.log")).unwrap();
    assert!(!run.missing.is_empty(), "{run:#?}");
    assert!(run.failures().is_empty());
    // Two correctness cases of four sizes each, and two timing sizes.
    assert_eq!(run.passed(), 10);
    assert_eq!(run.figures.len(), 12);
    let v1_256m = run
        .figures
        .iter()
        .find(|f| f.size == 268_435_456 && f.implementation == "v1")
        .unwrap();
    assert_eq!(
        (v1_256m.arch.as_str(), v1_256m.ns, v1_256m.runs),
        ("um", 36_864, 7)
    );
}

#[test]
fn suite_structure_is_kept() {
    let run = ktap::parse(&fixture("um-baseline-oom-panic.log")).unwrap();
    let leaves: Vec<String> = run
        .suites
        .iter()
        .flat_map(|s| s.leaves())
        .map(|(p, _)| p)
        .collect();
    assert!(
        leaves.contains(
            &"system_heap_vmap.sgvmap_whole_vmap_is_right.256M (chained table)".to_string()
        ),
        "{leaves:#?}"
    );
}

#[test]
fn result_lines_with_directives() {
    let text = "KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: s\n    1..3\n    ok 1 a\n    not ok 2 b\n    ok 3 c # SKIP size=2147483648: only 900 MB available\nok 1 s\n";
    let run = ktap::parse(text).unwrap();
    assert!(run.missing.is_empty());
    let failures: Vec<_> = run.failures().into_iter().map(|(p, _)| p).collect();
    assert_eq!(failures, vec!["s.b".to_string()]);
    assert_eq!(
        run.skips(),
        vec![(
            "s.c".to_string(),
            "size=2147483648: only 900 MB available".to_string()
        )]
    );
    assert_eq!(run.suites[0].subtests[0].outcome, Outcome::Pass);
}

#[test]
fn a_plan_not_met_is_missing() {
    let text = "KTAP version 1\n1..2\n    KTAP version 1\n    # Subtest: s\n    1..3\n    ok 1 a\nok 1 s\n";
    let run = ktap::parse(text).unwrap();
    assert_eq!(run.missing.len(), 2, "{run:#?}");
}

#[test]
fn timestamps_and_log_noise_are_tolerated() {
    let text = "[    0.100000] booting\n[    0.200000] KTAP version 1\n[    0.200001] 1..1\n[    0.3] random driver message\n[    0.4]     KTAP version 1\n[    0.4]     # Subtest: s\n[    0.4]     1..1\n[    0.5]     ok 1 a\n[    0.6] ok 1 s\n";
    let run = ktap::parse(text).unwrap();
    assert!(run.missing.is_empty(), "{run:#?}");
    assert_eq!(run.passed(), 1);
}

#[test]
fn no_ktap_is_an_error() {
    let err = ktap::parse("make: *** [Makefile:123] Error 2\n").unwrap_err();
    assert!(err.to_string().contains("KTAP version 1"), "{err}");
}

#[test]
fn figure_lines() {
    let ok = ktap::parse_figure(
        "sgvmap_timing: sgvmap_timing: arch=arm64 size=268435456 impl=v1 ns=158352 runs=7",
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        (
            ok.arch.as_str(),
            ok.size,
            ok.implementation.as_str(),
            ok.ns,
            ok.runs
        ),
        ("arm64", 268_435_456, "v1", 158_352, 7)
    );
    assert_eq!((ok.median_ns, ok.max_ns), (None, None));
    // The spread, when the suite prints it.
    let spread = ktap::parse_figure(
        "sgvmap_timing: arch=um size=4096 impl=whole ns=10 median=12 max=30 runs=7",
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        (spread.ns, spread.median_ns, spread.max_ns),
        (10, Some(12), Some(30))
    );
    assert!(
        ktap::parse_figure("sgvmap_timing: arch=um size=1 impl=x ns=1 median=z runs=7")
            .unwrap()
            .is_err()
    );
    assert!(ktap::parse_figure("something else").is_none());
    let err = ktap::parse_figure("sgvmap_timing: arch=um size=12 impl=v1 runs=7")
        .unwrap()
        .unwrap_err();
    assert!(err.contains("lacks one of"), "{err}");
    let err = ktap::parse_figure("sgvmap_timing: arch=um size=big impl=v1 ns=1 runs=7")
        .unwrap()
        .unwrap_err();
    assert!(err.contains("size=\"big\" is not a byte count"), "{err}");
}

/// A figure line the report cannot read fails the run instead of vanishing.
#[test]
fn a_malformed_figure_fails_the_run() {
    let text = "KTAP version 1\n1..1\n    # sgvmap_timing: arch=um size=12 impl=v1 ns=oops runs=7\nok 1 s\n";
    let run = ktap::parse(text).unwrap();
    assert_eq!(run.failures().len(), 1);
}

/// A whole run of baseline and v1 on UML, as recorded: every case passes,
/// the sizes UML cannot hold are skipped with the reason, and the table
/// puts each revision's whole path beside vmap() alone.
#[test]
fn recorded_um_runs_make_the_table() {
    use patchctl::kernel::table::render_table;
    use patchctl::kernel::view::RevisionFigures;
    let mut runs = Vec::new();
    for rev in ["baseline", "v1"] {
        let run = ktap::parse(&fixture(&format!("um-{rev}.log"))).unwrap();
        assert!(run.missing.is_empty(), "{rev}: {:?}", run.missing);
        assert!(run.failures().is_empty(), "{rev}");
        let skips = run.skips();
        assert_eq!(skips.len(), 2, "{rev}: 1G and 2G do not fit UML's mem=1G");
        assert!(skips.iter().all(|(_, why)| why.contains("MB available")));
        // Six figures for each of 16M and 256M.
        assert_eq!(run.figures.len(), 12, "{rev}");
        runs.push(RevisionFigures {
            series: "system-heap-vmap".into(),
            checked: Vec::new(),
            mixes: run.mixes,
            counted_mixes: Vec::new(),
            revision: rev.into(),
            arch: "um".into(),
            figures: run.figures,
            own_loop: Some(if rev == "baseline" { "before" } else { "v1" }.into()),
        });
    }
    let table = render_table(&runs);
    assert!(table.contains("whole baseline"), "{table}");
    assert!(table.contains("whole v1"), "{table}");
    let row_256m: Vec<&str> = table
        .lines()
        .filter(|l| {
            l.trim_matches('|')
                .split('|')
                .map(str::trim)
                .take(2)
                .eq(["um", "256M"])
        })
        .collect();
    // The loops, the whole path, and the whole map of the heap buffer.
    assert_eq!(row_256m.len(), 3, "{table}");
    assert!(
        !row_256m[0].contains(" - |"),
        "every loop figure is there: {table}"
    );
}

/// arm64 under QEMU with 4 GB: every size up to 2 GB runs, none skipped.
#[test]
fn recorded_arm64_runs_reach_2g() {
    for rev in ["baseline", "v1"] {
        let run = ktap::parse(&fixture(&format!("arm64-{rev}.log"))).unwrap();
        assert!(run.missing.is_empty() && run.failures().is_empty(), "{rev}");
        assert!(run.skips().is_empty(), "{rev}: {:?}", run.skips());
        assert_eq!(run.figures.len(), 24, "{rev}: six figures for four sizes");
        assert!(run
            .figures
            .iter()
            .any(|f| f.arch == "arm64" && f.size == 2 << 30 && f.implementation == "whole"));
    }
}

/// The suite on a revision that maps the last page one page off: each
/// size of the whole-vmap case fails, with kunit's message attached.
#[test]
fn recorded_failure_keeps_the_expectation_message() {
    let run = ktap::parse(&fixture("um-broken-one-page-off.log")).unwrap();
    let failures = run.failures();
    assert_eq!(failures.len(), 4, "{failures:#?}");
    let (path, one_page) = &failures[0];
    assert_eq!(path, "system_heap_vmap.sgvmap_whole_vmap_is_right.one page");
    let text = one_page.diagnostics.join("\n");
    assert!(text.contains("EXPECTATION FAILED"), "{text}");
    assert!(
        text.contains("1 of 1 pages mapped wrong, first at index 0"),
        "{text}"
    );
    let (_, chained) = &failures[3];
    assert!(
        chained
            .diagnostics
            .join("\n")
            .contains("1 of 65536 pages mapped wrong, first at index 65535"),
        "{:?}",
        chained.diagnostics
    );
}

/// With CONFIG_RUST the layout case passes on both arches (24-byte
/// scatterlist and 56-byte page on UML, 32 and 64 on arm64) and the Rust
/// conversion is timed beside C.
#[test]
fn recorded_rust_runs_check_layout_and_time_rust() {
    for (arch, layout) in [
        ("um", "scatterlist=24 page=56"),
        ("arm64", "scatterlist=32 page=64"),
    ] {
        let run = ktap::parse(&fixture(&format!("{arch}-v1-rust.log"))).unwrap();
        assert!(
            run.failures().is_empty() && run.missing.is_empty(),
            "{arch}"
        );
        let leaves = run.suites[0].leaves();
        let (_, case) = leaves
            .iter()
            .find(|(p, _)| p.ends_with("sgvmap_rust_layout_is_c_layout"))
            .unwrap();
        assert_eq!(case.outcome, Outcome::Pass);
        assert!(
            case.diagnostics.iter().any(|d| d.contains(layout)),
            "{arch}: {:?}",
            case.diagnostics
        );
        assert!(
            run.figures
                .iter()
                .any(|f| f.implementation == "rust" && f.size == 256 << 20),
            "{arch}"
        );
    }
}

/// A recorded KASAN run of v1 on UML: clean but for the deliberate
/// overflow, which KASAN reports in sgvmap_v1 and which fails its case.
#[test]
fn recorded_kasan_run_is_judged() {
    use patchctl::kernel::kasan::{Verdict, EXPECTED_CASE};
    let log = fixture("um-v1-kasan.log");
    let run = ktap::parse(&log).unwrap();
    let verdict = Verdict::of(&run, &log);
    assert!(verdict.problems().is_empty(), "{:?}", verdict.problems());
    assert_eq!(verdict.expected_reports.len(), 5, "one per stray store");
    assert!(verdict.expected_reports[0].kind == "slab-out-of-bounds");
    assert!(run.failures().iter().any(|(p, _)| p == EXPECTED_CASE));
    let caught = run
        .suites
        .iter()
        .flat_map(|s| s.leaves())
        .find(|(p, _)| p == "system_heap_vmap.sgvmap_v1_overflow_is_caught")
        .expect("the guard-slot case ran");
    assert_eq!(caught.1.outcome, Outcome::Pass);

    // A report from any other code fails the run, and so does a KASAN
    // that no longer sees the overflow.
    let heap_bug = log.replacen(
        "slab-out-of-bounds in sgvmap_v1+",
        "slab-out-of-bounds in system_heap_do_vmap+",
        1,
    );
    let problems = Verdict::of(&ktap::parse(&heap_bug).unwrap(), &heap_bug).problems();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("outside the v1 overflow case")),
        "{problems:?}"
    );
    let blind = log.replace("BUG: KASAN: ", "BUG: nothing: ");
    let problems = Verdict::of(&ktap::parse(&blind).unwrap(), &blind).problems();
    assert!(
        problems.iter().any(|p| p.contains("did not report")),
        "{problems:?}"
    );
}

/// A CONFIG_RUST run on UML as recorded: the heap comparison suite passes
/// with its figures, and the table gains the heaps section, Rust beside C.
#[test]
fn recorded_rust_heaps_make_the_heap_table() {
    use patchctl::kernel::table::render_table;
    use patchctl::kernel::view::RevisionFigures;
    let run = ktap::parse(&fixture("um-rust-heaps.log")).unwrap();
    assert!(run.failures().is_empty() && run.missing.is_empty());
    let heaps = run
        .suites
        .iter()
        .find(|s| s.name == "system_heap_rust")
        .expect("the heap comparison suite");
    assert_eq!(heaps.subtests.len(), 6, "{:?}", heaps.subtests);
    for step in ["alloc", "vmap", "vunmap"] {
        for heap in ["c", "rust"] {
            let imp = format!("heap-{step}-{heap}");
            assert!(
                run.figures
                    .iter()
                    .any(|f| f.implementation == imp && f.size == 256 << 20),
                "{imp} at 256M"
            );
        }
    }
    let table = render_table(&[RevisionFigures {
        series: "system-heap-vmap".into(),
        revision: "v1".into(),
        arch: "um".into(),
        figures: run.figures,
        own_loop: Some("v1".into()),
        checked: Vec::new(),
        mixes: Vec::new(),
        counted_mixes: Vec::new(),
    }]);
    // The heaps section: its title, a blank line, then the table.
    let at = table
        .find("\nheaps:")
        .unwrap_or_else(|| panic!("no heaps section: {table}"));
    let section = table[at..].split("\n\n").nth(1).unwrap_or_default();
    let rows: Vec<Vec<&str>> = section
        .lines()
        .skip(2)
        .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    assert_eq!(
        rows.len(),
        2,
        "16M and 256M (1G does not fit UML): {section}"
    );
    // arch, size; three steps, each C, Rust and Rust/C; the runs.
    assert_eq!(rows[1].len(), 2 + 3 * 3 + 1, "{section}");
    // The log predates the spread: minima only, so no ratio is judged.
    assert!(rows[1][2].ends_with("(min only)"), "{section}");
    assert_eq!(
        rows[1].iter().filter(|c| **c == "no range").count(),
        3,
        "{section}"
    );
    assert_eq!(rows[1][11], "7", "{section}");
}

/// The second boot's /dev/dma_heap program as recorded on UML: its own KTAP
/// suite, every case passed, each heap's answer in the diagnostics.
#[test]
fn recorded_dma_heap_program_parses_as_a_suite() {
    let text = fixture("um-dma-heap-abi.log");
    let run = ktap::parse(&text).unwrap();
    assert!(run.failures().is_empty() && run.missing.is_empty());
    let suite = &run.suites[0];
    assert_eq!(suite.name, "dma_heap_abi");
    assert_eq!(suite.subtests.len(), 7);
    let refused = &suite.subtests[2];
    assert_eq!(refused.name, "alloc_refused");
    assert!(refused
        .diagnostics
        .iter()
        .any(|d| d.contains("system-rust:") && d.contains("zero length: EINVAL")));
    // The OOM killer's report lands in the middle of the program's KTAP
    // and is read past.
    assert!(text.contains("invoked oom-killer"));
    assert!(suite.subtests[6]
        .diagnostics
        .iter()
        .any(|d| d.contains("killed by SIGKILL; memory given back")));

    // The same output with the heaps disagreeing: the program says so and
    // the case fails.
    let broken = text.replace("    ok 6 nothing_leaked", "    not ok 6 nothing_leaked");
    let broken = broken.replace("ok 1 dma_heap_abi", "not ok 1 dma_heap_abi");
    let run = ktap::parse(&broken).unwrap();
    let failed: Vec<String> = run.failures().into_iter().map(|(n, _)| n).collect();
    assert!(
        failed.iter().any(|n| n.contains("nothing_leaked")),
        "{failed:?}"
    );
}

#[test]
fn boots_merge_into_one_spread() {
    let f = |ns, median, max| {
        ktap::parse_figure(&format!(
            "sgvmap_timing: arch=um size=4096 impl=whole ns={ns} median={median} max={max} runs=7"
        ))
        .unwrap()
        .unwrap()
    };
    let merged = ktap::merge_boots(&[vec![f(10, 12, 20)], vec![f(8, 30, 40)], vec![f(11, 14, 15)]]);
    assert_eq!(merged.len(), 1);
    let m = &merged[0];
    // Lowest minimum, median of the medians, highest maximum, every run.
    assert_eq!((m.ns, m.median_ns, m.max_ns), (8, Some(14), Some(40)));
    assert_eq!((m.runs, m.boots), (21, Some(3)));
    // One boot stays as it was.
    assert_eq!(ktap::merge_boots(&[vec![f(1, 2, 3)]]), vec![f(1, 2, 3)]);
}
