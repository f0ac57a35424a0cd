//! Figures quoted in mails. A commit message or a cover letter asks for a
//! measured figure with a placeholder, `{{whole@v3 um 256M}}` (the figure
//! `whole` of revision `v3` on `um` at 256 MB) or
//! `{{ratio whole@mainline whole@v3 um 256M}}` (the first's median over
//! the second's), or `{{mix whole@v3 arm64 256M}}` (how that whole map was
//! mapped: PMDs, contiguous-PTE blocks, single ptes; `counted-mix` for the
//! counting boot's layout), `{{instructions
//! whole@v3 arm64 256M}}` and `{{count-ratio whole@mainline whole@v3 arm64
//! 256M}}` (from the counting boot under QEMU -icount). Whatever holds the measurements fills them in and names
//! the record each came from in a citation line, which `patchctl check`
//! reads back to recompute the figure. The series layer knows only this
//! interface; the records live in the kernel layer, which implements it.

use anyhow::{bail, Result};

/// What starts a citation line (below a patch's `---`, at the end of a
/// cover letter).
pub const CITATION: &str = "Figure ";

/// Text with its placeholders filled, and one citation line per figure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filled {
    /// The text, every placeholder replaced.
    pub text: String,
    /// `Figure <placeholder> = <value>, from <record>` lines.
    pub citations: Vec<String>,
}

/// Something that renders figures from measurements.
pub trait FigureSource {
    /// The text of one placeholder (between the braces), rendered, and the
    /// record it came from; an error names the placeholder and what is
    /// missing.
    fn render(&self, placeholder: &str) -> Result<(String, String)>;
}

/// Where each placeholder of `text` stands: the byte range of its
/// `{{...}}`, and its text between the braces, in order.
fn spans(text: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(start) = text[from..].find("{{").map(|i| from + i) {
        let Some(end) = text[start + 2..].find("}}").map(|i| start + 2 + i) else {
            break;
        };
        out.push((start..end + 2, text[start + 2..end].trim()));
        from = end + 2;
    }
    out
}

/// The placeholders in `text`, in order (their text between the braces).
pub fn placeholders(text: &str) -> Vec<&str> {
    spans(text).into_iter().map(|(_, p)| p).collect()
}

/// The placeholders left in a mail outside its citation lines (which
/// name theirs on purpose).
pub fn unfilled(mail: &str) -> Vec<&str> {
    mail.lines()
        .filter(|l| parse_citation(l).is_none())
        .flat_map(placeholders)
        .collect()
}

/// Fills every placeholder of `text` from `source`.
pub fn fill(text: &str, source: Option<&dyn FigureSource>) -> Result<Filled> {
    let wanted = spans(text);
    let Some(source) = source.filter(|_| !wanted.is_empty()) else {
        if let Some((_, first)) = wanted.first() {
            bail!(
                "the text asks for measured figures ({{{{{first}}}}}) but no KUnit results were given: pass --results with the records they come from"
            );
        }
        return Ok(Filled {
            text: text.to_string(),
            citations: Vec::new(),
        });
    };
    let mut filled = Filled::default();
    let mut copied = 0;
    for (range, placeholder) in wanted {
        let (value, record) = source.render(placeholder)?;
        filled.text.push_str(&text[copied..range.start]);
        filled.text.push_str(&value);
        filled
            .citations
            .push(format!("{CITATION}{placeholder} = {value}, from {record}"));
        copied = range.end;
    }
    filled.text.push_str(&text[copied..]);
    Ok(filled)
}

/// One citation line read back: the placeholder and the value the mail
/// quotes for it.
pub fn parse_citation(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix(CITATION)?;
    let (placeholder, rest) = rest.split_once(" = ")?;
    // A figure's placeholder names it with an `@`: `whole@v3 um 256M`.
    if !placeholder.contains('@') {
        return None;
    }
    let value = rest.rsplit_once(", from ").map_or(rest, |(v, _)| v);
    Some((placeholder.trim(), value))
}

/// The problems of the figures a mail quotes: a placeholder never filled,
/// a cited figure that the record now gives differently, or whose value
/// the text above does not carry.
pub fn verify(mail: &str, source: &dyn FigureSource) -> Vec<String> {
    let mut problems = Vec::new();
    for p in unfilled(mail) {
        problems.push(format!("the placeholder {{{{{p}}}}} was never filled"));
    }
    let prose_end = mail
        .lines()
        .find(|l| parse_citation(l).is_some())
        .and_then(|l| mail.find(l))
        .unwrap_or(mail.len());
    let prose = &mail[..prose_end];
    for (placeholder, quoted) in mail.lines().filter_map(parse_citation) {
        match source.render(placeholder) {
            Err(e) => problems.push(format!("cites {{{{{placeholder}}}}}: {e:#}")),
            Ok((value, record)) if value != quoted => problems.push(format!(
                "quotes {{{{{placeholder}}}}} as {quoted:?}, but {record} gives {value:?}"
            )),
            Ok(_) if !prose.contains(quoted) => problems.push(format!(
                "cites {{{{{placeholder}}}}} = {quoted:?}, but its text does not carry that value"
            )),
            Ok(_) => {}
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source that knows one figure, for the text handling alone.
    struct One;
    impl FigureSource for One {
        fn render(&self, p: &str) -> Result<(String, String)> {
            match p {
                "whole@v3 um 256M" => Ok(("1.50 ms".into(), "results/r.json".into())),
                _ => bail!("no figure {p}"),
            }
        }
    }

    #[test]
    fn fills_and_verifies() {
        let f = fill("took {{ whole@v3 um 256M }}.\n", Some(&One)).unwrap();
        assert_eq!(f.text, "took 1.50 ms.\n");
        assert_eq!(
            f.citations,
            ["Figure whole@v3 um 256M = 1.50 ms, from results/r.json"]
        );
        let mail = format!("{}---\n{}\n", f.text, f.citations[0]);
        assert!(verify(&mail, &One).is_empty());
        // A typed-over figure, an unknown one, and a placeholder left over.
        let typed = mail.replacen("took 1.50 ms", "took 0.50 ms", 1);
        assert_eq!(verify(&typed, &One).len(), 1, "{:?}", verify(&typed, &One));
        let changed = mail.replace("= 1.50 ms", "= 1.40 ms");
        assert!(verify(&changed, &One)[0].contains("gives \"1.50 ms\""));
        assert!(!verify("a {{whole@v9 um 1M}}\n", &One).is_empty());
        assert!(fill("{{x}}", None)
            .unwrap_err()
            .to_string()
            .contains("--results"));
        assert!(fill("{{nope}}", Some(&One)).is_err());
        assert_eq!(fill("plain", None).unwrap().text, "plain");
    }
}
