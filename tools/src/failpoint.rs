//! Named points where a test can make patchctl die as a kill would: with
//! `PATCHCTL_FAILPOINT=<name>` in its environment, the process aborts at
//! that point, running no destructor and no cleanup. Tests use it to show
//! that every ref and file is left as before or as after, never between.

/// The environment variable that names the point to die at.
pub const ENV: &str = "PATCHCTL_FAILPOINT";

/// Aborts the process here if `PATCHCTL_FAILPOINT` names this point.
pub fn hit(name: &str) {
    if std::env::var_os(ENV).is_some_and(|v| v == name) {
        eprintln!("patchctl: {ENV}={name}: dying here as a kill would");
        std::process::abort();
    }
}
