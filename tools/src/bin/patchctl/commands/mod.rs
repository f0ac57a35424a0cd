//! One module per command: its arguments, and a `run` that calls the
//! library and prints.

pub mod ack;
pub mod am;
pub mod bench;
pub mod check;
pub mod compare;
pub mod export;
pub mod fetch;
pub mod kernel_clippy;
pub mod kunit;
pub mod readme;
pub mod report;
pub mod revise;
pub mod status;
