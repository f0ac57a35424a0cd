//! The thread `am` imports: read from a local mbox, or fetched by
//! Message-ID or lore URL through the review layer's fetcher. Nothing is
//! written here.

use std::collections::HashMap;
use std::io::Write;

use anyhow::{Context, Result};

use crate::mail::mbox;
use crate::mail::message_id::MessageId;
use crate::mail::thread::Thread;
use crate::review::fetch::{self, HttpOptions, Source};

/// A thread as read, with the raw messages kept for storing and for the
/// headers the decoded mails do not keep (the sender's time zone).
pub struct Loaded {
    /// What it was read from, for messages.
    pub what: String,
    /// The Message-ID the user named, when they named one.
    pub wanted: Option<MessageId>,
    /// The decoded thread.
    pub thread: Thread,
    /// Each message's raw bytes by Message-ID.
    pub raw: HashMap<MessageId, Vec<u8>>,
    /// The thread as a plain mboxrd, to be stored beside the series.
    pub mbox: Vec<u8>,
}

/// Reads `input`: a `.mbox`/`.mbox.gz` file, a Message-ID or a lore URL.
pub fn load(input: &str, http: &HttpOptions, progress: &mut dyn Write) -> Result<Loaded> {
    let source = fetch::parse_source(input)?;
    let (data, what, wanted) = match &source {
        Source::File(path) => (
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?,
            path.display().to_string(),
            None,
        ),
        Source::MessageId(id) => {
            let url = fetch::thread_url(&http.base, id);
            let _ = writeln!(progress, "patchctl: fetching {url}");
            (fetch::download(id, http, progress)?, url, Some(id.clone()))
        }
    };
    let fetched = fetch::decode(&data, &what)?;
    let mbox = mbox::join(
        &fetched
            .messages
            .iter()
            .map(|(_, raw)| raw.clone())
            .collect::<Vec<_>>(),
    );
    Ok(Loaded {
        what,
        wanted,
        thread: fetched.thread,
        raw: fetched.messages.into_iter().collect(),
        mbox,
    })
}
