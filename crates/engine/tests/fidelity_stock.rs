//! Склад Pro's rule on negative stock (`configkey12`), obeyed by the import and by the
//! warehouse's own write: a Sale that would take a good below what its object holds (less the
//! open Orders there, never the Order being converted) writes nothing and waits in the queue.
//! A seeded Склад Pro database (SQLite; MariaDB when SKLADSYNC_TEST_MYSQL_URL is set at build
//! time) and the sandbox shop over real HTTP; the assertions are the rows in the database.

mod fidelity_fixture;

use chrono::{Duration, Utc};
use cloudcart_sandbox::PlaceOrder;
use fidelity_fixture::{fixture, line, shopper};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use skladsync_engine::bgtime;
use skladsync_engine::orders::{self, QueueKind};
use skladsync_engine::report::OrderProblem;
use skladsync_engine::*;
use skladsync_warehouse::*;

// ------------------------------------------------------------------ 1. negative stock

async fn negative_stock_is_refused_until_stock_arrives(mysql: bool) {
    let mut f = fixture(BlankDatabase::default(), mysql).await;
    f.set_config("configkey12", Some("0")).await;
    assert!(!f.wh.settings().negative_stock_allowed);
    let (variant, good) = f.variant_of_vat_group(1).await;
    f.set_stock(good.id, 3.0).await;
    // Another Order in the object holds 2 of the 3.
    f.open_order(good.id, dec!(2)).await;
    let sales_before = f.sales_rows().await;
    let payments_before = f.count("SELECT COUNT(*) FROM `payments`", &[]).await;
    let id = f.place(PlaceOrder {
        lines: vec![line(variant, 2.0)],
        customer: Some(shopper("short@example.bg")),
        payment_provider: Some("borica".into()),
        shipping_amount: Some(0),
        ..Default::default()
    });
    let server = f.sale_server();
    let s = f.import_with(&server).await;
    assert_eq!(s.created, 0, "{:?}", s.problems);
    // Nothing was written: no Sale, no payment, the stock as it was.
    assert_eq!(f.sales_rows().await, sales_before);
    assert_eq!(
        f.count("SELECT COUNT(*) FROM `payments`", &[]).await,
        payments_before
    );
    assert_eq!(f.stock(good.id).await, dec!(3));
    assert!(f.doc(id).await.is_none());
    let q = f.queue().await;
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].kind, QueueKind::Rejected);
    // The good, its object, what is there and what the order needs.
    let [OrderProblem::NotEnoughStock { shortages }] = &q[0].reasons[..] else {
        panic!("{:?}", q[0].reasons)
    };
    assert_eq!(shortages.len(), 1, "{shortages:?}");
    let short = &shortages[0];
    assert_eq!(
        (short.good, &short.good_name, short.object),
        (good.id, &good.name, f.object)
    );
    assert_eq!((short.available, short.needed), (dec!(1), dec!(2)));

    // The goods arrive; the retry writes the Sale.
    f.set_stock(good.id, 4.0).await;
    let s = orders::retry_queued(
        &f.wh,
        &f.client(),
        &f.journal,
        &server,
        &id.to_string(),
        &Reporter::silent(Task::OrderImport),
        false,
    )
    .await
    .unwrap();
    assert_eq!(s.created, 1, "{:?}", s.problems);
    let d = f.doc(id).await.unwrap();
    assert_eq!(d.kind, DocumentKind::Sale);
    assert_eq!(d.total, f.shop_total(id));
    assert_eq!(f.stock(good.id).await, dec!(2));
    assert!(f.queue().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_that_would_take_stock_below_zero_waits_and_is_written_once_stock_arrives() {
    negative_stock_is_refused_until_stock_arrives(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(skladsync_mysql), ignore = "SKLADSYNC_TEST_MYSQL_URL is not set")]
async fn mariadb_a_sale_that_would_take_stock_below_zero_waits_until_stock_arrives() {
    negative_stock_is_refused_until_stock_arrives(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn negative_stock_allowed_lets_the_sale_through() {
    let mut f = fixture(BlankDatabase::default(), false).await;
    // A database without the key: Склад Pro's default allows negative stock.
    f.set_config("configkey12", None).await;
    assert!(f.wh.settings().negative_stock_allowed);
    let (variant, good) = f.variant_of_vat_group(1).await;
    f.set_stock(good.id, 1.0).await;
    let id = f.place(PlaceOrder {
        lines: vec![line(variant, 3.0)],
        customer: Some(shopper("neg@example.bg")),
        shipping_amount: Some(0),
        ..Default::default()
    });
    let s = f.import_with(&f.sale_server()).await;
    assert_eq!(s.created, 1, "{:?}", s.problems);
    assert_eq!(f.doc(id).await.unwrap().kind, DocumentKind::Sale);
    assert_eq!(f.stock(good.id).await, dec!(-2));
}

/// An Order turned into a Sale: its own lines do not hold the stock back; other open Orders do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_becoming_a_sale_is_not_held_back_by_itself() {
    let mut f = fixture(BlankDatabase::default(), false).await;
    f.set_config("configkey12", Some("0")).await;
    let (variant, good) = f.variant_of_vat_group(1).await;
    f.set_stock(good.id, 2.0).await;
    let mut server = f.server.clone();
    server.import.sale_statuses = vec!["paid".into()];
    let id = f.place(PlaceOrder {
        lines: vec![line(variant, 2.0)],
        customer: Some(shopper("conv@example.bg")),
        shipping_amount: Some(0),
        date_added: Some(Utc::now() - Duration::days(2)),
        ..Default::default()
    });
    assert_eq!(f.import_with(&server).await.created, 1);
    let order_doc = f.doc(id).await.unwrap();
    assert_eq!(order_doc.kind, DocumentKind::Order);

    f.sandbox.state().set_order_paid(id, true).unwrap();
    let s = f.import_with(&server).await;
    assert_eq!(s.updated, 1, "{:?}", s.problems);
    let sale = f.doc(id).await.unwrap();
    assert_eq!(sale.kind, DocumentKind::Sale);
    assert_eq!(f.stock(good.id).await, dec!(0));
    // Dated the day it became a Sale, in Sofia — not the order's day.
    let today = bgtime::today(chrono_tz::Europe::Sofia);
    assert_eq!(sale.date.map(|d| d.date()), Some(today));
    assert_ne!(order_doc.date.map(|d| d.date()), Some(today));
    assert!(
        f.wh.document(DocumentKind::Order, order_doc.number, order_doc.object_id)
            .await
            .unwrap()
            .is_none(),
        "the Order was annulled"
    );

    // Another order, while someone else's Order holds the last unit: refused.
    f.set_stock(good.id, 1.0).await;
    f.open_order(good.id, dec!(1)).await;
    let other = f.place(PlaceOrder {
        lines: vec![line(variant, 1.0)],
        customer: Some(shopper("conv2@example.bg")),
        shipping_amount: Some(0),
        ..Default::default()
    });
    assert_eq!(f.import_with(&server).await.created, 1);
    f.sandbox.state().set_order_paid(other, true).unwrap();
    let s = f.import_with(&server).await;
    assert_eq!(s.updated, 0, "{:?}", s.problems);
    assert_eq!(f.doc(other).await.unwrap().kind, DocumentKind::Order);
    let q = f.queue().await;
    assert!(
        q.iter().any(|q| q.order_id == other.to_string()
            && q.reasons.iter().any(|r| matches!(
                r,
                OrderProblem::NotEnoughStock { shortages }
                    if shortages.iter().any(|s| (s.available, s.needed) == (dec!(0), dec!(1)))
            ))),
        "{q:?}"
    );
}

/// The warehouse's own answer: a typed shortage per good, lines of one good added up, goods
/// given back (a discount line) and services (`Type` 8) not checked; nothing written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_warehouse_reports_each_shortage_typed() {
    let mut f = fixture(BlankDatabase::default(), false).await;
    f.set_config("configkey12", Some("0")).await;
    let goods = f.variants().await;
    let (a, b) = (goods[0].1.id, goods[1].1.id);
    f.set_stock(a, 3.0).await;
    f.set_stock(b, 0.0).await;
    f.set_stock(f.delivery, 0.0).await;
    f.exec(
        "UPDATE `goods` SET `Type` = 8 WHERE `ID` = ?",
        &[Value::Int(f.delivery)],
    )
    .await;
    let line = |good_id: i64, quantity: Decimal| NewLine {
        good_id,
        quantity,
        price: dec!(2),
        discount_percent: dec!(0),
    };
    let sale = |lines: Vec<NewLine>| NewDocument {
        kind: DocumentKind::Sale,
        object_id: f.object,
        user_id: f.server.import.active_user.unwrap().get(),
        partner: PartnerChoice::Existing(2),
        date: Utc::now().date_naive(),
        lines,
        reference: "каса".into(),
        payment_type_id: 1,
        paid: vec![],
        usn: None,
        converts_order: None,
    };
    let rows_before = f.count("SELECT COUNT(*) FROM `operations`", &[]).await;
    let err =
        f.wh.create_document(&sale(vec![
            line(a, dec!(2)),
            line(a, dec!(2)),
            line(b, dec!(1)),
            line(b, dec!(-1)),
            line(f.delivery, dec!(1)),
            line(f.discount, dec!(-1)),
        ]))
        .await
        .unwrap_err();
    let Error::InsufficientStock(short) = err else {
        panic!("{err}");
    };
    // a: 3 there, 4 needed; b: given back as much as taken, so not short; the service and the
    // discount line are not checked.
    assert_eq!(short.len(), 1, "{short:?}");
    assert_eq!(
        (
            short[0].good_id,
            short[0].object_id,
            short[0].available,
            short[0].needed
        ),
        (a, f.object, dec!(3), dec!(4))
    );
    assert_eq!(short[0].good_name, goods[0].1.name);
    assert!(!short[0].object_name.is_empty());
    assert_eq!(
        f.count("SELECT COUNT(*) FROM `operations`", &[]).await,
        rows_before
    );
    assert_eq!(f.stock(a).await, dec!(3));

    // Three of the three: written, the store at 0, the service below zero.
    let d =
        f.wh.create_document(&sale(vec![line(a, dec!(3)), line(f.delivery, dec!(1))]))
            .await
            .unwrap();
    assert_eq!(f.stock(a).await, dec!(0));
    assert_eq!(f.stock(f.delivery).await, dec!(-1));
    // Changing the Sale's lines is checked the same way.
    let err =
        f.wh.replace_document_lines(
            DocumentKind::Sale,
            d.number,
            d.object_id,
            &[line(a, dec!(5))],
            1,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InsufficientStock(_)), "{err}");
    assert_eq!(f.stock(a).await, dec!(0), "the change was rolled back");
}

/// Six Sales of one unit at once, from six connections, when three units are left: exactly three
/// are written and the store ends at zero — no writer slips between another's check and commit.
async fn concurrent_sales_never_take_the_stock_below_zero(mysql: bool) {
    let mut f = fixture(BlankDatabase::default(), mysql).await;
    f.set_config("configkey12", Some("0")).await;
    let good = f.variants().await[0].1.id;
    f.set_stock(good, 3.0).await;
    let mut tasks = Vec::new();
    for n in 0..6 {
        let connection = f.connection.clone();
        let doc = NewDocument {
            kind: DocumentKind::Sale,
            object_id: f.object,
            user_id: f.server.import.active_user.unwrap().get(),
            partner: PartnerChoice::Existing(2),
            date: Utc::now().date_naive(),
            lines: vec![NewLine {
                good_id: good,
                quantity: dec!(1),
                price: dec!(2),
                discount_percent: dec!(0),
            }],
            reference: format!("каса {n}"),
            payment_type_id: 1,
            paid: vec![],
            usn: None,
            converts_order: None,
        };
        tasks.push(tokio::spawn(async move {
            let wh = Warehouse::connect(&connection).await.unwrap();
            wh.create_document(&doc).await
        }));
    }
    let mut written = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => written += 1,
            Err(Error::InsufficientStock(s)) => assert_eq!(s[0].available, dec!(0)),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(written, 3);
    assert_eq!(f.stock(good).await, dec!(0));
    assert_eq!(f.sales_rows().await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sales_never_take_the_stock_below_zero_on_sqlite() {
    concurrent_sales_never_take_the_stock_below_zero(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(not(skladsync_mysql), ignore = "SKLADSYNC_TEST_MYSQL_URL is not set")]
async fn mariadb_concurrent_sales_never_take_the_stock_below_zero() {
    concurrent_sales_never_take_the_stock_below_zero(true).await;
}
