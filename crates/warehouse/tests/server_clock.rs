//! `UserRealTime` comes from the database server's clock where the engine has one (issue 10,
//! point 11). This program runs here in a time zone 14 hours away from the MySQL/MariaDB
//! server's, so a timestamp taken from this machine's clock would be caught.

mod common;

use chrono::{Local, NaiveDateTime};
use common::{Engine, seeded};
use rust_decimal_macros::dec;
use skladsync_warehouse::*;

async fn server_now(wh: &Warehouse) -> NaiveDateTime {
    wh.query("SELECT NOW()", &[]).await.unwrap()[0]
        .datetime(0)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(skladsync_mysql),
    ignore = "needs SKLADSYNC_TEST_MYSQL_URL (a database server with its own clock)"
)]
async fn timestamps_come_from_the_servers_clock() {
    let (_db, wh) = seeded(
        Engine::MySql,
        &SeedOptions {
            goods: 3,
            objects: 1,
            partners: 1,
            ..Default::default()
        },
    )
    .await;
    let server = server_now(&wh).await;
    // This process only: a zone far from the server's, so that the two clocks disagree.
    for zone in ["Etc/GMT-14", "Etc/GMT+12"] {
        // SAFETY: the only test of this binary; no other thread reads the environment now.
        unsafe { std::env::set_var("TZ", zone) };
        if (Local::now().naive_local() - server).num_minutes().abs() > 60 {
            break;
        }
    }
    assert!(
        (Local::now().naive_local() - server).num_minutes().abs() > 60,
        "this machine's clock and the server's must disagree for the test to mean anything"
    );
    let user = wh.users().await.unwrap()[0].id;
    let object = wh.locations().await.unwrap()[0].id;
    let good = wh.goods(&[], PriceGroup::RETAIL).await.unwrap().goods[0].id;
    let partner = wh
        .save_partner(
            None,
            &PartnerData {
                company: "Часовник ООД".into(),
                ..Default::default()
            },
            user,
        )
        .await
        .unwrap()
        .id;
    let before = server_now(&wh).await;
    let doc = wh
        .create_document(&NewDocument {
            kind: DocumentKind::Sale,
            object_id: object,
            user_id: user,
            partner: PartnerChoice::Existing(partner),
            date: before.date(),
            lines: vec![NewLine {
                good_id: good,
                quantity: dec!(1),
                price: dec!(1),
                discount_percent: dec!(0),
            }],
            reference: "CC#clock".into(),
            payment_type_id: 1,
            paid: vec![PaidAmount {
                amount: dec!(1),
                date: before.date(),
                transaction_number: String::new(),
            }],
            usn: None,
            converts_order: None,
        })
        .await
        .unwrap();
    wh.annul_document(DocumentKind::Sale, doc.number, object, user)
        .await
        .unwrap();
    let after = server_now(&wh).await;
    let mut stamps = Vec::new();
    for (table, column) in [
        ("partners", "UserRealTime"),
        ("cashbook", "UserRealtime"),
        ("applicationlog", "UserRealTime"),
    ] {
        for r in wh
            .query(
                &format!("SELECT `{column}` FROM `{table}` WHERE `ID` = (SELECT MAX(`ID`) FROM `{table}`)"),
                &[],
            )
            .await
            .unwrap()
        {
            stamps.push((table, r.datetime(0).unwrap()));
        }
    }
    assert_eq!(stamps.len(), 3);
    for (table, t) in stamps {
        let slack = chrono::Duration::seconds(2);
        assert!(
            t >= before - chrono::Duration::minutes(5) && t <= after + slack,
            "{table}.UserRealTime {t} is not the server's time ({before} … {after})"
        );
    }
}
