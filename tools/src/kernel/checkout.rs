//! What a run builds and boots: a kernel base, the patches applied on
//! it, and the suite placed into the tree. The series layer resolves its
//! revisions into these (`series::revision`); this layer never reads a
//! series.toml.

use std::path::PathBuf;

use crate::sources::Base;

/// The row name of the unpatched 6.12 base in runs and tables: every
/// table puts it first.
pub const BASELINE: &str = "baseline";

/// The row name of the Android picks, shown beside the baseline.
pub const ANDROID: &str = "android";

/// The row name of the unpatched mainline base, beside [`BASELINE`], for
/// revisions that go upstream.
pub const MAINLINE: &str = "mainline";

/// The suite a checkout runs when nothing names one: the workspace's
/// system heap suite (the runner's own test data has no series.toml).
pub const DEFAULT_SUITE: &str = "system-heap";

/// The suite name that means "the kernel's own KUnit suites that cover
/// the series' files" (`kernel::coverage`): nothing of the workspace is
/// placed into the tree, and the kunitconfig is the checkout's
/// `kunit_config` alone. A series.toml that names no suite runs these.
pub const KERNEL_SUITES: &str = "kernel";

/// A kernel to build and test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    /// The series it comes from (`system-heap-vmap`, ...): the records'
    /// series name.
    pub series: String,
    /// `baseline`, `v1`, ...: the records' revision name.
    pub name: String,
    /// The patch files, in order (empty for a base alone).
    pub patches: Vec<PathBuf>,
    /// The suite placed into the tree.
    pub suite: String,
    /// Lines added to the suite's kunitconfig.
    pub kunit_config: Vec<String>,
    /// The kernel it is built on.
    pub base: Base,
    /// The timed loop its patches put in place, when known: the tables
    /// name each row's loop with it.
    pub own_loop: Option<String>,
}

impl Checkout {
    /// Patches on the Android base, of no series in particular, running
    /// the default suite.
    pub fn new(name: &str, patches: Vec<PathBuf>) -> Checkout {
        Checkout {
            series: "series".into(),
            name: name.into(),
            patches,
            suite: DEFAULT_SUITE.into(),
            kunit_config: Vec::new(),
            base: Base::Android,
            own_loop: None,
        }
    }
}
