//! The one warehouse suite: every read and write, run against each engine — SQLite, real
//! MySQL/MariaDB (when SKLADSYNC_TEST_MYSQL_URL is set; otherwise reported as ignored), ODBC
//! (unixODBC with the SQLite ODBC driver), and MS SQL Server (when SKLADSYNC_TEST_MSSQL_URL holds
//! an ADO.NET connection string; otherwise ignored).

mod common;

use chrono::NaiveDate;
use common::{Engine, blank, count, scalar, seeded};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use skladsync_warehouse::*;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
}

fn company() -> PartnerData {
    PartnerData {
        company: "Тракия ЕООД".into(),
        mol: "Иван Петров".into(),
        city: "Пловдив".into(),
        address: "ул. Главна 1".into(),
        phone: "+359888123456".into(),
        email: "Office@Trakia.bg".into(),
        vat_number: "BG123456786".into(),
        eik: "123456786".into(),
    }
}

fn sale(object_id: i64, user_id: i64, lines: Vec<NewLine>, reference: &str) -> NewDocument {
    NewDocument {
        kind: DocumentKind::Sale,
        object_id,
        user_id,
        partner: PartnerChoice::Upsert {
            keys: vec![
                PartnerKey::Eik("123456786".into()),
                PartnerKey::Email("office@trakia.bg".into()),
            ],
            data: Box::new(company()),
        },
        date: day(),
        lines,
        reference: reference.into(),
        payment_type_id: 3,
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
        discount_percent: Decimal::ZERO,
    }
}

async fn store_qty(wh: &Warehouse, object: i64, good: i64) -> Decimal {
    let rows = wh
        .query(
            "SELECT `Qtty` FROM `store` WHERE `ObjectID` = ? AND `GoodID` = ?",
            &[Value::Int(object), Value::Int(good)],
        )
        .await
        .unwrap();
    rows.iter()
        .filter_map(|r| r.float(0))
        .map(|f| money::from_db(f).unwrap())
        .sum()
}

async fn first_object(wh: &Warehouse) -> i64 {
    wh.locations().await.unwrap()[0].id
}

async fn first_user(wh: &Warehouse) -> i64 {
    wh.users().await.unwrap()[0].id
}

// ---------------------------------------------------------------------------------- reads

async fn reads_nomenclatures(engine: Engine) {
    let (_db, wh) = seeded(
        engine,
        &SeedOptions {
            goods: 40,
            objects: 4,
            partners: 6,
            ..Default::default()
        },
    )
    .await;
    let v = wh.program_version().await.unwrap();
    assert_eq!(v.raw, "3.07");
    assert_eq!(v.is_supported(), None, "3.07 alone does not say the build");

    let users = wh.users().await.unwrap();
    assert_eq!(users.len(), 3);
    assert!(
        users
            .iter()
            .all(|u| u.id != 1 && !u.name.contains("Служебен"))
    );

    let objects = wh.locations().await.unwrap();
    assert_eq!(objects.len(), 4);
    assert!(objects.iter().all(|o| o.id > 1));
    assert!(objects.iter().any(|o| o.name == "Магазин София"));
    let groups = wh.object_groups().await.unwrap();
    assert_eq!(
        groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(),
        ["Магазини", "Складове"]
    );

    let gg = wh.goods_groups().await.unwrap();
    assert_eq!(gg[0].code, "AAA");
    assert_eq!(gg[0].name, "Облекло");
    assert_eq!(gg[1].code, "AAAAAA");
    assert_eq!(gg[1].parent_code(), Some("AAA"));

    let vat = wh.vat_groups().await.unwrap();
    assert_eq!(
        vat.iter().map(|v| v.rate).collect::<Vec<_>>(),
        [dec!(20), dec!(9), dec!(0)]
    );
    let pt = wh.payment_types().await.unwrap();
    assert_eq!(pt[0].name, "Плащане в брой");
    assert!(pt[0].is_cash());
    assert_eq!(pt.len(), 5);
    assert_eq!(wh.currencies().await.unwrap()[0].code, "EUR");
    let s = wh.settings();
    assert!(s.prices_include_vat && !s.numbering_per_object);
    assert_eq!(s.base_currency, "EUR");
}

async fn reads_goods_prices_and_quantities(engine: Engine) {
    let (_db, wh) = seeded(
        engine,
        &SeedOptions {
            goods: 60,
            objects: 3,
            ..Default::default()
        },
    )
    .await;
    let all = wh.goods(&[], PriceGroup::RETAIL).await.unwrap();
    assert_eq!(all.goods.len(), 60);
    assert!(all.problems.is_empty(), "{:?}", all.problems);
    assert!(all.goods.iter().all(|g| g.id > 1));

    // The top group "Облекло" includes its three sub-groups.
    let gg = wh.goods_groups().await.unwrap();
    let top = gg.iter().find(|g| g.code == "AAA").unwrap();
    let family: Vec<i64> = gg
        .iter()
        .filter(|g| g.code.starts_with("AAA"))
        .map(|g| g.id)
        .collect();
    assert_eq!(family.len(), 4);
    let clothes = wh.goods(&[top.id], PriceGroup::RETAIL).await.unwrap();
    let expected = all
        .goods
        .iter()
        .filter(|g| family.contains(&g.group_id))
        .count();
    assert!(expected > 0);
    assert_eq!(clothes.goods.len(), expected);

    // Prices are the chosen price group's column, as stored.
    let g = &all.goods[0];
    let stored = wh
        .query(
            "SELECT `PriceOut2`, `PriceOut1` FROM `goods` WHERE `ID` = ?",
            &[Value::Int(g.id)],
        )
        .await
        .unwrap();
    assert_eq!(
        g.price,
        money::from_db(stored[0].float(0).unwrap()).unwrap()
    );
    let wholesale = wh.goods(&[], PriceGroup::WHOLESALE).await.unwrap();
    assert_eq!(
        wholesale.goods[0].price,
        money::from_db(stored[0].float(1).unwrap()).unwrap()
    );

    // Variants share a Code, their Catalog fields say "Type-Value".
    let variants: Vec<&Good> = all
        .goods
        .iter()
        .filter(|g| {
            g.catalogs[0]
                .as_deref()
                .is_some_and(|c| c.starts_with("Цвят-"))
        })
        .collect();
    assert!(variants.len() >= 4);
    assert!(
        all.goods
            .iter()
            .filter(|g| g.code == variants[0].code)
            .count()
            >= 4
    );

    // Quantities summed over a set of objects equal the store rows.
    let objects: Vec<i64> = wh
        .locations()
        .await
        .unwrap()
        .iter()
        .map(|o| o.id)
        .take(2)
        .collect();
    let q = wh.quantities(&objects).await.unwrap();
    for g in all.goods.iter().take(10) {
        let mut expected = Decimal::ZERO;
        for o in &objects {
            expected += store_qty(&wh, *o, g.id).await;
        }
        assert_eq!(
            q.quantities.get(&g.id).copied().unwrap_or_default(),
            expected,
            "good {}",
            g.id
        );
    }
    assert!(q.problems.is_empty());
}

async fn reports_bad_data(engine: Engine) {
    let (_db, wh) = seeded(
        engine,
        &SeedOptions {
            goods: 30,
            objects: 2,
            traps: true,
            ..Default::default()
        },
    )
    .await;
    let read = wh.goods(&[], PriceGroup::RETAIL).await.unwrap();
    let has = |id: i64, field: &str| {
        read.problems
            .iter()
            .any(|p| p.table == "goods" && p.row_id == id && p.field == field)
    };
    assert!(has(5, "Name"), "NULL name reported: {:?}", read.problems);
    assert!(has(6, "BarCode2"), "over-long barcode reported");
    assert!(has(4, "BarCode1"), "duplicate barcode reported");
    assert!(has(3, "Code"), "duplicate code reported");
    let g2 = read.goods.iter().find(|g| g.id == 2).unwrap();
    assert_eq!(g2.barcodes[0], None, "an empty barcode reads as none");
    let g6 = read.goods.iter().find(|g| g.id == 6).unwrap();
    assert_eq!(g6.barcodes[1], None, "the over-long barcode is left out");
    assert!(
        read.goods
            .iter()
            .find(|g| g.id == 7)
            .unwrap()
            .name
            .chars()
            .count()
            <= MAX_TEXT_CHARS
    );
    let objects: Vec<i64> = wh.locations().await.unwrap().iter().map(|o| o.id).collect();
    let q = wh.quantities(&objects).await.unwrap();
    let neg = q
        .problems
        .iter()
        .find(|p| p.table == "store" && p.field == "Qtty")
        .expect("negative quantity reported");
    assert!(neg.row_id > 0 && neg.message.contains("good 3"), "{neg}");
}

// ----------------------------------------------------------------------------- partners, goods

async fn partners_found_and_saved(engine: Engine) {
    let (_db, wh) = seeded(
        engine,
        &SeedOptions {
            goods: 5,
            partners: 4,
            ..Default::default()
        },
    )
    .await;
    let user = first_user(&wh).await;
    let id = wh.save_partner(None, &company(), user).await.unwrap().id;
    for key in [
        PartnerKey::Eik("123456786".into()),
        PartnerKey::VatNumber("BG123456786".into()),
        PartnerKey::Email("OFFICE@trakia.bg".into()),
    ] {
        let found = wh.find_partners(&key).await.unwrap();
        assert_eq!(found.len(), 1, "{key:?}");
        assert_eq!(found[0].id, id);
        assert_eq!(found[0].data.company, "Тракия ЕООД");
    }
    let row = &wh
        .query(
            "SELECT `Company2`, `MOL2`, `City2`, `Address2`, `Phone2`, `Code`, `Fax` FROM `partners` WHERE `ID` = ?",
            &[Value::Int(id)],
        )
        .await
        .unwrap()[0];
    assert_eq!(row.text(0).as_deref(), Some("Тракия ЕООД"));
    assert_eq!(row.text(1).as_deref(), Some("Иван Петров"));
    assert_eq!(row.text(2).as_deref(), Some("Пловдив"));
    assert_eq!(row.text(5), Some(id.to_string()));
    assert_eq!(
        row.0[6],
        Value::Text(" ".into()),
        "empty text is a single space"
    );

    // An update fills only empty fields: the city Склад Pro holds stays, the difference is
    // returned for review.
    let mut changed = company();
    changed.city = "София".into();
    let saved = wh.save_partner(Some(id), &changed, user).await.unwrap();
    assert_eq!(
        wh.find_partners(&PartnerKey::Eik("123456786".into()))
            .await
            .unwrap()[0]
            .data
            .city,
        "Пловдив"
    );
    assert_eq!(
        saved
            .differences
            .iter()
            .map(|d| (d.column, d.in_order.as_str()))
            .collect::<Vec<_>>(),
        [("City", "София")]
    );
    assert!(
        wh.find_partners(&PartnerKey::Eik("999999999".into()))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        wh.save_partner(Some(99_999), &changed, user).await,
        Err(Error::UnknownPartner { .. })
    ));
}

async fn goods_and_groups_saved(engine: Engine) {
    let (_db, wh) = seeded(
        engine,
        &SeedOptions {
            goods: 5,
            objects: 3,
            ..Default::default()
        },
    )
    .await;
    let top = wh.create_goods_group("Подаръци", None).await.unwrap();
    let all_groups = wh.goods_groups().await.unwrap();
    assert_eq!(top.code.len(), 3);
    assert!(
        all_groups
            .iter()
            .filter(|g| g.code.len() == 3)
            .all(|g| g.code <= top.code)
    );
    let child = wh
        .create_goods_group("Картички", Some(top.id))
        .await
        .unwrap();
    assert_eq!(child.code, format!("{}AAA", top.code));
    let second = wh
        .create_goods_group("Ваучери", Some(top.id))
        .await
        .unwrap();
    assert_eq!(second.code, format!("{}AAB", top.code));

    let data = GoodData {
        code: "GIFT-1".into(),
        name: "Подаръчна карта".into(),
        barcodes: ["3800000000017".into(), "SKU-GIFT".into(), String::new()],
        catalogs: ["Цвят-Червен".into(), String::new(), String::new()],
        measure: "бр.".into(),
        price_group: PriceGroup::RETAIL,
        price: dec!(25.50),
        vat_group_id: 1,
        group_id: child.id,
    };
    let id = wh.save_good(None, &data).await.unwrap();
    let read = wh.goods(&[top.id], PriceGroup::RETAIL).await.unwrap();
    assert_eq!(read.goods.len(), 1);
    let g = &read.goods[0];
    assert_eq!(
        (g.id, g.name.as_str(), g.price),
        (id, "Подаръчна карта", dec!(25.5))
    );
    assert_eq!(g.barcodes[0].as_deref(), Some("3800000000017"));
    assert_eq!(g.catalogs[0].as_deref(), Some("Цвят-Червен"));
    // A store row in every object (the service object too), as Склад Pro makes them.
    let objects = scalar(&wh, "SELECT COUNT(*) FROM `objects`", &[]).await;
    assert_eq!(
        scalar(
            &wh,
            "SELECT COUNT(*) FROM `store` WHERE `GoodID` = ?",
            &[Value::Int(id)]
        )
        .await,
        objects
    );

    let mut updated = data.clone();
    updated.price = dec!(19.99);
    updated.name = "Подаръчна карта 20".into();
    wh.save_good(Some(id), &updated).await.unwrap();
    let g = &wh.goods(&[top.id], PriceGroup::RETAIL).await.unwrap().goods[0];
    assert_eq!(
        (g.name.as_str(), g.price),
        ("Подаръчна карта 20", dec!(19.99))
    );
    let name2 = wh
        .query(
            "SELECT `Name2` FROM `goods` WHERE `ID` = ?",
            &[Value::Int(id)],
        )
        .await
        .unwrap();
    assert_eq!(
        name2[0].text(0).as_deref(),
        Some("Подаръчна карта"),
        "the print name stays as the user keeps it"
    );

    let mut bad = data.clone();
    bad.group_id = 9_999;
    assert!(matches!(
        wh.save_good(None, &bad).await,
        Err(Error::UnknownGoodsGroup { group_id: 9_999 })
    ));
}

// ---------------------------------------------------------------------------------- documents

async fn sale_written_as_warehouse_pro_does(engine: Engine) {
    let (_db, wh) = seeded(
        engine,
        &SeedOptions {
            goods: 10,
            objects: 2,
            ..Default::default()
        },
    )
    .await;
    let object = first_object(&wh).await;
    let user = first_user(&wh).await;
    let before2 = store_qty(&wh, object, 2).await;
    let before3 = store_qty(&wh, object, 3).await;
    let mut doc = sale(
        object,
        user,
        vec![line(2, dec!(2), dec!(12.00)), line(3, dec!(1), dec!(5.55))],
        "CC#1001",
    );
    doc.paid = vec![PaidAmount {
        amount: dec!(29.55),
        date: day(),
        transaction_number: "pi_123".into(),
    }];
    let written = wh.create_document(&doc).await.unwrap();
    assert_eq!(written.number, 1);
    assert_eq!(written.display_number(), "0000000001");
    assert_eq!(written.total, dec!(29.55));
    assert_eq!(written.lines.len(), 2);
    assert_eq!(
        written.lines[0].vat,
        dec!(2),
        "VAT in a VAT-inclusive price: 12 × 20/120"
    );

    let ops = wh
        .query(
            "SELECT `OperType`, `Acct`, `GoodID`, `PartnerID`, `ObjectID`, `OperatorID`, `Qtty`, `Sign`, `PriceOut`, \
             `VATOut`, `CurrencyID`, `Date`, `Lot`, `LotID`, `Note`, `UserID` FROM `operations` WHERE `Acct` > 0 ORDER BY `ID`",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(ops.len(), 2);
    let r = &ops[0];
    assert_eq!((r.int(0), r.int(1), r.int(2)), (Some(2), Some(1), Some(2)));
    assert_eq!(r.int(3), Some(written.partner_id));
    assert!(written.partner_id > 1);
    assert_eq!(
        (r.int(4), r.int(5), r.int(15)),
        (Some(object), Some(user), Some(user))
    );
    assert_eq!(
        (r.float(6), r.int(7), r.float(8), r.float(9)),
        (Some(2.0), Some(-1), Some(12.0), Some(2.0))
    );
    assert_eq!(r.int(10), Some(1));
    assert_eq!(r.datetime(11), day().and_hms_opt(0, 0, 0));
    assert_eq!(
        (r.0[12].clone(), r.int(13)),
        (Value::Text(" ".into()), Some(1))
    );
    assert_eq!(r.text(14).as_deref(), Some("CC#1001"));

    assert_eq!(store_qty(&wh, object, 2).await, before2 - dec!(2));
    assert_eq!(store_qty(&wh, object, 3).await, before3 - dec!(1));

    let pays = wh
        .query(
            "SELECT `Acct`, `OperType`, `PartnerID`, `ObjectID`, `Qtty`, `Mode`, `Sign`, `Type`, `TransactionNumber` \
             FROM `payments` ORDER BY `Mode`",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(pays.len(), 2);
    assert_eq!(
        (
            pays[0].int(0),
            pays[0].int(1),
            pays[0].float(4),
            pays[0].int(5),
            pays[0].int(6)
        ),
        (Some(1), Some(2), Some(29.55), Some(-1), Some(1))
    );
    assert_eq!(
        (pays[1].float(4), pays[1].int(5), pays[1].int(7)),
        (Some(29.55), Some(1), Some(3))
    );
    assert_eq!(pays[1].text(8).as_deref(), Some("pi_123"));
    assert_eq!(
        count(&wh, "cashbook").await,
        0,
        "a card payment is not cash"
    );
    let next = wh
        .query("SELECT `NextAcct` FROM `nextacct`", &[])
        .await
        .unwrap();
    assert_eq!(
        next.iter().filter_map(|r| r.text(0)).collect::<Vec<_>>(),
        ["S1"]
    );

    // Found again from the warehouse alone.
    let found = wh.find_documents_by_reference("CC#1001").await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].kind, found[0].number, found[0].total),
        (DocumentKind::Sale, 1, dec!(29.55))
    );

    // The same company is found, not created again; a cash payment writes the cash book.
    let mut cash = sale(object, user, vec![line(4, dec!(3), dec!(1.10))], "CC#1002");
    cash.payment_type_id = 1;
    cash.paid = vec![PaidAmount {
        amount: dec!(3.30),
        date: day(),
        transaction_number: String::new(),
    }];
    let second = wh.create_document(&cash).await.unwrap();
    assert_eq!(second.number, 2);
    assert_eq!(second.partner_id, written.partner_id);
    let cb = wh
        .query(
            "SELECT `Desc`, `OperType`, `Sign`, `Profit`, `ObjectID` FROM `cashbook`",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(cb.len(), 1);
    assert_eq!(
        cb[0].text(0).as_deref(),
        Some("Продажба № 0000000002, Тракия ЕООД")
    );
    assert_eq!(
        (cb[0].int(1), cb[0].int(2), cb[0].float(3), cb[0].int(4)),
        (Some(8), Some(1), Some(3.3), Some(object))
    );
}

async fn order_leaves_store_and_payments_alone(engine: Engine) {
    let (_db, wh) = seeded(
        engine,
        &SeedOptions {
            goods: 10,
            objects: 2,
            ..Default::default()
        },
    )
    .await;
    let object = first_object(&wh).await;
    let user = first_user(&wh).await;
    let before = store_qty(&wh, object, 2).await;
    let mut doc = sale(object, user, vec![line(2, dec!(4), dec!(9.90))], "CC#2001");
    doc.kind = DocumentKind::Order;
    let written = wh.create_document(&doc).await.unwrap();
    assert_eq!(
        (written.kind, written.number, written.total),
        (DocumentKind::Order, 1, dec!(39.60))
    );
    assert_eq!(store_qty(&wh, object, 2).await, before);
    assert_eq!(count(&wh, "payments").await, 0);
    assert_eq!(
        scalar(
            &wh,
            "SELECT `Sign` FROM `operations` WHERE `OperType` = 19",
            &[]
        )
        .await,
        0
    );
    let next = wh
        .query("SELECT `NextAcct` FROM `nextacct`", &[])
        .await
        .unwrap();
    assert_eq!(next[0].text(0).as_deref(), Some("OR1"));
    let reserved = wh.reserved_by_orders(&[object]).await.unwrap();
    assert_eq!(reserved.get(&2), Some(&dec!(4)));
}

async fn lines_replaced_and_document_annulled(engine: Engine) {
    let (_db, wh) = seeded(
        engine,
        &SeedOptions {
            goods: 10,
            objects: 2,
            ..Default::default()
        },
    )
    .await;
    let object = first_object(&wh).await;
    let user = first_user(&wh).await;
    let b2 = store_qty(&wh, object, 2).await;
    let b5 = store_qty(&wh, object, 5).await;
    let doc = wh
        .create_document(&sale(
            object,
            user,
            vec![line(2, dec!(2), dec!(10))],
            "CC#3001",
        ))
        .await
        .unwrap();
    let replaced = wh
        .replace_document_lines(
            DocumentKind::Sale,
            doc.number,
            object,
            &[line(5, dec!(3), dec!(4)), line(2, dec!(1), dec!(10))],
            user,
        )
        .await
        .unwrap();
    assert_eq!(replaced.lines.len(), 2);
    assert_eq!(replaced.total, dec!(22));
    assert_eq!(replaced.reference, "CC#3001");
    assert_eq!(store_qty(&wh, object, 2).await, b2 - dec!(1));
    assert_eq!(store_qty(&wh, object, 5).await, b5 - dec!(3));
    assert_eq!(
        scalar(
            &wh,
            "SELECT COUNT(*) FROM `operations` WHERE `Acct` = ?",
            &[Value::Int(doc.number)]
        )
        .await,
        2
    );
    let due = wh
        .query("SELECT `Qtty` FROM `payments` WHERE `Mode` = -1", &[])
        .await
        .unwrap();
    assert_eq!(due[0].float(0), Some(22.0));

    wh.annul_document(DocumentKind::Sale, doc.number, object, user)
        .await
        .unwrap();
    assert_eq!(
        scalar(
            &wh,
            "SELECT COUNT(*) FROM `operations` WHERE `Acct` > 0",
            &[]
        )
        .await,
        0
    );
    assert_eq!(count(&wh, "payments").await, 0);
    assert_eq!(count(&wh, "nextacct").await, 0);
    assert_eq!(store_qty(&wh, object, 2).await, b2);
    assert_eq!(store_qty(&wh, object, 5).await, b5);
    let log: Vec<Option<String>> = wh
        .query("SELECT `Message` FROM `applicationlog` ORDER BY `ID`", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.text(0))
        .collect();
    assert_eq!(
        log,
        [
            Some("Редакция на продажба №0000000001 от 01.03.2026".to_owned()),
            Some("Анулиране на продажба №0000000001 от 01.03.2026".to_owned())
        ],
        "the edit and the annulment, as Склад Pro logs them"
    );
    assert!(
        wh.find_documents_by_reference("CC#3001")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        wh.annul_document(DocumentKind::Sale, doc.number, object, user)
            .await,
        Err(Error::DocumentNotFound(_))
    ));
}

async fn failed_write_leaves_nothing(engine: Engine) {
    let (_db, wh) = seeded(
        engine,
        &SeedOptions {
            goods: 10,
            objects: 2,
            partners: 2,
            ..Default::default()
        },
    )
    .await;
    let object = first_object(&wh).await;
    let user = first_user(&wh).await;
    let partners = count(&wh, "partners").await;
    let stock = store_qty(&wh, object, 2).await;
    let mut doc = sale(
        object,
        user,
        vec![line(2, dec!(1), dec!(3)), line(987_654, dec!(1), dec!(3))],
        "CC#4001",
    );
    doc.paid = vec![PaidAmount {
        amount: dec!(6),
        date: day(),
        transaction_number: "x".into(),
    }];
    let err = wh.create_document(&doc).await.unwrap_err();
    assert!(
        matches!(err, Error::UnknownGood { good_id: 987_654 }),
        "{err}"
    );
    assert!(err.to_string().contains("987654"));
    assert_eq!(
        count(&wh, "partners").await,
        partners,
        "no partner half-written"
    );
    assert_eq!(
        scalar(
            &wh,
            "SELECT COUNT(*) FROM `operations` WHERE `Acct` > 0",
            &[]
        )
        .await,
        0
    );
    assert_eq!(count(&wh, "payments").await, 0);
    assert_eq!(count(&wh, "nextacct").await, 0);
    assert_eq!(count(&wh, "cashbook").await, 0);
    assert_eq!(store_qty(&wh, object, 2).await, stock);

    // Unknown object and payment type are refused before anything is written.
    let mut bad = sale(object, user, vec![line(2, dec!(1), dec!(3))], "CC#4002");
    bad.payment_type_id = 77;
    assert!(matches!(
        wh.create_document(&bad).await,
        Err(Error::UnknownPaymentType { payment_type: 77 })
    ));
    bad.payment_type_id = 1;
    bad.object_id = 555;
    assert!(matches!(
        wh.create_document(&bad).await,
        Err(Error::UnknownObject { object_id: 555 })
    ));
    assert_eq!(count(&wh, "partners").await, partners);
    // And the next good document still gets number 1.
    let ok = wh
        .create_document(&sale(
            object,
            user,
            vec![line(2, dec!(1), dec!(3))],
            "CC#4003",
        ))
        .await
        .unwrap();
    assert_eq!(ok.number, 1);
}

async fn two_writers_get_distinct_gapless_numbers(engine: Engine) {
    const EACH: i64 = 200;
    let (db, wh) = seeded(
        engine,
        &SeedOptions {
            goods: 10,
            objects: 2,
            partners: 2,
            ..Default::default()
        },
    )
    .await;
    let object = first_object(&wh).await;
    let user = first_user(&wh).await;
    let partner = wh.save_partner(None, &company(), user).await.unwrap().id;
    // Two independent connections, as two programs would have.
    let a = Warehouse::connect(&db.connection).await.unwrap();
    let b = Warehouse::connect(&db.connection).await.unwrap();
    let writer = |wh: Warehouse, name: &'static str| async move {
        let mut numbers = Vec::new();
        for i in 0..EACH {
            let mut doc = sale(
                object,
                user,
                vec![line(2 + i % 5, dec!(1), dec!(2))],
                &format!("{name}-{i}"),
            );
            doc.partner = PartnerChoice::Existing(partner);
            numbers.push(
                wh.create_document(&doc)
                    .await
                    .expect("document written")
                    .number,
            );
        }
        numbers
    };
    let (na, nb) = tokio::join!(tokio::spawn(writer(a, "A")), tokio::spawn(writer(b, "B")));
    let mut all: Vec<i64> = na.unwrap().into_iter().chain(nb.unwrap()).collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (1..=2 * EACH).collect::<Vec<_>>(),
        "400 distinct numbers, no gap, no duplicate"
    );
    assert_eq!(
        scalar(
            &wh,
            "SELECT COUNT(*) FROM `payments` WHERE `Mode` = -1",
            &[]
        )
        .await,
        2 * EACH,
        "one due payment per document"
    );
}

async fn supto_usn_recorded_and_protected(engine: Engine) {
    let (_db, wh) = seeded(
        engine,
        &SeedOptions {
            goods: 10,
            objects: 2,
            ..Default::default()
        },
    )
    .await;
    let object = first_object(&wh).await;
    let user = first_user(&wh).await;
    assert_eq!(wh.last_usn_sequence("DT000600").await.unwrap(), 0);
    assert!(!wh.usn_records_present().await.unwrap());
    let mut doc = sale(object, user, vec![line(2, dec!(1), dec!(10))], "CC#5001");
    let usn = usn::format_usn("DT000600", "0001", 41).unwrap();
    doc.usn = Some(UsnRecord {
        device: "DT000600".into(),
        sequence: 41,
        usn: usn.clone(),
    });
    let written = wh.create_document(&doc).await.unwrap();
    let rows = wh
        .query("SELECT `OperType`, `Acct`, `ReceiptID`, `ReceiptType`, `ECRID`, `Description`, `Total` FROM `ecrreceipts`", &[])
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (
            rows[0].int(0),
            rows[0].int(1),
            rows[0].int(2),
            rows[0].int(3)
        ),
        (Some(2), Some(written.number), Some(41), Some(8))
    );
    assert_eq!(
        (rows[0].text(4), rows[0].text(5), rows[0].float(6)),
        (Some("DT000600".into()), Some(usn.clone()), Some(10.0))
    );
    assert_eq!(wh.last_usn_sequence("DT000600").await.unwrap(), 41);
    assert!(wh.usn_records_present().await.unwrap());
    // The УНП is never reused, and a fiscal sale is not annulled.
    let mut again = sale(object, user, vec![line(2, dec!(1), dec!(10))], "CC#5002");
    again.usn = Some(UsnRecord {
        device: "DT000600".into(),
        sequence: 41,
        usn,
    });
    assert!(matches!(
        wh.create_document(&again).await,
        Err(Error::UsnTaken { .. })
    ));
    assert!(matches!(
        wh.annul_document(DocumentKind::Sale, written.number, object, user)
            .await,
        Err(Error::Fiscal(_))
    ));
    assert_eq!(count(&wh, "ecrreceipts").await, 1);
}

async fn numbering_per_object(engine: Engine) {
    let blank_db = BlankDatabase {
        numbering_per_object: true,
        ..Default::default()
    };
    let (_db, wh) = blank(engine, &blank_db).await;
    wh.seed(&SeedOptions {
        goods: 5,
        objects: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(wh.settings().numbering_per_object);
    let objects: Vec<i64> = wh.locations().await.unwrap().iter().map(|o| o.id).collect();
    let user = first_user(&wh).await;
    let a1 = wh
        .create_document(&sale(
            objects[0],
            user,
            vec![line(2, dec!(1), dec!(1))],
            "A1",
        ))
        .await
        .unwrap();
    let b1 = wh
        .create_document(&sale(
            objects[1],
            user,
            vec![line(2, dec!(1), dec!(1))],
            "B1",
        ))
        .await
        .unwrap();
    let a2 = wh
        .create_document(&sale(
            objects[0],
            user,
            vec![line(2, dec!(1), dec!(1))],
            "A2",
        ))
        .await
        .unwrap();
    // Each object's series is read on its own, and the nextacct reservation (one key space for
    // all objects) steps over a number another object holds, so no key is ever taken twice.
    assert_eq!((a1.number, b1.number, a2.number), (1, 2, 3));
    assert_eq!((a1.object_id, b1.object_id), (objects[0], objects[1]));
    assert!(
        wh.document(DocumentKind::Sale, b1.number, objects[0])
            .await
            .unwrap()
            .is_none()
    );
    let doc = wh
        .document(DocumentKind::Sale, a2.number, objects[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(doc.reference, "A2");
}

macro_rules! suite {
    ($module:ident, $engine:expr $(, #[$attr:meta])?) => {
        mod $module {
            use super::*;
            suite!(@case $engine, $(#[$attr])? reads_nomenclatures);
            suite!(@case $engine, $(#[$attr])? reads_goods_prices_and_quantities);
            suite!(@case $engine, $(#[$attr])? reports_bad_data);
            suite!(@case $engine, $(#[$attr])? partners_found_and_saved);
            suite!(@case $engine, $(#[$attr])? goods_and_groups_saved);
            suite!(@case $engine, $(#[$attr])? sale_written_as_warehouse_pro_does);
            suite!(@case $engine, $(#[$attr])? order_leaves_store_and_payments_alone);
            suite!(@case $engine, $(#[$attr])? lines_replaced_and_document_annulled);
            suite!(@case $engine, $(#[$attr])? failed_write_leaves_nothing);
            suite!(@case $engine, $(#[$attr])? two_writers_get_distinct_gapless_numbers);
            suite!(@case $engine, $(#[$attr])? supto_usn_recorded_and_protected);
            suite!(@case $engine, $(#[$attr])? numbering_per_object);
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
