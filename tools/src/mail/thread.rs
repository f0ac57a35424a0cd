//! Mails of a thread, decoded (MIME, encoded words, charsets) and put in
//! order by their Message-ID, In-Reply-To and References.

use std::collections::{HashMap, HashSet};

use anyhow::{bail, Result};
use mail_parser::{MessageParser, MimeHeaders};
use serde::Serialize;

use crate::mail::mbox;
use crate::mail::message_id::MessageId;

/// One decoded mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mail {
    /// Its Message-ID.
    pub message_id: MessageId,
    /// The message it answers, if any.
    pub in_reply_to: Option<MessageId>,
    /// Its References, oldest first.
    pub references: Vec<MessageId>,
    /// Sender's name.
    pub from_name: String,
    /// Sender's address, lower case.
    pub from_email: String,
    /// Seconds since the epoch.
    pub timestamp: i64,
    /// RFC 3339, UTC.
    pub date: String,
    /// Subject as sent, decoded.
    pub subject: String,
    /// The text: the plain-text body, with any attached patch appended.
    pub body: String,
    /// Its parent in the thread, once threaded (a known message only).
    pub parent: Option<MessageId>,
}

/// A header's decoded text on one line: an encoded word may decode to CR,
/// LF or other control characters ("=?UTF-8?Q?Evil=0D=0ABcc:...?="), which
/// must never reach a header that `revise` writes.
pub fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_control())
        .filter(|part| !part.trim().is_empty())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A mail's Message-ID alone, as [`parse_mail`] reads it (the same
/// errors for a mail without one), from its headers: the body is not
/// decoded. What a refetch needs of the thread it already holds.
pub fn message_id_of(raw: &[u8], index: usize) -> Result<MessageId> {
    let Some(msg) = MessageParser::default().parse_headers(raw) else {
        bail!("message {index} of the mbox cannot be parsed as a mail");
    };
    match msg
        .message_id()
        .map(MessageId::new)
        .filter(|id| !id.is_empty())
    {
        Some(id) => Ok(id),
        None => bail!("message {index} of the mbox has no Message-ID"),
    }
}

/// Decodes one message; `index` names it in errors.
pub fn parse_mail(raw: &[u8], index: usize) -> Result<Mail> {
    let Some(msg) = MessageParser::default().parse(raw) else {
        bail!("message {index} of the mbox cannot be parsed as a mail");
    };
    let Some(message_id) = msg
        .message_id()
        .map(MessageId::new)
        .filter(|id| !id.is_empty())
    else {
        bail!("message {index} of the mbox has no Message-ID");
    };
    let from = msg.from().and_then(|a| a.first());
    let from_name = one_line(from.and_then(|a| a.name()).unwrap_or_default());
    let from_email = one_line(from.and_then(|a| a.address()).unwrap_or_default()).to_lowercase();
    let timestamp = msg.date().map_or(0, |d| d.to_timestamp());
    let date = msg
        .date()
        .map(|_| mail_parser::DateTime::from_timestamp(timestamp).to_rfc3339())
        .unwrap_or_default();
    let in_reply_to = msg
        .in_reply_to()
        .as_text_list()
        .and_then(|l| l.first().map(|s| MessageId::new(s)));
    let references = msg
        .references()
        .as_text_list()
        .map(|l| l.iter().map(|s| MessageId::new(s)).collect())
        .unwrap_or_default();

    let mut body = String::new();
    for i in 0.. {
        match msg.body_text(i) {
            Some(text) => {
                body.push_str(&text);
                if !body.ends_with('\n') {
                    body.push('\n');
                }
            }
            None => break,
        }
    }
    // A patch sent as an attachment (text/x-patch, text/x-diff, or any
    // attached file whose text holds a diff) belongs to the text.
    for part in msg.attachments() {
        let is_patch = part.content_type().is_some_and(|ct| {
            ct.subtype()
                .is_some_and(|s| s.contains("patch") || s.contains("diff"))
        });
        if let Some(text) = part.text_contents() {
            if is_patch || text.contains("\ndiff --git ") || text.starts_with("diff --git ") {
                body.push_str(text);
                if !body.ends_with('\n') {
                    body.push('\n');
                }
            }
        }
    }

    Ok(Mail {
        message_id,
        in_reply_to,
        references,
        from_name,
        from_email,
        timestamp,
        date,
        subject: one_line(msg.subject().unwrap_or_default()),
        body,
        parent: None,
    })
}

/// A thread: its mails in date order, each with its parent.
#[derive(Debug, Clone, Serialize)]
pub struct Thread {
    /// The mails.
    pub mails: Vec<Mail>,
    /// Where each Message-ID is in `mails`: lookups stay constant-time, so
    /// walking a thread of thousands of mails stays linear.
    #[serde(skip)]
    index: HashMap<MessageId, usize>,
}

impl Thread {
    /// Parses an mbox (plain or gzip) into a thread. A message that cannot
    /// be decoded is an error naming it; duplicates (by Message-ID) are
    /// kept once.
    pub fn from_mbox(data: &[u8], what: &str) -> Result<Thread> {
        let plain = mbox::gunzip(data, what, mbox::MAX_UNPACKED)?;
        mbox::check_is_mbox(&plain, what)?;
        let mut mails = Vec::new();
        mbox::each_message(&plain, |raw| {
            let mail = parse_mail(raw, mails.len() + 1).map_err(|e| e.context(what.to_string()))?;
            mails.push(mail);
            Ok(())
        })?;
        Ok(Thread::from_mails(mails))
    }

    /// Threads `mails`: a mail's parent is its In-Reply-To if known, else
    /// the newest of its References that is known; a loop in the replies
    /// is cut rather than followed.
    pub fn from_mails(mails: Vec<Mail>) -> Thread {
        let mut seen = HashSet::new();
        let mut mails: Vec<Mail> = mails
            .into_iter()
            .filter(|m| seen.insert(m.message_id.clone()))
            .collect();
        let known: HashSet<MessageId> = mails.iter().map(|m| m.message_id.clone()).collect();
        for m in &mut mails {
            m.parent = m
                .in_reply_to
                .iter()
                .chain(m.references.iter().rev())
                .find(|id| known.contains(*id) && **id != m.message_id)
                .cloned();
        }
        // Cut loops: walk up from each mail until a mail already judged;
        // a mail met twice on one walk closes a loop and loses its parent.
        // Every mail is walked over once, so deep threads stay linear.
        let parents: HashMap<&str, Option<&str>> = mails
            .iter()
            .map(|m| (m.message_id.as_str(), m.parent.as_deref()))
            .collect();
        let mut judged: HashSet<&str> = HashSet::new();
        let mut cut: HashSet<String> = HashSet::new();
        for m in &mails {
            let mut on_path: HashSet<&str> = HashSet::new();
            let mut at = Some(m.message_id.as_str());
            while let Some(id) = at {
                if judged.contains(id) {
                    break;
                }
                if !on_path.insert(id) {
                    cut.insert(id.to_string());
                    break;
                }
                at = parents.get(id).copied().flatten();
            }
            judged.extend(on_path);
        }
        for m in &mut mails {
            if cut.contains(m.message_id.as_str()) {
                m.parent = None;
            }
        }
        mails.sort_by(|a, b| {
            a.timestamp
                .cmp(&b.timestamp)
                .then(a.message_id.cmp(&b.message_id))
        });
        let index = mails
            .iter()
            .enumerate()
            .map(|(i, m)| (m.message_id.clone(), i))
            .collect();
        Thread { mails, index }
    }

    /// The mail with this Message-ID.
    pub fn get(&self, id: &str) -> Option<&Mail> {
        self.index.get(id).map(|&i| &self.mails[i])
    }

    /// The chain of ancestors of a mail, nearest first.
    pub fn ancestors(&self, id: &str) -> Vec<&Mail> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut at = self.get(id).and_then(|m| m.parent.clone());
        while let Some(pid) = at {
            if !seen.insert(pid.clone()) {
                break;
            }
            match self.get(&pid) {
                Some(p) => {
                    out.push(p);
                    at = p.parent.clone();
                }
                None => break,
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(id: &str, parent: Option<&str>, refs: &[&str], t: i64) -> Mail {
        Mail {
            message_id: id.into(),
            in_reply_to: parent.map(MessageId::from),
            references: refs.iter().map(|&s| MessageId::from(s)).collect(),
            from_name: String::new(),
            from_email: String::new(),
            timestamp: t,
            date: String::new(),
            subject: String::new(),
            body: String::new(),
            parent: None,
        }
    }

    #[test]
    fn missing_parents_and_loops() {
        let t = Thread::from_mails(vec![
            mail("a", None, &[], 1),
            mail("c", Some("lost"), &["a", "lost"], 3),
            mail("x", Some("y"), &[], 4),
            mail("y", Some("x"), &[], 5),
            mail("a", None, &[], 9),
        ]);
        assert_eq!(t.mails.len(), 4, "the duplicate is kept once");
        assert_eq!(t.get("c").unwrap().parent.as_deref(), Some("a"));
        // x and y answer each other: the loop is cut, nothing hangs.
        let loop_parents = [
            t.get("x").unwrap().parent.clone(),
            t.get("y").unwrap().parent.clone(),
        ];
        assert!(loop_parents.iter().any(|p| p.is_none()));
        assert!(t.ancestors("x").len() <= 1);
    }

    #[test]
    fn the_message_id_alone_is_the_one_parse_mail_reads() {
        for raw in [
            &b"Message-ID: <m1@x>\r\nSubject: a\r\n\r\nbody\r\n"[..],
            b"Subject: folded\r\nMessage-Id:\r\n <Folded.ID@Example.ORG>\r\n\r\nbody\r\n",
            b"From: a@b.c\nMessage-ID: m2@x\n\nno angle brackets\n",
        ] {
            assert_eq!(
                message_id_of(raw, 1).unwrap(),
                parse_mail(raw, 1).unwrap().message_id
            );
        }
        let none = b"Subject: no id\r\n\r\nbody\r\n";
        let (a, b) = (
            message_id_of(none, 4).unwrap_err(),
            parse_mail(none, 4).unwrap_err(),
        );
        assert_eq!(a.to_string(), b.to_string());
    }

    #[test]
    fn encoded_words_base64_and_quoted_printable() {
        let raw = b"From: =?UTF-8?q?Christian_K=C3=B6nig?= <Christian.Koenig@AMD.com>\r\n\
Message-ID: <m1@x>\r\nDate: Tue, 07 Apr 2026 07:57:00 +0200\r\n\
Subject: =?UTF-8?B?UmU6IFtQQVRDSF0gZMO2?=\r\nMIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
K=F6nig says hi=\r\n there\r\n";
        let m = parse_mail(raw, 1).unwrap();
        assert_eq!(m.from_name, "Christian König");
        assert_eq!(m.from_email, "christian.koenig@amd.com");
        assert_eq!(m.subject, "Re: [PATCH] dö");
        assert!(m.body.starts_with("König says hi there"), "{:?}", m.body);
        assert_eq!(m.date, "2026-04-07T05:57:00Z");
    }

    #[test]
    fn attached_patch_is_part_of_the_text() {
        let raw = b"From: A <a@b>\nMessage-ID: <m2@x>\nDate: Tue, 07 Apr 2026 07:57:00 +0000\nSubject: [PATCH] x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\nSee attached.\n--B\nContent-Type: text/x-patch; name=\"0001.patch\"\nContent-Disposition: attachment; filename=\"0001.patch\"\nContent-Transfer-Encoding: base64\n\nZGlmZiAtLWdpdCBhL2YgYi9mCg==\n--B--\n";
        let m = parse_mail(raw, 1).unwrap();
        assert!(m.body.contains("See attached."), "{:?}", m.body);
        assert!(m.body.contains("diff --git a/f b/f"), "{:?}", m.body);
    }
}
