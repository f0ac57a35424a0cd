//! Arbitrary bytes as a mail subject; no panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzz_checks::parsers::check_subject(data));
