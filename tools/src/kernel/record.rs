//! One KUnit run as it is written to `results/` and read back: the same
//! type both ways, so a field cannot be written under one name and read
//! under another.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::kasan;
use super::ktap::{self, Figure, MappingMix, Missing, Outcome};
use super::kunitpy::{Arch, Config, PageSize};
use super::spread;
use crate::machine::Machine;

/// `results/kunit-<series>-<revision>-<arch>[-flavour].json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KunitRecord {
    /// The series directory's name.
    pub series: String,
    /// `baseline`, `v1`, ...
    pub revision: String,
    /// The kernel version built.
    pub kernel: String,
    /// Where it ran.
    pub arch: Arch,
    /// What the kernel was built with.
    pub config: Config,
    /// The kernel's base page size in bytes. Records written before this
    /// field were all 4K kernels.
    #[serde(default = "four_k")]
    pub page_size: u32,
    /// The machine the figures came from.
    pub machine: Machine,
    /// Cases passed.
    pub passed: usize,
    /// Cases failed, by path.
    pub failed: Vec<String>,
    /// Plans not met (a crash or hang).
    pub missing: Vec<Missing>,
    /// Skipped cases with their reasons.
    pub skipped: Vec<(String, String)>,
    /// The timing figures.
    pub figures: Vec<Figure>,
    /// How each whole map was mapped (PMDs, contiguous blocks, ptes), from
    /// the page tables. Records written before this field have none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mixes: Vec<MappingMix>,
    /// The mixes of the counting boot, whose layout the whole maps'
    /// instruction counts belong to (it can differ from the timed boots').
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counted_mixes: Vec<MappingMix>,
    /// The timed loop this revision's system_heap_do_vmap() runs.
    #[serde(rename = "loop")]
    pub own_loop: Option<String>,
    /// kunit.py's output, relative to the patchctl cache (never a path of
    /// the machine that wrote the record).
    pub log: PathBuf,
    /// Under KASAN: the verdict on its reports.
    pub kasan: Option<kasan::Verdict>,
    /// A stress run: each heap's figures and the verdict on lockdep's and
    /// kmemleak's reports. Records of other runs have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stress: Option<super::stress::Verdict>,
    /// Every case and parameter with how it ended (for JUnit and KCIDB).
    /// Records written before this field have none.
    #[serde(default)]
    pub cases: Vec<CaseRecord>,
    /// How long the build and boot took, in seconds.
    #[serde(default)]
    pub duration_s: Option<f64>,
}

/// The page size of records written before they said theirs.
fn four_k() -> u32 {
    PageSize::K4.bytes()
}

/// One KUnit case or parameter of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseRecord {
    /// `suite.case` or `suite.case.parameter`.
    pub path: String,
    /// How it ended.
    pub outcome: Outcome,
    /// For a failure: its diagnostic lines (the failed expectation).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<String>,
}

impl CaseRecord {
    /// Every leaf of a parsed run.
    pub fn of_run(run: &ktap::Run) -> Vec<CaseRecord> {
        run.suites
            .iter()
            .flat_map(|s| s.leaves())
            .map(|(path, t)| CaseRecord {
                path,
                outcome: t.outcome.clone(),
                diagnostics: if t.outcome == Outcome::Fail {
                    t.diagnostics.clone()
                } else {
                    Vec::new()
                },
            })
            .collect()
    }
}

impl KunitRecord {
    /// Where the record goes in tables read back from files: series by
    /// name, then the baseline, the posted revisions in order (a variant
    /// `vN-...`, which leaves patches of vN out, just before vN), other
    /// names, the Android picks last; then arch and config.
    pub fn order_key(&self) -> (String, u64, String, String, &'static str) {
        let rev = self.revision.as_str();
        let version = |v: &str| v.strip_prefix('v').and_then(|n| n.parse::<u64>().ok());
        let rank = if rev == super::checkout::BASELINE {
            0
        } else if rev == super::checkout::ANDROID {
            u64::MAX
        } else if let Some(n) = version(rev) {
            n * 10
        } else if let Some(n) = rev.split_once('-').and_then(|(v, _)| version(v)) {
            n * 10 - 5
        } else {
            u64::MAX - 1
        };
        (
            self.series.clone(),
            rank,
            self.revision.clone(),
            self.arch_label(),
            self.config.name(),
        )
    }

    /// The arch as tables, file names and run names show it: `arm64`, or
    /// `arm64/64k` for a kernel with other pages than 4K, so that a 64K
    /// kernel's figures never share a row or a file with a 4K kernel's.
    pub fn arch_label(&self) -> String {
        match PageSize::from_bytes(self.page_size) {
            Some(PageSize::K4) => self.arch.name().to_string(),
            Some(p) => format!("{}/{}", self.arch.name(), p.name()),
            None => format!("{}/{}", self.arch.name(), self.page_size),
        }
    }

    /// The file name this record is written under.
    pub fn file_name(&self) -> String {
        format!(
            "kunit-{}-{}-{}{}.json",
            self.series,
            self.revision,
            self.arch_label().replace('/', "-"),
            self.config.suffix()
        )
    }

    /// `<series> <revision> <arch> <config>`: which run this is, as the
    /// gate matches runs and CI formats name them.
    pub fn run_name(&self) -> String {
        format!(
            "{} {} {} {}",
            self.series,
            self.revision,
            self.arch_label(),
            self.config.name()
        )
    }

    /// Reads a record; the error names the file and what was expected.
    pub fn load(path: &Path) -> Result<KunitRecord> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let record: KunitRecord = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not a patchctl kunit results file (series, revision, arch, config, figures, ...)",
                path.display()
            )
        })?;
        record.check_ranges(&path.display().to_string())?;
        Ok(record)
    }

    /// Refuses a figure whose median or maximum its minimum rules out:
    /// every table, chart and gate reads the ranges as they are.
    fn check_ranges(&self, what: &str) -> Result<()> {
        match self.figures.iter().find_map(spread::inconsistent) {
            Some(why) => bail!("{what}: figure {why}"),
            None => Ok(()),
        }
    }

    /// Writes the record into `dir` under its file name, atomically.
    pub fn save(&self, dir: &Path) -> Result<PathBuf> {
        let path = dir.join(self.file_name());
        let text = serde_json::to_string_pretty(self)?;
        crate::util::write_atomically(&path, text.as_bytes())?;
        Ok(path)
    }

    /// Whether the run failed: a failed or missing case, or nothing passed
    /// (a KASAN run is judged by its verdict instead of its failed cases).
    pub fn failed_run(&self, exit_code: Option<i32>) -> bool {
        let outcome = match &self.kasan {
            Some(v) => !v.problems().is_empty(),
            None => !self.failed.is_empty() || exit_code != Some(0),
        };
        let stress = self
            .stress
            .as_ref()
            .is_some_and(|v| !v.problems().is_empty());
        outcome || stress || !self.missing.is_empty() || self.passed == 0
    }

    /// Where the figures came from, as a cover letter says it.
    pub fn source(&self) -> String {
        format!(
            "{} on Linux {} ({}), {} {}, {} CPUs",
            self.arch_label(),
            self.kernel,
            self.arch.how_run(),
            self.machine.cpu,
            self.machine.arch,
            self.machine.cpus
        )
    }
}

/// A run's records: a directory of results files, or a git revision of
/// the workspace whose `results/` holds them (`HEAD`, `origin/main`, a
/// tag). The gate, the exports and the report all read runs this way.
pub fn load_run(spec: &str, workspace: &Path) -> Result<Vec<KunitRecord>> {
    let dir = Path::new(spec);
    if dir.is_dir() {
        let mut out = Vec::new();
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| is_kunit_record(p.file_name().and_then(|n| n.to_str())))
            .collect();
        files.sort();
        for f in files {
            out.push(KunitRecord::load(&f)?);
        }
        if out.is_empty() {
            bail!(
                "{} holds no kunit-*.json results to compare with",
                dir.display()
            );
        }
        out.sort_by_key(KunitRecord::order_key);
        return Ok(out);
    }
    let repo = git2::Repository::discover(workspace).with_context(|| {
        format!(
            "--compare {spec:?} is neither a directory nor a revision: no git repository at {}",
            workspace.display()
        )
    })?;
    let tree = repo
        .revparse_single(&format!("{spec}:results"))
        .with_context(|| {
            format!(
                "--compare {spec:?}: expected a results directory or a git revision with results/"
            )
        })?
        .peel_to_tree()?;
    let mut out = Vec::new();
    for entry in tree.iter() {
        if !is_kunit_record(entry.name().ok()) {
            continue;
        }
        let what = format!("{spec}:results/{}", entry.name().unwrap_or_default());
        let blob = entry.to_object(&repo)?.peel_to_blob()?;
        let record: KunitRecord = serde_json::from_slice(blob.content())
            .with_context(|| format!("{what} is not a patchctl kunit results file"))?;
        record.check_ranges(&what)?;
        out.push(record);
    }
    if out.is_empty() {
        bail!("{spec}:results holds no kunit-*.json results to compare with");
    }
    out.sort_by_key(KunitRecord::order_key);
    Ok(out)
}

fn is_kunit_record(name: Option<&str>) -> bool {
    name.is_some_and(|n| n.starts_with("kunit-") && n.ends_with(".json"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A record of a Rust run on arm64 with pages of `page_size` bytes.
    pub(crate) fn record(page_size: u32) -> KunitRecord {
        let figure = Figure {
            arch: "arm64".into(),
            size: 16 << 20,
            implementation: "whole".into(),
            ns: 100,
            median_ns: None,
            max_ns: None,
            runs: 1,
            boots: None,
            instructions: None,
            from: None,
        };
        KunitRecord {
            series: "system-heap-vmap".into(),
            revision: "v2".into(),
            kernel: "6.12.118".into(),
            arch: Arch::Arm64,
            config: Config::CRust,
            page_size,
            machine: Machine::this(),
            passed: 1,
            failed: Vec::new(),
            missing: Vec::new(),
            skipped: Vec::new(),
            figures: vec![figure],
            mixes: Vec::new(),
            counted_mixes: Vec::new(),
            own_loop: None,
            log: "kunit.log".into(),
            kasan: None,
            stress: None,
            cases: Vec::new(),
            duration_s: None,
        }
    }

    #[test]
    fn a_record_without_a_page_size_is_a_4k_one() {
        let mut json = serde_json::to_value(record(65536)).unwrap();
        assert_eq!(json["page_size"], 65536);
        json.as_object_mut().unwrap().remove("page_size");
        let old: KunitRecord = serde_json::from_value(json).unwrap();
        assert_eq!(old.page_size, 4096);
        assert_eq!(old.arch_label(), "arm64");
        assert_eq!(old.file_name(), "kunit-system-heap-vmap-v2-arm64-rust.json");
    }

    #[test]
    fn a_64k_record_is_named_and_shown_apart_from_a_4k_one() {
        let (four, sixty_four) = (record(4096), record(65536));
        assert_eq!(sixty_four.arch_label(), "arm64/64k");
        assert_eq!(
            sixty_four.file_name(),
            "kunit-system-heap-vmap-v2-arm64-64k-rust.json"
        );
        assert_ne!(four.file_name(), sixty_four.file_name());
        assert_ne!(four.run_name(), sixty_four.run_name());
        assert_ne!(four.order_key(), sixty_four.order_key());
        assert_eq!(record(16384).arch_label(), "arm64/16k");
    }
}
