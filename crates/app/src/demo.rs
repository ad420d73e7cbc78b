//! The demo: a seeded SQLite Склад Pro database in the data directory and the local sandbox shop,
//! with a ready "Demo" server — the whole program working with no accounts.
//!
//! The sandbox shop lives in memory, so the demo starts afresh each time: a new warehouse, the
//! goods already in the shop (as after a first export), a few shoppers' orders waiting to be
//! imported, payment types and the special goods (Доставка, Търговска отстъпка, Такса) mapped.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use cloudcart_sandbox::{
    Company, PlaceOrder, PlaceOrderLine, Sandbox, SandboxConfig, Seed, Shopper,
};
use rust_decimal::Decimal;
use skladsync_engine::settings::{PaymentTypeMapping, Server, SettingsFile, SpecialGoods};
use skladsync_engine::{Journal, MemorySecretStore, Reporter, SecretStore, Task};
use skladsync_warehouse::{
    BlankDatabase, Connection, GoodData, PriceGroup, SeedOptions, Warehouse,
};

/// The id of the demo server in the demo settings file.
pub const DEMO_SERVER_ID: &str = "demo";

pub struct Demo {
    pub sandbox: Sandbox,
    pub settings: SettingsFile,
    pub server: Server,
    pub secrets: Arc<dyn SecretStore>,
    pub warehouse: Warehouse,
    pub warehouse_path: PathBuf,
}

/// A special good of the demo warehouse (a service line on imported orders).
async fn special_good(
    wh: &Warehouse,
    group_id: i64,
    code: &str,
    name: &str,
    vat_group_id: i64,
) -> Result<skladsync_engine::GoodId> {
    Ok(wh
        .save_good(
            None,
            &GoodData {
                code: code.into(),
                name: name.into(),
                barcodes: [code.into(), String::new(), String::new()],
                catalogs: Default::default(),
                measure: "бр.".into(),
                price_group: PriceGroup::RETAIL,
                price: Decimal::ZERO,
                vat_group_id,
                group_id,
            },
        )
        .await?
        .into())
}

/// The Склад Pro payment type for a shop payment provider key.
fn payment_type_for(provider: &str) -> i64 {
    match provider {
        // Наложен платеж (the demo warehouse has it as type 5)
        p if p.contains("cod") => 5,
        // Превод по сметка
        p if p.contains("bank") => 2,
        // Плащане в брой
        p if p.contains("cash") => 1,
        // Дебитна/Кредитна карта
        _ => 3,
    }
}

/// Build the demo and start the sandbox shop. `_reset` is kept for the command line: the demo
/// is always built anew.
pub async fn start(data_dir: &Path, _reset: bool) -> Result<Demo> {
    let dir = data_dir.join("demo");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let warehouse_path = dir.join("demo-warehouse.db");
    let connection = Connection::Sqlite {
        path: warehouse_path.clone(),
    };
    let warehouse = Warehouse::create_blank(&connection, &BlankDatabase::default()).await?;
    warehouse
        .seed(&SeedOptions {
            goods: 500,
            objects: 4,
            partners: 40,
            ..Default::default()
        })
        .await?;
    let services = warehouse.create_goods_group("Служебни", None).await?;
    let special = SpecialGoods {
        delivery: Some(special_good(&warehouse, services.id, "SVC-DELIVERY", "Доставка", 1).await?),
        discount: Some(
            special_good(
                &warehouse,
                services.id,
                "SVC-DISCOUNT",
                "Търговска отстъпка",
                1,
            )
            .await?,
        ),
        fee: Some(special_good(&warehouse, services.id, "SVC-FEE", "Такса", 1).await?),
    };

    let sandbox = Sandbox::start(SandboxConfig {
        seed: Seed::Empty,
        ..Default::default()
    })
    .await?;
    let settings = SettingsFile::at(dir.join("settings.json"));
    let mut server = Server::new(DEMO_SERVER_ID, "Demo", sandbox.base_url(), connection);
    let objects = warehouse.locations().await?;
    let shops = warehouse
        .object_groups()
        .await?
        .into_iter()
        .find(|g| g.name == "Магазини");
    let user = warehouse.users().await?.first().map(|u| u.id);
    server.export.object = objects.first().map(|o| o.id).map(Into::into);
    server.export.object_groups = shops
        .map(|g| vec![g.id])
        .unwrap_or_default()
        .into_iter()
        .map(Into::into)
        .collect();
    server.export.active_user = user.map(Into::into);
    // The service goods stay in Склад Pro: the shop gets the goods of the other groups.
    server.export.goods_groups = warehouse
        .goods_groups()
        .await?
        .into_iter()
        .filter(|g| g.depth() == 1 && g.id != services.id)
        .map(|g| g.id.into())
        .collect();
    server.import.object = objects.first().map(|o| o.id).map(Into::into);
    server.import.active_user = user.map(Into::into);
    server.import.special_goods = special;
    // Coffee and tea are at 9 % (VAT group 2): their share of a whole-order discount is a line
    // of a discount good at 9 %.
    server.import.discount_goods_other_rates = vec![
        special_good(
            &warehouse,
            services.id,
            "SVC-DISCOUNT-9",
            "Търговска отстъпка 9 %",
            2,
        )
        .await?,
    ];
    server.import.first_run_days = 30;
    server.import.payment_types = sandbox
        .state()
        .export()
        .payment_providers
        .iter()
        .map(|p| PaymentTypeMapping {
            provider: p.provider.clone(),
            payment_type: (payment_type_for(&p.provider)).into(),
        })
        .collect();
    let mut all = settings.load()?;
    all.servers.retain(|s| s.id != DEMO_SERVER_ID);
    all.servers.insert(0, server.clone());
    settings.save(&all)?;
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());
    secrets.set(&server.shop.api_key, sandbox.api_key())?;

    // The shop already sells the goods (as after a first export), and the journal knows it.
    let journal = Journal::open(&data_dir.join("journal.db")).await?;
    journal.forget_server(DEMO_SERVER_ID).await?;
    let shop = skladsync_engine::shop_client(&server, &*secrets)?;
    skladsync_engine::export::run_export(
        &warehouse,
        &shop,
        &journal,
        &server,
        &Reporter::silent(Task::Export),
        false,
    )
    .await?;

    // Shoppers' orders waiting to be imported.
    let variants = sandbox.state().variants();
    let providers: Vec<String> = sandbox
        .state()
        .export()
        .payment_providers
        .iter()
        .map(|p| p.provider.clone())
        .collect();
    let shoppers = [
        (
            "Мария",
            "Иванова",
            "maria.ivanova@example.bg",
            "Пловдив",
            None,
        ),
        (
            "Георги",
            "Димитров",
            "georgi@trakia-trade.bg",
            "Стара Загора",
            Some(("Тракия Трейд ЕООД", "831434320")),
        ),
        ("Елена", "Стоянова", "elena.s@example.bg", "Варна", None),
        ("Николай", "Петров", "n.petrov@example.bg", "София", None),
        ("Десислава", "Тодорова", "desi.t@example.bg", "Бургас", None),
    ];
    for (n, (first, last, email, city, company)) in shoppers.iter().enumerate() {
        let lines = variants
            .iter()
            .skip(n * 7)
            .take(1 + n % 3)
            .map(|v| PlaceOrderLine {
                variant_id: v.id,
                quantity: 1.0 + (n % 2) as f64,
            })
            .collect();
        sandbox.state().place_order(PlaceOrder {
            lines,
            customer: Some(Shopper {
                first_name: (*first).into(),
                last_name: (*last).into(),
                email: (*email).into(),
                phone: Some(format!("+35988812345{n}")),
                city: (*city).into(),
                post_code: "1000".into(),
                street: "ул. Витоша".into(),
                street_number: Some(format!("{}", 10 + n)),
                company: company.map(|(name, eik)| Company {
                    name: name.into(),
                    eik: eik.into(),
                    vat: Some(format!("BG{eik}")),
                    person: format!("{first} {last}"),
                }),
            }),
            payment_provider: providers.get(n % providers.len().max(1)).cloned(),
            discount_percent: (n == 3).then_some(10),
            ..Default::default()
        })?;
    }
    Ok(Demo {
        sandbox,
        settings,
        server,
        secrets,
        warehouse,
        warehouse_path,
    })
}
