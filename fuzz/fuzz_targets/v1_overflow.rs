//! The v1 loop as posted, given exactly npages slots: the fuzzer must find the
//! table whose entries hold more pages than that, and AddressSanitizer the
//! store past the array.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzz_checks::tables::run_v1_exact(data));
