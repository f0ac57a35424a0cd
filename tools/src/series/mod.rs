//! The series: its manifest (`series.toml`), a series from the list
//! (`am`), the next revision (`revise`),
//! the Android picks (`ack`) and the gate before sending (`check`), with
//! the kernel tree's own scripts they run (`kernel_scripts`).

pub mod ack;
pub mod am;
pub mod check;
pub mod format_patch;
pub mod identity;
pub mod kernel_scripts;
pub mod manifest;
pub mod quote;
pub mod revise;
pub mod revision;

pub use manifest::Manifest;
