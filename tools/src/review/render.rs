//! The readable summary `patchctl status` prints.

use super::state::{Evidence, ReviewState};

/// The readable summary `patchctl status` prints.
pub fn render(state: &ReviewState) -> String {
    let mut out = String::new();
    let who = |e: &Evidence| {
        if e.roles.is_empty() {
            e.name.clone()
        } else {
            format!(
                "{} ({})",
                e.name,
                e.roles
                    .iter()
                    .map(|r| r.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    };
    let day = |d: &str| d.get(..10).unwrap_or(d).to_string();
    let verdict_line = |e: &Evidence| {
        format!(
            "    {} on {} by {}: \"{}\"\n",
            e.kind,
            day(&e.date),
            who(e),
            e.line
        )
    };
    for s in &state.series {
        out.push_str(&format!("series: {}\n", s.title));
        // The series as it stands, when a later revision resent only some
        // patches or several revisions exist.
        if s.revisions.len() > 1 {
            out.push_str("  as it stands:\n");
            for p in &s.current {
                let trailers: Vec<String> = p
                    .trailers
                    .iter()
                    .map(|t| format!("{}: {}", t.trailer.kind, t.trailer.value))
                    .collect();
                out.push_str(&format!(
                    "    patch {} (v{}): {}; trailers: {}\n",
                    p.index,
                    p.version,
                    p.title,
                    if trailers.is_empty() {
                        "none".to_string()
                    } else {
                        trailers.join("; ")
                    }
                ));
            }
        }
        for r in &s.revisions {
            out.push_str(&format!(
                "  v{}: {} (posted {})\n",
                r.version,
                r.state,
                day(&r.posted)
            ));
            if let Some(e) = &r.state_evidence {
                out.push_str(&verdict_line(e));
            }
            if !r.grounds.is_empty() {
                out.push_str("    grounds:\n");
                for g in &r.grounds {
                    out.push_str(&format!("      | {g}\n"));
                }
            }
            for p in &r.patches {
                let given: Vec<String> = p
                    .trailers
                    .iter()
                    .map(|t| {
                        format!(
                            "{}: {}{}",
                            t.trailer.kind,
                            t.trailer.value,
                            if t.address_differs {
                                " (address differs from sender)"
                            } else {
                                ""
                            }
                        )
                    })
                    .collect();
                let review = given
                    .iter()
                    .any(|g| g.starts_with("Reviewed-by") || g.starts_with("Acked-by"));
                out.push_str(&format!(
                    "    patch {}: {}\n      trailers: {}{}\n",
                    p.index,
                    p.title,
                    if given.is_empty() {
                        "none".to_string()
                    } else {
                        given.join("; ")
                    },
                    if review {
                        ""
                    } else {
                        " (no Reviewed-by or Acked-by)"
                    }
                ));
                if let Some(l) = &p.landed {
                    out.push_str(&format!(
                        "      landed: {} (\"{}\"){}{}\n",
                        &l.commit[..12.min(l.commit.len())],
                        l.summary,
                        l.tag
                            .as_ref()
                            .map_or(String::from(", in no tag yet"), |t| format!(
                                ", first in {t}"
                            )),
                        match l.matched_by {
                            super::upstream::MatchedBy::PatchId => "",
                            super::upstream::MatchedBy::Subject =>
                                " (found by subject: the diff was changed on the way in)",
                        }
                    ));
                }
                for e in &p.carried {
                    out.push_str(&format!(
                        "      carried from v{}: {}: {} (the patch is unchanged)\n",
                        e.version, e.given.trailer.kind, e.given.trailer.value
                    ));
                }
                for e in &p.changed_since {
                    out.push_str(&format!(
                        "      given to v{}; the patch changed since: {}: {}\n",
                        e.version, e.given.trailer.kind, e.given.trailer.value
                    ));
                }
            }
            for v in r
                .verdicts
                .iter()
                .filter(|v| Some(*v) != r.state_evidence.as_ref())
            {
                out.push_str(&verdict_line(v));
            }
            if let Some(w) = &r.last_author_word {
                out.push_str(&format!(
                    "    author's last word: {} by {}: \"{}\"\n",
                    day(&w.date),
                    w.name,
                    w.line
                ));
            }
            if r.open_questions.is_empty() {
                out.push_str("    open questions: none\n");
            } else {
                out.push_str("    open questions:\n");
                for q in &r.open_questions {
                    out.push_str(&format!(
                        "      {} by {}: \"{}\"\n",
                        day(&q.date),
                        who(q),
                        q.line
                    ));
                }
            }
            out.push_str(&format!("    next step: {}\n", r.next_step));
        }
    }
    out
}
