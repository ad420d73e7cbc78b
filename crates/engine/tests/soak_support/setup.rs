//! The world of a soak: a seeded SQLite Склад Pro database, the sandbox shop over real HTTP, and
//! a real engine whose export and order import both run in the continuous mode.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cloudcart_sandbox::{Sandbox, SandboxConfig, Seed};
use rand::Rng;
use rand::rngs::StdRng;
use rust_decimal::Decimal;
use skladsync_engine::settings::{
    EditionSetting, PaymentTypeMapping, Settings, SettingsFile, SpecialGoods, StartMode,
    StockFormula,
};
use skladsync_engine::{
    Command, Engine, EngineConfig, Journal, MemorySecretStore, Reply, SecretStore, Server,
    default_task_runner, orders, shop_client,
};
use skladsync_warehouse::{
    BlankDatabase, Connection, DocumentKind, GoodData, NON_INVENTORY_FLAG, PriceGroup, SeedOptions,
    Value, Warehouse, config,
};

use super::Config;

/// The server's id in the settings and the journal.
pub const SERVER: &str = "soak";

/// The shop statuses at which an order becomes a Sale; below them it is an Order.
pub const SALE_STATUSES: [&str; 2] = ["paid", "completed"];

pub struct World {
    pub _dir: tempfile::TempDir,
    /// The soak's own connection to the warehouse (Склад Pro at the till), not the engine's.
    pub wh: Warehouse,
    pub sandbox: Sandbox,
    pub journal: Journal,
    pub server: Server,
    pub secrets: Arc<MemorySecretStore>,
    pub engine: Engine,
    /// The shop's host as the import names it in references.
    pub host: String,
    pub object: i64,
    pub user: i64,
    /// The partner of the till's sales.
    pub partner: i64,
    /// The goods groups the shop gets.
    pub export_groups: Vec<i64>,
    /// A group new goods are made in.
    pub new_goods_group: i64,
    /// How often the export and the import poll, in seconds.
    pub export_every: u32,
    pub import_every: u32,
    /// Whether Склад Pro allows negative availability (a Sale beyond the stock is then refused).
    pub negative_stock_allowed: bool,
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

impl World {
    pub async fn new(config: &Config, rng: &mut StdRng) -> World {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let connection = Connection::Sqlite {
            path: dir.path().join("warehouse.db"),
        };
        let wh = Warehouse::create_blank(&connection, &BlankDatabase::default())
            .await
            .expect("a blank warehouse");
        wh.seed(&SeedOptions {
            goods: config.goods,
            objects: 1,
            partners: 3,
            traps: false,
            rng_seed: rng.random(),
        })
        .await
        .expect("the seed");
        // Half of the runs forbid negative availability: a Sale of what is not there is refused
        // (the import queues such an order with the shortage as its reason).
        let negative_stock_allowed = rng.random_bool(0.5);
        wh.query(
            "UPDATE `configuration` SET `Value` = ? WHERE `Key` = ?",
            &[
                Value::text(config::flag_value(negative_stock_allowed)),
                Value::text(config::NEGATIVE_STOCK_ALLOWED),
            ],
        )
        .await
        .expect("the negative-stock setting");
        let wh = Warehouse::connect(&connection)
            .await
            .expect("the warehouse again");
        assert_eq!(
            wh.settings().negative_stock_allowed,
            negative_stock_allowed,
            "the setting took"
        );

        let groups = wh.goods_groups().await.expect("goods groups");
        let export_groups: Vec<i64> = groups
            .iter()
            .filter(|g| g.depth() == 1)
            .map(|g| g.id)
            .collect();
        let special = wh
            .create_goods_group("Служебни", None)
            .await
            .expect("a group of special goods");
        let delivery = wh
            .save_good(None, &service("SOAK-DOST", "Доставка", 1, special.id))
            .await
            .expect("the delivery good");
        let discount = wh
            .save_good(
                None,
                &service("SOAK-OTST", "Търговска отстъпка", 1, special.id),
            )
            .await
            .expect("the discount good");
        // A discount good for each other VAT rate: an order of goods of several rates gets one
        // discount line per rate.
        let mut other_discounts = Vec::new();
        for vat in wh.vat_groups().await.expect("VAT groups") {
            if vat.id != 1 {
                let code = format!("SOAK-OTST-{}", vat.id);
                let name = format!("Търговска отстъпка {}%", vat.rate.normalize());
                other_discounts.push(
                    wh.save_good(None, &service(&code, &name, vat.id, special.id))
                        .await
                        .expect("a discount good"),
                );
            }
        }
        // The special goods are services (non-inventory), as in Склад Pro: their availability
        // is unlimited even where negative availability is not allowed.
        for id in [delivery, discount].iter().chain(&other_discounts) {
            wh.query(
                "UPDATE `goods` SET `Type` = COALESCE(`Type`, 0) | ? WHERE `ID` = ?",
                &[Value::Int(NON_INVENTORY_FLAG), Value::Int(*id)],
            )
            .await
            .expect("a service good");
        }
        let goods = wh
            .goods(&[], PriceGroup::RETAIL)
            .await
            .expect("goods")
            .goods;
        let new_goods_group = goods
            .iter()
            .find(|g| g.id != delivery && g.id != discount && g.id > 1)
            .map(|g| g.group_id)
            .expect("a seeded good");

        let object = wh.locations().await.expect("objects")[0].id;
        let user = wh
            .users()
            .await
            .expect("users")
            .into_iter()
            .find(|u| u.id > 1)
            .expect("a user besides the service user")
            .id;
        let types = wh.payment_types().await.expect("payment types");
        let by_method = |m: i64| {
            types
                .iter()
                .find(|t| t.method == m)
                .map(|t| t.id)
                .expect("a payment type")
        };
        let export_every = rng.random_range(1..=2);
        let import_every = rng.random_range(2..=5);

        let sandbox = Sandbox::start(SandboxConfig {
            seed: Seed::Empty,
            ..Default::default()
        })
        .await
        .expect("the sandbox shop");
        let mut server = Server::new(SERVER, "Soak", sandbox.base_url(), connection);
        server.warehouse.edition = EditionSetting::Normal;
        server.export.enabled = true;
        server.export.start = StartMode::Continuous {
            seconds: export_every,
        };
        server.export.object = Some(object.into());
        server.export.goods_groups = export_groups.clone().into_iter().map(Into::into).collect();
        // The formula under which the shop is in step with open Orders too.
        server.export.stock_formula = StockFormula::OnHandMinusOrders;
        server.import.enabled = true;
        server.import.start = StartMode::Continuous {
            seconds: import_every,
        };
        server.import.object = Some(object.into());
        server.import.active_user = Some(user.into());
        server.import.document_kind = DocumentKind::Order;
        server.import.sale_statuses = SALE_STATUSES.iter().map(|s| s.to_string()).collect();
        server.import.special_goods = SpecialGoods {
            delivery: Some(delivery.into()),
            discount: Some(discount.into()),
            fee: None,
        };
        server.import.discount_goods_other_rates =
            other_discounts.into_iter().map(Into::into).collect();
        server.import.payment_types = vec![
            PaymentTypeMapping {
                provider: "cod".into(),
                payment_type: by_method(1).into(),
            },
            PaymentTypeMapping {
                provider: "bank_transfer".into(),
                payment_type: by_method(2).into(),
            },
            PaymentTypeMapping {
                provider: "borica".into(),
                payment_type: by_method(3).into(),
            },
        ];
        let secrets = Arc::new(MemorySecretStore::default());
        secrets
            .set(&server.shop.api_key, sandbox.api_key())
            .expect("the API key");
        let file = SettingsFile::at(dir.path().join("settings.json"));
        file.save(&Settings {
            servers: vec![server.clone()],
            ..Default::default()
        })
        .expect("the settings");
        let journal = Journal::open(&dir.path().join("journal.db"))
            .await
            .expect("the journal");
        let dyn_secrets: Arc<dyn SecretStore> = secrets.clone();
        let engine = Engine::new(EngineConfig {
            settings: file,
            run_task: default_task_runner(dyn_secrets.clone(), journal.clone()),
            secrets: dyn_secrets,
            journal: Some(journal.clone()),
            waker: Box::new(|| {}),
        });
        let host = orders::shop_host(&shop_client(&server, &*secrets).expect("a shop client"));
        World {
            _dir: dir,
            wh,
            sandbox,
            journal,
            server,
            secrets,
            engine,
            host,
            object,
            user,
            partner: 2,
            export_groups,
            new_goods_group,
            export_every,
            import_every,
            negative_stock_allowed,
        }
    }

    /// A client of the shop with the server's settings (the checks read the shop through it).
    pub fn client(&self) -> skladsync_cloudcart::Client {
        shop_client(&self.server, &*self.secrets).expect("a shop client")
    }

    /// Start every enabled task group and wait for the export's first (full) pass: every good
    /// of the chosen groups in the shop.
    pub async fn start(&self) -> Result<Duration, String> {
        let started = Instant::now();
        let reply = self.engine.execute(Command::StartEnabled).await;
        if !matches!(&reply, Reply::StartedMany { runs } if runs.len() >= 2) {
            return Err(format!("the engine did not start both groups: {reply:?}"));
        }
        let want = self
            .wh
            .goods(&self.export_groups, PriceGroup::RETAIL)
            .await
            .map_err(|e| e.to_string())?
            .goods
            .len();
        loop {
            let pushed = self
                .journal
                .pushed(SERVER)
                .await
                .map_err(|e| e.to_string())?;
            if pushed.len() >= want {
                return Ok(started.elapsed());
            }
            if started.elapsed() > Duration::from_secs(120) {
                return Err(format!(
                    "the first pass did not end in 120 s: {} of {want} goods in the shop; {:?}",
                    pushed.len(),
                    self.engine.status().servers.get(SERVER)
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
