//! skladsync — keeps a Microinvest Warehouse Pro (Склад Pro) database and a CloudCart shop in
//! step. `skladsync` opens the window; `skladsync --demo` opens it on the demo;
//! `skladsync run <task> --server <name>` runs a task headless (for schedulers and servers).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use skladsync::secret_store::AppSecretStore;
use skladsync::texts::Lang;
use skladsync::ui::AppInit;
use skladsync::{data_dir, demo, has_display, headless, open_window, runtime, server_cli, service};
use skladsync_engine::settings::SettingsFile;
use skladsync_engine::{Journal, SecretStore, Task};
use skladsync_warehouse::PriceGroup;

#[derive(Parser)]
#[command(name = "skladsync", version, about = "Склад Pro ⇄ CloudCart")]
struct Cli {
    /// Start the demo: a seeded SQLite Склад Pro database in the data directory and a local
    /// sandbox shop, with a ready "Demo" server.
    #[arg(long)]
    demo: bool,
    /// Build the demo anew.
    #[arg(long)]
    reset: bool,
    /// Do not open the window (with --demo: print the demo's summary only).
    #[arg(long)]
    no_window: bool,
    /// The language of the window and of the command line's output (default: for the window
    /// the one chosen last time, else Bulgarian).
    #[arg(long, value_enum, env = "SKLADSYNC_LANG", global = true)]
    lang: Option<LangArg>,
    /// Where the program keeps its data (default: the OS data directory).
    #[arg(long, env = "SKLADSYNC_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Clone, Copy, ValueEnum)]
enum LangArg {
    Bg,
    En,
}

#[derive(Clone, Copy, ValueEnum)]
enum OnOff {
    On,
    Off,
}

#[derive(Clone, Copy, ValueEnum)]
enum TaskArg {
    /// Експорт от Склад Pro: goods, quantities and prices to the shop.
    Export,
    /// Изтегляне на стоки от CloudCart: the one-time product pull.
    Pull,
    /// Проверка съответствие на стоките (writes the table with --out x.csv or x.xlsx).
    Check,
    /// Импорт от CloudCart: orders into Склад Pro.
    Import,
    /// Нощно сверяване: every shop variant compared with Склад Pro, differences written.
    Reconcile,
}

impl From<TaskArg> for Task {
    fn from(t: TaskArg) -> Task {
        match t {
            TaskArg::Export => Task::Export,
            TaskArg::Pull => Task::ProductPull,
            TaskArg::Check => Task::Correspondence,
            TaskArg::Import => Task::OrderImport,
            TaskArg::Reconcile => Task::Reconcile,
        }
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Run one task of a server and print its progress; exit code 0 = done, 1 = failed,
    /// 2 = done with item problems.
    Run {
        /// The task (also as `--task`).
        #[arg(value_enum)]
        task: Option<TaskArg>,
        #[arg(long = "task", value_enum, conflicts_with = "task")]
        task_option: Option<TaskArg>,
        /// The server's name or id (from the settings file); with --demo, the demo server.
        #[arg(long, required_unless_present = "demo")]
        server: Option<String>,
        /// Write nothing; report what would be written.
        #[arg(long)]
        dry_run: bool,
        /// The settings file (default: the OS configuration directory).
        #[arg(long)]
        settings: Option<PathBuf>,
        /// Run against the demo warehouse and sandbox shop.
        #[arg(long)]
        demo: bool,
        /// Write a table for Excel, .csv or .xlsx by the extension: for `check` the
        /// correspondence table, for the other tasks the problems of the run.
        #[arg(long, visible_aliases = ["csv", "xlsx"])]
        out: Option<PathBuf>,
        /// Events as JSON lines (progress on stderr, the summary on stdout).
        #[arg(long)]
        json: bool,
    },
    /// Add, list, show or remove servers in the settings file.
    Server {
        #[command(subcommand)]
        action: headless::ServerAction,
        /// The settings file (default: the OS configuration directory).
        #[arg(long, global = true)]
        settings: Option<PathBuf>,
    },
    /// The orders waiting for a person: list, retry, dismiss.
    Queue {
        #[command(subcommand)]
        action: headless::QueueAction,
        /// The server's name or id.
        #[arg(long, global = true)]
        server: Option<String>,
        /// The settings file (default: the OS configuration directory).
        #[arg(long, global = true)]
        settings: Option<PathBuf>,
    },
    /// The history of a server's runs, in the chosen language; `--out x.xlsx` or `x.csv` writes it
    /// as a file.
    History {
        /// The server's name or id.
        #[arg(long)]
        server: String,
        /// The settings file (default: the OS configuration directory).
        #[arg(long)]
        settings: Option<PathBuf>,
        /// Write the table to this file (.xlsx or .csv).
        #[arg(long)]
        out: Option<PathBuf>,
        /// How many runs, newest first.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Run every enabled server's start modes without a window, until Ctrl-C or SIGTERM; the
    /// window, `status`, `start` and `stop` attach to it.
    Serve {
        /// The settings file (default: the OS configuration directory).
        #[arg(long)]
        settings: Option<PathBuf>,
        /// Serve the demo warehouse and sandbox shop.
        #[arg(long)]
        demo: bool,
    },
    /// What each server of the running engine does now, its last run and its next one.
    Status {
        #[arg(long)]
        settings: Option<PathBuf>,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Start a task: in the running engine when there is one (followed to its end), else in
    /// this process (as `run`).
    Start {
        #[arg(long = "task", value_enum)]
        task: TaskArg,
        #[arg(long)]
        server: String,
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        settings: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Stop a server's run in the running engine (the current item finishes first).
    Stop {
        #[arg(long)]
        server: String,
        #[arg(long)]
        settings: Option<PathBuf>,
    },
    /// Start `skladsync serve` with the computer (at login): on, off, or show whether it does.
    Autostart {
        #[arg(value_enum)]
        state: Option<OnOff>,
        #[arg(long)]
        settings: Option<PathBuf>,
    },
    /// The shop's webhooks of the orders for a server: their state, or with --activate
    /// registered (or enabled again) to call its public URL with its secret.
    Webhooks {
        #[arg(long)]
        server: String,
        /// Register the hooks, enable the ones the shop disabled, update a changed address or
        /// secret.
        #[arg(long)]
        activate: bool,
        #[arg(long)]
        settings: Option<PathBuf>,
    },
    /// List the configured servers (the same as `server list`).
    Servers {
        #[arg(long)]
        settings: Option<PathBuf>,
    },
}

async fn print_demo_summary(demo: &demo::Demo) -> Result<()> {
    let wh = &demo.warehouse;
    let version = wh.program_version().await?;
    let objects = wh.locations().await?;
    let goods = wh.goods(&[], PriceGroup::RETAIL).await?;
    let variants = goods
        .goods
        .iter()
        .filter(|g| g.catalogs[0].is_some())
        .count();
    println!(
        "Демо склад (Склад Pro {}, {}): {}",
        version.raw,
        wh.backend_name(),
        demo.warehouse_path.display()
    );
    println!(
        "  Обекти: {}",
        objects
            .iter()
            .map(|o| o.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "  Стоки: {} (от тях разновидности: {variants})",
        goods.goods.len()
    );
    println!("  Базова валута: {}", wh.settings().base_currency);
    println!(
        "Демо магазин (CloudCart sandbox): {}",
        demo.sandbox.api_url()
    );
    println!(
        "Сървър „{}“ е готов. Опитайте: skladsync run export --demo --dry-run",
        demo.server.name
    );
    Ok(())
}

fn main() -> Result<()> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let cli = Cli::parse();
    let data = data_dir(cli.data_dir.clone())?;
    let rt = runtime()?;
    let lang = cli.lang.map(|l| match l {
        LangArg::Bg => Lang::Bg,
        LangArg::En => Lang::En,
    });
    Lang::set_cli(lang.unwrap_or_default());
    match cli.command {
        Some(Cmd::Run {
            task,
            task_option,
            server,
            dry_run,
            settings,
            demo: use_demo,
            out,
            json,
        }) => {
            let Some(task) = task.or(task_option) else {
                anyhow::bail!(
                    "name the task: skladsync run export|pull|check|import (or --task …)"
                );
            };
            let code = rt.block_on(headless::run(headless::RunArgs {
                task: task.into(),
                server,
                dry_run,
                settings,
                demo: use_demo || cli.demo,
                out,
                json,
                data_dir: data,
            }))?;
            std::process::exit(code);
        }
        Some(Cmd::Server { action, settings }) => match action {
            headless::ServerAction::Show { server, json } => {
                let code = rt.block_on(server_cli::show(settings, &server, json))?;
                std::process::exit(code);
            }
            headless::ServerAction::Set { server, key, value } => {
                let code = rt.block_on(server_cli::set(settings, data, &server, &key, &value))?;
                std::process::exit(code);
            }
            other => headless::server(other, settings)?,
        },
        Some(Cmd::History {
            server,
            settings,
            out,
            limit,
        }) => {
            let code = rt.block_on(headless::history(&server, settings, out, limit, data))?;
            std::process::exit(code);
        }
        Some(Cmd::Queue {
            action,
            server,
            settings,
        }) => {
            let code = rt.block_on(headless::queue(
                action,
                &server.unwrap_or_default(),
                settings,
                data,
            ))?;
            std::process::exit(code);
        }
        Some(Cmd::Servers { settings }) => headless::list_servers(settings)?,
        Some(Cmd::Serve { settings, demo }) => {
            let code = rt.block_on(service::serve(service::ServeArgs {
                settings,
                demo: demo || cli.demo,
                data_dir: data,
            }))?;
            std::process::exit(code);
        }
        Some(Cmd::Status { settings, json }) => {
            let code = rt.block_on(service::status(settings, json))?;
            std::process::exit(code);
        }
        Some(Cmd::Start {
            task,
            server,
            dry_run,
            settings,
            json,
        }) => {
            let code = rt.block_on(async {
                match service::start_remote(settings.clone(), &server, task.into(), dry_run, json)
                    .await?
                {
                    Some(code) => Ok::<_, anyhow::Error>(code),
                    None => {
                        headless::run(headless::RunArgs {
                            task: task.into(),
                            server: Some(server),
                            dry_run,
                            settings,
                            demo: false,
                            out: None,
                            json,
                            data_dir: data,
                        })
                        .await
                    }
                }
            })?;
            std::process::exit(code);
        }
        Some(Cmd::Autostart { state, settings }) => {
            if let Some(state) = state {
                skladsync::autostart::set(settings.as_deref(), matches!(state, OnOff::On))?;
            }
            let on = skladsync::autostart::is_enabled(settings.as_deref())?;
            println!(
                "{}",
                if on {
                    "skladsync serve starts with the computer"
                } else {
                    "skladsync serve does not start with the computer"
                }
            );
        }
        Some(Cmd::Webhooks {
            server,
            activate,
            settings,
        }) => {
            let code = rt.block_on(server_cli::webhooks(settings, data, &server, activate))?;
            std::process::exit(code);
        }
        Some(Cmd::Stop { server, settings }) => {
            let code = rt.block_on(service::stop(settings, &server))?;
            std::process::exit(code);
        }
        None if cli.demo || cli.reset => {
            let demo = rt.block_on(demo::start(&data, cli.reset))?;
            rt.block_on(print_demo_summary(&demo))?;
            if cli.no_window {
            } else if has_display() {
                let journal = rt.block_on(Journal::open(&data.join("journal.db")))?;
                open_window(AppInit {
                    runtime: rt.clone(),
                    settings: demo.settings.clone(),
                    secrets: demo.secrets.clone(),
                    secret_store: None,
                    journal: Some(journal),
                    runner: None,
                    attach: None,
                    engine: None,
                    select: None,
                    lang,
                })?;
            } else {
                println!(
                    "Няма графичен дисплей (DISPLAY/WAYLAND_DISPLAY): прозорецът не се отваря."
                );
            }
            rt.block_on(demo.sandbox.shutdown());
        }
        None => {
            if cli.no_window || !has_display() {
                println!(
                    "skladsync: `skladsync --demo` starts the demo; `skladsync run --help` runs a task headless."
                );
                return Ok(());
            }
            let settings = SettingsFile::default_location()?;
            let secrets_file = skladsync::secret_store::secrets_file(settings.path().parent())
                .unwrap_or_else(|| data.join("secrets.json"));
            let store = Arc::new(AppSecretStore::detect(secrets_file));
            let journal = rt.block_on(Journal::open(&data.join("journal.db")))?;
            // When `skladsync serve` runs for these settings, the window shows it.
            let attach = service::running(&settings)?;
            open_window(AppInit {
                runtime: rt.clone(),
                settings,
                secrets: store.clone() as Arc<dyn SecretStore>,
                secret_store: Some(store),
                journal: Some(journal),
                runner: None,
                attach,
                engine: None,
                select: None,
                lang,
            })?;
        }
    }
    Ok(())
}
