#![allow(dead_code)]
//! Recorded kunit.py logs of real 6.12.117 runs, replayed through the
//! `KernelRunner` seam that the real kunit.py driver implements.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use patchctl::kernel::checkout::Checkout;
use patchctl::kernel::run::{KernelRun, KernelRunner};
use patchctl::kernel::{ktap, Arch};

/// Replays a recorded log per (revision, arch), as kunit.py printed it;
/// a revision may be named `series:revision`.
pub struct Replay {
    logs: HashMap<(String, Arch), &'static str>,
    /// The revisions switched to, in order.
    pub switched: Vec<String>,
}

impl Replay {
    /// Replays `file` for each (revision, arch).
    pub fn new(logs: &[(&str, Arch, &'static str)]) -> Replay {
        Replay {
            logs: logs
                .iter()
                .map(|(rev, arch, file)| ((rev.to_string(), *arch), *file))
                .collect(),
            switched: Vec::new(),
        }
    }
}

impl KernelRunner for Replay {
    fn kernel_version(&self) -> &str {
        "6.12.117"
    }

    fn switch_to(&mut self, revision: &Checkout, _progress: &mut dyn Write) -> Result<()> {
        self.switched.push(revision.name.clone());
        Ok(())
    }

    fn run(
        &mut self,
        revision: &Checkout,
        arch: Arch,
        _progress: &mut dyn Write,
    ) -> Result<KernelRun> {
        // "series:revision" names one series' revision where two series
        // share revision names; a bare name serves any series.
        let qualified = format!("{}:{}", revision.series, revision.name);
        let file = self
            .logs
            .get(&(qualified, arch))
            .or_else(|| self.logs.get(&(revision.name.clone(), arch)))
            .with_context(|| format!("no recorded log for {} on {}", revision.name, arch.name()))?;
        let path = fixtures().join(file);
        let log_text = std::fs::read_to_string(&path)?;
        let run = ktap::parse(&log_text)?;
        // kunit.py exits non-zero when a case failed or results are missing.
        let clean = run.failures().is_empty() && run.missing.is_empty();
        Ok(KernelRun {
            exit_code: Some(if clean { 0 } else { 1 }),
            run,
            log_text,
            log: PathBuf::from("recorded").join(file),
            duration_s: None,
            timing: None,
            counted_mixes: Vec::new(),
        })
    }
}

/// The recorded logs.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ktap")
}
