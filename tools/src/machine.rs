//! Which machine a figure came from, so that no number travels without it.

use serde::{Deserialize, Serialize};
use std::fs;

/// The facts about this machine that a reader needs to weigh a figure.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Machine {
    /// CPU model as /proc/cpuinfo names it.
    pub cpu: String,
    /// Online CPUs.
    pub cpus: usize,
    /// Memory in MiB.
    pub memory_mib: u64,
    /// `uname -sr` of the host.
    pub kernel: String,
    /// The architecture the tool was built for.
    pub arch: String,
}

impl Machine {
    /// Reads this machine's facts; anything unreadable becomes "unknown".
    pub fn this() -> Machine {
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let ostype = fs::read_to_string("/proc/sys/kernel/ostype").unwrap_or_default();
        let osrelease = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        Machine {
            cpu: cpu_model(&cpuinfo).unwrap_or_else(|| "unknown".into()),
            cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
            memory_mib: mem_total_kib(&meminfo).map_or(0, |kib| kib / 1024),
            kernel: format!("{} {}", ostype.trim(), osrelease.trim())
                .trim()
                .to_string(),
            arch: std::env::consts::ARCH.to_string(),
        }
    }
}

fn cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo
        .lines()
        .find(|l| {
            l.starts_with("model name") || l.starts_with("Model") || l.starts_with("CPU part")
        })
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

fn mem_total_kib(meminfo: &str) -> Option<u64> {
    meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_model_and_memory() {
        let cpuinfo = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n";
        assert_eq!(
            cpu_model(cpuinfo).as_deref(),
            Some("Intel(R) Xeon(R) CPU @ 2.20GHz")
        );
        assert_eq!(
            mem_total_kib("MemTotal:       24563824 kB\nMemFree: 1 kB\n"),
            Some(24563824)
        );
        assert_eq!(mem_total_kib("garbage"), None);
    }
}
