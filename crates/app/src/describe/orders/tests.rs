//! Every problem and note worded in both languages.

use super::*;
use rust_decimal_macros::dec;
use skladsync_engine::orders::QueueKind;
use skladsync_engine::report::{
    DocumentDifference, Money, OrderValue, PartnerField, SpecialGood, StockShortage,
};
use skladsync_engine::settings::CompareBy;
use skladsync_warehouse::DocumentKind;

/// One of each problem (data in Latin letters, so that English text has no Cyrillic).
fn every_problem() -> Vec<OrderProblem> {
    use OrderProblem::*;
    let eur = Money::eur;
    let k = CompareBy::BarcodeToBarcode1;
    vec![
        Undecodable {
            reason: "quantity: not a number".into(),
            excerpt: Some("{\"quantity\":\"x\"}".into()),
        },
        GoneFromShop,
        NotReadFromShop {
            detail: "timeout".into(),
        },
        IdTooLong {
            start: "1234567890".into(),
            max: 40,
        },
        TooManyLines {
            lines: 501,
            max: 500,
        },
        OutOfBounds {
            value: OrderValue::LinePrice {
                line: 2,
                label: "A-1".into(),
            },
            number: dec!(0.0000001),
            max: 1_000_000_000,
            max_decimals: 6,
        },
        NoLines,
        NoTotal,
        UnsupportedCurrency {
            order: "USD".into(),
            database: "EUR".into(),
        },
        UnknownTimeZone {
            name: "Europe/Sofija".into(),
        },
        LineWithoutKey {
            compare_by: k,
            line: "Cup".into(),
        },
        NoGoodWithKey {
            compare_by: CompareBy::SkuToCode,
            key: "A-1".into(),
            line: "Cup".into(),
        },
        KeyOnSeveralGoods {
            compare_by: CompareBy::SkuToBarcode2,
            key: "A-1".into(),
            goods: vec![3, 4],
        },
        NoSuchVatGroup {
            good: 3,
            name: "Cup".into(),
            vat_group: 9,
        },
        BadQuantity {
            compare_by: k,
            key: "380".into(),
            quantity: dec!(-1.5),
        },
        LineWithoutPrice {
            compare_by: k,
            key: "380".into(),
        },
        TotalsDoNotAddUp {
            lines: eur(dec!(19.98)),
            discount: eur(dec!(-2)),
            delivery: eur(dec!(5.9)),
            fees: eur(dec!(0)),
            shop_total: eur(dec!(24.88)),
        },
        ConvertedTotalMismatch {
            document: Money::bgn(dec!(20)),
            shop_total: eur(dec!(10)),
            converted: Money::bgn(dec!(19.56)),
            difference: Money::bgn(dec!(0.44)),
        },
        TotalMismatch {
            document: Money::bgn(dec!(10.03)),
            shop_total: Money::bgn(dec!(10)),
            difference: Money::bgn(dec!(0.03)),
        },
        ConversionRounding {
            document: Money::bgn(dec!(19.57)),
            shop_total: eur(dec!(10)),
            converted: Money::bgn(dec!(19.56)),
            difference: Money::bgn(dec!(0.01)),
        },
        Rounding {
            document: eur(dec!(10)),
            shop_total: eur(dec!(9.99)),
            difference: eur(dec!(0.01)),
        },
        SpecialGoodNotChosen {
            special: SpecialGood::Fee,
            fee: Some("COD fee".into()),
        },
        NoSuchSpecialGood {
            special: SpecialGood::Delivery,
            id: 20,
        },
        SpecialGoodWithoutVatGroup {
            special: SpecialGood::Discount,
            vat_group: 9,
        },
        NoSuchDiscountGood { id: 21 },
        NoDiscountGoodForRate {
            amount: eur(dec!(1.25)),
            rate: dec!(9),
            good: "Discount".into(),
            good_rate: dec!(20),
        },
        PaymentNotMapped {
            provider: Some("paypal".into()),
        },
        PaymentNotMapped { provider: None },
        NoSuchPaymentType {
            id: 7,
            provider: "cod".into(),
        },
        SaleWithLots,
        InvalidRegistration {
            value: "175074751".into(),
        },
        InvalidVatNumber {
            value: "BG175074751".into(),
        },
        PartnerDiffers {
            partner: 5,
            field: PartnerField::Mol,
            in_warehouse: "Ivan".into(),
            in_order: "Maria".into(),
        },
        NotEnoughStock {
            shortages: vec![StockShortage {
                good: 3,
                good_name: "Cup".into(),
                object: 1,
                object_name: "Store".into(),
                available: dec!(1),
                needed: dec!(2.5),
            }],
        },
        DocumentRefused {
            detail: "unknown good 3".into(),
        },
        DatabaseError {
            detail: "connection lost".into(),
        },
        AlreadyWithUsn {
            usn: "DT000001-0001-0000001".into(),
            oper_type: 16,
            document: None,
            number: 12,
        },
        CancelledBeforeImport {
            status: "cancelled".into(),
        },
        DocumentGone {
            document: DocumentKind::Order,
            number: 12,
        },
        CancelledAfterSale {
            status: "refunded".into(),
            number: 12,
        },
        EditedAfterSale { number: 12 },
        CancelledAfterOrder {
            status: "cancelled".into(),
            number: 12,
            has_usn: true,
        },
        SaleStatusWithUsn {
            status: "paid".into(),
            number: 12,
            usn: "DT000001-0001-0000001".into(),
        },
        EditedWithUsn { number: 12 },
        AmbiguousLegacyDocument {
            document: DocumentKind::Sale,
            number: 12,
            legacy_reference: "CC#1001".into(),
            reference: "CC:shop.example:1001".into(),
            order: "1001".into(),
        },
        ClaimWithoutDocument {
            claim: "@CC:shop.example:1001".into(),
            reference: "CC:shop.example:1001".into(),
        },
        UnconfirmedDocument {
            document: DocumentKind::Order,
            number: 12,
            reference: "CC:shop.example:1001".into(),
            differences: vec![
                DocumentDifference::Total {
                    document: eur(dec!(11)),
                    order: eur(dec!(10)),
                },
                DocumentDifference::Partner {
                    partner: 5,
                    name: None,
                    customer: "Firm Ltd".into(),
                },
                DocumentDifference::OrderRefused {
                    problems: vec![NoLines],
                },
            ],
        },
        UsnIgnored {
            usn: "DT000001-0001-0000001".into(),
        },
        UsnRegisterDamaged { usn: "X".into() },
        UsnUnreadable { usn: "X".into() },
        UsnTaken { usn: "X".into() },
        UsnSequenceExhausted {
            device: "DT000001".into(),
            sequence: 10_000_000,
        },
        NoFreeUsn,
        UsnDiffersInShop {
            document_usn: "A".into(),
            shop_usn: "B".into(),
        },
        UsnNotWritten {
            usn: "A".into(),
            detail: "HTTP 422".into(),
        },
        Queued {
            queue: QueueKind::Rejected,
            reasons: vec![NoLines, NoTotal],
        },
        Recorded {
            problem: "an old reason".into(),
            fix: "an old fix".into(),
        },
    ]
}

/// Which variant a problem is: the match names every variant, so a new one fails to
/// compile here until it is added to the samples above.
fn variant(p: &OrderProblem) -> &'static str {
    use OrderProblem::*;
    match p {
        Undecodable { .. } => "Undecodable",
        GoneFromShop => "GoneFromShop",
        NotReadFromShop { .. } => "NotReadFromShop",
        IdTooLong { .. } => "IdTooLong",
        TooManyLines { .. } => "TooManyLines",
        OutOfBounds { .. } => "OutOfBounds",
        NoLines => "NoLines",
        NoTotal => "NoTotal",
        UnsupportedCurrency { .. } => "UnsupportedCurrency",
        UnknownTimeZone { .. } => "UnknownTimeZone",
        LineWithoutKey { .. } => "LineWithoutKey",
        NoGoodWithKey { .. } => "NoGoodWithKey",
        KeyOnSeveralGoods { .. } => "KeyOnSeveralGoods",
        NoSuchVatGroup { .. } => "NoSuchVatGroup",
        BadQuantity { .. } => "BadQuantity",
        LineWithoutPrice { .. } => "LineWithoutPrice",
        TotalsDoNotAddUp { .. } => "TotalsDoNotAddUp",
        ConvertedTotalMismatch { .. } => "ConvertedTotalMismatch",
        TotalMismatch { .. } => "TotalMismatch",
        ConversionRounding { .. } => "ConversionRounding",
        Rounding { .. } => "Rounding",
        SpecialGoodNotChosen { .. } => "SpecialGoodNotChosen",
        NoSuchSpecialGood { .. } => "NoSuchSpecialGood",
        SpecialGoodWithoutVatGroup { .. } => "SpecialGoodWithoutVatGroup",
        NoSuchDiscountGood { .. } => "NoSuchDiscountGood",
        NoDiscountGoodForRate { .. } => "NoDiscountGoodForRate",
        PaymentNotMapped { .. } => "PaymentNotMapped",
        NoSuchPaymentType { .. } => "NoSuchPaymentType",
        SaleWithLots => "SaleWithLots",
        InvalidRegistration { .. } => "InvalidRegistration",
        InvalidVatNumber { .. } => "InvalidVatNumber",
        PartnerDiffers { .. } => "PartnerDiffers",
        NotEnoughStock { .. } => "NotEnoughStock",
        DocumentRefused { .. } => "DocumentRefused",
        DatabaseError { .. } => "DatabaseError",
        AlreadyWithUsn { .. } => "AlreadyWithUsn",
        CancelledBeforeImport { .. } => "CancelledBeforeImport",
        DocumentGone { .. } => "DocumentGone",
        CancelledAfterSale { .. } => "CancelledAfterSale",
        EditedAfterSale { .. } => "EditedAfterSale",
        CancelledAfterOrder { .. } => "CancelledAfterOrder",
        SaleStatusWithUsn { .. } => "SaleStatusWithUsn",
        EditedWithUsn { .. } => "EditedWithUsn",
        AmbiguousLegacyDocument { .. } => "AmbiguousLegacyDocument",
        ClaimWithoutDocument { .. } => "ClaimWithoutDocument",
        UnconfirmedDocument { .. } => "UnconfirmedDocument",
        UsnIgnored { .. } => "UsnIgnored",
        UsnRegisterDamaged { .. } => "UsnRegisterDamaged",
        UsnUnreadable { .. } => "UsnUnreadable",
        UsnTaken { .. } => "UsnTaken",
        UsnSequenceExhausted { .. } => "UsnSequenceExhausted",
        NoFreeUsn => "NoFreeUsn",
        UsnDiffersInShop { .. } => "UsnDiffersInShop",
        UsnNotWritten { .. } => "UsnNotWritten",
        Queued { .. } => "Queued",
        Recorded { .. } => "Recorded",
    }
}

const VARIANTS: usize = 56;

fn cyrillic(s: &str) -> bool {
    s.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c))
}

#[test]
fn every_order_problem_is_worded_in_bulgarian_and_english() {
    let samples = every_problem();
    let named: std::collections::BTreeSet<&str> = samples.iter().map(variant).collect();
    assert_eq!(named.len(), VARIANTS, "a sample of each variant: {named:?}");
    for p in &samples {
        let bg = order_problem(Lang::Bg, p);
        let en = order_problem(Lang::En, p);
        for w in [&bg, &en] {
            assert!(!w.what.trim().is_empty(), "{p:?}");
            assert!(w.fix.as_ref().is_none_or(|f| !f.trim().is_empty()), "{p:?}");
        }
        assert_eq!(bg.fix.is_some(), en.fix.is_some(), "{p:?}");
        if !matches!(p, OrderProblem::Recorded { .. }) {
            assert!(cyrillic(&bg.what), "Bulgarian: {bg:?}");
            assert!(!cyrillic(&en.line()), "English: {en:?}");
            assert_ne!(bg, en);
        }
    }
}

#[test]
fn amounts_are_money_with_a_decimal_comma_in_bulgarian() {
    let p = OrderProblem::TotalMismatch {
        document: Money::bgn(dec!(10.03)),
        shop_total: Money::bgn(dec!(10)),
        difference: Money::bgn(dec!(0.03)),
    };
    let bg = order_problem(Lang::Bg, &p).what;
    assert!(
        bg.contains("10,03 лв.") && bg.contains("10,00 лв.") && bg.contains("0,03 лв."),
        "{bg}"
    );
    let en = order_problem(Lang::En, &p).what;
    assert!(en.contains("10.03 BGN") && en.contains("0.03 BGN"), "{en}");
    // The sum and the difference the app works out are money too.
    let sums = OrderProblem::TotalsDoNotAddUp {
        lines: Money::eur(dec!(19.98)),
        discount: Money::eur(dec!(-2)),
        delivery: Money::eur(dec!(5.9)),
        fees: Money::eur(dec!(0)),
        shop_total: Money::eur(dec!(24.88)),
    };
    let bg = order_problem(Lang::Bg, &sums).what;
    assert!(
        bg.contains("= 23,88 €") && bg.contains("(разлика 1,00 €)"),
        "{bg}"
    );
    let stock = every_problem()
        .into_iter()
        .find(|p| variant(p) == "NotEnoughStock")
        .unwrap();
    let stock = order_problem(Lang::Bg, &stock).what;
    assert!(stock.contains("налични 1, нужни 2,5"), "{stock}");
}

#[test]
fn every_order_note_is_worded_in_bulgarian_and_english() {
    use OrderNote::*;
    let notes = [
        WrittenAs {
            user: 1,
            name: None,
            chosen: false,
        },
        WrittenAs {
            user: 2,
            name: Some("Ivan".into()),
            chosen: true,
        },
        WaitingForOtherCopy,
        Created {
            order: "1001".into(),
            document: DocumentKind::Order,
            number: 12,
            total: Money::bgn(dec!(52.83)),
        },
        Reconciled {
            order: "1001".into(),
            document: DocumentKind::Sale,
            number: 12,
        },
        TakenFromOtherCopy {
            order: "1001".into(),
        },
        ConvertedByOtherCopy {
            order: "1001".into(),
        },
        Converted {
            order: "1001".into(),
            from: 12,
            to: 7,
        },
        ConversionFinished {
            order: "1001".into(),
            sale: 7,
        },
        SweepFound { days: 3, found: 2 },
        Counts {
            created: 1,
            updated: 2,
            unchanged: 3,
            skipped: 4,
        },
    ];
    for n in &notes {
        let (bg, en) = (order_note(Lang::Bg, n), order_note(Lang::En, n));
        assert!(cyrillic(&bg), "{bg}");
        assert!(!en.trim().is_empty() && !cyrillic(&en), "{en}");
    }
    assert_eq!(
        order_note(Lang::Bg, &notes[3]),
        "Поръчка 1001: Поръчка № 0000000012 (52,83 лв.)"
    );
    assert_eq!(
        order_note(Lang::En, &notes[7]),
        "Order 1001: Order No. 0000000012 became Sale No. 0000000007"
    );
}
