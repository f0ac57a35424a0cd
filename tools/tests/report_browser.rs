//! The evidence page in a real headless browser (Debian's chromium): it
//! loads with nothing in the console, every chart is laid out with a size,
//! every record links to its raw JSON, the tables sort, and at 1280 px and
//! at 400 px (a phone) nothing sticks out: the page never scrolls
//! sideways, every table and listing scrolls inside its own box, every
//! chart panel fits its figure. Screenshots at both widths are kept in
//! the test's output directory (under target/) for a person to look at.

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
    headless_with(&[], args, page)
}

fn headless_with(flags: &[&str], args: &[&str], page: &Path) -> Output {
    let out = Command::new("nice")
        .args(["-n", "19"])
        .arg(chromium())
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .args(flags)
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The committed record's page, written afresh into `name` under the
/// test's output directory, with links to the records in `results/`.
fn page(name: &str) -> (PathBuf, report::Written, String, Vec<record::KunitRecord>) {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let results = workspace.join("results");
    let records = record::load_run(&results.to_string_lossy(), &workspace).unwrap();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let json = patchctl::util::relative_path(&out, &results).unwrap();
    let written = report::write(&records, &out, Some(&json)).unwrap();
    (out, written, json, records)
}

/// A copy of `page` beside it, with `script` run when it has loaded.
fn with_script(page: &Path, name: &str, script: &str) -> PathBuf {
    let html = std::fs::read_to_string(page).unwrap();
    let copy = page.with_file_name(name);
    std::fs::write(
        &copy,
        html.replace("</body>", &format!("<script>{script}</script>\n</body>")),
    )
    .unwrap();
    copy
}

/// The value of `data-<name>` on the dumped page's body.
fn data<'a>(dom: &'a str, name: &str) -> &'a str {
    let key = format!("data-{name}=\"");
    let at = dom
        .find(&key)
        .unwrap_or_else(|| panic!("no {key} in the page: did the script run?"))
        + key.len();
    &dom[at..at + dom[at..].find('"').unwrap()]
}

/// Measures, in the browser, everything that sticks out of its box, and
/// writes it into the body of the frame around the page (see [`overflow`])
/// as JSON (`data-overflow`, HTML-escaped by the DOM dump), with the width
/// the page was laid out at and its height.
/// A table or listing may be wider than the screen only inside a box that
/// scrolls sideways (`overflow-x: auto`) and itself fits the page.
const MEASURE: &str = r#"
(() => {
  const width = document.documentElement.clientWidth;
  const bad = [];
  const name = el => {
    const within = el.parentElement && el.parentElement.closest('[id]');
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (within ? ' in #' + within.id : '');
  };
  if (document.documentElement.scrollWidth > width) {
    bad.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
  }
  const fits = (el, what) => {
    const r = el.getBoundingClientRect();
    if (r.left < -0.5 || r.right > width + 0.5) {
      bad.push(`${what} ${name(el)} spans ${Math.round(r.left)}..${Math.round(r.right)} of ${width}`);
    }
  };
  for (const el of document.querySelectorAll('table, pre')) {
    const box = el.closest('.scroll');
    const scrolls = box && ['auto', 'scroll'].includes(getComputedStyle(box).overflowX);
    if (!scrolls) {
      if (el.scrollWidth > el.parentElement.clientWidth || el.getBoundingClientRect().right > width + 0.5) {
        bad.push(`${name(el)} is wider than its box and nothing scrolls it`);
      }
      fits(el, 'table or listing');
    } else {
      fits(box, 'the scrolling box of');
    }
  }
  for (const svg of document.querySelectorAll('svg')) {
    const figure = svg.closest('figure');
    const s = svg.getBoundingClientRect(), f = figure.getBoundingClientRect();
    if (s.width === 0 || s.left < f.left - 0.5 || s.right > f.right + 0.5) {
      bad.push(`a chart panel in ${name(figure)} spans ${Math.round(s.left)}..${Math.round(s.right)}, its figure ${Math.round(f.left)}..${Math.round(f.right)}`);
    }
    fits(figure, 'chart');
  }
  const out = (window.parent === window ? document : parent.document).body.dataset;
  out.overflow = JSON.stringify(bad);
  out.width = String(width);
  out.height = String(document.documentElement.scrollHeight);
})();
"#;

/// What sticks out at `width` px, the width the page was laid out at, and
/// the page's height. The page is measured in a frame of that width:
/// headless chromium lays a window narrower than 500 px out at 500 before
/// its DOM is dumped (screenshots are taken at the width asked for), and
/// a frame is laid out at exactly its own width. The frame's script may
/// write into the page around it only with file access between files.
fn overflow(page: &Path, width: u32) -> (Vec<String>, u32, u32) {
    let inner = with_script(page, &format!("measured-{width}.html"), MEASURE);
    let frame = page.with_file_name(format!("check-{width}.html"));
    std::fs::write(
        &frame,
        format!(
            "<!DOCTYPE html>\n<html><body style=\"margin:0\"><iframe src=\"{}\" \
             style=\"width:{width}px;height:1000px;border:0\"></iframe></body></html>\n",
            inner.file_name().unwrap().to_string_lossy()
        ),
    )
    .unwrap();
    let dom = headless_with(
        &["--allow-file-access-from-files"],
        &["--dump-dom", &format!("--window-size={},1000", width + 100)],
        &frame,
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    let json = data(&dom, "overflow")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let bad: Vec<String> = serde_json::from_str(&json).unwrap();
    let laid_out = data(&dom, "width").parse().unwrap();
    let height = data(&dom, "height").parse().unwrap();
    (bad, laid_out, height)
}

#[test]
fn the_page_loads_and_draws_every_chart() {
    let (out, written, json, records) = page("report-browser");
    assert!(written.charts.len() >= 4, "{:?}", written.charts);

    let dom = headless(&["--dump-dom"], &written.page);
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
}

/// The first table's size column, read after one click on its header and
/// after a second.
const SORT: &str = r#"
(() => {
  const table = document.querySelector('table.sortable');
  const button = table.tHead.rows[0].cells[1].querySelector('button');
  const sizes = () => [...table.tBodies[0].rows].map(tr => tr.cells[1].dataset.sort).join(' ');
  button.click();
  document.body.dataset.up = sizes();
  button.click();
  document.body.dataset.down = sizes();
})();
"#;

#[test]
fn a_click_on_a_header_sorts_by_its_numbers() {
    let (_, written, _, _) = page("report-sort");
    let dom = headless(
        &["--dump-dom"],
        &with_script(&written.page, "sort.html", SORT),
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    let sizes = |name| -> Vec<u64> {
        data(&dom, name)
            .split(' ')
            .map(|s| s.parse().unwrap())
            .collect()
    };
    let (up, down) = (sizes("up"), sizes("down"));
    assert!(
        up.len() > 2 && up.windows(2).all(|w| w[0] <= w[1]),
        "{up:?}"
    );
    assert!(down.windows(2).all(|w| w[0] >= w[1]), "{down:?}");
    // Without script, the headers are plain text and the rows stay in
    // the order they were written.
    let plain = std::fs::read_to_string(&written.page).unwrap();
    assert!(!plain.contains("<button"));
}

#[test]
fn nothing_sticks_out_at_1280_or_at_400_px() {
    let (out, written, _, _) = page("report-layout");
    let mut failed = Vec::new();
    for width in [1280, 400] {
        let (bad, laid_out, height) = overflow(&written.page, width);
        assert_eq!(laid_out, width, "laid out at {laid_out} px, not {width}");
        if !bad.is_empty() {
            failed.push(format!("at {width} px:\n{}", bad.join("\n")));
        }
        let shot = out.join(format!("index-{width}.png"));
        headless(
            &[
                &format!("--window-size={width},{}", height.min(16_000)),
                &format!("--screenshot={}", shot.display()),
            ],
            &written.page,
        );
        let bytes = std::fs::read(&shot).unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 50_000,
            "{} bytes",
            bytes.len()
        );
        eprintln!("screenshot at {width} px: {}", shot.display());
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// The check can fail: the same page with its tables' scrolling boxes no
/// longer scrolling is caught at 400 px.
#[test]
fn a_table_that_widens_the_page_is_caught_at_400_px() {
    let (_, written, _, _) = page("report-broken");
    let html = std::fs::read_to_string(&written.page).unwrap();
    let rule = ".scroll { overflow-x: auto; max-width: 100%; }";
    assert!(
        html.contains(rule),
        "the page's style changed: update this test"
    );
    std::fs::write(&written.page, html.replace(rule, "")).unwrap();
    let (bad, _, _) = overflow(&written.page, 400);
    assert!(
        bad.iter()
            .any(|b| b.starts_with("the page scrolls sideways")),
        "{bad:?}"
    );
    assert!(
        bad.iter().any(|b| b.contains("nothing scrolls it")),
        "{bad:?}"
    );
}
