//! An order checked whole before anything is written: every line's good by the compare key,
//! the payment provider mapped, the special goods present, VAT groups known, the totals
//! reproducible to the cent. The result is either a [`Plan`] of the document or every reason
//! it cannot be written, each with its fix.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use skladsync_cloudcart::Order;
use skladsync_warehouse::{
    DatabaseSettings, DocumentKind, Good, NewLine, PartnerData, PartnerKey, PaymentType, money,
};

mod discount;
mod lines;
mod partner;

use super::rounding;
use crate::bgtime;
use crate::catalog::keys_of;
use crate::currency::{bgn_to_eur, currency_of, eur_to_bgn};
use crate::report::{Currency, Money, OrderProblem};
use crate::settings::{CompareBy, ImportSettings};
pub use partner::partner_of;

/// The prefix of the shop order id in every line's Note (`CC#1001`): how a document is found
/// from the warehouse alone.
pub const REFERENCE_PREFIX: &str = "CC#";

/// Shop statuses after which an order will not be delivered.
pub const CANCELLED_STATUSES: &[&str] = &[
    "cancelled",
    "voided",
    "refunded",
    "failed",
    "timeouted",
    "chargebacked",
    "disputed",
];

/// The document reference of a shop order.
pub fn reference_of(order_id: &str) -> String {
    format!("{REFERENCE_PREFIX}{order_id}")
}

/// The key of a paid payment row (`payments.TransactionNumber`), as Microinvest's own importers
/// key theirs.
pub fn transaction_number(shop_host: &str, order_id: &str) -> String {
    format!("CC:{shop_host}:{order_id}")
}

pub fn is_cancelled(status: Option<&str>) -> bool {
    status.is_some_and(|s| CANCELLED_STATUSES.iter().any(|c| c.eq_ignore_ascii_case(s)))
}

/// The document kind an order gets at its status: a Sale when the settings write Sales, or when
/// the status is one of "Кога поръчката се трансформира в продажба"; an Order otherwise.
pub fn kind_for(settings: &ImportSettings, status: Option<&str>) -> DocumentKind {
    let sale_status = status.is_some_and(|s| {
        settings
            .sale_statuses
            .iter()
            .any(|x| x.eq_ignore_ascii_case(s))
    });
    if settings.document_kind == DocumentKind::Sale || sale_status {
        DocumentKind::Sale
    } else {
        DocumentKind::Order
    }
}

/// What the warehouse side offers for checking orders, read once per run.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub by_key: HashMap<String, Vec<Good>>,
    pub by_id: HashMap<i64, Good>,
    pub vat_rates: HashMap<i64, Decimal>,
    pub payment_types: Vec<PaymentType>,
    pub db: DatabaseSettings,
    pub compare_by: CompareBy,
}

impl Catalog {
    pub fn new(
        goods: Vec<Good>,
        vat_rates: HashMap<i64, Decimal>,
        payment_types: Vec<PaymentType>,
        db: DatabaseSettings,
        compare_by: CompareBy,
    ) -> Catalog {
        let mut by_key: HashMap<String, Vec<Good>> = HashMap::new();
        let mut by_id = HashMap::new();
        for g in goods {
            if let Some(k) = keys_of(&g, compare_by).0 {
                by_key
                    .entry(k.trim().to_owned())
                    .or_default()
                    .push(g.clone());
            }
            by_id.insert(g.id, g);
        }
        Catalog {
            by_key,
            by_id,
            vat_rates,
            payment_types,
            db,
            compare_by,
        }
    }
}

/// One planned line, before the database's price convention is applied.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedLine {
    pub good_id: i64,
    pub quantity: Decimal,
    /// Unit price after discount, with VAT, in the database currency.
    pub gross: Decimal,
    pub discount_percent: Decimal,
    /// What the line is.
    pub source: LineSource,
}

/// What a planned line is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineSource {
    /// A line of the order: its good, by the compare key.
    Goods {
        key: String,
    },
    Delivery,
    /// The whole-order discount (`rate`: the VAT rate of its part, when it is split by rate).
    Discount {
        rate: Option<Decimal>,
    },
    /// A fee of the order, by its title in the shop.
    Fee {
        title: String,
    },
}

/// A document ready to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub order_id: String,
    pub reference: String,
    pub kind: DocumentKind,
    pub status: Option<String>,
    pub date: NaiveDate,
    pub lines: Vec<NewLine>,
    pub planned: Vec<PlannedLine>,
    pub partner_keys: Vec<PartnerKey>,
    pub partner: PartnerData,
    pub payment_type_id: i64,
    pub payment_is_cash: bool,
    /// Paid before delivery (card, completed bank transfer): a paid row goes with a Sale.
    pub prepaid: bool,
    /// The order's currency.
    pub currency: Currency,
    /// The database's currency: the document's amounts are in it.
    pub database_currency: Currency,
    pub shop_total: Decimal,
    /// The document's due amount in the database currency, as Склад Pro computes it (the sum
    /// of the rounded line totals with VAT).
    pub document_total: Decimal,
    /// What the shop received, in the database currency: the amount of a paid row. It differs
    /// from the due amount only by a rounding note.
    pub received: Decimal,
    /// Problems that do not stop the import (a bad ЕИК, a conversion rounding difference).
    pub warnings: Vec<OrderProblem>,
    /// A fingerprint of the lines (good, quantity, price): an edit in the shop changes it.
    pub hash: String,
}

fn cents(v: Decimal) -> Decimal {
    money::round_money(v)
}

/// FNV-1a, stable across releases (unlike `DefaultHasher`).
fn fingerprint(lines: &[NewLine]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for l in lines {
        let s = format!(
            "{}|{}|{}|{};",
            l.good_id,
            l.quantity.normalize(),
            l.price.normalize(),
            l.discount_percent.normalize()
        );
        for b in s.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// Converts a unit price of the order's currency into the database currency.
fn converter(order: Currency, database: Currency) -> fn(Decimal) -> Decimal {
    match (order, database) {
        (Currency::Eur, Currency::Bgn) => eur_to_bgn,
        (Currency::Bgn, Currency::Eur) => bgn_to_eur,
        _ => cents,
    }
}

/// Check an order whole and plan its document; every reason it cannot be written otherwise.
pub fn plan_order(
    order: &Order,
    catalog: &Catalog,
    import: &ImportSettings,
) -> Result<Plan, Vec<OrderProblem>> {
    // Absurd numbers are refused before any arithmetic is done with them.
    super::bounds::check(order, import)?;
    let mut reasons: Vec<OrderProblem> = Vec::new();
    let mut warnings: Vec<OrderProblem> = Vec::new();
    let id = order.id.to_string();
    let db = &catalog.db;
    let kind = kind_for(import, order.status.as_deref());
    if let Err(e) = import.time_zone.zone() {
        reasons.push(OrderProblem::UnknownTimeZone { name: e.name });
    }

    // Currency: only lev and euro, on both sides.
    let code = order
        .currency
        .clone()
        .filter(|c| !c.trim().is_empty())
        .unwrap_or_else(|| {
            if import.prices_in_eur {
                "EUR".into()
            } else {
                db.base_currency.clone()
            }
        });
    let currencies = currency_of(&code).zip(currency_of(&db.base_currency));
    if currencies.is_none() {
        reasons.push(OrderProblem::UnsupportedCurrency {
            order: code.clone(),
            database: db.base_currency.clone(),
        });
    }
    let conv = currencies.map_or(cents as fn(Decimal) -> Decimal, |(o, d)| converter(o, d));
    let converted = currencies.is_some_and(|(o, d)| o != d);

    // Lines.
    let (shop_lines, lines_sum) = lines::shop_lines(order, catalog, &mut reasons);
    let vat_included = order.vat_included != Some(false);

    // Totals.
    let Some(shop_total) = order.price_total else {
        reasons.push(OrderProblem::NoTotal);
        return Err(reasons);
    };
    let charges = lines::charges(order, lines_sum);
    let (discount_amount, delivery) = (charges.discount, charges.delivery);
    let fees_sum: Decimal = charges.fees.iter().map(|(_, v)| *v).sum();
    if reasons.is_empty()
        && let Some((currency, _)) = currencies
    {
        let reproduced = lines_sum + discount_amount + delivery + fees_sum;
        if reproduced != shop_total {
            let m = |v: Decimal| Money::new(v, currency);
            reasons.push(OrderProblem::TotalsDoNotAddUp {
                lines: m(lines_sum),
                discount: m(discount_amount),
                delivery: m(delivery),
                fees: m(fees_sum),
                shop_total: m(shop_total),
            });
        }
    }

    // Special goods.
    let extra = lines::extra_lines(
        catalog,
        import,
        &shop_lines,
        &charges,
        currencies.map(|(order, _)| order),
        &mut reasons,
    );

    // Payment.
    let provider = order
        .payment
        .as_ref()
        .and_then(|p| p.provider.clone())
        .unwrap_or_default();
    let mapping = import
        .payment_types
        .iter()
        .find(|m| m.provider.eq_ignore_ascii_case(&provider));
    let payment_type = match mapping {
        None => {
            reasons.push(OrderProblem::PaymentNotMapped {
                provider: (!provider.is_empty()).then(|| provider.clone()),
            });
            None
        }
        Some(m) => match catalog
            .payment_types
            .iter()
            .find(|t| t.id == m.payment_type)
        {
            None => {
                reasons.push(OrderProblem::NoSuchPaymentType {
                    id: m.payment_type.get(),
                    provider: provider.clone(),
                });
                None
            }
            Some(t) => Some(t.clone()),
        },
    };
    if kind == DocumentKind::Sale && db.uses_lots() {
        reasons.push(OrderProblem::SaleWithLots);
    }

    if !reasons.is_empty() {
        return Err(reasons);
    }
    let (currency, database_currency) = currencies.expect("checked above");

    // The document in the database currency and price convention.
    let mut planned = Vec::new();
    for l in shop_lines {
        let gross = if vat_included {
            conv(l.unit)
        } else {
            let rate = catalog.vat_rates[&l.good.vat_group_id];
            conv(cents(
                l.unit * (Decimal::ONE_HUNDRED + rate) / Decimal::ONE_HUNDRED,
            ))
        };
        planned.push(PlannedLine {
            good_id: l.good.id,
            quantity: l.quantity,
            gross,
            discount_percent: l.discount_percent,
            source: LineSource::Goods { key: l.key },
        });
    }
    for e in extra {
        planned.push(PlannedLine {
            good_id: e.good.id,
            quantity: e.quantity,
            gross: conv(e.amount),
            discount_percent: Decimal::ZERO,
            source: e.source,
        });
    }
    let mut lines = Vec::new();
    let mut doc_lines = Vec::new();
    for p in &planned {
        let rate = catalog.vat_rates[&catalog.by_id[&p.good_id].vat_group_id];
        let price = if db.prices_include_vat {
            p.gross
        } else {
            rounding::net_price(p.gross, p.quantity, rate)
        };
        doc_lines.push((p.quantity, price, rate));
        lines.push(NewLine {
            good_id: p.good_id,
            quantity: p.quantity,
            price,
            discount_percent: p.discount_percent,
        });
    }
    let document_total = money::due_amount(doc_lines, db.prices_include_vat);
    let received = if converted {
        conv(shop_total)
    } else {
        cents(shop_total)
    };
    let in_database = |v: Decimal| Money::new(v, database_currency);
    let in_order = |v: Decimal| Money::new(v, currency);
    if converted {
        // Unit prices are converted, never totals: the document may differ from the converted
        // shop total by the rounding of each unit price (half a cent per unit at most).
        let target = conv(shop_total);
        let units: Decimal = planned.iter().map(|p| p.quantity.abs()).sum();
        let tolerance = (units * Decimal::new(5, 3))
            .round_dp_with_strategy(2, RoundingStrategy::AwayFromZero)
            .max(Decimal::new(1, 2))
            + rounding::ROUNDING_TOLERANCE;
        let diff = document_total - target;
        if diff.abs() > tolerance {
            return Err(vec![OrderProblem::ConvertedTotalMismatch {
                document: in_database(document_total),
                shop_total: in_order(shop_total),
                converted: in_database(target),
                difference: in_database(diff),
            }]);
        }
        if !diff.is_zero() {
            warnings.push(OrderProblem::ConversionRounding {
                document: in_database(document_total),
                shop_total: in_order(shop_total),
                converted: in_database(target),
                difference: in_database(diff),
            });
        }
    } else {
        let diff = document_total - cents(shop_total);
        if diff.abs() > rounding::ROUNDING_TOLERANCE {
            return Err(vec![OrderProblem::TotalMismatch {
                document: in_database(document_total),
                shop_total: in_order(shop_total),
                difference: in_database(diff),
            }]);
        }
        if !diff.is_zero() {
            warnings.push(OrderProblem::Rounding {
                document: in_database(document_total),
                shop_total: in_order(shop_total),
                difference: in_database(diff),
            });
        }
    }

    let (partner_keys, partner, partner_warnings) = partner_of(order);
    warnings.extend(partner_warnings);
    let payment_type = payment_type.expect("checked above");
    let paid_in_shop = order
        .payment
        .as_ref()
        .and_then(|p| p.status.as_deref())
        .is_some_and(|s| s.eq_ignore_ascii_case("completed"));
    // Paid in the shop (card, a bank transfer received, the courier's money arrived): a
    // Sale gets its paid row.
    let prepaid = paid_in_shop;
    // The Bulgarian day of the order (the zone was checked before anything else).
    let zone = import.time_zone.zone().unwrap_or(chrono_tz::Europe::Sofia);
    let date = order
        .date_added
        .map(|d| bgtime::local_day(d, zone))
        .unwrap_or_else(|| bgtime::today(zone));
    Ok(Plan {
        order_id: id.clone(),
        reference: reference_of(&id),
        kind,
        status: order.status.clone(),
        date,
        hash: fingerprint(&lines),
        lines,
        planned,
        partner_keys,
        partner,
        payment_type_id: payment_type.id,
        payment_is_cash: payment_type.is_cash(),
        prepaid,
        currency,
        database_currency,
        shop_total,
        document_total,
        received,
        warnings,
    })
}

#[cfg(test)]
mod tests;
