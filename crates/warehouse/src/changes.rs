//! Cheap change detection: a [`ChangeMark`] read on every poll, and
//! [`Warehouse::changes_since`], which names the goods whose quantity or price may have changed
//! since a mark — or says that only a full comparison can tell.
//!
//! What Склад Pro leaves behind when stock or prices move, and how each is found:
//! - a document written (or edited by writing its lines again): new `operations` rows, above the
//!   mark's newest — their goods, exactly;
//! - a document annulled or edited in place: an `applicationlog` row ([`logged_document`]) and,
//!   for an annulment, its lines deleted. The rows are gone, so the goods whose stock moved are
//!   found by comparing the store's quantities per block of goods with the mark's fingerprints;
//!   Order lines (no store effect) removed ask for a full comparison;
//! - a good's prices edited: `goods` has no timestamp, so every poll sums the watched columns
//!   ([`WATCHED_GOOD_COLUMNS`]) in one pass, and per block of goods when the sums moved;
//! - new `store` rows (a new good or object) and new goods: their goods.
//!
//! Deleted rows nothing explains, a mark the database has gone back behind (a backup restored),
//! or a mark from another database ask for a full comparison ([`FullComparison`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::model::SERVICE_GOOD_ID;
use crate::sql;
use crate::value::{Row, Value};
use crate::warehouse::{Tx, Warehouse};

/// The `goods` columns whose edit may change what the shop is sent: the ten selling prices, the
/// VAT group (prices without VAT are sent with it) and the deleted flag. `goods` has no
/// `UserRealTime` (not in Warehouse Open's schema, its sample store, nor a scaffold of a Pro MS
/// SQL database), so an edit leaves no other trace: these columns are summed on every poll.
pub const WATCHED_GOOD_COLUMNS: &[&str] = &[
    "PriceOut1",
    "PriceOut2",
    "PriceOut3",
    "PriceOut4",
    "PriceOut5",
    "PriceOut6",
    "PriceOut7",
    "PriceOut8",
    "PriceOut9",
    "PriceOut10",
    "TaxGroup",
    "Deleted",
];

/// About this many blocks of goods in the fingerprints: a block's width is the power of two
/// that splits the goods' keys into at most this many (100 000 goods: blocks of 1 024).
const TARGET_BLOCKS: i64 = 128;
/// Above this many blocks touched by new rows, the store is summed in one pass instead of block
/// by block.
const MAX_RANGED_BLOCKS: usize = 16;
/// How many times the read is made again when the database changed while it was read.
const SETTLE_ATTEMPTS: usize = 3;
/// OperType of an Order (its lines hold stock without moving it).
const ORDER: i64 = 19;

/// Where a Склад Pro database stood, as far as stock and prices go. Kept by the caller (it
/// serializes) and given back to [`Warehouse::changes_since`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeMark {
    /// The backend the mark was read through.
    engine: String,
    #[serde(flatten)]
    counters: Counters,
    /// Absent in a mark read by [`Warehouse::change_mark`]; added by the first
    /// [`Warehouse::changes_since`].
    fingerprints: Option<Fingerprints>,
}

impl ChangeMark {
    /// Whether the mark carries the per-block fingerprints that let an annulment or a price edit
    /// be traced to goods.
    pub fn has_fingerprints(&self) -> bool {
        self.fingerprints.is_some()
    }
}

/// What one poll reads: index aggregates, the row at the newest key, one pass over the goods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Counters {
    operations_max: i64,
    operations_rows: i64,
    /// A hash of the `operations` row at `operations_max` (0 when there is none).
    last_operation: u64,
    log_max: i64,
    store_max: i64,
    goods_max: i64,
    goods_rows: i64,
    /// A hash of the sums of [`WATCHED_GOOD_COLUMNS`].
    prices: u64,
}

/// Per block of goods keys (`width` wide), a hash of the watched columns' sums and of the
/// store's rows and quantities; and the number of Order lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Fingerprints {
    width: i64,
    prices: BTreeMap<i64, u64>,
    stock: BTreeMap<i64, u64>,
    order_lines: i64,
}

/// What changed since a mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changes {
    /// The mark to keep for the next call.
    pub mark: ChangeMark,
    /// Goods (by key, ascending; never the service good) whose quantity or price may have
    /// changed: read them and compare. Those of a changed block are all listed.
    pub goods: Vec<i64>,
    /// Set when the changes cannot all be traced to goods: compare every good. [`Changes::goods`]
    /// then holds what could be traced.
    pub full_comparison: Option<FullComparison>,
}

impl Changes {
    /// Nothing to read: no goods listed and no full comparison asked for.
    pub fn is_empty(&self) -> bool {
        self.goods.is_empty() && self.full_comparison.is_none()
    }
}

/// Why only a full comparison can tell what changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FullComparison {
    /// The mark was read from another database, or this one was replaced since (a backup
    /// restored and written to again): the row the mark remembers holds something else, or rows
    /// appeared below its newest.
    OtherDatabase,
    /// The database holds less than the mark saw — a backup restored, or the newest documents
    /// deleted without an annulment logged.
    WentBackwards,
    /// `operations` rows deleted without an annulment or edit in the application log.
    RowsDeleted,
    /// Order lines removed (an Order annulled or edited): the goods they held in reserve cannot
    /// be named. Matters where the shop's quantity subtracts Orders.
    OrderLinesRemoved,
    /// Goods rows deleted.
    GoodsDeleted,
    /// The mark has no fingerprints (it came from [`Warehouse::change_mark`], or the database
    /// kept changing while the last one was read) and the change needs them.
    NoFingerprints,
}

impl std::fmt::Display for FullComparison {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FullComparison::OtherDatabase => {
                "the database is not the one the mark was read from (another database, or a backup restored and written to)"
            }
            FullComparison::WentBackwards => {
                "the database holds less than at the mark (a backup restored, or documents deleted without a trace)"
            }
            FullComparison::RowsDeleted => {
                "document lines were deleted without an annulment or edit in the application log"
            }
            FullComparison::OrderLinesRemoved => {
                "Order lines were removed; the goods they reserved cannot be named"
            }
            FullComparison::GoodsDeleted => "goods were deleted",
            FullComparison::NoFingerprints => {
                "the mark has no fingerprints to trace this change to goods"
            }
        })
    }
}

// ----------------------------------------------------------------- the application log

/// An annulment or an edit of a document, as the application log records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LoggedDocument {
    pub annulled: bool,
    /// `None` for a kind of document not in [`LOGGED_DOCUMENT_NAMES`].
    pub oper_type: Option<i64>,
    pub number: i64,
}

/// How an annulment (`true`) and an edit begin in `applicationlog.Message`: Warehouse Open's
/// Bulgarian and English texts ("Анулиране на продажба №0000000012 от 01.02.2025", "Void sale
/// No.12 from …"), as this program writes them too. Склад Pro's own wording is unconfirmed.
pub(crate) const LOGGED_ACTIONS: &[(&str, bool)] = &[
    ("Анулиране на ", true),
    ("Редакция на ", false),
    ("Void ", true),
    ("Edit ", false),
];

/// Document names in those texts, with their OperType (others are logged documents of an unknown
/// type: their deleted lines are still explained).
pub(crate) const LOGGED_DOCUMENT_NAMES: &[(&str, i64)] = &[
    ("продажба", 2),
    ("sale", 2),
    ("поръчка", ORDER),
    ("sales order", ORDER),
    ("доставка", 1),
    ("purchase", 1),
    ("брак", 3),
    ("waste", 3),
    ("ревизия", 4),
    ("stock-taking", 4),
    ("рекламация", 34),
    ("return", 34),
];

/// The document an `applicationlog` message annuls or edits; `None` for any other message.
pub(crate) fn logged_document(message: &str) -> Option<LoggedDocument> {
    let m = message.trim();
    let (annulled, rest) = LOGGED_ACTIONS
        .iter()
        .find_map(|(prefix, annul)| m.strip_prefix(prefix).map(|r| (*annul, r)))?;
    let (name, after) = rest.split_once('№').or_else(|| rest.split_once("No."))?;
    let digits: String = after
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let number = digits.parse().ok()?;
    let name = name.trim().to_lowercase();
    let oper_type = LOGGED_DOCUMENT_NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t);
    Some(LoggedDocument {
        annulled,
        oper_type,
        number,
    })
}

// ---------------------------------------------------------------------------- hashing

/// FNV-1a, 64 bits: stable across runs and builds, so a kept mark stays comparable.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn bytes(&mut self, b: &[u8]) {
        for x in b {
            self.0 ^= u64::from(*x);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    /// Numbers by value (an integer sum and the same sum as a double hash alike).
    fn value(&mut self, v: &Value) {
        match v {
            Value::Null => self.bytes(&[0]),
            Value::Int(_) | Value::Float(_) => {
                let f = v.as_f64().unwrap_or(f64::NAN);
                let f = if f == 0.0 { 0.0 } else { f };
                self.bytes(&[1]);
                self.bytes(&f.to_bits().to_le_bytes());
            }
            Value::Text(s) => {
                self.bytes(&[2]);
                self.bytes(s.as_bytes());
                self.bytes(&[0xff]);
            }
            Value::DateTime(d) => {
                self.bytes(&[3]);
                self.bytes(d.format("%Y-%m-%d %H:%M:%S%.f").to_string().as_bytes());
            }
        }
    }
    fn cells(mut self, cells: &[Value]) -> u64 {
        for c in cells {
            self.value(c);
        }
        self.0
    }
}

fn hash_cells(cells: &[Value]) -> u64 {
    Fnv::new().cells(cells)
}

// ------------------------------------------------------------------------------ reads

fn block_width(goods_max: i64) -> i64 {
    (goods_max / TARGET_BLOCKS)
        .max(1)
        .unsigned_abs()
        .next_power_of_two() as i64
}

/// The keys `[from, to)` of block `b`.
fn block_range(b: i64, width: i64) -> (i64, i64) {
    (
        b.saturating_mul(width),
        b.saturating_add(1).saturating_mul(width),
    )
}

/// The `operations` row at key `id` (`ID`, `OperType`, `Acct`, …; see [`sql::OPERATION_AT`]).
async fn operation_at(tx: &mut Tx<'_>, id: i64) -> Result<Option<Row>> {
    if id <= 0 {
        return Ok(None);
    }
    tx.one(sql::OPERATION_AT, &[Value::Int(id)]).await
}

async fn read_counters(tx: &mut Tx<'_>) -> Result<Counters> {
    let c = tx
        .one(sql::CHANGE_COUNTERS, &[])
        .await?
        .unwrap_or(Row(Vec::new()));
    let operations_max = c.int(0).unwrap_or(0);
    let last_operation = operation_at(tx, operations_max)
        .await?
        .map_or(0, |r| hash_cells(&r.0));
    let g = tx
        .one(&sql::goods_mark(WATCHED_GOOD_COLUMNS), &[])
        .await?
        .unwrap_or(Row(Vec::new()));
    Ok(Counters {
        operations_max,
        operations_rows: c.int(1).unwrap_or(0),
        last_operation,
        log_max: c.int(2).unwrap_or(0),
        store_max: c.int(3).unwrap_or(0),
        goods_rows: g.int(0).unwrap_or(0),
        goods_max: g.int(1).unwrap_or(0),
        prices: hash_cells(g.0.get(2..).unwrap_or(&[])),
    })
}

/// Hash per block: the block is the first cell, the rest is hashed.
fn blocks_of(rows: Vec<Row>) -> BTreeMap<i64, u64> {
    rows.iter()
        .map(|r| {
            (
                r.int(0).unwrap_or(-1),
                hash_cells(r.0.get(1..).unwrap_or(&[])),
            )
        })
        .collect()
}

async fn price_blocks(tx: &mut Tx<'_>, width: i64) -> Result<BTreeMap<i64, u64>> {
    let block = tx.d.int_div("`ID`", width);
    Ok(blocks_of(
        tx.rows(&sql::price_blocks(&block, WATCHED_GOOD_COLUMNS), &[])
            .await?,
    ))
}

async fn stock_blocks(tx: &mut Tx<'_>, width: i64) -> Result<BTreeMap<i64, u64>> {
    let block = tx.d.int_div("`GoodID`", width);
    Ok(blocks_of(
        tx.rows(&sql::stock_blocks(&block, false), &[]).await?,
    ))
}

async fn order_lines(tx: &mut Tx<'_>) -> Result<i64> {
    Ok(tx
        .one(sql::ORDER_LINES, &[])
        .await?
        .and_then(|r| r.int(0))
        .unwrap_or(0))
}

async fn read_fingerprints(tx: &mut Tx<'_>, width: i64) -> Result<Fingerprints> {
    Ok(Fingerprints {
        width,
        prices: price_blocks(tx, width).await?,
        stock: stock_blocks(tx, width).await?,
        order_lines: order_lines(tx).await?,
    })
}

/// Blocks whose hash differs, or that are in one map only.
fn changed_blocks(old: &BTreeMap<i64, u64>, new: &BTreeMap<i64, u64>) -> BTreeSet<i64> {
    let mut out: BTreeSet<i64> = new
        .iter()
        .filter(|(b, h)| old.get(b) != Some(h))
        .map(|(b, _)| *b)
        .collect();
    out.extend(old.keys().filter(|b| !new.contains_key(b)));
    out
}

async fn goods_between(tx: &mut Tx<'_>, from: i64, to: i64, out: &mut BTreeSet<i64>) -> Result<()> {
    for r in tx
        .rows(sql::GOODS_FROM_TO, &[Value::Int(from), Value::Int(to)])
        .await?
    {
        if let Some(id) = r.int(0) {
            out.insert(id);
        }
    }
    Ok(())
}

async fn goods_of_blocks(
    tx: &mut Tx<'_>,
    blocks: &BTreeSet<i64>,
    width: i64,
    out: &mut BTreeSet<i64>,
) -> Result<()> {
    for b in blocks.iter().filter(|b| **b >= 0) {
        let (from, to) = block_range(*b, width);
        goods_between(tx, from, to, out).await?;
    }
    Ok(())
}

/// The store's blocks holding `goods`, summed again (one pass when there are many).
async fn refresh_stock(
    tx: &mut Tx<'_>,
    stock: &mut BTreeMap<i64, u64>,
    goods: &BTreeSet<i64>,
    width: i64,
) -> Result<()> {
    let touched: BTreeSet<i64> = goods
        .iter()
        .filter(|g| **g >= 0)
        .map(|g| g / width)
        .collect();
    if touched.is_empty() {
        return Ok(());
    }
    if touched.len() > MAX_RANGED_BLOCKS {
        *stock = stock_blocks(tx, width).await?;
        return Ok(());
    }
    let template = sql::stock_blocks(&tx.d.int_div("`GoodID`", width), true);
    for b in touched {
        let (from, to) = block_range(b, width);
        let fresh = blocks_of(
            tx.rows(&template, &[Value::Int(from), Value::Int(to)])
                .await?,
        );
        match fresh.get(&b) {
            Some(h) => stock.insert(b, *h),
            None => stock.remove(&b),
        };
    }
    Ok(())
}

/// What [`attribute`] found: the goods, why a full comparison is needed, the new fingerprints.
struct Traced {
    goods: BTreeSet<i64>,
    full: Option<FullComparison>,
    fingerprints: Option<Fingerprints>,
}

impl Traced {
    fn full(&mut self, why: FullComparison) {
        self.full.get_or_insert(why);
    }
}

/// The goods behind the difference between `old` and `now`.
async fn attribute(tx: &mut Tx<'_>, old: &ChangeMark, now: &Counters) -> Result<Traced> {
    let o = &old.counters;
    let mut t = Traced {
        goods: BTreeSet::new(),
        full: None,
        fingerprints: None,
    };

    // The row the mark remembers: gone is a deletion (counted below); changed is another
    // database, unless its document was edited in place (logged below).
    let replaced = operation_at(tx, o.operations_max)
        .await?
        .filter(|r| hash_cells(&r.0) != o.last_operation)
        .map(|r| (r.int(1), r.int(2).unwrap_or(0)));
    if now.log_max < o.log_max {
        t.full(FullComparison::WentBackwards);
    }

    // New document lines.
    let (mut new_rows, mut new_order_lines) = (0, 0);
    if now.operations_max > o.operations_max {
        for r in tx
            .rows(
                sql::OPERATIONS_BETWEEN,
                &[Value::Int(o.operations_max), Value::Int(now.operations_max)],
            )
            .await?
        {
            let n = r.int(2).unwrap_or(0);
            new_rows += n;
            if r.int(1) == Some(ORDER) {
                new_order_lines += n;
            }
            if let Some(g) = r.int(0) {
                t.goods.insert(g);
            }
        }
    }
    let deleted = o.operations_rows + new_rows - now.operations_rows;
    if deleted < 0 {
        t.full(FullComparison::OtherDatabase);
    }

    // Annulments and edits.
    let mut logged = Vec::new();
    if now.log_max > o.log_max {
        for r in tx
            .rows(
                sql::LOG_BETWEEN,
                &[Value::Int(o.log_max), Value::Int(now.log_max)],
            )
            .await?
        {
            if let Some(doc) = r.text(1).as_deref().and_then(logged_document) {
                logged.push(doc);
            }
        }
    }
    if let Some((oper_type, number)) = replaced
        && !logged.iter().any(|d| {
            !d.annulled && d.number == number && d.oper_type.is_none_or(|t| Some(t) == oper_type)
        })
    {
        t.full(FullComparison::OtherDatabase);
    }
    if deleted > 0 && logged.is_empty() {
        t.full(if now.operations_max < o.operations_max {
            FullComparison::WentBackwards
        } else {
            FullComparison::RowsDeleted
        });
    }
    // An edit in place changes its lines without new rows: their goods as they are now.
    for doc in logged.iter().filter(|d| !d.annulled) {
        if let Some(oper_type) = doc.oper_type {
            for r in tx
                .rows(
                    sql::DOCUMENT_GOODS,
                    &[Value::Int(oper_type), Value::Int(doc.number)],
                )
                .await?
            {
                if let Some(g) = r.int(0) {
                    t.goods.insert(g);
                }
            }
        }
    }

    // New store rows and new goods.
    if now.store_max > o.store_max {
        for r in tx
            .rows(
                sql::STORE_GOODS_BETWEEN,
                &[Value::Int(o.store_max), Value::Int(now.store_max)],
            )
            .await?
        {
            if let Some(g) = r.int(0) {
                t.goods.insert(g);
            }
        }
    }
    let mut new_goods = BTreeSet::new();
    if now.goods_max > o.goods_max {
        goods_between(tx, o.goods_max + 1, now.goods_max + 1, &mut new_goods).await?;
    }
    if o.goods_rows + new_goods.len() as i64 > now.goods_rows || now.goods_max < o.goods_max {
        t.full(FullComparison::GoodsDeleted);
    }
    t.goods.extend(new_goods);

    // What only the fingerprints can trace.
    let stock_moved_unseen = !logged.is_empty() || deleted > 0 || now.store_max < o.store_max;
    let prices_moved =
        now.prices != o.prices || now.goods_rows != o.goods_rows || now.goods_max != o.goods_max;
    let Some(fp) = &old.fingerprints else {
        if stock_moved_unseen || prices_moved {
            t.full(FullComparison::NoFingerprints);
        }
        t.fingerprints = Some(read_fingerprints(tx, block_width(now.goods_max)).await?);
        return Ok(t);
    };
    if t.full.is_some() {
        // Everything is compared anyway; start the fingerprints afresh.
        t.fingerprints = Some(read_fingerprints(tx, block_width(now.goods_max)).await?);
        return Ok(t);
    }
    let width = fp.width;
    let mut next = fp.clone();
    if prices_moved {
        next.prices = price_blocks(tx, width).await?;
        let blocks = changed_blocks(&fp.prices, &next.prices);
        goods_of_blocks(tx, &blocks, width, &mut t.goods).await?;
    }
    if stock_moved_unseen {
        next.stock = stock_blocks(tx, width).await?;
        let blocks = changed_blocks(&fp.stock, &next.stock);
        goods_of_blocks(tx, &blocks, width, &mut t.goods).await?;
    } else {
        refresh_stock(tx, &mut next.stock, &t.goods, width).await?;
    }
    if deleted > 0 {
        next.order_lines = order_lines(tx).await?;
        if fp.order_lines + new_order_lines > next.order_lines {
            t.full(FullComparison::OrderLinesRemoved);
        }
    } else {
        next.order_lines = fp.order_lines + new_order_lines;
    }
    t.fingerprints = Some(next);
    Ok(t)
}

impl Warehouse {
    /// Where the database stands now, read cheaply enough for every poll: the newest key and the
    /// number of `operations` rows, the newest `applicationlog` and `store` keys (all from
    /// indexes), the `operations` row at the newest key, and one pass over the goods summing
    /// [`WATCHED_GOOD_COLUMNS`]. Without fingerprints: give it to
    /// [`Warehouse::changes_since`], whose marks carry them.
    pub async fn change_mark(&self) -> Result<ChangeMark> {
        let mut session = self.backend_session().await?;
        let mut tx = Tx {
            s: &mut *session,
            d: self.dialect(),
        };
        Ok(ChangeMark {
            engine: self.backend_name().to_owned(),
            counters: read_counters(&mut tx).await?,
            fingerprints: None,
        })
    }

    /// What changed since `mark`: the goods whose quantity or price may have changed, the mark
    /// to keep, and whether only a full comparison can tell. When nothing changed, this is the
    /// one read of [`Warehouse::change_mark`] and gives `mark` back unchanged; a mark without
    /// fingerprints gets them (one pass over the goods and the store).
    pub async fn changes_since(&self, mark: &ChangeMark) -> Result<Changes> {
        let engine = self.backend_name();
        let mut session = self.backend_session().await?;
        let mut tx = Tx {
            s: &mut *session,
            d: self.dialect(),
        };
        let mut last = None;
        for _ in 0..SETTLE_ATTEMPTS {
            let now = read_counters(&mut tx).await?;
            let traced = if mark.engine != engine {
                Traced {
                    goods: BTreeSet::new(),
                    full: Some(FullComparison::OtherDatabase),
                    fingerprints: Some(
                        read_fingerprints(&mut tx, block_width(now.goods_max)).await?,
                    ),
                }
            } else if now == mark.counters {
                if mark.fingerprints.is_some() {
                    return Ok(Changes {
                        mark: mark.clone(),
                        goods: Vec::new(),
                        full_comparison: None,
                    });
                }
                Traced {
                    goods: BTreeSet::new(),
                    full: None,
                    fingerprints: Some(
                        read_fingerprints(&mut tx, block_width(now.goods_max)).await?,
                    ),
                }
            } else {
                attribute(&mut tx, mark, &now).await?
            };
            let changes = Changes {
                mark: ChangeMark {
                    engine: engine.to_owned(),
                    counters: now,
                    fingerprints: traced.fingerprints,
                },
                goods: traced
                    .goods
                    .into_iter()
                    .filter(|g| *g > SERVICE_GOOD_ID)
                    .collect(),
                full_comparison: traced.full,
            };
            // The fingerprints must be of the same moment as the counters: else a change made
            // in between would be in one and not the other, and be missed next time.
            if read_counters(&mut tx).await? == now {
                return Ok(changes);
            }
            last = Some(changes);
        }
        let mut changes = last.expect("SETTLE_ATTEMPTS is not 0");
        changes.mark.fingerprints = None;
        Ok(changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_annulments_and_edits_from_the_log() {
        assert_eq!(
            logged_document("Анулиране на продажба №0000000012 от 01.02.2025"),
            Some(LoggedDocument {
                annulled: true,
                oper_type: Some(2),
                number: 12
            })
        );
        assert_eq!(
            logged_document("Редакция на поръчка №0000000007 от 01.02.2025"),
            Some(LoggedDocument {
                annulled: false,
                oper_type: Some(ORDER),
                number: 7
            })
        );
        assert_eq!(
            logged_document("Void sales order No.0000000031 from 02/01/2025"),
            Some(LoggedDocument {
                annulled: true,
                oper_type: Some(ORDER),
                number: 31
            })
        );
        // A document kind not in the table still explains its deleted lines.
        assert_eq!(
            logged_document("Анулиране на резервация № 0000000004 от 01.02.2025"),
            Some(LoggedDocument {
                annulled: true,
                oper_type: None,
                number: 4
            })
        );
        for other in [
            "Login successful. Workstation: \"PC\" (1.2.3.4). Product version: 3.07",
            "Edit partner Тракия",
            "Анулиране на продажба",
            "",
        ] {
            assert_eq!(logged_document(other), None, "{other}");
        }
    }

    #[test]
    fn blocks_split_the_goods_into_about_128() {
        assert_eq!(block_width(0), 1);
        assert_eq!(block_width(40), 1);
        assert_eq!(block_width(300), 2);
        assert_eq!(block_width(100_000), 1024);
        assert_eq!(block_range(3, 1024), (3072, 4096));
    }

    #[test]
    fn hashes_numbers_by_value_and_tell_cells_apart() {
        let h = |cells: &[Value]| hash_cells(cells);
        assert_eq!(
            h(&[Value::Int(5), Value::Float(1.5)]),
            h(&[Value::Float(5.0), Value::Float(1.5)])
        );
        assert_eq!(h(&[Value::Float(-0.0)]), h(&[Value::Int(0)]));
        assert_ne!(
            h(&[Value::Int(1), Value::Int(2)]),
            h(&[Value::Int(2), Value::Int(1)])
        );
        assert_ne!(h(&[Value::Null]), h(&[Value::Int(0)]));
        assert_ne!(
            h(&[Value::Text("ab".into()), Value::Text("c".into())]),
            h(&[Value::Text("a".into()), Value::Text("bc".into())])
        );
        // Fixed, so that a mark kept by an older build compares the same.
        assert_eq!(h(&[]), 0xcbf2_9ce4_8422_2325);
    }

    #[test]
    fn changed_blocks_include_new_and_vanished_ones() {
        let old = BTreeMap::from([(0, 1), (1, 2), (2, 3)]);
        let new = BTreeMap::from([(0, 1), (1, 9), (3, 4)]);
        assert_eq!(
            changed_blocks(&old, &new).into_iter().collect::<Vec<_>>(),
            [1, 2, 3]
        );
    }
}
