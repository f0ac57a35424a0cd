//! The Rust equal of `c-heap`: the same `#[repr(C)]` types, the same three
//! sg_table-to-pages conversions, exported with the C signatures.
//!
//! `no_std` on purpose: the conversion core is meant to be compiled into the
//! kernel as it is.

#![no_std]
#![warn(missing_docs)]

pub mod alloc;
pub mod convert;
pub mod errno;
pub mod ffi;
pub mod layout;
pub mod safe;
pub mod sg;

pub use convert::ConvertError;
pub use layout::{Page, Report, Scatterlist, SgTable};
