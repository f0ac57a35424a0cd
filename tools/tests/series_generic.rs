//! The runner knows series by their series.toml, not by name: each says
//! which suite goes into the tree, what it adds to the kunitconfig, which
//! revisions run, and which variants leave patches out. Read from the
//! workspace's own series.

mod common;

use std::path::{Path, PathBuf};

use common::replay::Replay;
use patchctl::kernel::checkout::Checkout;
use patchctl::kernel::run::{run_matrix, Matrix};
use patchctl::kernel::table;
use patchctl::kernel::view::RevisionFigures;
use patchctl::kernel::Arch;
use patchctl::kernel::{Flavor, PageSize};
use patchctl::machine::Machine;
use patchctl::orchestrate::kunit::{plan, series_dirs, KunitOptions};
use patchctl::series::manifest::{Base, TableKind};
use patchctl::series::revision;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .into()
}

fn options(series: &[&str], revisions: &[&str], kasan: bool) -> KunitOptions {
    KunitOptions {
        arches: vec![Arch::Um],
        revisions: revisions.iter().map(|r| r.to_string()).collect(),
        series: series.iter().map(|s| workspace().join(s)).collect(),
        kdir: None,
        mainline_kdir: None,
        base: None,
        boots: 1,
        counting_boots: 0,
        jobs: 1,
        results: std::env::temp_dir(),
        rust: false,
        kasan,
        stress: false,
        distinct: false,
        abi_boot: Default::default(),
        skip_timings: false,
        page_size: PageSize::K4,
        workspace: workspace(),
        compare: None,
        threshold: None,
    }
}

fn names(revisions: &[Checkout]) -> Vec<String> {
    revisions
        .iter()
        .map(|r| format!("{}:{}", r.series, r.name))
        .collect()
}

#[test]
fn patches_stands_for_every_series_in_it() {
    let dirs = series_dirs(&[workspace().join("patches")]).unwrap();
    let found: Vec<_> = dirs
        .iter()
        .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(found, ["system-heap-vmap", "vmap-sg"]);
}

#[test]
fn each_series_runs_its_own_revisions() {
    let plan_c = plan(&options(&["patches"], &[], false)).unwrap();
    let (manifests, revisions) = (plan_c.manifests, plan_c.revisions);
    assert_eq!(
        names(&revisions),
        [
            "system-heap-vmap:baseline",
            "system-heap-vmap:v1",
            "system-heap-vmap:v2",
            "system-heap-vmap:android",
            "system-heap-vmap:mainline",
            "system-heap-vmap:v3",
            "vmap-sg:v1-generic",
            "vmap-sg:v1",
            "vmap-sg:mainline",
            "vmap-sg:v2-b",
            "vmap-sg:v2",
        ]
    );
    // Each on its base: the upstream revision and unpatched mainline on
    // mainline, the rest on 6.12.
    let on_mainline: Vec<String> = revisions
        .iter()
        .filter(|r| r.base == Base::Mainline)
        .map(|r| r.name.clone())
        .collect();
    assert_eq!(on_mainline, ["mainline", "v3", "mainline", "v2-b", "v2"]);
    let mut mainline_only = options(&["patches"], &[], false);
    mainline_only.base = Some(Base::Mainline);
    assert_eq!(
        names(&plan(&mainline_only).unwrap().revisions),
        [
            "system-heap-vmap:mainline",
            "system-heap-vmap:v3",
            "vmap-sg:mainline",
            "vmap-sg:v2-b",
            "vmap-sg:v2"
        ]
    );
    // Each revision's own test: v1's vmap_sg() test, v2's vmap() test,
    // and the variant of v2 takes v2's.
    let config = |name: &str| {
        revisions
            .iter()
            .find(|r| r.series == "vmap-sg" && r.name == name)
            .map(|r| r.kunit_config.clone())
    };
    assert_eq!(
        config("v1-generic"),
        Some(vec![
            "CONFIG_VMAP_SG_KUNIT_TEST=y".to_string(),
            "CONFIG_DMABUF_HEAPS_SYSTEM_VMAP_SG=y".to_string()
        ])
    );
    assert_eq!(
        config("v2-b"),
        Some(vec!["CONFIG_VMAP_KUNIT_TEST=y".to_string()])
    );
    assert_eq!(config("mainline"), Some(Vec::new()));
    let table = |name: &str| {
        manifests
            .iter()
            .find(|s| s.series == name)
            .map(|s| s.manifest.kunit.table)
    };
    assert_eq!(table("system-heap-vmap"), Some(TableKind::Loops));
    assert_eq!(table("vmap-sg"), Some(TableKind::WholeMap));

    let kasan = plan(&options(&["patches"], &[], true)).unwrap().revisions;
    assert_eq!(
        names(&kasan),
        [
            "system-heap-vmap:baseline",
            "system-heap-vmap:v1",
            "system-heap-vmap:v2",
            "vmap-sg:v1",
        ]
    );

    // make test's Rust build runs the same distinct code, without KASAN.
    let mut distinct = options(&["patches"], &[], false);
    distinct.distinct = true;
    assert_eq!(names(&plan(&distinct).unwrap().revisions), names(&kasan));
}

#[test]
fn a_variant_leaves_out_the_patches_it_names() {
    let series = workspace().join("patches/vmap-sg");
    let all = revision::resolve(&series, "v1").unwrap();
    let generic = revision::resolve(&series, "v1-generic").unwrap();
    let file = |p: &PathBuf| p.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(all.patches.len(), 4, "the cover letter carries no diff");
    let kept: Vec<_> = generic.patches.iter().map(file).collect();
    assert_eq!(kept.len(), 3);
    assert!(kept.iter().all(|f| !f.starts_with("v1-0002-")), "{kept:?}");
    assert!(all.patches[1].to_string_lossy().contains("arm64"));
    // The series' own test, and the word that the tree has vmap_sg()
    // (the Rust heap maps with it), go into the kunitconfig of both.
    for r in [&all, &generic] {
        assert_eq!(
            r.kunit_config,
            [
                "CONFIG_VMAP_SG_KUNIT_TEST=y",
                "CONFIG_DMABUF_HEAPS_SYSTEM_VMAP_SG=y"
            ]
        );
        assert_eq!(r.suite, "system-heap");
        assert_eq!(r.series, "vmap-sg");
    }
}

#[test]
fn a_variant_omitting_a_patch_that_is_not_there_is_refused() {
    let dir = std::env::temp_dir().join(format!("patchctl-variant-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("v1")).unwrap();
    std::fs::copy(
        workspace()
            .join("patches/vmap-sg/v1/v1-0003-dma-buf-system-heap-map-buffers-with-vmap-sg.patch"),
        dir.join("v1/0001.patch"),
    )
    .unwrap();
    std::fs::write(
        dir.join("series.toml"),
        "name = \"x\"\nsubject = \"x: y\"\n\n[[variant]]\nname = \"less\"\nrevision = \"v1\"\nomit = [3]\n",
    )
    .unwrap();
    let err = format!("{:#}", revision::resolve(&dir, "less").unwrap_err());
    assert!(
        err.contains("variant \"less\"")
            && err.contains("omit = 3 is not a patch of v1/ (it holds patches 1 to 1)"),
        "{err}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Recorded runs of both series in one matrix: the whole-map table puts
/// vmap-sg's revisions beside the system heap's, with ratios to the
/// baseline and to v2, and counts the runs that checked every page.
#[test]
fn both_series_in_one_matrix_make_one_whole_map_table() {
    let a = workspace().join("patches/system-heap-vmap");
    let b = workspace().join("patches/vmap-sg");
    let revisions = vec![
        revision::resolve(&a, "baseline").unwrap(),
        revision::resolve(&a, "v2").unwrap(),
        revision::resolve(&b, "v1").unwrap(),
    ];
    let mut replay = Replay::new(&[
        (
            "system-heap-vmap:baseline",
            Arch::Arm64,
            "arm64-baseline-order0.log",
        ),
        ("system-heap-vmap:v2", Arch::Arm64, "arm64-v2.log"),
        ("vmap-sg:v1", Arch::Arm64, "arm64-vmap-sg-v1.log"),
    ]);
    let outcome = run_matrix(
        &mut replay,
        &Matrix {
            revisions: &revisions,
            arches: &[Arch::Arm64],
            flavor: &Flavor::C,
            page_size: PageSize::K4,
            results: None,
            machine: Machine::this(),
            boots: 1,
            counting_boots: 0,
        },
        &mut std::io::sink(),
    )
    .unwrap();
    assert!(!outcome.failed);
    let series: Vec<_> = outcome.records.iter().map(|r| r.series.as_str()).collect();
    assert_eq!(series, ["system-heap-vmap", "system-heap-vmap", "vmap-sg"]);
    // vmap-sg builds no page array: no loop of its own to name.
    assert_eq!(outcome.records[2].own_loop, None);
    let figures: Vec<_> = outcome.records.iter().map(RevisionFigures::of).collect();
    let text = table::render_table(&figures);
    let whole_map = &text[text.find("whole map:").expect(&text)..];
    for want in ["vmap-sg:v1 x baseline", "vmap-sg:v1 x v2", "order-0"] {
        assert!(whole_map.contains(want), "{want:?} not in\n{whole_map}");
    }
    let row = whole_map
        .lines()
        .find(|l| {
            l.trim_matches('|')
                .split('|')
                .map(str::trim)
                .take(3)
                .eq(["arm64", "256M", "heap"])
        })
        .expect(whole_map);
    // Three runs timed the 256M heap buffer and checked every page of it.
    assert!(row.ends_with(" 3/3 |"), "{row}");
    // The loop table's whole-path columns keep to revisions with a loop.
    let whole_path = &text[text.find("whole path:").unwrap()..text.find("whole map:").unwrap()];
    assert!(!whole_path.contains("vmap-sg"), "{whole_path}");
}
