//! Issue 10 on the engine's side, end to end against a Склад Pro database (SQLite) and the
//! sandbox shop over real HTTP: pulled goods get their VAT group from the product's VAT class
//! and keep the user's Баркод 2 (points 9, 10); an order's partner keeps what Склад Pro holds,
//! each difference reported (point 8); the run says which user writes the documents (point 7).

use cloudcart_sandbox::{
    Company, PlaceOrder, PlaceOrderLine, Sandbox, SandboxConfig, Seed, Shopper,
};
use rust_decimal::Decimal;
use skladsync_engine::export::run_export;
use skladsync_engine::orders;
use skladsync_engine::pull::{STANDARD_VAT_GROUP, run_pull};
use skladsync_engine::report::{Note, OrderNote, OrderProblem, PartnerField, Problem, PullProblem};
use skladsync_engine::settings::{
    CompareBy, PaymentTypeMapping, Server, SpecialGoods, VatClassMapping,
};
use skladsync_engine::*;
use skladsync_warehouse::*;
use tokio::sync::mpsc;

async fn warehouse(dir: &tempfile::TempDir) -> (Connection, Warehouse) {
    let connection = Connection::Sqlite {
        path: dir.path().join("wh.db"),
    };
    let wh = Warehouse::create_blank(&connection, &BlankDatabase::default())
        .await
        .unwrap();
    wh.seed(&SeedOptions {
        goods: 6,
        objects: 2,
        partners: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    (connection, wh)
}

fn server_for(
    sandbox: &Sandbox,
    connection: Connection,
    object: i64,
) -> (Server, MemorySecretStore) {
    let mut server = Server::new("f1", "Тест", sandbox.base_url(), connection);
    server.import.object = Some(object.into());
    server.export.object = Some(object.into());
    let secrets = MemorySecretStore::default();
    secrets
        .set(&server.shop.api_key, sandbox.api_key())
        .unwrap();
    (server, secrets)
}

/// What a run reported: its log lines and item problems.
fn collect(mut rx: mpsc::UnboundedReceiver<Event>) -> Vec<Event> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        out.push(e);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pulled_goods_take_the_mapped_vat_group_and_keep_barcode_2() {
    let dir = tempfile::tempdir().unwrap();
    let (connection, wh) = warehouse(&dir).await;
    let reduced = 2;
    wh.query(
        "INSERT INTO `vatgroups` (`Code`, `Name`, `VATValue`) VALUES (?, ?, ?)",
        &[
            Value::text("Б"),
            Value::text("Намалена 9%"),
            Value::Float(9.0),
        ],
    )
    .await
    .unwrap();
    assert!(
        wh.vat_groups()
            .await
            .unwrap()
            .iter()
            .any(|v| v.id == reduced)
    );
    // A generated shop, its first product in the reduced class, its second in an unmapped one.
    let generated = Sandbox::start(SandboxConfig {
        seed: Seed::Generated {
            products: 4,
            orders: 0,
            rng_seed: 5,
        },
        ..Default::default()
    })
    .await
    .unwrap();
    let mut data = generated.state().export();
    let products: Vec<u64> = data.products.keys().copied().collect();
    data.products.get_mut(&products[0]).unwrap().tax_class = Some("reduced".into());
    data.products.get_mut(&products[1]).unwrap().tax_class = Some("books".into());
    generated.shutdown().await;
    let sandbox = Sandbox::start(SandboxConfig {
        seed: Seed::Json(serde_json::to_value(&data).unwrap()),
        ..Default::default()
    })
    .await
    .unwrap();
    let object = wh.locations().await.unwrap()[0].id;
    let (mut server, secrets) = server_for(&sandbox, connection, object);
    server.export.vat_classes = vec![
        VatClassMapping {
            shop_class: "standard".into(),
            vat_group: VatGroupId(1),
        },
        VatClassMapping {
            shop_class: "Reduced".into(),
            vat_group: reduced.into(),
        },
    ];
    let shop = shop_client(&server, &secrets).unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    run_pull(
        &wh,
        &shop,
        &server,
        None,
        &Reporter::new(Task::ProductPull, tx),
        false,
    )
    .await
    .unwrap();
    let events = collect(rx);
    let goods = wh.goods(&[], PriceGroup::RETAIL).await.unwrap().goods;
    let of_product = |p: u64| -> Vec<&Good> {
        let barcodes: Vec<String> = data
            .variants
            .values()
            .filter(|v| v.item_id == p)
            .filter_map(|v| v.barcode.clone())
            .collect();
        goods
            .iter()
            .filter(|g| g.barcodes[0].as_ref().is_some_and(|b| barcodes.contains(b)))
            .collect()
    };
    let first = of_product(products[0]);
    assert!(!first.is_empty());
    assert!(first.iter().all(|g| g.vat_group_id == reduced), "9 % goods");
    let second = of_product(products[1]);
    assert!(second.iter().all(|g| g.vat_group_id == STANDARD_VAT_GROUP));
    assert!(
        events.iter().any(|e| matches!(
            e,
            Event::Item {
                problem: ItemProblem {
                    problem: Problem::Pull(PullProblem::VatClassUnmapped {
                        shop_class: Some(class),
                        vat_group: STANDARD_VAT_GROUP,
                    }),
                    ..
                },
                ..
            } if class == "books"
        )),
        "the fallback is reported: {events:?}"
    );

    // The user gives a pulled good a Баркод 2 and a print name; a second pull keeps both
    // (the compare key is the barcode).
    let g = first[0];
    wh.query(
        "UPDATE `goods` SET `BarCode2` = ?, `Name2` = ? WHERE `ID` = ?",
        &[
            Value::text("ВЪТРЕШЕН-7"),
            Value::text("За касовата бележка"),
            Value::Int(g.id),
        ],
    )
    .await
    .unwrap();
    assert_eq!(server.compare_by, CompareBy::BarcodeToBarcode1);
    run_pull(
        &wh,
        &shop,
        &server,
        None,
        &Reporter::silent(Task::ProductPull),
        false,
    )
    .await
    .unwrap();
    let r = &wh
        .query(
            "SELECT `BarCode2`, `Name2` FROM `goods` WHERE `ID` = ?",
            &[Value::Int(g.id)],
        )
        .await
        .unwrap()[0];
    assert_eq!(r.text(0).as_deref(), Some("ВЪТРЕШЕН-7"));
    assert_eq!(r.text(1).as_deref(), Some("За касовата бележка"));
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_orders_partner_keeps_its_data_and_the_run_names_the_user() {
    let dir = tempfile::tempdir().unwrap();
    let (connection, wh) = warehouse(&dir).await;
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let object = wh.locations().await.unwrap()[0].id;
    let (mut server, secrets) = server_for(&sandbox, connection, object);
    assert_eq!(server.import.active_user, None);
    let group_id = wh.goods_groups().await.unwrap()[0].id;
    let mut special = Vec::new();
    for (code, name) in [
        ("SRV-DOST", "Доставка"),
        ("SRV-OTST", "Отстъпка"),
        ("SRV-TAKSA", "Такса"),
    ] {
        let data = GoodData {
            code: code.into(),
            name: name.into(),
            barcodes: Default::default(),
            catalogs: Default::default(),
            measure: "бр.".into(),
            price_group: PriceGroup::RETAIL,
            price: Decimal::ZERO,
            vat_group_id: 1,
            group_id,
        };
        special.push(wh.save_good(None, &data).await.unwrap());
    }
    server.import.special_goods = SpecialGoods {
        delivery: Some(special[0].into()),
        discount: Some(special[1].into()),
        fee: Some(special[2].into()),
    };
    let cod = wh
        .payment_types()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "Наложен платеж")
        .unwrap()
        .id;
    server.import.payment_types = vec![PaymentTypeMapping {
        provider: "cod".into(),
        payment_type: cod.into(),
    }];
    let journal = Journal::open(&dir.path().join("journal.db")).await.unwrap();
    let shop = shop_client(&server, &secrets).unwrap();
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
    let goods = wh.goods(&[], PriceGroup::RETAIL).await.unwrap().goods;
    let variant = sandbox
        .state()
        .variants()
        .into_iter()
        .find(|v| {
            goods
                .iter()
                .any(|g| g.barcodes[0].is_some() && g.barcodes[0] == v.barcode)
        })
        .unwrap();
    sandbox
        .state()
        .set_variant_quantity(variant.id, None)
        .unwrap();
    // The partner as the user keeps it in Склад Pro, its numbers typed with spaces and a letter.
    let partner = wh
        .save_partner(
            None,
            &PartnerData {
                company: "Тракия ЕООД".into(),
                mol: "Иван Петров".into(),
                city: "Пловдив".into(),
                eik: "175 074 752 Е".into(),
                ..Default::default()
            },
            2,
        )
        .await
        .unwrap()
        .id;
    sandbox
        .state()
        .place_order(PlaceOrder {
            lines: vec![PlaceOrderLine {
                variant_id: variant.id,
                quantity: 1.0,
            }],
            customer: Some(Shopper {
                first_name: "Мария".into(),
                last_name: "Иванова".into(),
                email: "maria@example.bg".into(),
                phone: Some("+359888000111".into()),
                city: "Пловдив".into(),
                post_code: "4000".into(),
                street: "ул. Капитан Райчо".into(),
                street_number: Some("7".into()),
                company: Some(Company {
                    name: "Тракия Трейд ЕООД".into(),
                    eik: "175074752".into(),
                    vat: Some("BG175074752".into()),
                    person: "Мария Иванова".into(),
                }),
            }),
            payment_provider: Some("cod".into()),
            ..Default::default()
        })
        .unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    let summary = orders::run_import(
        &wh,
        &shop,
        &journal,
        &server,
        &Reporter::new(Task::OrderImport, tx),
        false,
        None,
    )
    .await
    .unwrap();
    assert_eq!(summary.created, 1, "{:?}", summary.problems);
    let events = collect(rx);
    assert!(
        events.iter().any(|e| matches!(
            e,
            Event::Log {
                note: Note::Order(OrderNote::WrittenAs {
                    user: 1,
                    chosen: false,
                    ..
                }),
                ..
            }
        )),
        "the run says who writes the documents: {events:?}"
    );
    let r = &wh
        .query(
            "SELECT `Company`, `Company2`, `MOL`, `Bulstat`, `TaxNo`, `Address`, `eMail` FROM `partners` WHERE `ID` = ?",
            &[Value::Int(partner)],
        )
        .await
        .unwrap()[0];
    assert_eq!(r.text(0).as_deref(), Some("Тракия ЕООД"), "the name stays");
    assert_eq!(r.text(1).as_deref(), Some("Тракия ЕООД"));
    assert_eq!(r.text(2).as_deref(), Some("Иван Петров"), "МОЛ stays");
    assert_eq!(r.text(3).as_deref(), Some("175 074 752 Е"), "ЕИК as typed");
    assert_eq!(r.text(4).as_deref(), Some("BG175074752"), "empty: filled");
    assert_eq!(r.text(5).as_deref(), Some("4000, ул. Капитан Райчо 7"));
    assert_eq!(r.text(6).as_deref(), Some("maria@example.bg"));
    let lines = wh
        .query(
            "SELECT `PartnerID`, `UserID` FROM `operations` WHERE `Note` LIKE 'CC:%'",
            &[],
        )
        .await
        .unwrap();
    assert!(!lines.is_empty());
    assert!(
        lines
            .iter()
            .all(|l| l.int(0) == Some(partner) && l.int(1) == Some(1))
    );
    let kept: Vec<(i64, &PartnerField, &str, &str)> = summary
        .problems
        .iter()
        .filter_map(|p| match &p.problem {
            Problem::Order(OrderProblem::PartnerDiffers {
                partner,
                field,
                in_warehouse,
                in_order,
            }) => Some((*partner, field, in_warehouse.as_str(), in_order.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(
        kept,
        vec![
            (
                partner,
                &PartnerField::Company,
                "Тракия ЕООД",
                "Тракия Трейд ЕООД"
            ),
            (partner, &PartnerField::Mol, "Иван Петров", "Мария Иванова"),
        ],
        "name and МОЛ: {:?}",
        summary.problems
    );
    sandbox.shutdown().await;
}
