//! patchctl: carry a kernel patch from its first posting to v2 and into the
//! Android Common Kernel. This binary only wires commands: each file under
//! `commands/` turns its arguments into a library call and prints what it
//! returns; the work is in the `patchctl` library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod commands;

#[derive(Parser)]
#[command(
    name = "patchctl",
    version,
    about = "Kernel patch maintenance workspace: series, review state, KUnit figures, revisions",
    long_about = "patchctl keeps kernel patch series from their first posting through review to \
the next revision and into vendor kernels: each series lives under patches/<series>/ as mails \
git am applies, with a series.toml.\n\nThe usual path: am (a series from the list into patches/), fetch/status (the thread's review \
state), kunit (the series on real kernels, UML and arm64), revise (the next revision), check \
(the gate before git send-email), ack (the pick into the Android Common Kernel). The worked \
example is patches/system-heap-vmap, \"dma-buf: system_heap: Optimize sg_table-to-pages \
conversion in vmap\"."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Bench(commands::bench::Args),
    Kunit(commands::kunit::Args),
    KernelClippy(commands::kernel_clippy::Args),
    Compare(commands::compare::Args),
    Export(commands::export::Args),
    Report(commands::report::Args),
    Am(commands::am::Args),
    Fetch(commands::fetch::Args),
    Status(commands::status::Args),
    Revise(commands::revise::Args),
    Ack(commands::ack::Args),
    Check(commands::check::Args),
    Readme(commands::readme::Args),
}

fn main() -> ExitCode {
    // git itself does not hash every object it reads (only fsck does);
    // libgit2 does by default, and SHA-1 with collision detection was a
    // fifth of `patchctl status` on a 10,000-message thread.
    git2::opts::strict_hash_verification(false);
    let result = match Cli::parse().command {
        Command::Bench(args) => commands::bench::run(args),
        Command::Kunit(args) => commands::kunit::run(args),
        Command::KernelClippy(args) => commands::kernel_clippy::run(args),
        Command::Compare(args) => commands::compare::run(args),
        Command::Export(args) => commands::export::run(args),
        Command::Report(args) => commands::report::run(args),
        Command::Am(args) => commands::am::run(args),
        Command::Fetch(args) => commands::fetch::run(args),
        Command::Status(args) => commands::status::run(args),
        Command::Revise(args) => commands::revise::run(args),
        Command::Ack(args) => commands::ack::run(args),
        Command::Check(args) => commands::check::run(args),
        Command::Readme(args) => commands::readme::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("patchctl: {err:#}");
            ExitCode::from(2)
        }
    }
}
