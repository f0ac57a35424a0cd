//! patchctl: the kernel patch maintenance workspace's command-line tool.
//!
//! The library does the work; `main.rs` parses arguments and prints.

pub mod bench;
pub mod ktap;
pub mod kunit;
pub mod machine;
pub mod mailpatch;
pub mod tree;
