//! The soak's checks: every shop order in Склад Pro exactly once (or cancelled, or in the queue
//! with its reason), and every shop variant holding what the warehouse says — read with the
//! engine's own functions (`export::read_warehouse`, `correspondence::check`,
//! `Warehouse::find_documents_by_reference`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rust_decimal::Decimal;
use skladsync_engine::catalog::keys_of;
use skladsync_engine::correspondence::{self, MatchStatus};
use skladsync_engine::orders::{self, QueueKind, QueuedOrder, is_cancelled, kind_for};
use skladsync_engine::report::OrderProblem;
use skladsync_engine::{Reporter, Task, export};
use skladsync_warehouse::{DocumentKind, Value};

use super::chaos::ShopOrder;
use super::setup::World;

/// What became of a shop order in Склад Pro.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fate {
    /// One Sale.
    Sale,
    /// One Order (not paid).
    Order,
    /// Cancelled before the import saw it: nothing written.
    CancelledBeforeImport,
    /// Cancelled after it was written: its document stays, with a notice for the operator.
    CancelledAfterImport,
    /// Not written: in the exception queue with its reason.
    Queued,
}

/// A document of an order: kind, number, object, and its total when read whole.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub kind: DocumentKind,
    pub number: i64,
    pub object: i64,
    pub total: Option<Decimal>,
}

/// What became of one order, or what is wrong with it.
pub fn judge(
    world: &World,
    id: u64,
    mine: &ShopOrder,
    docs: &[Doc],
    queued: Option<&QueuedOrder>,
) -> Result<Fate, String> {
    let Some(shop) = world.sandbox.state().order(id) else {
        return Err(format!("order {id}: gone from the shop"));
    };
    let status = shop.status.as_str();
    if docs.len() > 1 {
        return Err(format!(
            "order {id} ({status}): DOUBLED — {} documents: {docs:?}",
            docs.len()
        ));
    }
    if let Some(q) = queued
        && q.reasons.is_empty()
    {
        return Err(format!(
            "order {id}: in the queue ({:?}) without a reason",
            q.kind
        ));
    }
    if let Some(total) = docs.first().and_then(|d| d.total) {
        let want = Decimal::new(shop.price_total, 2);
        if (total - want).abs() > orders::rounding::ROUNDING_TOLERANCE {
            return Err(format!(
                "order {id}: the document's total {total} is not the shop's {want}"
            ));
        }
    }
    let doc = docs.first().map(|d| d.kind);
    let in_queue = queued.is_some();
    if is_cancelled(Some(status)) {
        return match doc {
            None => Ok(Fate::CancelledBeforeImport),
            Some(_) => {
                let noticed = queued.is_some_and(|q| {
                    q.kind == QueueKind::Operator
                        && q.reasons.iter().any(|r| {
                            matches!(
                                r,
                                OrderProblem::CancelledAfterOrder { .. }
                                    | OrderProblem::CancelledAfterSale { .. }
                            )
                        })
                });
                if noticed {
                    Ok(Fate::CancelledAfterImport)
                } else {
                    Err(format!(
                        "order {id} ({status}): cancelled after its {doc:?} was written, but no \
                         notice for the operator in the queue ({queued:?})"
                    ))
                }
            }
        };
    }
    let should_be = kind_for(&world.server.import, Some(status));
    match (doc, should_be) {
        (Some(DocumentKind::Sale), DocumentKind::Sale) => Ok(Fate::Sale),
        (Some(DocumentKind::Order), DocumentKind::Order) => Ok(Fate::Order),
        // A payment reversed after the order became a Sale: the Sale stays.
        (Some(DocumentKind::Sale), DocumentKind::Order) if mine.ever_paid => Ok(Fate::Sale),
        (Some(DocumentKind::Sale), DocumentKind::Order) => Err(format!(
            "order {id} ({status}): a Sale, though it was never paid"
        )),
        (Some(DocumentKind::Order), DocumentKind::Sale) if in_queue => Ok(Fate::Queued),
        (Some(DocumentKind::Order), DocumentKind::Sale) => Err(format!(
            "order {id} ({status}): still an Order, not a Sale, and not in the queue"
        )),
        (None, _) if in_queue => Ok(Fate::Queued),
        (None, _) => Err(format!(
            "order {id} ({status}): LOST — not in Склад Pro and not in the queue"
        )),
    }
}

/// The documents of every order of the shop, by order id, read in one query (while the engine
/// runs); without their totals.
pub async fn documents_by_order(world: &World) -> Result<HashMap<String, Vec<Doc>>, String> {
    let prefix = orders::shop_reference(&world.host, "");
    let rows = world
        .wh
        .query(
            "SELECT DISTINCT `Note`, `OperType`, `Acct`, `ObjectID` FROM `operations` \
             WHERE `Note` LIKE ? AND `Acct` > 0",
            &[Value::text(&format!("{prefix}%"))],
        )
        .await
        .map_err(|e| format!("reading the documents: {e}"))?;
    let mut out: HashMap<String, Vec<Doc>> = HashMap::new();
    for r in rows {
        let note = r.text(0).unwrap_or_default();
        let Some(id) = note.strip_prefix(&prefix) else {
            continue;
        };
        let Some(kind) = r.int(1).and_then(DocumentKind::from_oper_type) else {
            continue;
        };
        out.entry(id.to_owned()).or_default().push(Doc {
            kind,
            number: r.int(2).unwrap_or_default(),
            object: r.int(3).unwrap_or_default(),
            total: None,
        });
    }
    Ok(out)
}

/// The documents of one order, found by its reference as the import finds them.
pub async fn documents_of(world: &World, id: u64) -> Result<Vec<Doc>, String> {
    let reference = orders::shop_reference(&world.host, &id.to_string());
    let docs = world
        .wh
        .find_documents_by_reference(&reference)
        .await
        .map_err(|e| format!("order {id}: {e}"))?;
    Ok(docs
        .into_iter()
        .map(|d| Doc {
            kind: d.kind,
            number: d.number,
            object: d.object_id,
            total: Some(d.total),
        })
        .collect())
}

pub async fn queue(world: &World) -> Result<BTreeMap<String, QueuedOrder>, String> {
    Ok(orders::exception_queue(&world.journal, &world.server)
        .await
        .map_err(|e| format!("reading the queue: {e}"))?
        .into_iter()
        .map(|q| (q.order_id.clone(), q))
        .collect())
}

/// The orders judged: each one's fate, and what is wrong.
#[derive(Debug, Default)]
pub struct Judged {
    pub fates: BTreeMap<Fate, u64>,
    pub failures: Vec<String>,
    /// Orders that took stock in the shop but have no document: their variants.
    pub unwritten_variants: BTreeSet<u64>,
}

pub fn judge_all(
    world: &World,
    mine: &BTreeMap<u64, ShopOrder>,
    docs: &HashMap<String, Vec<Doc>>,
    queue: &BTreeMap<String, QueuedOrder>,
) -> Judged {
    let mut out = Judged::default();
    for (id, order) in mine {
        let key = id.to_string();
        let d = docs.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        match judge(world, *id, order, d, queue.get(&key)) {
            Ok(fate) => {
                *out.fates.entry(fate).or_default() += 1;
                if matches!(fate, Fate::CancelledBeforeImport | Fate::Queued) && d.is_empty() {
                    let lines = world
                        .sandbox
                        .state()
                        .order(*id)
                        .map(|o| o.products)
                        .unwrap_or_default();
                    out.unwritten_variants
                        .extend(lines.iter().filter_map(|l| l.variant_id));
                }
            }
            Err(e) => out.failures.push(e),
        }
    }
    for id in docs.keys() {
        if id.parse::<u64>().map_or(true, |n| !mine.contains_key(&n)) {
            out.failures.push(format!(
                "a document with the reference of order {id}, which the shop never had"
            ));
        }
    }
    for (id, q) in queue {
        if id.parse::<u64>().map_or(true, |n| !mine.contains_key(&n)) {
            out.failures.push(format!(
                "order {id} in the queue, which the shop never had: {q:?}"
            ));
        }
    }
    out
}

/// A shop variant that does not hold what the warehouse says.
#[derive(Debug, Clone)]
pub struct Difference {
    pub good: i64,
    pub key: String,
    pub variant: Option<u64>,
    pub warehouse: (Decimal, Decimal),
    pub shop: Option<(Option<Decimal>, Decimal)>,
}

/// Every good whose shop variant differs from the warehouse (quantity by the export's formula,
/// price as the export sends it), read from the shop's own state (no request).
pub async fn differences(world: &World) -> Result<Vec<Difference>, String> {
    let side = export::read_warehouse(&world.wh, &world.server, &Reporter::silent(Task::Export))
        .await
        .map_err(|e| format!("reading the warehouse as the export does: {e}"))?;
    let variants = world.sandbox.state().variants();
    let by_key: HashMap<&str, &cloudcart_sandbox::model::Variant> = variants
        .iter()
        .filter_map(|v| Some((v.barcode.as_deref()?, v)))
        .collect();
    let mut out = Vec::new();
    for g in &side.goods {
        let Some(key) = keys_of(g, world.server.compare_by).0 else {
            continue;
        };
        let Some(want) = side.desired.get(&g.id) else {
            continue;
        };
        let shop = by_key.get(key.as_str()).map(|v| {
            (
                v.id,
                v.quantity
                    .and_then(|q| Decimal::try_from(q).ok())
                    .map(|q| q.normalize()),
                Decimal::new(v.price, 2),
            )
        });
        let same = shop.is_some_and(|(_, q, p)| q == Some(want.quantity) && p == want.price);
        if !same {
            out.push(Difference {
                good: g.id,
                key,
                variant: shop.map(|s| s.0),
                warehouse: (want.quantity, want.price),
                shop: shop.map(|(_, q, p)| (q, p)),
            });
        }
    }
    Ok(out)
}

/// The differences an order the shop took but Склад Pro never got explains (the shop's own
/// decrement at checkout), and the rest.
pub fn split_explained(
    diffs: Vec<Difference>,
    unwritten_variants: &BTreeSet<u64>,
) -> (Vec<Difference>, Vec<Difference>) {
    diffs
        .into_iter()
        .partition(|d| d.variant.is_some_and(|v| unwritten_variants.contains(&v)))
}

/// The correspondence check of the engine over the shop's API: every pair matched, with the
/// same quantity and price. Returns (pairs matched, what disagrees).
pub async fn correspondence(world: &World) -> Result<(usize, Vec<String>), String> {
    let rows = correspondence::check(
        &world.wh,
        &world.client(),
        &world.server,
        &Reporter::silent(Task::Correspondence),
    )
    .await
    .map_err(|e| format!("the correspondence check: {e}"))?;
    let mut matched = 0;
    let mut bad = Vec::new();
    for r in &rows {
        if r.status != MatchStatus::Matched {
            bad.push(format!(
                "{:?}: key {} good {:?} {} / shop variant {:?}",
                r.status, r.key, r.good_id, r.good_name, r.shop_variant_id
            ));
        } else if r.price_differs() || r.quantity_differs() {
            bad.push(format!(
                "good {:?} {} (key {}), shop variant {:?}: warehouse {:?} at {:?}, shop {:?} at {:?}",
                r.good_id,
                r.good_name,
                r.key,
                r.shop_variant_id,
                r.warehouse_quantity,
                r.warehouse_price,
                r.shop_quantity,
                r.shop_price
            ));
        } else {
            matched += 1;
        }
    }
    Ok((matched, bad))
}
