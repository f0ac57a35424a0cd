//! `patchctl fetch`: a review thread into the review store.

use std::process::ExitCode;

use anyhow::Result;
use patchctl::review::{fetch, ops, store};

use patchctl::review::ops::ReviewSetup;

/// Fetch a review thread into the workspace's review store.
///
/// THREAD is a Message-ID (with or without <>), a lore URL (/r/<id>,
/// /<list>/<id>/, /all/<id>/T/), or a local .mbox / .mbox.gz file. Over
/// HTTP the whole thread is downloaded as <base>/all/<id>/t.mbox.gz.
/// A refetch adds only the messages not stored yet; a download that is
/// cut short, corrupt, or not an mbox changes nothing. The thread and the
/// review state derived from it are committed under refs/patchctl/review.
#[derive(clap::Args)]
pub struct Args {
    /// Message-ID, lore URL, or mbox file.
    thread: String,
    /// lore's address (tests point it at 127.0.0.1).
    #[arg(long, default_value = fetch::DEFAULT_BASE, env = "PATCHCTL_LORE")]
    base: String,
    /// Use only what is stored; never touch the network.
    #[arg(long)]
    offline: bool,
    /// Seconds per HTTP request.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// Tries in all for 5xx answers and broken connections.
    #[arg(long, default_value_t = 4)]
    attempts: u32,
    #[command(flatten)]
    review: ReviewSetup,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let http = fetch::HttpOptions {
        base: args.base,
        timeout: std::time::Duration::from_secs(args.timeout),
        attempts: args.attempts,
        ..fetch::HttpOptions::default()
    };
    let setup = args.review;
    match ops::fetch(
        &args.thread,
        &http,
        args.offline,
        &setup,
        &mut std::io::stderr(),
    )? {
        ops::Fetched::AlreadyStored { message_id, stored } => println!(
            "{message_id}: stored, {stored} messages in the store (offline: nothing fetched)"
        ),
        ops::Fetched::Stored {
            root,
            added,
            total,
            commit,
        } => println!(
            "{root}: {added} new message(s), {total} stored; {} at {}",
            store::REF,
            &commit.to_string()[..12]
        ),
    }
    Ok(ExitCode::SUCCESS)
}
