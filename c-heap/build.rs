//! Builds the C model with `cc` and generates its Rust view with `bindgen`.
//!
//! The `dma-length` feature selects the arm64 layout of `struct scatterlist`
//! (`CONFIG_NEED_SG_DMA_LENGTH`); without it the layout is UML's.

use std::env;
use std::path::PathBuf;

const SOURCES: [&str; 4] = ["src/sg.c", "src/memmap.c", "src/heap.c", "src/convert.c"];
const HEADERS: [&str; 3] = [
    "include/sgvmap.h",
    "include/sg_internal.h",
    "include/kcompat.h",
];

fn main() {
    let dma_length = env::var_os("CARGO_FEATURE_DMA_LENGTH").is_some();
    for path in SOURCES.iter().chain(HEADERS.iter()) {
        println!("cargo:rerun-if-changed={path}");
    }

    let mut build = cc::Build::new();
    build
        .files(SOURCES)
        .include("include")
        .std("c11")
        // The kernel builds at -O2 whatever cargo's profile says; so do we,
        // so that a debug `cargo test` and `cargo bench` run the same code.
        .opt_level(2)
        .flag_if_supported("-fno-strict-aliasing")
        // The store loops are four instructions; where the link put them
        // decided between one and two cycles per store (c_v1 measured at
        // 170 and at 296 us for 2 GB on AMD EPYC). Aligned loops end that
        // lottery and leave the figures to the code.
        .flag_if_supported("-falign-loops=64")
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true);
    if dma_length {
        build.define("CONFIG_NEED_SG_DMA_LENGTH", None);
    }
    // cargo fuzz builds the Rust side with AddressSanitizer; the C model
    // gets it too, so that a store past a page array is caught on either
    // side of the FFI (Rust's runtime serves both).
    let sanitizers = env::var("CARGO_CFG_SANITIZE").unwrap_or_default();
    if sanitizers.split(',').any(|s| s == "address") {
        build
            .flag("-fsanitize=address")
            .flag("-fno-omit-frame-pointer");
    }
    // What the C was compiled with, for the benchmark's verdicts: taken
    // from the compiler cc chose and the flags it was given, not restated.
    let compiler = build.get_compiler();
    let version = std::process::Command::new(compiler.path())
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|v| v.lines().next().map(str::to_string))
        .unwrap_or_else(|| compiler.path().display().to_string());
    let flags: Vec<String> = compiler
        .args()
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .filter(|a| a.starts_with("-O") || a.starts_with("-f") || a.starts_with("-m"))
        .collect();
    println!("cargo:rustc-env=C_HEAP_CC_VERSION={version}");
    println!("cargo:rustc-env=C_HEAP_CFLAGS={}", flags.join(" "));
    build.compile("sgvmap");

    let mut bindings = bindgen::Builder::default()
        .header("include/sgvmap.h")
        .allowlist_type("page|scatterlist|sg_table|sgvmap_report|sgm_layout")
        .allowlist_type("sgvmap_convert_fn")
        .allowlist_function("sgm_.*|sgvmap_.*")
        .allowlist_var("SG_.*|SGM_.*|sgm_heap_orders")
        .layout_tests(true)
        .derive_default(true)
        .parse_callbacks(Box::new(bindgen::CargoCallbacks::new()));
    if dma_length {
        bindings = bindings.clang_arg("-DCONFIG_NEED_SG_DMA_LENGTH");
    }
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    bindings
        .generate()
        .unwrap_or_else(|err| {
            panic!(
                "bindgen could not parse include/sgvmap.h ({err}); \
                 it needs libclang: `make deps` installs Debian's libclang-dev"
            )
        })
        .write_to_file(out.join("bindings.rs"))
        .expect("write bindings.rs to OUT_DIR");
}
