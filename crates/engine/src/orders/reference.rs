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
use crate::report::{DocumentDifference, Money, OrderProblem};

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

/// How `doc` differs from the planned order (its partner or total), empty when it is the
/// order's.
pub(crate) async fn confirm(
    wh: &Warehouse,
    doc: &Document,
    plan: &Plan,
) -> Result<Vec<DocumentDifference>, skladsync_warehouse::Error> {
    let mut differences = Vec::new();
    if doc.total != plan.document_total {
        differences.push(DocumentDifference::Total {
            document: Money::new(doc.total, plan.database_currency),
            order: Money::new(plan.document_total, plan.database_currency),
        });
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
        differences.push(DocumentDifference::Partner {
            partner: doc.partner_id,
            name: partner.map(|p| p.data.company),
            customer: plan.partner.company.clone(),
        });
    }
    Ok(differences)
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
) -> Result<Option<OrderProblem>, skladsync_warehouse::Error> {
    for d in legacy {
        if confirm(wh, d, plan).await?.is_empty() {
            return Ok(Some(OrderProblem::AmbiguousLegacyDocument {
                document: d.kind,
                number: d.number,
                legacy_reference: legacy_reference(order_id),
                reference: shop_reference(host, order_id),
                order: order_id.to_owned(),
            }));
        }
    }
    Ok(None)
}

/// The order's claim is held, but no document carries its reference (annulled?).
pub(crate) fn claim_without_document(host: &str, order_id: &str) -> OrderProblem {
    OrderProblem::ClaimWithoutDocument {
        claim: order_claim(host, order_id).to_string(),
        reference: shop_reference(host, order_id),
    }
}

/// Why a document found by the order's reference but not bound in this server's journal is not
/// taken as the order's (its partner or total differ, or the order cannot be planned to
/// compare), or `None` when it is.
pub(crate) async fn unconfirmed(
    wh: &Warehouse,
    doc: &Document,
    plan: &Result<Plan, Vec<OrderProblem>>,
) -> Result<Option<OrderProblem>, skladsync_warehouse::Error> {
    let differences = match plan {
        Ok(p) => confirm(wh, doc, p).await?,
        Err(reasons) => vec![DocumentDifference::OrderRefused {
            problems: reasons.clone(),
        }],
    };
    if differences.is_empty() {
        return Ok(None);
    }
    Ok(Some(OrderProblem::UnconfirmedDocument {
        document: doc.kind,
        number: doc.number,
        reference: doc.reference.clone(),
        differences,
    }))
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
