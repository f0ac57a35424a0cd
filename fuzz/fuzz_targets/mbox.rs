//! Arbitrary bytes as a lore mbox: decoded, threaded, reviewed; no panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzz_checks::parsers::check_mbox(data));
