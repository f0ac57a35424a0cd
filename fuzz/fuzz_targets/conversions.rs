//! C and Rust conversions side by side on arbitrary sg tables; any disagreement,
//! and any store past the array by a bounded conversion, is a crash.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzz_checks::tables::check_conversions(data));
