//! Maintainers' replies that say patches were applied: which patches,
//! in which tree and branch, and as which commits.

use crate::mail::thread::Mail;
use crate::review::applied::{self, Reading};
use crate::review::maintainers::RoleKind;
use crate::review::rules::VerdictKind;

use super::*;

impl<'a> RevisionView<'a> {
    /// What `mail` applied, if its sender maintains the revision's files
    /// and it says so; the patches it applied get their commits.
    pub(super) fn applied_by(&self, mail: &Mail, patches: &mut [PatchState]) -> Option<Applied> {
        let roles = self.roles_of(&mail.from_email);
        if !roles.iter().any(|r| r.role == RoleKind::Maintainer) {
            return None;
        }
        let reading = applied::read(&mail.body)?;
        let above = self.posting_above.get(mail.message_id.as_str()).copied();
        let replied_to = patches
            .iter()
            .find(|p| p.index > 0 && Some(p.message_id.as_str()) == above)
            .map(|p| p.index);
        let all: Vec<u32> = patches.iter().map(|p| p.index).filter(|i| *i > 0).collect();
        let commits = commits_of(&reading, replied_to, &all);
        for p in patches.iter_mut() {
            if let Some((_, sha)) = commits.iter().find(|(i, _)| *i == p.index) {
                p.applied_commit = sha.clone();
            }
        }
        let kind = EvidenceKind::Verdict(VerdictKind::Accepted);
        Some(Applied {
            tree: self.tree_of(&reading, &mail.from_email),
            branch: reading.branch.clone(),
            patches: commits.iter().map(|(i, _)| *i).collect(),
            evidence: self.evidence(kind, mail, &reading.line),
        })
    }

    /// The tree the reply names; a bare name (`input.git`) or none is
    /// looked up in the `T:` trees of the sections the sender maintains.
    fn tree_of(&self, reading: &Reading, email: &str) -> Option<String> {
        let named = reading.tree.as_deref();
        if named.is_some_and(|t| t.contains('/')) {
            return named.map(String::from);
        }
        let maintainer = self.maintainers.map(|m| m.canonical(email));
        let theirs = self
            .sections
            .iter()
            .filter(|s| {
                s.maintainers
                    .iter()
                    .any(|p| Some(&p.email) == maintainer.as_ref())
            })
            .flat_map(|s| &s.trees);
        let mut found = None;
        for tree in theirs {
            let fits = named.is_none_or(|n| tree.ends_with(&format!("/{n}")));
            if fits && found.is_none() {
                found = Some(tree.clone());
            }
        }
        found.or_else(|| named.map(String::from))
    }
}

/// The patches a reading applied, each with its commit when named: the
/// `[i/n]` of b4's summary; else the one patch replied to; else every
/// patch, given the commits in order when there are as many.
fn commits_of(
    reading: &Reading,
    replied_to: Option<u32>,
    all: &[u32],
) -> Vec<(u32, Option<String>)> {
    let indexed: Vec<(u32, Option<String>)> = reading
        .commits
        .iter()
        .filter_map(|c| c.index.map(|i| (i, Some(c.sha.clone()))))
        .filter(|(i, _)| all.contains(i))
        .collect();
    if !indexed.is_empty() {
        return indexed;
    }
    let shas: Vec<String> = reading.commits.iter().map(|c| c.sha.clone()).collect();
    match replied_to {
        Some(i) => vec![(i, (shas.len() == 1).then(|| shas[0].clone()))],
        None if shas.len() == all.len() => all
            .iter()
            .copied()
            .zip(shas.into_iter().map(Some))
            .collect(),
        None => all.iter().map(|i| (*i, None)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::applied::NamedCommit;

    fn reading(commits: &[(Option<u32>, &str)]) -> Reading {
        Reading {
            commits: commits
                .iter()
                .map(|(index, sha)| NamedCommit {
                    index: *index,
                    sha: sha.to_string(),
                })
                .collect(),
            ..Reading::default()
        }
    }

    #[test]
    fn which_patches_a_reply_applied() {
        let s = |x: &str| Some(x.to_string());
        let r = reading(&[(Some(2), "abc1234")]);
        assert_eq!(commits_of(&r, None, &[1, 2, 3]), vec![(2, s("abc1234"))]);
        let r = reading(&[(None, "abc1234"), (None, "def5678")]);
        assert_eq!(
            commits_of(&r, None, &[1, 2]),
            vec![(1, s("abc1234")), (2, s("def5678"))]
        );
        assert_eq!(
            commits_of(&r, None, &[1, 2, 3]),
            vec![(1, None), (2, None), (3, None)]
        );
        assert_eq!(commits_of(&r, Some(3), &[1, 2, 3]), vec![(3, None)]);
        let r = reading(&[(None, "abc1234")]);
        assert_eq!(commits_of(&r, Some(3), &[1, 2, 3]), vec![(3, s("abc1234"))]);
    }
}
