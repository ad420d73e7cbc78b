//! skladsync — keeps a Microinvest Warehouse Pro (Склад Pro) database and a CloudCart shop in
//! step. Until the desktop window lands, `skladsync --demo` builds the embedded demo warehouse
//! and prints what is in it.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;
use skladsync_warehouse::{BlankDatabase, Connection, PriceGroup, SeedOptions, Warehouse};

#[derive(Parser)]
#[command(name = "skladsync", version, about = "Склад Pro ⇄ CloudCart")]
struct Cli {
    /// Create (once) and open the demo warehouse: an SQLite Склад Pro database in the data
    /// directory.
    #[arg(long)]
    demo: bool,
    /// Where the program keeps its data (default: the OS data directory).
    #[arg(long, env = "SKLADSYNC_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Build the demo warehouse anew even if one exists.
    #[arg(long)]
    reset: bool,
}

fn data_dir(cli: &Cli) -> Result<PathBuf> {
    if let Some(d) = &cli.data_dir {
        return Ok(d.clone());
    }
    directories::ProjectDirs::from("bg", "skladsync", "skladsync")
        .map(|p| p.data_dir().to_owned())
        .context("the OS gives no data directory; pass --data-dir")
}

async fn demo_warehouse(dir: &std::path::Path, reset: bool) -> Result<(Warehouse, PathBuf)> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join("demo-warehouse.db");
    if reset {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    let connection = Connection::Sqlite { path: path.clone() };
    if path.exists() {
        return Ok((Warehouse::connect(&connection).await?, path));
    }
    let wh = Warehouse::create_blank(&connection, &BlankDatabase::default()).await?;
    wh.seed(&SeedOptions {
        goods: 500,
        objects: 4,
        partners: 40,
        ..Default::default()
    })
    .await?;
    Ok((wh, path))
}

async fn print_summary(wh: &Warehouse, path: &std::path::Path) -> Result<()> {
    let version = wh.program_version().await?;
    let objects = wh.locations().await?;
    let groups = wh.goods_groups().await?;
    let goods = wh.goods(&[], PriceGroup::RETAIL).await?;
    let ids: Vec<i64> = objects.iter().map(|o| o.id).collect();
    let quantities = wh.quantities(&ids).await?;
    let total: rust_decimal::Decimal = quantities.quantities.values().sum();
    let variants = goods
        .goods
        .iter()
        .filter(|g| g.catalogs[0].is_some())
        .count();
    println!(
        "Демо склад (Склад Pro {}, {}): {}",
        version.raw,
        wh.backend_name(),
        path.display()
    );
    println!(
        "  Потребители: {}",
        wh.users()
            .await?
            .iter()
            .map(|u| u.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "  Обекти: {}",
        objects
            .iter()
            .map(|o| o.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("  Групи стоки: {}", groups.len());
    println!(
        "  Стоки: {} (от тях разновидности: {variants})",
        goods.goods.len()
    );
    println!("  Наличност общо: {total} бр.");
    println!(
        "  Базова валута: {}; цени с ДДС: {}",
        wh.settings().base_currency,
        if wh.settings().prices_include_vat {
            "да"
        } else {
            "не"
        }
    );
    for g in goods.goods.iter().take(5) {
        println!(
            "    {} {} — {} {}",
            g.code,
            g.name,
            g.price,
            wh.settings().base_currency
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let dir = data_dir(&cli)?;
    if cli.demo || cli.reset {
        let (wh, path) = demo_warehouse(&dir, cli.reset).await?;
        print_summary(&wh, &path).await?;
    } else {
        println!(
            "skladsync: run `skladsync --demo` to build and open the demo warehouse (the desktop window comes next)."
        );
    }
    Ok(())
}
