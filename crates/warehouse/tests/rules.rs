//! The database's own rules on every engine: SQLite, ODBC (unixODBC with the SQLite driver),
//! MySQL/MariaDB (SKLADSYNC_TEST_MYSQL_URL) and MS SQL Server (SKLADSYNC_TEST_MSSQL_URL).
//! Negative stock refused where `configkey12` forbids it, the due amount as the sum of rounded
//! lines, a discount line's negative quantity, and the configuration flags' own defaults.

mod common;

use chrono::NaiveDate;
use common::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use skladsync_warehouse::*;

async fn set_config(wh: &Warehouse, key: &str, value: Option<&str>) {
    wh.query(
        "DELETE FROM `configuration` WHERE `Key` = ?",
        &[Value::text(key)],
    )
    .await
    .unwrap();
    if let Some(v) = value {
        wh.query(
            "INSERT INTO `configuration` (`Key`, `Value`, `UserID`) VALUES (?, ?, ?)",
            &[Value::text(key), Value::text(v), Value::Int(-1)],
        )
        .await
        .unwrap();
    }
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
}

fn sale(object_id: i64, user_id: i64, lines: Vec<NewLine>) -> NewDocument {
    NewDocument {
        kind: DocumentKind::Sale,
        object_id,
        user_id,
        partner: PartnerChoice::Existing(2),
        date: day(),
        lines,
        reference: "каса".into(),
        payment_type_id: 1,
        paid: vec![],
        usn: None,
        converts_order: None,
    }
}

fn line(good_id: i64, quantity: Decimal, price: Decimal) -> NewLine {
    NewLine {
        good_id,
        quantity,
        price,
        discount_percent: dec!(0),
    }
}

async fn store_qty(wh: &Warehouse, object: i64, good: i64) -> Decimal {
    wh.query(
        "SELECT SUM(`Qtty`) FROM `store` WHERE `ObjectID` = ? AND `GoodID` = ?",
        &[Value::Int(object), Value::Int(good)],
    )
    .await
    .unwrap()[0]
        .float(0)
        .and_then(money::from_db)
        .unwrap_or_default()
}

async fn negative_stock_and_rounding(engine: Engine) {
    let (db, wh) = seeded(
        engine,
        &SeedOptions {
            goods: 6,
            objects: 2,
            partners: 2,
            ..Default::default()
        },
    )
    .await;
    set_config(&wh, "configkey12", Some("0")).await;
    // Prices without VAT: a missing configkey20 means that in Склад Pro.
    set_config(&wh, "configkey20", None).await;
    drop(wh);
    let wh = Warehouse::connect(&db.connection).await.unwrap();
    assert!(!wh.settings().negative_stock_allowed);
    assert!(!wh.settings().prices_include_vat);
    let object = wh.locations().await.unwrap()[0].id;
    let user = wh.users().await.unwrap()[0].id;
    let good = wh
        .goods(&[], PriceGroup::RETAIL)
        .await
        .unwrap()
        .goods
        .into_iter()
        .find(|g| g.vat_group_id == 1)
        .unwrap();
    wh.query(
        "UPDATE `store` SET `Qtty` = 2 WHERE `ObjectID` = ? AND `GoodID` = ?",
        &[Value::Int(object), Value::Int(good.id)],
    )
    .await
    .unwrap();

    // Three wanted, two there: refused, nothing written.
    let before = count(&wh, "operations").await;
    let payments = count(&wh, "payments").await;
    let err = wh
        .create_document(&sale(
            object,
            user,
            vec![line(good.id, dec!(3), dec!(8.325))],
        ))
        .await
        .unwrap_err();
    let Error::InsufficientStock(short) = err else {
        panic!("{err}");
    };
    assert_eq!(
        (short[0].good_id, short[0].available, short[0].needed),
        (good.id, dec!(2), dec!(3))
    );
    assert_eq!(count(&wh, "operations").await, before);
    assert_eq!(count(&wh, "payments").await, payments);
    assert_eq!(store_qty(&wh, object, good.id).await, dec!(2));

    // One unit at 8.325 net (9.99 with 20 % VAT) and a discount line of −1 at 0.8325 net: each
    // line rounded first (8.33 → 10.00; −0.83 → −1.00), the due row 9.00.
    let d = wh
        .create_document(&sale(
            object,
            user,
            vec![
                line(good.id, dec!(1), dec!(8.325)),
                line(good.id, dec!(-1), dec!(0.8325)),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(d.total, dec!(9.00));
    let due = wh
        .query(
            "SELECT `Qtty` FROM `payments` WHERE `OperType` = 2 AND `Acct` = ? AND `Mode` = -1",
            &[Value::Int(d.number)],
        )
        .await
        .unwrap();
    assert_eq!(due[0].float(0).and_then(money::from_db), Some(dec!(9)));
    let rows = wh
        .query(
            "SELECT `Qtty`, `PriceOut` FROM `operations` WHERE `OperType` = 2 AND `Acct` = ? ORDER BY `ID`",
            &[Value::Int(d.number)],
        )
        .await
        .unwrap();
    let q: Vec<(Option<Decimal>, Option<Decimal>)> = rows
        .iter()
        .map(|r| {
            (
                r.float(0).and_then(money::from_db),
                r.float(1).and_then(money::from_db),
            )
        })
        .collect();
    assert_eq!(
        q,
        vec![
            (Some(dec!(1)), Some(dec!(8.325))),
            (Some(dec!(-1)), Some(dec!(0.8325)))
        ]
    );
    // Taken one, given one back.
    assert_eq!(store_qty(&wh, object, good.id).await, dec!(2));
}

macro_rules! engines {
    ($name:ident) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(Engine::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn odbc_sqlite_driver() {
                super::$name(Engine::Odbc).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(not(skladsync_mysql), ignore = "SKLADSYNC_TEST_MYSQL_URL is not set")]
            async fn mysql() {
                super::$name(Engine::MySql).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(not(skladsync_mssql), ignore = "SKLADSYNC_TEST_MSSQL_URL is not set")]
            async fn mssql() {
                super::$name(Engine::MsSql).await;
            }
        }
    };
}

engines!(negative_stock_and_rounding);
