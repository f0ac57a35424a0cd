//! Kernel runs: trees per revision (`tree`), the suite placed into them
//! (`suite`), kunit.py driven (`kunitpy`), its KTAP parsed (`ktap`),
//! KASAN reports judged (`kasan`), each run written as a typed record
//! (`record`, data only), printed as tables (`table`, `whole_map`, from
//! `view`, with `cells` laid out by `grid`) under one rule for when two figures differ (`spread`) and
//! one floor no loop may beat (`floor`),
//! drawn as the evidence page (`report`: `html_table`, `charts` of
//! `panel`s whose lines are named at their ends by `end_labels`),
//! and the matrix of revisions x
//! arches orchestrated over a seam that tests can replay (`run`); a Rust
//! build's second boot through `/dev/dma_heap` (`abi_boot`, with the
//! `initramfs` it boots); kernel objects kept across builds (`ccache`).

pub mod abi_boot;
pub mod apply;
pub mod ccache;
pub mod cells;
pub mod charts;
pub mod checkout;
pub mod compare;
pub mod counts_table;
pub mod coverage;
pub mod end_labels;
pub mod export;
pub mod floor;
pub mod grid;
pub mod heap_counts_table;
pub mod html;
pub mod html_table;
pub mod initramfs;
pub mod kasan;
pub mod ktap;
pub mod kunitpy;
pub mod panel;
pub mod prefix_build;
pub mod record;
pub mod regressions;
pub mod report;
pub mod run;
pub mod spread;
pub mod stress;
pub mod suite;
pub mod table;
pub mod tree;
pub mod units;
pub mod view;
pub mod whole_map;

pub use kunitpy::{Arch, Flavor, PageSize};
