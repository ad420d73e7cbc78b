//! Change detection on every engine — SQLite, ODBC (unixODBC with the SQLite driver),
//! MySQL/MariaDB (SKLADSYNC_TEST_MYSQL_URL) and MS SQL Server (SKLADSYNC_TEST_MSSQL_URL): the
//! goods a Sale, an annulment, an edit or a price edit touches are named; rows deleted by hand,
//! a restored backup and another database ask for a full comparison.

mod common;

use chrono::NaiveDate;
use common::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use skladsync_warehouse::*;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
}

fn line(good_id: i64, quantity: Decimal) -> NewLine {
    NewLine {
        good_id,
        quantity,
        price: dec!(10),
        discount_percent: Decimal::ZERO,
    }
}

fn sale(object_id: i64, user_id: i64, lines: Vec<NewLine>, reference: &str) -> NewDocument {
    NewDocument {
        kind: DocumentKind::Sale,
        object_id,
        user_id,
        partner: PartnerChoice::Existing(2),
        date: day(),
        lines,
        reference: reference.into(),
        payment_type_id: 1,
        paid: vec![],
        usn: None,
        converts_order: None,
    }
}

/// A seeded database of ten goods in two objects, its first object and user.
async fn shop(engine: Engine) -> (TestDb, Warehouse, i64, i64) {
    let (db, wh) = seeded(
        engine,
        &SeedOptions {
            goods: 10,
            objects: 2,
            partners: 3,
            ..Default::default()
        },
    )
    .await;
    let object = wh.locations().await.unwrap()[0].id;
    let user = wh.users().await.unwrap()[0].id;
    (db, wh, object, user)
}

/// The mark an engine keeps after its first poll: nothing to report, fingerprints taken.
async fn settled(wh: &Warehouse) -> ChangeMark {
    let first = wh
        .changes_since(&wh.change_mark().await.unwrap())
        .await
        .unwrap();
    assert!(first.is_empty(), "{first:?}");
    assert!(first.mark.has_fingerprints());
    first.mark
}

async fn on_hand(wh: &Warehouse, object: i64, good: i64) -> Decimal {
    wh.quantities_of(&[object], &[good])
        .await
        .unwrap()
        .quantities
        .get(&good)
        .copied()
        .unwrap_or_default()
}

async fn nothing_changed_gives_the_mark_back(engine: Engine) {
    let (_db, wh, _, _) = shop(engine).await;
    let cheap = wh.change_mark().await.unwrap();
    assert_eq!(wh.change_mark().await.unwrap(), cheap);
    assert!(!cheap.has_fingerprints());
    let mark = settled(&wh).await;
    let again = wh.changes_since(&mark).await.unwrap();
    assert!(again.is_empty(), "{again:?}");
    assert_eq!(again.mark, mark);
    // The engine keeps the mark in its journal as JSON.
    let kept: ChangeMark = serde_json::from_str(&serde_json::to_string(&mark).unwrap()).unwrap();
    assert_eq!(kept, mark);
    let after = wh.changes_since(&kept).await.unwrap();
    assert!(after.is_empty(), "{after:?}");
    assert_eq!(after.mark, mark);
}

async fn a_sale_lists_its_goods(engine: Engine) {
    let (_db, wh, object, user) = shop(engine).await;
    let before = on_hand(&wh, object, 3).await;
    let mark = settled(&wh).await;
    wh.create_document(&sale(
        object,
        user,
        vec![line(3, dec!(2)), line(5, dec!(1))],
        "CC#7001",
    ))
    .await
    .unwrap();
    let changes = wh.changes_since(&mark).await.unwrap();
    assert_eq!(changes.goods, [3, 5]);
    assert_eq!(changes.full_comparison, None);
    assert_ne!(changes.mark, mark);
    // What the engine reads next: those goods' quantities, prices and reservations.
    assert_eq!(on_hand(&wh, object, 3).await, before - dec!(2));
    let read = wh
        .goods_by_id(&changes.goods, PriceGroup::RETAIL)
        .await
        .unwrap();
    assert_eq!(read.goods.iter().map(|g| g.id).collect::<Vec<_>>(), [3, 5]);
    assert!(
        wh.reserved_by_orders_of(&[object], &changes.goods)
            .await
            .unwrap()
            .is_empty()
    );
    // Seen once: the next poll is empty again.
    let next = wh.changes_since(&changes.mark).await.unwrap();
    assert!(next.is_empty(), "{next:?}");
    assert_eq!(next.mark, changes.mark);
}

async fn an_annulment_lists_its_goods(engine: Engine) {
    let (_db, wh, object, user) = shop(engine).await;
    let before = on_hand(&wh, object, 4).await;
    let doc = wh
        .create_document(&sale(
            object,
            user,
            vec![line(4, dec!(1)), line(6, dec!(2))],
            "CC#7002",
        ))
        .await
        .unwrap();
    let mark = settled(&wh).await;
    wh.annul_document(DocumentKind::Sale, doc.number, object, user)
        .await
        .unwrap();
    // The lines are gone; the store's fingerprints name the goods that came back.
    let changes = wh.changes_since(&mark).await.unwrap();
    assert_eq!(changes.goods, [4, 6]);
    assert_eq!(changes.full_comparison, None);
    assert_eq!(on_hand(&wh, object, 4).await, before);
    assert!(wh.changes_since(&changes.mark).await.unwrap().is_empty());

    // An Order holds no store: its annulled lines cannot be named.
    let mut order = sale(object, user, vec![line(7, dec!(1))], "CC#7003");
    order.kind = DocumentKind::Order;
    let order = wh.create_document(&order).await.unwrap();
    let held = wh.changes_since(&changes.mark).await.unwrap();
    assert_eq!(held.goods, [7]);
    assert_eq!(
        wh.reserved_by_orders_of(&[object], &[7]).await.unwrap()[&7],
        dec!(1)
    );
    wh.annul_document(DocumentKind::Order, order.number, object, user)
        .await
        .unwrap();
    let gone = wh.changes_since(&held.mark).await.unwrap();
    assert_eq!(
        gone.full_comparison,
        Some(FullComparison::OrderLinesRemoved)
    );
    assert!(wh.changes_since(&gone.mark).await.unwrap().is_empty());
}

async fn an_edit_lists_old_and_new_goods(engine: Engine) {
    let (_db, wh, object, user) = shop(engine).await;
    let doc = wh
        .create_document(&sale(object, user, vec![line(2, dec!(1))], "CC#7004"))
        .await
        .unwrap();
    let mark = settled(&wh).await;
    wh.replace_document_lines(
        DocumentKind::Sale,
        doc.number,
        object,
        &[line(8, dec!(1))],
        user,
    )
    .await
    .unwrap();
    let changes = wh.changes_since(&mark).await.unwrap();
    assert_eq!(changes.goods, [2, 8]);
    assert_eq!(changes.full_comparison, None);
}

/// Склад Pro edits a document in place: its line updated (the newest row the mark remembers),
/// the store moved, the edit logged.
async fn an_edit_in_place_lists_its_goods(engine: Engine) {
    let (_db, wh, object, user) = shop(engine).await;
    let doc = wh
        .create_document(&sale(object, user, vec![line(6, dec!(1))], "CC#7011"))
        .await
        .unwrap();
    let before = on_hand(&wh, object, 6).await;
    let mark = settled(&wh).await;
    let now = chrono::Local::now().naive_local();
    for (sql, params) in [
        (
            "UPDATE `operations` SET `Qtty` = 3, `UserRealTime` = ? WHERE `Note` = 'CC#7011'",
            vec![Value::DateTime(now)],
        ),
        (
            "UPDATE `store` SET `Qtty` = `Qtty` - 2 WHERE `ObjectID` = ? AND `GoodID` = 6",
            vec![Value::Int(object)],
        ),
        (
            "INSERT INTO `applicationlog` (`Message`, `UserID`, `UserRealTime`, `MessageSource`) VALUES (?, ?, ?, ?)",
            vec![
                Value::text(&format!(
                    "Редакция на продажба №{:010} от 01.03.2026",
                    doc.number
                )),
                Value::Int(user),
                Value::DateTime(now),
                Value::text("Warehouse Pro"),
            ],
        ),
    ] {
        wh.query(sql, &params).await.unwrap();
    }
    let changes = wh.changes_since(&mark).await.unwrap();
    assert_eq!(changes.goods, [6]);
    assert_eq!(changes.full_comparison, None);
    assert_eq!(on_hand(&wh, object, 6).await, before - dec!(2));
}

async fn a_price_edit_lists_the_good(engine: Engine) {
    let (_db, wh, _, _) = shop(engine).await;
    let mark = settled(&wh).await;
    let good = wh
        .goods_by_id(&[7], PriceGroup::RETAIL)
        .await
        .unwrap()
        .goods
        .remove(0);
    let mut data = good.to_data(PriceGroup::RETAIL);
    data.price += dec!(1.50);
    wh.save_good(Some(7), &data).await.unwrap();
    let changes = wh.changes_since(&mark).await.unwrap();
    assert_eq!(changes.goods, [7]);
    assert_eq!(changes.full_comparison, None);
    let read = wh.goods_by_id(&[7], PriceGroup::RETAIL).await.unwrap();
    assert_eq!(read.goods[0].price, good.price + dec!(1.50));

    // Saved again as it is: nothing to read.
    wh.save_good(Some(7), &data).await.unwrap();
    let same = wh.changes_since(&changes.mark).await.unwrap();
    assert!(same.is_empty(), "{same:?}");

    // Склад Pro giving another price group a price (the seed leaves it empty).
    wh.query(
        "UPDATE `goods` SET `PriceOut5` = 12.5 WHERE `ID` = ?",
        &[Value::Int(9)],
    )
    .await
    .unwrap();
    let other = wh.changes_since(&same.mark).await.unwrap();
    assert_eq!(other.goods, [9]);
    assert_eq!(other.full_comparison, None);
}

async fn a_row_deleted_by_hand_asks_for_a_full_comparison(engine: Engine) {
    let (_db, wh, object, user) = shop(engine).await;
    for (good, reference) in [(2, "CC#7005"), (3, "CC#7006")] {
        wh.create_document(&sale(object, user, vec![line(good, dec!(1))], reference))
            .await
            .unwrap();
    }
    let mark = settled(&wh).await;
    let first = scalar(
        &wh,
        "SELECT `ID` FROM `operations` WHERE `Note` = ?",
        &[Value::text("CC#7005")],
    )
    .await;
    wh.query(
        "DELETE FROM `operations` WHERE `ID` = ?",
        &[Value::Int(first)],
    )
    .await
    .unwrap();
    let changes = wh.changes_since(&mark).await.unwrap();
    assert_eq!(changes.full_comparison, Some(FullComparison::RowsDeleted));
    // Compared in full, the engine goes on from the new mark.
    let next = wh.changes_since(&changes.mark).await.unwrap();
    assert!(next.is_empty(), "{next:?}");
}

/// Let the database give out keys from just above its highest row again, as a restored backup
/// does.
async fn reuse_keys(engine: Engine, wh: &Warehouse) {
    let sql = match engine {
        Engine::Sqlite | Engine::Odbc => {
            "UPDATE `sqlite_sequence` SET `seq` = (SELECT MAX(`ID`) FROM `operations`) WHERE `name` = 'operations'"
        }
        Engine::MySql => "ALTER TABLE `operations` AUTO_INCREMENT = 1",
        Engine::MsSql => "DBCC CHECKIDENT ('operations', RESEED)",
    };
    wh.query(sql, &[]).await.unwrap();
}

async fn a_restored_backup_asks_for_a_full_comparison(engine: Engine) {
    let (_db, wh, object, user) = shop(engine).await;
    wh.create_document(&sale(object, user, vec![line(2, dec!(1))], "CC#7007"))
        .await
        .unwrap();
    // The backup is taken here.
    let backup_max = scalar(&wh, "SELECT MAX(`ID`) FROM `operations`", &[]).await;
    let payments_max = scalar(&wh, "SELECT MAX(`ID`) FROM `payments`", &[]).await;
    let mark = settled(&wh).await;
    let later = wh
        .create_document(&sale(object, user, vec![line(3, dec!(1))], "CC#7008"))
        .await
        .unwrap();
    let seen = wh.changes_since(&mark).await.unwrap();
    assert_eq!(seen.goods, [3]);

    // Restoring the backup takes the later Sale away with its store change.
    for (sql, params) in [
        (
            "DELETE FROM `operations` WHERE `ID` > ?",
            vec![Value::Int(backup_max)],
        ),
        (
            "DELETE FROM `payments` WHERE `ID` > ?",
            vec![Value::Int(payments_max)],
        ),
        (
            "DELETE FROM `nextacct` WHERE `NextAcct` = ?",
            vec![Value::text(&format!("S{}", later.number))],
        ),
        (
            "UPDATE `store` SET `Qtty` = `Qtty` + 1 WHERE `ObjectID` = ? AND `GoodID` = 3",
            vec![Value::Int(object)],
        ),
    ] {
        wh.query(sql, &params).await.unwrap();
    }
    let restored = wh.changes_since(&seen.mark).await.unwrap();
    assert_eq!(
        restored.full_comparison,
        Some(FullComparison::WentBackwards)
    );

    // Restored and written to again before the next poll: the keys the mark knows hold other
    // lines now.
    reuse_keys(engine, &wh).await;
    wh.create_document(&sale(object, user, vec![line(5, dec!(1))], "CC#7009"))
        .await
        .unwrap();
    let rewritten = wh.changes_since(&seen.mark).await.unwrap();
    assert_eq!(
        rewritten.full_comparison,
        Some(FullComparison::OtherDatabase)
    );
}

async fn a_mark_of_another_database_asks_for_a_full_comparison(engine: Engine) {
    let (_one, first, object, user) = shop(engine).await;
    let (_two, second, _, _) = shop(engine).await;
    first
        .create_document(&sale(object, user, vec![line(2, dec!(1))], "CC#7010"))
        .await
        .unwrap();
    second
        .create_document(&sale(object, user, vec![line(3, dec!(2))], "CC#7010"))
        .await
        .unwrap();
    let mark = settled(&first).await;
    let changes = second.changes_since(&mark).await.unwrap();
    assert_eq!(changes.full_comparison, Some(FullComparison::OtherDatabase));
}

macro_rules! suite {
    ($module:ident, $engine:expr $(, #[$attr:meta])?) => {
        mod $module {
            use super::*;
            suite!(@case $engine, $(#[$attr])? nothing_changed_gives_the_mark_back);
            suite!(@case $engine, $(#[$attr])? a_sale_lists_its_goods);
            suite!(@case $engine, $(#[$attr])? an_annulment_lists_its_goods);
            suite!(@case $engine, $(#[$attr])? an_edit_lists_old_and_new_goods);
            suite!(@case $engine, $(#[$attr])? an_edit_in_place_lists_its_goods);
            suite!(@case $engine, $(#[$attr])? a_price_edit_lists_the_good);
            suite!(@case $engine, $(#[$attr])? a_row_deleted_by_hand_asks_for_a_full_comparison);
            suite!(@case $engine, $(#[$attr])? a_restored_backup_asks_for_a_full_comparison);
            suite!(@case $engine, $(#[$attr])? a_mark_of_another_database_asks_for_a_full_comparison);
        }
    };
    (@case $engine:expr, $(#[$attr:meta])? $name:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        $(#[$attr])?
        async fn $name() {
            super::$name($engine).await;
        }
    };
}

suite!(sqlite, Engine::Sqlite);
suite!(odbc_sqlite_driver, Engine::Odbc);
suite!(mysql, Engine::MySql, #[cfg_attr(not(skladsync_mysql), ignore = "SKLADSYNC_TEST_MYSQL_URL is not set")]);
suite!(mssql, Engine::MsSql, #[cfg_attr(not(skladsync_mssql), ignore = "SKLADSYNC_TEST_MSSQL_URL is not set")]);
