//! "ABI-compatible" the way a C user relies on it: one C program
//! (`dropin/driver.c`), compiled against c-heap's header, linked once with
//! c-heap's C conversions and allocation policy and once with rust-heap's
//! static library built with `c-names` in their place. A symbol Rust does
//! not export, or exports with another signature's meaning, is a link
//! error or a differing line, not a silent fallback: the second program
//! is linked without `convert.c` and `heap.c` at all.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .into()
}

fn scratch() -> PathBuf {
    let layout = if cfg!(feature = "dma-length") {
        "arm64"
    } else {
        "um"
    };
    let dir =
        std::env::temp_dir().join(format!("rust-heap-dropin-{}-{layout}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn rustc() -> Command {
    let mut cmd = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()));
    cmd.args(["--edition", "2021", "-O", "-C", "panic=abort"]);
    if cfg!(feature = "dma-length") {
        cmd.args(["--cfg", "feature=\"dma-length\""]);
    }
    cmd
}

/// rust-heap compiled with `c-names`, and the drop-in library on top of
/// it, as one static library; and the native libraries it needs.
fn rust_static_lib(dir: &Path) -> (PathBuf, Vec<String>) {
    let ws = workspace();
    run(rustc()
        .args(["--crate-type", "rlib", "--crate-name", "rust_heap"])
        .args(["--cfg", "feature=\"c-names\""])
        .arg(ws.join("rust-heap/src/lib.rs"))
        .arg("--out-dir")
        .arg(dir));
    let out = rustc()
        .args([
            "--crate-type",
            "staticlib",
            "--crate-name",
            "rust_heap_dropin",
        ])
        .arg("--extern")
        .arg(format!(
            "rust_heap={}",
            dir.join("librust_heap.rlib").display()
        ))
        .args(["--print", "native-static-libs"])
        .arg(ws.join("rust-heap/dropin/lib.rs"))
        .arg("--out-dir")
        .arg(dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the static library did not build:\n{stderr}"
    );
    let native = stderr
        .lines()
        .find_map(|l| l.split_once("native-static-libs: ").map(|(_, libs)| libs))
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    (dir.join("librust_heap_dropin.a"), native)
}

fn cc(dir: &Path, name: &str, sources: &[&str], extra: &[String]) -> PathBuf {
    let ws = workspace();
    let exe = dir.join(name);
    let mut cmd = Command::new("cc");
    cmd.args(["-std=c11", "-O2", "-Wall", "-Wextra", "-Werror"])
        .arg("-I")
        .arg(ws.join("c-heap/include"));
    if cfg!(feature = "dma-length") {
        cmd.arg("-DCONFIG_NEED_SG_DMA_LENGTH");
    }
    cmd.arg(ws.join("rust-heap/dropin/driver.c"));
    for s in sources {
        cmd.arg(ws.join("c-heap/src").join(s));
    }
    cmd.args(extra).arg("-o").arg(&exe);
    run(&mut cmd);
    exe
}

#[test]
fn one_c_program_linked_with_c_or_with_rust_prints_the_same() {
    let dir = scratch();
    let with_c = cc(
        &dir,
        "driver-c",
        &["sg.c", "memmap.c", "heap.c", "convert.c"],
        &[],
    );
    let (lib, native) = rust_static_lib(&dir);
    let mut extra = vec![lib.display().to_string()];
    extra.extend(native);
    // No convert.c, no heap.c: every conversion and the policy must come
    // from the Rust library, or the link fails.
    let with_rust = cc(&dir, "driver-rust", &["sg.c", "memmap.c"], &extra);

    let c_out = run(&mut Command::new(&with_c));
    let rust_out = run(&mut Command::new(&with_rust));
    for (c, r) in c_out.lines().zip(rust_out.lines()) {
        assert_eq!(c, r, "the C and the Rust build differ");
    }
    assert_eq!(c_out.lines().count(), rust_out.lines().count());
    // What the checks are: every conversion on 9 heap tables and 6 short
    // ones, and 8 allocation scenarios, with the contract's answers.
    assert_eq!(
        c_out.lines().filter(|l| l.starts_with("seed=")).count(),
        4 * (9 + 6)
    );
    assert_eq!(
        c_out.lines().filter(|l| l.starts_with("policy ")).count(),
        8
    );
    assert!(c_out.contains("short bounded: ret=-7 "), "{c_out}");
    assert!(c_out.contains("policy zero length: ret=-22 "), "{c_out}");
    assert!(
        c_out.contains("policy killed after 2 chunks: ret=-4 "),
        "{c_out}"
    );
    assert!(
        c_out.contains("policy 300 pages left: ret=-12 nents=0 out=0 "),
        "{c_out}"
    );
    assert!(c_out.ends_with("invariants broken: 0\n"), "{c_out}");
    std::fs::remove_dir_all(dir).unwrap();
}
