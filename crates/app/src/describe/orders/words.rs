//! The words the orders' problems share: quotes, compare fields, documents, special goods,
//! bounded values, partner fields, shortages and differences.

use skladsync_engine::report::{
    DocumentDifference, OrderValue, PartnerField, SpecialGood, StockShortage,
};
use skladsync_engine::settings::CompareBy;
use skladsync_warehouse::DocumentKind;

use super::super::{money, number, say};
use super::order_problem;
use crate::texts::Lang;

/// A text in quotes: „…“ in Bulgarian, “…” in English.
pub(super) fn quoted(lang: Lang, s: &str) -> String {
    say!(lang, "„{s}“", "“{s}”")
}

/// The shop field orders are matched by.
pub(super) fn key_name(lang: Lang, c: CompareBy) -> &'static str {
    match (lang, c) {
        (Lang::Bg, CompareBy::BarcodeToBarcode1) => "баркод",
        (Lang::En, CompareBy::BarcodeToBarcode1) => "barcode",
        (_, CompareBy::SkuToBarcode2 | CompareBy::SkuToCode) => "SKU",
    }
}

/// The field of a Склад Pro good the shop's key is kept in.
pub(super) fn key_field(lang: Lang, c: CompareBy) -> &'static str {
    match (lang, c) {
        (Lang::Bg, CompareBy::BarcodeToBarcode1) => "Баркод 1",
        (Lang::Bg, CompareBy::SkuToBarcode2) => "Баркод 2",
        (Lang::Bg, CompareBy::SkuToCode) => "Код",
        (Lang::En, CompareBy::BarcodeToBarcode1) => "Barcode 1",
        (Lang::En, CompareBy::SkuToBarcode2) => "Barcode 2",
        (Lang::En, CompareBy::SkuToCode) => "Code",
    }
}

/// A document by its kind and number, as Склад Pro shows it: `Поръчка № 0000000012`.
pub(super) fn document(lang: Lang, kind: DocumentKind, number: i64) -> String {
    let t = lang.texts();
    let kind = match kind {
        DocumentKind::Order => t.doc_order,
        DocumentKind::Sale => t.doc_sale,
    };
    say!(lang, "{kind} № {number:010}", "{kind} No. {number:010}")
}

/// The special good's field in the import settings.
pub(super) fn special_field(lang: Lang, s: SpecialGood) -> &'static str {
    match (lang, s) {
        (Lang::Bg, SpecialGood::Delivery) => "Доставка",
        (Lang::Bg, SpecialGood::Discount) => "Търговска отстъпка",
        (Lang::Bg, SpecialGood::Fee) => "Такса",
        (Lang::En, SpecialGood::Delivery) => "Delivery",
        (Lang::En, SpecialGood::Discount) => "Trade discount",
        (Lang::En, SpecialGood::Fee) => "Fee",
    }
}

/// What the order has that needs the special good: a delivery, a discount, a fee by its title.
pub(super) fn charge(lang: Lang, s: SpecialGood, fee: Option<&str>) -> String {
    match s {
        SpecialGood::Delivery => say!(lang, "доставка", "a delivery"),
        SpecialGood::Discount => say!(lang, "отстъпка", "a discount"),
        SpecialGood::Fee => match fee {
            Some(title) => say!(lang, "такса {}", "a fee {}", quoted(lang, title)),
            None => say!(lang, "такса", "a fee"),
        },
    }
}

/// The number of an order a bound names.
pub(super) fn order_value(lang: Lang, v: &OrderValue) -> String {
    let q = |s: &str| quoted(lang, s);
    match v {
        OrderValue::LineQuantity { line, label } => say!(
            lang,
            "ред {line} ({label}): количество",
            "line {line} ({label}): quantity"
        ),
        OrderValue::LinePrice { line, label } => {
            say!(
                lang,
                "ред {line} ({label}): цена",
                "line {line} ({label}): price"
            )
        }
        OrderValue::LineOrderPrice { line, label } => say!(
            lang,
            "ред {line} ({label}): цена в поръчката",
            "line {line} ({label}): price in the order"
        ),
        OrderValue::Total => say!(lang, "обща сума", "total"),
        OrderValue::Subtotal => say!(lang, "междинна сума", "subtotal"),
        OrderValue::ProductsSubtotal => say!(lang, "сума на продуктите", "products' subtotal"),
        OrderValue::Delivery => say!(lang, "доставка", "delivery"),
        OrderValue::Payment => say!(lang, "плащане", "payment"),
        OrderValue::TotalRow { code } => say!(lang, "сума {}", "amount {}", q(code)),
        OrderValue::Discount { name } => say!(lang, "отстъпка {}", "discount {}", q(name)),
        OrderValue::DiscountTypeValue { name } => say!(
            lang,
            "отстъпка {} (стойност на вида)",
            "discount {} (the value of its type)",
            q(name)
        ),
        OrderValue::Tax { name } => say!(lang, "данък {}", "tax {}", q(name)),
        OrderValue::TaxRate { name } => say!(lang, "данък {} (ставка)", "tax {} (rate)", q(name)),
    }
}

/// A partner field as Склад Pro's partner card names it.
pub(super) fn partner_field(lang: Lang, f: &PartnerField) -> String {
    let (bg, en) = match f {
        PartnerField::Company => ("Име", "name"),
        PartnerField::Mol => ("МОЛ", "responsible person"),
        PartnerField::City => ("Град", "city"),
        PartnerField::Address => ("Адрес", "address"),
        PartnerField::Phone => ("Телефон", "phone"),
        PartnerField::Email => ("e-mail", "e-mail"),
        PartnerField::VatNumber => ("ДДС номер", "VAT number"),
        PartnerField::Eik => ("ЕИК", "company id (EIK)"),
        PartnerField::Other(column) => return column.clone(),
    };
    say!(lang, "{bg}", "{en}")
}

pub(super) fn shortage(lang: Lang, s: &StockShortage) -> String {
    let (good, object) = (quoted(lang, &s.good_name), quoted(lang, &s.object_name));
    let (available, needed) = (number(lang, s.available), number(lang, s.needed));
    say!(
        lang,
        "стока {} {good} в обект {} {object}: налични {available}, нужни {needed}",
        "good {} {good} in object {} {object}: {available} available, {needed} needed",
        s.good,
        s.object
    )
}

pub(super) fn difference(lang: Lang, d: &DocumentDifference) -> String {
    match d {
        DocumentDifference::Total { document, order } => say!(
            lang,
            "сумата на документа е {}, а на поръчката {}",
            "the document's total is {} and the order's {}",
            money(lang, *document),
            money(lang, *order)
        ),
        DocumentDifference::Partner {
            partner,
            name,
            customer,
        } => {
            let partner = match name {
                Some(n) => quoted(lang, n),
                None => format!("ID {partner}"),
            };
            say!(
                lang,
                "партньорът на документа е {partner}, а клиентът на поръчката {}",
                "the document's partner is {partner} and the order's customer {}",
                quoted(lang, customer)
            )
        }
        DocumentDifference::OrderRefused { problems } => {
            let whats: Vec<String> = problems
                .iter()
                .map(|p| order_problem(lang, p).what)
                .collect();
            say!(
                lang,
                "поръчката не минава проверките ({}), затова не може да се сравни с документа",
                "the order fails its checks ({}), so it cannot be compared with the document",
                whats.join("; ")
            )
        }
    }
}
