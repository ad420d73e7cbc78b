//! Fidelity to Склад Pro: every kind of document the sync writes, written into the Warehouse
//! Open sample store (a database Microinvest's own program wrote; read from ../shared/fixtures
//! at test time), compared column by column with the rows Microinvest's program wrote there for
//! the same kind — which columns are filled, the empty-text convention, date or timestamp, the
//! sign of quantities and amounts, and the numbering. On SQLite, and on MySQL/MariaDB when
//! SKLADSYNC_TEST_MYSQL_URL is set.

mod common;
#[path = "fidelity/sample.rs"]
mod sample;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use sample::{
    APPLICATION_LOG, CASHBOOK, Engine, GOODS, OPERATIONS, PARTNERS, PAYMENTS, STORE, Shape,
    assert_same_shape, load, row, shape,
};
use skladsync_warehouse::*;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

async fn ids(wh: &Warehouse, template: &str, params: &[Value]) -> Vec<i64> {
    wh.query(template, params)
        .await
        .unwrap()
        .iter()
        .filter_map(|r| r.int(0))
        .collect()
}

async fn last_id(wh: &Warehouse, table: &str) -> i64 {
    ids(wh, &format!("SELECT MAX(`ID`) FROM `{table}`"), &[])
        .await
        .first()
        .copied()
        .unwrap_or(0)
}

/// The document's lines, by ID.
async fn line_ids(wh: &Warehouse, oper_type: i64, acct: i64) -> Vec<i64> {
    ids(
        wh,
        "SELECT `ID` FROM `operations` WHERE `OperType` = ? AND `Acct` = ? ORDER BY `ID`",
        &[Value::Int(oper_type), Value::Int(acct)],
    )
    .await
}

/// Payment rows of a document with the given Mode.
async fn payment_ids(wh: &Warehouse, oper_type: i64, acct: i64, mode: i64) -> Vec<i64> {
    ids(
        wh,
        "SELECT `ID` FROM `payments` WHERE `OperType` = ? AND `Acct` = ? AND `Mode` = ? ORDER BY `ID`",
        &[Value::Int(oper_type), Value::Int(acct), Value::Int(mode)],
    )
    .await
}

/// A partner shaped like the sample's partner 24 (Belkin): name, МОЛ, city, address, ЕИК and
/// VAT number; no phone, e-mail or bank data.
fn customer() -> PartnerData {
    PartnerData {
        company: "Тракия ЕООД".into(),
        mol: "Иван Петров".into(),
        city: "Пловдив".into(),
        address: "ул. Гладстон 5".into(),
        phone: String::new(),
        email: String::new(),
        vat_number: "BG175074752".into(),
        eik: "175074752".into(),
    }
}

/// Columns that differ from Склад Pro's on purpose in a document's lines.
const LINE_SKIP: &[(&str, &str)] = &[(
    "Note",
    "the shop's order reference: how the document is found from the warehouse alone",
)];

async fn documents_match_microinvests(engine: Engine) {
    let Some(db) = load(engine, &[]).await else {
        return;
    };
    let wh = Warehouse::connect(&db.connection).await.unwrap();
    let user = 8;
    let object = 22;
    // The goods of Microinvest's last sale (0000000037, object 22, paid in cash).
    let pro_sale = line_ids(&wh, 2, 37).await;
    assert!(!pro_sale.is_empty(), "the sample's sale 37 is there");
    let goods: Vec<i64> = {
        let mut g = Vec::new();
        for id in &pro_sale {
            g.push(
                row(&wh, "operations", &["GoodID"], *id)
                    .await
                    .int(0)
                    .unwrap(),
            );
        }
        g
    };
    let lines: Vec<NewLine> = goods
        .iter()
        .map(|g| NewLine {
            good_id: *g,
            quantity: dec!(2),
            price: dec!(12.50),
            discount_percent: Decimal::ZERO,
        })
        .collect();

    // ---- Sale, a new partner, paid in cash the same day.
    let sale = wh
        .create_document(&NewDocument {
            kind: DocumentKind::Sale,
            object_id: object,
            user_id: user,
            partner: PartnerChoice::Upsert {
                keys: vec![PartnerKey::Eik("175074752".into())],
                data: Box::new(customer()),
            },
            date: day(25),
            lines: lines.clone(),
            reference: "CC#fidelity-1".into(),
            payment_type_id: 1,
            paid: vec![PaidAmount {
                amount: dec!(100),
                date: day(25),
                transaction_number: String::new(),
            }],
            usn: None,
            converts_order: None,
        })
        .await
        .unwrap();
    assert_eq!(sale.number, 38, "Microinvest's numbering goes on");
    let ours = line_ids(&wh, 2, 38).await;
    assert_eq!(ours.len(), pro_sale.len());
    for (p, o) in pro_sale.iter().zip(&ours) {
        assert_same_shape(
            "operations (Sale)",
            OPERATIONS,
            &row(&wh, "operations", OPERATIONS, *p).await,
            &row(&wh, "operations", OPERATIONS, *o).await,
            LINE_SKIP,
        );
    }
    for mode in [-1, 1] {
        let pro = payment_ids(&wh, 2, 37, mode).await;
        let ours = payment_ids(&wh, 2, 38, mode).await;
        assert_eq!(
            (pro.len(), ours.len()),
            (1, 1),
            "one payment row of Mode {mode}"
        );
        assert_same_shape(
            &format!("payments (Mode {mode})"),
            PAYMENTS,
            &row(&wh, "payments", PAYMENTS, pro[0]).await,
            &row(&wh, "payments", PAYMENTS, ours[0]).await,
            &[],
        );
    }
    // The cash book: Microinvest's row of sale 37, and ours.
    let pro_cash = ids(
        &wh,
        "SELECT `ID` FROM `cashbook` WHERE `Desc` = ?",
        &[Value::text("Sale № 0000000037")],
    )
    .await;
    let ours_cash = last_id(&wh, "cashbook").await;
    let ours_row = row(&wh, "cashbook", CASHBOOK, ours_cash).await;
    assert_same_shape(
        "cashbook",
        CASHBOOK,
        &row(&wh, "cashbook", CASHBOOK, pro_cash[0]).await,
        &ours_row,
        &[],
    );
    assert!(
        ours_row.text(1).unwrap().contains("№ 0000000038"),
        "numbered as Склад Pro shows numbers: {:?}",
        ours_row.text(1)
    );
    // nextacct: prefix and number, unpadded, as Microinvest's S37.
    for key in ["S37", "S38"] {
        assert_eq!(
            ids(
                &wh,
                "SELECT COUNT(*) FROM `nextacct` WHERE `NextAcct` = ?",
                &[Value::text(key)]
            )
            .await,
            vec![1],
            "{key}"
        );
    }

    // ---- The partner the sale created, against Microinvest's partner 24.
    let partner = sale.partner_id;
    assert_same_shape(
        "partners (new)",
        PARTNERS,
        &row(&wh, "partners", PARTNERS, 24).await,
        &row(&wh, "partners", PARTNERS, partner).await,
        &[(
            "IsVeryUsed",
            "partner 24 was edited (0); a new partner gets -1, checked below",
        )],
    );
    let p = row(&wh, "partners", &["Type", "IsVeryUsed", "Code"], partner).await;
    assert_eq!((p.int(0), p.int(1)), (Some(NEW_PARTNER_TYPE), Some(-1)));
    assert_eq!(p.text(2), Some(partner.to_string()));

    // ---- Order (19): no store effect, no payments — shaped like Microinvest's request (12),
    // the sample's document kind with Sign 0 and no payments.
    let pro_request = line_ids(&wh, 12, 2).await;
    let order = wh
        .create_document(&NewDocument {
            kind: DocumentKind::Order,
            object_id: object,
            user_id: user,
            partner: PartnerChoice::Existing(partner),
            date: day(26),
            lines: lines.clone(),
            reference: "CC#fidelity-2".into(),
            payment_type_id: 1,
            paid: vec![],
            usn: None,
            converts_order: None,
        })
        .await
        .unwrap();
    let order_lines = line_ids(&wh, 19, order.number).await;
    assert_same_shape(
        "operations (Order)",
        OPERATIONS,
        &row(&wh, "operations", OPERATIONS, pro_request[0]).await,
        &row(&wh, "operations", OPERATIONS, order_lines[0]).await,
        LINE_SKIP,
    );
    assert!(payment_ids(&wh, 19, order.number, -1).await.is_empty());

    // ---- Order → Sale: the Sale as any sale, the Order annulled.
    let converted = wh
        .create_document(&NewDocument {
            kind: DocumentKind::Sale,
            object_id: object,
            user_id: user,
            partner: PartnerChoice::Existing(order.partner_id),
            date: day(27),
            lines: lines.clone(),
            reference: "CC#fidelity-2".into(),
            payment_type_id: 2,
            paid: vec![],
            usn: None,
            converts_order: Some(order.number),
        })
        .await
        .unwrap();
    wh.annul_document(DocumentKind::Order, order.number, object, user)
        .await
        .unwrap();
    let converted_lines = line_ids(&wh, 2, converted.number).await;
    assert_same_shape(
        "operations (Order → Sale)",
        OPERATIONS,
        &row(&wh, "operations", OPERATIONS, pro_sale[0]).await,
        &row(&wh, "operations", OPERATIONS, converted_lines[0]).await,
        LINE_SKIP,
    );
    assert_same_shape(
        "payments (Order → Sale, due)",
        PAYMENTS,
        &row(
            &wh,
            "payments",
            PAYMENTS,
            payment_ids(&wh, 2, 37, -1).await[0],
        )
        .await,
        &row(
            &wh,
            "payments",
            PAYMENTS,
            payment_ids(&wh, 2, converted.number, -1).await[0],
        )
        .await,
        &[],
    );
    assert!(line_ids(&wh, 19, order.number).await.is_empty());

    // ---- Annulment: the log row has what Warehouse Open's AddApplicationLogEntry fills (the
    // sample has no log rows): message, user, timestamp, source.
    let log = row(
        &wh,
        "applicationlog",
        APPLICATION_LOG,
        last_id(&wh, "applicationlog").await,
    )
    .await;
    assert_eq!(
        log.0.iter().map(shape).collect::<Vec<_>>(),
        vec![Shape::Text, Shape::Positive, Shape::DateTime, Shape::Text]
    );
    assert_eq!(
        log.text(0).as_deref(),
        Some(format!("Анулиране на поръчка №{:010} от 26.11.2026", order.number).as_str())
    );
    wh.annul_document(DocumentKind::Sale, sale.number, object, user)
        .await
        .unwrap();
    assert!(line_ids(&wh, 2, 38).await.is_empty());
    assert!(payment_ids(&wh, 2, 38, -1).await.is_empty());
    assert_eq!(
        ids(
            &wh,
            "SELECT COUNT(*) FROM `nextacct` WHERE `NextAcct` = ?",
            &[Value::text("S38")]
        )
        .await,
        vec![0]
    );

    // ---- Partner update: only empty fields are filled; nothing the user entered changes.
    let before = row(&wh, "partners", PARTNERS, 24).await;
    let mut data = customer();
    data.company = "Belkin България".into();
    data.phone = "0888 123 456".into();
    data.eik = "128029934".into();
    data.vat_number = "BG128029934".into();
    let saved = wh.save_partner(Some(24), &data, user).await.unwrap();
    let after = row(&wh, "partners", PARTNERS, 24).await;
    assert_same_shape(
        "partners (updated)",
        PARTNERS,
        &before,
        &after,
        &[
            ("Phone", "was empty: filled"),
            ("Phone2", "was empty: filled"),
        ],
    );
    for (i, c) in PARTNERS.iter().enumerate() {
        if !["Phone", "Phone2"].contains(c) {
            assert_eq!(before.0[i], after.0[i], "partners.{c} is left as it was");
        }
    }
    let phone = PARTNERS.iter().position(|c| *c == "Phone").unwrap();
    assert_eq!(after.text(phone).as_deref(), Some("0888 123 456"));
    assert_eq!(after.text(phone + 1).as_deref(), Some("0888 123 456"));
    let mut columns: Vec<&str> = saved.differences.iter().map(|d| d.column).collect();
    columns.sort_unstable();
    assert_eq!(columns, ["Address", "City", "Company", "MOL"]);

    // ---- A pulled good and its store rows, against Microinvest's good 2 (one with a barcode)
    // and the zero store row of the service good.
    let new_good = wh
        .save_good(
            None,
            &GoodData {
                code: "CC-SKU-1".into(),
                name: "Чаша керамична".into(),
                barcodes: ["3800000000017".into(), String::new(), String::new()],
                catalogs: [String::new(), String::new(), String::new()],
                measure: "бр.".into(),
                price_group: PriceGroup::RETAIL,
                price: dec!(9.90),
                vat_group_id: 1,
                group_id: 2,
            },
        )
        .await
        .unwrap();
    assert_same_shape(
        "goods (pulled)",
        GOODS,
        &row(&wh, "goods", GOODS, 2).await,
        &row(&wh, "goods", GOODS, new_good).await,
        &[(
            "PriceIn",
            "a pulled good has no purchase price until it is delivered",
        )],
    );
    let store_row = |good: i64| {
        let wh = &wh;
        async move {
            ids(
                wh,
                "SELECT `ID` FROM `store` WHERE `GoodID` = ? AND `ObjectID` = ?",
                &[Value::Int(good), Value::Int(object)],
            )
            .await[0]
        }
    };
    assert_same_shape(
        "store (new good)",
        STORE,
        &row(&wh, "store", STORE, store_row(1).await).await,
        &row(&wh, "store", STORE, store_row(new_good).await).await,
        &[(
            "GoodID",
            "the service good's ID is 1, shape Positive as ours",
        )],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(skladsync_fixtures),
    ignore = "../shared/fixtures/warehouse-open/SampleStore_307.sqlite.sql is not present (set SKLADSYNC_FIXTURES)"
)]
async fn documents_match_microinvests_on_sqlite() {
    documents_match_microinvests(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(all(skladsync_mysql, skladsync_fixtures)),
    ignore = "needs SKLADSYNC_TEST_MYSQL_URL and ../shared/fixtures/warehouse-open (or SKLADSYNC_FIXTURES)"
)]
async fn documents_match_microinvests_on_mysql() {
    documents_match_microinvests(Engine::MySql).await;
}

#[path = "fidelity/rules.rs"]
mod rules;
