//! The continuous mode over real HTTP and a real SQLite warehouse: the first poll is a full pass;
//! polls that find nothing send the shop no request and leave no line in the history; a sale
//! written into the warehouse reaches the shop as one write of that good's quantity.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use cloudcart_sandbox::{Sandbox, SandboxConfig, Seed};
use rust_decimal::Decimal;
use skladsync_engine::settings::{Settings, SettingsFile, StartMode};
use skladsync_engine::*;
use skladsync_warehouse::*;

async fn wait_for(what: &str, secs: u64, mut ok: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !ok().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A seeded SQLite warehouse of `goods` goods in one object, an empty sandbox shop, and a server
/// of the two exporting to that object.
struct Setup {
    dir: tempfile::TempDir,
    wh: Warehouse,
    sandbox: Sandbox,
    server: Server,
    object: i64,
}

async fn setup(id: &str, goods: usize) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let connection = Connection::Sqlite {
        path: dir.path().join("wh.db"),
    };
    let wh = Warehouse::create_blank(&connection, &BlankDatabase::default())
        .await
        .unwrap();
    wh.seed(&SeedOptions {
        goods,
        objects: 1,
        partners: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    let sandbox = Sandbox::start(SandboxConfig {
        seed: Seed::Empty,
        ..Default::default()
    })
    .await
    .unwrap();
    let mut server = Server::new(id, "Непрекъснато", sandbox.base_url(), connection);
    let object = wh.locations().await.unwrap()[0].id;
    server.export.object = Some(object.into());
    Setup {
        dir,
        wh,
        sandbox,
        server,
        object,
    }
}

/// A real engine over the server, its export continuous (a poll a second), its import off.
async fn continuous_engine(
    dir: &tempfile::TempDir,
    sandbox: &Sandbox,
    server: &mut Server,
) -> (Engine, Journal) {
    server.export.enabled = true;
    server.export.start = StartMode::Continuous { seconds: 1 };
    server.import.enabled = false;
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
    let journal = Journal::open(&dir.path().join("journal.db")).await.unwrap();
    let secrets: Arc<dyn SecretStore> = secrets;
    let engine = Engine::new(EngineConfig {
        settings: file,
        run_task: default_task_runner(secrets.clone(), journal.clone()),
        secrets,
        journal: Some(journal.clone()),
        waker: Box::new(|| {}),
    });
    (engine, journal)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_reaches_the_shop_and_quiet_polls_cost_nothing() {
    let Setup {
        dir,
        wh,
        sandbox,
        mut server,
        object,
    } = setup("c1", 20).await;
    let (engine, journal) = continuous_engine(&dir, &sandbox, &mut server).await;
    let reply = engine.execute(Command::StartEnabled).await;
    // The export, and its nightly reconciliation (waiting for 03:00).
    assert!(
        matches!(&reply, Reply::StartedMany { runs } if runs.len() == 2),
        "{reply:?}"
    );

    // The first poll is a full pass: every good goes to the shop.
    let goods = wh.goods(&[], PriceGroup::RETAIL).await.unwrap().goods;
    wait_for("the first full pass", 60, async || {
        journal.pushed("c1").await.unwrap().len() == goods.len()
    })
    .await;
    wait_for("the server to be in step", 10, async || {
        engine.status().servers["c1"].in_step_since.is_some()
    })
    .await;
    let runs_after_first = journal.runs("c1", 100).await.unwrap().len();
    assert_eq!(runs_after_first, 1, "the full pass is in the history");

    // Quiet polls: no request to the shop, nothing in the history.
    sandbox.state().clear_request_log();
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert!(
        sandbox.state().request_log().is_empty(),
        "{:?}",
        sandbox.state().request_log()
    );
    assert_eq!(journal.runs("c1", 100).await.unwrap().len(), 1);

    // A sale of two units of a good in stock, written as Склад Pro writes one.
    let pushed = journal.pushed("c1").await.unwrap();
    let good = goods
        .iter()
        .find(|g| {
            pushed[&g.id]
                .quantity
                .is_some_and(|q| q >= Decimal::from(2))
        })
        .expect("a good in stock");
    let before = pushed[&good.id].quantity.unwrap();
    let variant: u64 = pushed[&good.id].variant_id.parse().unwrap();
    let user = wh.users().await.unwrap()[0].id;
    let sale_written = chrono::Utc::now();
    wh.create_document(&NewDocument {
        kind: DocumentKind::Sale,
        object_id: object,
        user_id: user,
        partner: PartnerChoice::Existing(2),
        date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        lines: vec![NewLine {
            good_id: good.id,
            quantity: Decimal::from(2),
            price: good.price,
            discount_percent: Decimal::ZERO,
        }],
        reference: "каса 1".into(),
        payment_type_id: 1,
        paid: vec![],
        usn: None,
        converts_order: None,
    })
    .await
    .unwrap();
    let want: f64 = (before - Decimal::TWO).to_string().parse().unwrap();
    wait_for("the sale to reach the shop", 30, async || {
        sandbox.state().variant(variant).and_then(|v| v.quantity) == Some(want)
    })
    .await;
    // One write, of that good only.
    let log = sandbox.state().request_log();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].method, "PATCH");
    assert!(
        log[0].path.contains(&variant.to_string()),
        "{}",
        log[0].path
    );
    // The run ends (and says so in the status) right after its write.
    wait_for("the status to show the push", 10, async || {
        engine.status().servers["c1"]
            .last_push
            .as_ref()
            .is_some_and(|p| p.at > sale_written)
    })
    .await;
    let push = engine.status().servers["c1"].last_push.clone().unwrap();
    assert_eq!((push.task, push.written), (Task::Export, 1));
    // The requests spent are counted against the limit the shop states.
    let st = engine.status().servers["c1"].clone();
    assert!(st.requests_last_hour > log.len() as u64, "{st:?}");
    assert!(st.limit_per_minute.is_some(), "{st:?}");
    // The change is in the history; the quiet polls are not.
    let runs = journal.runs("c1", 100).await.unwrap();
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(runs[0].counts.updated, 1);

    assert!(engine.shutdown(Duration::from_secs(10)).await);
    sandbox.shutdown().await;
}

/// The nightly reconciliation compares with what the shop holds: a quantity changed in the
/// shop's admin (which the journal cannot know) is set right, and the difference is listed in
/// the history.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reconciliation_sets_right_what_the_shop_holds_and_lists_it() {
    let Setup {
        dir,
        sandbox,
        mut server,
        ..
    } = setup("r1", 12).await;
    // Without the order import (with it, the reconciliation takes the orders in first).
    server.import.enabled = false;
    let secrets = MemorySecretStore::default();
    secrets
        .set(&server.shop.api_key, sandbox.api_key())
        .unwrap();
    let journal = Journal::open(&dir.path().join("journal.db")).await.unwrap();
    let file = SettingsFile::at(dir.path().join("settings.json"));
    file.save(&Settings {
        servers: vec![server.clone()],
        ..Default::default()
    })
    .unwrap();
    let first = run_task(
        &server,
        Task::Export,
        false,
        &Reporter::silent(Task::Export),
        &secrets,
        &journal,
        &file,
    )
    .await
    .unwrap();
    assert!(first.created > 0);
    // Someone changes a quantity in the shop's admin; the journal still holds the old one.
    let pushed = journal.pushed("r1").await.unwrap();
    let (good, p) = pushed.iter().next().unwrap();
    let variant: u64 = p.variant_id.parse().unwrap();
    let right = p.quantity.unwrap();
    sandbox
        .state()
        .set_variant_quantity(variant, Some(999.0))
        .unwrap();
    // A normal export trusts the journal and writes nothing.
    let normal = run_task(
        &server,
        Task::Export,
        false,
        &Reporter::silent(Task::Export),
        &secrets,
        &journal,
        &file,
    )
    .await
    .unwrap();
    assert_eq!(normal.updated, 0);
    // The reconciliation sees the shop and sets it right.
    let r = run_task(
        &server,
        Task::Reconcile,
        false,
        &Reporter::silent(Task::Reconcile),
        &secrets,
        &journal,
        &file,
    )
    .await
    .unwrap();
    assert_eq!(r.updated, 1, "{:?}", r.problems);
    let want: f64 = right.to_string().parse().unwrap();
    assert_eq!(
        sandbox.state().variant(variant).and_then(|v| v.quantity),
        Some(want)
    );
    assert_eq!(r.problems.len(), 1);
    assert!(matches!(
        &r.problems[0].item,
        skladsync_engine::report::Item::Good { id, .. } if id == good
    ));
    assert_eq!(
        r.problems[0].problem,
        skladsync_engine::report::Problem::Export(
            skladsync_engine::report::ExportProblem::Reconciled {
                quantity: Some((Some(Decimal::from(999)), right)),
                price: None,
            }
        )
    );
    sandbox.shutdown().await;
}

/// A poll whose write the shop keeps failing (5xx after every retry) does not lose the change:
/// once the shop answers again, a later poll writes it — not only the nightly reconciliation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_the_shop_failed_to_take_is_written_by_a_later_poll() {
    let Setup {
        dir,
        wh,
        sandbox,
        mut server,
        object,
    } = setup("c2", 8).await;
    let (engine, journal) = continuous_engine(&dir, &sandbox, &mut server).await;
    engine.execute(Command::StartEnabled).await;
    let goods = wh.goods(&[], PriceGroup::RETAIL).await.unwrap().goods;
    wait_for("the first full pass", 60, async || {
        journal.pushed("c2").await.unwrap().len() == goods.len()
    })
    .await;

    // Every write of a variant fails until the shop recovers: the first try and every retry.
    sandbox.state().set_fault(
        cloudcart_sandbox::FaultRule::from(cloudcart_sandbox::Fault::ServerError {
            status: 503,
            times: u32::MAX,
        })
        .on_path("/api/v2/variants")
        .on_method("PATCH"),
    );
    let pushed = journal.pushed("c2").await.unwrap();
    let good = goods
        .iter()
        .find(|g| pushed[&g.id].quantity.is_some_and(|q| q >= Decimal::ONE))
        .expect("a good in stock");
    let before = pushed[&good.id].quantity.unwrap();
    let variant: u64 = pushed[&good.id].variant_id.parse().unwrap();
    let user = wh.users().await.unwrap()[0].id;
    wh.create_document(&NewDocument {
        kind: DocumentKind::Sale,
        object_id: object,
        user_id: user,
        partner: PartnerChoice::Existing(2),
        date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        lines: vec![NewLine {
            good_id: good.id,
            quantity: Decimal::ONE,
            price: good.price,
            discount_percent: Decimal::ZERO,
        }],
        reference: "каса 2".into(),
        payment_type_id: 1,
        paid: vec![],
        usn: None,
        converts_order: None,
    })
    .await
    .unwrap();
    // The poll tried, retried and gave up on the good (the run reports it).
    wait_for("the poll to give up on the write", 60, async || {
        journal
            .runs("c2", 10)
            .await
            .unwrap()
            .iter()
            .any(|r| r.counts.skipped > 0)
    })
    .await;
    let tried = sandbox
        .state()
        .request_log()
        .iter()
        .filter(|r| r.method == "PATCH" && r.status == 503)
        .count();
    assert!(tried >= 2, "the write was tried and retried: {tried}");
    sandbox.state().clear_faults();

    // The shop answers again: a later poll writes the change.
    let want: f64 = (before - Decimal::ONE).to_string().parse().unwrap();
    wait_for("a later poll to write the change", 30, async || {
        sandbox.state().variant(variant).and_then(|v| v.quantity) == Some(want)
    })
    .await;
    assert!(engine.shutdown(Duration::from_secs(10)).await);
    sandbox.shutdown().await;
}
