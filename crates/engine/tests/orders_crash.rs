//! Crash safety of the order import: the importer runs as a child process (this test binary
//! run again in "child" mode) and is killed with SIGKILL at 50 pseudo-random moments while it
//! imports 200 orders from the sandbox shop over HTTP into an SQLite Склад Pro database (25
//! times in SUPTO mode, to keep the suite short). After a
//! last run to the end, every order must be in the warehouse exactly once, with the shop's total,
//! and — in SUPTO mode — exactly one УНП, the same in the warehouse and in the shop.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use cloudcart_sandbox::{PlaceOrder, PlaceOrderLine, Sandbox, SandboxConfig, Shopper};
use rust_decimal::Decimal;
use skladsync_engine::export::run_export;
use skladsync_engine::orders;
use skladsync_engine::settings::{EditionSetting, PaymentTypeMapping, Server, SpecialGoods};
use skladsync_engine::*;
use skladsync_warehouse::*;

const CHILD_ENV: &str = "SKLADSYNC_ORDERS_CRASH_CHILD";

/// Child mode: run one import with the server in the file named by [`CHILD_ENV`], then exit.
/// As an ordinary test (no variable), it does nothing.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let server: Server =
        serde_json::from_str(&std::fs::read_to_string(dir.join("server.json")).unwrap()).unwrap();
    let key = std::fs::read_to_string(dir.join("key")).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let wh = Warehouse::connect(&server.warehouse.connection)
            .await
            .unwrap();
        let secrets = MemorySecretStore::default();
        secrets.set(&server.shop.api_key, &key).unwrap();
        let shop = shop_client(&server, &secrets).unwrap();
        let journal = Journal::open(&dir.join("journal.db")).await.unwrap();
        orders::run_import(
            &wh,
            &shop,
            &journal,
            &server,
            &Reporter::silent(Task::OrderImport),
            false,
            None,
        )
        .await
        .unwrap();
    });
}

/// A small deterministic generator (no dependency needed for 50 numbers).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

async fn killed_many_times(supto: bool, kill_times: usize) {
    let dir = tempfile::tempdir().unwrap();
    let connection = Connection::Sqlite {
        path: dir.path().join("wh.db"),
    };
    let wh = Warehouse::create_blank(&connection, &BlankDatabase::default())
        .await
        .unwrap();
    wh.seed(&SeedOptions {
        goods: 15,
        objects: 2,
        partners: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let mut server = Server::new("crash", "Срив", sandbox.base_url(), connection);
    let object = wh.locations().await.unwrap()[0].id;
    server.export.object = Some(object.into());
    server.import.object = Some(object.into());
    server.import.active_user = wh
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.id > 1)
        .map(|u| u.id.into());
    let group_id = wh
        .goods_groups()
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.code.len() == 3)
        .unwrap()
        .id;
    let delivery = wh
        .save_good(
            None,
            &GoodData {
                code: "SRV-DOST".into(),
                name: "Доставка".into(),
                barcodes: Default::default(),
                catalogs: Default::default(),
                measure: "бр.".into(),
                price_group: PriceGroup::RETAIL,
                price: Decimal::ZERO,
                vat_group_id: 1,
                group_id,
            },
        )
        .await
        .unwrap();
    server.import.special_goods = SpecialGoods {
        delivery: Some(delivery.into()),
        discount: Some(delivery.into()),
        fee: None,
    };
    // The seed's coffee and tea are at 9 % (VAT group 2): their share of a discount needs a
    // discount good of that rate.
    server.import.discount_goods_other_rates = vec![
        wh.save_good(
            None,
            &GoodData {
                code: "SRV-OTST9".into(),
                name: "Отстъпка 9 %".into(),
                barcodes: Default::default(),
                catalogs: Default::default(),
                measure: "бр.".into(),
                price_group: PriceGroup::RETAIL,
                price: Decimal::ZERO,
                vat_group_id: 2,
                group_id,
            },
        )
        .await
        .unwrap()
        .into(),
    ];
    let types = wh.payment_types().await.unwrap();
    let by_name = |n: &str| types.iter().find(|t| t.name == n).unwrap().id;
    server.import.payment_types = vec![
        PaymentTypeMapping {
            provider: "cod".into(),
            payment_type: (by_name("Наложен платеж")).into(),
        },
        PaymentTypeMapping {
            provider: "borica".into(),
            payment_type: (by_name("Дебитна/Кредитна карта")).into(),
        },
    ];
    if supto {
        server.warehouse.edition = EditionSetting::Supto;
        server.import.fiscal_device = Some("DT000600".into());
        server.import.operator_code = Some("0001".into());
    }
    let secrets = MemorySecretStore::default();
    secrets
        .set(&server.shop.api_key, sandbox.api_key())
        .unwrap();
    let shop = shop_client(&server, &secrets).unwrap();
    let journal = Journal::open(&dir.path().join("journal.db")).await.unwrap();
    run_export(
        &wh,
        &shop,
        &journal,
        &server,
        &Reporter::silent(Task::Export),
        false,
    )
    .await
    .unwrap();
    let variants: Vec<u64> = sandbox
        .state()
        .variants()
        .into_iter()
        .filter(|v| v.barcode.is_some())
        .map(|v| v.id)
        .collect();
    for v in &variants {
        sandbox.state().set_variant_quantity(*v, None).unwrap();
    }
    let mut rng = Lcg(if supto { 11 } else { 7 });
    let mut ids = Vec::new();
    for n in 0..200 {
        let lines = (0..1 + rng.next(3))
            .map(|_| PlaceOrderLine {
                variant_id: variants[rng.next(variants.len() as u64) as usize],
                quantity: 1.0 + rng.next(3) as f64,
            })
            .collect();
        ids.push(
            sandbox
                .state()
                .place_order(PlaceOrder {
                    lines,
                    customer: Some(Shopper {
                        first_name: "Клиент".into(),
                        last_name: format!("№{n}"),
                        email: format!("c{}@example.bg", n % 37),
                        city: "Варна".into(),
                        post_code: "9000".into(),
                        street: "бул. Приморски".into(),
                        ..Default::default()
                    }),
                    payment_provider: Some(if n % 3 == 0 { "borica" } else { "cod" }.into()),
                    discount_percent: (n % 5 == 0).then_some(10),
                    ..Default::default()
                })
                .unwrap(),
        );
    }
    std::fs::write(
        dir.path().join("server.json"),
        serde_json::to_string(&server).unwrap(),
    )
    .unwrap();
    std::fs::write(dir.path().join("key"), sandbox.api_key()).unwrap();

    let exe = std::env::current_exe().unwrap();
    let child = || {
        Command::new(&exe)
            .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let documents = || async {
        wh.query(
            "SELECT COUNT(DISTINCT `Note`) FROM `operations` WHERE `OperType` = 19 AND `Acct` > 0",
            &[],
        )
        .await
        .unwrap()[0]
            .int(0)
            .unwrap_or(0)
    };
    // Each kill lands while documents are being written: after 1–4 more documents, at a
    // moment the parent's polling makes random.
    let mut kills = 0;
    let mut progress = Vec::new();
    let mut runs = 0;
    while kills < kill_times && runs < 2 * kill_times {
        runs += 1;
        let before = documents().await;
        let target = before + 1 + rng.next(4) as i64;
        let deadline = 50 + rng.next(600);
        let mut c = child();
        let started = std::time::Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(1 + rng.next(7))).await;
            if c.try_wait().unwrap().is_some() {
                break;
            }
            // Once every order has its document, the runs only reconcile: those are killed
            // at a random moment instead.
            let late = before >= 200 && started.elapsed() > Duration::from_millis(deadline);
            if late || documents().await >= target || started.elapsed() > Duration::from_secs(30) {
                c.kill().unwrap(); // SIGKILL
                c.wait().unwrap();
                kills += 1;
                break;
            }
        }
        progress.push(documents().await);
    }
    eprintln!("documents after each kill: {progress:?}");
    // The last run goes to the end.
    let status = child().wait().unwrap();
    assert!(status.success());
    assert_eq!(kills, kill_times, "every run was killed before it finished");

    let mut numbers = std::collections::HashSet::new();
    for id in &ids {
        let docs = wh
            .find_documents_by_reference(&orders::shop_reference(
                &orders::shop_host(&shop),
                &id.to_string(),
            ))
            .await
            .unwrap();
        assert_eq!(docs.len(), 1, "order {id}: {docs:?}");
        let d = &docs[0];
        let o = sandbox.state().order(*id).unwrap();
        assert_eq!(d.total, Decimal::new(o.price_total, 2), "order {id}");
        assert!(numbers.insert(d.number), "number {} repeats", d.number);
        let partner = wh
            .query(
                "SELECT `eMail` FROM `partners` WHERE `ID` = ?",
                &[Value::Int(d.partner_id)],
            )
            .await
            .unwrap();
        assert_eq!(partner[0].text(0), Some(o.customer_email.clone()));
        if supto {
            let rows = wh
                .query(
                    "SELECT `Description` FROM `ecrreceipts` WHERE `OperType` = 19 AND `Acct` = ? AND `ReceiptType` = 8",
                    &[Value::Int(d.number)],
                )
                .await
                .unwrap();
            assert_eq!(rows.len(), 1, "one УНП for order {id}");
            assert_eq!(rows[0].text(0), o.usn.clone(), "the shop has the same УНП");
        }
    }
    let partners = wh
        .query(
            "SELECT `eMail`, COUNT(*) FROM `partners` WHERE `eMail` LIKE 'c%@example.bg' GROUP BY `eMail` HAVING COUNT(*) > 1",
            &[],
        )
        .await
        .unwrap();
    assert!(partners.is_empty(), "a partner was doubled: {partners:?}");
    if supto {
        let usns = wh
            .query(
                "SELECT COUNT(*), COUNT(DISTINCT `Description`) FROM `ecrreceipts` WHERE `ReceiptType` = 8",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(usns[0].int(0), Some(200));
        assert_eq!(usns[0].int(1), Some(200));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_fifty_times_while_importing_200_orders_each_is_imported_once() {
    killed_many_times(false, 50).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supto_killed_25_times_each_order_has_one_usn_in_the_warehouse_and_the_shop() {
    killed_many_times(true, 25).await;
}
