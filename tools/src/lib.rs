//! patchctl: the kernel patch maintenance workspace's library. The binary
//! (`src/bin/patchctl/`) only turns arguments into the options these
//! modules take and prints what they return.
//!
//! - `mail`: mbox files, threads, subjects, trailers, patches as mails,
//!   addresses, dates.
//! - `review`: lore threads in, review state out (`patchctl fetch`,
//!   `patchctl status`).
//! - `series`: the manifest, the next revision (`revise`), the Android
//!   picks (`ack`).
//! - `kernel`: trees, the KUnit suite, kunit.py, KTAP, KASAN, results
//!   records and tables (`patchctl kunit`).
//! - `orchestrate`: series on kernels, the layer above both: a series'
//!   revisions resolved and run (`patchctl kunit`), figures quoted from
//!   the records into its cover letter.
//! - `bench`: the userspace benchmark's report (`patchctl bench`).
//! - `readme`: the README's figure tables, drawn from `results/`.

pub mod bench;
pub mod failpoint;
pub mod kernel;
pub mod machine;
pub mod mail;
pub mod orchestrate;
pub mod readme;
pub mod review;
pub mod series;
pub mod sources;
pub mod staging;
pub mod util;
