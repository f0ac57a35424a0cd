//! The conversions on a 2 GB buffer laid out like the system heap
//! (524,288 pages in 2,048 one-megabyte entries, a chained table).
//!
//! Every function fills the same pre-faulted array from the same table, so
//! the figures differ only by the conversion. `make bench` runs this and
//! prints the table with `patchctl bench`.

use std::hint::black_box;
use std::time::Duration;

use c_heap::bindings::page;
use c_heap::{Conversion, ConvertFn, Memmap, PAGE_SIZE};
use criterion::{criterion_group, criterion_main, Criterion};

use rust_heap as _;

use c_heap::rust_side::{
    rust_sgvmap_before, rust_sgvmap_bounded, rust_sgvmap_floor, rust_sgvmap_v1,
};

/// The group name `patchctl bench` looks for.
const GROUP: &str = "sgvmap_2g";
const BUFFER: usize = 2 << 30;

fn conversions(c: &mut Criterion) {
    let npages = BUFFER / PAGE_SIZE;
    let mut memmap =
        Memmap::new(npages as u64, 0x5eed).expect("a 2 GB memmap (32 MB of struct page)");
    let table = memmap.heap_alloc(BUFFER).expect("heap alloc of 2 GB");
    // Pre-faulted: every slot touched once before timing starts.
    let mut slots = vec![std::ptr::null_mut::<page>(); npages];

    let functions: [(&str, ConvertFn); 8] = [
        ("c_before", Conversion::Before.function()),
        ("c_v1", Conversion::V1.function()),
        ("c_bounded", Conversion::Bounded.function()),
        ("rust_before", rust_sgvmap_before),
        ("rust_v1", rust_sgvmap_v1),
        ("rust_bounded", rust_sgvmap_bounded),
        ("c_floor", Conversion::Floor.function()),
        ("rust_floor", rust_sgvmap_floor),
    ];

    let mut group = c.benchmark_group(GROUP);
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(60);
    for (name, f) in functions {
        // Each must agree with the reference before it is timed.
        let outcome = unsafe { c_heap::convert_raw(f, table.as_ptr(), &mut slots, npages as u32) };
        assert_eq!((outcome.ret, outcome.written), (0, npages as u64), "{name}");
        group.bench_function(name, |b| {
            b.iter(|| unsafe {
                c_heap::convert_raw(
                    f,
                    black_box(table.as_ptr()),
                    black_box(&mut slots),
                    npages as u32,
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, conversions);
criterion_main!(benches);
