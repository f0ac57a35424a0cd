//! The tool's parsers on arbitrary bytes: the mbox and its mails, KTAP,
//! and patch subjects. None may panic; a rejected input is an error that
//! names the input; memory stays bounded (the fuzz runs cap it).

use patchctl::kernel::ktap;
use patchctl::mail::{mbox, subject};
use patchctl::review::{self, fetch};

/// How the checks name their input in errors, as the tool names a file.
pub const WHAT: &str = "fuzz input";

/// An mbox (plain or gzip) through everything `patchctl fetch` and
/// `patchctl status` do with one, short of the git store.
pub fn check_mbox(data: &[u8]) {
    match fetch::decode(data, WHAT) {
        Ok(fetched) => {
            // What is stored is what is read back: the messages survive the
            // mboxrd round trip the store makes, one for one.
            let raws: Vec<Vec<u8>> = fetched
                .messages
                .iter()
                .map(|(_, raw)| raw.clone())
                .collect();
            let again = mbox::split(&mbox::join(&raws));
            assert_eq!(
                again.len(),
                raws.len(),
                "the mboxrd round trip changed the number of messages"
            );
            let state = review::derive(&fetched.thread, None, &review::Rules::default_rules());
            let _ = review::render(&state);
            for mail in &fetched.thread.mails {
                // Ancestors end: reply loops are cut, never followed.
                let chain = fetched.thread.ancestors(&mail.message_id);
                assert!(chain.len() < fetched.thread.mails.len().max(1));
                let _ = subject::parse(&mail.subject);
            }
        }
        Err(e) => assert_names_input(&format!("{e:#}")),
    }
}

/// kunit.py's output through the KTAP parser and the figure lines.
pub fn check_ktap(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match ktap::parse(&text) {
        Ok(run) => {
            let failures = run.failures();
            let skips = run.skips();
            let passed = run.passed();
            let leaves: usize = run.suites.iter().map(|s| s.leaves().len()).sum();
            assert!(
                failures.len() + skips.len() + passed <= leaves,
                "more outcomes than tests"
            );
        }
        Err(e) => assert!(!e.to_string().is_empty(), "an empty KTAP error"),
    }
    for line in text.lines() {
        if let Some(Err(why)) = ktap::parse_figure(line.trim_start().trim_start_matches("# ")) {
            assert!(!why.is_empty(), "a figure line refused without a reason");
        }
    }
}

/// A mail subject through the patch-subject parser.
pub fn check_subject(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Some(parsed) = subject::parse(&text) {
        assert!(parsed.version >= 1, "a revision below 1 from {text:?}");
        if let (Some(i), Some(n)) = (parsed.index, parsed.total) {
            assert!(i <= n, "patch {i} of {n} from {text:?}");
        }
        assert!(
            text.contains(parsed.title.trim()),
            "a title that is not in the subject: {:?} from {text:?}",
            parsed.title
        );
    }
}

fn assert_names_input(message: &str) {
    assert!(
        message.contains(WHAT),
        "an error that does not name its input: {message}"
    );
}
