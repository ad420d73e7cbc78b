//! Developer tasks: `cargo xtask seed-db …`, `cargo xtask bench …`, `cargo xtask fuzz …`,
//! `cargo xtask soak …`.

mod latency;

use skladsync_engine::ids::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use futures::FutureExt;
use skladsync_warehouse::{BlankDatabase, Connection, PriceGroup, SeedOptions, Warehouse};

#[derive(Parser)]
#[command(name = "xtask", about = "skladsync developer tasks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Engine {
    Sqlite,
    Mysql,
}

#[derive(Subcommand)]
enum Command {
    /// Create a realistic Склад Pro database.
    SeedDb {
        #[arg(long, value_enum, default_value = "sqlite")]
        engine: Engine,
        #[arg(long, default_value_t = 1000)]
        goods: usize,
        #[arg(long, default_value_t = 3)]
        objects: usize,
        #[arg(long, default_value_t = 50)]
        partners: usize,
        /// Add bad data: empty and duplicated barcodes, NULL names, very long texts.
        #[arg(long)]
        traps: bool,
        /// SQLite file to create (replaced if it exists).
        #[arg(long, default_value = "target/seed/warehouse.db")]
        path: PathBuf,
        /// MySQL server URL and database; the database is dropped and created again.
        #[arg(
            long,
            env = "SKLADSYNC_TEST_MYSQL_URL",
            default_value = "mysql://root@127.0.0.1:3306/skladsync_seed"
        )]
        url: String,
    },
    /// Random order JSON through decoding and planning for N minutes (the test
    /// `order_fuzz` of the engine, which CI runs as a short smoke): no panic, each order
    /// planned to the cent or refused with a reason.
    Fuzz {
        #[arg(long, default_value_t = 10)]
        minutes: u64,
        /// Repeat a run: the seed it printed.
        #[arg(long)]
        seed: Option<u64>,
        /// Build the test optimised (more cases per minute, a longer build).
        #[arg(long)]
        release: bool,
    },
    /// The soak of the continuous mode for N minutes (the engine test `soak`, which CI runs
    /// for a minute): a real engine with both task groups polling, a SQLite warehouse and the
    /// sandbox shop, with sales, orders, payments, cancellations, price changes and shop faults
    /// at random; then checks that shop and warehouse agree and that every order is in Склад
    /// Pro exactly once, and prints the figures. Fails naming what disagrees.
    Soak {
        #[arg(long, default_value_t = 15)]
        minutes: u64,
        /// Repeat a run: the seed it printed.
        #[arg(long)]
        seed: Option<u64>,
        /// Goods in the warehouse (enough stock for the shoppers and the till for a while;
        /// the engine test alone uses 60).
        #[arg(long, default_value_t = 500)]
        goods: usize,
        /// Build the test optimised (a longer build).
        #[arg(long)]
        release: bool,
        /// Print every request the shop receives and the engine's state each second.
        #[arg(long)]
        trace: bool,
    },
    /// Measure speed (figures go in the README).
    Bench {
        #[command(subcommand)]
        what: Bench,
    },
}

#[derive(Subcommand)]
enum Bench {
    /// Read goods with summed quantities for one object group, on SQLite and on MySQL.
    WarehouseRead {
        #[arg(long, default_value_t = 100_000)]
        goods: usize,
        #[arg(long, default_value_t = 10)]
        objects: usize,
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// MySQL server URL (a database `skladsync_bench` is created on it).
        #[arg(
            long,
            env = "SKLADSYNC_TEST_MYSQL_URL",
            default_value = "mysql://root@127.0.0.1:3306/test"
        )]
        url: String,
    },
    /// The export against a sandbox shop (its own process): the first run of N goods, the run
    /// after one quantity change, and the correspondence check.
    Export {
        #[arg(long, default_value_t = 10_000)]
        goods: usize,
    },
    /// The orders import: N orders of 3 lines into SQLite and MySQL.
    Import {
        #[arg(long, default_value_t = 1000)]
        orders: usize,
        /// MySQL server URL (a database `skladsync_bench_import` is created on it).
        #[arg(
            long,
            env = "SKLADSYNC_TEST_MYSQL_URL",
            default_value = "mysql://root@127.0.0.1:3306/test"
        )]
        url: String,
    },
    /// A sale written into the warehouse to the shop's quantity changing, with both task groups
    /// in the continuous mode and a shop of 100 requests a minute, on SQLite and MySQL; and the
    /// requests an hour when nothing changes.
    Latency {
        #[arg(long, default_value_t = 100)]
        sales: usize,
        #[arg(long, default_value_t = 500)]
        goods: usize,
        /// How long the shop's requests are counted while nothing changes.
        #[arg(long, default_value_t = 180)]
        idle_seconds: u64,
        /// MySQL server URL (a database `skladsync_bench_latency` is created on it).
        #[arg(
            long,
            env = "SKLADSYNC_TEST_MYSQL_URL",
            default_value = "mysql://root@127.0.0.1:3306/test"
        )]
        url: String,
    },
    /// List the variants of an unlimited sandbox shop (run as its own process) with the client:
    /// time and the client process's peak memory.
    Cloudcart {
        /// Products the sandbox generates (each with one or more variants).
        #[arg(long, default_value_t = 4500)]
        products: usize,
        /// Stop when at least this many variants were listed.
        #[arg(long, default_value_t = 10_000)]
        variants: usize,
    },
}

/// The sandbox shop as a process of its own (so that its memory is not counted as ours), built
/// with the same profile as this tool.
async fn start_sandbox(products: usize) -> Result<(tokio::process::Child, u16)> {
    let release = !cfg!(debug_assertions);
    let mut build = std::process::Command::new(env!("CARGO"));
    build.args(["build", "-q", "-p", "cloudcart-sandbox"]);
    if release {
        build.arg("--release");
    }
    anyhow::ensure!(build.status()?.success(), "building the sandbox failed");
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let binary = PathBuf::from(target)
        .join(if release { "release" } else { "debug" })
        .join("cloudcart-sandbox");
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = tokio::process::Command::new(&binary)
        .args([
            "--port",
            &port.to_string(),
            "--products",
            &products.to_string(),
            "--orders",
            "0",
        ])
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    for _ in 0..400 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok((child, port));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("the sandbox did not start")
}

/// The sandbox's request log: (method, path) of every request since the last clear.
async fn sandbox_requests(port: u16, clear: bool) -> Result<Vec<(String, String)>> {
    let http = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/__sandbox/requests");
    // Only method and path are kept; the bodies are skipped while parsing.
    #[derive(serde::Deserialize)]
    struct Logged {
        method: String,
        path: String,
    }
    let bytes = http.get(&url).send().await?.bytes().await?;
    let log: Vec<Logged> = serde_json::from_slice(&bytes)?;
    drop(bytes);
    if clear {
        http.delete(&url).send().await?;
    }
    Ok(log.into_iter().map(|r| (r.method, r.path)).collect())
}

async fn bench_export(goods: usize) -> Result<()> {
    use skladsync_engine::settings::Server;
    use skladsync_engine::{Journal, MemorySecretStore, Reporter, SecretStore, Task};
    let dir = tempfile::tempdir()?;
    let connection = fresh_sqlite(&dir.path().join("bench.db"))?;
    let wh = seed(
        &connection,
        &SeedOptions {
            goods,
            objects: 4,
            partners: 10,
            ..Default::default()
        },
    )
    .await?;
    let (mut child, port) = start_sandbox(0).await?;
    let mut server = Server::new(
        "bench",
        "Bench",
        format!("http://127.0.0.1:{port}"),
        connection,
    );
    let objects = wh.locations().await?;
    server.export.object = objects.first().map(|o| o.id).map(Into::into);
    let secrets = MemorySecretStore::default();
    secrets.set(&server.shop.api_key, cloudcart_sandbox::DEFAULT_API_KEY)?;
    let shop = skladsync_engine::shop_client(&server, &secrets)?;
    let journal = Journal::open(&dir.path().join("journal.db")).await?;
    let reporter = Reporter::silent(Task::Export);

    let started = Instant::now();
    let first =
        skladsync_engine::export::run_export(&wh, &shop, &journal, &server, &reporter, false)
            .await?;
    let first_time = started.elapsed();
    let log = sandbox_requests(port, true).await?;
    if log.len()
        >= cloudcart_sandbox::REQUEST_LOG_CAPACITY - cloudcart_sandbox::REQUEST_LOG_CAPACITY / 10
    {
        println!(
            "(the sandbox keeps the newest {} requests: the counts below are of those only)",
            cloudcart_sandbox::REQUEST_LOG_CAPACITY
        );
    }
    let writes = log.iter().filter(|(m, _)| m != "GET").count();
    let product_posts = log
        .iter()
        .filter(|(m, p)| m == "POST" && p.starts_with("/api/v2/products"))
        .count();
    let variant_posts = log
        .iter()
        .filter(|(m, p)| m == "POST" && p.starts_with("/api/v2/variants"))
        .count();
    println!(
        "export, first run of {goods} goods: {} ms; {} requests = {writes} writes ({product_posts} products, {variant_posts} variants, {} parameters/options/categories) + {} reads; created {}, problems {}",
        first_time.as_millis(),
        log.len(),
        writes - product_posts - variant_posts,
        log.len() - writes,
        first.created,
        first.problems.len()
    );

    // One quantity changes in Склад Pro: the next export writes exactly one variant.
    let good = wh
        .goods(&[], PriceGroup::RETAIL)
        .await?
        .goods
        .into_iter()
        .next()
        .context("no goods")?;
    let object = objects.first().context("no objects")?.id;
    wh.create_document(&skladsync_warehouse::NewDocument {
        kind: skladsync_warehouse::DocumentKind::Sale,
        object_id: object,
        user_id: wh.users().await?.first().context("no users")?.id,
        partner: skladsync_warehouse::PartnerChoice::Existing(2),
        date: chrono::Local::now().date_naive(),
        lines: vec![skladsync_warehouse::NewLine {
            good_id: good.id,
            quantity: rust_decimal::Decimal::ONE,
            price: good.price,
            discount_percent: rust_decimal::Decimal::ZERO,
        }],
        reference: "bench".into(),
        payment_type_id: 1,
        paid: vec![],
        usn: None,
        converts_order: None,
    })
    .await?;
    let started = Instant::now();
    let second =
        skladsync_engine::export::run_export(&wh, &shop, &journal, &server, &reporter, false)
            .await?;
    let second_time = started.elapsed();
    let log = sandbox_requests(port, true).await?;
    let writes: Vec<_> = log.iter().filter(|(m, _)| m != "GET").collect();
    println!(
        "export after one quantity change in {goods} goods: {} ms; {} write request(s) {:?}, {} read request(s); updated {}, unchanged {}",
        second_time.as_millis(),
        writes.len(),
        writes,
        log.len() - writes.len(),
        second.updated,
        second.unchanged
    );

    let before = proc_status_mib("VmRSS:").unwrap_or(0.0);
    let started = Instant::now();
    let rows = skladsync_engine::correspondence::check(
        &wh,
        &shop,
        &server,
        &Reporter::silent(Task::Correspondence),
    )
    .await?;
    println!(
        "correspondence check of {goods} goods: {} rows in {} ms; this process {:.1} MiB before, peak {:.1} MiB (the shop runs as its own process)",
        rows.len(),
        started.elapsed().as_millis(),
        before,
        proc_status_mib("VmHWM:").unwrap_or(0.0)
    );
    child.kill().await.ok();
    Ok(())
}

/// The orders import: `orders` orders of 3 lines placed in a sandbox shop (its own process),
/// imported into a fresh Склад Pro database.
async fn bench_import(connection: Connection, orders: usize) -> Result<()> {
    use futures::TryStreamExt;
    use skladsync_engine::settings::{PaymentTypeMapping, Server, SpecialGoods};
    use skladsync_engine::{Journal, MemorySecretStore, Reporter, SecretStore, Task};
    let backend = connection.backend_name();
    let dir = tempfile::tempdir()?;
    let wh = seed(
        &connection,
        &SeedOptions {
            goods: 300,
            objects: 2,
            partners: 10,
            ..Default::default()
        },
    )
    .await?;
    let group = wh.create_goods_group("Служебни", None).await?;
    let mut special = Vec::new();
    for (code, name) in [
        ("SVC-D", "Доставка"),
        ("SVC-R", "Търговска отстъпка"),
        ("SVC-F", "Такса"),
    ] {
        let data = skladsync_warehouse::GoodData {
            code: code.into(),
            name: name.into(),
            barcodes: [code.into(), String::new(), String::new()],
            catalogs: Default::default(),
            measure: "бр.".into(),
            price_group: PriceGroup::RETAIL,
            price: rust_decimal::Decimal::ZERO,
            vat_group_id: 1,
            group_id: group.id,
        };
        special.push(wh.save_good(None, &data).await?);
    }
    let (mut child, port) = start_sandbox(0).await?;
    let objects = wh.locations().await?;
    let mut server = Server::new(
        "bench",
        "Bench",
        format!("http://127.0.0.1:{port}"),
        connection,
    );
    server.export.object = objects.first().map(|o| o.id).map(Into::into);
    server.export.goods_groups = wh
        .goods_groups()
        .await?
        .into_iter()
        .filter(|g| g.depth() == 1 && g.id != group.id)
        .map(|g| g.id.into())
        .collect();
    server.import.object = objects.first().map(|o| o.id).map(Into::into);
    server.import.active_user = wh.users().await?.first().map(|u| u.id).map(Into::into);
    server.import.special_goods = SpecialGoods {
        delivery: Some(special[0].into()),
        discount: Some(special[1].into()),
        fee: Some(special[2].into()),
    };
    let secrets = MemorySecretStore::default();
    secrets.set(&server.shop.api_key, cloudcart_sandbox::DEFAULT_API_KEY)?;
    let shop = skladsync_engine::shop_client(&server, &secrets)?;
    server.import.payment_types = shop
        .payment_providers()
        .try_collect::<Vec<_>>()
        .await?
        .into_iter()
        .filter_map(|p| p.provider)
        .map(|provider| PaymentTypeMapping {
            payment_type: if provider.contains("cod") {
                PaymentTypeId(1)
            } else {
                PaymentTypeId(3)
            },
            provider,
        })
        .collect();
    let journal = Journal::open(&dir.path().join("journal.db")).await?;
    skladsync_engine::export::run_export(
        &wh,
        &shop,
        &journal,
        &server,
        &Reporter::silent(Task::Export),
        false,
    )
    .await?;
    // Goods with stock, topped up so that every order can be placed (the shop refuses to sell
    // what it lacks).
    let listed: Vec<skladsync_cloudcart::Variant> = shop
        .variants(skladsync_cloudcart::VariantsQuery::default())
        .try_collect()
        .await?;
    let mut variants = Vec::new();
    for v in listed.into_iter().filter(|v| v.quantity.is_some()) {
        let update = skladsync_cloudcart::VariantUpdate {
            quantity: Some(rust_decimal::Decimal::from(100_000)),
            ..Default::default()
        };
        shop.update_variant(&v.id, &update).await?;
        variants.push(v);
    }
    let http = reqwest::Client::new();
    for n in 0..orders {
        let lines: Vec<serde_json::Value> = (0..3)
            .map(|k| {
                let v = &variants[(n * 3 + k * 7) % variants.len()];
                serde_json::json!({"variant_id": v.id.as_str().parse::<u64>().unwrap_or(0), "quantity": 1 + k})
            })
            .collect();
        let r = http
            .post(format!("http://127.0.0.1:{port}/__sandbox/orders"))
            .json(&serde_json::json!({"lines": lines, "payment_provider": if n % 2 == 0 { "cod" } else { "bank_transfer" }}))
            .send()
            .await?;
        anyhow::ensure!(
            r.status().is_success(),
            "placing order {n}: {}",
            r.text().await?
        );
    }
    sandbox_requests(port, true).await?;
    let started = Instant::now();
    let summary = skladsync_engine::orders::run_import(
        &wh,
        &shop,
        &journal,
        &server,
        &Reporter::silent(Task::OrderImport),
        false,
        None,
    )
    .await?;
    let elapsed = started.elapsed();
    let log = sandbox_requests(port, true).await?;
    let documents = wh
        .query(
            "SELECT COUNT(*) FROM `nextacct` WHERE `NextAcct` >= 'OR' AND `NextAcct` < 'OS'",
            &[],
        )
        .await?[0]
        .int(0)
        .unwrap_or(0);
    println!(
        "import of {orders} orders of 3 lines into {backend}: {} ms ({:.1} orders/s); {} requests ({} writes); created {}, problems {}; {documents} Order documents",
        elapsed.as_millis(),
        orders as f64 / elapsed.as_secs_f64(),
        log.len(),
        log.iter().filter(|(m, _)| m != "GET").count(),
        summary.created,
        summary.problems.len()
    );
    child.kill().await.ok();
    Ok(())
}

/// A figure from /proc/self/status (Linux), in MiB.
fn proc_status_mib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

async fn bench_cloudcart(products: usize, variants: usize) -> Result<()> {
    use futures::TryStreamExt;
    let release = !cfg!(debug_assertions);
    let (mut child, port) = start_sandbox(products).await?;
    let client = skladsync_cloudcart::Client::new(skladsync_cloudcart::ClientConfig::new(
        format!("http://127.0.0.1:{port}"),
        skladsync_cloudcart::ApiKey::new(cloudcart_sandbox::DEFAULT_API_KEY)?,
    ))?;
    let before = proc_status_mib("VmRSS:").unwrap_or(0.0);
    let started = Instant::now();
    let listed: Vec<skladsync_cloudcart::Variant> = client
        .variants(skladsync_cloudcart::VariantsQuery::default())
        .try_collect()
        .await?;
    let elapsed = started.elapsed();
    let peak = proc_status_mib("VmHWM:").unwrap_or(0.0);
    child.kill().await.ok();
    anyhow::ensure!(
        listed.len() >= variants,
        "only {} variants; raise --products",
        listed.len()
    );
    println!(
        "cloudcart: listed {} variants in {} pages of {} in {} ms ({:.0} variants/s); client process memory {:.1} MiB before, peak {:.1} MiB ({} build)",
        listed.len(),
        listed
            .len()
            .div_ceil(skladsync_cloudcart::PAGE_SIZE as usize),
        skladsync_cloudcart::PAGE_SIZE,
        elapsed.as_millis(),
        listed.len() as f64 / elapsed.as_secs_f64(),
        before,
        peak,
        if release { "release" } else { "debug" }
    );
    Ok(())
}

fn database_url(url: &str, db: &str) -> String {
    match url.rfind('/') {
        Some(i) if i > "mysql://".len() => format!("{}/{db}", &url[..i]),
        _ => format!("{url}/{db}"),
    }
}

async fn fresh_mysql(url: &str, db: &str) -> Result<Connection> {
    use sqlx::Connection as _;
    let server = database_url(url, "mysql");
    let mut c = sqlx::MySqlConnection::connect(&server)
        .await
        .with_context(|| format!("connecting to {server}"))?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS `{db}`; CREATE DATABASE `{db}` CHARACTER SET utf8mb4"
    )))
    .execute(&mut c)
    .await?;
    Ok(Connection::MySql {
        url: database_url(url, db),
    })
}

fn fresh_sqlite(path: &std::path::Path) -> Result<Connection> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        if p.exists() {
            std::fs::remove_file(&p)?;
        }
    }
    Ok(Connection::Sqlite {
        path: path.to_owned(),
    })
}

async fn seed(connection: &Connection, options: &SeedOptions) -> Result<Warehouse> {
    let wh = Warehouse::create_blank(connection, &BlankDatabase::default()).await?;
    let started = Instant::now();
    let summary = wh.seed(options).await?;
    println!(
        "seeded {} in {:.1?}: {} goods ({} variants) in {} groups, {} objects, {} partners, {} users, {} store rows",
        connection.backend_name(),
        started.elapsed(),
        summary.goods,
        summary.variants,
        summary.goods_groups,
        summary.objects,
        summary.partners,
        summary.users,
        summary.store_rows
    );
    Ok(wh)
}

/// One export read: goods of all groups with the retail price, and their quantities summed over
/// the objects of one object group.
async fn export_read(wh: &Warehouse) -> Result<(Duration, Duration, usize)> {
    let started = Instant::now();
    let objects = wh.locations().await?;
    let group = objects.first().context("no objects")?.group_id;
    let ids: Vec<i64> = objects
        .iter()
        .filter(|o| o.group_id == group)
        .map(|o| o.id)
        .collect();
    // As the export does: goods and quantities on two connections at once.
    let (goods, quantities) = tokio::try_join!(
        async {
            let g = wh.goods(&[], PriceGroup::RETAIL).await;
            (g, started.elapsed())
        }
        .map(|(g, t)| g.map(|g| (g, t))),
        wh.quantities(&ids)
    )?;
    let (goods, goods_read) = goods;
    let elapsed = started.elapsed();
    if quantities.quantities.len() < goods.goods.len() / 2 {
        bail!(
            "quantities missing: {} for {} goods",
            quantities.quantities.len(),
            goods.goods.len()
        );
    }
    Ok((elapsed, goods_read, goods.goods.len()))
}

async fn bench_read(name: &str, wh: &Warehouse, runs: usize) -> Result<()> {
    let mut times = Vec::new();
    let mut goods_times = Vec::new();
    let mut n = 0;
    for _ in 0..runs.max(1) {
        let (t, g, count) = export_read(wh).await?;
        times.push(t);
        goods_times.push(g);
        n = count;
    }
    times.sort();
    goods_times.sort();
    println!(
        "  of which reading the goods: median {} ms",
        goods_times[goods_times.len() / 2].as_millis()
    );
    println!(
        "warehouse-read {name}: {n} goods with summed quantities — median {} ms, best {} ms, worst {} ms ({} runs)",
        times[times.len() / 2].as_millis(),
        times[0].as_millis(),
        times[times.len() - 1].as_millis(),
        times.len()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    match Cli::parse().command {
        Command::SeedDb {
            engine,
            goods,
            objects,
            partners,
            traps,
            path,
            url,
        } => {
            let options = SeedOptions {
                goods,
                objects,
                partners,
                traps,
                ..Default::default()
            };
            let connection = match engine {
                Engine::Sqlite => fresh_sqlite(&path)?,
                Engine::Mysql => {
                    let db = url
                        .rsplit('/')
                        .next()
                        .filter(|d| !d.is_empty())
                        .unwrap_or("skladsync_seed")
                        .to_owned();
                    fresh_mysql(&url, &db).await?
                }
            };
            seed(&connection, &options).await?;
            match &connection {
                Connection::Sqlite { path } => println!("database: {}", path.display()),
                Connection::MySql { url } => println!("database: {url}"),
                _ => {}
            }
        }
        Command::Fuzz {
            minutes,
            seed,
            release,
        } => {
            let mut cmd = std::process::Command::new(env!("CARGO"));
            cmd.args(["test", "-p", "skladsync-engine", "--test", "order_fuzz"]);
            if release {
                cmd.arg("--release");
            }
            cmd.args(["--", "--nocapture"]);
            cmd.env("SKLADSYNC_FUZZ_SECONDS", (minutes * 60).to_string());
            if let Some(seed) = seed {
                cmd.env("SKLADSYNC_FUZZ_SEED", seed.to_string());
            }
            if !cmd.status()?.success() {
                bail!("the order fuzz found a problem (see above; repeat it with --seed)");
            }
        }
        Command::Soak {
            minutes,
            seed,
            goods,
            release,
            trace,
        } => {
            let mut cmd = std::process::Command::new(env!("CARGO"));
            cmd.args(["test", "-p", "skladsync-engine", "--test", "soak"]);
            if release {
                cmd.arg("--release");
            }
            cmd.args(["--", "--nocapture"]);
            cmd.env("SKLADSYNC_SOAK_SECONDS", (minutes * 60).to_string());
            if let Some(seed) = seed {
                cmd.env("SKLADSYNC_SOAK_SEED", seed.to_string());
            }
            cmd.env("SKLADSYNC_SOAK_GOODS", goods.to_string());
            if trace {
                cmd.env("SKLADSYNC_SOAK_TRACE", "1");
            }
            if !cmd.status()?.success() {
                bail!("the soak found a problem (see above; repeat it with --seed)");
            }
        }
        Command::Bench {
            what: Bench::Import { orders, url },
        } => {
            let dir = tempfile::tempdir()?;
            bench_import(fresh_sqlite(&dir.path().join("import.db"))?, orders).await?;
            match fresh_mysql(&url, "skladsync_bench_import").await {
                Ok(mysql) => bench_import(mysql, orders).await?,
                Err(e) => println!("import into MySQL: skipped ({e:#})"),
            }
        }
        Command::Bench {
            what: Bench::Export { goods },
        } => bench_export(goods).await?,
        Command::Bench {
            what:
                Bench::Latency {
                    sales,
                    goods,
                    idle_seconds,
                    url,
                },
        } => {
            let dir = tempfile::tempdir()?;
            let sqlite = fresh_sqlite(&dir.path().join("latency.db"))?;
            latency::bench_latency("SQLite", sqlite, goods, sales, idle_seconds).await?;
            match fresh_mysql(&url, "skladsync_bench_latency").await {
                Ok(mysql) => {
                    latency::bench_latency("MySQL", mysql, goods, sales, idle_seconds).await?
                }
                Err(e) => println!("latency MySQL: skipped ({e:#})"),
            }
        }
        Command::Bench {
            what: Bench::Cloudcart { products, variants },
        } => bench_cloudcart(products, variants).await?,
        Command::Bench {
            what:
                Bench::WarehouseRead {
                    goods,
                    objects,
                    runs,
                    url,
                },
        } => {
            let options = SeedOptions {
                goods,
                objects,
                partners: 100,
                ..Default::default()
            };
            let dir = tempfile::tempdir()?;
            let sqlite = fresh_sqlite(&dir.path().join("bench.db"))?;
            let wh = seed(&sqlite, &options).await?;
            bench_read("SQLite", &wh, runs).await?;
            match fresh_mysql(&url, "skladsync_bench").await {
                Ok(mysql) => {
                    let wh = seed(&mysql, &options).await?;
                    bench_read("MySQL", &wh, runs).await?;
                }
                Err(e) => println!("warehouse-read MySQL: skipped ({e:#})"),
            }
        }
    }
    Ok(())
}
