//! The series' v1 as the workspace keeps it: the first message of the
//! series' own thread (threads/v1.mbox), read with `git am` semantics.

mod common;

use std::path::Path;

use patchctl::mail::patch as mailpatch;

fn v1_path() -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../patches/system-heap-vmap/v1");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "patch"))
        .collect();
    assert_eq!(files.len(), 1, "v1 was a single patch");
    files.pop().unwrap()
}

#[test]
fn v1_reads_as_git_am_reads_it() {
    let path = v1_path();
    let p = mailpatch::parse(&std::fs::read(&path).unwrap(), "v1").unwrap();
    // The in-body From: names the author; the mail came from Barry Song.
    assert_eq!(p.author_name, "Xueyuan Chen");
    assert_eq!(p.author_email, "Xueyuan.chen21@gmail.com");
    assert_eq!(p.time, 1_775_512_140, "Mon, 06 Apr 2026 21:49:00 +0000");
    assert_eq!(
        p.subject,
        "dma-buf: system_heap: Optimize sg_table-to-pages conversion in vmap"
    );
    assert!(p.message.starts_with(
        "dma-buf: system_heap: Optimize sg_table-to-pages conversion in vmap\n\nReplace the heavy for_each_sgtable_page()"
    ));
    assert!(p
        .message
        .ends_with("Signed-off-by: Barry Song (Xiaomi) <baohua@kernel.org>\n"));
    assert!(p.diff.starts_with(
        "diff --git a/drivers/dma-buf/heaps/system_heap.c b/drivers/dma-buf/heaps/system_heap.c\n"
    ));
    assert!(p.diff.contains("+\tfor_each_sgtable_sg(table, sg, i) {\n"));
    assert!(
        !p.diff.contains("2.39.3"),
        "the mail signature is not part of the diff"
    );
}

/// v1 is byte for byte the first message of its review thread.
#[test]
fn v1_is_the_threads_first_message() {
    let path = common::v1_thread();
    let mbox = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let second = mbox[1..]
        .find("\nFrom mboxrd@z ")
        .expect("the thread has replies")
        + 2;
    let v1 = std::fs::read_to_string(v1_path()).unwrap();
    assert_eq!(v1, mbox[..second]);
}
