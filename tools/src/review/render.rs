//! The readable summary `patchctl status` prints: per series, the series
//! as it stands, then each revision with its patches, verdicts, the
//! author's last word, open questions and the next step.

use std::fmt::Write as _;

use super::state::{Evidence, PatchState, ReviewState, RevisionState, SeriesState};
use super::state::{Landed, MatchedBy};
use crate::mail::trailers::TrailerKind;

/// The readable summary `patchctl status` prints.
pub fn render(state: &ReviewState) -> String {
    let mut out = String::new();
    for s in &state.series {
        let _ = writeln!(out, "series: {}", s.title);
        // When several revisions exist, what stands now first.
        if s.revisions.len() > 1 {
            as_it_stands(&mut out, s);
        }
        for r in &s.revisions {
            revision(&mut out, r);
        }
    }
    out
}

fn day(date: &str) -> &str {
    date.get(..10).unwrap_or(date)
}

/// A sender with their roles: "Name (maintainer of X, ...)".
fn who(e: &Evidence) -> String {
    if e.roles.is_empty() {
        return e.name.clone();
    }
    let roles: Vec<String> = e.roles.iter().map(ToString::to_string).collect();
    format!("{} ({})", e.name, roles.join(", "))
}

fn verdict_line(out: &mut String, e: &Evidence) {
    let _ = writeln!(
        out,
        "    {} on {} by {}: \"{}\"",
        e.kind,
        day(&e.date),
        who(e),
        e.line
    );
}

fn joined_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join("; ")
    }
}

fn as_it_stands(out: &mut String, s: &SeriesState) {
    out.push_str("  as it stands:\n");
    for p in &s.current {
        let trailers: Vec<String> = p
            .trailers
            .iter()
            .map(|t| format!("{}: {}", t.trailer.kind, t.trailer.value))
            .collect();
        let _ = writeln!(
            out,
            "    patch {} (v{}): {}; trailers: {}",
            p.index,
            p.version,
            p.title,
            joined_or_none(&trailers)
        );
    }
}

fn revision(out: &mut String, r: &RevisionState) {
    let _ = writeln!(
        out,
        "  v{}: {} (posted {})",
        r.version,
        r.state,
        day(&r.posted)
    );
    if let Some(e) = &r.state_evidence {
        verdict_line(out, e);
    }
    if !r.grounds.is_empty() {
        out.push_str("    grounds:\n");
        for g in &r.grounds {
            let _ = writeln!(out, "      | {g}");
        }
    }
    for p in &r.patches {
        patch(out, p);
    }
    for v in r
        .verdicts
        .iter()
        .filter(|v| Some(*v) != r.state_evidence.as_ref())
    {
        verdict_line(out, v);
    }
    if let Some(w) = &r.last_author_word {
        let _ = writeln!(
            out,
            "    author's last word: {} by {}: \"{}\"",
            day(&w.date),
            w.name,
            w.line
        );
    }
    if r.open_questions.is_empty() {
        out.push_str("    open questions: none\n");
    } else {
        out.push_str("    open questions:\n");
        for q in &r.open_questions {
            let _ = writeln!(out, "      {} by {}: \"{}\"", day(&q.date), who(q), q.line);
        }
    }
    let _ = writeln!(out, "    next step: {}", r.next_step);
}

fn patch(out: &mut String, p: &PatchState) {
    let given: Vec<String> = p
        .trailers
        .iter()
        .map(|t| {
            let differs = if t.address_differs {
                " (address differs from sender)"
            } else {
                ""
            };
            format!("{}: {}{differs}", t.trailer.kind, t.trailer.value)
        })
        .collect();
    let review = p.trailers.iter().any(|t| {
        matches!(
            t.trailer.kind,
            TrailerKind::ReviewedBy | TrailerKind::AckedBy
        )
    });
    let _ = writeln!(
        out,
        "    patch {}: {}\n      trailers: {}{}",
        p.index,
        p.title,
        joined_or_none(&given),
        if review {
            ""
        } else {
            " (no Reviewed-by or Acked-by)"
        }
    );
    if let Some(l) = &p.landed {
        landed(out, l);
    }
    for e in &p.carried {
        let _ = writeln!(
            out,
            "      carried from v{}: {}: {} (the patch is unchanged)",
            e.version, e.given.trailer.kind, e.given.trailer.value
        );
    }
    for e in &p.changed_since {
        let _ = writeln!(
            out,
            "      given to v{}; the patch changed since: {}: {}",
            e.version, e.given.trailer.kind, e.given.trailer.value
        );
    }
}

fn landed(out: &mut String, l: &Landed) {
    let tag = l.tag.as_ref().map_or(String::from(", in no tag yet"), |t| {
        format!(", first in {t}")
    });
    let how = match l.matched_by {
        MatchedBy::PatchId => "",
        MatchedBy::Subject => " (found by subject: the diff was changed on the way in)",
    };
    let _ = writeln!(
        out,
        "      landed: {} (\"{}\"){tag}{how}",
        &l.commit[..12.min(l.commit.len())],
        l.summary
    );
}
