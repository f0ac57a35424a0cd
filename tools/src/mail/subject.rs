//! Patch subjects: `[PATCH]`, `[PATCH v2 3/5]`, `[RFC PATCH net-next v3 0/7]`.

use serde::Serialize;

/// What a subject says about the mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatchSubject {
    /// A reply (`Re:`), not a posting.
    pub reply: bool,
    /// Marked RFC.
    pub rfc: bool,
    /// Revision: 1 when no `vN` is given.
    pub version: u32,
    /// Position in the series (0 is the cover letter), if numbered.
    pub index: Option<u32>,
    /// Patches in the series, if numbered.
    pub total: Option<u32>,
    /// Tree prefixes such as `net-next`.
    pub prefixes: Vec<String>,
    /// The summary after the brackets.
    pub title: String,
}

/// Parses a subject; `None` when it carries no `PATCH` tag.
pub fn parse(subject: &str) -> Option<PatchSubject> {
    let mut s = subject.trim();
    let mut reply = false;
    loop {
        let lower = s.get(..3).map(str::to_ascii_lowercase);
        if matches!(lower.as_deref(), Some("re:") | Some("aw:")) {
            reply = true;
            s = s[3..].trim_start();
        } else {
            break;
        }
    }
    let mut found = None;
    let mut rest = s;
    // Several bracket groups may stand before the title.
    while let Some(inner) = rest.strip_prefix('[') {
        let end = inner.find(']')?;
        let tags = &inner[..end];
        rest = inner[end + 1..].trim_start();
        if tags
            .split_whitespace()
            .any(|w| w.eq_ignore_ascii_case("patch"))
        {
            found = Some(tags.to_string());
        }
    }
    let tags = found?;
    let mut out = PatchSubject {
        reply,
        rfc: false,
        version: 1,
        index: None,
        total: None,
        prefixes: Vec::new(),
        title: rest.trim().to_string(),
    };
    for word in tags.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        if lower == "patch" {
            continue;
        }
        if lower == "rfc" {
            out.rfc = true;
        } else if let Some(v) = lower
            .strip_prefix('v')
            .and_then(|v| v.parse().ok())
            // Revisions count from 1: "v0" is a word, not a revision
            // (found by the subject fuzz target).
            .filter(|&v| v >= 1)
        {
            out.version = v;
        } else if let Some((i, n)) = word.split_once('/') {
            // "3/2" is no place in a series.
            if let (Ok(i), Ok(n)) = (i.parse::<u32>(), n.parse::<u32>()) {
                if i > n {
                    out.prefixes.push(word.to_string());
                    continue;
                }
                out.index = Some(i);
                out.total = Some(n);
            } else {
                out.prefixes.push(word.to_string());
            }
        } else {
            out.prefixes.push(word.to_string());
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let p = parse("[PATCH] dma-buf: x").unwrap();
        assert_eq!(
            (p.version, p.index, p.reply, p.title.as_str()),
            (1, None, false, "dma-buf: x")
        );
        let p = parse("Re: [PATCH v2 3/5] mm: y").unwrap();
        assert_eq!(
            (p.version, p.index, p.total, p.reply),
            (2, Some(3), Some(5), true)
        );
        let p = parse("[RFC PATCH net-next v3 0/7] net: z").unwrap();
        assert!(p.rfc);
        assert_eq!(
            (p.version, p.index, p.prefixes.clone()),
            (3, Some(0), vec!["net-next".to_string()])
        );
        let p = parse("[RESEND][PATCH 6.12 1/2] a").unwrap();
        assert_eq!(p.index, Some(1));
        assert!(parse("Re: a question").is_none());
        assert!(parse("[GIT PULL] dma-buf").is_none());
        assert!(parse("[PATCH").is_none());
        let p = parse("[PATCH v0 3/2] a").unwrap();
        assert_eq!((p.version, p.index), (1, None));
    }
}
