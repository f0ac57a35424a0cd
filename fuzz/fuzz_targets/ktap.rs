//! Arbitrary bytes as kunit.py output: KTAP and figure lines; no panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzz_checks::parsers::check_ktap(data));
