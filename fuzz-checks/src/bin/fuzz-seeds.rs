//! Writes a fuzz target's seed corpus: `fuzz-seeds <target> <dir>`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [target, dir] = args.as_slice() else {
        eprintln!(
            "usage: fuzz-seeds <target> <dir>\n\nWrites the seed inputs of a fuzz target ({}) \
             from the workspace's fixtures into <dir>.",
            fuzz_checks::TARGETS.join(", ")
        );
        return ExitCode::from(2);
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = PathBuf::from(dir);
    let seeds = match fuzz_checks::seeds::seeds(target, &root) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("fuzz-seeds: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("fuzz-seeds: cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    for (name, data) in &seeds {
        let path = dir.join(format!("seed-{name}"));
        if let Err(e) = std::fs::write(&path, data) {
            eprintln!("fuzz-seeds: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!("{} seeds for {target} in {}", seeds.len(), dir.display());
    ExitCode::SUCCESS
}
