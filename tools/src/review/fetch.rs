//! Getting a thread: from lore over HTTP(S) as `t.mbox.gz`, or from a
//! local `.mbox` / `.mbox.gz`, then merged into the review store so that a
//! refetch adds only new messages and a bad download changes nothing.

#[cfg(feature = "http")]
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::mail::mbox;
use crate::mail::message_id::MessageId;
use crate::mail::thread::{parse_mail, Mail, Thread};

/// Where threads come from unless told otherwise.
pub const DEFAULT_BASE: &str = "https://lore.kernel.org";

/// What the user named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A thread on lore by one of its Message-IDs.
    MessageId(MessageId),
    /// A file on disk.
    File(PathBuf),
}

/// Reads a Message-ID (`<id>` or `id`), a lore URL (`/r/<id>`,
/// `/<list>/<id>/`, `/all/<id>/T/`, `.../t.mbox.gz`) or a file path.
pub fn parse_source(text: &str) -> Result<Source> {
    let text = text.trim();
    if let Some(rest) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    {
        let path = rest.split_once('/').map(|(_, p)| p).unwrap_or_default();
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let segments: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect();
        let id = match segments.first().map(String::as_str) {
            Some("r") => segments.get(1).cloned(),
            _ => segments.iter().find(|s| s.contains('@')).cloned(),
        };
        return match id.map(|i| MessageId::new(&i)).filter(|i| i.contains('@')) {
            Some(id) => Ok(Source::MessageId(id)),
            None => bail!(
                "{text:?} is not a lore thread URL: expected /r/<message-id>, /<list>/<message-id>/ or /all/<message-id>/T/"
            ),
        };
    }
    let path = PathBuf::from(text);
    if path.exists() || text.ends_with(".mbox") || text.ends_with(".mbox.gz") {
        if !path.is_file() {
            bail!("{text:?} does not exist: expected a .mbox or .mbox.gz file");
        }
        return Ok(Source::File(path));
    }
    let id = MessageId::new(text);
    if id.contains('@') && !id.contains(char::is_whitespace) && !id.contains(['<', '>']) {
        return Ok(Source::MessageId(id));
    }
    bail!("{text:?} is neither a Message-ID (local@domain), a lore URL, nor an existing .mbox / .mbox.gz file")
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// How to talk to lore.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// `https://lore.kernel.org`, or a test server.
    pub base: String,
    /// Per request.
    pub timeout: Duration,
    /// Tries in all, for 5xx answers and connection errors.
    pub attempts: u32,
    /// The wait before the second try; doubled after each.
    pub backoff: Duration,
    /// Report progress on stderr for bodies larger than this.
    pub progress_over: u64,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            base: DEFAULT_BASE.into(),
            timeout: Duration::from_secs(30),
            attempts: 4,
            backoff: Duration::from_millis(500),
            progress_over: 1 << 20,
        }
    }
}

/// The URL of a thread's mbox.
pub fn thread_url(base: &str, message_id: &str) -> String {
    let id: String = message_id
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'@'
            | b'+'
            | b'='
            | b'$' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("{}/all/{}/t.mbox.gz", base.trim_end_matches('/'), id)
}

/// Downloads a thread's mbox (gzip as served), retrying what may pass.
#[cfg(feature = "http")]
pub fn download(
    message_id: &str,
    opts: &HttpOptions,
    progress: &mut dyn std::io::Write,
) -> Result<Vec<u8>> {
    let url = thread_url(&opts.base, message_id);
    let client = reqwest::blocking::Client::builder()
        .timeout(opts.timeout)
        .user_agent(concat!("patchctl/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("cannot set up the HTTP client")?;
    let mut wait = opts.backoff;
    let mut last_error = String::new();
    for attempt in 1..=opts.attempts.max(1) {
        if attempt > 1 {
            let _ = writeln!(
                progress,
                "patchctl: {last_error}; trying again in {} ms ({attempt}/{})",
                wait.as_millis(),
                opts.attempts
            );
            std::thread::sleep(wait);
            wait *= 2;
        }
        let response = match client.get(&url).send() {
            Ok(r) => r,
            Err(e) => {
                last_error = format!("cannot reach {url}: {e}");
                continue;
            }
        };
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            bail!("no such thread: {url} answered 404 (is the Message-ID {message_id:?} right?)");
        }
        if status.is_server_error() {
            last_error = format!("{url} answered {status}");
            continue;
        }
        if !status.is_success() {
            bail!("{url} answered {status}: expected the thread's mbox");
        }
        match read_body(response, &url, opts.progress_over, progress) {
            Ok(body) => return Ok(body),
            Err(e) => {
                last_error = format!("{e:#}");
                continue;
            }
        }
    }
    bail!("giving up after {} tries: {last_error}", opts.attempts)
}

/// Without the `http` feature (the fuzz targets' build) there is no client.
#[cfg(not(feature = "http"))]
pub fn download(
    message_id: &str,
    opts: &HttpOptions,
    _progress: &mut dyn std::io::Write,
) -> Result<Vec<u8>> {
    bail!(
        "cannot fetch {}: this patchctl was built without its HTTP client (cargo feature \"http\")",
        thread_url(&opts.base, message_id)
    )
}

#[cfg(feature = "http")]
fn read_body(
    response: reqwest::blocking::Response,
    url: &str,
    progress_over: u64,
    progress: &mut dyn std::io::Write,
) -> Result<Vec<u8>> {
    let total = response.content_length();
    let show = total.is_some_and(|t| t > progress_over);
    let mut body = Vec::new();
    let mut reader = response.take(mbox::MAX_UNPACKED);
    let mut chunk = vec![0u8; 64 << 10];
    let mut next_report = progress_over;
    loop {
        let n = reader.read(&mut chunk).with_context(|| {
            format!(
                "the download from {url} broke off after {} bytes",
                body.len()
            )
        })?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
        if show && body.len() as u64 >= next_report {
            let _ = writeln!(
                progress,
                "patchctl: {} of {} KiB",
                body.len() >> 10,
                total.unwrap_or(0) >> 10
            );
            next_report += progress_over;
        }
    }
    if let Some(t) = total {
        if (body.len() as u64) < t {
            bail!(
                "the download from {url} broke off: {} of {t} bytes",
                body.len()
            );
        }
    }
    Ok(body)
}

/// A thread checked and decoded from downloaded or read bytes: the raw
/// messages (for storing) and the decoded thread.
pub struct Fetched {
    /// Each message's raw bytes with its Message-ID.
    pub messages: Vec<(MessageId, Vec<u8>)>,
    /// The decoded thread.
    pub thread: Thread,
}

/// Checks and decodes an mbox (plain or gzip); nothing is stored yet.
pub fn decode(data: &[u8], what: &str) -> Result<Fetched> {
    let plain = mbox::gunzip(data, what, mbox::MAX_UNPACKED)?;
    mbox::check_is_mbox(&plain, what)?;
    let mut messages = Vec::new();
    let mut mails = Vec::new();
    mbox::each_message(&plain, |raw| {
        let mail = parse_mail(raw, mails.len() + 1).with_context(|| what.to_string())?;
        messages.push((mail.message_id.clone(), raw.to_vec()));
        mails.push(mail);
        Ok(())
    })?;
    Ok(Fetched {
        messages,
        thread: Thread::from_mails(mails),
    })
}

/// The mails of a stored mbox, parsed, without their raw bytes: what a
/// reader of the review state needs, at one copy of the thread less than
/// [`decode`].
pub fn decode_mails(data: &[u8], what: &str) -> Result<Vec<Mail>> {
    let plain = mbox::gunzip(data, what, mbox::MAX_UNPACKED)?;
    mbox::check_is_mbox(&plain, what)?;
    let mut mails = Vec::new();
    mbox::each_message(&plain, |raw| {
        mails.push(parse_mail(raw, mails.len() + 1).with_context(|| what.to_string())?);
        Ok(())
    })?;
    Ok(mails)
}

/// The raw messages of a stored mbox with their Message-IDs, the parsed
/// mails not kept: a refetch holds the stored thread once, as bytes, and
/// parses it again only when something new came.
pub fn decode_raw(data: &[u8], what: &str) -> Result<Vec<(MessageId, Vec<u8>)>> {
    let plain = mbox::gunzip(data, what, mbox::MAX_UNPACKED)?;
    mbox::check_is_mbox(&plain, what)?;
    let mut messages = Vec::new();
    mbox::each_message(&plain, |raw| {
        let mail = parse_mail(raw, messages.len() + 1).with_context(|| what.to_string())?;
        messages.push((mail.message_id, raw.to_vec()));
        Ok(())
    })?;
    Ok(messages)
}

/// The Message-IDs of a stored mbox, nothing else kept: enough for a
/// refetch to see that nothing new came, at the stored bytes alone.
pub fn message_ids(data: &[u8], what: &str) -> Result<std::collections::HashSet<MessageId>> {
    let plain = mbox::gunzip(data, what, mbox::MAX_UNPACKED)?;
    mbox::check_is_mbox(&plain, what)?;
    let mut ids = std::collections::HashSet::new();
    let mut n = 0;
    mbox::each_message(&plain, |raw| {
        n += 1;
        ids.insert(crate::mail::thread::message_id_of(raw, n).with_context(|| what.to_string())?);
        Ok(())
    })?;
    Ok(ids)
}

/// How many distinct messages of `new` `known` lacks: what a merge would
/// add.
pub fn count_new(
    known: &std::collections::HashSet<MessageId>,
    new: &[(MessageId, Vec<u8>)],
) -> usize {
    let mut seen = std::collections::HashSet::new();
    new.iter()
        .filter(|(id, _)| !known.contains(id) && seen.insert(id))
        .count()
}

/// Merges `new` into `old` (raw messages by Message-ID): returns the
/// merged list and how many messages were added.
pub fn merge(
    old: Vec<(MessageId, Vec<u8>)>,
    new: Vec<(MessageId, Vec<u8>)>,
) -> (Vec<(MessageId, Vec<u8>)>, usize) {
    let mut known: std::collections::HashSet<MessageId> =
        old.iter().map(|(id, _)| id.clone()).collect();
    let mut out = old;
    let mut added = 0;
    for (id, raw) in new {
        if known.insert(id.clone()) {
            out.push((id, raw));
            added += 1;
        }
    }
    (out, added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources() {
        let id = |s: &str| parse_source(s).unwrap();
        let want = Source::MessageId("abc@x.org".into());
        assert_eq!(id("<abc@x.org>"), want);
        assert_eq!(id("abc@x.org"), want);
        assert_eq!(id("https://lore.kernel.org/r/abc@x.org"), want);
        assert_eq!(id("https://lore.kernel.org/dri-devel/abc@x.org/"), want);
        assert_eq!(id("https://lore.kernel.org/all/abc@x.org/T/"), want);
        assert_eq!(
            id("https://lore.kernel.org/all/abc%40x.org/t.mbox.gz"),
            want
        );
        assert!(parse_source("https://lore.kernel.org/all/").is_err());
        assert!(parse_source("no id here").is_err());
        assert!(parse_source("/nonexistent/t.mbox.gz")
            .unwrap_err()
            .to_string()
            .contains("does not exist"));
    }

    #[test]
    fn only_distinct_unknown_messages_are_new() {
        let id = |s: &str| MessageId::from(s.to_string());
        let known: std::collections::HashSet<MessageId> = [id("a@x"), id("b@x")].into();
        let new = vec![
            (id("a@x"), b"a".to_vec()),
            (id("c@x"), b"c".to_vec()),
            (id("c@x"), b"c again".to_vec()),
        ];
        assert_eq!(count_new(&known, &new), 1);
        assert_eq!(count_new(&known, &new[..1]), 0);
        // What a merge adds, for the same input.
        let old = vec![(id("a@x"), b"a".to_vec()), (id("b@x"), b"b".to_vec())];
        assert_eq!(merge(old, new).1, 1);
    }

    #[test]
    fn url_escapes() {
        assert_eq!(
            thread_url("http://127.0.0.1:1/", "a/b@x"),
            "http://127.0.0.1:1/all/a%2Fb@x/t.mbox.gz"
        );
    }
}
