//! Which shop order a Склад Pro document belongs to, read from the warehouse alone.
//!
//! * The reference in every line's Note names the shop and the order: [`shop_reference`]
//!   (`CC:<shop host>:<order id>`, the same text as the paid row's `TransactionNumber`). Two
//!   shops writing into one database never share a reference, whatever their order numbers.
//! * Documents written before with [`legacy_reference`] (`CC#<order id>`) are still taken as
//!   an order's, but only when this server's journal bound them to that order (or they are the
//!   Order left behind by that document's conversion).
//! * A document found by reference but not bound in the journal (a lost journal, another copy
//!   of the program on another machine) is taken only when its partner and total are the
//!   order's ([`confirm`]); otherwise the order waits for a person.
//! * The claims that keep two importers from writing the same order twice: [`order_claim`]
//!   for its first document, [`sale_claim`] for the Sale an Order becomes.

use skladsync_warehouse::{Claim, Document, Warehouse};

use super::plan::{Plan, REFERENCE_PREFIX};
use super::store::Reason;

/// The document reference of a shop order: the shop's host and the order id.
pub fn shop_reference(host: &str, order_id: &str) -> String {
    format!("CC:{host}:{order_id}")
}

/// The reference written by earlier versions (`CC#<order id>`): it does not name the shop.
pub fn legacy_reference(order_id: &str) -> String {
    format!("{REFERENCE_PREFIX}{order_id}")
}

/// The claim of an order's first document (whatever its kind).
pub fn order_claim(host: &str, order_id: &str) -> Claim {
    Claim::new(&format!("CC:{host}:{order_id}"))
}

/// The claim of the Sale an imported Order becomes.
pub fn sale_claim(host: &str, order_id: &str) -> Claim {
    Claim::new(&format!("CC:S:{host}:{order_id}"))
}

/// The documents of an order found in the warehouse.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// Documents with the order's reference, and old-form ones this server bound to it.
    pub docs: Vec<Document>,
    /// Old-form documents with the order id that nothing ties to this shop.
    pub unbound_legacy: Vec<Document>,
}

/// The warehouse's documents of an order. `bound` is this server's binding of the order, as
/// (kind, number, object) of its document.
pub(crate) async fn find(
    wh: &Warehouse,
    host: &str,
    order_id: &str,
    bound: Option<(skladsync_warehouse::DocumentKind, i64, i64)>,
) -> Result<Found, skladsync_warehouse::Error> {
    let mut docs = wh
        .find_documents_by_reference(&shop_reference(host, order_id))
        .await?;
    let legacy = wh
        .find_documents_by_reference(&legacy_reference(order_id))
        .await?;
    let is_bound = |d: &Document| bound == Some((d.kind, d.number, d.object_id));
    // The bound document's partner: an old-form Order left by an interrupted conversion to
    // a new-form Sale has it too.
    let bound_partner = docs
        .iter()
        .chain(legacy.iter())
        .find(|d| is_bound(d))
        .map(|d| d.partner_id);
    let mut unbound_legacy = Vec::new();
    for d in legacy {
        let ours = is_bound(&d)
            || (bound_partner == Some(d.partner_id)
                && d.kind == skladsync_warehouse::DocumentKind::Order
                && docs
                    .iter()
                    .any(|n| n.kind == skladsync_warehouse::DocumentKind::Sale));
        if ours {
            docs.push(d);
        } else {
            unbound_legacy.push(d);
        }
    }
    Ok(Found {
        docs,
        unbound_legacy,
    })
}

/// Why `doc` is not taken as the document of the planned order (its partner or total differ),
/// or `None` when it is.
pub(crate) async fn confirm(
    wh: &Warehouse,
    doc: &Document,
    plan: &Plan,
) -> Result<Option<String>, skladsync_warehouse::Error> {
    let mut problems = Vec::new();
    if doc.total != plan.document_total {
        problems.push(format!(
            "сумата на документа е {}, а на поръчката {}",
            doc.total, plan.document_total
        ));
    }
    let mut partner_ok = false;
    for key in &plan.partner_keys {
        if wh
            .find_partners(key)
            .await?
            .iter()
            .any(|p| p.id == doc.partner_id)
        {
            partner_ok = true;
            break;
        }
    }
    let partner = wh.partner(doc.partner_id).await?;
    if !partner_ok && let Some(p) = &partner {
        let same = |a: &str, b: &str| {
            !a.trim().is_empty() && a.trim().to_lowercase() == b.trim().to_lowercase()
        };
        partner_ok = same(&p.data.company, &plan.partner.company)
            || (plan.partner_keys.is_empty() && same(&p.data.email, &plan.partner.email));
    }
    if !partner_ok {
        problems.push(format!(
            "партньорът на документа е „{}“, а клиентът на поръчката „{}“",
            partner
                .map(|p| p.data.company)
                .unwrap_or_else(|| format!("ID {}", doc.partner_id)),
            plan.partner.company
        ));
    }
    Ok((!problems.is_empty()).then(|| problems.join("; ")))
}

/// An old-form document (`CC#<id>`) nothing ties to this shop, with the order's partner and
/// total: it may be this order written by an earlier version (importing would double it) or
/// another shop's order of the same number. The reason a person is asked, or `None` when no
/// such document matches.
pub(crate) async fn ambiguous_legacy(
    wh: &Warehouse,
    host: &str,
    order_id: &str,
    legacy: &[Document],
    plan: &Plan,
) -> Result<Option<Reason>, skladsync_warehouse::Error> {
    for d in legacy {
        if confirm(wh, d, plan).await?.is_none() {
            return Ok(Some(Reason::new(
                format!(
                    "в Склад Pro има {} № {:010} с бележка „{}“ (от по-стара версия, без името на магазина) със същия клиент и сума; не е ясно дали е тази поръчка или поръчка със същия номер от друг магазин",
                    d.kind.label(),
                    d.number,
                    legacy_reference(order_id)
                ),
                format!(
                    "ако документът е за тази поръчка, сменете бележката му на „{}“ и изберете „Опитай пак“; ако е за друг магазин — сменете я на „CC:<адрес на другия магазин>:{order_id}“ и изберете „Опитай пак“",
                    shop_reference(host, order_id)
                ),
            )));
        }
    }
    Ok(None)
}

/// The order's claim is held, but no document carries its reference (annulled?).
pub(crate) fn claim_without_document(host: &str, order_id: &str) -> Reason {
    Reason::new(
        format!(
            "поръчката вече е внесена (в Склад Pro е записано „{}“), но документът ѝ с бележка „{}“ не е намерен (анулиран ли е?)",
            order_claim(host, order_id),
            shop_reference(host, order_id)
        ),
        "ако поръчката трябва да бъде отново в Склад Pro, освободете я („skladsync queue release“) и изберете „Опитай пак“; иначе я махнете от опашката",
    )
}

/// Why a document found by the order's reference but not bound in this server's journal is not
/// taken as the order's (its partner or total differ, or the order cannot be planned to
/// compare), or `None` when it is.
pub(crate) async fn unconfirmed(
    wh: &Warehouse,
    doc: &Document,
    plan: &Result<Plan, Vec<Reason>>,
) -> Result<Option<Reason>, skladsync_warehouse::Error> {
    let why = match plan {
        Ok(p) => match confirm(wh, doc, p).await? {
            None => return Ok(None),
            Some(why) => why,
        },
        Err(reasons) => format!(
            "поръчката не минава проверките ({}), затова не може да се сравни с документа",
            reasons
                .iter()
                .map(|r| r.problem.clone())
                .collect::<Vec<_>>()
                .join("; ")
        ),
    };
    Ok(Some(Reason::new(
        format!(
            "в Склад Pro има {} № {:010} с бележка „{}“, но не е сигурно, че е за тази поръчка: {why}",
            doc.kind.label(),
            doc.number,
            doc.reference
        ),
        "проверете документа в Склад Pro: ако е за тази поръчка, поправете разликата и изберете „Опитай пак“; ако не е — сменете бележката му и изберете „Опитай пак“",
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_the_shop_and_claims_fit() {
        assert_eq!(
            shop_reference("shop.example.bg", "1001"),
            "CC:shop.example.bg:1001"
        );
        assert_ne!(
            shop_reference("a.example.bg", "1001"),
            shop_reference("b.example.bg", "1001")
        );
        assert_eq!(legacy_reference("1001"), "CC#1001");
        assert_ne!(order_claim("a.bg", "1"), order_claim("b.bg", "1"));
        assert_ne!(order_claim("a.bg", "1"), sale_claim("a.bg", "1"));
        assert_eq!(order_claim("a.bg", "1").key(), "@CC:a.bg:1");
    }
}
