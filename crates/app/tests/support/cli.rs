//! The real `skladsync` binary run as a user runs it (shared by the command-line tests).

use std::process::Command;

/// Run `skladsync --data-dir DIR ARGS…` with `env`; (exit code, stdout, stderr).
pub fn skladsync(
    dir: &std::path::Path,
    args: &[&str],
    env: &[(String, String)],
) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_skladsync"));
    cmd.args(["--data-dir", &dir.display().to_string()])
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("skladsync runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
