//! Series on kernels: the layer above both. The kernel layer builds and
//! boots checkouts and keeps records; the series layer reads series.toml
//! and writes mails. Here the two meet: a series' revisions resolved into
//! checkouts and run (`patchctl kunit`), and figures from the records
//! quoted into a series' cover letter; and the Rust heap of a series'
//! suite checked by the kernel's own clippy.

pub mod kernel_clippy;
pub mod kunit;
pub mod prefix_builds;
pub mod quote;
