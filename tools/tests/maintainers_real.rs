//! MAINTAINERS matching against the real file and the real
//! `scripts/get_maintainer.pl` of the cached 6.12 kernel source
//! (`scripts/deps.sh kernel-source` puts it there; `make test` runs it).

use std::collections::BTreeSet;
use std::process::Command;

use patchctl::review::maintainers::Maintainers;

fn kernel() -> std::path::PathBuf {
    let dir = patchctl::kernel::tree::cached_source().unwrap();
    assert!(
        dir.join("MAINTAINERS").exists(),
        "{} has no MAINTAINERS: run scripts/deps.sh kernel-source",
        dir.display()
    );
    dir
}

/// Addresses get_maintainer.pl prints for one file, keywords off (K: needs
/// a patch's text, which this matching does not look at).
fn get_maintainer(file: &str) -> BTreeSet<String> {
    let out = Command::new("perl")
        .args([
            "scripts/get_maintainer.pl",
            "--no-git",
            "--no-rolestats",
            "--no-keywords",
            "--no-multiline",
            "-f",
            file,
        ])
        .current_dir(kernel())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .split(", ")
        .filter_map(|p| {
            patchctl::mail::address::email_of(p)
                .or_else(|| p.contains('@').then(|| p.trim().to_lowercase()))
        })
        .collect()
}

#[test]
fn same_people_and_lists_as_get_maintainer() {
    let m = Maintainers::load(&kernel().join("MAINTAINERS")).unwrap();
    for file in [
        "drivers/dma-buf/heaps/system_heap.c",
        "drivers/dma-buf/dma-buf.c",
        "include/linux/dma-heap.h",
        "mm/vmalloc.c",
        "drivers/gpu/drm/drm_gem_shmem_helper.c",
        "lib/scatterlist.c",
        "tools/testing/kunit/kunit.py",
    ] {
        let ours: BTreeSet<String> = m
            .for_files(&[file.to_string()])
            .iter()
            .flat_map(|s| {
                s.maintainers
                    .iter()
                    .chain(&s.reviewers)
                    .map(|p| p.email.clone())
                    .chain(s.lists.iter().cloned())
            })
            .collect();
        assert_eq!(ours, get_maintainer(file), "{file}");
    }
}

#[test]
fn roles_in_the_patchs_file() {
    let m = Maintainers::load(&kernel().join("MAINTAINERS")).unwrap();
    let files = vec!["drivers/dma-buf/heaps/system_heap.c".to_string()];
    let ck = m.roles(&files, "christian.koenig@amd.com");
    assert_eq!(ck.len(), 1);
    assert_eq!(
        (ck[0].role.as_str(), ck[0].section.as_str()),
        ("maintainer", "DMA BUFFER SHARING FRAMEWORK")
    );
    let tj = m.roles(&files, "tjmercier@google.com");
    assert_eq!(
        (tj[0].role.as_str(), tj[0].section.as_str()),
        ("reviewer", "DMA-BUF HEAPS FRAMEWORK")
    );
}
