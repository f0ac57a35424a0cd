//! ccache for kernel builds: an object compiled once, for any revision,
//! flavour or earlier run, is not compiled again. Switching the shared
//! worktree between series rewrites headers that nearly every file
//! includes (vmap-sg's linux/vmalloc.h), so without it each switch costs
//! a whole kernel build, and a second CI run costs as much as the first.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the objects go, and how kbuild is told to use it.
#[derive(Debug, Clone)]
pub struct CompilerCache {
    /// `$CCACHE_DIR` for every build (under the patchctl cache).
    pub dir: PathBuf,
}

/// What one build took from the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hits {
    /// Compiles answered from the cache.
    pub hits: u64,
    /// Compiles that ran the compiler.
    pub misses: u64,
}

impl CompilerCache {
    /// The cache in `cache`/ccache when `ccache` is on PATH (scripts/deps.sh
    /// kunit installs it), unless `PATCHCTL_CCACHE=0` asks for plain builds.
    pub fn discover(cache: &Path) -> Option<CompilerCache> {
        if std::env::var_os("PATCHCTL_CCACHE").is_some_and(|v| v == "0") {
            return None;
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .any(|dir| dir.join("ccache").is_file())
            .then(|| CompilerCache {
                dir: cache.join("ccache"),
            })
    }

    /// The `CC=` kbuild gets: ccache in front of the compiler the build
    /// would use anyway. LLVM=1 builds use clang; GCC builds
    /// `$(CROSS_COMPILE)gcc`, which make expands from the CROSS_COMPILE
    /// kunit.py passes, so the compiler follows the arch's own setting.
    pub fn make_option(&self, llvm: bool) -> String {
        if llvm {
            "CC=ccache clang".to_string()
        } else {
            "CC=ccache $(CROSS_COMPILE)gcc".to_string()
        }
    }

    /// Points `cmd` (kunit.py, and the makes it starts) at this cache.
    pub fn configure(&self, cmd: &mut Command) {
        cmd.env("CCACHE_DIR", &self.dir)
            // Kernel objects of every flavour and arch fit; older ones go first.
            .env("CCACHE_MAXSIZE", "6G")
            // kbuild regenerates headers (and git rewrites them on a
            // switch) just before compiling: their mtimes say nothing, their
            // contents, which ccache hashes, do. That holds because no
            // header changes during a build: the tree's lock serialises
            // switches and builds. __DATE__ in a few files is cosmetic.
            .env(
                "CCACHE_SLOPPINESS",
                "include_file_mtime,include_file_ctime,time_macros",
            );
    }

    /// Zeroes the statistics, so that [`CompilerCache::hits`] counts one
    /// build (approximately, if another run shares the cache at once).
    pub fn zero_stats(&self) {
        let mut cmd = Command::new("ccache");
        self.configure(&mut cmd);
        let _ = cmd.arg("--zero-stats").output();
    }

    /// What the builds since [`CompilerCache::zero_stats`] took from the cache.
    pub fn hits(&self) -> Option<Hits> {
        let mut cmd = Command::new("ccache");
        self.configure(&mut cmd);
        let out = cmd.arg("--print-stats").output().ok()?;
        out.status
            .success()
            .then(|| parse_stats(&String::from_utf8_lossy(&out.stdout)))
    }
}

/// Reads `ccache --print-stats` (one `name<TAB>value` per line).
fn parse_stats(text: &str) -> Hits {
    let mut hits = Hits { hits: 0, misses: 0 };
    for line in text.lines() {
        let mut fields = line.split('\t');
        let (Some(name), Some(value)) = (fields.next(), fields.next()) else {
            continue;
        };
        let Ok(n) = value.trim().parse::<u64>() else {
            continue;
        };
        match name {
            "direct_cache_hit" | "preprocessed_cache_hit" => hits.hits += n,
            "cache_miss" => hits.misses += n,
            _ => {}
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_both_kinds_of_hit_and_the_misses() {
        let text = "stats_updated_timestamp\t1764662400\n\
                    direct_cache_hit\t1200\n\
                    preprocessed_cache_hit\t34\n\
                    cache_miss\t56\n\
                    compiler_check_failed\t0\n";
        assert_eq!(
            parse_stats(text),
            Hits {
                hits: 1234,
                misses: 56
            }
        );
    }

    #[test]
    fn the_compiler_is_the_one_the_build_would_use() {
        let cc = CompilerCache {
            dir: PathBuf::from("/c"),
        };
        assert_eq!(cc.make_option(false), "CC=ccache $(CROSS_COMPILE)gcc");
        assert_eq!(cc.make_option(true), "CC=ccache clang");
    }
}
