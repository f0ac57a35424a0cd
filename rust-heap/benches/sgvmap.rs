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
const SAMPLES: usize = 60;
const WARM_UP: Duration = Duration::from_secs(1);
const MEASUREMENT: Duration = Duration::from_secs(3);

/// One way to write the same bytes: memset of the whole array (libc's,
/// through `write_bytes`; one byte value, so it stands for memset64 too,
/// which writes the same number of bytes). Not a conversion: a lower bound
/// on any.
unsafe extern "C" fn memset_floor(
    _table: *const c_heap::bindings::sg_table,
    pages: *mut *mut page,
    npages: u32,
    report: *mut c_heap::bindings::sgvmap_report,
) -> i32 {
    // SAFETY: the caller passes `npages` writable slots and a report.
    unsafe {
        std::ptr::write_bytes(pages, 0x5a, npages as usize);
        (*report).written = npages.into();
        (*report).warnings = 0;
    }
    0
}

/// The largest power of two (up to a page) the address is aligned to.
fn alignment(addr: usize) -> usize {
    (addr & addr.wrapping_neg()).clamp(1, PAGE_SIZE)
}

/// What the figures assumed, beside criterion's output, for `patchctl
/// bench`: sample counts, compilers, flags and the array's alignment.
fn write_method(slots: &[*mut page]) {
    let target = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.to_path_buf()))
        .expect("the benchmark runs from target/<profile>/deps");
    let dir = target.join("criterion").join(GROUP);
    std::fs::create_dir_all(&dir).expect("criterion's group directory");
    let method = format!(
        "{{\n  \"samples\": {SAMPLES},\n  \"warm_up_s\": {},\n  \"measurement_s\": {},\n  \"c_compiler\": {:?},\n  \"c_flags\": {:?},\n  \"rustc\": {:?},\n  \"rust_opt_level\": {:?},\n  \"array_alignment\": {}\n}}\n",
        WARM_UP.as_secs_f64(),
        MEASUREMENT.as_secs_f64(),
        c_heap::CC_VERSION,
        c_heap::CFLAGS,
        env!("RUST_HEAP_RUSTC_VERSION"),
        env!("RUST_HEAP_OPT_LEVEL"),
        alignment(slots.as_ptr() as usize)
    );
    std::fs::write(dir.join("method.json"), method).expect("write method.json");
}

fn conversions(c: &mut Criterion) {
    let npages = BUFFER / PAGE_SIZE;
    let mut memmap =
        Memmap::new(npages as u64, 0x5eed).expect("a 2 GB memmap (32 MB of struct page)");
    let table = memmap.heap_alloc(BUFFER).expect("heap alloc of 2 GB");
    // Pre-faulted: every slot touched once before timing starts.
    let mut slots = vec![std::ptr::null_mut::<page>(); npages];

    write_method(&slots);
    let functions: [(&str, ConvertFn); 9] = [
        ("c_before", Conversion::Before.function()),
        ("c_v1", Conversion::V1.function()),
        ("c_bounded", Conversion::Bounded.function()),
        ("rust_before", rust_sgvmap_before),
        ("rust_v1", rust_sgvmap_v1),
        ("rust_bounded", rust_sgvmap_bounded),
        ("c_floor", Conversion::Floor.function()),
        ("rust_floor", rust_sgvmap_floor),
        ("memset_floor", memset_floor),
    ];

    let mut group = c.benchmark_group(GROUP);
    group
        .warm_up_time(WARM_UP)
        .measurement_time(MEASUREMENT)
        .sample_size(SAMPLES);
    for (name, f) in functions {
        // Each must agree with the reference before it is timed.
        // SAFETY: `table` is the heap's own table for BUFFER bytes, and
        // `slots` holds one slot for each of its `npages` pages, which is
        // every store any conversion makes on a well-formed table.
        let outcome = unsafe { c_heap::convert_raw(f, table.as_ptr(), &mut slots, npages as u32) };
        assert_eq!((outcome.ret, outcome.written), (0, npages as u64), "{name}");
        group.bench_function(name, |b| {
            // SAFETY: the same table and slots as the checked call above.
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
    // The third way to write the bytes: memcpy (libc's, through
    // `copy_nonoverlapping`) from an array that already holds the values
    // the store loops write.
    let mut prepared = vec![std::ptr::null_mut::<page>(); npages];
    // SAFETY: as above: the heap's table for BUFFER bytes and npages slots.
    let outcome = unsafe {
        c_heap::convert_raw(
            Conversion::Floor.function(),
            table.as_ptr(),
            &mut prepared,
            npages as u32,
        )
    };
    assert_eq!(
        (outcome.ret, outcome.written),
        (0, npages as u64),
        "memcpy_floor"
    );
    group.bench_function("memcpy_floor", |b| {
        b.iter(|| {
            let from = black_box(&prepared);
            let to = black_box(&mut slots);
            assert_eq!(from.len(), to.len());
            // SAFETY: two distinct vectors of the same length, so the
            // ranges are valid and do not overlap.
            unsafe { std::ptr::copy_nonoverlapping(from.as_ptr(), to.as_mut_ptr(), from.len()) }
        })
    });
    group.finish();
}

criterion_group!(benches, conversions);
criterion_main!(benches);
