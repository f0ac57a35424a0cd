//! Kernel runs: trees per revision (`tree`), the suite placed into them
//! (`suite`), kunit.py driven (`kunitpy`), its KTAP parsed (`ktap`),
//! KASAN reports judged (`kasan`), each run written as a typed record
//! (`record`), printed as tables (`table`), and the matrix of revisions x
//! arches orchestrated over a seam that tests can replay (`run`); a Rust
//! build's second boot through `/dev/dma_heap` (`abi_boot`, with the
//! `initramfs` it boots); kernel objects kept across builds (`ccache`).

pub mod abi_boot;
pub mod ccache;
pub mod charts;
pub mod compare;
pub mod export;
pub mod initramfs;
pub mod kasan;
pub mod ktap;
pub mod kunitpy;
pub mod quote;
pub mod record;
pub mod report;
pub mod run;
pub mod suite;
pub mod table;
pub mod tree;

pub use kunitpy::{Arch, Flavor};
