//! The shop takes stock itself when a shopper checks out; the export compares the warehouse with
//! what it last gave the shop. When the order comes in, the shop's quantity is set from the
//! warehouse again, even when other changes of the same good cancel the order's out and the
//! warehouse ends where the last export left it. A seeded Склад Pro database (SQLite) and the
//! sandbox shop over real HTTP.

mod fidelity_fixture;

use cloudcart_sandbox::PlaceOrder;
use fidelity_fixture::{fixture, line, shopper};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use skladsync_engine::export::run_export;
use skladsync_engine::{Reporter, Task};
use skladsync_warehouse::{BlankDatabase, DocumentKind, NewDocument, NewLine, PartnerChoice};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_coming_in_sets_the_shop_right_when_other_changes_cancel_it_out() {
    let f = fixture(BlankDatabase::default(), false).await;
    let server = f.sale_server();
    let (variant, good) = f.variant_of_vat_group(1).await;
    let user = server.import.active_user.unwrap();
    let export = async || {
        run_export(
            &f.wh,
            &f.client(),
            &f.journal,
            &server,
            &Reporter::silent(Task::Export),
            false,
        )
        .await
        .unwrap()
    };
    let in_shop = || f.sandbox.state().variant(variant).and_then(|v| v.quantity);
    f.set_stock(good.id, 10.0).await;
    f.sandbox
        .state()
        .set_variant_quantity(variant, Some(10.0))
        .unwrap();
    export().await;
    assert_eq!(in_shop(), Some(10.0));

    // A sale at the till: the shop is given 9.
    let till =
        f.wh.create_document(&NewDocument {
            kind: DocumentKind::Sale,
            object_id: f.object,
            user_id: user.get(),
            partner: PartnerChoice::Existing(2),
            date: chrono::Local::now().date_naive(),
            lines: vec![NewLine {
                good_id: good.id,
                quantity: Decimal::ONE,
                price: good.price,
                discount_percent: Decimal::ZERO,
            }],
            reference: "каса 1".into(),
            payment_type_id: 1,
            paid: vec![],
            usn: None,
            converts_order: None,
        })
        .await
        .unwrap();
    export().await;
    assert_eq!(in_shop(), Some(9.0));

    // A shopper buys one: the shop takes it from its own stock at checkout.
    let order = f.place(PlaceOrder {
        lines: vec![line(variant, 1.0)],
        customer: Some(shopper("checkout@example.bg")),
        payment_provider: Some("borica".into()),
        ..Default::default()
    });
    assert_eq!(in_shop(), Some(8.0));

    // The till's sale is annulled and the order comes in as a Sale: the warehouse holds 9 again,
    // what the shop was last given.
    f.wh.annul_document(DocumentKind::Sale, till.number, f.object, user.get())
        .await
        .unwrap();
    let s = f.import_with(&server).await;
    assert_eq!(s.created, 1, "{:?}", s.problems);
    assert!(f.doc(order).await.is_some());
    assert_eq!(f.stock(good.id).await, dec!(9));

    // The shop holds 8 (its own checkout): the export gives it the warehouse's 9.
    let s = export().await;
    assert_eq!(in_shop(), Some(9.0), "{s:?}");
    // Once set right, nothing more is written.
    let s = export().await;
    assert_eq!(s.updated, 0, "{s:?}");
}
