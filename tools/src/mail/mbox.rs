//! mboxrd as lore serves it (`t.mbox.gz`): splitting into messages,
//! `>From ` unescaping, and bounded gunzip.

use std::borrow::Cow;
use std::io::Read;

use anyhow::{bail, Context, Result};

/// The most a thread may unpack to: far above any real thread, and low
/// enough that a gzip bomb is refused rather than filling memory.
pub const MAX_UNPACKED: u64 = 256 << 20;

/// Unpacks gzip data (or passes plain text through, borrowed: a 50 MB
/// thread is not copied), refusing more than `limit` bytes and truncated
/// or corrupt streams.
pub fn gunzip<'a>(data: &'a [u8], what: &str, limit: u64) -> Result<Cow<'a, [u8]>> {
    if !data.starts_with(&[0x1f, 0x8b]) {
        return Ok(Cow::Borrowed(data));
    }
    let mut out = Vec::new();
    let decoder = flate2::read::MultiGzDecoder::new(data);
    decoder
        .take(limit + 1)
        .read_to_end(&mut out)
        .with_context(|| format!("{what}: the gzip data is truncated or corrupt"))?;
    if out.len() as u64 > limit {
        bail!("{what}: unpacks to more than {limit} bytes; refusing it as a gzip bomb");
    }
    Ok(Cow::Owned(out))
}

/// Checks that `data` looks like an mbox: an HTML error page served with
/// status 200, or any other text, is refused here, before it is stored.
pub fn check_is_mbox(data: &[u8], what: &str) -> Result<()> {
    if data.is_empty() {
        bail!("{what} is empty: expected an mbox");
    }
    if !data.starts_with(b"From ") {
        let head = String::from_utf8_lossy(&data[..data.len().min(60)]);
        let kind = if head.trim_start().starts_with('<') {
            "an HTML page"
        } else {
            "not an mbox"
        };
        bail!(
            "{what} is {kind}: expected an mbox starting with a \"From \" line, got {:?}",
            head.lines().next().unwrap_or_default()
        );
    }
    Ok(())
}

/// Splits an mboxrd into its messages, each without its `From ` line and
/// with one `>` removed from `>From `, `>>From `, ... lines.
pub fn split(data: &[u8]) -> Vec<Vec<u8>> {
    let mut messages = Vec::new();
    each_message(data, |m| {
        messages.push(m.to_vec());
        Ok(())
    })
    .expect("collecting messages cannot fail");
    messages
}

/// Calls `f` with each message of `data` in turn, unescaped as [`split`]
/// gives it, one message buffer at a time: a reader that keeps only what
/// it parses out of each never holds the thread twice.
pub fn each_message(data: &[u8], mut f: impl FnMut(&[u8]) -> Result<()>) -> Result<()> {
    // The blank line that separates messages belongs to the format.
    let mut finish = |msg: &mut Vec<u8>| {
        if msg.ends_with(b"\n\n") {
            msg.pop();
        }
        f(msg)
    };
    let mut current: Option<Vec<u8>> = None;
    for line in data.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b"From ") {
            if let Some(mut done) = current.take() {
                finish(&mut done)?;
            }
            current = Some(Vec::new());
            continue;
        }
        let Some(msg) = current.as_mut() else {
            // Text before the first "From " line is not a message.
            continue;
        };
        let quoted = line.iter().take_while(|&&b| b == b'>').count();
        if quoted > 0 && line[quoted..].starts_with(b"From ") {
            msg.extend_from_slice(&line[1..]);
        } else {
            msg.extend_from_slice(line);
        }
    }
    if let Some(mut done) = current {
        finish(&mut done)?;
    }
    Ok(())
}

/// The From_ line every message of a joined mbox starts with.
const FROM_LINE: &[u8] = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n";

/// Writes messages back as an mboxrd, escaping as `split` unescapes.
pub fn join(messages: &[Vec<u8>]) -> Vec<u8> {
    // Sized once (each message, its From_ line and its blank line; a
    // quoted From_ line now and then adds a byte): growing a 50 MB thread
    // by doubling copies it again at every step and touches fresh pages.
    let separators = messages.len() * (FROM_LINE.len() + 2);
    let mut out = Vec::with_capacity(messages.iter().map(Vec::len).sum::<usize>() + separators);
    for m in messages {
        out.extend_from_slice(FROM_LINE);
        for line in m.split_inclusive(|&b| b == b'\n') {
            let quoted = line.iter().take_while(|&&b| b == b'>').count();
            if line[quoted..].starts_with(b"From ") {
                out.push(b'>');
            }
            out.extend_from_slice(line);
        }
        if !m.ends_with(b"\n") {
            out.push(b'\n');
        }
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn mboxrd_unescapes_one_level() {
        let data = b"From a@b Thu Jan  1 00:00:00 1970\nSubject: x\n\n>From here\n>>From there\n> From not\n\nFrom c@d Thu Jan  1 00:00:00 1970\nSubject: y\n\nbody\n";
        let msgs = split(data);
        assert_eq!(msgs.len(), 2);
        assert_eq!(
            msgs[0],
            b"Subject: x\n\nFrom here\n>From there\n> From not\n".to_vec()
        );
        assert_eq!(split(&join(&msgs)), msgs);
    }

    #[test]
    fn gzip_limits_and_truncation() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&vec![b'x'; 10_000]).unwrap();
        let gz = enc.finish().unwrap();
        assert_eq!(gunzip(&gz, "t", 20_000).unwrap().len(), 10_000);
        let err = gunzip(&gz, "t.mbox.gz", 1_000).unwrap_err().to_string();
        assert!(err.contains("gzip bomb"), "{err}");
        let err = gunzip(&gz[..gz.len() / 2], "t.mbox.gz", 20_000)
            .unwrap_err()
            .to_string();
        assert!(err.contains("truncated or corrupt"), "{err}");
    }

    #[test]
    fn html_is_not_an_mbox() {
        let err = check_is_mbox(b"<!DOCTYPE html><html>", "reply")
            .unwrap_err()
            .to_string();
        assert!(err.contains("an HTML page"), "{err}");
        assert!(check_is_mbox(b"", "reply").is_err());
        assert!(check_is_mbox(b"From x\n", "reply").is_ok());
    }
}
