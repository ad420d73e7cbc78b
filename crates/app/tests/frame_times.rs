//! Benchmark: is the window responsive while a big export runs? Frame times of the window's
//! own work (`App::show`: draining events, the status snapshot, layout, AccessKit) while the
//! real engine exports N goods from an SQLite Склад Pro to the sandbox shop.
//!
//! ```sh
//! cargo test --release -p skladsync --test frame_times -- --ignored --nocapture
//! SKLADSYNC_BENCH_GOODS=20000 cargo test -p skladsync --test frame_times -- --ignored --nocapture
//! ```
//!
//! Ignored by default: it takes minutes. It prints the percentiles and whether the 95th
//! percentile is under the 16 ms target (a figure, not a pass/fail of the test suite).
//!
//! Measured 2026-11-25 on the 2-core development machine, release build: 100 000 goods
//! exported in 36 s with the sandbox in the same process — 2 237 frames, p50 0.44 ms, p95
//! 0.66 ms, p99 1.08 ms, max 6.2 ms; the correspondence table with 100 000 rows: p50 1.01 ms,
//! p95 1.04 ms, max 11 ms.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cloudcart_sandbox::{Sandbox, SandboxConfig};
use egui_kittest::Harness;
use skladsync::ui::{App, AppInit, Tab};
use skladsync_engine::settings::{Settings, SettingsFile};
use skladsync_engine::{Journal, MemorySecretStore, SecretStore, Server, Task};
use skladsync_warehouse::{BlankDatabase, Connection, SeedOptions, Warehouse};

#[test]
#[ignore = "benchmark: minutes; run with --ignored --nocapture"]
fn frame_times_during_a_big_export() {
    let goods: usize = std::env::var("SKLADSYNC_BENCH_GOODS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let rt = skladsync::runtime().unwrap();
    let connection = Connection::Sqlite {
        path: dir.path().join("bench.db"),
    };
    let t0 = Instant::now();
    let wh = rt
        .block_on(Warehouse::create_blank(
            &connection,
            &BlankDatabase::default(),
        ))
        .unwrap();
    rt.block_on(wh.seed(&SeedOptions {
        goods,
        objects: 4,
        partners: 10,
        ..Default::default()
    }))
    .unwrap();
    let objects = rt.block_on(wh.locations()).unwrap();
    eprintln!("seeded {goods} goods in {:.1?}", t0.elapsed());
    let sandbox = rt
        .block_on(Sandbox::start(SandboxConfig::default()))
        .unwrap();

    let file = SettingsFile::at(dir.path().join("settings.json"));
    let mut server = Server::new("bench", "Bench", sandbox.base_url(), connection);
    server.export.object = objects.first().map(|o| o.id).map(Into::into);
    let mut all = Settings::default();
    all.servers.push(server.clone());
    file.save(&all).unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());
    secrets
        .set(&server.shop.api_key, sandbox.api_key())
        .unwrap();
    let journal = rt
        .block_on(Journal::open(&dir.path().join("journal.db")))
        .unwrap();
    let app = App::new(AppInit {
        runtime: rt.clone(),
        settings: file,
        secrets,
        secret_store: None,
        journal: Some(journal),
        runner: None,
        attach: None,
        engine: None,
        select: Some("bench".into()),
        lang: Default::default(),
    });
    let mut h = Harness::builder()
        .with_size([1280.0, 860.0])
        .build_ui_state(|ui, app: &mut App| app.show(ui), app);
    h.state_mut().tab = Tab::Actions;
    h.run_steps(3);
    h.state_mut().start("bench", Task::Export, false, false);

    let mut frames = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60 * 30);
    let started = Instant::now();
    loop {
        let t = Instant::now();
        h.step();
        frames.push(t.elapsed());
        let done = h
            .state()
            .views
            .get("bench")
            .is_some_and(|v| v.last.is_some());
        if done || Instant::now() > deadline {
            break;
        }
        // A 60 Hz display: the next frame no sooner than 16 ms after this one began.
        std::thread::sleep(Duration::from_millis(16).saturating_sub(t.elapsed()));
    }
    let last = h.state().views["bench"].last.clone();
    eprintln!(
        "export of {goods} goods: {:?} in {:.1?}",
        last.as_ref().map(|l| l
            .1
            .as_ref()
            .map(|s| (s.created, s.updated))
            .map_err(|e| e.clone())),
        started.elapsed()
    );
    let mut slow: Vec<(usize, Duration)> = frames
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, d)| *d >= Duration::from_millis(16))
        .collect();
    slow.sort_by_key(|(_, d)| std::cmp::Reverse(*d));
    eprintln!(
        "frames of 16 ms or more: {} (worst, as frame index and time: {:.1?})",
        slow.len(),
        &slow[..slow.len().min(10)]
    );
    frames.sort();
    let pct = |p: f64| frames[((frames.len() - 1) as f64 * p).round() as usize];
    let (p50, p95, p99, max) = (pct(0.50), pct(0.95), pct(0.99), *frames.last().unwrap());
    eprintln!(
        "frames: {} · p50 {:.2?} · p95 {:.2?} · p99 {:.2?} · max {:.2?}",
        frames.len(),
        p50,
        p95,
        p99,
        max
    );
    assert!(matches!(last, Some((Task::Export, Ok(_)))), "{last:?}");
    println!(
        "target p95 < 16 ms: {}",
        if p95 < Duration::from_millis(16) {
            "met"
        } else {
            "NOT met"
        }
    );
    rt.block_on(sandbox.shutdown());
}

#[test]
#[ignore = "benchmark; run with --ignored --nocapture"]
fn frame_times_of_a_100k_row_correspondence_table() {
    use skladsync_engine::correspondence::{CorrespondenceRow, MatchStatus};
    let dir = tempfile::tempdir().unwrap();
    let rt = skladsync::runtime().unwrap();
    let file = SettingsFile::at(dir.path().join("settings.json"));
    let mut all = Settings::default();
    all.servers.push(Server::new(
        "t",
        "T",
        "http://127.0.0.1:9",
        Connection::Sqlite {
            path: dir.path().join("none.db"),
        },
    ));
    file.save(&all).unwrap();
    let mut app = App::new(AppInit {
        runtime: rt.clone(),
        settings: file,
        secrets: Arc::new(MemorySecretStore::default()),
        secret_store: None,
        journal: None,
        runner: Some(Arc::new(|_, _, _| {
            Box::pin(async { Ok(Default::default()) })
        })),
        attach: None,
        engine: None,
        select: Some("t".into()),
        lang: Default::default(),
    });
    let statuses = [
        MatchStatus::Matched,
        MatchStatus::OnlyInWarehouse,
        MatchStatus::OnlyInShop,
    ];
    let rows: Vec<CorrespondenceRow> = (0..100_000)
        .map(|i| CorrespondenceRow {
            status: statuses[i % 3],
            key: format!("3800{i:09}"),
            good_id: Some(i as i64),
            good_code: format!("{i}"),
            good_name: format!("Стока {i}"),
            shop_variant_id: None,
            shop_product_id: None,
            shop_sku: String::new(),
            shop_barcode: format!("3800{i:09}"),
            warehouse_price: Some(rust_decimal::Decimal::from(i as i64 % 97)),
            shop_price: None,
            warehouse_quantity: None,
            shop_quantity: None,
        })
        .collect();
    app.views
        .entry("t".into())
        .or_default()
        .check
        .set_rows(rows);
    app.tab = Tab::Check;
    let mut h = Harness::builder()
        .with_size([1280.0, 860.0])
        .build_ui_state(|ui, app: &mut App| app.show(ui), app);
    h.run_steps(3);
    let mut frames = Vec::new();
    for i in 0..300 {
        if i == 100 {
            // Filter and search once, as a user would.
            let c = &mut h.state_mut().views.get_mut("t").unwrap().check;
            c.filter = Some(MatchStatus::OnlyInShop);
            c.search = "99".into();
        }
        let t = Instant::now();
        h.step();
        frames.push(t.elapsed());
    }
    frames.sort();
    let pct = |p: f64| frames[((frames.len() - 1) as f64 * p).round() as usize];
    eprintln!(
        "100 000 rows: p50 {:.2?} · p95 {:.2?} · max {:.2?}",
        pct(0.5),
        pct(0.95),
        frames.last().unwrap()
    );
    println!(
        "target p95 < 16 ms: {}",
        if pct(0.95) < Duration::from_millis(16) {
            "met"
        } else {
            "NOT met"
        }
    );
}
