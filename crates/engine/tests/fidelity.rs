//! Склад Pro's own rules, obeyed by the import: Bulgarian days, rounding line by line,
//! discount lines per VAT rate, and the configuration flags' own defaults. A seeded Склад Pro
//! database (SQLite; MariaDB when SKLADSYNC_TEST_MYSQL_URL is set at build time) and the sandbox shop over real HTTP; the assertions are the rows an
//! accountant would look at.

mod fidelity_fixture;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use cloudcart_sandbox::PlaceOrder;
use fidelity_fixture::{fixture, line, service, shopper};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use skladsync_engine::bgtime;
use skladsync_engine::orders;
use skladsync_engine::report::{
    Money, OrderProblem, Problem, SettingField, SettingIssue, SettingProblem,
};
use skladsync_engine::*;
use skladsync_warehouse::*;

// ------------------------------------------------------------------ 2. Bulgarian days

/// 00:30 in Sofia is the previous day in UTC; the document, its paid row and its cash-book
/// row are dated by the Sofia day.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_paid_rows_and_the_cash_book_are_dated_by_the_sofia_day() {
    let mut f = fixture(BlankDatabase::default(), false).await;
    let sofia = chrono_tz::Europe::Sofia;
    let day: NaiveDate = bgtime::today(sofia) - Duration::days(1);
    let placed = sofia
        .from_local_datetime(&day.and_hms_opt(0, 30, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(
        placed.date_naive(),
        day - Duration::days(1),
        "UTC is a day behind"
    );
    // Card payments into a cash payment type, so that a cash-book row is written too.
    let cash =
        f.wh.payment_types()
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.is_cash())
            .unwrap();
    f.server.import.payment_types[1].payment_type = cash.id.into();
    let (variant, _) = f.variant_of_vat_group(1).await;
    let id = f.place(PlaceOrder {
        lines: vec![line(variant, 1.0)],
        customer: Some(shopper("midnight@example.bg")),
        payment_provider: Some("borica".into()),
        date_added: Some(placed),
        ..Default::default()
    });
    let s = f.import_with(&f.sale_server()).await;
    assert_eq!(s.created, 1, "{:?}", s.problems);
    let d = f.doc(id).await.unwrap();
    assert_eq!(d.date.map(|d| d.date()), Some(day));
    let rows = f
        .wh
        .query(
            "SELECT `Date`, `Mode`, `Qtty` FROM `payments` WHERE `OperType` = 2 AND `Acct` = ? ORDER BY `Mode`",
            &[Value::Int(d.number)],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "a due and a paid row");
    for r in &rows {
        assert_eq!(r.datetime(0).map(|d| d.date()), Some(day));
    }
    assert_eq!(
        rows[1].float(2).and_then(money::from_db),
        Some(f.shop_total(id))
    );
    let cash_rows =
        f.wh.query(
            "SELECT `Date` FROM `cashbook` WHERE `ObjectID` = ?",
            &[Value::Int(f.object)],
        )
        .await
        .unwrap();
    assert_eq!(cash_rows.len(), 1);
    assert_eq!(cash_rows[0].datetime(0).map(|d| d.date()), Some(day));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_time_zone_that_is_not_one_stops_the_import_with_the_setting_named() {
    let f = fixture(BlankDatabase::default(), false).await;
    let mut server = f.server.clone();
    server.import.time_zone = bgtime::TimeZoneName("Europe/Sofija".into());
    let err = orders::run_import(
        &f.wh,
        &f.client(),
        &f.journal,
        &server,
        &Reporter::silent(Task::OrderImport),
        false,
        None,
    )
    .await
    .unwrap_err();
    let zone = SettingProblem {
        field: SettingField::ImportTimeZone,
        issue: SettingIssue::UnknownTimeZone {
            name: "Europe/Sofija".into(),
        },
    };
    assert!(
        matches!(&err, EngineError::InvalidSettings(p) if p.contains(&zone)),
        "{err:?}"
    );
    // The settings check names it too, before any run.
    let problems = skladsync_engine::validate::validate(&f.wh, &server, Task::OrderImport)
        .await
        .unwrap();
    assert!(problems.contains(&zone), "{problems:?}");
    let fine = skladsync_engine::validate::validate(&f.wh, &f.server, Task::OrderImport)
        .await
        .unwrap();
    assert!(
        !fine.iter().any(|p| p.field == SettingField::ImportTimeZone),
        "{fine:?}"
    );
}

// ------------------------------------------------------------------ 4/5. rounding, discounts

/// 9.99 at 20 % in a database of prices without VAT: the net line rounds to 8.33, 10.00 with
/// VAT; the order is written with a rounding note, its due row 10.00 and its paid row 9.99.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nine_ninety_nine_without_vat_is_a_rounding_note() {
    let f = fixture(
        BlankDatabase {
            prices_include_vat: false,
            ..Default::default()
        },
        false,
    )
    .await;
    assert!(!f.wh.settings().prices_include_vat);
    let (variant, good) = f.variant_of_vat_group(1).await;
    f.sandbox.state().set_variant_price(variant, 999).unwrap();
    let id = f.place(PlaceOrder {
        lines: vec![line(variant, 1.0)],
        customer: Some(shopper("round@example.bg")),
        payment_provider: Some("borica".into()),
        shipping_amount: Some(0),
        ..Default::default()
    });
    assert_eq!(f.shop_total(id), dec!(9.99));
    let s = f.import_with(&f.sale_server()).await;
    assert_eq!(s.created, 1, "{:?}", s.problems);
    assert!(
        s.problems.iter().any(|p| p.problem
            == Problem::Order(OrderProblem::Rounding {
                document: Money::eur(dec!(10.00)),
                shop_total: Money::eur(dec!(9.99)),
                difference: Money::eur(dec!(0.01)),
            })),
        "{:?}",
        s.problems
    );
    let d = f.doc(id).await.unwrap();
    let l = d.lines.iter().find(|l| l.good_id == good.id).unwrap();
    assert_eq!(l.price, dec!(8.325));
    assert_eq!(l.vat, dec!(1.665));
    assert_eq!(d.total, dec!(10.00));
    let rows = f
        .wh
        .query(
            "SELECT `Mode`, `Qtty` FROM `payments` WHERE `OperType` = 2 AND `Acct` = ? ORDER BY `Mode`",
            &[Value::Int(d.number)],
        )
        .await
        .unwrap();
    let amounts: Vec<(i64, Decimal)> = rows
        .iter()
        .map(|r| {
            (
                r.int(0).unwrap(),
                r.float(1).and_then(money::from_db).unwrap(),
            )
        })
        .collect();
    assert_eq!(amounts, vec![(-1, dec!(10)), (1, dec!(9.99))]);
}

/// 3 × 0.99: 2.97 in a database of prices with VAT; 2.98 (a note) without.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_times_ninety_nine_both_ways() {
    for (with_vat, due) in [(true, dec!(2.97)), (false, dec!(2.98))] {
        let f = fixture(
            BlankDatabase {
                prices_include_vat: with_vat,
                ..Default::default()
            },
            false,
        )
        .await;
        let (variant, _) = f.variant_of_vat_group(1).await;
        f.sandbox.state().set_variant_price(variant, 99).unwrap();
        let id = f.place(PlaceOrder {
            lines: vec![line(variant, 3.0)],
            customer: Some(shopper("three@example.bg")),
            shipping_amount: Some(0),
            ..Default::default()
        });
        let s = f.import_with(&f.server).await;
        assert_eq!(s.created, 1, "{:?}", s.problems);
        assert_eq!(f.doc(id).await.unwrap().total, due, "with VAT: {with_vat}");
        let rounding = Problem::Order(OrderProblem::Rounding {
            document: Money::eur(dec!(2.98)),
            shop_total: Money::eur(dec!(2.97)),
            difference: Money::eur(dec!(0.01)),
        });
        assert_eq!(
            s.problems.iter().any(|p| p.problem == rounding),
            !with_vat,
            "{:?}",
            s.problems
        );
    }
}

/// A 9 %/20 % order with a 10 % whole-order discount and delivery: one discount line per rate,
/// each a negative quantity of a discount good of that rate, in shares of the goods of each
/// rate; the document adds up to the shop's total.
async fn mixed_rates_discount_and_delivery(with_vat: bool, mysql: bool) {
    let mut f = fixture(
        BlankDatabase {
            prices_include_vat: with_vat,
            ..Default::default()
        },
        mysql,
    )
    .await;
    let (va, a) = f.variant_of_vat_group(1).await;
    let (vb, b) = f.variant_of_vat_group(2).await;
    f.sandbox.state().set_variant_price(va, 1250).unwrap();
    f.sandbox.state().set_variant_price(vb, 1090).unwrap();
    let discount9 =
        f.wh.save_good(None, &service("SRV-OTST9", "Отстъпка 9 %", 2, f.group_id))
            .await
            .unwrap();
    let id = f.place(PlaceOrder {
        lines: vec![line(va, 2.0), line(vb, 1.0)],
        customer: Some(shopper("mixed@example.bg")),
        discount_percent: Some(10),
        shipping_amount: Some(500),
        ..Default::default()
    });
    // Without a discount good of 9 %, the order waits with the fix named.
    let s = f.import_with(&f.server).await;
    assert_eq!(s.created, 0, "{:?}", s.problems);
    let q = f.queue().await;
    assert!(
        q[0].reasons.iter().any(|r| matches!(
            r,
            OrderProblem::NoDiscountGoodForRate { rate, good_rate, .. }
                if *rate == dec!(9) && *good_rate == dec!(20)
        )),
        "{q:?}"
    );
    f.server.import.discount_goods_other_rates = vec![discount9.into()];
    let s = orders::retry_queued(
        &f.wh,
        &f.client(),
        &f.journal,
        &f.server,
        &id.to_string(),
        &Reporter::silent(Task::OrderImport),
        false,
    )
    .await
    .unwrap();
    assert_eq!(s.created, 1, "{:?}", s.problems);
    let d = f.doc(id).await.unwrap();
    let of = |good: i64| d.lines.iter().find(|l| l.good_id == good).unwrap().clone();
    let gross = |l: &DocumentLine| if with_vat { l.price } else { l.price + l.vat };
    // 25.00 of goods at 20 %, 10.90 at 9 %: the 3.59 discount is 2.50 and 1.09.
    let d20 = of(f.discount);
    let d9 = of(discount9);
    assert_eq!((d20.quantity, d9.quantity), (dec!(-1), dec!(-1)));
    assert_eq!(money::round_money(gross(&d20)), dec!(2.50));
    assert_eq!(money::round_money(gross(&d9)), dec!(1.09));
    // Each discount line's VAT is its own rate's, as Склад Pro computes it on saving again.
    assert_eq!(d9.vat, money::vat_per_unit(d9.price, dec!(9), with_vat));
    assert_eq!(d20.vat, money::vat_per_unit(d20.price, dec!(20), with_vat));
    assert_eq!(of(a.id).quantity, dec!(2));
    assert_eq!(of(b.id).quantity, dec!(1));
    assert_eq!(money::round_money(gross(&of(f.delivery))), dec!(5.00));
    assert_eq!(f.shop_total(id), dec!(37.31));
    assert_eq!(d.total, dec!(37.31));
    // The VAT of the document by rate, as Склад Pro adds it up from the rows.
    let rows = f
        .wh
        .query(
            "SELECT `GoodID`, `Qtty`, `VATOut` FROM `operations` WHERE `OperType` = ? AND `Acct` = ?",
            &[Value::Int(d.kind.oper_type()), Value::Int(d.number)],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mixed_rate_order_with_discount_and_delivery_with_vat() {
    mixed_rates_discount_and_delivery(true, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mixed_rate_order_with_discount_and_delivery_without_vat() {
    mixed_rates_discount_and_delivery(false, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(skladsync_mysql), ignore = "SKLADSYNC_TEST_MYSQL_URL is not set")]
async fn mariadb_a_mixed_rate_order_with_discount_and_delivery_without_vat() {
    mixed_rates_discount_and_delivery(false, true).await;
}

// ------------------------------------------------------------------ 6. configuration flags

/// Only `-1` is true; a missing `configkey20` means prices without VAT, as in Склад Pro.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_flags_read_as_sklad_pro_reads_them() {
    let mut f = fixture(BlankDatabase::default(), false).await;
    assert!(f.wh.settings().prices_include_vat);
    f.set_config("configkey20", None).await;
    assert!(!f.wh.settings().prices_include_vat, "missing: without VAT");
    f.set_config("configkey20", Some("1")).await;
    assert!(!f.wh.settings().prices_include_vat, "only -1 is true");
    f.set_config("configkey20", Some("-1")).await;
    assert!(f.wh.settings().prices_include_vat);
    f.set_config("configkey12", Some("true")).await;
    assert!(!f.wh.settings().negative_stock_allowed);
    f.set_config("configkey48", None).await;
    assert!(!f.wh.settings().numbering_per_object);
    f.set_config("configkey48", Some("-1")).await;
    assert!(f.wh.settings().numbering_per_object);
}
