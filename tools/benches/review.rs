//! Parsing a 1,000-message thread and deriving its review state, with the
//! roles taken from the real MAINTAINERS when the cached kernel source is
//! there. `make bench` runs it.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use patchctl::mail::thread::Thread;
use patchctl::review::maintainers::Maintainers;
use patchctl::review::{self, Rules};

const PEOPLE: [&str; 6] = [
    "Ann Author <ann@example.org>",
    "Christian König <christian.koenig@amd.com>",
    "T.J. Mercier <tjmercier@google.com>",
    "Sumit Semwal <sumit.semwal@linaro.org>",
    "John Stultz <jstultz@google.com>",
    "Rob Review <rob@example.org>",
];

/// A patch and 999 replies: chains and fan-out, each reply quoting its
/// parent's last lines, some with questions and trailers.
fn thousand_message_thread() -> Vec<u8> {
    let diff = "diff --git a/drivers/dma-buf/heaps/system_heap.c b/drivers/dma-buf/heaps/system_heap.c\n--- a/drivers/dma-buf/heaps/system_heap.c\n+++ b/drivers/dma-buf/heaps/system_heap.c\n@@ -1 +1,2 @@\n x\n+y\n";
    let mut out = String::new();
    for i in 0..1000usize {
        let from = PEOPLE[if i == 0 { 0 } else { i % PEOPLE.len() }];
        let subject = if i == 0 {
            "[PATCH] dma-buf: system_heap: speed".to_string()
        } else {
            "Re: [PATCH] dma-buf: system_heap: speed".to_string()
        };
        let parent = if i == 0 {
            None
        } else if i % 7 == 0 {
            Some(0)
        } else {
            Some(i - 1)
        };
        let mut body = String::new();
        if let Some(p) = parent {
            body += &format!("On Mon, someone wrote:\n> line one of message {p}\n> line two of message {p}\n> Reviewed-by: Quoted <q@example.org>\n\n");
        }
        body += &format!("Message {i} says something about vmap and the loop.\n");
        if i % 5 == 0 {
            body += "Why is this needed?\n";
        }
        if i % 50 == 0 && i > 0 {
            body += &format!("Reviewed-by: {from}\n");
        }
        if i == 0 {
            body += &format!("Signed-off-by: {from}\n---\n{diff}");
        }
        let reply = parent.map_or(String::new(), |p| {
            format!("In-Reply-To: <m{p}@bench>\nReferences: <m0@bench> <m{p}@bench>\n")
        });
        out += &format!(
            "From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: {from}\nDate: {}\nSubject: {subject}\nMessage-ID: <m{i}@bench>\n{reply}Content-Type: text/plain; charset=UTF-8\n\n{body}\n",
            mail_date(i)
        );
    }
    out.into_bytes()
}

fn mail_date(i: usize) -> String {
    let day = 1 + i / 100;
    format!(
        "{day:02} Jun 2026 {:02}:{:02}:00 +0000",
        (i / 60) % 24,
        i % 60
    )
}

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
