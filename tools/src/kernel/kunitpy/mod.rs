//! Drives the tree's own `tools/testing/kunit/kunit.py`: one build and
//! boot per revision, arch and flavour, its output streamed as progress,
//! kept as a log and parsed as KTAP.
//!
//! This module says what a run builds (the arch, the flavour, and the
//! config records name it by); `tools` finds the programs kunit.py calls,
//! `invoke` runs it, and `clippy` builds the Rust heap with the kernel's
//! own `CLIPPY=1`.

use serde::{Deserialize, Serialize};

mod clippy;
mod invoke;
mod tools;

pub use clippy::{clippy_heap, ClippyResult, Finding, HEAP_OBJECT};
pub use invoke::{
    build_kunit, compiler_errors, count_kunit, run_kunit, BuildResult, Elapsed, Invocation,
    RunResult,
};
pub use tools::{check_tools, clippy_driver, RustTools};

/// The architectures the runner knows how to boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Arch {
    /// User-mode Linux.
    #[value(alias = "uml")]
    Um,
    /// arm64 under QEMU (TCG emulation on this kind of machine).
    #[value(alias = "aarch64")]
    Arm64,
}

impl Arch {
    /// The name kunit.py and the figures use.
    pub fn name(self) -> &'static str {
        match self {
            Arch::Um => "um",
            Arch::Arm64 => "arm64",
        }
    }

    /// How its figures were taken, for tables and cover letters.
    pub fn how_run(self) -> &'static str {
        match self {
            Arch::Um => "UML",
            Arch::Arm64 => "QEMU TCG",
        }
    }

    /// kunit.py's arguments for this arch.
    ///
    /// QEMU gets 4 GB so that the 2 GB buffer fits: kunit.py starts it with
    /// `-m 1024`, and the `-m` that comes last wins. UML cannot be helped
    /// the same way: kunit.py appends `mem=1G` after any kernel argument,
    /// so on UML the suite skips the sizes that do not fit and says so.
    ///
    /// The CPU is the same on every base: 6.12's kunit.py starts `-cpu
    /// max,pauth-impdef=on`, 7.2's plain `-cpu max`, whose pointer
    /// authentication TCG computes with the architected QARMA cipher at
    /// every signed return, many times slower than the implementation
    /// defined one. Left alone, 7.2's times would measure that cipher, not
    /// the kernel (its whole maps came out 30-60x 6.12's). The `-cpu`
    /// that comes last wins.
    fn kunit_args(self) -> Vec<String> {
        match self {
            Arch::Um => vec!["--arch=um".into()],
            Arch::Arm64 => vec![
                "--arch=arm64".into(),
                "--cross_compile=aarch64-linux-gnu-".into(),
                "--qemu_args=-m 4096".into(),
                "--qemu_args=-cpu max,pauth-impdef=on".into(),
            ],
        }
    }

    /// QEMU's options for a boot whose clock counts instructions: with
    /// `-icount shift=0` the guest's clock advances one nanosecond per
    /// instruction executed, and with `sleep=off` not at all while the
    /// guest waits, so the suite's nanoseconds become an instruction
    /// count that does not depend on the host; `dtb-randomness=off` keeps
    /// QEMU from giving each boot a new random seed in the device tree,
    /// which moves pages and so the counts by a few ticks. `None` for an
    /// arch that does not run under QEMU.
    pub fn counting_args(self) -> Option<Vec<String>> {
        match self {
            Arch::Um => None,
            Arch::Arm64 => Some(vec![
                "--qemu_args=-icount shift=0,sleep=off".into(),
                "--qemu_args=-machine dtb-randomness=off".into(),
            ]),
        }
    }
}

/// The base page size a kernel is built with. UML has 4K pages only;
/// arm64 can be built with 16K or 64K, as some Android vendors ship it.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum,
)]
pub enum PageSize {
    /// 4K: every arch's default, the only one UML has.
    #[default]
    #[value(name = "4k")]
    K4,
    /// 16K (arm64's `CONFIG_ARM64_16K_PAGES`).
    #[value(name = "16k")]
    K16,
    /// 64K (arm64's `CONFIG_ARM64_64K_PAGES`).
    #[value(name = "64k")]
    K64,
}

impl PageSize {
    /// The page size in bytes, as records keep it.
    pub fn bytes(self) -> u32 {
        match self {
            PageSize::K4 => 4096,
            PageSize::K16 => 16384,
            PageSize::K64 => 65536,
        }
    }

    /// The size `bytes` names; `None` for a size no kernel here builds.
    pub fn from_bytes(bytes: u32) -> Option<PageSize> {
        [PageSize::K4, PageSize::K16, PageSize::K64]
            .into_iter()
            .find(|p| p.bytes() == bytes)
    }

    /// `4k`, `16k`, `64k`: as the option takes it and labels show it.
    pub fn name(self) -> &'static str {
        match self {
            PageSize::K4 => "4k",
            PageSize::K16 => "16k",
            PageSize::K64 => "64k",
        }
    }

    /// What build directories, results files and arch labels gain: nothing
    /// for 4K (so 4K names stay as they were), `-16k` or `-64k` else.
    pub fn suffix(self) -> String {
        match self {
            PageSize::K4 => String::new(),
            other => format!("-{}", other.name()),
        }
    }

    /// The kunitconfig line that selects it on `arch`; `None` for the
    /// default. Refused on an arch that has no such choice.
    pub fn kconfig(self, arch: Arch) -> anyhow::Result<Option<&'static str>> {
        match (self, arch) {
            (PageSize::K4, _) => Ok(None),
            (PageSize::K16, Arch::Arm64) => Ok(Some("CONFIG_ARM64_16K_PAGES=y")),
            (PageSize::K64, Arch::Arm64) => Ok(Some("CONFIG_ARM64_64K_PAGES=y")),
            (other, Arch::Um) => anyhow::bail!(
                "--page-size {} is for arm64 only: UML has 4K pages alone; run it with --arch arm64",
                other.name()
            ),
        }
    }
}

/// The `config` of a results record: what the kernel was built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Config {
    /// The C suite.
    #[serde(rename = "C")]
    C,
    /// CONFIG_RUST: the Rust core beside C.
    #[serde(rename = "C+Rust")]
    CRust,
    /// CONFIG_KASAN.
    #[serde(rename = "C+KASAN")]
    CKasan,
    /// CONFIG_RUST and CONFIG_KASAN, built with LLVM.
    #[serde(rename = "C+Rust+KASAN")]
    CRustKasan,
    /// CONFIG_RUST with lockdep, kmemleak and fault injection: the stress
    /// suite's kernel.
    #[serde(rename = "C+Rust+stress")]
    CRustStress,
}

impl Config {
    /// The suffix of results files: ``, `-rust`, `-kasan`, `-rust-kasan`.
    pub fn suffix(self) -> &'static str {
        match self {
            Config::C => "",
            Config::CRust => "-rust",
            Config::CKasan => "-kasan",
            Config::CRustKasan => "-rust-kasan",
            Config::CRustStress => "-rust-stress",
        }
    }

    /// As records write it: `C`, `C+Rust`, `C+KASAN`, `C+Rust+KASAN`.
    pub fn name(self) -> &'static str {
        match self {
            Config::C => "C",
            Config::CRust => "C+Rust",
            Config::CKasan => "C+KASAN",
            Config::CRustKasan => "C+Rust+KASAN",
            Config::CRustStress => "C+Rust+stress",
        }
    }
}

/// The Rust heap beside the C one; an initramfs and devtmpfs for the
/// second boot that drives both through /dev/dma_heap.
const RUST_KCONFIG: &str = "CONFIG_RUST=y\nCONFIG_DMABUF_HEAPS_SYSTEM_RUST=y\n\
                            CONFIG_BLK_DEV_INITRD=y\nCONFIG_DEVTMPFS=y\n";

/// kunit.py's filter that leaves the timing cases out: they are marked
/// KUNIT_SPEED_SLOW, everything else is faster.
const SKIP_TIMINGS: &str = "--filter=speed>slow";

/// kunit.py's filter that keeps only the timing cases.
const ONLY_TIMINGS: &str = "--filter=speed<=slow";

/// Generic KASAN, vmalloc included.
const KASAN_KCONFIG: &str = "CONFIG_KASAN=y\nCONFIG_KASAN_GENERIC=y\nCONFIG_KASAN_VMALLOC=y\n";

/// The stress suite's kernel (issue 25, item 3): lockdep, kmemleak and
/// the two allocation fault injectors, whose knobs the suite sets through
/// debugfs's own variables, so debugfs is on too. The suite itself is
/// behind its own option, so that no other flavour runs it. Unix sockets
/// (which kunit.py's configs leave out with all of networking) carry the
/// buffers between the second boot's processes.
const STRESS_KCONFIG: &str = "CONFIG_DMABUF_HEAPS_SYSTEM_KUNIT_STRESS=y\n\
                              CONFIG_DEBUG_KERNEL=y\nCONFIG_PROVE_LOCKING=y\n\
                              CONFIG_DEBUG_KMEMLEAK=y\nCONFIG_DEBUG_FS=y\n\
                              CONFIG_FAULT_INJECTION=y\nCONFIG_FAILSLAB=y\n\
                              CONFIG_FAIL_PAGE_ALLOC=y\nCONFIG_FAULT_INJECTION_DEBUG_FS=y\n\
                              CONFIG_NET=y\nCONFIG_UNIX=y\n\
                              CONFIG_DETECT_HUNG_TASK=y\n\
                              CONFIG_DEFAULT_HUNG_TASK_TIMEOUT=120\n";

/// The stress kernel's options for arm64 alone: sleeping in atomic
/// context is only caught with it, and UML cannot have it (it selects
/// PREEMPT_COUNT, which UML's ARCH_NO_PREEMPT rules out).
const STRESS_KCONFIG_ARM64: &str = "CONFIG_DEBUG_ATOMIC_SLEEP=y\n";

/// The arm64 stress boot's RCU stall timeout, in seconds: two emulated
/// CPUs on a busy two-core host can go 21 s (the default) without a
/// quiescent state and report a stall that is the host's, not the heaps'.
pub const STRESS_RCU_STALL: &str = "rcupdate.rcu_cpu_stall_timeout=60";
/// The stress flavour's one suite (kunit/system_heap_stress_test.c).
pub const STRESS_SUITE: &str = "system_heap_stress";

/// The stress kernel's slab debugging: kmalloc's caches alone marked
/// SLAB_FAILSLAB ("A"), so that failslab with its cache filter on fails
/// them and never kmemleak's own caches (whose failed allocations would
/// leave kmemleak scanning less than it should).
pub const STRESS_SLAB_DEBUG: &str = "slab_debug=A,kmalloc-*";

/// QEMU's CPUs for the stress kernel on arm64: the stress threads only
/// race each other on more than one CPU (the kernels are PREEMPT_NONE, so
/// on one CPU a thread gives way only where it sleeps). Two, as the host
/// has two cores: TCG runs a thread per guest CPU. UML has one CPU.
pub const STRESS_SMP: &[&str] = &["-smp", "2"];

/// What kind of kernel a run builds, besides the suite itself.
#[derive(Debug, Clone)]
pub enum Flavor {
    /// The C suite only.
    C,
    /// CONFIG_RUST with this toolchain: rust-heap's core beside C.
    Rust(RustTools),
    /// CONFIG_KASAN (generic, with vmalloc): the C suite checked byte by
    /// byte. UML only here, and C only: KASAN and Rust do not mix with GCC
    /// in 6.12.
    Kasan,
    /// CONFIG_RUST and CONFIG_KASAN together, which 6.12 allows only with
    /// clang (`RUST depends on !KASAN || CC_IS_CLANG`): an `LLVM=1` build,
    /// UML only, so that the Rust heap runs checked byte by byte too.
    RustKasan(RustTools),
    /// CONFIG_RUST with lockdep (`CONFIG_PROVE_LOCKING`), kmemleak and
    /// fault injection (`failslab`, `fail_page_alloc`): both heaps under
    /// load with allocations failing, judged by the log (no lockdep
    /// report, no kmemleak report) as well as by the suites.
    RustStress(RustTools),
}

impl Flavor {
    /// Its name in build directories: `c`, `rust`, `kasan`, `rust-kasan`.
    pub fn name(&self) -> &'static str {
        match self {
            Flavor::C => "c",
            Flavor::Rust(_) => "rust",
            Flavor::Kasan => "kasan",
            Flavor::RustKasan(_) => "rust-kasan",
            Flavor::RustStress(_) => "rust-stress",
        }
    }

    /// Whether the build has the Rust heap (and so boots a second time
    /// through /dev/dma_heap).
    pub fn has_rust(&self) -> bool {
        matches!(
            self,
            Flavor::Rust(_) | Flavor::RustKasan(_) | Flavor::RustStress(_)
        )
    }

    /// Whether the build is the stress suite's (and so is judged by its
    /// lockdep and kmemleak reports).
    pub fn is_stress(&self) -> bool {
        matches!(self, Flavor::RustStress(_))
    }

    /// Whether the C side is built by clang (`LLVM=1`).
    pub fn is_llvm(&self) -> bool {
        matches!(self, Flavor::RustKasan(_))
    }

    /// Whether the build has KASAN (and so is judged by its reports).
    pub fn has_kasan(&self) -> bool {
        matches!(self, Flavor::Kasan | Flavor::RustKasan(_))
    }

    /// The `config` of results files.
    pub fn config(&self) -> Config {
        match self {
            Flavor::C => Config::C,
            Flavor::Rust(_) => Config::CRust,
            Flavor::Kasan => Config::CKasan,
            Flavor::RustKasan(_) => Config::CRustKasan,
            Flavor::RustStress(_) => Config::CRustStress,
        }
    }

    /// Options added to the suite's kunitconfig.
    fn kconfig(&self, arch: Arch) -> String {
        let mut lines = String::new();
        if self.has_rust() {
            lines.push_str(RUST_KCONFIG);
        }
        if self.has_kasan() {
            lines.push_str(KASAN_KCONFIG);
        }
        if self.is_stress() {
            lines.push_str(STRESS_KCONFIG);
            if arch == Arch::Arm64 {
                lines.push_str(STRESS_KCONFIG_ARM64);
            }
        }
        lines
    }

    /// make's variables for this flavour on `arch` (`RUSTC=...`): what
    /// kunit.py passes on as `--make_options`, and what a make of one
    /// object (the CLIPPY=1 build) is given itself.
    fn make_variables(&self, arch: Arch) -> Vec<String> {
        let rust = |tools: &RustTools| {
            vec![
                format!("RUSTC={}", tools.rustc.display()),
                format!("BINDGEN={}", tools.bindgen.display()),
            ]
        };
        match self {
            Flavor::C | Flavor::Kasan => Vec::new(),
            Flavor::Rust(tools) | Flavor::RustStress(tools) => {
                let mut vars = rust(tools);
                if arch == Arch::Um {
                    // 6.12 leaves bindgen's target empty for UML built with
                    // GCC, and bindgen then guesses wrong: name it.
                    vars.push("BINDGEN_TARGET=x86_64-linux-gnu".into());
                }
                vars
            }
            Flavor::RustKasan(tools) => {
                let mut vars = rust(tools);
                // clang, lld and LLVM's binutils for C: Rust and KASAN need
                // the C side built by clang in 6.12.
                vars.push("LLVM=1".into());
                vars
            }
        }
    }

    /// [`Flavor::make_variables`] as kunit.py takes them.
    fn make_options(&self, arch: Arch) -> Vec<String> {
        self.make_variables(arch)
            .into_iter()
            .map(|v| format!("--make_options={v}"))
            .collect()
    }

    /// What this flavour adds to a boot on `arch`: KASAN's, or the
    /// stress run's.
    fn boot_args(&self, arch: Arch) -> Vec<String> {
        if self.is_stress() {
            let mut args = vec![
                // Timings under lockdep measure lockdep.
                SKIP_TIMINGS.to_string(),
                // kunit.py's filter_glob: the stress suite alone. The
                // other suites run in every other flavour; under lockdep
                // and kmemleak on QEMU their 2 GB buffers take most of an
                // hour.
                STRESS_SUITE.to_string(),
                format!("--kernel_args={STRESS_SLAB_DEBUG}"),
            ];
            if arch == Arch::Arm64 {
                args.push(format!("--kernel_args={STRESS_RCU_STALL}"));
                args.push(format!("--qemu_args={}", STRESS_SMP.join(" ")));
            }
            return args;
        }
        if !self.has_kasan() {
            return Vec::new();
        }
        vec![
            // Every report, not only the first: the expected one comes
            // last, and no earlier one may hide behind it.
            "--kernel_args=kasan_multi_shot".to_string(),
            // Timings under KASAN measure KASAN; the checks are what count.
            SKIP_TIMINGS.to_string(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_size_names_its_option_its_config_and_its_suffix() {
        use clap::ValueEnum;
        let parse = |s: &str| PageSize::from_str(s, true);
        assert_eq!(parse("64k"), Ok(PageSize::K64));
        assert_eq!(parse("16K"), Ok(PageSize::K16));
        assert_eq!(parse("4k"), Ok(PageSize::K4));
        assert!(parse("8k").is_err());
        assert!(parse("65536").is_err());
        assert_eq!(PageSize::default(), PageSize::K4);
        assert_eq!(PageSize::K64.bytes(), 65536);
        assert_eq!(PageSize::from_bytes(16384), Some(PageSize::K16));
        assert_eq!(PageSize::from_bytes(8192), None);
        assert_eq!(PageSize::K4.suffix(), "");
        assert_eq!(PageSize::K64.suffix(), "-64k");
        assert_eq!(PageSize::K4.kconfig(Arch::Um).unwrap(), None);
        assert_eq!(PageSize::K4.kconfig(Arch::Arm64).unwrap(), None);
        assert_eq!(
            PageSize::K64.kconfig(Arch::Arm64).unwrap(),
            Some("CONFIG_ARM64_64K_PAGES=y")
        );
        assert_eq!(
            PageSize::K16.kconfig(Arch::Arm64).unwrap(),
            Some("CONFIG_ARM64_16K_PAGES=y")
        );
        let uml = PageSize::K64.kconfig(Arch::Um).unwrap_err().to_string();
        assert!(uml.contains("UML has 4K pages"), "{uml}");
    }

    #[test]
    fn the_stress_flavour_adds_lockdep_kmemleak_and_both_injectors_to_rust() {
        let tools = RustTools {
            rustc: "/usr/bin/rustc".into(),
            bindgen: "/c/bindgen".into(),
        };
        let stress = Flavor::RustStress(tools);
        let config = stress.kconfig(Arch::Um);
        assert!(!config.contains("DEBUG_ATOMIC_SLEEP"), "{config}");
        let config = stress.kconfig(Arch::Arm64);
        for option in [
            "CONFIG_RUST=y",
            "CONFIG_DMABUF_HEAPS_SYSTEM_RUST=y",
            "CONFIG_DMABUF_HEAPS_SYSTEM_KUNIT_STRESS=y",
            "CONFIG_PROVE_LOCKING=y",
            "CONFIG_DEBUG_KMEMLEAK=y",
            "CONFIG_FAILSLAB=y",
            "CONFIG_FAIL_PAGE_ALLOC=y",
            "CONFIG_FAULT_INJECTION_DEBUG_FS=y",
            "CONFIG_UNIX=y",
            "CONFIG_DETECT_HUNG_TASK=y",
            "CONFIG_DEBUG_ATOMIC_SLEEP=y",
        ] {
            assert!(config.lines().any(|l| l == option), "{option} in {config}");
        }
        assert!(!config.contains("KASAN"));
        assert!(stress.has_rust() && stress.is_stress() && !stress.has_kasan());
        assert_eq!(stress.name(), "rust-stress");
        assert_eq!(stress.config().suffix(), "-rust-stress");
        assert!(!Flavor::Rust(RustTools {
            rustc: "r".into(),
            bindgen: "b".into()
        })
        .kconfig(Arch::Arm64)
        .contains("STRESS"));
    }

    #[test]
    fn each_flavour_gives_kunit_py_its_make_options_then_its_own() {
        let tools = RustTools {
            rustc: "/usr/bin/rustc".into(),
            bindgen: "/c/bindgen".into(),
        };
        let rust = [
            "--make_options=RUSTC=/usr/bin/rustc",
            "--make_options=BINDGEN=/c/bindgen",
        ];
        let kasan = ["--kernel_args=kasan_multi_shot", SKIP_TIMINGS];
        let both = |f: &Flavor, arch| [f.make_options(arch), f.boot_args(arch)].concat();
        assert!(both(&Flavor::C, Arch::Um).is_empty());
        assert_eq!(both(&Flavor::Kasan, Arch::Um), kasan);
        let um = both(&Flavor::Rust(tools.clone()), Arch::Um);
        assert_eq!(um[..2], rust);
        assert_eq!(um[2..], ["--make_options=BINDGEN_TARGET=x86_64-linux-gnu"]);
        assert_eq!(both(&Flavor::Rust(tools.clone()), Arch::Arm64), rust);
        let stress = both(&Flavor::RustStress(tools.clone()), Arch::Arm64);
        assert_eq!(stress[..2], rust);
        let slab = format!("--kernel_args={STRESS_SLAB_DEBUG}");
        assert_eq!(
            stress[2..],
            [
                SKIP_TIMINGS,
                STRESS_SUITE,
                &slab,
                "--kernel_args=rcupdate.rcu_cpu_stall_timeout=60",
                "--qemu_args=-smp 2"
            ]
        );
        let stress_um = both(&Flavor::RustStress(tools.clone()), Arch::Um);
        assert_eq!(stress_um[3..], [SKIP_TIMINGS, STRESS_SUITE, &slab]);
        let rust_kasan = both(&Flavor::RustKasan(tools), Arch::Um);
        assert_eq!(rust_kasan[..2], rust);
        assert_eq!(rust_kasan[2], "--make_options=LLVM=1");
        assert_eq!(rust_kasan[3..], kasan);
    }
}
