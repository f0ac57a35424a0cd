//! One revision's view of the thread: its postings, its author side and
//! the roles of everyone who wrote.

use std::collections::{HashMap, HashSet};

use crate::mail::thread::{Mail, Thread};
use crate::mail::trailers::{self, Trailer, TrailerKind};
use crate::review::maintainers::{Maintainers, Role, Section};
use crate::review::rules::Rules;

use super::*;

/// One revision's view of the thread: its postings, its author side and
/// the roles of everyone who wrote, matched against MAINTAINERS once.
pub(super) struct RevisionView<'a> {
    pub(super) thread: &'a Thread,
    pub(super) posts: &'a [&'a Posting<'a>],
    pub(super) maintainers: Option<&'a Maintainers>,
    pub(super) rules: &'a Rules,
    /// Canonical addresses of who posted, wrote or signed off the patches.
    pub(super) author_emails: HashSet<String>,
    pub(super) roles: HashMap<String, Vec<Role>>,
    /// The MAINTAINERS sections covering the revision's files.
    pub(super) sections: Vec<Section>,
    /// For every mail, the nearest of this revision's postings above it.
    pub(super) posting_above: HashMap<&'a str, &'a str>,
    /// Postings of every revision: never replies.
    pub(super) not_replies: HashSet<String>,
    /// The trailers each posting already carries, parsed once.
    pub(super) own: HashMap<&'a str, Vec<Trailer>>,
}

impl<'a> RevisionView<'a> {
    pub(super) fn new(
        thread: &'a Thread,
        posts: &'a [&'a Posting<'a>],
        files: &[String],
        maintainers: Option<&'a Maintainers>,
        rules: &'a Rules,
    ) -> RevisionView<'a> {
        let own: HashMap<&'a str, Vec<Trailer>> = posts
            .iter()
            .map(|p| {
                let carried = p
                    .patch
                    .as_ref()
                    .map_or_else(Vec::new, |patch| trailers::parse(&patch.message));
                (p.mail.message_id.as_str(), carried)
            })
            .collect();
        let mut author_emails = HashSet::new();
        for p in posts {
            author_emails.insert(canon(maintainers, &p.mail.from_email));
            if let Some(patch) = &p.patch {
                author_emails.insert(canon(maintainers, &patch.author_email));
                for t in &own[p.mail.message_id.as_str()] {
                    if matches!(
                        t.kind,
                        TrailerKind::SignedOffBy | TrailerKind::CoDevelopedBy
                    ) {
                        if let Some(e) = &t.email {
                            author_emails.insert(canon(maintainers, e));
                        }
                    }
                }
            }
        }
        // Match the files against MAINTAINERS once, and each sender once.
        let sections = maintainers.map(|m| m.for_files(files)).unwrap_or_default();
        let mut roles: HashMap<String, Vec<Role>> = HashMap::new();
        if let Some(m) = maintainers {
            for mail in &thread.mails {
                if !roles.contains_key(&mail.from_email) {
                    let r = m.roles_in(&sections, &mail.from_email);
                    roles.insert(mail.from_email.clone(), r);
                }
            }
        }
        RevisionView {
            thread,
            posts,
            maintainers,
            rules,
            author_emails,
            roles,
            sections,
            posting_above: postings_above(thread, posts),
            not_replies: HashSet::new(),
            own,
        }
    }

    pub(super) fn roles_of(&self, email: &str) -> Vec<Role> {
        self.roles.get(email).cloned().unwrap_or_default()
    }

    pub(super) fn is_author(&self, mail: &Mail) -> bool {
        self.author_emails
            .contains(&canon(self.maintainers, &mail.from_email))
    }

    pub(super) fn evidence(&self, kind: EvidenceKind, mail: &Mail, line: &str) -> Evidence {
        Evidence {
            kind,
            message_id: mail.message_id.clone(),
            name: mail.from_name.clone(),
            email: mail.from_email.clone(),
            roles: self.roles_of(&mail.from_email),
            date: mail.date.clone(),
            line: line.trim().to_string(),
        }
    }

    pub(super) fn post_ids(&self) -> HashSet<&'a str> {
        self.posts
            .iter()
            .map(|p| p.mail.message_id.as_str())
            .collect()
    }

    /// Mails below one of this revision's postings.
    pub(super) fn replies(&self) -> Vec<&'a Mail> {
        let post_ids = self.post_ids();
        self.thread
            .mails
            .iter()
            .filter(|m| !post_ids.contains(m.message_id.as_str()))
            .filter(|m| !self.not_replies.contains(m.message_id.as_str()))
            .filter(|m| self.posting_above.contains_key(m.message_id.as_str()))
            .collect()
    }
}
