//! The stress run (issue 25, item 3): both heaps under load with
//! allocation failures injected, in a kernel with lockdep and kmemleak.
//!
//! The suites judge what they can see themselves (only `-ENOMEM`, the
//! mappings right, free memory back); what only the log shows is judged
//! here, as [`super::kasan`] judges KASAN's reports: lockdep must have
//! been on and said nothing, kmemleak must have been on and found
//! nothing, no other kernel warning may appear. Each heap's figures come
//! from `stress:` diagnostic lines, the kernel threads' (`shs_stress`, in
//! each boot that ran it) and the `/dev/dma_heap` processes' (the second
//! boot's `/init`).

use serde::{Deserialize, Serialize};

/// What a stress figure line carries after its key.
pub const STRESS_KEY: &str = "stress: ";

/// What marks the second boot's part of a run's log.
const SECOND_BOOT: &str = "# second boot: ";

/// Printed once at boot by a kernel with lockdep.
const LOCKDEP_ON: &str = "Lock dependency validator";

/// Printed once at boot by a kernel whose kmemleak started.
const KMEMLEAK_ON: &str = "Kernel memory leak detector initialized";

/// The first lines of lockdep's reports, and what it prints when it turns
/// itself off.
const LOCKDEP_REPORTS: &[&str] = &[
    "possible circular locking dependency detected",
    "possible recursive locking detected",
    "inconsistent lock state",
    "possible irq lock inversion dependency detected",
    "bad unlock balance detected",
    "held lock freed",
    "lock held when returning to user space",
    "Nested lock was not taken",
    "suspicious RCU usage",
    "BUG: MAX_LOCK",
    "turning off the locking correctness validator",
    "INFO: trying to register non-static key",
    "BUG: sleeping function called from invalid context",
    "BUG: workqueue leaked lock",
];

/// kmemleak's own words for leaks, for having stopped, and for having
/// failed an allocation of its own. The last would leave a scan short of
/// what it must cover (a scan area it could not record is scanned whole,
/// which finds references a leak would hide behind); failslab's cache
/// filter keeps kmemleak's caches out of the injection, so it must not
/// happen.
const KMEMLEAK_REPORTS: &[&str] = &[
    "new suspected memory leaks",
    "unreferenced object 0x",
    "Kernel memory leak detector disabled",
    "kmemleak: Cannot allocate",
];

/// Any other sign that the kernel did not run clean: warnings, BUGs and
/// oopses, hung tasks, RCU stalls, UBSAN.
const OTHER_REPORTS: &[&str] = &[
    "WARNING: CPU:",
    "BUG: ",
    "Oops",
    "Kernel panic",
    "INFO: task ",
    "detected stall",
    "detected expedited stalls",
    "UBSAN:",
];

/// The two warnings that are expected, each with why, and how narrowly:
/// - `dma_buf_vmap()` in 6.12 warns once (`WARN_ON_ONCE(ret)`) whenever a
///   heap's vmap op fails, for any reason: with allocations failing on
///   purpose, a heap's vmap fails with -ENOMEM, as it must, and the core
///   warns. Allowed once per boot, in a boot whose threads saw a vmap
///   fail, and at one line of dma-buf.c in every boot: the same function
///   also warns (every time, not once) when a caller does not hold the
///   buffer's reservation lock, a real bug lockdep does not report.
/// - UML's virtio PCI driver warns at boot, in every UML kernel built by
///   kunit.py, that no virtio device ID is configured (no PCI support).
///   Allowed only before the boot's first KTAP line, before any suite.
const VMAP_WARNING: &str = "drivers/dma-buf/dma-buf.c:";
const UML_PCI_WARNING: &str = "arch/um/drivers/virt-pci.c:";

/// Whether `line` is `dma_buf_vmap()`'s warning, and where in dma-buf.c.
fn vmap_warning_at(line: &str) -> Option<&str> {
    if !line.contains("WARNING: CPU:") || !line.contains(" dma_buf_vmap+") {
        return None;
    }
    let at = line.find(VMAP_WARNING)?;
    line[at..].split_whitespace().next()
}

/// One heap's figures from one `stress:` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StressFigure {
    /// `kunit` (the kernel threads of `shs_stress`) or `user` (the
    /// `/dev/dma_heap` processes of the second boot).
    pub source: String,
    /// 1: kunit.py's boot; 2: the second boot.
    pub boot: u8,
    /// `c` or `rust` (the kernel threads), or the heap's device name.
    pub heap: String,
    /// Threads or processes.
    pub workers: u64,
    /// Rounds done, over all workers.
    pub rounds: u64,
    /// Rounds whose buffer went the whole way: mapped, written, checked.
    pub mapped: u64,
    /// Faults the injectors counted (failslab and fail_page_alloc).
    pub injected: u64,
    /// Operations that failed.
    pub failures: u64,
    /// Of them, vmaps (the kernel threads' lines; records before it have
    /// none).
    #[serde(default)]
    pub vmap_failures: Option<u64>,
    /// Rounds whose map of the buffer all the threads share was checked
    /// (the kernel threads' lines; records before it have none).
    #[serde(default)]
    pub shared_mapped: Option<u64>,
    /// Failures with an errno other than `-ENOMEM`.
    pub other_errno: u64,
    /// Pages that did not hold what was written.
    pub bad_pages: u64,
    /// Free pages after, less free pages before.
    pub free_delta: i64,
    /// How far `free_delta` may go either way.
    pub slack: i64,
}

/// Reads one `stress:` line's `key=value` fields.
pub fn parse_line(text: &str, boot: u8) -> Option<StressFigure> {
    let at = text.find(STRESS_KEY)?;
    let fields: Vec<(&str, &str)> = text[at + STRESS_KEY.len()..]
        .split_whitespace()
        .filter_map(|f| f.split_once('='))
        .collect();
    let get = |k: &str| fields.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
    let num = |k: &str| get(k).and_then(|v| v.parse::<u64>().ok());
    let workers = num("threads").or_else(|| num("processes"))?;
    Some(StressFigure {
        source: if get("processes").is_some() {
            "user"
        } else {
            "kunit"
        }
        .to_string(),
        boot,
        heap: get("heap")?.to_string(),
        workers,
        rounds: num("rounds")?,
        mapped: num("mapped")?,
        injected: num("injected")?,
        failures: num("failures")?,
        vmap_failures: num("vmap_failures"),
        shared_mapped: num("shared_mapped"),
        other_errno: num("other_errno")?,
        bad_pages: num("bad_pages").unwrap_or(0),
        free_delta: get("free_delta")?.parse().ok()?,
        slack: get("slack")?.parse().ok()?,
    })
}

/// What a stress run's log showed, judged.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Verdict {
    /// Each heap's figures, per boot and source, in log order.
    pub figures: Vec<StressFigure>,
    /// Whether every boot in the log said lockdep was on.
    pub lockdep_on: bool,
    /// Whether every boot in the log said kmemleak had started.
    pub kmemleak_on: bool,
    /// Lockdep's reports (their first lines).
    pub lockdep_reports: Vec<String>,
    /// kmemleak's reports.
    pub kmemleak_reports: Vec<String>,
    /// Any other warning, BUG or oops.
    pub other_reports: Vec<String>,
    /// Warnings allowed, with their reason ([`EXPECTED_WARNINGS`]).
    #[serde(default)]
    pub expected_warnings: Vec<String>,
    /// Whether the second boot scanned kmemleak and said so.
    pub kmemleak_scanned: bool,
    /// Whether the log holds a second boot (which must scan kmemleak).
    pub second_boot: bool,
}

fn matching(line: &str, words: &[&str]) -> bool {
    words.iter().any(|w| line.contains(w))
}

impl Verdict {
    /// Judges a stress run's whole log (both boots).
    pub fn of(log: &str) -> Verdict {
        let mut v = Verdict::default();
        let (first, second) = match log.find(SECOND_BOOT) {
            Some(at) => (&log[..at], Some(&log[at..])),
            None => (log, None),
        };
        v.second_boot = second.is_some();
        let boots: Vec<(u8, &str)> = std::iter::once((1, first))
            .chain(second.map(|s| (2, s)))
            .collect();
        v.lockdep_on = boots.iter().all(|(_, t)| t.contains(LOCKDEP_ON));
        v.kmemleak_on = boots.iter().all(|(_, t)| t.contains(KMEMLEAK_ON));
        // dma_buf_vmap()'s warnings, judged once the boot's figures are in.
        let mut vmap_warnings: Vec<(u8, String)> = Vec::new();
        for (boot, text) in boots {
            let mut suites_started = false;
            for line in text.lines() {
                if let Some(f) = parse_line(line, boot) {
                    v.figures.push(f);
                }
                let line = line.trim();
                suites_started |= line.contains("KTAP version");
                if line.contains("kmemleak: scanned") {
                    v.kmemleak_scanned = true;
                }
                if matching(line, LOCKDEP_REPORTS) {
                    v.lockdep_reports.push(line.to_string());
                } else if matching(line, KMEMLEAK_REPORTS) {
                    v.kmemleak_reports.push(line.to_string());
                } else if vmap_warning_at(line).is_some() {
                    vmap_warnings.push((boot, line.to_string()));
                } else if line.contains("WARNING: CPU:")
                    && line.contains(UML_PCI_WARNING)
                    && !suites_started
                {
                    v.expected_warnings.push(line.to_string());
                } else if matching(line, OTHER_REPORTS) && !line.contains(STRESS_KEY) {
                    v.other_reports.push(line.to_string());
                }
            }
        }
        v.judge_vmap_warnings(vmap_warnings);
        v
    }

    /// Allows `dma_buf_vmap()`'s warning once per boot, in a boot whose
    /// threads saw a vmap fail, at one line of dma-buf.c throughout; any
    /// other is a report.
    fn judge_vmap_warnings(&mut self, warnings: Vec<(u8, String)>) {
        let first_at = warnings
            .first()
            .and_then(|(_, l)| vmap_warning_at(l))
            .map(str::to_string);
        for (boot, line) in &warnings {
            let in_boot = warnings.iter().filter(|(b, _)| b == boot).count();
            let vmap_failed = self
                .figures
                .iter()
                .any(|f| f.boot == *boot && f.vmap_failures.unwrap_or(0) > 0);
            let same_place = vmap_warning_at(line) == first_at.as_deref();
            if in_boot == 1 && vmap_failed && same_place {
                self.expected_warnings.push(line.clone());
            } else {
                self.other_reports.push(line.clone());
            }
        }
    }

    /// Why the run does not show a clean stress run; empty when it does.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.lockdep_on {
            out.push("lockdep was not on in every boot: is CONFIG_PROVE_LOCKING set?".into());
        }
        if !self.kmemleak_on {
            out.push("kmemleak did not start in every boot: is CONFIG_DEBUG_KMEMLEAK set?".into());
        }
        for r in &self.lockdep_reports {
            out.push(format!("lockdep: {r}"));
        }
        for r in &self.kmemleak_reports {
            out.push(format!("kmemleak: {r}"));
        }
        for r in &self.other_reports {
            out.push(format!("kernel: {r}"));
        }
        if self.second_boot && !self.kmemleak_scanned {
            out.push("the second boot did not report a kmemleak scan".into());
        }
        for heap in ["c", "rust"] {
            if !self
                .figures
                .iter()
                .any(|f| f.source == "kunit" && f.heap == heap)
            {
                out.push(format!("no stress figures for the {heap} heap's threads"));
            }
        }
        for f in &self.figures {
            if f.other_errno > 0 {
                out.push(format!(
                    "{} {} (boot {}): {} failures with an errno other than -ENOMEM",
                    f.source, f.heap, f.boot, f.other_errno
                ));
            }
            if f.mapped == 0 {
                out.push(format!(
                    "{} {} (boot {}): no buffer went the whole way, nothing was checked",
                    f.source, f.heap, f.boot
                ));
            }
            if f.injected == 0 {
                out.push(format!(
                    "{} {} (boot {}): no fault was injected",
                    f.source, f.heap, f.boot
                ));
            }
            if f.free_delta.abs() > f.slack {
                out.push(format!(
                    "{} {} (boot {}): free pages moved by {} (slack {})",
                    f.source, f.heap, f.boot, f.free_delta, f.slack
                ));
            }
            if f.bad_pages > 0 {
                out.push(format!(
                    "{} {} (boot {}): {} pages did not hold what was written",
                    f.source, f.heap, f.boot, f.bad_pages
                ));
            }
        }
        out
    }
}

/// The figures as a Markdown table, one row per heap, boot and source.
pub fn render(arch: &str, v: &Verdict) -> String {
    let mut out = String::from(
        "| arch | boot | workers | heap | rounds | checked | shared buffer checked | injected faults | failures | other errno | bad pages | free pages after - before (slack) |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for f in &v.figures {
        let who = if f.source == "user" {
            "processes"
        } else {
            "kthreads"
        };
        let shared = f
            .shared_mapped
            .map_or_else(|| "-".to_string(), |n| n.to_string());
        out.push_str(&format!(
            "| {arch} | {} | {} {who} | {} | {} | {} | {shared} | {} | {} | {} | {} | {} ({}) |\n",
            f.boot,
            f.workers,
            f.heap,
            f.rounds,
            f.mapped,
            f.injected,
            f.failures,
            f.other_errno,
            f.bad_pages,
            f.free_delta,
            f.slack
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLEAN: &str = "\
[    0.0] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar
[    0.1] kmemleak: Kernel memory leak detector initialized (mem pool available: 15000)
        # shs_stress: stress: arch=um heap=c threads=4 rounds=192 mapped=150 injected=40 failslab=20 fail_page_alloc=20 failures=9 alloc_failures=5 vmap_failures=4 other_errno=0 bad_pages=0 free_delta=-3 slack=1024
        # shs_stress: stress: arch=um heap=rust threads=4 rounds=192 mapped=151 injected=41 failslab=20 fail_page_alloc=21 failures=8 alloc_failures=5 vmap_failures=3 other_errno=0 bad_pages=0 free_delta=2 slack=1024
";

    #[test]
    fn a_clean_log_has_its_figures_and_no_problem() {
        let v = Verdict::of(CLEAN);
        assert_eq!(v.figures.len(), 2);
        assert_eq!(v.figures[1].heap, "rust");
        assert_eq!(v.figures[1].injected, 41);
        assert_eq!(v.figures[0].free_delta, -3);
        assert!(v.problems().is_empty(), "{:?}", v.problems());
        assert!(render("um", &v)
            .contains("| um | 1 | 4 kthreads | c | 192 | 150 | - | 40 | 9 | 0 | 0 | -3 (1024) |"));
    }

    #[test]
    fn lockdep_kmemleak_and_a_wrong_errno_each_fail_the_run() {
        let log = format!(
            "{}WARNING: possible circular locking dependency detected\n\
             kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)\n\
             # stress: arch=um heap=system processes=3 rounds=30 mapped=0 injected=5 failures=2 other_errno=1 free_delta=4000 slack=1024\n",
            CLEAN.replace("other_errno=0 bad_pages=0 free_delta=2", "other_errno=0 bad_pages=1 free_delta=2")
        );
        let v = Verdict::of(&log);
        let p = v.problems().join("\n");
        assert!(p.contains("lockdep: WARNING: possible circular"), "{p}");
        assert!(p.contains("kmemleak: kmemleak: 2 new suspected"), "{p}");
        assert!(
            p.contains("user system (boot 1): 1 failures with an errno other than -ENOMEM"),
            "{p}"
        );
        assert!(p.contains("free pages moved by 4000"), "{p}");
        assert!(p.contains("1 pages did not hold"), "{p}");
        assert!(
            p.contains("user system (boot 1): no buffer went the whole way"),
            "{p}"
        );
    }

    const PCI: &str = "WARNING: CPU: 0 PID: 1 at arch/um/drivers/virt-pci.c:1005 0x60006266\n";
    const VMAP: &str =
        "WARNING: CPU: 0 PID: 43 at drivers/dma-buf/dma-buf.c:1540 dma_buf_vmap+0x1ab/0x1b0\n";

    #[test]
    fn the_cores_vmap_warning_and_umls_pci_warning_are_expected_no_other() {
        let log = format!("{PCI}KTAP version 1\n{CLEAN}{VMAP}");
        let v = Verdict::of(&log);
        assert_eq!(v.expected_warnings.len(), 2, "{:?}", v.other_reports);
        assert!(v.problems().is_empty(), "{:?}", v.problems());
        let log = format!(
            "{CLEAN}WARNING: CPU: 1 PID: 50 at drivers/dma-buf/dma-buf.c:900 dma_buf_attach+0x10/0x20\n\
             WARNING: CPU: 1 PID: 50 at mm/vmalloc.c:3000 vmap+0x10/0x20\n"
        );
        let v = Verdict::of(&log);
        assert_eq!(v.other_reports.len(), 2, "{:?}", v.other_reports);
    }

    #[test]
    fn the_vmap_warning_is_allowed_once_where_a_vmap_failed_and_nowhere_else() {
        // Twice in one boot: the reservation-lock warning warns each time.
        let v = Verdict::of(&format!("{CLEAN}{VMAP}{VMAP}"));
        assert_eq!(v.other_reports.len(), 2, "{:?}", v.other_reports);
        // In a boot where no vmap failed.
        let none_failed = CLEAN.replace("vmap_failures=4", "vmap_failures=0");
        let none_failed = none_failed.replace("vmap_failures=3", "vmap_failures=0");
        let v = Verdict::of(&format!("{none_failed}{VMAP}"));
        assert_eq!(v.other_reports.len(), 1, "{:?}", v.other_reports);
        // At another line of dma-buf.c in the second boot.
        let other_line = VMAP.replace(":1540 ", ":1525 ");
        let log = format!("{CLEAN}{VMAP}\n# second boot: x\n{CLEAN}{other_line}");
        let v = Verdict::of(&log);
        assert_eq!(v.other_reports, [other_line.trim().to_string()]);
        // UML's PCI warning once the suites run, and kmemleak failing an
        // allocation of its own.
        let log = format!(
            "KTAP version 1\n{CLEAN}{PCI}kmemleak: Cannot allocate a scan area, scanning the full object\n"
        );
        let v = Verdict::of(&log);
        assert_eq!(v.other_reports.len(), 1, "{:?}", v.other_reports);
        assert_eq!(v.kmemleak_reports.len(), 1, "{:?}", v.kmemleak_reports);
    }

    #[test]
    fn each_boot_must_have_had_lockdep_and_kmemleak_and_the_second_must_scan() {
        let log = format!("{CLEAN}\n# second boot: kunit/dma_heap_abi.c as /init\nno debug here\n");
        let v = Verdict::of(&log);
        let p = v.problems().join("\n");
        assert!(p.contains("lockdep was not on"), "{p}");
        assert!(p.contains("kmemleak did not start"), "{p}");
        assert!(p.contains("did not report a kmemleak scan"), "{p}");
        let v = Verdict::of("nothing");
        assert!(v
            .problems()
            .iter()
            .any(|p| p.contains("no stress figures for the c heap")));
    }
}

#[cfg(test)]
mod boot_tests {
    use crate::kernel::ktap;

    /// The second boot of a stress run prints the kernel's KTAP (the
    /// stress suite, before init) and then the program's: both parse.
    #[test]
    fn the_kernels_ktap_and_the_programs_parse_as_one_run() {
        let out = "\
[    1.0] KTAP version 1
[    1.0] 1..1
[    1.0]     KTAP version 1
[    1.0]     # Subtest: system_heap_stress
[    1.0]     1..1
[    1.0]         KTAP version 1
[    1.0]         # Subtest: shs_stress
[    1.0]         ok 1 c
[    1.0]         ok 2 rust
[    1.0]     # shs_stress: pass:2 fail:0 skip:0 total:2
[    1.0]     ok 1 shs_stress
[    1.0] ok 1 system_heap_stress
KTAP version 1
1..1
    KTAP version 1
    # Subtest: dma_heap_abi
    1..2
    ok 1 stress_scm_rights
    ok 2 kmemleak_clean
ok 1 dma_heap_abi
";
        let run = ktap::parse(out).unwrap();
        let names: Vec<&str> = run.suites.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["system_heap_stress", "dma_heap_abi"]);
        assert!(run.missing.is_empty(), "{:?}", run.missing);
        assert!(run.failures().is_empty());
    }
}
