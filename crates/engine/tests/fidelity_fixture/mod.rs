//! The fixture of the fidelity tests: a seeded Склад Pro database (SQLite, or MariaDB when
//! SKLADSYNC_TEST_MYSQL_URL is set at build time) and the sandbox shop over real HTTP, with
//! the special goods and payment types an import needs. Each test binary uses part of it.
#![allow(dead_code)]

use chrono::Utc;
use cloudcart_sandbox::{PlaceOrder, PlaceOrderLine, Sandbox, SandboxConfig, Shopper};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use skladsync_engine::export::run_export;
use skladsync_engine::orders::{self, OrderStore};
use skladsync_engine::settings::{PaymentTypeMapping, Server, SpecialGoods};
use skladsync_engine::*;
use skladsync_warehouse::*;

#[path = "../support/mysql.rs"]
mod mysql_support;
pub use mysql_support::MySqlDrop;
use mysql_support::mysql_database;

pub struct Fixture {
    pub _dir: tempfile::TempDir,
    pub wh: Warehouse,
    pub connection: Connection,
    pub sandbox: Sandbox,
    pub journal: Journal,
    pub server: Server,
    pub secrets: MemorySecretStore,
    pub delivery: i64,
    pub discount: i64,
    pub group_id: i64,
    pub object: i64,
    pub _mysql: Option<MySqlDrop>,
}

pub async fn fixture(blank: BlankDatabase, mysql: bool) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let (connection, drop) = if mysql {
        let (c, d) = mysql_database("fidelity").await;
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
        delivery: Some(delivery.into()),
        discount: Some(discount.into()),
        fee: None,
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

pub fn service(code: &str, name: &str, vat_group_id: i64, group_id: i64) -> GoodData {
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

pub fn shopper(email: &str) -> Shopper {
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

pub fn line(variant_id: u64, quantity: f64) -> PlaceOrderLine {
    PlaceOrderLine {
        variant_id,
        quantity,
    }
}

impl Fixture {
    pub fn client(&self) -> skladsync_cloudcart::Client {
        shop_client(&self.server, &self.secrets).unwrap()
    }

    /// Shop variants whose barcode is a good's Баркод 1, with the good: (variant, good).
    pub async fn variants(&self) -> Vec<(u64, Good)> {
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
    pub async fn variant_of_vat_group(&self, vat_group: i64) -> (u64, Good) {
        self.variants()
            .await
            .into_iter()
            .find(|(_, g)| g.vat_group_id == vat_group)
            .unwrap_or_else(|| panic!("the seed has a good of VAT group {vat_group}"))
    }

    pub fn place(&self, po: PlaceOrder) -> u64 {
        self.sandbox.state().place_order(po).unwrap()
    }

    pub async fn import_with(&self, server: &Server) -> RunSummary {
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
    pub async fn doc(&self, order_id: u64) -> Option<Document> {
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

    pub fn shop_total(&self, order_id: u64) -> Decimal {
        Decimal::new(self.sandbox.state().order(order_id).unwrap().price_total, 2)
    }

    pub async fn queue(&self) -> Vec<orders::QueuedOrder> {
        orders::exception_queue(&self.journal, &self.server)
            .await
            .unwrap()
    }

    pub async fn exec(&self, sql: &str, params: &[Value]) {
        self.wh.query(sql, params).await.unwrap();
    }

    pub async fn count(&self, sql: &str, params: &[Value]) -> i64 {
        self.wh.query(sql, params).await.unwrap()[0]
            .int(0)
            .unwrap_or(0)
    }

    pub async fn stock(&self, good: i64) -> Decimal {
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

    pub async fn set_stock(&self, good: i64, qtty: f64) {
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
    pub async fn set_config(&mut self, key: &str, value: Option<&str>) {
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

    pub fn sale_server(&self) -> Server {
        let mut s = self.server.clone();
        s.import.document_kind = DocumentKind::Sale;
        s
    }

    /// An Order written by another hand, holding `qtty` of `good` in the object.
    pub async fn open_order(&self, good: i64, qtty: Decimal) -> i64 {
        self.wh
            .create_document(&NewDocument {
                kind: DocumentKind::Order,
                object_id: self.object,
                user_id: self.server.import.active_user.unwrap().get(),
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

    pub async fn sales_rows(&self) -> i64 {
        self.count(
            "SELECT COUNT(*) FROM `operations` WHERE `OperType` = 2",
            &[],
        )
        .await
    }
}
