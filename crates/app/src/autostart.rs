//! „Стартирай с компютъра“: `skladsync serve` registered to start at login, through the
//! auto-launch crate — an XDG autostart entry on Linux, the Run key on Windows, a LaunchAgent on
//! macOS. The registration lives in the OS, not in the settings file.

use std::path::Path;

use anyhow::{Context, Result};
use auto_launch::{AutoLaunch, AutoLaunchBuilder, LinuxLaunchMode, MacOSLaunchMode};

/// The name the OS shows for the entry.
pub const APP_NAME: &str = "skladsync";

/// The command registered: this program's `serve`, with the settings file when it is not the
/// default one.
pub fn serve_args(settings: Option<&Path>) -> Vec<String> {
    let mut args = vec!["serve".to_owned()];
    if let Some(p) = settings {
        args.push("--settings".into());
        args.push(quoted(&p.display().to_string()));
    }
    args
}

/// The XDG `Exec` line and the Windows Run key are one command line, joined with spaces: an
/// argument with a space (`C:\Users\Иван Петров\…`) is quoted. A macOS LaunchAgent keeps each
/// argument apart, so there it stays as it is.
fn quoted(arg: &str) -> String {
    if cfg!(target_os = "macos") || !arg.contains([' ', '\t']) {
        arg.to_owned()
    } else {
        format!("\"{arg}\"")
    }
}

fn launcher(settings: Option<&Path>) -> Result<AutoLaunch> {
    let exe = std::env::current_exe().context("where this program is")?;
    AutoLaunchBuilder::new()
        .set_app_name(APP_NAME)
        .set_app_path(&exe.display().to_string())
        .set_args(&serve_args(settings))
        .set_linux_launch_mode(LinuxLaunchMode::XdgAutostart)
        .set_macos_launch_mode(MacOSLaunchMode::LaunchAgent)
        .build()
        .context("the start-at-login entry")
}

/// Whether `skladsync serve` starts at login.
pub fn is_enabled(settings: Option<&Path>) -> Result<bool> {
    launcher(settings)?
        .is_enabled()
        .context("reading the start-at-login entry")
}

/// Register (or remove) `skladsync serve` to start at login.
pub fn set(settings: Option<&Path>, on: bool) -> Result<()> {
    let l = launcher(settings)?;
    if on {
        l.enable()
            .context("registering skladsync to start at login")
    } else {
        l.disable()
            .context("removing skladsync from the programs started at login")
    }
}
