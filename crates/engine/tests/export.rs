//! The export end to end: a seeded Склад Pro database (SQLite) and the sandbox shop over real
//! HTTP. Assertions are what a shop owner would check: the shop's products, variants, prices
//! and quantities, and which requests the shop received.

use std::collections::HashMap;

use cloudcart_sandbox::{Sandbox, SandboxConfig};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use skladsync_engine::export::run_export;
use skladsync_engine::report::{
    ExportProblem, Item, Problem, SettingField, SettingIssue, ShopFailure,
};
use skladsync_engine::settings::{CompareBy, MissingGoods, Server};
use skladsync_engine::*;
use skladsync_warehouse::*;

struct Fixture {
    _dir: tempfile::TempDir,
    wh: Warehouse,
    sandbox: Sandbox,
    journal: Journal,
    server: Server,
    secrets: MemorySecretStore,
}

async fn fixture(goods: usize) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let connection = Connection::Sqlite {
        path: dir.path().join("wh.db"),
    };
    let wh = Warehouse::create_blank(&connection, &BlankDatabase::default())
        .await
        .unwrap();
    wh.seed(&SeedOptions {
        goods,
        objects: 3,
        partners: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let journal = Journal::open(&dir.path().join("journal.db")).await.unwrap();
    let mut server = Server::new("t1", "Тест", sandbox.base_url(), connection);
    let shops = wh
        .object_groups()
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.name == "Магазини")
        .unwrap();
    server.export.object_groups = vec![shops.id.into()];
    server.export.object = Some(wh.locations().await.unwrap()[0].id.into());
    let secrets = MemorySecretStore::default();
    secrets
        .set(&server.shop.api_key, sandbox.api_key())
        .unwrap();
    Fixture {
        _dir: dir,
        wh,
        sandbox,
        journal,
        server,
        secrets,
    }
}

impl Fixture {
    async fn export(&self, dry_run: bool) -> RunSummary {
        let shop = shop_client(&self.server, &self.secrets).unwrap();
        run_export(
            &self.wh,
            &shop,
            &self.journal,
            &self.server,
            &Reporter::silent(Task::Export),
            dry_run,
        )
        .await
        .unwrap()
    }

    fn writes(&self) -> Vec<(String, String)> {
        self.sandbox
            .state()
            .request_log()
            .into_iter()
            .filter(|r| r.method != "GET")
            .map(|r| (r.method, r.path))
            .collect()
    }

    /// Shop variants by barcode: (price in major units, quantity).
    fn shop_by_barcode(&self) -> HashMap<String, (Decimal, Decimal)> {
        self.sandbox
            .state()
            .variants()
            .into_iter()
            .filter_map(|v| {
                Some((
                    v.barcode.clone()?,
                    (
                        Decimal::new(v.price, 2),
                        Decimal::try_from(v.quantity.unwrap_or(0.0)).unwrap(),
                    ),
                ))
            })
            .collect()
    }

    async fn expected_quantity(&self, good_id: i64) -> Decimal {
        let objects: Vec<i64> = self
            .wh
            .locations()
            .await
            .unwrap()
            .into_iter()
            .filter(|o| {
                self.server
                    .export
                    .object_groups
                    .contains(&o.group_id.into())
            })
            .map(|o| o.id)
            .collect();
        self.wh
            .quantities(&objects)
            .await
            .unwrap()
            .quantities
            .get(&good_id)
            .copied()
            .unwrap_or_default()
            .floor()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_export_creates_products_with_variants_then_only_changes_are_written() {
    let f = fixture(40).await;
    let goods = f.wh.goods(&[], PriceGroup::RETAIL).await.unwrap().goods;

    let summary = f.export(false).await;
    assert_eq!(summary.created, 40, "{:?}", summary.problems);
    assert!(summary.problems.is_empty(), "{:?}", summary.problems);

    // Every good is a shop variant with its barcode, retail price and summed quantity.
    let shop = f.shop_by_barcode();
    assert_eq!(shop.len(), 40);
    for g in &goods {
        let (price, qty) = shop[g.barcodes[0].as_ref().unwrap()];
        assert_eq!(price, g.price.round_dp(2), "price of good {}", g.id);
        assert_eq!(
            qty,
            f.expected_quantity(g.id).await,
            "quantity of good {}",
            g.id
        );
    }
    // Goods sharing a Code with "Type-Value" catalogs are one product with options.
    let state = f.sandbox.state();
    let products = state.products();
    let families: Vec<_> = products
        .iter()
        .filter(|p| p.parameter_ids[0].is_some())
        .collect();
    assert!(!families.is_empty());
    let family = families[0];
    let params = state.variant_parameters();
    let names: Vec<&str> = family
        .parameter_ids
        .iter()
        .flatten()
        .map(|id| params.iter().find(|p| p.id == *id).unwrap().name.as_str())
        .collect();
    assert_eq!(names, ["Цвят", "Размер"]);
    let family_variants = state
        .variants()
        .into_iter()
        .filter(|v| v.item_id == family.id)
        .count();
    assert!(family_variants >= 4);
    let variant_goods = goods.iter().filter(|g| g.catalogs[0].is_some()).count();
    assert_eq!(products.len(), goods.len() - variant_goods + families.len());
    // Categories follow the goods groups tree.
    let cats = state.categories();
    assert!(
        cats.iter()
            .any(|c| c.name == "Облекло" && c.parent_id.is_none())
    );
    assert!(
        cats.iter()
            .any(|c| c.name == "Дамско облекло" && c.parent_id.is_some())
            || cats.len() > 1
    );

    // A second run with nothing changed writes nothing.
    f.sandbox.state().clear_request_log();
    let again = f.export(false).await;
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 40));
    assert!(f.writes().is_empty(), "{:?}", f.writes());

    // A price change in Склад Pro and a sale that takes stock: exactly those variants change.
    let changed = &goods[0];
    let wh_good = GoodData {
        price: dec!(12.34),
        ..changed.to_data(PriceGroup::RETAIL)
    };
    f.wh.save_good(Some(changed.id), &wh_good).await.unwrap();
    let sold = &goods[1];
    let object =
        f.wh.locations()
            .await
            .unwrap()
            .into_iter()
            .find(|o| f.server.export.object_groups.contains(&o.group_id.into()))
            .unwrap();
    let before = f.expected_quantity(sold.id).await;
    f.wh.create_document(&NewDocument {
        kind: DocumentKind::Sale,
        object_id: object.id,
        user_id: f.wh.users().await.unwrap()[0].id,
        partner: PartnerChoice::Existing(2),
        date: chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
        lines: vec![NewLine {
            good_id: sold.id,
            quantity: dec!(1),
            price: sold.price,
            discount_percent: Decimal::ZERO,
        }],
        reference: "shop-1".into(),
        payment_type_id: 1,
        paid: vec![],
        usn: None,
        converts_order: None,
    })
    .await
    .unwrap();
    f.sandbox.state().clear_request_log();
    let third = f.export(false).await;
    assert_eq!(
        (third.created, third.updated),
        (0, 2),
        "{:?}",
        third.problems
    );
    let writes = f.writes();
    assert_eq!(writes.len(), 2, "{writes:?}");
    // The journal knows every variant: the shop is not listed, each changed variant is read
    // once right before it is written.
    let reads: Vec<String> = f
        .sandbox
        .state()
        .request_log()
        .into_iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.path)
        .collect();
    assert_eq!(reads.len(), 2, "{reads:?}");
    assert!(
        reads
            .iter()
            .all(|p| p.starts_with("/api/v2/variants/") && !p.contains('?')),
        "{reads:?}"
    );
    assert!(
        writes
            .iter()
            .all(|(m, p)| m == "PATCH" && p.starts_with("/api/v2/variants/"))
    );
    let shop = f.shop_by_barcode();
    assert_eq!(shop[changed.barcodes[0].as_ref().unwrap()].0, dec!(12.34));
    assert_eq!(
        shop[sold.barcodes[0].as_ref().unwrap()].1,
        (before - dec!(1)).max(Decimal::ZERO)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_writes_nothing_and_bad_goods_do_not_stop_the_run() {
    let f = fixture(12).await;
    // A good without a barcode cannot be matched: reported, the rest goes on.
    let goods = f.wh.goods(&[], PriceGroup::RETAIL).await.unwrap().goods;
    let bare = goods.iter().find(|g| g.catalogs[0].is_none()).unwrap();
    let mut data = GoodData {
        barcodes: [String::new(), String::new(), String::new()],
        catalogs: [String::new(), String::new(), String::new()],
        ..bare.to_data(PriceGroup::RETAIL)
    };
    f.wh.save_good(Some(bare.id), &data).await.unwrap();

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let shop = shop_client(&f.server, &f.secrets).unwrap();
    let dry = run_export(
        &f.wh,
        &shop,
        &f.journal,
        &f.server,
        &Reporter::new(Task::Export, tx),
        true,
    )
    .await
    .unwrap();
    assert!(dry.dry_run);
    assert_eq!(dry.created, 11);
    // The dry run lists every write it would make.
    let mut intended = 0;
    while let Ok(e) = rx.try_recv() {
        if let Event::Item {
            level: Level::Info,
            problem,
            ..
        } = e
        {
            assert!(
                matches!(
                    problem.problem,
                    Problem::Export(ExportProblem::WouldCreate { .. })
                ),
                "{problem:?}"
            );
            intended += 1;
        }
    }
    assert_eq!(intended, 11);
    assert!(
        f.writes().is_empty(),
        "a dry run sends no write: {:?}",
        f.writes()
    );
    assert!(f.sandbox.state().variants().is_empty());
    let problem = dry
        .problems
        .iter()
        .find(|p| good_of(&p.item) == Some(bare.id))
        .expect("reported");
    assert_eq!(
        problem.problem,
        Problem::Export(ExportProblem::NoKey {
            compare_by: CompareBy::BarcodeToBarcode1
        })
    );

    let real = f.export(false).await;
    assert_eq!(real.created, 11);
    assert_eq!(f.sandbox.state().variants().len(), 11);

    // Compare by SKU ↔ Barcode 2 finds the same variants (the seed's SKUs) and writes nothing new.
    data.barcodes[1] = "SKU-NEW-1".into();
    f.wh.save_good(Some(bare.id), &data).await.unwrap();
    let mut by_sku = f.fixture_server_with(CompareBy::SkuToBarcode2);
    by_sku.export.export_goods = false;
    let shop = shop_client(&by_sku, &f.secrets).unwrap();
    let s = run_export(
        &f.wh,
        &shop,
        &f.journal,
        &by_sku,
        &Reporter::silent(Task::Export),
        false,
    )
    .await
    .unwrap();
    assert_eq!(s.created, 0);
    assert_eq!(s.unchanged, 11);
    assert!(s.problems.iter().any(|p| good_of(&p.item) == Some(bare.id)
        && p.problem == Problem::Export(ExportProblem::NotInShop)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goods_that_leave_the_groups_are_set_to_zero_when_asked() {
    let mut f = fixture(20).await;
    f.server.export.missing_goods = MissingGoods::Deactivate;
    f.export(false).await;
    let groups = f.wh.goods_groups().await.unwrap();
    // Keep only the clothes tree: everything else left the chosen groups.
    let clothes = groups.iter().find(|g| g.code == "AAA").unwrap().id;
    f.server.export.goods_groups = vec![clothes.into()];
    let in_scope: Vec<i64> =
        f.wh.goods(&[clothes], PriceGroup::RETAIL)
            .await
            .unwrap()
            .goods
            .iter()
            .map(|g| g.id)
            .collect();
    let goods = f.wh.goods(&[], PriceGroup::RETAIL).await.unwrap().goods;
    let out: Vec<&Good> = goods.iter().filter(|g| !in_scope.contains(&g.id)).collect();
    assert!(!out.is_empty());
    let before = f.shop_by_barcode();
    let nonzero_out = out
        .iter()
        .filter(|g| before[g.barcodes[0].as_ref().unwrap()].1 > Decimal::ZERO)
        .count();
    assert!(nonzero_out > 0);
    let s = f.export(false).await;
    let shop = f.shop_by_barcode();
    assert_eq!(s.deactivated as usize, nonzero_out);
    for g in out {
        assert_eq!(
            shop[g.barcodes[0].as_ref().unwrap()].1,
            Decimal::ZERO,
            "good {} set to 0",
            g.id
        );
    }
    assert!(in_scope.iter().any(|id| {
        let g = goods.iter().find(|g| g.id == *id).unwrap();
        shop[g.barcodes[0].as_ref().unwrap()].1 > Decimal::ZERO
    }));
}

impl Fixture {
    fn fixture_server_with(&self, compare_by: CompareBy) -> Server {
        let mut s = self.server.clone();
        s.compare_by = compare_by;
        s.id = format!("{}-{:?}", s.id, compare_by);
        s
    }
}

fn shirt(code: &str, colour: &str, size: &str, n: usize) -> GoodData {
    GoodData {
        code: code.into(),
        name: format!("Риза Витоша {colour} {size}"),
        barcodes: [
            format!("38011100000{n}"),
            format!("SHIRT-{n}"),
            String::new(),
        ],
        catalogs: [
            format!("Цвят-{colour}"),
            format!("Размер-{size}"),
            String::new(),
        ],
        measure: "бр.".into(),
        price_group: PriceGroup::RETAIL,
        price: dec!(39.90),
        vat_group_id: 1,
        group_id: 2,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_variants_make_one_product_and_come_back_as_five_goods() {
    let mut f = fixture(0).await;
    let combos = [
        ("Червен", "M"),
        ("Червен", "L"),
        ("Син", "M"),
        ("Син", "L"),
        ("Червен", "XL"),
    ];
    for (n, (c, s)) in combos.iter().enumerate() {
        f.wh.save_good(None, &shirt("777", c, s, n)).await.unwrap();
    }
    let summary = f.export(false).await;
    assert_eq!(summary.created, 5, "{:?}", summary.problems);
    let state = f.sandbox.state();
    let products = state.products();
    assert_eq!(products.len(), 1);
    let params = state.variant_parameters();
    let names: Vec<&str> = products[0]
        .parameter_ids
        .iter()
        .flatten()
        .map(|id| params.iter().find(|p| p.id == *id).unwrap().name.as_str())
        .collect();
    assert_eq!(names, ["Цвят", "Размер"]);
    assert_eq!(state.variants().len(), 5);
    assert_eq!(products[0].name, "Риза Витоша");

    // Pulled into an empty warehouse, the product gives the five goods back.
    let dir = tempfile::tempdir().unwrap();
    let connection = Connection::Sqlite {
        path: dir.path().join("empty.db"),
    };
    let empty = Warehouse::create_blank(&connection, &BlankDatabase::default())
        .await
        .unwrap();
    empty
        .seed(&SeedOptions {
            goods: 0,
            objects: 1,
            partners: 0,
            ..Default::default()
        })
        .await
        .unwrap();
    f.server.import.object = Some(empty.locations().await.unwrap()[0].id.into());
    let shop = shop_client(&f.server, &f.secrets).unwrap();
    let pulled = skladsync_engine::pull::run_pull(
        &empty,
        &shop,
        &f.server,
        None,
        &Reporter::silent(Task::ProductPull),
        false,
    )
    .await
    .unwrap();
    assert_eq!(pulled.created, 5, "{:?}", pulled.problems);
    let goods = empty.goods(&[], PriceGroup::RETAIL).await.unwrap().goods;
    assert_eq!(goods.len(), 5);
    assert!(
        goods
            .iter()
            .all(|g| g.code == goods[0].code && g.price == dec!(39.9))
    );
    for (n, (c, s)) in combos.iter().enumerate() {
        let g = goods
            .iter()
            .find(|g| g.barcodes[0].as_deref() == Some(&format!("38011100000{n}")))
            .unwrap();
        let mut cats: Vec<&str> = g.catalogs.iter().flatten().map(String::as_str).collect();
        cats.sort();
        let mut want = vec![format!("Цвят-{c}"), format!("Размер-{s}")];
        want.sort();
        assert_eq!(cats, want);
        assert_eq!(
            g.barcodes[1].as_deref(),
            Some(format!("SHIRT-{n}").as_str())
        );
    }
    // A second pull creates no goods.
    let again = skladsync_engine::pull::run_pull(
        &empty,
        &shop,
        &f.server,
        None,
        &Reporter::silent(Task::ProductPull),
        false,
    )
    .await
    .unwrap();
    assert_eq!((again.created, again.updated), (0, 5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_journal_is_rebuilt_without_writing_what_is_equal() {
    let mut f = fixture(15).await;
    f.export(false).await;
    // A new, empty journal: the next run matches shop and warehouse again and writes nothing.
    f.journal = Journal::open(&f._dir.path().join("journal-new.db"))
        .await
        .unwrap();
    f.sandbox.state().clear_request_log();
    let s = f.export(false).await;
    assert_eq!((s.created, s.updated, s.unchanged), (0, 0, 15));
    assert!(f.writes().is_empty(), "{:?}", f.writes());
    assert_eq!(
        f.journal.pushed(&f.server.id).await.unwrap().len(),
        15,
        "the mappings are rebuilt"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_goods_are_reported_and_the_rest_goes_on() {
    let mut f = fixture(10).await;
    let goods = f.wh.goods(&[], PriceGroup::RETAIL).await.unwrap().goods;
    let simple: Vec<&Good> = goods.iter().filter(|g| g.catalogs[0].is_none()).collect();
    // A price that would be zero in the shop.
    let zero = simple[0];
    let mut data = GoodData {
        price: Decimal::ZERO,
        ..zero.to_data(PriceGroup::RETAIL)
    };
    f.wh.save_good(Some(zero.id), &data).await.unwrap();
    // A good in a VAT group without a mapped shop VAT class.
    let nine = simple[1];
    data = GoodData {
        code: nine.code.clone(),
        name: nine.name.clone(),
        barcodes: nine.barcodes.clone().map(|b| b.unwrap_or_default()),
        price: nine.price,
        vat_group_id: 2,
        group_id: nine.group_id,
        ..data
    };
    f.wh.save_good(Some(nine.id), &data).await.unwrap();
    f.server.export.vat_classes = vec![skladsync_engine::settings::VatClassMapping {
        shop_class: "standard".into(),
        vat_group: VatGroupId(1),
    }];
    // A goods group that no longer exists, next to one that does.
    f.server.export.goods_groups = vec![99_999.into()];
    let all_groups: Vec<i64> =
        f.wh.goods_groups()
            .await
            .unwrap()
            .iter()
            .map(|g| g.id)
            .collect();
    f.server
        .export
        .goods_groups
        .extend(all_groups.into_iter().map(GoodsGroupId::from));

    let s = f.export(false).await;
    let about = |id: i64| s.problems.iter().find(|p| good_of(&p.item) == Some(id));
    assert!(
        matches!(
            about(zero.id).unwrap().problem,
            Problem::Export(ExportProblem::NoPrice { .. })
        ),
        "{:?}",
        s.problems
    );
    assert!(
        matches!(
            about(nine.id).unwrap().problem,
            Problem::Export(ExportProblem::VatGroupWithoutShopClass { vat_group: 2 })
        ),
        "{:?}",
        s.problems
    );
    assert!(
        s.problems
            .iter()
            .any(|p| p.item == Item::GoodsGroup { id: 99999 })
    );
    let expected = goods
        .iter()
        .filter(|g| g.id != zero.id && g.id != nine.id && g.vat_group_id == 1)
        .count();
    assert_eq!(s.created as usize, expected);
    let shop = f.shop_by_barcode();
    assert!(!shop.contains_key(zero.barcodes[0].as_ref().unwrap()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stock_formula_euro_prices_and_export_switches_shape_what_the_shop_gets() {
    // A BGN database whose shop sells in euro.
    let dir = tempfile::tempdir().unwrap();
    let connection = Connection::Sqlite {
        path: dir.path().join("bgn.db"),
    };
    let wh = Warehouse::create_blank(
        &connection,
        &BlankDatabase {
            base_currency: "BGN".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    wh.seed(&SeedOptions {
        goods: 6,
        objects: 1,
        partners: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let journal = Journal::open(&dir.path().join("j.db")).await.unwrap();
    let object = wh.locations().await.unwrap()[0].id;
    let mut server = Server::new("eur", "EUR", sandbox.base_url(), connection);
    server.export.object = Some(object.into());
    server.export.prices_in_eur = true;
    server.export.stock_formula = skladsync_engine::settings::StockFormula::OnHandMinusOrders;
    let secrets = MemorySecretStore::default();
    secrets
        .set(&server.shop.api_key, sandbox.api_key())
        .unwrap();
    let shop = shop_client(&server, &secrets).unwrap();
    let goods = wh.goods(&[], PriceGroup::RETAIL).await.unwrap().goods;
    let g = goods.iter().find(|g| g.catalogs[0].is_none()).unwrap();
    // An open Order holds 2 of the good.
    wh.create_document(&NewDocument {
        kind: DocumentKind::Order,
        object_id: object,
        user_id: wh.users().await.unwrap()[0].id,
        partner: PartnerChoice::Existing(2),
        date: chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
        lines: vec![NewLine {
            good_id: g.id,
            quantity: dec!(2),
            price: g.price,
            discount_percent: Decimal::ZERO,
        }],
        reference: "order-1".into(),
        payment_type_id: 1,
        paid: vec![],
        usn: None,
        converts_order: None,
    })
    .await
    .unwrap();
    let on_hand = wh.quantities(&[object]).await.unwrap().quantities[&g.id];
    export::run_export(
        &wh,
        &shop,
        &journal,
        &server,
        &Reporter::silent(Task::Export),
        false,
    )
    .await
    .unwrap();
    let v = sandbox
        .state()
        .variants()
        .into_iter()
        .find(|v| v.barcode == g.barcodes[0])
        .unwrap();
    assert_eq!(
        Decimal::new(v.price, 2),
        currency::bgn_to_eur(g.price.round_dp(2)),
        "EUR at 1.95583"
    );
    assert_eq!(
        Decimal::try_from(v.quantity.unwrap()).unwrap(),
        (on_hand - dec!(2)).max(Decimal::ZERO).floor(),
        "on hand minus open orders"
    );

    // With quantities switched off, a price change is the only thing written.
    server.export.export_quantities = false;
    let data = GoodData {
        price: dec!(19.99),
        ..g.to_data(PriceGroup::RETAIL)
    };
    wh.save_good(Some(g.id), &data).await.unwrap();
    sandbox.state().clear_request_log();
    let s = export::run_export(
        &wh,
        &shop,
        &journal,
        &server,
        &Reporter::silent(Task::Export),
        false,
    )
    .await
    .unwrap();
    assert_eq!(s.updated, 1);
    let patches: Vec<_> = sandbox
        .state()
        .request_log()
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect();
    assert_eq!(patches.len(), 1);
    let attrs = &patches[0].body.as_ref().unwrap()["data"]["attributes"];
    assert_eq!(
        attrs["price"],
        serde_json::json!(1022),
        "19.99 лв = 10.22 €, in cents"
    );
    assert!(attrs.get("quantity").is_none(), "no quantity sent: {attrs}");

    // The settings refuse EUR conversion on a database already in euro.
    let mut eur_server = server.clone();
    let eur_dir = tempfile::tempdir().unwrap();
    let eur_conn = Connection::Sqlite {
        path: eur_dir.path().join("eur.db"),
    };
    let eur_wh = Warehouse::create_blank(&eur_conn, &BlankDatabase::default())
        .await
        .unwrap();
    eur_wh
        .seed(&SeedOptions {
            goods: 2,
            objects: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    eur_server.export.object = Some(eur_wh.locations().await.unwrap()[0].id.into());
    let problems = skladsync_engine::validate::validate(&eur_wh, &eur_server, Task::Export)
        .await
        .unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p.field == SettingField::ExportPricesInEur
                && p.issue == SettingIssue::DatabaseAlreadyInEur),
        "{problems:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_product_and_a_duplicate_shop_barcode_are_reported_and_the_rest_goes_on() {
    let f = fixture(8).await;
    let goods = f.wh.goods(&[], PriceGroup::RETAIL).await.unwrap().goods;
    let simple: Vec<&Good> = goods.iter().filter(|g| g.catalogs[0].is_none()).collect();
    // The shop rejects the first product it is asked to make (422), once.
    f.sandbox.state().set_fault(
        cloudcart_sandbox::FaultRule::from(cloudcart_sandbox::Fault::ServerError {
            status: 422,
            times: 1,
        })
        .on_path("/api/v2/products")
        .on_method("POST"),
    );
    let first = f.export(false).await;
    assert_eq!(
        first.created as usize,
        goods.len() - 1,
        "{:?}",
        first.problems
    );
    assert_eq!(first.problems.len(), 1);
    assert!(
        matches!(
            first.problems[0].problem,
            Problem::Shop(ShopFailure::Refused { status: 422, .. })
        ),
        "{:?}",
        first.problems
    );
    // The next run makes the one the shop refused.
    let second = f.export(false).await;
    assert_eq!(second.created, 1, "{:?}", second.problems);

    // Someone gives a second shop variant the barcode of one of ours: that key is reported and
    // left alone, the rest is exported.
    let shop = shop_client(&f.server, &f.secrets).unwrap();
    let taken = simple[0].barcodes[0].clone().unwrap();
    let other = f
        .sandbox
        .state()
        .variants()
        .into_iter()
        .find(|v| v.barcode.as_deref() != Some(taken.as_str()))
        .unwrap();
    shop.update_variant(
        &skladsync_cloudcart::Id::from(other.id),
        &skladsync_cloudcart::VariantUpdate {
            barcode: Some(taken.clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let fresh = Journal::open(&f._dir.path().join("journal-dup.db"))
        .await
        .unwrap();
    let s = run_export(
        &f.wh,
        &shop,
        &fresh,
        &f.server,
        &Reporter::silent(Task::Export),
        true,
    )
    .await
    .unwrap();
    assert!(
        s.problems
            .iter()
            .any(|p| matches!(&p.item, Item::Variant { key, .. } if *key == taken)
                && matches!(&p.problem, Problem::Export(ExportProblem::ShopKeyTwice { variants, .. }) if variants.len() == 2)),
        "{:?}",
        s.problems
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_barcode_in_the_warehouse_moves_to_the_same_shop_variant() {
    let f = fixture(6).await;
    f.export(false).await;
    let goods = f.wh.goods(&[], PriceGroup::RETAIL).await.unwrap().goods;
    let g = goods.iter().find(|g| g.catalogs[0].is_none()).unwrap();
    let before = f
        .sandbox
        .state()
        .variants()
        .into_iter()
        .find(|v| v.barcode == g.barcodes[0])
        .unwrap();
    let data = GoodData {
        barcodes: [
            "3809876543210".into(),
            g.barcodes[1].clone().unwrap_or_default(),
            String::new(),
        ],
        ..g.to_data(PriceGroup::RETAIL)
    };
    f.wh.save_good(Some(g.id), &data).await.unwrap();
    let products = f.sandbox.state().products().len();
    f.sandbox.state().clear_request_log();
    let s = f.export(false).await;
    assert_eq!((s.created, s.updated), (0, 1), "{:?}", s.problems);
    assert_eq!(
        f.sandbox.state().products().len(),
        products,
        "no second product"
    );
    let after = f.sandbox.state().variant(before.id).unwrap();
    assert_eq!(after.barcode.as_deref(), Some("3809876543210"));
    assert_eq!(f.writes().len(), 1, "{:?}", f.writes());
    // And the run after that is quiet again.
    f.sandbox.state().clear_request_log();
    let quiet = f.export(false).await;
    assert_eq!((quiet.created, quiet.updated), (0, 0));
    assert!(f.writes().is_empty());
}

/// The good a problem is about.
fn good_of(item: &Item) -> Option<i64> {
    match item {
        Item::Good { id, .. } => Some(*id),
        _ => None,
    }
}
