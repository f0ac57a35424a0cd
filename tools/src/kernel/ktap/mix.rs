//! The `sgvmap_mix` lines: how a whole map the suite timed was mapped,
//! read back from the kernel's page tables (PMD leaves, contiguous-PTE
//! blocks, single ptes), so that a table row says why two revisions'
//! times differ.

use serde::{Deserialize, Serialize};

use super::figure::key_values;

/// One `# sgvmap_mix: arch=.. size=.. impl=.. pmds=.. conts=.. ptes=..`
/// line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingMix {
    /// `um`, `arm64`, ...
    pub arch: String,
    /// Buffer size in bytes.
    pub size: u64,
    /// The figure it belongs to: `whole` or `whole-order0`.
    pub implementation: String,
    /// PMD leaves (2 MB blocks with 4K pages).
    pub pmds: u64,
    /// Contiguous-PTE blocks (arm64's PTE_CONT, 64K with 4K pages).
    pub conts: u64,
    /// Single ptes.
    pub ptes: u64,
}

impl MappingMix {
    /// `PMDs/blocks/ptes`, as a table cell shows it.
    pub fn cell(&self) -> String {
        format!("{}/{}/{}", self.pmds, self.conts, self.ptes)
    }
}

/// The key that starts a mix line.
pub const MIX_KEY: &str = "sgvmap_mix:";

/// Parses one mix line's text after `# `; `None` if it is not one. A line
/// that starts with the key but lacks a field is an error.
pub fn parse_mix(text: &str) -> Option<Result<MappingMix, String>> {
    let at = text.find(MIX_KEY)?;
    let rest = &text[at + MIX_KEY.len()..];
    let mut arch = None;
    let mut implementation = None;
    let mut numbers: [Option<u64>; 4] = [None; 4];
    const NUMBERS: [&str; 4] = ["size", "pmds", "conts", "ptes"];
    let fields = match key_values(rest, "mix", text) {
        Ok(fields) => fields,
        Err(e) => return Some(Err(e)),
    };
    for (key, value) in fields {
        match key {
            "arch" => arch = Some(value.to_string()),
            "impl" => implementation = Some(value.to_string()),
            _ => {
                if let Some(i) = NUMBERS.iter().position(|&k| k == key) {
                    match value.parse() {
                        Ok(v) => numbers[i] = Some(v),
                        Err(_) => {
                            return Some(Err(format!(
                                "mix field {key}={value:?} is not a count in {text:?}"
                            )))
                        }
                    }
                }
                // Unknown keys are for later versions of the format.
            }
        }
    }
    Some(match (arch, implementation, numbers) {
        (Some(arch), Some(implementation), [Some(size), Some(pmds), Some(conts), Some(ptes)]) => {
            Ok(MappingMix {
                arch,
                size,
                implementation,
                pmds,
                conts,
                ptes,
            })
        }
        _ => Err(format!(
            "mix line lacks one of arch, size, impl, pmds, conts, ptes: {text:?}"
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mix_line_as_kunit_info_prints_it() {
        let text = "sgvmap_timings: sgvmap_mix: arch=arm64 size=268435456 impl=whole pmds=128 conts=0 ptes=0";
        let mix = parse_mix(text).unwrap().unwrap();
        assert_eq!(mix.arch, "arm64");
        assert_eq!(mix.size, 256 << 20);
        assert_eq!(mix.implementation, "whole");
        assert_eq!((mix.pmds, mix.conts, mix.ptes), (128, 0, 0));
        assert_eq!(mix.cell(), "128/0/0");
    }

    #[test]
    fn other_lines_are_not_mixes_and_a_broken_one_is_an_error() {
        assert!(parse_mix("sgvmap_timing: arch=um size=1 impl=v1 ns=1 runs=1").is_none());
        let err = parse_mix("sgvmap_mix: arch=um size=16M impl=whole pmds=0 conts=0 ptes=4096")
            .unwrap()
            .unwrap_err();
        assert!(err.contains("size=\"16M\" is not a count"), "{err}");
        let err = parse_mix("sgvmap_mix: arch=um size=1 impl=whole pmds=0 conts=0")
            .unwrap()
            .unwrap_err();
        assert!(err.contains("lacks"), "{err}");
        let err = parse_mix("sgvmap_mix: arch=um size=1 impl=whole pmds")
            .unwrap()
            .unwrap_err();
        assert!(err.contains("mix field \"pmds\" is not key=value"), "{err}");
    }
}
