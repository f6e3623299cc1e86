//! Atomic output: a run writes into a staging folder beside its output folder, and the two are
//! swapped in one rename only when every file is written. A failure, a panic or Ctrl-C before
//! that leaves the previous output exactly as it was, and no staging folder behind.
//!
//! A study (run, merge, sweep, sensitivity) replaces every file an earlier study wrote there,
//! because its tables, charts and shard files describe one study and a file left from another
//! would be read as part of it; `calibrate` and `trace` replace only what they write. Every
//! other entry is kept: those two commands' outputs, the repository's README.md. A manifest
//! (`.capsim-manifest`) lists the files capsim wrote there, so that a later run knows which
//! files are capsim's: it refuses a folder holding anything else (beyond `README.md`, `.gitkeep`
//! and `.gitignore`) unless forced.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use anyhow::{Context, Result};

/// The file, in an output folder, that lists the files a run wrote.
pub const MANIFEST: &str = ".capsim-manifest";
/// Files an output folder may hold that capsim did not write and always keeps.
pub const KEPT: [&str; 3] = ["README.md", ".gitkeep", ".gitignore"];
/// Foreign entries named in an error before "and N more".
const NAMED_FOREIGN: usize = 5;

/// Staging folders not yet published; a publish holds the lock while it swaps, so that an
/// interrupt waits for it and finds the output either old or new, never between.
static ACTIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn active() -> MutexGuard<'static, Vec<PathBuf>> {
    ACTIVE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What a publish replaces of the files earlier capsim commands wrote in the output folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replaces {
    /// The whole earlier study: its files that this run does not write again are removed.
    /// What `calibrate` and `trace` wrote stays.
    Study,
    /// Only the files this command writes (`calibrate`, `trace`).
    Written,
}

/// Whether a top-level entry is the output of a command that stands beside a study
/// (`calibrate`, `trace`), which a new study keeps.
fn stands_beside_a_study(name: &str) -> bool {
    name == super::CALIBRATION_CSV
        || (name.starts_with(super::TRACE_CSV_PREFIX) && name.ends_with(".csv"))
}

/// Why an output folder cannot be used; the user must pick another or say `--force`.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The folder holds files that no capsim run wrote, and `--force` was not given.
    #[error(
        "{} holds files capsim did not write ({}): choose another --out, or pass --force to \
         write there anyway (capsim then writes its files beside these and keeps them)",
        dir.display(), names.join(", ")
    )]
    Foreign {
        /// The output folder.
        dir: PathBuf,
        /// Some of the foreign entries (folders end in `/`).
        names: Vec<String>,
    },
    /// The output path exists but is a file.
    #[error("--out {}: exists and is not a folder", path.display())]
    NotAFolder {
        /// The path given.
        path: PathBuf,
    },
    /// A parent of the output path exists but is a file, so the folder cannot be made.
    #[error("--out {}: {} exists and is not a folder", path.display(), file.display())]
    ParentNotAFolder {
        /// The path given.
        path: PathBuf,
        /// The parent that is a file.
        file: PathBuf,
    },
    /// The output folder does not exist and cannot be made: a parent that is read-only or not
    /// a real folder (`/proc`), a name too long.
    #[error("--out {}: cannot create this folder", path.display())]
    CannotCreate {
        /// The path given.
        path: PathBuf,
        /// Why, as the system says it.
        source: io::Error,
    },
    /// The folder beside the output, where capsim writes before swapping it in, cannot be
    /// made: the output's parent is read-only, or the output's name is too long for one more.
    /// The message names the path alone, not `--out`: `plot DIR` stages its folder too.
    #[error(
        "{}: cannot write beside it in {} ({})",
        path.display(), parent.display(), cannot_stage_why(source)
    )]
    CannotStage {
        /// The path given.
        path: PathBuf,
        /// The output folder's parent (resolved).
        parent: PathBuf,
        /// Why, as the system says it.
        source: io::Error,
    },
    /// The output folder is the current folder or one of its parents, which a swap would move.
    #[error(
        "{}: is the current folder or holds it, and capsim replaces the folder it writes as a \
         whole: run capsim from outside it, or write to a folder of its own such as output/",
        path.display()
    )]
    HoldsCurrentFolder {
        /// The path given.
        path: PathBuf,
    },
}

/// Says why a staging folder could not be made beside the output, and what to do.
fn cannot_stage_why(source: &io::Error) -> &'static str {
    if source.kind() == io::ErrorKind::InvalidFilename {
        "capsim writes a new folder there named after this one and up to 24 bytes longer, and \
         swaps it in, so the name must be that much shorter than the limit: choose a shorter \
         name"
    } else {
        "capsim writes a new folder there and swaps it in, so the parent must be writable"
    }
}

/// A staging folder beside the output folder; `publish` swaps it into place.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
    replaces: Replaces,
    /// The outermost folder of `target` that this run created, removed again (if still empty)
    /// when the run fails, so that bad input leaves no empty output folder behind.
    created: Option<PathBuf>,
}

impl Staging {
    /// Prepares to write the folder `given`, refusing one that holds files capsim did not
    /// write; with `force`, writes even where they are (and keeps them). Creates the folder
    /// (empty) if needed and removes staging folders that killed runs left beside it.
    pub fn with_force(given: &Path, force: bool, replaces: Replaces) -> Result<Self> {
        let created = outermost_missing(given);
        let target = resolve(given, created.as_deref())?;
        let created = created.and_then(|folder| fs::canonicalize(folder).ok());
        let foreign = foreign_entries(&target)?;
        if !foreign.is_empty() && !force {
            let mut names: Vec<String> = foreign.iter().take(NAMED_FOREIGN).cloned().collect();
            if foreign.len() > NAMED_FOREIGN {
                names.push(format!("and {} more", foreign.len() - NAMED_FOREIGN));
            }
            return Err(OutputError::Foreign { dir: target, names }.into());
        }
        let (parent, name) = split(&target)?;
        clean_stale(parent, name);
        let dir = parent.join(format!(".{name}.capsim-staging-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).with_context(|| format!("cannot clear {}", dir.display()))?;
        }
        if let Err(source) = fs::create_dir(&dir) {
            if let Some(outermost) = &created {
                remove_created(&target, outermost);
            }
            // A folder the user chose badly; a full or failing disk is the tool's failure.
            use io::ErrorKind::{InvalidFilename, PermissionDenied, ReadOnlyFilesystem};
            if matches!(
                source.kind(),
                InvalidFilename | PermissionDenied | ReadOnlyFilesystem
            ) {
                return Err(OutputError::CannotStage {
                    path: given.to_path_buf(),
                    parent: parent.to_path_buf(),
                    source,
                }
                .into());
            }
            return Err(anyhow::Error::new(source))
                .with_context(|| format!("cannot create {}", dir.display()));
        }
        active().push(dir.clone());
        Ok(Self {
            dir,
            target,
            replaces,
            created,
        })
    }

    /// Returns the staging folder, where files are written.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Returns the output folder it replaces, resolved (absolute, links followed).
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Brings over every file of the output folder that this run does not write (less an
    /// earlier study's files when this is a study: see `Replaces`), writes the manifest, and
    /// swaps the staging folder with the output folder in one rename; then removes the
    /// previous output.
    pub fn publish(mut self) -> Result<()> {
        let mut active = active();
        let mut files = Vec::new();
        list_files(&self.dir, "", &mut files)
            .with_context(|| format!("cannot list {}", self.dir.display()))?;
        let previous: BTreeSet<String> = manifest_lines(&self.target).into_iter().collect();
        self.keep("", &previous, &mut files)?;
        write_manifest(&self.dir, files)?;
        let old = swap(&self.dir, &self.target)
            .with_context(|| format!("cannot move the output into {}", self.target.display()))?;
        active.retain(|d| d != &self.dir);
        drop(active);
        self.created = None;
        // The previous output (dropping `self` removes it too when the swap exchanged the two);
        // if it cannot be removed now, a later run removes it as stale.
        let _ = fs::remove_dir_all(&old);
        Ok(())
    }

    /// Brings over the entries of the output folder's subfolder `prefix` (`""` or ending in
    /// `/`) that `publish` keeps, file by file, so that a file of the user's inside a folder
    /// capsim writes (charts/) is kept too; adds those an earlier run wrote to `files`, as they
    /// stay capsim's. Returns whether it kept anything.
    fn keep(
        &self,
        prefix: &str,
        previous: &BTreeSet<String>,
        files: &mut Vec<String>,
    ) -> Result<bool> {
        let from = self.target.join(prefix);
        let mut kept_any = false;
        for entry in
            fs::read_dir(&from).with_context(|| format!("cannot read {}", from.display()))?
        {
            let entry = entry?;
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            let to = self.dir.join(&name);
            let written = fs::symlink_metadata(&to).ok();
            if name == MANIFEST {
                continue;
            }
            if entry.file_type()?.is_dir() {
                // A file this run writes in its place wins.
                if written.as_ref().is_some_and(|meta| !meta.is_dir()) {
                    continue;
                }
                if written.is_none() {
                    fs::create_dir(&to)
                        .with_context(|| format!("cannot create {}", to.display()))?;
                }
                let kept = self.keep(&format!("{name}/"), previous, files)?;
                let was_empty = fs::read_dir(entry.path())?.next().is_none();
                if written.is_none() && !kept && !was_empty {
                    fs::remove_dir(&to)?; // it held only an earlier study's files
                }
                kept_any |= kept || was_empty;
                continue;
            }
            if written.is_some() {
                continue; // this run writes it again
            }
            let capsims = previous.contains(&name);
            if capsims && self.replaces == Replaces::Study && !stands_beside_a_study(&name) {
                continue; // part of an earlier study: it goes with the previous output
            }
            // Hard links: the kept files stay in the old folder until the swap succeeds.
            link_file(&entry.path(), &to).with_context(|| {
                format!("cannot keep {} in the new output", entry.path().display())
            })?;
            if capsims {
                files.push(name);
            }
            kept_any = true;
        }
        Ok(kept_any)
    }
}

impl Drop for Staging {
    /// A staging folder not published (an error, a panic) is removed.
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
        active().retain(|d| d != &self.dir);
        if let Some(outermost) = &self.created {
            remove_created(&self.target, outermost);
        }
    }
}

/// Removes every staging folder not yet published, waiting for a publish in progress, and
/// blocks publishing for good: called on Ctrl-C just before the process exits.
pub fn abandon_all() {
    let mut active = active();
    for dir in active.drain(..) {
        let _ = fs::remove_dir_all(&dir);
    }
    std::mem::forget(active);
}

/// Returns the outermost of `target` and its parents that does not exist yet (absolute), if any.
fn outermost_missing(target: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(target).ok()?;
    absolute
        .ancestors()
        .take_while(|folder| !folder.exists())
        .last()
        .map(Path::to_path_buf)
}

/// Removes the empty folders from `folder` up to `outermost`, which this run created (empty
/// ones only: `remove_dir`), passing over those it did not get as far as creating.
fn remove_created(folder: &Path, outermost: &Path) {
    for folder in folder.ancestors().take_while(|f| f.starts_with(outermost)) {
        if folder.exists() && fs::remove_dir(folder).is_err() {
            break;
        }
    }
}

/// Returns the absolute, symlink-free path of the output folder, creating it if needed;
/// `created` is the outermost folder of it that does not exist yet.
fn resolve(target: &Path, created: Option<&Path>) -> Result<PathBuf> {
    match fs::metadata(target) {
        Ok(meta) if !meta.is_dir() => {
            return Err(OutputError::NotAFolder {
                path: target.to_path_buf(),
            }
            .into());
        }
        Ok(_) => {}
        Err(_) => {
            let existing = target.ancestors().skip(1).find(|folder| folder.exists());
            if let Some(file) = existing.filter(|folder| !folder.is_dir()) {
                return Err(OutputError::ParentNotAFolder {
                    path: target.to_path_buf(),
                    file: file.to_path_buf(),
                }
                .into());
            }
            if let Err(source) = fs::create_dir_all(target) {
                // It may have made some parents before failing: bad input leaves nothing.
                if let (Some(outermost), Ok(folder)) = (created, std::path::absolute(target)) {
                    remove_created(&folder, outermost);
                }
                return Err(OutputError::CannotCreate {
                    path: target.to_path_buf(),
                    source,
                }
                .into());
            }
        }
    }
    let resolved = fs::canonicalize(target)
        .with_context(|| format!("cannot resolve output folder {}", target.display()))?;
    let here = std::env::current_dir().and_then(fs::canonicalize);
    if here.is_ok_and(|here| here.starts_with(&resolved)) {
        return Err(OutputError::HoldsCurrentFolder {
            path: target.to_path_buf(),
        }
        .into());
    }
    Ok(resolved)
}

fn split(target: &Path) -> Result<(&Path, &str)> {
    let parent = target.parent();
    let name = target.file_name().and_then(|n| n.to_str());
    match (parent, name) {
        (Some(parent), Some(name)) => Ok((parent, name)),
        _ => Err(OutputError::HoldsCurrentFolder {
            path: target.to_path_buf(),
        }
        .into()),
    }
}

/// Returns the files a previous run's manifest lists.
fn manifest_lines(target: &Path) -> Vec<String> {
    let text = fs::read_to_string(target.join(MANIFEST)).unwrap_or_default();
    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Returns the entries of `target` that capsim neither wrote nor keeps by design: files the
/// manifest does not list, and folders holding none that it does (named whole, ending in `/`).
fn foreign_entries(target: &Path) -> Result<Vec<String>> {
    let owned: BTreeSet<String> = manifest_lines(target).into_iter().collect();
    let mut foreign = Vec::new();
    collect_foreign(target, "", &owned, &mut foreign)?;
    foreign.sort();
    Ok(foreign)
}

/// Adds the foreign entries of `target`'s subfolder `prefix` (see `foreign_entries`).
fn collect_foreign(
    target: &Path,
    prefix: &str,
    owned: &BTreeSet<String>,
    foreign: &mut Vec<String>,
) -> Result<()> {
    let dir = target.join(prefix);
    for entry in fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry?;
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if prefix.is_empty() && (name == MANIFEST || KEPT.contains(&name.as_str())) {
            continue;
        }
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            let inside = format!("{name}/");
            let holds_owned = (owned.range(inside.clone()..).next())
                .is_some_and(|line| line.starts_with(&inside));
            if holds_owned {
                collect_foreign(target, &inside, owned, foreign)?;
            } else {
                foreign.push(inside);
            }
        } else if !owned.contains(&name) {
            foreign.push(name);
        }
    }
    Ok(())
}

/// Writes `files` (relative, `/`-separated) into `dir`'s manifest, sorted.
fn write_manifest(dir: &Path, mut files: Vec<String>) -> Result<()> {
    files.sort();
    files.dedup();
    let mut text = format!(
        "# Written by capsim {}: the files capsim wrote in this folder, each complete. A later\n\
         # study (run, merge, sweep, sensitivity) replaces all but calibrate's and trace's files;\n\
         # calibrate, trace and plot replace only their own.\n",
        env!("CARGO_PKG_VERSION")
    );
    for file in files {
        text.push_str(&file);
        text.push('\n');
    }
    let path = dir.join(MANIFEST);
    fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
}

fn list_files(dir: &Path, prefix: &str, files: &mut Vec<String>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.file_type()?.is_dir() {
            list_files(&entry.path(), &format!("{name}/"), files)?;
        } else {
            files.push(name);
        }
    }
    Ok(())
}

/// Recreates the file or link `from` at `to`: a hard link (a copy where links fail), or a
/// copy of the link.
fn link_file(from: &Path, to: &Path) -> io::Result<()> {
    if fs::symlink_metadata(from)?.file_type().is_symlink() {
        copy_symlink(from, to)
    } else {
        fs::hard_link(from, to).or_else(|_| fs::copy(from, to).map(|_| ()))
    }
}

#[cfg(unix)]
fn copy_symlink(from: &Path, to: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(fs::read_link(from)?, to)
}

#[cfg(not(unix))]
fn copy_symlink(from: &Path, to: &Path) -> io::Result<()> {
    fs::copy(from, to).map(|_| ())
}

/// Puts `staging` in place of `target`; returns where the previous output now is.
fn swap(staging: &Path, target: &Path) -> io::Result<PathBuf> {
    #[cfg(target_os = "linux")]
    match exchange(staging, target) {
        Ok(()) => return Ok(staging.to_path_buf()),
        // Filesystems without RENAME_EXCHANGE: two renames, undone if the second fails.
        Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) => {}
        Err(e) => return Err(e),
    }
    let aside = staging.with_file_name(
        staging
            .file_name()
            .map(|n| {
                n.to_string_lossy()
                    .replace("capsim-staging-", "capsim-old-")
            })
            .unwrap_or_default(),
    );
    fs::rename(target, &aside)?;
    if let Err(e) = fs::rename(staging, target) {
        let _ = fs::rename(&aside, target);
        return Err(e);
    }
    Ok(aside)
}

/// Swaps two paths in one system call (Linux's `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
    };
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both pointers are valid NUL-terminated strings that outlive the call.
    let status = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if status == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Removes staging and old-output folders that runs no longer alive left beside `name`.
fn clean_stale(parent: &Path, name: &str) {
    let prefix = format!(".{name}.capsim-");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let pid = file_name
            .strip_prefix(&prefix)
            .and_then(|rest| {
                rest.strip_prefix("staging-")
                    .or_else(|| rest.strip_prefix("old-"))
            })
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = pid
            && pid != std::process::id()
            && !alive(pid)
        {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Returns whether process `pid` exists (true when unsure).
#[cfg(unix)]
fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    if pid <= 0 {
        return true;
    }
    // SAFETY: signal 0 sends nothing; kill only checks that the process exists.
    let status = unsafe { libc::kill(pid, 0) };
    status == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn alive(_pid: u32) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::CALIBRATION_CSV;

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn publish(target: &Path, files: &[(&str, &str)], force: bool) -> Result<()> {
        publish_as(target, files, force, Replaces::Written)
    }

    fn publish_as(
        target: &Path,
        files: &[(&str, &str)],
        force: bool,
        replaces: Replaces,
    ) -> Result<()> {
        let staging = Staging::with_force(target, force, replaces)?;
        for (name, text) in files {
            write(&staging.path().join(name), text);
        }
        staging.publish()
    }

    #[test]
    fn a_study_drops_an_earlier_studys_files_but_not_a_calibration_or_trace() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("output");
        let earlier = [
            ("a.csv", "1"),
            ("charts/x.svg", "x"),
            (CALIBRATION_CSV, "c"),
        ];
        publish_as(&out, &earlier, false, Replaces::Study).unwrap();
        publish_as(&out, &[("trace-r-0.csv", "t")], false, Replaces::Written).unwrap();
        publish_as(&out, &[("b.csv", "2")], false, Replaces::Study).unwrap();
        let mut names: Vec<String> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [MANIFEST, "b.csv", CALIBRATION_CSV, "trace-r-0.csv"]);
    }

    #[test]
    fn a_command_replaces_what_it_writes_and_keeps_the_rest() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("output");
        write(&out.join("README.md"), "kept");
        publish(&out, &[("a.csv", "1"), ("charts/x.svg", "x")], false).unwrap();
        publish(&out, &[("a.csv", "2"), ("b.csv", "2")], false).unwrap();
        let mut names: Vec<String> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [MANIFEST, "README.md", "a.csv", "b.csv", "charts"]);
        assert_eq!(fs::read_to_string(out.join("README.md")).unwrap(), "kept");
        assert_eq!(fs::read_to_string(out.join("a.csv")).unwrap(), "2");
        assert!(
            fs::read_to_string(out.join(MANIFEST))
                .unwrap()
                .ends_with("\na.csv\nb.csv\ncharts/x.svg\n")
        );
        // Nothing is left beside the output folder.
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn foreign_files_are_refused_unless_forced_and_then_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("output");
        write(&out.join("notes.txt"), "mine");
        write(&out.join("data/x"), "mine too");
        let error = publish(&out, &[("a.csv", "1")], false).unwrap_err();
        assert!(error.to_string().contains("(data/, notes.txt)"), "{error}");
        assert!(!out.join("a.csv").exists());
        publish(&out, &[("a.csv", "1")], true).unwrap();
        publish(&out, &[("a.csv", "2")], true).unwrap();
        assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
        assert_eq!(fs::read_to_string(out.join("data/x")).unwrap(), "mine too");
        assert_eq!(fs::read_to_string(out.join("a.csv")).unwrap(), "2");
        // The manifest never claims the user's files.
        let manifest = fs::read_to_string(out.join(MANIFEST)).unwrap();
        assert!(!manifest.contains("notes.txt") && !manifest.contains("data/"));
    }

    #[test]
    fn a_users_file_inside_a_folder_capsim_writes_is_foreign_and_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("output");
        let study = [("a.csv", "1"), ("charts/x.svg", "x"), ("charts/y.svg", "y")];
        publish_as(&out, &study, false, Replaces::Study).unwrap();
        write(&out.join("charts/mine.png"), "mine");
        write(&out.join("charts/notes/n.txt"), "mine too");
        let error = publish_as(&out, &study, false, Replaces::Study).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("(charts/mine.png, charts/notes/)"),
            "{error}"
        );
        // Forced, a new study keeps them and drops the earlier study's chart it does not draw.
        let next = [("a.csv", "2"), ("charts/x.svg", "x2")];
        publish_as(&out, &next, true, Replaces::Study).unwrap();
        assert_eq!(
            fs::read_to_string(out.join("charts/mine.png")).unwrap(),
            "mine"
        );
        assert_eq!(
            fs::read_to_string(out.join("charts/notes/n.txt")).unwrap(),
            "mine too"
        );
        assert_eq!(fs::read_to_string(out.join("charts/x.svg")).unwrap(), "x2");
        assert!(!out.join("charts/y.svg").exists());
        let manifest = fs::read_to_string(out.join(MANIFEST)).unwrap();
        assert!(manifest.ends_with("\na.csv\ncharts/x.svg\n"), "{manifest}");
    }

    #[test]
    fn a_folder_left_with_only_an_earlier_studys_files_goes_with_them() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("output");
        publish_as(
            &out,
            &[("a.csv", "1"), ("shard/s.json", "s")],
            false,
            Replaces::Study,
        )
        .unwrap();
        fs::create_dir(out.join("empty")).unwrap();
        publish_as(&out, &[("a.csv", "2")], true, Replaces::Study).unwrap();
        assert!(!out.join("shard").exists());
        // A folder of the user's that was empty stays.
        assert!(out.join("empty").is_dir());
    }

    #[test]
    fn an_unpublished_staging_folder_leaves_the_old_output_as_it_was() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("output");
        publish(&out, &[("a.csv", "old")], false).unwrap();
        {
            let staging = Staging::with_force(&out, false, Replaces::Study).unwrap();
            write(&staging.path().join("a.csv"), "half");
        }
        assert_eq!(fs::read_to_string(out.join("a.csv")).unwrap(), "old");
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn stale_staging_of_dead_processes_is_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("output");
        // PIDs above the kernel's maximum (4,194,304) belong to no process.
        let stale = tmp.path().join(".output.capsim-staging-4999999");
        write(&stale.join("a.csv"), "half");
        let other = tmp.path().join(".elsewhere.capsim-staging-4999999");
        write(&other.join("a.csv"), "not ours to judge");
        publish(&out, &[("a.csv", "1")], false).unwrap();
        assert!(!stale.exists());
        assert!(other.exists());
    }

    #[test]
    fn a_folder_with_no_room_beside_it_is_an_output_error_and_leaves_nothing() {
        // The staging folder's name is the output's and ~25 bytes more: an output named with
        // 240 of the 255 bytes a name may have is made, but nothing can be written beside it,
        // as with a read-only parent (which root, running the tests, would not see).
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("new").join("x".repeat(240));
        let error = Staging::with_force(&out, false, Replaces::Study).unwrap_err();
        let error = error
            .downcast_ref::<OutputError>()
            .expect("an output error");
        assert!(matches!(error, OutputError::CannotStage { .. }), "{error}");
        // The name is the trouble, not the parent, which is writable.
        let message = error.to_string();
        assert!(message.contains("cannot write beside it in"), "{error}");
        assert!(message.contains("choose a shorter name"), "{error}");
        assert!(!message.contains("must be writable"), "{error}");
        assert!(!message.starts_with("--out"), "{error}");
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_file_is_no_output_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("output");
        write(&out, "a file");
        let error = Staging::with_force(&out, false, Replaces::Study).unwrap_err();
        assert!(error.downcast_ref::<OutputError>().is_some());
    }
}
