//! The series: its manifest (`series.toml`), the next revision (`revise`)
//! and the Android picks (`ack`).

pub mod ack;
pub mod manifest;
pub mod revise;

pub use manifest::Manifest;
