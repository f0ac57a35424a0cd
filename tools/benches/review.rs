//! Parsing a 1,000-message thread and deriving its review state, with the
//! roles taken from the real MAINTAINERS when the cached kernel source is
//! there. `make bench` runs it.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use patchctl::mail::thread::Thread;
use patchctl::review::maintainers::Maintainers;
use patchctl::review::{self, Rules};

mod common;

use common::thousand_message_thread;

fn bench(c: &mut Criterion) {
    let data = thousand_message_thread();
    let maintainers = patchctl::review::maintainers::default_path()
        .ok()
        .and_then(|p| Maintainers::load(&p).ok());
    let rules = Rules::default_rules();
    let thread = Thread::from_mbox(&data, "bench").unwrap();
    assert_eq!(thread.mails.len(), 1000);
    let mut group = c.benchmark_group("review_1000");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("parse_and_derive", |b| {
        b.iter(|| {
            let thread = Thread::from_mbox(black_box(&data), "bench").unwrap();
            review::derive(&thread, maintainers.as_ref(), &rules)
        })
    });
    group.bench_function("load_maintainers", |b| {
        b.iter(|| Maintainers::load(&patchctl::review::maintainers::default_path().unwrap()).ok())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
