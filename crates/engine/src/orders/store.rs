//! The order import's own tables in the journal: bindings (shop order → Склад Pro document),
//! the exception queue, the УНП register and the listing watermark.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use skladsync_warehouse::DocumentKind;
use sqlx::Row as _;

use crate::journal::{Journal, JournalError};
use crate::report::OrderProblem;

/// The import's watermark: the newest shop update time imported, per server and shop.
const WATERMARK: (&str, &str) = ("order_watermark", "watermark");
/// When the orders of the last days were last read again by date, per server and shop.
const SWEEP: (&str, &str) = ("order_sweep", "swept_at");

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS order_bindings (shop TEXT NOT NULL, order_id TEXT NOT NULL, server TEXT NOT NULL, \
     kind TEXT NOT NULL, number INTEGER NOT NULL, object_id INTEGER NOT NULL, usn TEXT, usn_in_shop INTEGER NOT NULL DEFAULT 0, \
     shop_status TEXT, plan_hash TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '', updated_at TEXT NOT NULL, \
     PRIMARY KEY (shop, order_id))",
    "CREATE TABLE IF NOT EXISTS order_queue (shop TEXT NOT NULL, order_id TEXT NOT NULL, server TEXT NOT NULL, \
     kind TEXT NOT NULL, reasons TEXT NOT NULL, first_seen TEXT NOT NULL, last_tried TEXT NOT NULL, \
     attempts INTEGER NOT NULL, PRIMARY KEY (shop, order_id))",
    "CREATE TABLE IF NOT EXISTS usn_register (device TEXT NOT NULL, sequence INTEGER NOT NULL, usn TEXT NOT NULL UNIQUE, \
     shop TEXT NOT NULL, order_id TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (device, sequence), \
     UNIQUE (shop, order_id))",
    "CREATE TABLE IF NOT EXISTS order_watermark (server TEXT NOT NULL, shop TEXT NOT NULL, watermark TEXT NOT NULL, \
     PRIMARY KEY (server, shop))",
    "CREATE TABLE IF NOT EXISTS order_sweep (server TEXT NOT NULL, shop TEXT NOT NULL, swept_at TEXT NOT NULL, \
     PRIMARY KEY (server, shop))",
];

/// Which shop order a Склад Pro document was written for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub shop: String,
    pub order_id: String,
    pub kind: DocumentKind,
    pub number: i64,
    pub object_id: i64,
    pub usn: Option<String>,
    /// Whether the shop's order already carries the УНП.
    pub usn_in_shop: bool,
    /// The shop status last seen.
    pub shop_status: Option<String>,
    /// A fingerprint of the lines written (an edit of the order changes it).
    pub plan_hash: String,
    /// The УНП the shop's order carries when it is not the document's (empty otherwise).
    pub note: String,
}

/// Why an order waits in the exception queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueKind {
    /// The order failed its checks; nothing of it was written. Fix the cause and retry.
    Rejected,
    /// The document exists, but the change in the shop (cancellation, refund, an edit of a
    /// Sale, …) needs the operator in Склад Pro.
    Operator,
    /// A database or shop error stopped it; retry.
    Failed,
}

impl QueueKind {
    fn as_str(self) -> &'static str {
        match self {
            QueueKind::Rejected => "rejected",
            QueueKind::Operator => "operator",
            QueueKind::Failed => "failed",
        }
    }
    fn parse(s: &str) -> QueueKind {
        match s {
            "operator" => QueueKind::Operator,
            "failed" => QueueKind::Failed,
            _ => QueueKind::Rejected,
        }
    }
}

/// An order in the exception queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedOrder {
    pub shop: String,
    pub order_id: String,
    pub kind: QueueKind,
    /// Every reason, each with its fix (the app words them).
    pub reasons: Vec<OrderProblem>,
    pub first_seen: DateTime<Utc>,
    pub last_tried: DateTime<Utc>,
    pub attempts: i64,
}

/// A reason as the queue stores it: typed, or as an earlier version wrote it (its own words).
#[derive(Deserialize)]
#[serde(untagged)]
enum StoredReason {
    Typed(OrderProblem),
    Worded { problem: String, fix: String },
}

/// The reasons of a queue row (JSON); a reason no variant reads is left out.
fn stored_reasons(text: &str) -> Vec<OrderProblem> {
    let values: Vec<serde_json::Value> = serde_json::from_str(text).unwrap_or_default();
    values
        .into_iter()
        .filter_map(|v| serde_json::from_value::<StoredReason>(v).ok())
        .map(|r| match r {
            StoredReason::Typed(p) => p,
            StoredReason::Worded { problem, fix } => OrderProblem::Recorded { problem, fix },
        })
        .collect()
}

fn kind_str(k: DocumentKind) -> &'static str {
    match k {
        DocumentKind::Order => "order",
        DocumentKind::Sale => "sale",
    }
}

fn ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

/// The tables, on the journal's database.
#[derive(Debug, Clone)]
pub struct OrderStore {
    journal: Journal,
}

impl OrderStore {
    pub async fn open(journal: &Journal) -> Result<OrderStore, JournalError> {
        for stmt in SCHEMA {
            sqlx::query(*stmt)
                .execute(journal.pool())
                .await
                .map_err(|e| journal.err(e))?;
        }
        Ok(OrderStore {
            journal: journal.clone(),
        })
    }

    fn err(&self, e: sqlx::Error) -> JournalError {
        self.journal.err(e)
    }

    /// The journal the tables are on.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    // ---------------------------------------------------------------- bindings

    pub async fn binding(
        &self,
        shop: &str,
        order_id: &str,
    ) -> Result<Option<Binding>, JournalError> {
        let row = sqlx::query(
            "SELECT kind, number, object_id, usn, usn_in_shop, shop_status, plan_hash, note FROM order_bindings \
             WHERE shop = ? AND order_id = ?",
        )
        .bind(shop.to_owned())
        .bind(order_id.to_owned())
        .fetch_optional(self.journal.pool())
        .await
        .map_err(|e| self.err(e))?;
        Ok(row.map(|r| Binding {
            shop: shop.to_owned(),
            order_id: order_id.to_owned(),
            kind: if r.get::<String, _>(0) == "sale" {
                DocumentKind::Sale
            } else {
                DocumentKind::Order
            },
            number: r.get(1),
            object_id: r.get(2),
            usn: r.get(3),
            usn_in_shop: r.get::<i64, _>(4) != 0,
            shop_status: r.get(5),
            plan_hash: r.get(6),
            note: r.get(7),
        }))
    }

    pub async fn save_binding(&self, server: &str, b: &Binding) -> Result<(), JournalError> {
        sqlx::query(
            "INSERT INTO order_bindings (shop, order_id, server, kind, number, object_id, usn, usn_in_shop, shop_status, \
             plan_hash, note, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (shop, order_id) DO UPDATE SET server = excluded.server, kind = excluded.kind, \
             number = excluded.number, object_id = excluded.object_id, usn = excluded.usn, \
             usn_in_shop = excluded.usn_in_shop, shop_status = excluded.shop_status, plan_hash = excluded.plan_hash, \
             note = excluded.note, updated_at = excluded.updated_at",
        )
        .bind(b.shop.clone())
        .bind(b.order_id.clone())
        .bind(server.to_owned())
        .bind(kind_str(b.kind))
        .bind(b.number)
        .bind(b.object_id)
        .bind(b.usn.clone())
        .bind(i64::from(b.usn_in_shop))
        .bind(b.shop_status.clone())
        .bind(b.plan_hash.clone())
        .bind(b.note.clone())
        .bind(Utc::now().to_rfc3339())
        .execute(self.journal.pool())
        .await
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Bindings whose УНП has not reached the shop yet.
    pub async fn usn_not_in_shop(&self, shop: &str) -> Result<Vec<Binding>, JournalError> {
        let ids: Vec<String> = sqlx::query(
            "SELECT order_id FROM order_bindings WHERE shop = ? AND usn IS NOT NULL AND usn_in_shop = 0",
        )
        .bind(shop.to_owned())
        .fetch_all(self.journal.pool())
        .await
        .map_err(|e| self.err(e))?
        .into_iter()
        .map(|r| r.get(0))
        .collect();
        let mut out = Vec::new();
        for id in ids {
            if let Some(b) = self.binding(shop, &id).await? {
                out.push(b);
            }
        }
        Ok(out)
    }

    /// Forget a binding (tests simulate a lost journal with it).
    pub async fn delete_binding(&self, shop: &str, order_id: &str) -> Result<(), JournalError> {
        sqlx::query("DELETE FROM order_bindings WHERE shop = ? AND order_id = ?")
            .bind(shop.to_owned())
            .bind(order_id.to_owned())
            .execute(self.journal.pool())
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    // ------------------------------------------------------------------- queue

    /// Put an order in the queue (or refresh its reasons).
    pub async fn enqueue(
        &self,
        server: &str,
        shop: &str,
        order_id: &str,
        kind: QueueKind,
        reasons: &[OrderProblem],
    ) -> Result<(), JournalError> {
        let now = Utc::now().to_rfc3339();
        sqlx::query(
            "INSERT INTO order_queue (shop, order_id, server, kind, reasons, first_seen, last_tried, attempts) \
             VALUES (?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT (shop, order_id) DO UPDATE SET server = excluded.server, \
             kind = excluded.kind, reasons = excluded.reasons, last_tried = excluded.last_tried, \
             attempts = order_queue.attempts + 1",
        )
        .bind(shop.to_owned())
        .bind(order_id.to_owned())
        .bind(server.to_owned())
        .bind(kind.as_str())
        .bind(serde_json::to_string(reasons).unwrap_or_default())
        .bind(now.clone())
        .bind(now)
        .execute(self.journal.pool())
        .await
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    pub async fn dequeue(&self, shop: &str, order_id: &str) -> Result<bool, JournalError> {
        let n = sqlx::query("DELETE FROM order_queue WHERE shop = ? AND order_id = ?")
            .bind(shop.to_owned())
            .bind(order_id.to_owned())
            .execute(self.journal.pool())
            .await
            .map_err(|e| self.err(e))?
            .rows_affected();
        Ok(n > 0)
    }

    /// Take an order out of the queue unless it waits for the operator (such notices stay until
    /// dismissed or until the order changes again).
    pub async fn dequeue_resolved(&self, shop: &str, order_id: &str) -> Result<bool, JournalError> {
        let n = sqlx::query(
            "DELETE FROM order_queue WHERE shop = ? AND order_id = ? AND kind <> 'operator'",
        )
        .bind(shop.to_owned())
        .bind(order_id.to_owned())
        .execute(self.journal.pool())
        .await
        .map_err(|e| self.err(e))?
        .rows_affected();
        Ok(n > 0)
    }

    /// The queue of a server, oldest first.
    pub async fn queue(&self, server: &str) -> Result<Vec<QueuedOrder>, JournalError> {
        let rows = sqlx::query(
            "SELECT shop, order_id, kind, reasons, first_seen, last_tried, attempts FROM order_queue \
             WHERE server = ? ORDER BY first_seen, order_id",
        )
        .bind(server.to_owned())
        .fetch_all(self.journal.pool())
        .await
        .map_err(|e| self.err(e))?;
        Ok(rows
            .into_iter()
            .map(|r| QueuedOrder {
                shop: r.get(0),
                order_id: r.get(1),
                kind: QueueKind::parse(&r.get::<String, _>(2)),
                reasons: stored_reasons(&r.get::<String, _>(3)),
                first_seen: ts(&r.get::<String, _>(4)),
                last_tried: ts(&r.get::<String, _>(5)),
                attempts: r.get(6),
            })
            .collect())
    }

    // ------------------------------------------------------------ УНП register

    /// The УНП this order already got from us, if any.
    pub async fn usn_of_order(
        &self,
        shop: &str,
        order_id: &str,
    ) -> Result<Option<String>, JournalError> {
        let row = sqlx::query("SELECT usn FROM usn_register WHERE shop = ? AND order_id = ?")
            .bind(shop.to_owned())
            .bind(order_id.to_owned())
            .fetch_optional(self.journal.pool())
            .await
            .map_err(|e| self.err(e))?;
        Ok(row.map(|r| r.get(0)))
    }

    /// Give up the УНП registered for an order that was never written (Склад Pro took the
    /// number meanwhile); the order gets the next free one.
    pub async fn forget_usn(&self, shop: &str, order_id: &str) -> Result<(), JournalError> {
        sqlx::query("DELETE FROM usn_register WHERE shop = ? AND order_id = ?")
            .bind(shop.to_owned())
            .bind(order_id.to_owned())
            .execute(self.journal.pool())
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The highest sequence in our register for a device (0 when none).
    pub async fn last_sequence(&self, device: &str) -> Result<i64, JournalError> {
        let row = sqlx::query("SELECT MAX(sequence) FROM usn_register WHERE device = ?")
            .bind(device.to_owned())
            .fetch_one(self.journal.pool())
            .await
            .map_err(|e| self.err(e))?;
        Ok(row.get::<Option<i64>, _>(0).unwrap_or(0))
    }

    /// Record a УНП for an order. `false` when the device sequence or the УНП is taken already
    /// (by another order): the caller takes the next number.
    pub async fn register_usn(
        &self,
        device: &str,
        sequence: i64,
        usn: &str,
        shop: &str,
        order_id: &str,
    ) -> Result<bool, JournalError> {
        let r = sqlx::query(
            "INSERT INTO usn_register (device, sequence, usn, shop, order_id, created_at) VALUES (?, ?, ?, ?, ?, ?) \
             ON CONFLICT DO NOTHING",
        )
        .bind(device.to_owned())
        .bind(sequence)
        .bind(usn.to_owned())
        .bind(shop.to_owned())
        .bind(order_id.to_owned())
        .bind(Utc::now().to_rfc3339())
        .execute(self.journal.pool())
        .await
        .map_err(|e| self.err(e))?;
        if r.rows_affected() == 1 {
            return Ok(true);
        }
        // Already there for this very order (a repeated call) counts as done.
        Ok(self.usn_of_order(shop, order_id).await?.as_deref() == Some(usn))
    }

    // -------------------------------------------------------------- watermark

    pub async fn watermark(
        &self,
        server: &str,
        shop: &str,
    ) -> Result<Option<DateTime<Utc>>, JournalError> {
        self.moment(WATERMARK, server, shop).await
    }

    pub async fn set_watermark(
        &self,
        server: &str,
        shop: &str,
        at: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        self.set_moment(WATERMARK, server, shop, at).await
    }

    // ------------------------------------------------------------------ sweep

    /// When the orders of the last days were last read again by date.
    pub async fn last_sweep(
        &self,
        server: &str,
        shop: &str,
    ) -> Result<Option<DateTime<Utc>>, JournalError> {
        self.moment(SWEEP, server, shop).await
    }

    pub async fn set_last_sweep(
        &self,
        server: &str,
        shop: &str,
        at: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        self.set_moment(SWEEP, server, shop, at).await
    }

    /// One moment kept per server and shop (`(table, column)`, both constants of this module).
    async fn moment(
        &self,
        (table, column): (&str, &str),
        server: &str,
        shop: &str,
    ) -> Result<Option<DateTime<Utc>>, JournalError> {
        let sql = format!("SELECT {column} FROM {table} WHERE server = ? AND shop = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(server.to_owned())
            .bind(shop.to_owned())
            .fetch_optional(self.journal.pool())
            .await
            .map_err(|e| self.err(e))?;
        Ok(row.map(|r| ts(&r.get::<String, _>(0))))
    }

    async fn set_moment(
        &self,
        (table, column): (&str, &str),
        server: &str,
        shop: &str,
        at: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        let sql = format!(
            "INSERT INTO {table} (server, shop, {column}) VALUES (?, ?, ?) \
             ON CONFLICT (server, shop) DO UPDATE SET {column} = excluded.{column}"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(server.to_owned())
            .bind(shop.to_owned())
            .bind(at.to_rfc3339())
            .execute(self.journal.pool())
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The server a binding was made for (`None` without a binding).
    pub async fn binding_server(
        &self,
        shop: &str,
        order_id: &str,
    ) -> Result<Option<String>, JournalError> {
        let row = sqlx::query("SELECT server FROM order_bindings WHERE shop = ? AND order_id = ?")
            .bind(shop.to_owned())
            .bind(order_id.to_owned())
            .fetch_optional(self.journal.pool())
            .await
            .map_err(|e| self.err(e))?;
        Ok(row.map(|r| r.get(0)))
    }
    /// Whether an order is in the queue.
    pub async fn is_queued(&self, shop: &str, order_id: &str) -> Result<bool, JournalError> {
        let row = sqlx::query("SELECT 1 FROM order_queue WHERE shop = ? AND order_id = ?")
            .bind(shop.to_owned())
            .bind(order_id.to_owned())
            .fetch_optional(self.journal.pool())
            .await
            .map_err(|e| self.err(e))?;
        Ok(row.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Money, OrderValue, StockShortage};
    use rust_decimal_macros::dec;

    /// The queue keeps typed reasons, and rows an earlier version wrote as its own words read
    /// as recorded reasons beside them.
    #[tokio::test]
    async fn the_queue_keeps_typed_reasons_and_reads_worded_ones() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(&dir.path().join("journal.db")).await.unwrap();
        let store = OrderStore::open(&journal).await.unwrap();
        let typed = vec![
            OrderProblem::NotEnoughStock {
                shortages: vec![StockShortage {
                    good: 7,
                    good_name: "Чаша".into(),
                    object: 1,
                    object_name: "Склад".into(),
                    available: dec!(1),
                    needed: dec!(2.5),
                }],
            },
            OrderProblem::OutOfBounds {
                value: OrderValue::TotalRow {
                    code: "cod_fee".into(),
                },
                number: dec!(0.0000001),
                max: 1_000_000_000,
                max_decimals: 6,
            },
            OrderProblem::TotalMismatch {
                document: Money::bgn(dec!(10.03)),
                shop_total: Money::bgn(dec!(10.00)),
                difference: Money::bgn(dec!(0.03)),
            },
        ];
        store
            .enqueue("s1", "shop.bg", "1001", QueueKind::Rejected, &typed)
            .await
            .unwrap();
        // A row as an earlier version stored it.
        sqlx::query(
            "INSERT INTO order_queue (shop, order_id, server, kind, reasons, first_seen, last_tried, attempts) \
             VALUES ('shop.bg', '1002', 's1', 'operator', ?, '2030-01-01T00:00:00+00:00', '2030-01-01T00:00:00+00:00', 1)",
        )
        .bind(r#"[{"problem":"поръчката е „cancelled“ в магазина","fix":"анулирайте поръчката в Склад Pro"}]"#)
        .execute(journal.pool())
        .await
        .unwrap();
        let queue = store.queue("s1").await.unwrap();
        assert_eq!(queue.len(), 2);
        let first = queue.iter().find(|q| q.order_id == "1001").unwrap();
        assert_eq!((first.kind, &first.reasons), (QueueKind::Rejected, &typed));
        let old = queue.iter().find(|q| q.order_id == "1002").unwrap();
        assert_eq!(old.kind, QueueKind::Operator);
        assert_eq!(
            old.reasons,
            vec![OrderProblem::Recorded {
                problem: "поръчката е „cancelled“ в магазина".into(),
                fix: "анулирайте поръчката в Склад Pro".into(),
            }]
        );
    }
}
