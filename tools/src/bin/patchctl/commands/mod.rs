//! One module per command: its arguments, and a `run` that calls the
//! library and prints.

pub mod ack;
pub mod am;
pub mod bench;
pub mod check;
pub mod compare;
pub mod export;
pub mod fetch;
pub mod kunit;
pub mod report;
pub mod revise;
pub mod status;

/// Arguments shared by the commands that read the review store.
#[derive(clap::Args)]
pub struct ReviewArgs {
    /// The git repository holding the review store.
    #[arg(long, default_value = ".")]
    repo: std::path::PathBuf,
    /// A kernel tree's MAINTAINERS (default: the cached linux-source-6.12's).
    #[arg(long)]
    maintainers: Option<std::path::PathBuf>,
    /// Verdict rules (default: the built-in tools/config/review-rules.toml).
    #[arg(long)]
    rules: Option<std::path::PathBuf>,
}

impl ReviewArgs {
    /// The library's view of the same.
    pub fn setup(self) -> patchctl::review::ops::ReviewSetup {
        patchctl::review::ops::ReviewSetup {
            repo: self.repo,
            maintainers: self.maintainers,
            rules: self.rules,
        }
    }
}
