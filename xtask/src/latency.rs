//! `cargo xtask bench latency`: how long a sale written into the warehouse (as Склад Pro writes
//! one) takes to change the shop's quantity, with both task groups in the continuous mode and a
//! shop that takes 100 requests a minute; and how many requests an hour the shop gets when
//! nothing changes. The baseline, measured in the same run: the same write sent bare by the
//! shop client (what a sale costs without the watching).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use cloudcart_sandbox::{Sandbox, SandboxConfig, Seed};
use rust_decimal::Decimal;
use skladsync_cloudcart::{Id, VariantUpdate};
use skladsync_engine::settings::{Settings, SettingsFile, StartMode};
use skladsync_engine::{
    Command, Engine, EngineConfig, Journal, MemorySecretStore, Reply, SecretStore, Server,
    default_task_runner, shop_client,
};
use skladsync_warehouse::{
    Connection, DocumentKind, NewDocument, NewLine, PartnerChoice, PriceGroup, SeedOptions,
};

/// The shop's plan in this bench: requests a minute.
const SHOP_LIMIT_PER_MINUTE: u32 = 100;
/// How often the export polls the warehouse (the continuous mode's default) and the import the
/// shop.
const EXPORT_POLL_SECONDS: u32 = 5;
const IMPORT_POLL_SECONDS: u32 = 60;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// A small random number without a dependency: the low bits of the clock.
fn jitter(max_ms: u64) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .subsec_nanos() as u64;
    Duration::from_millis(nanos % max_ms.max(1))
}

pub async fn bench_latency(
    name: &str,
    connection: Connection,
    goods: usize,
    sales: usize,
    idle_seconds: u64,
) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let wh = crate::seed(
        &connection,
        &SeedOptions {
            goods,
            objects: 1,
            partners: 3,
            ..Default::default()
        },
    )
    .await?;
    let sandbox = Sandbox::start(SandboxConfig {
        seed: Seed::Empty,
        ..Default::default()
    })
    .await?;
    let object = wh.locations().await?[0].id;
    let mut server = Server::new("bench", "Latency", sandbox.base_url(), connection.clone());
    server.export.object = Some(object.into());
    server.export.enabled = true;
    server.export.start = StartMode::Continuous {
        seconds: EXPORT_POLL_SECONDS,
    };
    server.import.object = Some(object.into());
    server.import.enabled = true;
    server.import.start = StartMode::Continuous {
        seconds: IMPORT_POLL_SECONDS,
    };
    let store = Arc::new(MemorySecretStore::default());
    store.set(&server.shop.api_key, sandbox.api_key())?;
    let secrets: Arc<dyn SecretStore> = store;
    let file = SettingsFile::at(dir.path().join("settings.json"));
    file.save(&Settings {
        servers: vec![server.clone()],
        ..Default::default()
    })?;
    let journal = Journal::open(&dir.path().join("journal.db")).await?;
    let engine = Engine::new(EngineConfig {
        settings: file,
        run_task: default_task_runner(secrets.clone(), journal.clone()),
        secrets: secrets.clone(),
        journal: Some(journal.clone()),
        waker: Box::new(|| {}),
    });

    // The first pass with an unlimited shop (as after a first export), then the plan's limit.
    let Reply::StartedMany { .. } = engine.execute(Command::StartEnabled).await else {
        bail!("the engine did not start");
    };
    let all = wh.goods(&[], PriceGroup::RETAIL).await?.goods;
    let deadline = Instant::now() + Duration::from_secs(120);
    // The export's first pass is over when it left its line in the history (the import's
    // polls find nothing: the shop has no orders).
    while journal.runs("bench", 10).await?.is_empty() {
        if Instant::now() > deadline {
            bail!(
                "the first pass did not end: {:?}",
                engine.status().servers.get("bench")
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    sandbox.state().set_rate_limit(Some(SHOP_LIMIT_PER_MINUTE));

    // Requests when nothing changes.
    sandbox.state().clear_request_log();
    tokio::time::sleep(Duration::from_secs(idle_seconds)).await;
    let idle = sandbox.state().request_log();
    let per_hour = idle.len() as f64 * 3600.0 / idle_seconds as f64;
    let idle_paths: std::collections::BTreeSet<String> = idle
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r.method,
                r.path.split('?').next().unwrap_or_default()
            )
        })
        .collect();

    // Sales, one at a time at random moments of the poll.
    let user = wh.users().await?[0].id;
    let pushed = journal.pushed("bench").await?;
    let mut in_stock: Vec<(i64, Decimal, u64)> = all
        .iter()
        .filter_map(|g| {
            let p = pushed.get(&g.id)?;
            let q = p.quantity?;
            (q >= Decimal::ONE).then(|| Some((g.id, g.price, p.variant_id.parse().ok()?)))?
        })
        .collect();
    if in_stock.is_empty() {
        bail!("no good in stock");
    }
    let mut latencies = Vec::with_capacity(sales);
    for i in 0..sales {
        let (good, price, variant) = in_stock[i % in_stock.len()];
        let before = sandbox
            .state()
            .variant(variant)
            .and_then(|v| v.quantity)
            .context("the variant")?;
        if before < 1.0 {
            in_stock.retain(|g| g.0 != good);
            continue;
        }
        tokio::time::sleep(jitter(u64::from(EXPORT_POLL_SECONDS) * 1000)).await;
        let written = Instant::now();
        wh.create_document(&NewDocument {
            kind: DocumentKind::Sale,
            object_id: object,
            user_id: user,
            partner: PartnerChoice::Existing(2),
            date: chrono::Local::now().date_naive(),
            lines: vec![NewLine {
                good_id: good,
                quantity: Decimal::ONE,
                price,
                discount_percent: Decimal::ZERO,
            }],
            reference: format!("bench {i}"),
            payment_type_id: 1,
            paid: vec![],
            usn: None,
            converts_order: None,
        })
        .await?;
        loop {
            let now = sandbox.state().variant(variant).and_then(|v| v.quantity);
            if now == Some(before - 1.0) {
                break;
            }
            if written.elapsed() > Duration::from_secs(120) {
                bail!("sale {i} did not reach the shop in 2 minutes");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        latencies.push(written.elapsed());
    }
    latencies.sort();
    assert!(engine.shutdown(Duration::from_secs(30)).await);

    // The baseline: the same write, bare, through the shop client (the shop's limit still on).
    let client = shop_client(&server, &*secrets)?;
    let mut bare = Vec::new();
    for (_, _, variant) in in_stock.iter().take(20) {
        let q = sandbox
            .state()
            .variant(*variant)
            .and_then(|v| v.quantity)
            .unwrap_or_default();
        let start = Instant::now();
        client
            .update_variant(
                &Id::from(variant.to_string()),
                &VariantUpdate {
                    quantity: Some(Decimal::try_from(q).unwrap_or_default()),
                    ..Default::default()
                },
            )
            .await?;
        bare.push(start.elapsed());
    }
    bare.sort();
    sandbox.shutdown().await;

    println!(
        "latency {name}: {} sales — p50 {}, p95 {}, max {} (export polls every {EXPORT_POLL_SECONDS} s; \
         shop {SHOP_LIMIT_PER_MINUTE} requests/min); baseline bare write p50 {}, p95 {}",
        latencies.len(),
        secs(percentile(&latencies, 0.5)),
        secs(percentile(&latencies, 0.95)),
        secs(latencies.last().copied().unwrap_or_default()),
        ms(percentile(&bare, 0.5)),
        ms(percentile(&bare, 0.95)),
    );
    println!(
        "idle {name}: {} requests in {idle_seconds} s = {per_hour:.0} an hour (import polls every \
         {IMPORT_POLL_SECONDS} s): {idle_paths:?}",
        idle.len()
    );
    Ok(())
}
