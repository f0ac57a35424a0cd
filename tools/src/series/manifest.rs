//! `patches/<series>/series.toml`: the series' base, revisions, Message-IDs,
//! changelogs and which timed loop each revision runs. Read into types with
//! serde; changed through `toml_edit`, so that comments and layout written
//! by people survive every edit the tool makes.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use toml_edit::{value, Array, ArrayOfTables, DocumentMut, Item, Table};

use crate::mail::message_id::MessageId;

/// The manifest's file name inside a series directory.
pub const FILE: &str = "series.toml";

/// The revision names every run and table knows: the unpatched bases
/// and the Android picks (`android/`).
pub use crate::kernel::checkout::{ANDROID, BASELINE, MAINLINE};

pub use crate::sources::Base;

/// The pre-patch loop, which the baseline runs.
pub const PRE_PATCH_LOOP: &str = "before";

/// `patches/<series>/series.toml`, as read.
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    /// Series name.
    pub name: String,
    /// Subject of the series.
    pub subject: String,
    /// Revisions so far.
    #[serde(default)]
    pub revision: Vec<ManifestRevision>,
    /// What `android/` holds.
    #[serde(default)]
    pub android: Option<ManifestAndroid>,
    /// How `patchctl kunit` runs the series.
    #[serde(default)]
    pub kunit: KunitSection,
    /// Measured revisions that were never posted: a revision with some of
    /// its patches left out, to show what those patches give.
    #[serde(default)]
    pub variant: Vec<ManifestVariant>,
    /// Every revision `patchctl am` found in the series' threads, with
    /// each patch's patch-id: the same id in two revisions is the same
    /// change.
    #[serde(default)]
    pub posted: Vec<PostedRevision>,
}

/// One `[[posted]]`: a revision as it was mailed.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct PostedRevision {
    /// Its version.
    pub version: u32,
    /// The Message-ID of its cover letter, or of its first patch.
    pub message_id: MessageId,
    /// When it was mailed (RFC 3339).
    #[serde(default)]
    pub date: String,
    /// Its patches, in order.
    #[serde(default)]
    pub patch: Vec<PostedPatch>,
}

/// A patch of a [`PostedRevision`].
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct PostedPatch {
    /// Its place in the series (1 is the first patch).
    pub index: u32,
    /// Its subject without the `[PATCH ...]` tag.
    pub title: String,
    /// The mail's Message-ID.
    pub message_id: MessageId,
    /// `git patch-id --stable` of its diff.
    #[serde(default)]
    pub patch_id: Option<String>,
    /// The patch of an earlier revision with the same patch-id
    /// (`v1 2/3`), when there is one.
    #[serde(default)]
    pub same_as: Option<String>,
}

/// `[kunit]`: which suite the runner places into the tree, what the
/// series adds to its kunitconfig, what `make kunit` runs and what the
/// series' table compares.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct KunitSection {
    /// The suite placed into every tree of the series (see
    /// `kernel::suite::Suite::named`); by default the kernel's own suites
    /// that cover the series' files (`kernel::checkout::KERNEL_SUITES`).
    #[serde(default = "default_suite")]
    pub suite: String,
    /// Lines added to the suite's kunitconfig, e.g. the series' own test.
    #[serde(default)]
    pub config: Vec<String>,
    /// The revisions `patchctl kunit` runs when none are named; empty:
    /// the newest revision's base and the newest revision (see
    /// [`Manifest::kunit_revisions`]).
    #[serde(default)]
    pub revisions: Vec<String>,
    /// The revisions `patchctl kunit --kasan` runs when none are named:
    /// each distinct code once.
    #[serde(default)]
    pub kasan: Vec<String>,
    /// The figures the series' table compares.
    #[serde(default)]
    pub table: TableKind,
}

impl Default for KunitSection {
    fn default() -> Self {
        KunitSection {
            suite: default_suite(),
            config: Vec::new(),
            revisions: Vec::new(),
            kasan: Vec::new(),
            table: TableKind::default(),
        }
    }
}

fn default_suite() -> String {
    crate::kernel::checkout::KERNEL_SUITES.into()
}

/// What a series' runs are compared by.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum TableKind {
    /// The page-array loops, the floor, `vmap()` alone and the whole path
    /// (a series that changes the conversion loop).
    #[default]
    Loops,
    /// The whole map only, beside the other series' revisions (a series
    /// that changes how the buffer is mapped, not the loop).
    WholeMap,
}

/// One `[[variant]]`: `revision`'s patches without those numbered in
/// `omit` (1 is the first patch after the cover letter).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ManifestVariant {
    /// Its name in runs and tables.
    pub name: String,
    /// The revision directory it comes from.
    pub revision: String,
    /// The patch numbers left out.
    pub omit: Vec<usize>,
    /// Why it is measured.
    #[serde(default)]
    pub why: Option<String>,
}

/// `[android]`: the picks in `android/`.
#[derive(Debug, Clone, Deserialize)]
pub struct ManifestAndroid {
    /// The revision picked (a revision's directory, e.g. `v1`).
    pub revision: String,
}

/// One `[[revision]]`.
#[derive(Debug, Clone, Deserialize)]
pub struct ManifestRevision {
    /// 1, 2, ...
    pub version: u32,
    /// Directory beside the manifest.
    pub directory: String,
    /// The posting's Message-ID, once posted.
    #[serde(default)]
    pub message_id: Option<MessageId>,
    /// The review thread of this revision, an mbox beside the manifest.
    #[serde(default)]
    pub thread: Option<String>,
    /// Changelog lines of this revision.
    #[serde(default)]
    pub changes: Vec<String>,
    /// Which of the KUnit-timed loops its system_heap_do_vmap() runs.
    #[serde(default, rename = "loop")]
    pub timed_loop: Option<String>,
    /// The kernel it is based on (`base = "mainline"`; 6.12 when absent).
    #[serde(default)]
    pub base: Base,
    /// The commit the mails say they apply to (their `base-commit:`
    /// line), for a revision `patchctl am` brought in.
    #[serde(default)]
    pub base_commit: Option<String>,
    /// What `git apply --check` said of the revision on the workspace's
    /// base, when the mails named no base commit.
    #[serde(default)]
    pub base_check: Option<String>,
    /// Ready to send (`ready = true`): `make test` runs `patchctl check
    /// --ready`, which fails unless the revision passes the gate.
    #[serde(default)]
    pub ready: bool,
    /// Lines this revision (and each variant of it) adds to the suite's
    /// kunitconfig after `[kunit] config`: a test of its own that only
    /// its patches add (kunit.py refuses an option the tree lacks).
    #[serde(default)]
    pub kunit_config: Vec<String>,
}

/// A new `[[revision]]` to record.
#[derive(Debug, Clone)]
pub struct NewRevision {
    /// Its version.
    pub version: u32,
    /// Its directory beside the manifest.
    pub directory: String,
    /// Which timed loop it runs, if known.
    pub timed_loop: Option<String>,
    /// Its changelog.
    pub changes: Vec<String>,
    /// The kernel it is based on.
    pub base: Base,
}

impl Manifest {
    /// Reads `dir/series.toml`.
    pub fn load(dir: &Path) -> Result<Manifest> {
        let path = dir.join(FILE);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Manifest::parse(&text, &path)
    }

    /// Parses a manifest's text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Manifest> {
        toml::from_str(text).with_context(|| {
            format!(
                "{} is not a series manifest: expected name, subject and [[revision]] entries",
                path.display()
            )
        })
    }

    /// The newest revision.
    pub fn latest(&self) -> Option<&ManifestRevision> {
        self.revision.iter().max_by_key(|r| r.version)
    }

    /// The revisions `patchctl kunit` runs when none are named: the
    /// `[kunit] revisions` list, else the unpatched base of the newest
    /// revision and that revision (a series brought in by `patchctl am`
    /// has no list: its base against it is the question).
    pub fn kunit_revisions(&self) -> Vec<String> {
        if !self.kunit.revisions.is_empty() {
            return self.kunit.revisions.clone();
        }
        match self.latest() {
            Some(r) => {
                let base = match r.base {
                    Base::Mainline => MAINLINE,
                    Base::Android => BASELINE,
                };
                vec![base.to_string(), r.directory.clone()]
            }
            None => vec![BASELINE.to_string()],
        }
    }

    /// The variant named `name`.
    pub fn variant(&self, name: &str) -> Option<&ManifestVariant> {
        self.variant.iter().find(|v| v.name == name)
    }

    /// The base `revision` (a run's name: a revision's directory, a
    /// variant, `baseline`, `mainline`, `android`) is built on.
    pub fn base_of(&self, revision: &str) -> Base {
        if revision == MAINLINE {
            return Base::Mainline;
        }
        let directory = self
            .variant(revision)
            .map_or(revision, |v| v.revision.as_str());
        self.revision(directory).map_or(Base::Android, |r| r.base)
    }

    /// What `revision` (a run's name) adds to the suite's kunitconfig:
    /// `[kunit] config`, then its own revision's `kunit_config` (a
    /// variant's: the revision it comes from).
    pub fn kunit_config_of(&self, revision: &str) -> Vec<String> {
        let directory = self
            .variant(revision)
            .map_or(revision, |v| v.revision.as_str());
        let own = self.revision(directory).map(|r| r.kunit_config.as_slice());
        [self.kunit.config.as_slice(), own.unwrap_or_default()].concat()
    }

    /// The revision whose directory is `directory`.
    pub fn revision(&self, directory: &str) -> Option<&ManifestRevision> {
        self.revision.iter().find(|r| r.directory == directory)
    }

    /// Which timed loop `revision`'s system_heap_do_vmap() runs: the
    /// pre-patch walk for the baseline, the picked revision's for the
    /// Android picks, else what the revision's `loop` says.
    pub fn own_loop(&self, revision: &str) -> Option<String> {
        if revision == BASELINE || revision == MAINLINE {
            return Some(PRE_PATCH_LOOP.into());
        }
        let revision = match (&self.android, revision) {
            (Some(a), ANDROID) => a.revision.as_str(),
            _ => revision,
        };
        self.revision(revision).and_then(|r| r.timed_loop.clone())
    }
}

/// The manifest as a document to change and write back.
pub struct ManifestFile {
    path: PathBuf,
    doc: DocumentMut,
}

impl ManifestFile {
    /// Opens `dir/series.toml`; it must be a valid manifest.
    pub fn open(dir: &Path) -> Result<ManifestFile> {
        let path = dir.join(FILE);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Manifest::parse(&text, &path)?;
        let doc = text
            .parse::<DocumentMut>()
            .with_context(|| format!("{} is not TOML", path.display()))?;
        Ok(ManifestFile { path, doc })
    }

    /// A manifest not yet on disk, for a series `patchctl am` brings in:
    /// `header` (comment lines), then its name and subject.
    pub fn new_series(dir: &Path, header: &str, name: &str, subject: &str) -> ManifestFile {
        let mut doc = DocumentMut::new();
        doc["name"] = value(name);
        doc["subject"] = value(subject);
        doc.decor_mut().set_prefix(header);
        ManifestFile {
            path: dir.join(FILE),
            doc,
        }
    }

    /// Appends `table` to the array of tables `key` (`[[key]]`), made
    /// when missing; `comment` (lines starting `#`) goes above it.
    pub fn push_table(&mut self, key: &str, mut table: Table, comment: &str) -> Result<()> {
        let tables = self
            .doc
            .entry(key)
            .or_insert(Item::ArrayOfTables(ArrayOfTables::new()));
        let Some(tables) = tables.as_array_of_tables_mut() else {
            bail!(
                "{}: `{key}` must be an array of tables ([[{key}]])",
                self.path.display()
            );
        };
        table.decor_mut().set_prefix(format!("\n{comment}"));
        tables.push(table);
        Ok(())
    }

    /// Where it is read from and written to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a `[[revision]]` (no Message-ID until posted).
    pub fn add_revision(&mut self, new: &NewRevision) -> Result<()> {
        let revisions = self
            .doc
            .entry("revision")
            .or_insert(Item::ArrayOfTables(ArrayOfTables::new()));
        let Some(revisions) = revisions.as_array_of_tables_mut() else {
            bail!(
                "{}: `revision` must be an array of tables ([[revision]])",
                self.path.display()
            );
        };
        let mut table = Table::new();
        table["version"] = value(i64::from(new.version));
        table["directory"] = value(new.directory.as_str());
        if let Some(l) = &new.timed_loop {
            table["loop"] = value(l.as_str());
        }
        if new.base != Base::Android {
            table["base"] = value(new.base.name());
        }
        let mut changes = Array::new();
        for c in &new.changes {
            changes.push_formatted(toml_edit::Value::from(c.as_str()).decorated("\n  ", ""));
        }
        changes.set_trailing("\n");
        changes.set_trailing_comma(true);
        table["changes"] = value(changes);
        revisions.push(table);
        Ok(())
    }

    /// Records which revision the picks in `android/` come from.
    pub fn set_android_revision(&mut self, revision: &str) {
        let android = self.doc.entry(ANDROID).or_insert(Item::Table(Table::new()));
        android["revision"] = value(revision);
    }

    /// The document as it would be written.
    pub fn render(&self) -> String {
        self.doc.to_string()
    }

    /// Writes the document back (through a temporary file and a rename).
    pub fn save(&self) -> Result<()> {
        crate::util::write_atomically(&self.path, self.render().as_bytes())
    }

    /// Writes the document beside the manifest, to be renamed over it
    /// later (the caller's commit point).
    pub fn save_pending(&self, pending: &Path) -> Result<()> {
        std::fs::write(pending, self.render())
            .with_context(|| format!("cannot write {}", pending.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# A comment people wrote.\nname = \"s\"\nsubject = \"x: y\"\n\n\
        [[revision]]\nversion = 1 # posted\ndirectory = \"v1\"\nloop = \"v1\"\nchanges = []\n";

    fn file(text: &str) -> (PathBuf, ManifestFile) {
        let dir = std::env::temp_dir().join(format!(
            "patchctl-manifest-{}-{}",
            std::process::id(),
            text.len()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(FILE), text).unwrap();
        let f = ManifestFile::open(&dir).unwrap();
        (dir, f)
    }

    #[test]
    fn edits_keep_comments_and_read_back() {
        let (dir, mut f) = file(TEXT);
        f.add_revision(&NewRevision {
            version: 2,
            directory: "v2".into(),
            timed_loop: Some("bounded".into()),
            changes: vec!["one \"quoted\" change".into(), "two".into()],
            base: Base::Mainline,
        })
        .unwrap();
        f.set_android_revision("v1");
        f.save().unwrap();
        let text = std::fs::read_to_string(dir.join(FILE)).unwrap();
        assert!(text.starts_with("# A comment people wrote.\n"), "{text}");
        assert!(text.contains("version = 1 # posted"), "{text}");
        let m = Manifest::load(&dir).unwrap();
        assert_eq!(m.latest().unwrap().changes[0], "one \"quoted\" change");
        assert_eq!(m.own_loop("v2").as_deref(), Some("bounded"));
        assert_eq!(m.own_loop("android").as_deref(), Some("v1"));
        assert_eq!(m.own_loop("baseline").as_deref(), Some("before"));
        assert_eq!(m.base_of("v2"), Base::Mainline);
        assert_eq!(m.base_of("v1"), Base::Android);
        assert_eq!(m.base_of(MAINLINE), Base::Mainline);
        assert_eq!(m.base_of(BASELINE), Base::Android);
        assert!(text.contains("base = \"mainline\""), "{text}");
        assert_eq!(m.kunit, KunitSection::default());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_kunit_section_and_variants_read() {
        let text = format!(
            "{TEXT}\n[kunit]\nsuite = \"system-heap\"\nconfig = [\"CONFIG_X=y\"]\n\
             revisions = [\"v1\", \"v1-less\"]\ntable = \"whole-map\"\n\n\
             [[variant]]\nname = \"v1-less\"\nrevision = \"v1\"\nomit = [2]\n"
        );
        let m = Manifest::parse(&text, Path::new("series.toml")).unwrap();
        assert_eq!(m.kunit.table, TableKind::WholeMap);
        assert_eq!(m.kunit.config, ["CONFIG_X=y"]);
        assert_eq!(m.variant("v1-less").unwrap().omit, [2]);
        let bad = format!("{TEXT}\n[kunit]\ntable = \"charts\"\n");
        let err = format!(
            "{:#}",
            Manifest::parse(&bad, Path::new("series.toml")).unwrap_err()
        );
        assert!(err.contains("charts"), "{err}");
    }

    #[test]
    fn a_revision_adds_its_own_test_to_the_series_config_and_its_variants_inherit_it() {
        let text = format!(
            "{TEXT}kunit_config = [\"CONFIG_V1_TEST=y\"]\n\n\
             [[revision]]\nversion = 2\ndirectory = \"v2\"\nkunit_config = [\"CONFIG_V2_TEST=y\"]\n\n\
             [kunit]\nconfig = [\"CONFIG_X=y\"]\n\n\
             [[variant]]\nname = \"v2-less\"\nrevision = \"v2\"\nomit = [2]\n"
        );
        let m = Manifest::parse(&text, Path::new("series.toml")).unwrap();
        assert_eq!(m.kunit_config_of("v1"), ["CONFIG_X=y", "CONFIG_V1_TEST=y"]);
        assert_eq!(m.kunit_config_of("v2"), ["CONFIG_X=y", "CONFIG_V2_TEST=y"]);
        assert_eq!(
            m.kunit_config_of("v2-less"),
            ["CONFIG_X=y", "CONFIG_V2_TEST=y"]
        );
        // The unpatched kernels have no revision's test.
        assert_eq!(m.kunit_config_of(MAINLINE), ["CONFIG_X=y"]);
        assert_eq!(m.kunit_config_of(BASELINE), ["CONFIG_X=y"]);
    }

    #[test]
    fn message_ids_read_as_message_ids() {
        let text = format!(
            "{TEXT}message_id = \"<v1@x>\"\n\n[[posted]]\nversion = 1\nmessage_id = \"v1@x\"\n\
             patch = [{{ index = 1, title = \"t\", message_id = \" <p1@x> \" }}]\n"
        );
        let m = Manifest::parse(&text, Path::new("series.toml")).unwrap();
        // The brackets a hand-written entry may carry are not part of it.
        assert_eq!(m.revision[0].message_id, Some(MessageId::from("v1@x")));
        assert_eq!(m.posted[0].message_id, "v1@x");
        assert_eq!(m.posted[0].patch[0].message_id, "p1@x");
    }

    #[test]
    fn a_broken_manifest_names_the_file() {
        let dir =
            std::env::temp_dir().join(format!("patchctl-manifest-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(FILE), "name = 3\n").unwrap();
        let err = format!("{:#}", ManifestFile::open(&dir).err().unwrap());
        assert!(
            err.contains("series.toml is not a series manifest"),
            "{err}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
