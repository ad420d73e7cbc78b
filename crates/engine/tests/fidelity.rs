//! Склад Pro's own rules, obeyed by the import: negative stock (`configkey12`), Bulgarian
//! days, rounding line by line, discount lines per VAT rate, and the configuration flags' own
//! defaults. A seeded Склад Pro database (SQLite; MariaDB when SKLADSYNC_TEST_MYSQL_URL is set
//! at build time) and the sandbox shop over real HTTP; the assertions are the rows an
//! accountant would look at.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use cloudcart_sandbox::{PlaceOrder, PlaceOrderLine, Sandbox, SandboxConfig, Shopper};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use skladsync_engine::bgtime;
use skladsync_engine::export::run_export;
use skladsync_engine::orders::{self, OrderStore, QueueKind};
use skladsync_engine::settings::{PaymentTypeMapping, Server, SpecialGoods};
use skladsync_engine::*;
use skladsync_warehouse::*;

struct Fixture {
    _dir: tempfile::TempDir,
    wh: Warehouse,
    connection: Connection,
    sandbox: Sandbox,
    journal: Journal,
    server: Server,
    secrets: MemorySecretStore,
    delivery: i64,
    discount: i64,
    group_id: i64,
    object: i64,
    _mysql: Option<MySqlDrop>,
}

/// A MariaDB/MySQL database made for one test and dropped after it.
struct MySqlDrop(String, String);

impl Drop for MySqlDrop {
    fn drop(&mut self) {
        let (server, db) = (self.0.clone(), self.1.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                use sqlx::Connection as _;
                if let Ok(mut c) = sqlx::MySqlConnection::connect(&server).await {
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS `{db}`"
                    )))
                    .execute(&mut c)
                    .await;
                }
            });
        })
        .join();
    }
}

async fn mysql_connection() -> (Connection, MySqlDrop) {
    use sqlx::Connection as _;
    let url = std::env::var("SKLADSYNC_TEST_MYSQL_URL").expect("SKLADSYNC_TEST_MYSQL_URL");
    let server = match url.rfind('/') {
        Some(i) if i > "mysql://".len() => url[..i].to_owned(),
        _ => url,
    };
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let db = format!(
        "skladsync_fidelity_{}_{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    );
    let mut c = sqlx::MySqlConnection::connect(&server).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE `{db}` CHARACTER SET utf8mb4"
    )))
    .execute(&mut c)
    .await
    .unwrap();
    (
        Connection::MySql {
            url: format!("{server}/{db}"),
        },
        MySqlDrop(server, db),
    )
}

async fn fixture(blank: BlankDatabase, mysql: bool) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let (connection, drop) = if mysql {
        let (c, d) = mysql_connection().await;
        (c, Some(d))
    } else {
        (
            Connection::Sqlite {
                path: dir.path().join("wh.db"),
            },
            None,
        )
    };
    let wh = Warehouse::create_blank(&connection, &blank).await.unwrap();
    wh.seed(&SeedOptions {
        goods: 12,
        objects: 2,
        partners: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let journal = Journal::open(&dir.path().join("journal.db")).await.unwrap();
    let mut server = Server::new("t1", "Тест", sandbox.base_url(), connection.clone());
    let object = wh.locations().await.unwrap()[0].id;
    server.export.object = Some(object);
    server.import.object = Some(object);
    server.import.active_user = wh
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.id > 1)
        .map(|u| u.id);
    let group_id = wh
        .goods_groups()
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.code.len() == 3)
        .unwrap()
        .id;
    let delivery = wh
        .save_good(None, &service("SRV-DOST", "Доставка", 1, group_id))
        .await
        .unwrap();
    let discount = wh
        .save_good(
            None,
            &service("SRV-OTST", "Търговска отстъпка", 1, group_id),
        )
        .await
        .unwrap();
    server.import.special_goods = SpecialGoods {
        delivery: Some(delivery),
        discount: Some(discount),
        fee: None,
    };
    let types = wh.payment_types().await.unwrap();
    let by_name = |n: &str| types.iter().find(|t| t.name == n).unwrap().id;
    server.import.payment_types = vec![
        PaymentTypeMapping {
            provider: "cod".into(),
            payment_type: by_name("Наложен платеж"),
        },
        PaymentTypeMapping {
            provider: "borica".into(),
            payment_type: by_name("Дебитна/Кредитна карта"),
        },
    ];
    let secrets = MemorySecretStore::default();
    secrets
        .set(&server.shop.api_key, sandbox.api_key())
        .unwrap();
    let f = Fixture {
        _dir: dir,
        wh,
        connection,
        sandbox,
        journal,
        server,
        secrets,
        delivery,
        discount,
        group_id,
        object,
        _mysql: drop,
    };
    run_export(
        &f.wh,
        &f.client(),
        &f.journal,
        &f.server,
        &Reporter::silent(Task::Export),
        false,
    )
    .await
    .unwrap();
    for v in f.sandbox.state().variants() {
        f.sandbox.state().set_variant_quantity(v.id, None).unwrap();
    }
    f
}

fn service(code: &str, name: &str, vat_group_id: i64, group_id: i64) -> GoodData {
    GoodData {
        code: code.into(),
        name: name.into(),
        barcodes: Default::default(),
        catalogs: Default::default(),
        measure: "бр.".into(),
        price_group: PriceGroup::RETAIL,
        price: Decimal::ZERO,
        vat_group_id,
        group_id,
    }
}

fn shopper(email: &str) -> Shopper {
    Shopper {
        first_name: "Мария".into(),
        last_name: "Иванова".into(),
        email: email.into(),
        phone: Some("+359888000111".into()),
        city: "Пловдив".into(),
        post_code: "4000".into(),
        street: "ул. Капитан Райчо".into(),
        street_number: Some("7".into()),
        company: None,
    }
}

fn line(variant_id: u64, quantity: f64) -> PlaceOrderLine {
    PlaceOrderLine {
        variant_id,
        quantity,
    }
}

impl Fixture {
    fn client(&self) -> skladsync_cloudcart::Client {
        shop_client(&self.server, &self.secrets).unwrap()
    }

    /// Shop variants whose barcode is a good's Баркод 1, with the good: (variant, good).
    async fn variants(&self) -> Vec<(u64, Good)> {
        let goods = self.wh.goods(&[], PriceGroup::RETAIL).await.unwrap().goods;
        let mut out: Vec<(u64, Good)> = self
            .sandbox
            .state()
            .variants()
            .into_iter()
            .filter_map(|v| {
                let b = v.barcode.clone()?;
                let g = goods
                    .iter()
                    .find(|g| g.barcodes[0].as_deref() == Some(b.as_str()))?;
                Some((v.id, g.clone()))
            })
            .collect();
        out.sort_by_key(|(v, _)| *v);
        out
    }

    /// A variant whose good is in VAT group `vat_group`.
    async fn variant_of_vat_group(&self, vat_group: i64) -> (u64, Good) {
        self.variants()
            .await
            .into_iter()
            .find(|(_, g)| g.vat_group_id == vat_group)
            .unwrap_or_else(|| panic!("the seed has a good of VAT group {vat_group}"))
    }

    fn place(&self, po: PlaceOrder) -> u64 {
        self.sandbox.state().place_order(po).unwrap()
    }

    async fn import_with(&self, server: &Server) -> RunSummary {
        orders::run_import(
            &self.wh,
            &self.client(),
            &self.journal,
            server,
            &Reporter::silent(Task::OrderImport),
            false,
            None,
        )
        .await
        .unwrap()
    }

    /// The document the order is bound to, read from the warehouse.
    async fn doc(&self, order_id: u64) -> Option<Document> {
        let host = orders::shop_host(&self.client());
        let b = OrderStore::open(&self.journal)
            .await
            .unwrap()
            .binding(&host, &order_id.to_string())
            .await
            .unwrap()?;
        self.wh
            .document(b.kind, b.number, b.object_id)
            .await
            .unwrap()
    }

    fn shop_total(&self, order_id: u64) -> Decimal {
        Decimal::new(self.sandbox.state().order(order_id).unwrap().price_total, 2)
    }

    async fn queue(&self) -> Vec<orders::QueuedOrder> {
        orders::exception_queue(&self.journal, &self.server)
            .await
            .unwrap()
    }

    async fn exec(&self, sql: &str, params: &[Value]) {
        self.wh.query(sql, params).await.unwrap();
    }

    async fn count(&self, sql: &str, params: &[Value]) -> i64 {
        self.wh.query(sql, params).await.unwrap()[0]
            .int(0)
            .unwrap_or(0)
    }

    async fn stock(&self, good: i64) -> Decimal {
        let rows = self
            .wh
            .query(
                "SELECT SUM(`Qtty`) FROM `store` WHERE `ObjectID` = ? AND `GoodID` = ?",
                &[Value::Int(self.object), Value::Int(good)],
            )
            .await
            .unwrap();
        rows[0]
            .float(0)
            .and_then(money::from_db)
            .unwrap_or_default()
    }

    async fn set_stock(&self, good: i64, qtty: f64) {
        self.exec(
            "UPDATE `store` SET `Qtty` = ? WHERE `ObjectID` = ? AND `GoodID` = ?",
            &[
                Value::Float(qtty),
                Value::Int(self.object),
                Value::Int(good),
            ],
        )
        .await;
    }

    /// Set a configuration key and connect again (settings are read on connecting).
    async fn set_config(&mut self, key: &str, value: Option<&str>) {
        self.exec(
            "DELETE FROM `configuration` WHERE `Key` = ?",
            &[Value::text(key)],
        )
        .await;
        if let Some(v) = value {
            self.exec(
                "INSERT INTO `configuration` (`Key`, `Value`, `UserID`) VALUES (?, ?, -1)",
                &[Value::text(key), Value::text(v)],
            )
            .await;
        }
        self.wh = Warehouse::connect(&self.connection).await.unwrap();
    }

    fn sale_server(&self) -> Server {
        let mut s = self.server.clone();
        s.import.document_kind = DocumentKind::Sale;
        s
    }

    /// An Order written by another hand, holding `qtty` of `good` in the object.
    async fn open_order(&self, good: i64, qtty: Decimal) -> i64 {
        self.wh
            .create_document(&NewDocument {
                kind: DocumentKind::Order,
                object_id: self.object,
                user_id: self.server.import.active_user.unwrap(),
                partner: PartnerChoice::Existing(2),
                date: Utc::now().date_naive(),
                lines: vec![NewLine {
                    good_id: good,
                    quantity: qtty,
                    price: dec!(1),
                    discount_percent: dec!(0),
                }],
                reference: "поръчка по телефона".into(),
                payment_type_id: 1,
                paid: vec![],
                usn: None,
                converts_order: None,
            })
            .await
            .unwrap()
            .number
    }

    async fn sales_rows(&self) -> i64 {
        self.count(
            "SELECT COUNT(*) FROM `operations` WHERE `OperType` = 2",
            &[],
        )
        .await
    }
}

// ------------------------------------------------------------------ 1. negative stock

async fn negative_stock_is_refused_until_stock_arrives(mysql: bool) {
    let mut f = fixture(BlankDatabase::default(), mysql).await;
    f.set_config("configkey12", Some("0")).await;
    assert!(!f.wh.settings().negative_stock_allowed);
    let (variant, good) = f.variant_of_vat_group(1).await;
    f.set_stock(good.id, 3.0).await;
    // Another Order in the object holds 2 of the 3.
    f.open_order(good.id, dec!(2)).await;
    let sales_before = f.sales_rows().await;
    let payments_before = f.count("SELECT COUNT(*) FROM `payments`", &[]).await;
    let id = f.place(PlaceOrder {
        lines: vec![line(variant, 2.0)],
        customer: Some(shopper("short@example.bg")),
        payment_provider: Some("borica".into()),
        shipping_amount: Some(0),
        ..Default::default()
    });
    let server = f.sale_server();
    let s = f.import_with(&server).await;
    assert_eq!(s.created, 0, "{:?}", s.problems);
    // Nothing was written: no Sale, no payment, the stock as it was.
    assert_eq!(f.sales_rows().await, sales_before);
    assert_eq!(
        f.count("SELECT COUNT(*) FROM `payments`", &[]).await,
        payments_before
    );
    assert_eq!(f.stock(good.id).await, dec!(3));
    assert!(f.doc(id).await.is_none());
    let q = f.queue().await;
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].kind, QueueKind::Rejected);
    let text = q[0]
        .reasons
        .iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        text.contains(&format!("стока {} „{}“", good.id, good.name))
            && text.contains(&format!("в обект {}", f.object))
            && text.contains("налични 1, нужни 2"),
        "{text}"
    );

    // The goods arrive; the retry writes the Sale.
    f.set_stock(good.id, 4.0).await;
    let s = orders::retry_queued(
        &f.wh,
        &f.client(),
        &f.journal,
        &server,
        &id.to_string(),
        &Reporter::silent(Task::OrderImport),
        false,
    )
    .await
    .unwrap();
    assert_eq!(s.created, 1, "{:?}", s.problems);
    let d = f.doc(id).await.unwrap();
    assert_eq!(d.kind, DocumentKind::Sale);
    assert_eq!(d.total, f.shop_total(id));
    assert_eq!(f.stock(good.id).await, dec!(2));
    assert!(f.queue().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_that_would_take_stock_below_zero_waits_and_is_written_once_stock_arrives() {
    negative_stock_is_refused_until_stock_arrives(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(skladsync_mysql), ignore = "SKLADSYNC_TEST_MYSQL_URL is not set")]
async fn mariadb_a_sale_that_would_take_stock_below_zero_waits_until_stock_arrives() {
    negative_stock_is_refused_until_stock_arrives(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn negative_stock_allowed_lets_the_sale_through() {
    let mut f = fixture(BlankDatabase::default(), false).await;
    // A database without the key: Склад Pro's default allows negative stock.
    f.set_config("configkey12", None).await;
    assert!(f.wh.settings().negative_stock_allowed);
    let (variant, good) = f.variant_of_vat_group(1).await;
    f.set_stock(good.id, 1.0).await;
    let id = f.place(PlaceOrder {
        lines: vec![line(variant, 3.0)],
        customer: Some(shopper("neg@example.bg")),
        shipping_amount: Some(0),
        ..Default::default()
    });
    let s = f.import_with(&f.sale_server()).await;
    assert_eq!(s.created, 1, "{:?}", s.problems);
    assert_eq!(f.doc(id).await.unwrap().kind, DocumentKind::Sale);
    assert_eq!(f.stock(good.id).await, dec!(-2));
}

/// An Order turned into a Sale: its own lines do not hold the stock back; other open Orders do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_becoming_a_sale_is_not_held_back_by_itself() {
    let mut f = fixture(BlankDatabase::default(), false).await;
    f.set_config("configkey12", Some("0")).await;
    let (variant, good) = f.variant_of_vat_group(1).await;
    f.set_stock(good.id, 2.0).await;
    let mut server = f.server.clone();
    server.import.sale_statuses = vec!["paid".into()];
    let id = f.place(PlaceOrder {
        lines: vec![line(variant, 2.0)],
        customer: Some(shopper("conv@example.bg")),
        shipping_amount: Some(0),
        date_added: Some(Utc::now() - Duration::days(2)),
        ..Default::default()
    });
    assert_eq!(f.import_with(&server).await.created, 1);
    let order_doc = f.doc(id).await.unwrap();
    assert_eq!(order_doc.kind, DocumentKind::Order);

    f.sandbox.state().set_order_paid(id, true).unwrap();
    let s = f.import_with(&server).await;
    assert_eq!(s.updated, 1, "{:?}", s.problems);
    let sale = f.doc(id).await.unwrap();
    assert_eq!(sale.kind, DocumentKind::Sale);
    assert_eq!(f.stock(good.id).await, dec!(0));
    // Dated the day it became a Sale, in Sofia — not the order's day.
    let today = bgtime::today(chrono_tz::Europe::Sofia);
    assert_eq!(sale.date.map(|d| d.date()), Some(today));
    assert_ne!(order_doc.date.map(|d| d.date()), Some(today));
    assert!(
        f.wh.document(DocumentKind::Order, order_doc.number, order_doc.object_id)
            .await
            .unwrap()
            .is_none(),
        "the Order was annulled"
    );

    // Another order, while someone else's Order holds the last unit: refused.
    f.set_stock(good.id, 1.0).await;
    f.open_order(good.id, dec!(1)).await;
    let other = f.place(PlaceOrder {
        lines: vec![line(variant, 1.0)],
        customer: Some(shopper("conv2@example.bg")),
        shipping_amount: Some(0),
        ..Default::default()
    });
    assert_eq!(f.import_with(&server).await.created, 1);
    f.sandbox.state().set_order_paid(other, true).unwrap();
    let s = f.import_with(&server).await;
    assert_eq!(s.updated, 0, "{:?}", s.problems);
    assert_eq!(f.doc(other).await.unwrap().kind, DocumentKind::Order);
    let q = f.queue().await;
    assert!(
        q.iter().any(|q| q.order_id == other.to_string()
            && q.reasons
                .iter()
                .any(|r| r.problem.contains("налични 0, нужни 1"))),
        "{q:?}"
    );
}

// ------------------------------------------------------------------ 2. Bulgarian days

/// 00:30 in Sofia is the previous day in UTC; the document, its paid row and its cash-book
/// row are dated by the Sofia day.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_paid_rows_and_the_cash_book_are_dated_by_the_sofia_day() {
    let mut f = fixture(BlankDatabase::default(), false).await;
    let sofia = chrono_tz::Europe::Sofia;
    let day: NaiveDate = bgtime::today(sofia) - Duration::days(1);
    let placed = sofia
        .from_local_datetime(&day.and_hms_opt(0, 30, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(
        placed.date_naive(),
        day - Duration::days(1),
        "UTC is a day behind"
    );
    // Card payments into a cash payment type, so that a cash-book row is written too.
    let cash =
        f.wh.payment_types()
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.is_cash())
            .unwrap();
    f.server.import.payment_types[1].payment_type = cash.id;
    let (variant, _) = f.variant_of_vat_group(1).await;
    let id = f.place(PlaceOrder {
        lines: vec![line(variant, 1.0)],
        customer: Some(shopper("midnight@example.bg")),
        payment_provider: Some("borica".into()),
        date_added: Some(placed),
        ..Default::default()
    });
    let s = f.import_with(&f.sale_server()).await;
    assert_eq!(s.created, 1, "{:?}", s.problems);
    let d = f.doc(id).await.unwrap();
    assert_eq!(d.date.map(|d| d.date()), Some(day));
    let rows = f
        .wh
        .query(
            "SELECT `Date`, `Mode`, `Qtty` FROM `payments` WHERE `OperType` = 2 AND `Acct` = ? ORDER BY `Mode`",
            &[Value::Int(d.number)],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "a due and a paid row");
    for r in &rows {
        assert_eq!(r.datetime(0).map(|d| d.date()), Some(day));
    }
    assert_eq!(
        rows[1].float(2).and_then(money::from_db),
        Some(f.shop_total(id))
    );
    let cash_rows =
        f.wh.query(
            "SELECT `Date` FROM `cashbook` WHERE `ObjectID` = ?",
            &[Value::Int(f.object)],
        )
        .await
        .unwrap();
    assert_eq!(cash_rows.len(), 1);
    assert_eq!(cash_rows[0].datetime(0).map(|d| d.date()), Some(day));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_time_zone_that_is_not_one_stops_the_import_with_the_setting_named() {
    let f = fixture(BlankDatabase::default(), false).await;
    let mut server = f.server.clone();
    server.import.time_zone = bgtime::TimeZoneName("Europe/Sofija".into());
    let err = orders::run_import(
        &f.wh,
        &f.client(),
        &f.journal,
        &server,
        &Reporter::silent(Task::OrderImport),
        false,
        None,
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("Часова зона") && text.contains("Europe/Sofija"),
        "{text}"
    );
}

// ------------------------------------------------------------------ 4/5. rounding, discounts

/// 9.99 at 20 % in a database of prices without VAT: the net line rounds to 8.33, 10.00 with
/// VAT; the order is written with a rounding note, its due row 10.00 and its paid row 9.99.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nine_ninety_nine_without_vat_is_a_rounding_note() {
    let f = fixture(
        BlankDatabase {
            prices_include_vat: false,
            ..Default::default()
        },
        false,
    )
    .await;
    assert!(!f.wh.settings().prices_include_vat);
    let (variant, good) = f.variant_of_vat_group(1).await;
    f.sandbox.state().set_variant_price(variant, 999).unwrap();
    let id = f.place(PlaceOrder {
        lines: vec![line(variant, 1.0)],
        customer: Some(shopper("round@example.bg")),
        payment_provider: Some("borica".into()),
        shipping_amount: Some(0),
        ..Default::default()
    });
    assert_eq!(f.shop_total(id), dec!(9.99));
    let s = f.import_with(&f.sale_server()).await;
    assert_eq!(s.created, 1, "{:?}", s.problems);
    assert!(
        s.problems.iter().any(|p| p.message.contains("закръгляне")),
        "{:?}",
        s.problems
    );
    let d = f.doc(id).await.unwrap();
    let l = d.lines.iter().find(|l| l.good_id == good.id).unwrap();
    assert_eq!(l.price, dec!(8.325));
    assert_eq!(l.vat, dec!(1.665));
    assert_eq!(d.total, dec!(10.00));
    let rows = f
        .wh
        .query(
            "SELECT `Mode`, `Qtty` FROM `payments` WHERE `OperType` = 2 AND `Acct` = ? ORDER BY `Mode`",
            &[Value::Int(d.number)],
        )
        .await
        .unwrap();
    let amounts: Vec<(i64, Decimal)> = rows
        .iter()
        .map(|r| {
            (
                r.int(0).unwrap(),
                r.float(1).and_then(money::from_db).unwrap(),
            )
        })
        .collect();
    assert_eq!(amounts, vec![(-1, dec!(10)), (1, dec!(9.99))]);
}

/// 3 × 0.99: 2.97 in a database of prices with VAT; 2.98 (a note) without.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_times_ninety_nine_both_ways() {
    for (with_vat, due) in [(true, dec!(2.97)), (false, dec!(2.98))] {
        let f = fixture(
            BlankDatabase {
                prices_include_vat: with_vat,
                ..Default::default()
            },
            false,
        )
        .await;
        let (variant, _) = f.variant_of_vat_group(1).await;
        f.sandbox.state().set_variant_price(variant, 99).unwrap();
        let id = f.place(PlaceOrder {
            lines: vec![line(variant, 3.0)],
            customer: Some(shopper("three@example.bg")),
            shipping_amount: Some(0),
            ..Default::default()
        });
        let s = f.import_with(&f.server).await;
        assert_eq!(s.created, 1, "{:?}", s.problems);
        assert_eq!(f.doc(id).await.unwrap().total, due, "with VAT: {with_vat}");
        assert_eq!(
            s.problems.iter().any(|p| p.message.contains("закръгляне")),
            !with_vat
        );
    }
}

/// A 9 %/20 % order with a 10 % whole-order discount and delivery: one discount line per rate,
/// each a negative quantity of a discount good of that rate, in shares of the goods of each
/// rate; the document adds up to the shop's total.
async fn mixed_rates_discount_and_delivery(with_vat: bool) {
    let mut f = fixture(
        BlankDatabase {
            prices_include_vat: with_vat,
            ..Default::default()
        },
        false,
    )
    .await;
    let (va, a) = f.variant_of_vat_group(1).await;
    let (vb, b) = f.variant_of_vat_group(2).await;
    f.sandbox.state().set_variant_price(va, 1250).unwrap();
    f.sandbox.state().set_variant_price(vb, 1090).unwrap();
    let discount9 =
        f.wh.save_good(None, &service("SRV-OTST9", "Отстъпка 9 %", 2, f.group_id))
            .await
            .unwrap();
    let id = f.place(PlaceOrder {
        lines: vec![line(va, 2.0), line(vb, 1.0)],
        customer: Some(shopper("mixed@example.bg")),
        discount_percent: Some(10),
        shipping_amount: Some(500),
        ..Default::default()
    });
    // Without a discount good of 9 %, the order waits with the fix named.
    let s = f.import_with(&f.server).await;
    assert_eq!(s.created, 0, "{:?}", s.problems);
    let q = f.queue().await;
    assert!(
        q[0].reasons.iter().any(|r| r.problem.contains("ДДС 9 %")),
        "{q:?}"
    );
    f.server.import.discount_goods_other_rates = vec![discount9];
    let s = orders::retry_queued(
        &f.wh,
        &f.client(),
        &f.journal,
        &f.server,
        &id.to_string(),
        &Reporter::silent(Task::OrderImport),
        false,
    )
    .await
    .unwrap();
    assert_eq!(s.created, 1, "{:?}", s.problems);
    let d = f.doc(id).await.unwrap();
    let of = |good: i64| d.lines.iter().find(|l| l.good_id == good).unwrap().clone();
    let gross = |l: &DocumentLine| if with_vat { l.price } else { l.price + l.vat };
    // 25.00 of goods at 20 %, 10.90 at 9 %: the 3.59 discount is 2.50 and 1.09.
    let d20 = of(f.discount);
    let d9 = of(discount9);
    assert_eq!((d20.quantity, d9.quantity), (dec!(-1), dec!(-1)));
    assert_eq!(money::round_money(gross(&d20)), dec!(2.50));
    assert_eq!(money::round_money(gross(&d9)), dec!(1.09));
    // Each discount line's VAT is its own rate's, as Склад Pro computes it on saving again.
    assert_eq!(d9.vat, money::vat_per_unit(d9.price, dec!(9), with_vat));
    assert_eq!(d20.vat, money::vat_per_unit(d20.price, dec!(20), with_vat));
    assert_eq!(of(a.id).quantity, dec!(2));
    assert_eq!(of(b.id).quantity, dec!(1));
    assert_eq!(money::round_money(gross(&of(f.delivery))), dec!(5.00));
    assert_eq!(f.shop_total(id), dec!(37.31));
    assert_eq!(d.total, dec!(37.31));
    // The VAT of the document by rate, as Склад Pro adds it up from the rows.
    let rows = f
        .wh
        .query(
            "SELECT `GoodID`, `Qtty`, `VATOut` FROM `operations` WHERE `OperType` = ? AND `Acct` = ?",
            &[Value::Int(d.kind.oper_type()), Value::Int(d.number)],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mixed_rate_order_with_discount_and_delivery_with_vat() {
    mixed_rates_discount_and_delivery(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mixed_rate_order_with_discount_and_delivery_without_vat() {
    mixed_rates_discount_and_delivery(false).await;
}

// ------------------------------------------------------------------ 6. configuration flags

/// Only `-1` is true; a missing `configkey20` means prices without VAT, as in Склад Pro.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_flags_read_as_sklad_pro_reads_them() {
    let mut f = fixture(BlankDatabase::default(), false).await;
    assert!(f.wh.settings().prices_include_vat);
    f.set_config("configkey20", None).await;
    assert!(!f.wh.settings().prices_include_vat, "missing: without VAT");
    f.set_config("configkey20", Some("1")).await;
    assert!(!f.wh.settings().prices_include_vat, "only -1 is true");
    f.set_config("configkey20", Some("-1")).await;
    assert!(f.wh.settings().prices_include_vat);
    f.set_config("configkey12", Some("true")).await;
    assert!(!f.wh.settings().negative_stock_allowed);
    f.set_config("configkey48", None).await;
    assert!(!f.wh.settings().numbering_per_object);
    f.set_config("configkey48", Some("-1")).await;
    assert!(f.wh.settings().numbering_per_object);
}

/// The warehouse's own answer: a typed shortage per good, lines of one good added up, goods
/// given back (a discount line) and services (`Type` 8) not checked; nothing written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_warehouse_reports_each_shortage_typed() {
    let mut f = fixture(BlankDatabase::default(), false).await;
    f.set_config("configkey12", Some("0")).await;
    let goods = f.variants().await;
    let (a, b) = (goods[0].1.id, goods[1].1.id);
    f.set_stock(a, 3.0).await;
    f.set_stock(b, 0.0).await;
    f.set_stock(f.delivery, 0.0).await;
    f.exec(
        "UPDATE `goods` SET `Type` = 8 WHERE `ID` = ?",
        &[Value::Int(f.delivery)],
    )
    .await;
    let line = |good_id: i64, quantity: Decimal| NewLine {
        good_id,
        quantity,
        price: dec!(2),
        discount_percent: dec!(0),
    };
    let sale = |lines: Vec<NewLine>| NewDocument {
        kind: DocumentKind::Sale,
        object_id: f.object,
        user_id: f.server.import.active_user.unwrap(),
        partner: PartnerChoice::Existing(2),
        date: Utc::now().date_naive(),
        lines,
        reference: "каса".into(),
        payment_type_id: 1,
        paid: vec![],
        usn: None,
        converts_order: None,
    };
    let rows_before = f.count("SELECT COUNT(*) FROM `operations`", &[]).await;
    let err =
        f.wh.create_document(&sale(vec![
            line(a, dec!(2)),
            line(a, dec!(2)),
            line(b, dec!(1)),
            line(b, dec!(-1)),
            line(f.delivery, dec!(1)),
            line(f.discount, dec!(-1)),
        ]))
        .await
        .unwrap_err();
    let Error::InsufficientStock(short) = err else {
        panic!("{err}");
    };
    // a: 3 there, 4 needed; b: given back as much as taken, so not short; the service and the
    // discount line are not checked.
    assert_eq!(short.len(), 1, "{short:?}");
    assert_eq!(
        (
            short[0].good_id,
            short[0].object_id,
            short[0].available,
            short[0].needed
        ),
        (a, f.object, dec!(3), dec!(4))
    );
    assert_eq!(short[0].good_name, goods[0].1.name);
    assert!(!short[0].object_name.is_empty());
    assert_eq!(
        f.count("SELECT COUNT(*) FROM `operations`", &[]).await,
        rows_before
    );
    assert_eq!(f.stock(a).await, dec!(3));

    // Three of the three: written, the store at 0, the service below zero.
    let d =
        f.wh.create_document(&sale(vec![line(a, dec!(3)), line(f.delivery, dec!(1))]))
            .await
            .unwrap();
    assert_eq!(f.stock(a).await, dec!(0));
    assert_eq!(f.stock(f.delivery).await, dec!(-1));
    // Changing the Sale's lines is checked the same way.
    let err =
        f.wh.replace_document_lines(
            DocumentKind::Sale,
            d.number,
            d.object_id,
            &[line(a, dec!(5))],
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InsufficientStock(_)), "{err}");
    assert_eq!(f.stock(a).await, dec!(0), "the change was rolled back");
}
