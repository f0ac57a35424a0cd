//! Review threads for the benchmarks: a patch and its replies, each reply
//! quoting its parent, some with questions and trailers.
#![allow(dead_code)]

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
pub fn thousand_message_thread() -> Vec<u8> {
    thread(1000, Shape::FanOut)
}

/// How replies hang together.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Chains of six replies, every seventh answering the patch.
    FanOut,
    /// Every reply answers the one before: one chain as deep as the thread.
    Chain,
}

/// Lines of the parent each reply quotes besides its first lines: about
/// 5 kB a mail, as long review threads run.
const QUOTED_LINES: usize = 70;

/// A patch and `n - 1` replies of `shape`.
pub fn thread(n: usize, shape: Shape) -> Vec<u8> {
    let diff = "diff --git a/drivers/dma-buf/heaps/system_heap.c b/drivers/dma-buf/heaps/system_heap.c\n--- a/drivers/dma-buf/heaps/system_heap.c\n+++ b/drivers/dma-buf/heaps/system_heap.c\n@@ -1 +1,2 @@\n x\n+y\n";
    let mut out = String::new();
    for i in 0..n {
        let from = PEOPLE[if i == 0 { 0 } else { i % PEOPLE.len() }];
        let subject = if i == 0 {
            "[PATCH] dma-buf: system_heap: speed".to_string()
        } else {
            "Re: [PATCH] dma-buf: system_heap: speed".to_string()
        };
        let parent = if i == 0 {
            None
        } else if shape == Shape::FanOut && i % 7 == 0 {
            Some(0)
        } else {
            Some(i - 1)
        };
        let mut body = String::new();
        if let Some(p) = parent {
            body += &format!("On Mon, someone wrote:\n> line one of message {p}\n> line two of message {p}\n> Reviewed-by: Quoted <q@example.org>\n");
            // Real replies quote a screenful of what they answer.
            for k in 0..QUOTED_LINES {
                body +=
                    &format!("> earlier line {k} about vmap, fbdev emulation and the page array\n");
            }
            body += "\n";
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

/// Mail `i` is sent `i` minutes after midnight on 1 June 2026: a real date
/// for every size (b4 refuses a day past the month's end).
fn mail_date(i: usize) -> String {
    let day = 1 + i / (24 * 60);
    format!(
        "{day:02} Jun 2026 {:02}:{:02}:00 +0000",
        (i / 60) % 24,
        i % 60
    )
}
