//! Records which rustc and optimisation level build the benchmark, so that
//! its verdicts say what they assumed (read from cargo, not restated).

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = std::process::Command::new(&rustc)
        .arg("-V")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|v| v.trim().to_string())
        .unwrap_or(rustc);
    println!("cargo:rustc-env=RUST_HEAP_RUSTC_VERSION={version}");
    let opt = std::env::var("OPT_LEVEL").unwrap_or_else(|_| "?".into());
    println!("cargo:rustc-env=RUST_HEAP_OPT_LEVEL={opt}");
    println!("cargo:rerun-if-changed=build.rs");
}
