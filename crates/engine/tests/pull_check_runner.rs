//! The one-time product pull, the correspondence check and the runner, end to end: a Склад Pro
//! database (SQLite) and the sandbox shop over real HTTP.

use std::sync::Arc;
use std::time::Duration;

use cloudcart_sandbox::{Sandbox, SandboxConfig, Seed};
use rust_decimal::Decimal;
use skladsync_engine::correspondence::{MatchStatus, check};
use skladsync_engine::pull::run_pull;
use skladsync_engine::report::{
    Failure, Problem, PullProblem, SettingField, SettingIssue, SettingProblem,
};
use skladsync_engine::settings::{CompareBy, Server, SettingsFile};
use skladsync_engine::*;
use skladsync_warehouse::*;

struct Fixture {
    dir: tempfile::TempDir,
    wh: Warehouse,
    sandbox: Sandbox,
    server: Server,
    file: SettingsFile,
    secrets: Arc<MemorySecretStore>,
}

async fn fixture(seed_goods: usize, shop: Seed) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let connection = Connection::Sqlite {
        path: dir.path().join("wh.db"),
    };
    let wh = Warehouse::create_blank(&connection, &BlankDatabase::default())
        .await
        .unwrap();
    wh.seed(&SeedOptions {
        goods: seed_goods,
        objects: 2,
        partners: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        seed: shop,
        ..Default::default()
    })
    .await
    .unwrap();
    let mut server = Server::new("p1", "Тест", sandbox.base_url(), connection);
    let objects = wh.locations().await.unwrap();
    server.import.object = Some(objects[0].id.into());
    server.import.pull_products = true;
    server.export.object = Some(objects[0].id.into());
    let secrets = Arc::new(MemorySecretStore::default());
    secrets
        .set(&server.shop.api_key, sandbox.api_key())
        .unwrap();
    let file = SettingsFile::at(dir.path().join("settings.json"));
    file.save(&Settings {
        servers: vec![server.clone()],
        ..Default::default()
    })
    .unwrap();
    Fixture {
        dir,
        wh,
        sandbox,
        server,
        file,
        secrets,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pull_makes_goods_of_every_variant_and_turns_itself_off() {
    let f = fixture(
        0,
        Seed::Generated {
            products: 25,
            orders: 0,
            rng_seed: 3,
        },
    )
    .await;
    let shop = shop_client(&f.server, &*f.secrets).unwrap();
    let variants = f.sandbox.state().variants();
    let with_barcode: Vec<_> = variants
        .iter()
        .filter(|v| v.barcode.as_deref().is_some_and(|b| !b.is_empty()))
        .collect();
    assert!(
        with_barcode.len() > 25,
        "the shop has products with several variants"
    );

    // A dry run writes nothing.
    let dry = run_pull(
        &f.wh,
        &shop,
        &f.server,
        Some(&f.file),
        &Reporter::silent(Task::ProductPull),
        true,
    )
    .await
    .unwrap();
    assert_eq!(dry.created as usize, with_barcode.len());
    assert!(
        f.wh.goods(&[], PriceGroup::RETAIL)
            .await
            .unwrap()
            .goods
            .is_empty()
    );
    assert!(
        f.file.load().unwrap().servers[0].import.pull_products,
        "a dry run leaves the setting on"
    );

    let summary = run_pull(
        &f.wh,
        &shop,
        &f.server,
        Some(&f.file),
        &Reporter::silent(Task::ProductPull),
        false,
    )
    .await
    .unwrap();
    assert_eq!(summary.created as usize, with_barcode.len());
    let goods = f.wh.goods(&[], PriceGroup::RETAIL).await.unwrap().goods;
    assert_eq!(goods.len(), with_barcode.len());
    for v in &with_barcode {
        let g = goods
            .iter()
            .find(|g| g.barcodes[0].as_deref() == v.barcode.as_deref())
            .expect("a good per variant");
        assert_eq!(
            g.price,
            Decimal::new(v.price, 2),
            "the shop price (the database keeps prices with VAT)"
        );
        assert_eq!(
            g.barcodes[1].as_deref(),
            v.sku.as_deref().filter(|s| !s.is_empty())
        );
    }
    // Variants of one product share a code and carry "Type-Value" catalogs.
    let product = f
        .sandbox
        .state()
        .products()
        .into_iter()
        .find(|p| {
            p.parameter_ids[0].is_some()
                && variants.iter().filter(|v| v.item_id == p.id).count() > 1
        })
        .unwrap();
    let its: Vec<&Good> = goods
        .iter()
        .filter(|g| {
            variants
                .iter()
                .any(|v| v.item_id == product.id && v.barcode == g.barcodes[0])
        })
        .collect();
    assert!(its.len() > 1);
    assert!(its.iter().all(|g| g.code == its[0].code));
    assert!(
        its.iter()
            .all(|g| g.catalogs[0].as_deref().is_some_and(|c| c.contains('-')))
    );
    // Goods groups follow the shop's categories; every good has a store row in each object.
    assert!(f.wh.goods_groups().await.unwrap().len() > 1);
    let objects =
        f.wh.query("SELECT COUNT(*) FROM `objects`", &[])
            .await
            .unwrap()[0]
            .int(0)
            .unwrap();
    let rows =
        f.wh.query(
            "SELECT COUNT(*) FROM `store` WHERE `GoodID` = ?",
            &[Value::Int(goods[0].id)],
        )
        .await
        .unwrap()[0]
            .int(0)
            .unwrap();
    assert_eq!(rows, objects);
    // Shop variants without a barcode cannot be matched: each is reported, and the setting stays
    // on so that the user fixes them and pulls again.
    let bare: Vec<_> = variants
        .iter()
        .filter(|v| v.barcode.as_deref().is_none_or(str::is_empty))
        .collect();
    assert!(
        !bare.is_empty(),
        "the generated shop has variants without a barcode"
    );
    assert_eq!(summary.problems.len(), bare.len());
    assert!(summary.problems.iter().all(|p| p.problem
        == Problem::Pull(PullProblem::NoKey {
            compare_by: CompareBy::BarcodeToBarcode1
        })));
    assert!(f.file.load().unwrap().servers[0].import.pull_products);

    // Fixed in the shop: the second pull creates those, updates the rest, and turns itself off.
    for (i, v) in bare.iter().enumerate() {
        let update = skladsync_cloudcart::VariantUpdate {
            barcode: Some(format!("38077700{i:05}")),
            ..Default::default()
        };
        shop.update_variant(&skladsync_cloudcart::Id::from(v.id), &update)
            .await
            .unwrap();
    }
    let again = run_pull(
        &f.wh,
        &shop,
        &f.server,
        Some(&f.file),
        &Reporter::silent(Task::ProductPull),
        false,
    )
    .await
    .unwrap();
    assert!(again.problems.is_empty(), "{:?}", again.problems);
    assert_eq!(
        (again.created as usize, again.updated as usize),
        (bare.len(), with_barcode.len())
    );
    assert_eq!(
        f.wh.goods(&[], PriceGroup::RETAIL)
            .await
            .unwrap()
            .goods
            .len(),
        variants.len()
    );
    assert!(
        !f.file.load().unwrap().servers[0].import.pull_products,
        "the setting turned itself off"
    );
    let with_barcode_count = variants.len();

    // And the export then finds every one of them.
    let journal = Journal::open(&f.dir.path().join("j.db")).await.unwrap();
    let mut export_server = f.server.clone();
    export_server.export.export_goods = false;
    let s = export::run_export(
        &f.wh,
        &shop,
        &journal,
        &export_server,
        &Reporter::silent(Task::Export),
        true,
    )
    .await
    .unwrap();
    assert_eq!(s.created, 0);
    assert_eq!((s.updated + s.unchanged) as usize, with_barcode_count);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_correspondence_check_lists_both_sides() {
    let f = fixture(12, Seed::Empty).await;
    let shop = shop_client(&f.server, &*f.secrets).unwrap();
    let journal = Journal::open(&f.dir.path().join("j.db")).await.unwrap();
    export::run_export(
        &f.wh,
        &shop,
        &journal,
        &f.server,
        &Reporter::silent(Task::Export),
        false,
    )
    .await
    .unwrap();
    let goods = f.wh.goods(&[], PriceGroup::RETAIL).await.unwrap().goods;
    // One good is only in Склад Pro, a shop variant only in the shop, a barcode twice in the shop.
    let only_here = &goods[0];
    let mut data = GoodData {
        barcodes: ["3809999999991".into(), String::new(), String::new()],
        ..only_here.to_data(PriceGroup::RETAIL)
    };
    f.wh.save_good(Some(only_here.id), &data).await.unwrap();
    let rows = check(
        &f.wh,
        &shop,
        &f.server,
        &Reporter::silent(Task::Correspondence),
    )
    .await
    .unwrap();
    let status_of = |key: &str| rows.iter().find(|r| r.key == key).map(|r| r.status);
    assert_eq!(
        status_of("3809999999991"),
        Some(MatchStatus::OnlyInWarehouse)
    );
    assert_eq!(
        status_of(only_here.barcodes[0].as_deref().unwrap()),
        Some(MatchStatus::OnlyInShop)
    );
    assert_eq!(
        status_of(goods[1].barcodes[0].as_deref().unwrap()),
        Some(MatchStatus::Matched)
    );
    assert_eq!(
        rows.iter()
            .filter(|r| r.status == MatchStatus::Matched)
            .count(),
        goods.len() - 1
    );

    // Two goods with one barcode are a duplicate in Склад Pro.
    data.barcodes[0] = goods[2].barcodes[0].clone().unwrap();
    f.wh.save_good(Some(only_here.id), &data).await.unwrap();
    let rows = check(
        &f.wh,
        &shop,
        &f.server,
        &Reporter::silent(Task::Correspondence),
    )
    .await
    .unwrap();
    let dup: Vec<_> = rows
        .iter()
        .filter(|r| r.status == MatchStatus::DuplicateInWarehouse)
        .collect();
    assert_eq!(dup.len(), 2);

    // Compared by SKU the seed's SKUs match too.
    let mut by_sku = f.server.clone();
    by_sku.compare_by = CompareBy::SkuToBarcode2;
    let rows = check(
        &f.wh,
        &shop,
        &by_sku,
        &Reporter::silent(Task::Correspondence),
    )
    .await
    .unwrap();
    assert!(
        rows.iter()
            .filter(|r| r.status == MatchStatus::Matched)
            .count()
            >= goods.len() - 2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runner_runs_a_task_and_reports_progress_and_history() {
    let f = fixture(15, Seed::Empty).await;
    let journal = Journal::open(&f.dir.path().join("journal.db"))
        .await
        .unwrap();
    let woken = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let w = woken.clone();
    let secrets: Arc<dyn SecretStore> = f.secrets.clone();
    let handle = EngineHandle::new(Engine::new(EngineConfig {
        settings: f.file.clone(),
        run_task: default_task_runner(secrets.clone(), journal.clone()),
        secrets,
        journal: Some(journal.clone()),
        waker: Box::new(move || {
            w.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }),
    }));
    handle.send(Command::Start {
        server: f.server.id.as_str().into(),
        task: Task::Export,
        dry_run: false,
        scheduled: false,
    });
    let mut events = Vec::new();
    for _ in 0..200 {
        events.extend(handle.drain_events().into_iter().map(|e| {
            assert_eq!(
                e.server.as_str(),
                f.server.id,
                "every event names its server"
            );
            e.event
        }));
        if events
            .iter()
            .any(|e| matches!(e, Event::Finished { .. } | Event::Failed { .. }))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let finished = events.iter().find_map(|e| match e {
        Event::Finished { summary, .. } => Some(summary.clone()),
        _ => None,
    });
    let summary = finished.unwrap_or_else(|| panic!("no Finished event: {events:?}"));
    assert_eq!(summary.created, 15);
    assert!(events.iter().any(|e| matches!(
        e,
        Event::Progress {
            done: 15,
            total: 15,
            ..
        }
    )));
    assert!(
        woken.load(std::sync::atomic::Ordering::SeqCst) > 0,
        "the UI was woken"
    );
    // The status snapshot settles with the last result.
    for _ in 0..50 {
        if handle
            .status()
            .servers
            .get(f.server.id.as_str())
            .is_some_and(|s| s.running.is_none() && s.last.is_some())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let status = handle.status().servers[f.server.id.as_str()].clone();
    assert!(matches!(status.last, Some((Task::Export, Ok(ref s))) if s.created == 15));
    assert_eq!(f.sandbox.state().variants().len(), 15);
    let history = journal.runs(&f.server.id, 10).await.unwrap();
    assert_eq!(history.len(), 1);
    assert!(history[0].ok);

    // Wrong settings, saved through the engine (the only writer of the file), fail the next
    // run with a clear message, and nothing is written.
    let mut changed = f.server.clone();
    changed.export.object = Some(9_999.into());
    handle.send(Command::SaveServer {
        server: Box::new(changed),
    });
    let replies = handle.drain_replies();
    assert!(
        matches!(replies[0], Reply::Started { .. }),
        "the first start was answered: {replies:?}"
    );
    assert_eq!(replies.last(), Some(&Reply::Done), "the save was answered");
    assert_eq!(
        f.file.load().unwrap().servers[0].export.object,
        Some(ObjectId(9_999)),
        "the engine saved the file"
    );
    f.sandbox.state().clear_request_log();
    handle.send(Command::Start {
        server: f.server.id.as_str().into(),
        task: Task::Export,
        dry_run: false,
        scheduled: false,
    });
    let mut failed = None;
    for _ in 0..200 {
        for e in handle.drain_events() {
            if let Event::Failed { failure, .. } = e.event {
                failed = Some(failure);
            }
        }
        if failed.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let failure = failed.expect("the run failed");
    assert!(
        matches!(&failure, Failure::Settings { problems } if problems.contains(&SettingProblem {
            field: SettingField::ExportObject,
            issue: SettingIssue::NoSuchObject { id: 9999 },
        })),
        "{failure:?}"
    );
    assert!(
        f.sandbox
            .state()
            .request_log()
            .iter()
            .all(|r| r.method == "GET")
    );
}

#[test]
fn start_modes_wait_as_configured() {
    use skladsync_engine::settings::StartMode;
    assert_eq!(wait_before(StartMode::OnServerStart), None);
    assert_eq!(
        wait_before(StartMode::EveryMinutes { minutes: 5 }),
        Some(Duration::from_secs(300))
    );
    let daily = wait_before(StartMode::AtTime { hour: 3, minute: 0 }).unwrap();
    assert!(daily <= Duration::from_secs(24 * 3600) && daily > Duration::ZERO);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supto_settings_are_required_on_a_supto_database_and_refused_on_a_normal_one() {
    let dir = tempfile::tempdir().unwrap();
    let supto_conn = Connection::Sqlite {
        path: dir.path().join("supto.db"),
    };
    let supto = Warehouse::create_blank(
        &supto_conn,
        &BlankDatabase {
            version: "3.07.100".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    supto
        .seed(&SeedOptions {
            goods: 2,
            objects: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut server = Server::new("s", "СУПТО", "http://127.0.0.1:1", supto_conn);
    server.import.object = Some(supto.locations().await.unwrap()[0].id.into());
    let fields = |problems: Vec<SettingProblem>| -> Vec<SettingField> {
        problems.into_iter().map(|p| p.field).collect()
    };
    let missing = fields(
        skladsync_engine::validate::validate(&supto, &server, Task::OrderImport)
            .await
            .unwrap(),
    );
    for f in [
        SettingField::ImportFiscalDevice,
        SettingField::ImportOperatorCode,
        SettingField::ImportActiveUser,
    ] {
        assert!(missing.contains(&f), "{f:?} missing: {missing:?}");
    }
    server.import.fiscal_device = Some("DT000600".into());
    server.import.operator_code = Some("0001".into());
    server.import.active_user = Some(supto.users().await.unwrap()[0].id.into());
    let ok = skladsync_engine::validate::validate(&supto, &server, Task::OrderImport)
        .await
        .unwrap();
    assert!(ok.is_empty(), "{ok:?}");
    server.import.operator_code = Some("op1".into());
    let bad = fields(
        skladsync_engine::validate::validate(&supto, &server, Task::OrderImport)
            .await
            .unwrap(),
    );
    assert!(bad.contains(&SettingField::ImportOperatorCode), "{bad:?}");

    // The same device setting on a normal 3.07.056 database is refused.
    let normal_conn = Connection::Sqlite {
        path: dir.path().join("normal.db"),
    };
    let normal = Warehouse::create_blank(
        &normal_conn,
        &BlankDatabase {
            version: "3.07.056".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    normal
        .seed(&SeedOptions {
            goods: 2,
            objects: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    server.warehouse.connection = normal_conn;
    server.import.object = Some(normal.locations().await.unwrap()[0].id.into());
    server.import.active_user = None;
    server.import.operator_code = None;
    let refused = skladsync_engine::validate::validate(&normal, &server, Task::OrderImport)
        .await
        .unwrap();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(
        refused[0],
        SettingProblem {
            field: SettingField::ImportFiscalDevice,
            issue: SettingIssue::OnlyForSupto
        }
    );
}
