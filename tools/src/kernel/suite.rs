//! The workspace's KUnit suite (`kunit/`) and how it is placed into a
//! kernel tree: the same way for every revision.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The name the test file includes c-heap's conversions under.
pub const CONVERSIONS_IN_TREE: &str = "sgvmap_convert.c";

/// Where the suite's files are in the workspace.
pub struct Suite {
    /// `kunit/system_heap_test.c`.
    pub test_c: PathBuf,
    /// `c-heap/src/convert.c`: the conversions, one source for c-heap and
    /// the kernel, which the test file includes as `sgvmap_convert.c`.
    pub conversions: PathBuf,
    /// `kunit/Kconfig.fragment`, appended to the heaps' Kconfig.
    pub kconfig: PathBuf,
    /// `kunit/system_heap.c.tail`, appended to `system_heap.c`.
    pub tail: PathBuf,
    /// `kunit/kunitconfig`.
    pub kunitconfig: PathBuf,
    /// `kunit/system_heap_rust.rs` and `.h`, the Rust heap
    /// (`system_rust_heap.rs`) and its C shim: placed beside `system_heap.c`.
    pub rust_wrapper: Vec<PathBuf>,
    /// rust-heap's core sources, placed in `rust_heap/` as they are.
    pub rust_core: Vec<PathBuf>,
    /// `kunit/Makefile.fragment`, appended to the heaps' Makefile.
    pub makefile: PathBuf,
}

/// The suites the runner knows, by the name a series.toml gives them.
pub const SUITES: &[&str] = &["system-heap"];

impl Suite {
    /// The suite a series names in its `[kunit] suite`.
    pub fn named(workspace: &Path, name: &str) -> Result<Suite> {
        match name {
            "system-heap" => Ok(Suite::in_workspace(workspace)),
            other => anyhow::bail!(
                "no KUnit suite {other:?}: expected one of {} (series.toml's [kunit] suite)",
                SUITES.join(", ")
            ),
        }
    }

    /// The system heap's suite, under `workspace/kunit`: the conversions,
    /// the whole `system_heap_do_vmap()` and `vmap()` alone.
    pub fn in_workspace(workspace: &Path) -> Suite {
        let dir = workspace.join("kunit");
        Suite {
            test_c: dir.join("system_heap_test.c"),
            conversions: workspace.join("c-heap/src/convert.c"),
            kconfig: dir.join("Kconfig.fragment"),
            tail: dir.join("system_heap.c.tail"),
            kunitconfig: dir.join("kunitconfig"),
            rust_wrapper: vec![
                dir.join("system_heap_rust.rs"),
                dir.join("system_heap_rust.h"),
                dir.join("system_rust_heap.rs"),
                dir.join("system_heap_rust_shim.c"),
                dir.join("system_heap_rust_test.c"),
                dir.join("system_heap_stress_test.c"),
            ],
            rust_core: [
                "layout.rs",
                "sg.rs",
                "convert.rs",
                "errno.rs",
                "ffi.rs",
                "alloc.rs",
            ]
            .iter()
            .map(|f| workspace.join("rust-heap/src").join(f))
            .collect(),
            makefile: dir.join("Makefile.fragment"),
        }
    }
}

/// Copies the suite into `tree` the same way for every revision: the test
/// file beside `system_heap.c`, an `#include` at its end behind its own
/// Kconfig symbol, and that symbol in the heaps' Kconfig.
pub fn place_suite(tree: &Path, suite: &Suite) -> Result<()> {
    let heaps = tree.join("drivers/dma-buf/heaps");
    let heap_c = heaps.join("system_heap.c");
    let kconfig = heaps.join("Kconfig");
    let read =
        |p: &Path| fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()));
    // Start from the files as the revision committed them, so that placing
    // again after the suite changed replaces what was placed before.
    let repo = git2::Repository::open(tree).ok();
    let committed = |rel: &str| -> Result<String> {
        let blob = repo.as_ref().and_then(|r| {
            let obj = r.revparse_single(&format!("HEAD:{rel}")).ok()?;
            let blob = obj.peel_to_blob().ok()?;
            Some(String::from_utf8_lossy(blob.content()).into_owned())
        });
        match blob {
            Some(text) => Ok(text),
            None => read(&tree.join(rel)),
        }
    };
    let heap_src = committed("drivers/dma-buf/heaps/system_heap.c")?;
    let kconfig_src = committed("drivers/dma-buf/heaps/Kconfig")?;
    let tail = read(&suite.tail)?;
    let fragment = read(&suite.kconfig)?;
    fs::copy(&suite.test_c, heaps.join("system_heap_test.c")).with_context(|| {
        format!(
            "cannot copy {} into {}",
            suite.test_c.display(),
            heaps.display()
        )
    })?;
    fs::copy(&suite.conversions, heaps.join(CONVERSIONS_IN_TREE)).with_context(|| {
        format!(
            "cannot copy {} into {}",
            suite.conversions.display(),
            heaps.display()
        )
    })?;
    let heap_placed = if heap_src.contains("system_heap_test.c") {
        heap_src
    } else {
        heap_src + &tail
    };
    fs::write(&heap_c, heap_placed)
        .with_context(|| format!("cannot write {}", heap_c.display()))?;
    let kconfig_placed = if !kconfig_src.contains("DMABUF_HEAPS_SYSTEM_KUNIT_TEST") {
        kconfig_src + &fragment
    } else if !kconfig_src.contains("DMABUF_HEAPS_SYSTEM_KUNIT_RUST") {
        // A revision that carries the test upstream-style, without Rust.
        let rust_part = fragment
            .find("\nconfig DMABUF_HEAPS_SYSTEM_KUNIT_RUST")
            .map_or("", |i| &fragment[i..]);
        kconfig_src + rust_part
    } else {
        kconfig_src
    };
    fs::write(&kconfig, kconfig_placed)
        .with_context(|| format!("cannot write {}", kconfig.display()))?;
    // The Rust core, the same files as rust-heap's, and its wrapper.
    let core_dir = heaps.join("rust_heap");
    fs::create_dir_all(&core_dir)
        .with_context(|| format!("cannot create {}", core_dir.display()))?;
    for f in &suite.rust_core {
        let name = f.file_name().expect("a file");
        fs::copy(f, core_dir.join(name)).with_context(|| format!("cannot copy {}", f.display()))?;
    }
    for f in &suite.rust_wrapper {
        let name = f.file_name().expect("a file");
        fs::copy(f, heaps.join(name)).with_context(|| format!("cannot copy {}", f.display()))?;
    }
    let makefile = heaps.join("Makefile");
    let make_src = committed("drivers/dma-buf/heaps/Makefile")?;
    fs::write(&makefile, make_src + &read(&suite.makefile)?)
        .with_context(|| format!("cannot write {}", makefile.display()))?;
    Ok(())
}
