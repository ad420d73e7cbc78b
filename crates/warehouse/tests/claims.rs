//! Claims: a document written under a claim is written once, whoever tries again — two
//! connections (two machines) included — and a losing writer leaves nothing behind. The same
//! for a УНП sequence number. SQLite, ODBC (unixODBC with the SQLite driver) and MySQL/MariaDB
//! (when SKLADSYNC_TEST_MYSQL_URL is set at build time), MS SQL with SKLADSYNC_TEST_MSSQL_URL.

mod common;

use chrono::NaiveDate;
use common::*;
use rust_decimal::Decimal;
use skladsync_warehouse::*;

fn order(
    object_id: i64,
    user_id: i64,
    good: i64,
    email: &str,
    usn: Option<UsnRecord>,
) -> NewDocument {
    NewDocument {
        kind: DocumentKind::Order,
        object_id,
        user_id,
        partner: PartnerChoice::Upsert {
            keys: vec![PartnerKey::Email(email.into())],
            data: Box::new(PartnerData {
                company: format!("Клиент {email}"),
                email: email.into(),
                ..Default::default()
            }),
        },
        date: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        lines: vec![NewLine {
            good_id: good,
            quantity: Decimal::ONE,
            price: Decimal::new(1250, 2),
            discount_percent: Decimal::ZERO,
        }],
        reference: format!("CC:shop.example.bg:{email}"),
        payment_type_id: 1,
        paid: vec![],
        usn,
        converts_order: None,
    }
}

fn usn(sequence: i64, operator: &str) -> UsnRecord {
    UsnRecord {
        device: "DT000600".into(),
        sequence,
        usn: usn::format_usn("DT000600", operator, sequence).unwrap(),
    }
}

async fn claims_hold(engine: Engine) {
    let (db, wh) = seeded(
        engine,
        &SeedOptions {
            goods: 3,
            objects: 1,
            partners: 0,
            ..Default::default()
        },
    )
    .await;
    let object = wh.locations().await.unwrap()[0].id;
    let user = wh.users().await.unwrap()[0].id;
    let good = wh.goods(&[], PriceGroup::RETAIL).await.unwrap().goods[0].id;
    // A second connection: another machine.
    let other = Warehouse::connect(&db.connection).await.unwrap();

    let claim = Claim::new("CC:shop.example.bg:1001");
    assert!(!wh.is_claimed(&claim).await.unwrap());
    let first = wh
        .create_claimed_document(
            &order(object, user, good, "a@example.bg", Some(usn(1, "0001"))),
            &claim,
        )
        .await
        .unwrap()
        .0;
    assert!(other.is_claimed(&claim).await.unwrap());
    let partners = count(&wh, "partners").await;
    let lines = count(&wh, "operations").await;
    let reserved = count(&wh, "nextacct").await;

    // The same order again, from the other connection: refused, nothing written.
    let err = other
        .create_claimed_document(&order(object, user, good, "b@example.bg", None), &claim)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Claimed { .. }), "{err}");
    assert_eq!(
        count(&wh, "partners").await,
        partners,
        "no partner left behind"
    );
    assert_eq!(count(&wh, "operations").await, lines);
    assert_eq!(
        count(&wh, "nextacct").await,
        reserved,
        "no number left reserved"
    );

    // Another order with the same УНП sequence number (another operator code, so another
    // УНП text): refused as a taken УНП, nothing written; with the next number it goes in.
    let second = Claim::new("CC:shop.example.bg:1002");
    let err = other
        .create_claimed_document(
            &order(object, user, good, "c@example.bg", Some(usn(1, "0002"))),
            &second,
        )
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::UsnTaken { .. }), "{err}");
    assert!(
        !wh.is_claimed(&second).await.unwrap(),
        "the claim went with the rollback"
    );
    assert_eq!(count(&wh, "operations").await, lines);
    let doc = other
        .create_claimed_document(
            &order(object, user, good, "c@example.bg", Some(usn(2, "0002"))),
            &second,
        )
        .await
        .unwrap()
        .0;
    assert_ne!(doc.number, first.number);

    // The claims are `nextacct` rows no number series reads.
    let keys: Vec<String> = wh
        .query("SELECT `NextAcct` FROM `nextacct`", &[])
        .await
        .unwrap()
        .iter()
        .filter_map(|r| r.text(0))
        .filter(|k| k.starts_with(CLAIM_MARK))
        .collect();
    let mut keys = keys;
    keys.sort();
    assert_eq!(
        keys,
        vec![
            "@CC:shop.example.bg:1001".to_owned(),
            "@CC:shop.example.bg:1002".to_owned(),
            "@USN:DT000600:0000001".to_owned(),
            "@USN:DT000600:0000002".to_owned(),
        ]
    );
    // A released claim lets its document be written again (the first one was annulled).
    wh.annul_document(DocumentKind::Order, first.number, first.object_id, user)
        .await
        .unwrap();
    assert!(other.release_claim(&claim).await.unwrap());
    assert!(!other.release_claim(&claim).await.unwrap());
    let again = other
        .create_claimed_document(&order(object, user, good, "a@example.bg", None), &claim)
        .await
        .unwrap()
        .0;
    assert!(wh.is_claimed(&claim).await.unwrap());
    // Numbering goes on as before.
    let plain = wh
        .create_document(&order(object, user, good, "d@example.bg", None))
        .await
        .unwrap();
    assert_eq!(plain.number, again.number + 1);
}

/// Many writers on separate connections race for the same claims: each claim is won once.
async fn racing_writers_win_each_claim_once(engine: Engine) {
    let (db, wh) = seeded(
        engine,
        &SeedOptions {
            goods: 3,
            objects: 1,
            partners: 0,
            ..Default::default()
        },
    )
    .await;
    let object = wh.locations().await.unwrap()[0].id;
    let user = wh.users().await.unwrap()[0].id;
    let good = wh.goods(&[], PriceGroup::RETAIL).await.unwrap().goods[0].id;
    let mut tasks = Vec::new();
    for w in 0..3 {
        let c = db.connection.clone();
        tasks.push(tokio::spawn(async move {
            let wh = Warehouse::connect(&c).await.unwrap();
            let mut won = 0;
            for n in 0..10 {
                let claim = Claim::new(&format!("CC:race:{n}"));
                match wh
                    .create_claimed_document(
                        &order(object, user, good, &format!("w{w}n{n}@example.bg"), None),
                        &claim,
                    )
                    .await
                {
                    Ok(_) => won += 1,
                    Err(Error::Claimed { .. }) => {}
                    Err(e) => panic!("{e}"),
                }
            }
            won
        }));
    }
    let mut won = 0;
    for t in tasks {
        won += t.await.unwrap();
    }
    assert_eq!(won, 10);
    assert_eq!(
        scalar(
            &wh,
            "SELECT COUNT(DISTINCT `Acct`) FROM `operations` WHERE `OperType` = 19 AND `Acct` > 0",
            &[]
        )
        .await,
        10
    );
}

macro_rules! engines {
    ($module:ident, $engine:expr $(, #[$attr:meta])?) => {
        mod $module {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            $(#[$attr])?
            async fn a_claimed_document_is_written_once() {
                claims_hold($engine).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            $(#[$attr])?
            async fn racing_writers_win_each_claim_once() {
                super::racing_writers_win_each_claim_once($engine).await;
            }
        }
    };
}

engines!(sqlite, Engine::Sqlite);
engines!(odbc_sqlite_driver, Engine::Odbc);
engines!(mysql, Engine::MySql, #[cfg_attr(not(skladsync_mysql), ignore = "SKLADSYNC_TEST_MYSQL_URL is not set")]);
engines!(mssql, Engine::MsSql, #[cfg_attr(not(skladsync_mssql), ignore = "SKLADSYNC_TEST_MSSQL_URL is not set")]);
