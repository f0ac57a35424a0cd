//! The `sgvmap_timing` figure lines the timing cases print as KTAP
//! diagnostics, and the merge of one kernel's figures over several boots.

use serde::Serialize;

/// One `# sgvmap_timing: arch=.. size=.. impl=.. ns=.. runs=..` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Figure {
    /// `um`, `arm64`, ...
    pub arch: String,
    /// Buffer size in bytes.
    pub size: u64,
    /// `before`, `v1`, `bounded`, `rust`, `floor` (with its ways
    /// `floor-store`, `floor-memset`, `floor-memcpy`), `vmap` or `whole`.
    pub implementation: String,
    /// Minimum over the runs, nanoseconds.
    pub ns: u64,
    /// Median of the runs, nanoseconds (records before spread: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_ns: Option<u64>,
    /// Maximum over the runs, nanoseconds (records before spread: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ns: Option<u64>,
    /// Runs the figure was taken over.
    pub runs: u32,
    /// Boots the runs came from (records of one boot: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boots: Option<u32>,
    /// Guest instructions of the median run in a boot under QEMU's
    /// instruction counting, which does not depend on the host: none when
    /// no counting boot ran (UML; records before it). See [`with_counts`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<u64>,
    /// On the `floor` row: which way to fill the array it is
    /// (`floor-store`, `floor-memset`, `floor-memcpy`; see
    /// [`crate::kernel::floor`]). None on other rows, and on records
    /// whose floor was a plain store loop alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// One figure per (arch, size, implementation) over several boots of the
/// same kernel: the lowest minimum, the median of the boots' medians,
/// the highest maximum, all the runs. One boot's figures come back as
/// they are.
pub fn merge_boots(boots: &[Vec<Figure>]) -> Vec<Figure> {
    if boots.len() < 2 {
        return boots.first().cloned().unwrap_or_default();
    }
    let mut out: Vec<Figure> = Vec::new();
    for f in boots.iter().flatten() {
        let key = |g: &Figure| {
            (
                g.arch == f.arch,
                g.size == f.size,
                g.implementation == f.implementation,
            )
        };
        if out.iter().any(|g| key(g) == (true, true, true)) {
            continue;
        }
        let same: Vec<&Figure> = boots
            .iter()
            .flatten()
            .filter(|g| key(g) == (true, true, true))
            .collect();
        let mut medians: Vec<u64> = same.iter().filter_map(|g| g.median_ns).collect();
        medians.sort_unstable();
        out.push(Figure {
            arch: f.arch.clone(),
            size: f.size,
            implementation: f.implementation.clone(),
            ns: same.iter().map(|g| g.ns).min().unwrap_or(f.ns),
            median_ns: (medians.len() == same.len()).then(|| medians[medians.len() / 2]),
            max_ns: same
                .iter()
                .map(|g| g.max_ns)
                .collect::<Option<Vec<u64>>>()
                .and_then(|m| m.into_iter().max()),
            runs: same.iter().map(|g| g.runs).sum(),
            boots: Some(same.len() as u32),
            instructions: None,
            // The floor is chosen again from its merged ways.
            from: None,
        });
    }
    out
}

/// `wall` (the figures of the timed boots) with each row's instruction
/// count from a boot under `-icount shift=0`, where the guest clock
/// advances one nanosecond per instruction executed: the counting boot's
/// median run, in the suite's own nanoseconds. A row the counting boot
/// lacks keeps none.
pub fn with_counts(wall: &[Figure], counted: &[Figure]) -> Vec<Figure> {
    wall.iter()
        .map(|f| {
            let same = counted.iter().find(|c| {
                c.arch == f.arch && c.size == f.size && c.implementation == f.implementation
            });
            Figure {
                instructions: same.map(|c| c.median_ns.unwrap_or(c.ns)),
                ..f.clone()
            }
        })
        .collect()
}

/// One tick of the guest's clock under `-icount shift=0` on QEMU's arm64
/// `virt` machine: its generic timer runs at 62.5 MHz, so a reading moves
/// in steps of 16 ns, that is 16 instructions. Two readings of the same
/// work can fall one tick apart when the boots' instruction streams are
/// out of phase by a few instructions before it starts.
pub const COUNT_TICK: u64 = 16;

/// How far two counting boots' counts of one row may lie apart: four
/// ticks of the clock ([`COUNT_TICK`]) or one part in 100,000, whichever
/// is more. Two boots of a 6.12 kernel agreed to the instruction; on 7.2
/// the medians of some rows of millions lay up to three ticks apart, so
/// something before the timed work runs a few instructions more in one
/// boot than in the other.
pub fn count_tolerance(count: u64) -> u64 {
    (4 * COUNT_TICK).max(count / 100_000)
}

/// The rows two counting boots disagree on, as `size impl: a vs b`: none
/// when every row's median count (the one the record keeps) is
/// reproducible within [`count_tolerance`], as it must be. The fastest
/// and slowest runs are not compared: a run that met a page-table
/// allocation or a purge of lazily freed areas moves them by thousands.
pub fn count_differences(first: &[Figure], second: &[Figure]) -> Vec<String> {
    let central = |f: &Figure| f.median_ns.unwrap_or(f.ns);
    let same = |f: &Figure, g: &Figure| {
        let (a, b) = (central(f), central(g));
        a.abs_diff(b) <= count_tolerance(a.max(b)) && f.runs == g.runs
    };
    let mut out = Vec::new();
    for f in first {
        let other = second
            .iter()
            .find(|g| g.arch == f.arch && g.size == f.size && g.implementation == f.implementation);
        match other {
            Some(g) if same(f, g) => {}
            Some(g) => out.push(format!(
                "{} {}: min/median/max {}/{:?}/{:?} vs {}/{:?}/{:?}",
                f.size, f.implementation, f.ns, f.median_ns, f.max_ns, g.ns, g.median_ns, g.max_ns
            )),
            None => out.push(format!(
                "{} {}: missing from the second boot",
                f.size, f.implementation
            )),
        }
    }
    if second.len() > first.len() {
        out.push(format!(
            "the second boot has {} rows more",
            second.len() - first.len()
        ));
    }
    out
}

/// The `key=value` fields of a diagnostic line's `rest`, in order; a field
/// without `=` is an error naming the line (`what`: "figure", "mix").
pub(super) fn key_values<'a>(
    rest: &'a str,
    what: &str,
    text: &str,
) -> Result<Vec<(&'a str, &'a str)>, String> {
    rest.split_whitespace()
        .map(|field| {
            field
                .split_once('=')
                .ok_or_else(|| format!("{what} field {field:?} is not key=value in {text:?}"))
        })
        .collect()
}

/// The key that starts a figure line.
pub const FIGURE_KEY: &str = "sgvmap_timing:";

/// Parses one figure line's text after `# `; `None` if it is not one.
/// A line that starts with the key but lacks a field is an error.
pub fn parse_figure(text: &str) -> Option<Result<Figure, String>> {
    // kunit_info() in a parameterised case puts "<case>: " in front, so
    // the key is searched for, not expected at the start.
    let at = text.find(FIGURE_KEY)?;
    let rest = &text[at + FIGURE_KEY.len()..];
    let rest = match rest.find(FIGURE_KEY) {
        Some(again) => &rest[again + FIGURE_KEY.len()..],
        None => rest,
    };
    let mut arch = None;
    let mut size = None;
    let mut implementation = None;
    let mut ns = None;
    let mut median_ns = None;
    let mut max_ns = None;
    let mut runs = None;
    let mut from = None;
    let fields = match key_values(rest, "figure", text) {
        Ok(fields) => fields,
        Err(e) => return Some(Err(e)),
    };
    for (key, value) in fields {
        let bad = |what: &str| format!("figure field {key}={value:?} is not {what} in {text:?}");
        match key {
            "arch" => arch = Some(value.to_string()),
            "size" => match value.parse() {
                Ok(v) => size = Some(v),
                Err(_) => return Some(Err(bad("a byte count"))),
            },
            "impl" => implementation = Some(value.to_string()),
            "ns" | "median" | "max" => match value.parse() {
                Ok(v) => match key {
                    "ns" => ns = Some(v),
                    "median" => median_ns = Some(v),
                    _ => max_ns = Some(v),
                },
                Err(_) => return Some(Err(bad("nanoseconds"))),
            },
            "runs" => match value.parse() {
                Ok(v) => runs = Some(v),
                Err(_) => return Some(Err(bad("a run count"))),
            },
            "from" => from = Some(value.to_string()),
            // Unknown keys are for later versions of the format.
            _ => {}
        }
    }
    Some(match (arch, size, implementation, ns, runs) {
        (Some(arch), Some(size), Some(implementation), Some(ns), Some(runs)) => Ok(Figure {
            arch,
            size,
            implementation,
            ns,
            median_ns,
            max_ns,
            runs,
            boots: None,
            instructions: None,
            from,
        }),
        _ => Err(format!(
            "figure line lacks one of arch, size, impl, ns, runs: {text:?}"
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(imp: &str, median: u64) -> Figure {
        Figure {
            arch: "arm64".into(),
            size: 256 << 20,
            implementation: imp.into(),
            ns: median - 32,
            median_ns: Some(median),
            max_ns: Some(median + 64),
            runs: 7,
            boots: None,
            instructions: None,
            from: None,
        }
    }

    #[test]
    fn counting_boots_agree_within_a_few_ticks_and_no_further() {
        let first = [counted("vmap", 6_837_520), counted("whole", 8_985_664)];
        assert!(count_differences(&first, &first).is_empty());
        // Three ticks apart, as 7.2's boots were: the same work.
        let near = [counted("vmap", 6_837_568), counted("whole", 8_985_680)];
        assert!(count_differences(&first, &near).is_empty());
        // 1,000 instructions on one row (15 in a million): a different
        // count, named.
        let apart = [counted("vmap", 6_838_520), counted("whole", 8_985_664)];
        let d = count_differences(&first, &apart);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].contains("vmap"), "{d:?}");
        // A row the second boot lacks is a difference too.
        let d = count_differences(&first, &first[..1]);
        assert!(d.iter().any(|l| l.contains("whole: missing")), "{d:?}");
    }
}
