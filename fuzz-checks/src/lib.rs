//! What the fuzz targets under `fuzz/` check, as plain functions.
//!
//! cargo fuzz calls these with AddressSanitizer on the Rust code and on the
//! C model (c-heap's build script adds it when the sanitizer is on); the
//! tests in `tests/` replay the inputs the fuzzers found and kept, without
//! a sanitizer, so a fixed finding stays fixed in every `cargo test`.

pub mod parsers;
pub mod seeds;
pub mod tables;

/// The fuzz targets, by the name `cargo fuzz run` takes.
pub const TARGETS: [&str; 5] = ["conversions", "v1_overflow", "mbox", "ktap", "subject"];
