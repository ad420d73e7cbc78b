//! The rules the database itself states, one test each, asserting the rows written into the
//! sample store (issue 10, points 3, 7–11).

use super::*;

macro_rules! on_both_engines {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                not(skladsync_fixtures),
                ignore = "../shared/fixtures/warehouse-open is not present (set SKLADSYNC_FIXTURES)"
            )]
            async fn sqlite() {
                super::$name(super::Engine::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                not(all(skladsync_mysql, skladsync_fixtures)),
                ignore = "needs SKLADSYNC_TEST_MYSQL_URL and ../shared/fixtures/warehouse-open"
            )]
            async fn mysql() {
                super::$name(super::Engine::MySql).await;
            }
        }
    };
}

const USER: i64 = 8;
const OBJECT: i64 = 22;

fn sale(partner: PartnerChoice, date: NaiveDate, paid: Vec<PaidAmount>) -> NewDocument {
    NewDocument {
        kind: DocumentKind::Sale,
        object_id: OBJECT,
        user_id: USER,
        partner,
        date,
        lines: vec![NewLine {
            good_id: 2,
            quantity: dec!(1),
            price: dec!(3.50),
            discount_percent: Decimal::ZERO,
        }],
        reference: "CC#rules".into(),
        payment_type_id: 3,
        paid,
        usn: None,
        converts_order: None,
    }
}

/// Point 3: a paid row carries its due row's EndDate, whatever day it was paid.
async fn paid_row_carries_the_due_date(engine: Engine) {
    let Some(db) = load(engine, &[]).await else {
        return;
    };
    let wh = Warehouse::connect(&db.connection).await.unwrap();
    let doc = wh
        .create_document(&sale(
            PartnerChoice::Existing(29),
            day(20),
            vec![PaidAmount {
                amount: dec!(3.50),
                date: day(25),
                transaction_number: "T-1".into(),
            }],
        ))
        .await
        .unwrap();
    let rows = wh
        .query(
            "SELECT `Mode`, `Date`, `EndDate` FROM `payments` WHERE `OperType` = 2 AND `Acct` = ? ORDER BY `Mode`",
            &[Value::Int(doc.number)],
        )
        .await
        .unwrap();
    let at = |d: u32| Some(day(d).and_hms_opt(0, 0, 0).unwrap());
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0].int(0), rows[0].datetime(1), rows[0].datetime(2)),
        (Some(-1), at(20), at(20))
    );
    assert_eq!(
        (rows[1].int(0), rows[1].datetime(1), rows[1].datetime(2)),
        (Some(1), at(25), at(20)),
        "the paid row: paid on the 25th, due on the 20th like its due row"
    );
}
on_both_engines!(paid_row_carries_the_due_date);

/// Point 7: only user 1 is the service user; users of the default group (-1) are real users.
async fn users_of_the_default_group_are_real_users(engine: Engine) {
    let Some(db) = load(
        engine,
        &["UPDATE `users` SET `GroupID` = -1 WHERE `ID` IN (3, 4)"],
    )
    .await
    else {
        return;
    };
    let wh = Warehouse::connect(&db.connection).await.unwrap();
    let users: Vec<i64> = wh.users().await.unwrap().iter().map(|u| u.id).collect();
    assert!(users.contains(&3) && users.contains(&4), "{users:?}");
    assert!(!users.contains(&SERVICE_USER_ID));
    assert_eq!(
        wh.user(SERVICE_USER_ID)
            .await
            .unwrap()
            .map(|u| u.name)
            .as_deref(),
        Some("Default user")
    );
    // A document written as one of them carries the user.
    let mut doc = sale(PartnerChoice::Existing(29), day(20), vec![]);
    doc.user_id = 3;
    let written = wh.create_document(&doc).await.unwrap();
    let r = &wh
        .query(
            "SELECT `OperatorID`, `UserID` FROM `operations` WHERE `OperType` = 2 AND `Acct` = ?",
            &[Value::Int(written.number)],
        )
        .await
        .unwrap()[0];
    assert_eq!((r.int(0), r.int(1)), (Some(3), Some(3)));
}
on_both_engines!(users_of_the_default_group_are_real_users);

/// Point 8: numbers matched as people type them; the partner keeps what it holds, empty fields
/// are filled, each difference comes back; a new partner gets Склад Pro's defaults.
async fn partners_matched_and_never_overwritten(engine: Engine) {
    let Some(db) = load(engine, &[]).await else {
        return;
    };
    let wh = Warehouse::connect(&db.connection).await.unwrap();
    // Partner 4 holds `040 695 718 Е` and `BG040 695 718 Е`.
    for key in [
        PartnerKey::Eik("040695718".into()),
        PartnerKey::VatNumber("BG040695718".into()),
        PartnerKey::Eik("040.695.718".into()),
    ] {
        let found = wh.find_partners(&key).await.unwrap();
        assert_eq!(
            found.iter().map(|p| p.id).collect::<Vec<_>>(),
            [4],
            "{key:?}"
        );
    }
    let before = row(&wh, "partners", PARTNERS, 4).await;
    let data = PartnerData {
        company: "Cisco България ЕООД".into(),
        mol: "Kevin Walker".into(),
        city: "Бургас".into(),
        address: "22 DEMONSTRATSIA St.".into(),
        phone: "056 123 456".into(),
        email: "office@cisco.example".into(),
        vat_number: "BG040695718".into(),
        eik: "040695718".into(),
    };
    let (doc, differences) = wh
        .create_document_reviewed(&sale(
            PartnerChoice::Upsert {
                keys: vec![PartnerKey::Eik("040695718".into())],
                data: Box::new(data),
            },
            day(20),
            vec![],
        ))
        .await
        .unwrap();
    assert_eq!(doc.partner_id, 4);
    let found: Vec<(&str, &str, &str)> = differences
        .iter()
        .map(|d| (d.column, d.in_warehouse.as_str(), d.in_order.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("Company", "Cisco Systems, Inc.", "Cisco България ЕООД"),
            ("City", "BURGAS", "Бургас"),
        ]
    );
    let after = row(&wh, "partners", PARTNERS, 4).await;
    for (i, c) in PARTNERS.iter().enumerate() {
        let filled = ["Phone", "Phone2", "eMail"].contains(c);
        if filled {
            assert_eq!(shape(&before.0[i]), Shape::SpaceText, "{c} was empty");
            assert_eq!(shape(&after.0[i]), Shape::Text, "{c} is filled");
        } else {
            assert_eq!(before.0[i], after.0[i], "partners.{c} is left as it was");
        }
    }

    // A new partner: Type and IsVeryUsed as Склад Pro gives them.
    let saved = wh.save_partner(None, &customer(), USER).await.unwrap();
    assert!(saved.differences.is_empty());
    let r = row(
        &wh,
        "partners",
        &["Type", "IsVeryUsed", "Company2"],
        saved.id,
    )
    .await;
    assert_eq!((r.int(0), r.int(1)), (Some(0), Some(-1)));
    assert_eq!(r.text(2).as_deref(), Some("Тракия ЕООД"));
}
on_both_engines!(partners_matched_and_never_overwritten);

/// Point 9: a good's update leaves its print name as the user keeps it.
async fn good_update_keeps_the_print_name(engine: Engine) {
    let Some(db) = load(
        engine,
        &["UPDATE `goods` SET `Name2` = 'Печатно име' WHERE `ID` = 2"],
    )
    .await
    else {
        return;
    };
    let wh = Warehouse::connect(&db.connection).await.unwrap();
    let good = wh
        .goods(&[], PriceGroup::RETAIL)
        .await
        .unwrap()
        .goods
        .into_iter()
        .find(|g| g.id == 2)
        .unwrap();
    let mut data = good.to_data(PriceGroup::RETAIL);
    data.name = "Ново име от магазина".into();
    wh.save_good(Some(2), &data).await.unwrap();
    let r = row(&wh, "goods", &["Name", "Name2", "BarCode1"], 2).await;
    assert_eq!(r.text(0).as_deref(), Some("Ново име от магазина"));
    assert_eq!(r.text(1).as_deref(), Some("Печатно име"));
    assert_eq!(r.text(2).as_deref(), Some("2000000000015"));
}
on_both_engines!(good_update_keeps_the_print_name);

fn new_good() -> GoodData {
    GoodData {
        code: "CC-NEW".into(),
        name: "Нова стока".into(),
        barcodes: ["3800000000024".into(), String::new(), String::new()],
        catalogs: [String::new(), String::new(), String::new()],
        measure: "бр.".into(),
        price_group: PriceGroup::RETAIL,
        price: dec!(5),
        vat_group_id: 1,
        group_id: 2,
    }
}

/// Point 10: store rows for a new good only in the costing modes where Склад Pro makes them.
async fn store_rows_follow_the_costing_mode(engine: Engine) {
    // 0 (average price, the sample's own) is in `documents_match_microinvests`.
    for (mode, rows_per_object) in [("1", 1), ("2", 0)] {
        let setup =
            format!("UPDATE `configuration` SET `Value` = '{mode}' WHERE `Key` = 'configkey23'");
        let Some(db) = load(engine, &[setup.as_str()]).await else {
            return;
        };
        let wh = Warehouse::connect(&db.connection).await.unwrap();
        let id = wh.save_good(None, &new_good()).await.unwrap();
        let objects = ids(&wh, "SELECT COUNT(*) FROM `objects`", &[]).await[0];
        let rows = ids(
            &wh,
            "SELECT COUNT(*) FROM `store` WHERE `GoodID` = ?",
            &[Value::Int(id)],
        )
        .await[0];
        assert_eq!(rows, objects * rows_per_object, "configkey23 = {mode}");
    }
}
on_both_engines!(store_rows_follow_the_costing_mode);

/// Point 11: an Order whose lines are replaced is logged as Склад Pro logs an edit.
async fn order_edit_is_logged(engine: Engine) {
    let Some(db) = load(engine, &[]).await else {
        return;
    };
    let wh = Warehouse::connect(&db.connection).await.unwrap();
    let mut doc = sale(PartnerChoice::Existing(29), day(21), vec![]);
    doc.kind = DocumentKind::Order;
    let order = wh.create_document(&doc).await.unwrap();
    let before = last_id(&wh, "applicationlog").await;
    wh.replace_document_lines(
        DocumentKind::Order,
        order.number,
        OBJECT,
        &[NewLine {
            good_id: 2,
            quantity: dec!(3),
            price: dec!(3.50),
            discount_percent: Decimal::ZERO,
        }],
        4,
    )
    .await
    .unwrap();
    let id = last_id(&wh, "applicationlog").await;
    assert!(id > before);
    let log = row(&wh, "applicationlog", APPLICATION_LOG, id).await;
    assert_eq!(
        log.text(0).as_deref(),
        Some(format!("Редакция на поръчка №{:010} от 21.11.2026", order.number).as_str())
    );
    assert_eq!(log.int(1), Some(4), "the user who edited");
    assert_eq!(shape(&log.0[2]), Shape::DateTime);
}
on_both_engines!(order_edit_is_logged);
