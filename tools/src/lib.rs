//! patchctl: the kernel patch maintenance workspace's command-line tool.
//!
//! The library does the work; `main.rs` parses arguments and prints.

pub mod ack;
pub mod bench;
pub mod failpoint;
pub mod fetch;
pub mod kasan;
pub mod ktap;
pub mod kunit;
pub mod machine;
pub mod mailpatch;
pub mod maintainers;
pub mod mbox;
pub mod review;
pub mod revise;
pub mod store;
pub mod subject;
pub mod thread;
pub mod trailers;
pub mod tree;
