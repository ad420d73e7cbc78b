//! skladsync — keeps a Microinvest Warehouse Pro (Склад Pro) database and a CloudCart shop in
//! step. The binary (`main.rs`) parses the command line; this library holds the window
//! ([`ui::App`]), the demo, the headless runs, the texts and the secret store, so that the tests
//! can build the window on a fake or real engine.

pub mod autostart;
pub mod demo;
pub mod describe;
pub mod headless;
pub mod secret_store;
pub mod server_cli;
pub mod service;
pub mod tables;
pub mod texts;
pub mod ui;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};

/// Where the program keeps its data: `explicit`, else the OS data directory.
pub fn data_dir(explicit: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(d) = explicit {
        return Ok(d);
    }
    directories::ProjectDirs::from("bg", "skladsync", "skladsync")
        .map(|p| p.data_dir().to_owned())
        .context("the OS gives no data directory; pass --data-dir")
}

/// The runtime the engine, the demo shop and the look-ups run on (2 workers: the window's
/// thread stays free).
pub fn runtime() -> Result<Arc<tokio::runtime::Runtime>> {
    Ok(Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("skladsync-engine")
            .enable_all()
            .build()?,
    ))
}

/// Whether a window can be opened here (a display on Linux; always elsewhere).
pub fn has_display() -> bool {
    if cfg!(target_os = "linux") {
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some()
    } else {
        true
    }
}

/// Open the window and return when it is closed.
pub fn open_window(init: ui::AppInit) -> Result<()> {
    let lang = init
        .lang
        .or_else(|| ui::remembered_lang(&init.settings))
        .unwrap_or_default();
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(lang.texts().app_title)
            .with_inner_size([1200.0, 800.0])
            .with_min_inner_size([800.0, 500.0]),
        ..Default::default()
    };
    eframe::run_native(
        "skladsync",
        options,
        Box::new(|_cc| Ok(Box::new(ui::App::new(init)))),
    )
    .map_err(|e| anyhow::anyhow!("the window could not be opened: {e}"))
}
