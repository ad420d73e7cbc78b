//! The warehouse suite against a database written by Microinvest's own program: the Warehouse
//! Open 3.07 sample store (read from ../shared/fixtures at test time, never copied), loaded into
//! SQLite and, when SKLADSYNC_TEST_MYSQL_URL is set, into MySQL/MariaDB.

mod common;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use skladsync_warehouse::*;

async fn load_sqlite(dir: &tempfile::TempDir) -> Option<Connection> {
    let script = std::fs::read_to_string(common::fixture("SampleStore_307.sqlite.sql")?).unwrap();
    let path = dir.path().join("sample.db");
    use sqlx::ConnectOptions as _;
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .connect()
        .await
        .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(script))
        .execute(&mut conn)
        .await
        .unwrap();
    Some(Connection::Sqlite { path })
}

async fn load_mysql() -> Option<(Connection, String)> {
    let script = std::fs::read_to_string(common::fixture("SampleStore_307.mysql.sql")?).unwrap();
    let server = common::mysql_server();
    let db = format!("skladsync_sample_{}", std::process::id());
    use sqlx::Connection as _;
    let mut conn = sqlx::MySqlConnection::connect(&server).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS `{db}`"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(script.replace("{0}", &db)))
        .execute(&mut conn)
        .await
        .unwrap();
    Some((
        Connection::MySql {
            url: format!("{server}/{db}"),
        },
        db,
    ))
}

async fn check_sample_store(connection: &Connection) {
    let wh = Warehouse::connect(connection).await.unwrap();
    let version = wh.program_version().await.unwrap();
    assert_eq!(version.raw, "3.07");
    let s = wh.settings();
    assert_eq!(
        s.base_currency, "EUR",
        "the sample's base currency is read, not assumed"
    );
    assert!(s.prices_include_vat && !s.numbering_per_object && !s.uses_lots());

    let users = wh.users().await.unwrap();
    assert!(
        users
            .iter()
            .any(|u| u.name == "Donald Hill (password: 1111)")
    );
    assert!(
        users.iter().all(|u| u.id != 1),
        "the service user is left out"
    );
    let objects = wh.locations().await.unwrap();
    assert!(objects.len() >= 10 && objects.iter().all(|o| o.id > 1));
    let groups = wh.goods_groups().await.unwrap();
    assert!(
        groups
            .iter()
            .all(|g| g.code.len() % 3 == 0 && g.code.bytes().all(|b| b.is_ascii_uppercase()))
    );

    let goods = wh.goods(&[], PriceGroup::RETAIL).await.unwrap();
    let live = wh
        .query(
            "SELECT COUNT(*) FROM `goods` WHERE `ID` > 1 AND `Deleted` = 0",
            &[],
        )
        .await
        .unwrap()[0]
        .int(0)
        .unwrap();
    assert_eq!(goods.goods.len() as i64, live);
    assert!(goods.goods.len() > 900, "the sample has 915 goods");
    // Goods of one top group and its sub-groups.
    let top = groups.iter().find(|g| g.depth() == 1).unwrap();
    let family = wh.goods(&[top.id], PriceGroup::RETAIL).await.unwrap();
    let family_groups = wh.goods_groups_with_descendants(&[top.id]).await.unwrap();
    assert!(
        family
            .goods
            .iter()
            .all(|g| family_groups.contains(&g.group_id))
    );

    // Quantities summed over an object group in one query match the store rows.
    let group_objects: Vec<i64> = objects
        .iter()
        .filter(|o| o.group_id == objects[0].group_id)
        .map(|o| o.id)
        .collect();
    let q = wh.quantities(&group_objects).await.unwrap();
    let stocked = q
        .quantities
        .iter()
        .find(|(_, v)| **v > Decimal::ZERO)
        .map(|(k, _)| *k)
        .unwrap();
    let mut expected = Decimal::ZERO;
    for o in &group_objects {
        for r in wh
            .query(
                "SELECT `Qtty` FROM `store` WHERE `GoodID` = ? AND `ObjectID` = ?",
                &[Value::Int(stocked), Value::Int(*o)],
            )
            .await
            .unwrap()
        {
            expected += money::from_db(r.float(0).unwrap()).unwrap();
        }
    }
    assert_eq!(q.quantities[&stocked], expected);

    // A partner found by its ЕИК.
    let with_eik = wh
        .query(
            "SELECT `ID`, `Bulstat` FROM `partners` WHERE `ID` > 1 ORDER BY `ID`",
            &[],
        )
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.text(1).is_some())
        .unwrap();
    let found = wh
        .find_partners(&PartnerKey::Eik(with_eik.text(1).unwrap()))
        .await
        .unwrap();
    assert!(found.iter().any(|p| Some(p.id) == with_eik.int(0)));
    assert!(!wh.payment_types().await.unwrap().is_empty());

    // A new sale continues Microinvest's own numbering: the sample's last sale is 0000000037.
    let good = goods
        .goods
        .iter()
        .find(|g| g.price > Decimal::ZERO)
        .unwrap();
    let object = objects[0].id;
    let before: Decimal = wh
        .query(
            "SELECT `Qtty` FROM `store` WHERE `GoodID` = ? AND `ObjectID` = ?",
            &[Value::Int(good.id), Value::Int(object)],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| money::from_db(r.float(0).unwrap()).unwrap())
        .sum();
    // Change detection on Microinvest's own data: settled before the sale.
    let settled = wh
        .changes_since(&wh.change_mark().await.unwrap())
        .await
        .unwrap();
    assert!(settled.is_empty(), "{settled:?}");
    let doc = wh
        .create_document(&NewDocument {
            kind: DocumentKind::Sale,
            object_id: object,
            user_id: users[0].id,
            partner: PartnerChoice::Existing(with_eik.int(0).unwrap()),
            date: NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
            lines: vec![NewLine {
                good_id: good.id,
                quantity: dec!(1),
                price: good.price,
                discount_percent: Decimal::ZERO,
            }],
            reference: "CC#sample-1".into(),
            payment_type_id: 1,
            paid: vec![],
            usn: None,
            converts_order: None,
        })
        .await
        .unwrap();
    assert_eq!(doc.number, 38);
    let after: Decimal = wh
        .query(
            "SELECT `Qtty` FROM `store` WHERE `GoodID` = ? AND `ObjectID` = ?",
            &[Value::Int(good.id), Value::Int(object)],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| money::from_db(r.float(0).unwrap()).unwrap())
        .sum();
    assert_eq!(after, before - dec!(1));
    assert_eq!(
        wh.query(
            "SELECT COUNT(*) FROM `nextacct` WHERE `NextAcct` = ?",
            &[Value::Text("S38".into())]
        )
        .await
        .unwrap()[0]
            .int(0),
        Some(1)
    );
    assert_eq!(
        wh.find_documents_by_reference("CC#sample-1").await.unwrap()[0].number,
        38
    );

    // The sale's good is named; so it is again when the sale is annulled and its lines are gone.
    let sold = wh.changes_since(&settled.mark).await.unwrap();
    assert_eq!(
        (sold.goods.as_slice(), sold.full_comparison),
        (&[good.id][..], None)
    );
    wh.annul_document(DocumentKind::Sale, 38, object, users[0].id)
        .await
        .unwrap();
    let annulled = wh.changes_since(&sold.mark).await.unwrap();
    assert!(annulled.goods.contains(&good.id), "{annulled:?}");
    assert_eq!(annulled.full_comparison, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(skladsync_fixtures),
    ignore = "../shared/fixtures/warehouse-open/SampleStore_307.sqlite.sql is not present (set SKLADSYNC_FIXTURES)"
)]
async fn sample_store_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let Some(connection) = load_sqlite(&dir).await else {
        return;
    };
    check_sample_store(&connection).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(all(skladsync_mysql, skladsync_fixtures)),
    ignore = "needs SKLADSYNC_TEST_MYSQL_URL and ../shared/fixtures/warehouse-open (or SKLADSYNC_FIXTURES)"
)]
async fn sample_store_on_mysql() {
    let Some((connection, db)) = load_mysql().await else {
        return;
    };
    check_sample_store(&connection).await;
    use sqlx::Connection as _;
    let mut conn = sqlx::MySqlConnection::connect(&common::mysql_server())
        .await
        .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS `{db}`"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
}
