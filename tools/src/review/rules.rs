//! The verdict rules: which phrases, from whom, mean what. The phrases live
//! in `tools/config/review-rules.toml`, not in the code.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use serde::Deserialize;

use super::state::Standing;
pub use super::state::VerdictKind;

/// The rules shipped with the tool (`tools/config/review-rules.toml`).
pub const DEFAULT_RULES: &str = include_str!("../../config/review-rules.toml");

/// The verdict rules, as the TOML file spells them.
#[derive(Debug, Clone, Deserialize)]
pub struct Rules {
    /// Verdicts and their phrases.
    pub verdict: Vec<VerdictRule>,
    /// Which questions count.
    pub questions: QuestionRules,
    /// Greetings and sign-offs.
    pub furniture: Furniture,
    /// Advice per state.
    pub next_step: BTreeMap<String, String>,
}

/// One verdict rule.
#[derive(Debug, Clone, Deserialize)]
pub struct VerdictRule {
    /// What the phrases mean.
    pub kind: VerdictKind,
    /// Who may give it.
    pub roles: Vec<WhoMay>,
    /// Lower-case phrases.
    pub phrases: Vec<String>,
}

/// Question rules.
#[derive(Debug, Clone, Deserialize)]
pub struct QuestionRules {
    /// Verdicts whose questions are arguments.
    pub skip_verdicts: Vec<VerdictKind>,
}

/// Lines that carry no content.
#[derive(Debug, Clone, Deserialize)]
pub struct Furniture {
    /// Lower-case prefixes.
    pub prefixes: Vec<String>,
}

impl Rules {
    /// Parses rules; `what` names the file in errors.
    pub fn parse(text: &str, what: &str) -> Result<Rules> {
        let rules: Rules = toml::from_str(text).with_context(|| {
            format!("{what} is not a valid rules file: expected [[verdict]] tables with kind, roles and phrases")
        })?;
        Ok(rules)
    }

    /// The shipped rules.
    pub fn default_rules() -> Rules {
        Rules::parse(DEFAULT_RULES, "the built-in rules").expect("the shipped rules parse")
    }
}

impl Rules {
    /// What to do next in `standing` (empty when the rules do not say).
    pub fn next_step(&self, standing: Standing) -> String {
        self.next_step
            .get(standing.as_str())
            .cloned()
            .unwrap_or_default()
    }
}

/// Who may give a verdict, as the rules file says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhoMay {
    /// A maintainer of a section covering the patch.
    Maintainer,
    /// A reviewer of such a section.
    Reviewer,
    /// Anyone neither maintainer nor reviewer.
    Other,
    /// Anyone but the authors.
    Any,
}
