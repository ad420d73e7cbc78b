//! Unattended import: nobody watches, and every shop order still reaches Склад Pro exactly once.
//! Real HTTP (the sandbox shop on 127.0.0.1) and real databases (SQLite; MariaDB when
//! SKLADSYNC_TEST_MYSQL_URL is set at build time, otherwise those tests are ignored):
//!
//! * two shops whose order numbers coincide, imported into one database;
//! * three importer processes, each with its own data folder (journal), on one database and
//!   100 orders, killed with SIGKILL at random moments, then run to the end;
//! * an undecodable order, an absurd one and one dated in the future among good ones;
//! * the sweep by date that catches an order the watermark missed.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use cloudcart_sandbox::{PlaceOrder, PlaceOrderLine, Sandbox, SandboxConfig, Shopper};
use rust_decimal::Decimal;
use skladsync_cloudcart::Client;
use skladsync_engine::export::run_export;
use skladsync_engine::orders::{self, OrderStore, QueueKind};
use skladsync_engine::report::{DocumentDifference, OrderProblem, OrderValue};
use skladsync_engine::settings::{EditionSetting, PaymentTypeMapping, Server, SpecialGoods};
use skladsync_engine::*;
use skladsync_warehouse::*;

#[path = "support/mysql.rs"]
mod mysql_support;
use mysql_support::{MySqlDrop, mysql_database};

const CHILD_ENV: &str = "SKLADSYNC_UNATTENDED_CHILD";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Db {
    Sqlite,
    MariaDb,
}

async fn connection(db: Db, dir: &Path) -> (Connection, Option<MySqlDrop>) {
    match db {
        Db::Sqlite => (
            Connection::Sqlite {
                path: dir.join("wh.db"),
            },
            None,
        ),
        Db::MariaDb => {
            let (c, drop) = mysql_database("unattended").await;
            (c, Some(drop))
        }
    }
}

/// One Склад Pro database with goods, and the import settings every shop's server shares.
struct Base {
    dir: tempfile::TempDir,
    connection: Connection,
    wh: Warehouse,
    template: Server,
    /// Last: the database is dropped after the connections are closed.
    _mysql: Option<MySqlDrop>,
}

async fn base(db: Db) -> Base {
    let dir = tempfile::tempdir().unwrap();
    let (connection, mysql) = connection(db, dir.path()).await;
    let wh = Warehouse::create_blank(&connection, &BlankDatabase::default())
        .await
        .unwrap();
    wh.seed(&SeedOptions {
        goods: 12,
        objects: 2,
        partners: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    let mut server = Server::new(
        "template",
        "Магазин",
        "http://127.0.0.1:1",
        connection.clone(),
    );
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
        fee: Some(delivery.into()),
    };
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
    Base {
        dir,
        connection,
        wh,
        template: server,
        _mysql: mysql,
    }
}

/// A shop for the database: its server settings (sharing the database), its client, and the
/// shop's variants of the warehouse's goods (unlimited stock).
struct Shop {
    sandbox: Sandbox,
    server: Server,
    secrets: MemorySecretStore,
    variants: Vec<u64>,
}

impl Shop {
    async fn new(base: &Base, id: &str, journal: &Journal) -> Shop {
        let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
        let mut server = base.template.clone();
        server.id = id.into();
        server.name = format!("Магазин {id}");
        server.shop = Server::new(id, id, sandbox.base_url(), base.connection.clone()).shop;
        let secrets = MemorySecretStore::default();
        secrets
            .set(&server.shop.api_key, sandbox.api_key())
            .unwrap();
        let shop = Shop {
            sandbox,
            server,
            secrets,
            variants: Vec::new(),
        };
        run_export(
            &base.wh,
            &shop.client(),
            journal,
            &shop.server,
            &Reporter::silent(Task::Export),
            false,
        )
        .await
        .unwrap();
        let variants: Vec<u64> = shop
            .sandbox
            .state()
            .variants()
            .into_iter()
            .filter(|v| v.barcode.is_some())
            .map(|v| v.id)
            .collect();
        for v in &variants {
            shop.sandbox.state().set_variant_quantity(*v, None).unwrap();
        }
        Shop { variants, ..shop }
    }

    fn client(&self) -> Client {
        shop_client(&self.server, &self.secrets).unwrap()
    }

    fn host(&self) -> String {
        orders::shop_host(&self.client())
    }

    fn place(&self, email: &str, lines: &[(usize, f64)], provider: &str) -> u64 {
        self.sandbox
            .state()
            .place_order(PlaceOrder {
                lines: lines
                    .iter()
                    .map(|(v, q)| PlaceOrderLine {
                        variant_id: self.variants[*v % self.variants.len()],
                        quantity: *q,
                    })
                    .collect(),
                customer: Some(Shopper {
                    first_name: "Клиент".into(),
                    last_name: email.split('@').next().unwrap_or_default().into(),
                    email: email.into(),
                    city: "Варна".into(),
                    post_code: "9000".into(),
                    street: "бул. Приморски".into(),
                    ..Default::default()
                }),
                payment_provider: Some(provider.into()),
                ..Default::default()
            })
            .unwrap()
    }

    async fn import(&self, wh: &Warehouse, journal: &Journal) -> RunSummary {
        orders::run_import(
            wh,
            &self.client(),
            journal,
            &self.server,
            &Reporter::silent(Task::OrderImport),
            false,
            None,
        )
        .await
        .unwrap()
    }

    /// The documents carrying this shop's reference of an order.
    async fn docs(&self, wh: &Warehouse, order_id: u64) -> Vec<Document> {
        wh.find_documents_by_reference(&orders::shop_reference(&self.host(), &order_id.to_string()))
            .await
            .unwrap()
    }

    fn total(&self, order_id: u64) -> Decimal {
        Decimal::new(self.sandbox.state().order(order_id).unwrap().price_total, 2)
    }
}

async fn partner_email(wh: &Warehouse, partner_id: i64) -> Option<String> {
    wh.query(
        "SELECT `eMail` FROM `partners` WHERE `ID` = ?",
        &[Value::Int(partner_id)],
    )
    .await
    .unwrap()
    .first()
    .and_then(|r| r.text(0))
}

async fn count(wh: &Warehouse, sql: &str) -> i64 {
    wh.query(sql, &[]).await.unwrap()[0].int(0).unwrap_or(0)
}

// ------------------------------------------------------------------------- two shops

async fn two_shops_one_database(db: Db) {
    let b = base(db).await;
    let journal = Journal::open(&b.dir.path().join("journal.db"))
        .await
        .unwrap();
    let mut a = Shop::new(&b, "a", &journal).await;
    let mut c = Shop::new(&b, "b", &journal).await;
    // Shop b converts at "paid"; shop a never does.
    c.server.import.sale_statuses = vec!["paid".into()];
    a.server.import.sale_statuses = vec![];
    let mut ids_a = Vec::new();
    let mut ids_b = Vec::new();
    for n in 0..8usize {
        ids_a.push(a.place(&format!("a{n}@example.bg"), &[(n, 1.0)], "cod"));
        ids_b.push(c.place(&format!("b{n}@example.bg"), &[(n + 3, 2.0)], "cod"));
    }
    assert_eq!(ids_a, ids_b, "both shops number their orders alike");

    let sa = a.import(&b.wh, &journal).await;
    assert_eq!(sa.created, 8, "{:?}", sa.problems);
    let sb = c.import(&b.wh, &journal).await;
    assert_eq!(
        sb.created, 8,
        "shop b's orders are not taken as shop a's: {:?}",
        sb.problems
    );
    for (shop, prefix) in [(&a, "a"), (&c, "b")] {
        for (n, id) in ids_a.iter().enumerate() {
            let docs = shop.docs(&b.wh, *id).await;
            assert_eq!(docs.len(), 1, "shop {prefix} order {id}: {docs:?}");
            assert_eq!(docs[0].total, shop.total(*id), "shop {prefix} order {id}");
            assert_eq!(
                partner_email(&b.wh, docs[0].partner_id).await.as_deref(),
                Some(format!("{prefix}{n}@example.bg").as_str())
            );
        }
    }
    assert_eq!(
        count(
            &b.wh,
            "SELECT COUNT(DISTINCT `Acct`) FROM `operations` WHERE `OperType` = 19 AND `Acct` > 0"
        )
        .await,
        16
    );

    // A change of shop b's order converts shop b's document, never shop a's.
    let id = ids_b[2];
    let a_doc = a.docs(&b.wh, id).await[0].clone();
    c.sandbox.state().set_order_paid(id, true).unwrap();
    let s = c.import(&b.wh, &journal).await;
    assert_eq!(s.updated, 1, "{:?}", s.problems);
    let b_docs = c.docs(&b.wh, id).await;
    assert_eq!(b_docs.len(), 1, "{b_docs:?}");
    assert_eq!(b_docs[0].kind, DocumentKind::Sale);
    assert_eq!(a.docs(&b.wh, id).await, vec![a_doc.clone()]);
    let s = a.import(&b.wh, &journal).await;
    assert_eq!((s.created, s.updated), (0, 0), "{:?}", s.problems);

    // A document written by an earlier version (`CC#<id>`) counts for the server whose
    // journal bound it, and for nobody else.
    let id = ids_a[4];
    let old = a.docs(&b.wh, id).await[0].clone();
    b.wh.query(
        "UPDATE `operations` SET `Note` = ? WHERE `Note` = ?",
        &[
            Value::text(&orders::legacy_reference(&id.to_string())),
            Value::text(&orders::shop_reference(&a.host(), &id.to_string())),
        ],
    )
    .await
    .unwrap();
    a.sandbox
        .state()
        .set_order_status(id, "authorized")
        .unwrap();
    let s = a.import(&b.wh, &journal).await;
    assert_eq!(
        s.created, 0,
        "the bound old-form document is a's: {:?}",
        s.problems
    );
    let legacy =
        b.wh.find_documents_by_reference(&orders::legacy_reference(&id.to_string()))
            .await
            .unwrap();
    assert_eq!(legacy.len(), 1);
    assert_eq!(legacy[0].number, old.number);
    // Without the binding (a lost journal), an old-form document with the order's partner and
    // total may be this order or another shop's: a person decides; nothing is written.
    let store = OrderStore::open(&journal).await.unwrap();
    store
        .delete_binding(&a.host(), &id.to_string())
        .await
        .unwrap();
    let s = a.import_again_of(&b.wh, &journal, id).await;
    assert_eq!(s.created, 0, "{:?}", s.problems);
    let queued = orders::exception_queue(&journal, &a.server).await.unwrap();
    let q = queued
        .iter()
        .find(|q| q.order_id == id.to_string())
        .expect("queued for a person");
    assert_eq!(q.kind, QueueKind::Operator);
    let order = id.to_string();
    assert_eq!(
        q.reasons,
        vec![OrderProblem::AmbiguousLegacyDocument {
            document: old.kind,
            number: old.number,
            legacy_reference: format!("CC#{order}"),
            reference: orders::shop_reference(&a.host(), &order),
            order,
        }]
    );

    // A document with the order's reference whose total is not the order's (changed in Склад
    // Pro) and that the journal does not bind is never taken as the order: a person decides.
    let id = ids_a[5];
    let doc = a.docs(&b.wh, id).await[0].clone();
    let mut lines: Vec<NewLine> = doc
        .lines
        .iter()
        .map(|l| NewLine {
            good_id: l.good_id,
            quantity: l.quantity,
            price: l.price,
            discount_percent: l.discount_percent,
        })
        .collect();
    lines[0].price += Decimal::ONE;
    b.wh.replace_document_lines(doc.kind, doc.number, doc.object_id, &lines, 1)
        .await
        .unwrap();
    store
        .delete_binding(&a.host(), &id.to_string())
        .await
        .unwrap();
    let s = a.import_again_of(&b.wh, &journal, id).await;
    assert_eq!((s.created, s.unchanged), (0, 0), "{:?}", s.problems);
    assert_eq!(a.docs(&b.wh, id).await.len(), 1);
    let queued = orders::exception_queue(&journal, &a.server).await.unwrap();
    let q = queued
        .iter()
        .find(|q| q.order_id == id.to_string())
        .expect("queued for a person");
    assert_eq!(q.kind, QueueKind::Operator);
    // Only the total differs: the partner is the order's.
    let [
        OrderProblem::UnconfirmedDocument {
            document,
            number,
            reference,
            differences,
        },
    ] = &q.reasons[..]
    else {
        panic!("{:?}", q.reasons)
    };
    assert_eq!(
        (*document, *number, reference),
        (doc.kind, doc.number, &doc.reference)
    );
    assert!(
        matches!(
            &differences[..],
            [DocumentDifference::Total { document, order }]
                if order.amount == doc.total && document.amount > doc.total
        ),
        "{differences:?}"
    );
}

impl Shop {
    /// Retry one order (as the operator's "Опитай пак" does).
    async fn import_again_of(&self, wh: &Warehouse, journal: &Journal, id: u64) -> RunSummary {
        orders::retry_queued(
            wh,
            &self.client(),
            journal,
            &self.server,
            &id.to_string(),
            &Reporter::silent(Task::OrderImport),
            false,
        )
        .await
        .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_shops_with_the_same_order_numbers_share_one_sqlite_database() {
    two_shops_one_database(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(skladsync_mysql), ignore = "SKLADSYNC_TEST_MYSQL_URL is not set")]
async fn two_shops_with_the_same_order_numbers_share_one_mariadb_database() {
    two_shops_one_database(Db::MariaDb).await;
}

// ---------------------------------------------------------------- three importers

/// Child mode: one import with the server and the data folder named by [`CHILD_ENV`].
/// As an ordinary test (no variable), it does nothing.
#[test]
fn importer_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let shared = dir.parent().unwrap().to_path_buf();
    let server: Server =
        serde_json::from_str(&std::fs::read_to_string(shared.join("server.json")).unwrap())
            .unwrap();
    let key = std::fs::read_to_string(shared.join("key")).unwrap();
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

/// A small deterministic generator.
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

async fn three_importers(db: Db, rounds: usize) {
    let b = base(db).await;
    let journal = Journal::open(&b.dir.path().join("export-journal.db"))
        .await
        .unwrap();
    let mut shop = Shop::new(&b, "p", &journal).await;
    shop.server.warehouse.edition = EditionSetting::Supto;
    shop.server.import.fiscal_device = Some("DT000600".into());
    shop.server.import.operator_code = Some("0001".into());
    let mut rng = Lcg(if db == Db::Sqlite { 3 } else { 5 });
    let mut ids = Vec::new();
    for n in 0..100usize {
        let lines: Vec<(usize, f64)> = (0..1 + rng.next(3))
            .map(|_| (rng.next(100) as usize, 1.0 + rng.next(3) as f64))
            .collect();
        ids.push(shop.place(
            &format!("k{n}@example.bg"),
            &lines,
            if n % 3 == 0 { "borica" } else { "cod" },
        ));
    }
    let shared = b.dir.path().join("machines");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::write(
        shared.join("server.json"),
        serde_json::to_string(&shop.server).unwrap(),
    )
    .unwrap();
    std::fs::write(shared.join("key"), shop.sandbox.api_key()).unwrap();
    // Three data folders: three journals, three run locks that cannot see each other.
    let folders: Vec<PathBuf> = (1..=3)
        .map(|i| {
            let d = shared.join(format!("pc{i}"));
            std::fs::create_dir_all(&d).unwrap();
            d
        })
        .collect();
    let exe = std::env::current_exe().unwrap();
    let spawn = |folder: &Path| -> Child {
        Command::new(&exe)
            .args([
                "importer_child",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, folder)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let documents = || async {
        count(
            &b.wh,
            "SELECT COUNT(DISTINCT `Acct`) FROM `operations` WHERE `OperType` = 19 AND `Acct` > 0",
        )
        .await
    };
    let mut kills = 0;
    let mut progress = Vec::new();
    for _ in 0..rounds {
        let mut children: Vec<Option<Child>> = folders.iter().map(|f| Some(spawn(f))).collect();
        // Each is killed at its own random moment while documents are being written (after
        // 1–8 more of them), unless it finishes first; once every order has its document, the
        // runs only reconcile and are killed after a random time.
        let before = documents().await;
        let targets: Vec<i64> = (0..3).map(|_| before + 1 + rng.next(8) as i64).collect();
        let deadlines: Vec<u64> = (0..3).map(|_| 200 + rng.next(1200)).collect();
        let started = std::time::Instant::now();
        while children.iter().any(Option::is_some) {
            tokio::time::sleep(Duration::from_millis(2 + rng.next(8))).await;
            let now = documents().await;
            for (i, slot) in children.iter_mut().enumerate() {
                let Some(c) = slot else { continue };
                let late = before >= 100 && started.elapsed() > Duration::from_millis(deadlines[i]);
                if c.try_wait().unwrap().is_some() {
                    *slot = None;
                } else if now >= targets[i] || late || started.elapsed() > Duration::from_secs(60) {
                    c.kill().unwrap(); // SIGKILL
                    c.wait().unwrap();
                    kills += 1;
                    *slot = None;
                }
            }
        }
        progress.push(documents().await);
    }
    eprintln!("{db:?}: documents after each round: {progress:?}, {kills} kills");
    // The last round: all three run to the end at once.
    let mut last: Vec<Child> = folders.iter().map(|f| spawn(f)).collect();
    for c in &mut last {
        assert!(c.wait().unwrap().success());
    }
    assert!(kills > 0, "no importer was killed");

    let mut numbers = std::collections::HashSet::new();
    for id in &ids {
        let docs = shop.docs(&b.wh, *id).await;
        assert_eq!(docs.len(), 1, "order {id}: {docs:?}");
        let d = &docs[0];
        assert_eq!(d.total, shop.total(*id), "order {id}");
        assert!(numbers.insert(d.number), "number {} repeats", d.number);
        let rows = b
            .wh
            .query(
                "SELECT `Description` FROM `ecrreceipts` WHERE `OperType` = 19 AND `Acct` = ? AND `ReceiptType` = 8",
                &[Value::Int(d.number)],
            )
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "one УНП for order {id}");
        let o = shop.sandbox.state().order(*id).unwrap();
        assert_eq!(rows[0].text(0), o.usn.clone(), "the shop has the same УНП");
    }
    assert_eq!(documents().await, 100, "no document beyond the 100 orders");
    let usns = b
        .wh
        .query(
            "SELECT COUNT(*), COUNT(DISTINCT `Description`), COUNT(DISTINCT `ReceiptID`) FROM `ecrreceipts` WHERE `ReceiptType` = 8",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(usns[0].int(0), Some(100));
    assert_eq!(usns[0].int(1), Some(100), "each УНП once");
    assert_eq!(usns[0].int(2), Some(100), "each sequence number once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_importers_with_their_own_data_folders_on_sqlite_write_each_order_once() {
    three_importers(Db::Sqlite, 10).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(skladsync_mysql), ignore = "SKLADSYNC_TEST_MYSQL_URL is not set")]
async fn three_importers_with_their_own_data_folders_on_mariadb_write_each_order_once() {
    three_importers(Db::MariaDb, 10).await;
}

// ------------------------------------------------------- one bad order stays alone

async fn bad_orders_stay_alone(db: Db) {
    let b = base(db).await;
    let journal = Journal::open(&b.dir.path().join("journal.db"))
        .await
        .unwrap();
    let shop = Shop::new(&b, "s", &journal).await;
    let mut ids = Vec::new();
    for n in 0..52usize {
        ids.push(shop.place(
            &format!("m{n}@example.bg"),
            &[(n, 1.0), (n + 1, 2.0)],
            "cod",
        ));
    }
    let state = shop.sandbox.state();
    // A line whose quantity is not a number: the order cannot be decoded.
    let undecodable = ids[10];
    let odd_line = state.order(undecodable).unwrap().products[0].id;
    state.override_attributes(
        "order-products",
        odd_line,
        serde_json::json!({"quantity": {"value": "много"}}),
    );
    // A quantity of a billion: decodes, but is absurd.
    let absurd = ids[30];
    let line = state.order(absurd).unwrap().products[1].id;
    state.override_attributes(
        "order-products",
        line,
        serde_json::json!({"quantity": 1_000_000_000_u64}),
    );
    // Dated in the future: imported, but it must not carry the watermark past now.
    let future = ids[40];
    state.override_attributes(
        "orders",
        future,
        serde_json::json!({"updated_at": "2099-01-01T00:00:00+00:00"}),
    );
    let s = shop.import(&b.wh, &journal).await;
    assert_eq!((s.created, s.skipped), (50, 2), "{:?}", s.problems);
    for id in &ids {
        let n = shop.docs(&b.wh, *id).await.len();
        assert_eq!(
            n,
            usize::from(*id != undecodable && *id != absurd),
            "order {id}"
        );
    }
    let queue = orders::exception_queue(&journal, &shop.server)
        .await
        .unwrap();
    assert_eq!(queue.len(), 2, "{queue:?}");
    let of = |id: u64| {
        queue
            .iter()
            .find(|q| q.order_id == id.to_string())
            .unwrap_or_else(|| panic!("order {id} is queued: {queue:?}"))
    };
    let q = of(undecodable);
    assert_eq!(q.kind, QueueKind::Rejected);
    assert!(
        matches!(
            &q.reasons[..],
            [OrderProblem::Undecodable { reason, excerpt: Some(excerpt) }]
                if reason.contains("quantity") && excerpt.contains("много")
        ),
        "the reason names the field and shows the data: {:?}",
        q.reasons
    );
    let q = of(absurd);
    assert!(
        matches!(
            &q.reasons[..],
            [OrderProblem::OutOfBounds { value: OrderValue::LineQuantity { line: 2, .. }, number, max, .. }]
                if *number == Decimal::from(1_000_000_000) && *max == orders::MAX_QUANTITY
        ),
        "{:?}",
        q.reasons
    );
    let store = OrderStore::open(&journal).await.unwrap();
    let mark = store
        .watermark(&shop.server.id, &shop.host())
        .await
        .unwrap()
        .unwrap();
    assert!(mark <= chrono::Utc::now(), "watermark {mark}");

    // Later orders still arrive.
    let later: Vec<u64> = (0..3)
        .map(|n| shop.place(&format!("later{n}@example.bg"), &[(n, 1.0)], "borica"))
        .collect();
    let s = shop.import(&b.wh, &journal).await;
    assert_eq!(s.created, 3, "{:?}", s.problems);
    for id in later {
        assert_eq!(shop.docs(&b.wh, id).await.len(), 1);
    }
    // The undecodable order, mended in the shop, comes in by itself.
    state.override_attributes("order-products", odd_line, serde_json::json!({}));
    state.set_order_status(undecodable, "authorized").unwrap();
    let s = shop.import(&b.wh, &journal).await;
    assert_eq!(s.created, 1, "{:?}", s.problems);
    assert_eq!(shop.docs(&b.wh, undecodable).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecodable_and_an_absurd_order_among_fifty_good_ones_on_sqlite() {
    bad_orders_stay_alone(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(skladsync_mysql), ignore = "SKLADSYNC_TEST_MYSQL_URL is not set")]
async fn an_undecodable_and_an_absurd_order_among_fifty_good_ones_on_mariadb() {
    bad_orders_stay_alone(Db::MariaDb).await;
}

// ------------------------------------------------------------------------- the sweep

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_by_date_catches_an_order_the_watermark_missed() {
    let b = base(Db::Sqlite).await;
    let journal = Journal::open(&b.dir.path().join("journal.db"))
        .await
        .unwrap();
    let shop = Shop::new(&b, "w", &journal).await;
    let first = shop.place("w1@example.bg", &[(0, 1.0)], "cod");
    assert_eq!(shop.import(&b.wh, &journal).await.created, 1);
    // A watermark ahead of the shop's clock (as an earlier version could leave it): the
    // listing by change time no longer sees a new order.
    let store = OrderStore::open(&journal).await.unwrap();
    store
        .set_watermark(
            &shop.server.id,
            &shop.host(),
            chrono::Utc::now() + chrono::Duration::hours(2),
        )
        .await
        .unwrap();
    let missed = shop.place("w2@example.bg", &[(1, 1.0)], "cod");
    let s = shop.import(&b.wh, &journal).await;
    assert_eq!(s.created, 0, "the watermark hides it (no sweep due yet)");
    // On demand.
    let s = orders::sweep_orders(
        &b.wh,
        &shop.client(),
        &journal,
        &shop.server,
        &Reporter::silent(Task::OrderImport),
        false,
        None,
    )
    .await
    .unwrap();
    assert_eq!(s.created, 1, "{:?}", s.problems);
    assert_eq!(shop.docs(&b.wh, missed).await.len(), 1);
    assert_eq!(shop.docs(&b.wh, first).await.len(), 1);
    // Daily, by itself: a day after the last sweep.
    let third = shop.place("w3@example.bg", &[(2, 1.0)], "cod");
    store
        .set_last_sweep(
            &shop.server.id,
            &shop.host(),
            chrono::Utc::now() - chrono::Duration::hours(25),
        )
        .await
        .unwrap();
    let s = shop.import(&b.wh, &journal).await;
    assert_eq!(s.created, 1, "{:?}", s.problems);
    assert_eq!(shop.docs(&b.wh, third).await.len(), 1);

    // Annulled in Склад Pro: the order waits for the operator; released, it is imported again.
    let doc = shop.docs(&b.wh, first).await[0].clone();
    b.wh.annul_document(
        doc.kind,
        doc.number,
        doc.object_id,
        shop.server.import.active_user.unwrap().get(),
    )
    .await
    .unwrap();
    let client = shop.client();
    let reporter = Reporter::silent(Task::OrderImport);
    let first_id = first.to_string();
    let retry = || {
        orders::retry_queued(
            &b.wh,
            &client,
            &journal,
            &shop.server,
            &first_id,
            &reporter,
            false,
        )
    };
    assert_eq!(retry().await.unwrap().created, 0);
    assert!(shop.docs(&b.wh, first).await.is_empty());
    assert!(
        orders::release_order(&b.wh, &journal, &shop.host(), &first.to_string())
            .await
            .unwrap()
    );
    assert_eq!(retry().await.unwrap().created, 1);
    assert_eq!(shop.docs(&b.wh, first).await.len(), 1);
    assert!(
        !orders::release_order(&b.wh, &journal, &shop.host(), &first.to_string())
            .await
            .unwrap(),
        "not while its document is there"
    );
}
