//! skladsync — keeps a Microinvest Warehouse Pro (Склад Pro) database and a CloudCart shop in
//! step. `skladsync --demo` runs the demo; `skladsync run <task> --server <name>` runs a task
//! headless (for schedulers and servers).

mod demo;
mod headless;

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use skladsync_engine::Task;
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
    /// Where the program keeps its data (default: the OS data directory).
    #[arg(long, env = "SKLADSYNC_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Clone, Copy, ValueEnum)]
enum TaskArg {
    /// Експорт от Склад Pro: goods, quantities and prices to the shop.
    Export,
    /// Изтегляне на стоки от CloudCart: the one-time product pull.
    Pull,
    /// Проверка съответствие на стоките (writes a CSV with --csv).
    Check,
    /// Импорт от CloudCart: orders into Склад Pro.
    Import,
}

impl From<TaskArg> for Task {
    fn from(t: TaskArg) -> Task {
        match t {
            TaskArg::Export => Task::Export,
            TaskArg::Pull => Task::ProductPull,
            TaskArg::Check => Task::Correspondence,
            TaskArg::Import => Task::OrderImport,
        }
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Run one task of a server and print its progress; exit code 0 = done, 1 = failed,
    /// 2 = done with item problems.
    Run {
        #[arg(value_enum)]
        task: TaskArg,
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
        /// For `check`: write the correspondence table to this CSV file.
        #[arg(long)]
        csv: Option<PathBuf>,
        /// Print events as JSON lines.
        #[arg(long)]
        json: bool,
    },
    /// List the configured servers.
    Servers {
        #[arg(long)]
        settings: Option<PathBuf>,
    },
}

pub(crate) fn data_dir(explicit: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(d) = explicit {
        return Ok(d);
    }
    directories::ProjectDirs::from("bg", "skladsync", "skladsync")
        .map(|p| p.data_dir().to_owned())
        .context("the OS gives no data directory; pass --data-dir")
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

#[tokio::main]
async fn main() -> Result<()> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let cli = Cli::parse();
    let data = data_dir(cli.data_dir.clone())?;
    match cli.command {
        Some(Cmd::Run {
            task,
            server,
            dry_run,
            settings,
            demo: use_demo,
            csv,
            json,
        }) => {
            let code = headless::run(headless::RunArgs {
                task: task.into(),
                server,
                dry_run,
                settings,
                demo: use_demo || cli.demo,
                csv,
                json,
                data_dir: data,
            })
            .await?;
            std::process::exit(code);
        }
        Some(Cmd::Servers { settings }) => headless::list_servers(settings)?,
        None if cli.demo || cli.reset => {
            let demo = demo::start(&data, cli.reset).await?;
            print_demo_summary(&demo).await?;
            demo.sandbox.shutdown().await;
        }
        None => {
            println!(
                "skladsync: `skladsync --demo` starts the demo; `skladsync run --help` runs a task headless."
            );
        }
    }
    Ok(())
}
