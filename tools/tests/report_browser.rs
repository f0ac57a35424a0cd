//! The evidence page in a real headless browser (Debian's chromium): it
//! loads with nothing in the console, every chart is laid out with a size,
//! every record links to its raw JSON, and a screenshot is kept in the
//! test's output directory for a person to look at.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use patchctl::kernel::{record, report};

fn chromium() -> PathBuf {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .expect("no chromium: run scripts/deps.sh userspace (Debian's chromium)")
}

fn headless(args: &[&str], page: &Path) -> Output {
    Command::new(chromium())
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap()
}

#[test]
fn the_page_loads_and_draws_every_chart() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let results = workspace.join("results");
    let records = record::load_run(&results.to_string_lossy(), &workspace).unwrap();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-browser");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let json = patchctl::util::relative_path(&out, &results).unwrap();
    let written = report::write(&records, &out, Some(&json)).unwrap();
    assert!(written.charts.len() >= 4, "{:?}", written.charts);

    let dom = headless(&["--dump-dom"], &written.page);
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let html = String::from_utf8_lossy(&dom.stdout);
    let stderr = String::from_utf8_lossy(&dom.stderr);
    // Console messages (errors included) are logged as CONSOLE lines.
    let console: Vec<&str> = stderr.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(
        console.is_empty(),
        "the console says:\n{}",
        console.join("\n")
    );
    let drawn = format!("data-charts-drawn=\"{}\"", written.charts.len());
    assert!(
        html.contains(&drawn),
        "not every chart was laid out ({drawn} missing)"
    );
    for r in &records {
        let file = r.file_name();
        assert!(
            html.contains(&format!("href=\"{json}/{file}\"")),
            "no link to {file}"
        );
        assert!(out.join(&json).join(&file).is_file());
    }

    let shot = out.join("index.png");
    let png = headless(
        &[
            "--window-size=1100,4200",
            &format!("--screenshot={}", shot.display()),
        ],
        &written.page,
    );
    assert!(
        png.status.success(),
        "{}",
        String::from_utf8_lossy(&png.stderr)
    );
    let bytes = std::fs::read(&shot).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 50_000,
        "{} bytes",
        bytes.len()
    );
    eprintln!("screenshot: {}", shot.display());
}
