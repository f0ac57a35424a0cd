//! A minimal initramfs: a `newc` cpio archive (the format the kernel
//! unpacks, `Documentation/driver-api/early-userspace/buffer-format.rst`)
//! of a few directories, device nodes and files.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

/// One member of the archive.
pub enum Entry<'a> {
    /// A directory.
    Dir(&'a str),
    /// A character device node: path, major, minor.
    CharDev(&'a str, u32, u32),
    /// A regular file with its mode bits and contents.
    File(&'a str, u32, &'a [u8]),
}

const S_IFDIR: u32 = 0o040000;
const S_IFCHR: u32 = 0o020000;
const S_IFREG: u32 = 0o100000;

/// The archive of `entries`, in order, with the trailer.
pub fn archive(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    for (ino, entry) in (1u32..).zip(entries) {
        let (name, mode, rdev, data): (&str, u32, (u32, u32), &[u8]) = match *entry {
            Entry::Dir(name) => (name, S_IFDIR | 0o755, (0, 0), &[]),
            Entry::CharDev(name, major, minor) => (name, S_IFCHR | 0o600, (major, minor), &[]),
            Entry::File(name, perm, data) => (name, S_IFREG | perm, (0, 0), data),
        };
        member(&mut out, ino, name, mode, rdev, data);
    }
    member(&mut out, 0, "TRAILER!!!", 0, (0, 0), &[]);
    out
}

/// Writes `archive(entries)` to `path`.
pub fn write(path: &Path, entries: &[Entry]) -> Result<()> {
    fs::write(path, archive(entries))
        .with_context(|| format!("cannot write the initramfs {}", path.display()))
}

fn member(out: &mut Vec<u8>, ino: u32, name: &str, mode: u32, rdev: (u32, u32), data: &[u8]) {
    let nlink = if mode & S_IFDIR != 0 { 2 } else { 1 };
    let fields = [
        ino,
        mode,
        0, // uid
        0, // gid
        nlink,
        0, // mtime
        data.len() as u32,
        0, // devmajor
        0, // devminor
        rdev.0,
        rdev.1,
        name.len() as u32 + 1,
        0, // check
    ];
    out.extend_from_slice(b"070701");
    for field in fields {
        out.extend_from_slice(format!("{field:08X}").as_bytes());
    }
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    pad4(out);
    out.extend_from_slice(data);
    pad4(out);
}

fn pad4(out: &mut Vec<u8>) {
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// GNU cpio, an independent reader, lists and extracts what was written.
    #[test]
    fn cpio_reads_it_back() {
        let dir = std::env::temp_dir().join(format!("patchctl-initramfs-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("root.cpio");
        write(
            &path,
            &[
                Entry::Dir("dev"),
                Entry::CharDev("dev/console", 5, 1),
                Entry::File("init", 0o755, b"#!/bin/sh\necho hi\n"),
                Entry::File("odd", 0o644, b"12345"),
            ],
        )
        .unwrap();
        let Ok(listing) = Command::new("cpio")
            .args(["-itv", "--quiet", "-F"])
            .arg(&path)
            .output()
        else {
            panic!("GNU cpio is needed for this test (scripts/deps.sh installs it)");
        };
        let text = String::from_utf8_lossy(&listing.stdout);
        assert!(listing.status.success(), "cpio refused the archive: {text}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[0].starts_with("drwxr-xr-x") && lines[0].ends_with(" dev"));
        assert!(lines[1].starts_with("crw-------") && lines[1].contains("5,"));
        assert!(lines[2].starts_with("-rwxr-xr-x") && lines[2].ends_with(" init"));
        let out = dir.join("x");
        fs::create_dir_all(&out).unwrap();
        let status = Command::new("cpio")
            .args(["-id", "--quiet", "--no-absolute-filenames", "-F"])
            .arg(&path)
            .arg("odd")
            .current_dir(&out)
            .status()
            .unwrap();
        assert!(status.success());
        assert_eq!(fs::read(out.join("odd")).unwrap(), b"12345");
        fs::remove_dir_all(&dir).ok();
    }
}
