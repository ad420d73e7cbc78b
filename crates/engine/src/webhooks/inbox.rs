//! The orders a delivery brought, kept in the journal between the answer to the shop and their
//! import: a delivery is acknowledged once its orders are here, so a crash after the answer
//! loses nothing (the next start of the server imports what is left).

use chrono::{DateTime, Utc};
use skladsync_cloudcart::Client;
use skladsync_warehouse::Warehouse;
use sqlx::Row as _;

use crate::error::EngineError;
use crate::events::{Reporter, RunSummary};
use crate::journal::{Journal, JournalError};
use crate::orders::{DeliveredOrder, import_delivered};
use crate::settings::Server;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS webhook_inbox (server TEXT NOT NULL, order_id TEXT NOT NULL, \
     updated_at TEXT, seq INTEGER NOT NULL, received_at TEXT NOT NULL, PRIMARY KEY (server, order_id))";

/// One order waiting in the inbox; `seq` tells a later delivery of the same order apart.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Waiting {
    order: DeliveredOrder,
    seq: i64,
}

/// The inbox, on the journal's database.
#[derive(Debug, Clone)]
pub struct Inbox {
    journal: Journal,
}

impl Inbox {
    pub async fn open(journal: &Journal) -> Result<Inbox, JournalError> {
        sqlx::query(SCHEMA)
            .execute(journal.pool())
            .await
            .map_err(|e| journal.err(e))?;
        Ok(Inbox {
            journal: journal.clone(),
        })
    }

    fn err(&self, e: sqlx::Error) -> JournalError {
        self.journal.err(e)
    }

    /// Keep a delivered order (a second delivery of it keeps the newer update time).
    pub async fn put(
        &self,
        server: &str,
        order_id: &str,
        updated_at: Option<DateTime<Utc>>,
    ) -> Result<(), JournalError> {
        sqlx::query(
            "INSERT INTO webhook_inbox (server, order_id, updated_at, seq, received_at) \
             VALUES (?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM webhook_inbox), ?) \
             ON CONFLICT (server, order_id) DO UPDATE SET \
             updated_at = CASE WHEN webhook_inbox.updated_at IS NULL THEN excluded.updated_at \
             WHEN excluded.updated_at IS NULL THEN webhook_inbox.updated_at \
             ELSE MAX(webhook_inbox.updated_at, excluded.updated_at) END, \
             seq = excluded.seq, received_at = excluded.received_at",
        )
        .bind(server.to_owned())
        .bind(order_id.to_owned())
        .bind(updated_at.map(crate::orders::version_stamp))
        .bind(Utc::now().to_rfc3339())
        .execute(self.journal.pool())
        .await
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Whether orders of the server wait.
    pub async fn any(&self, server: &str) -> Result<bool, JournalError> {
        let row = sqlx::query("SELECT 1 FROM webhook_inbox WHERE server = ? LIMIT 1")
            .bind(server.to_owned())
            .fetch_optional(self.journal.pool())
            .await
            .map_err(|e| self.err(e))?;
        Ok(row.is_some())
    }

    async fn waiting(&self, server: &str) -> Result<Vec<Waiting>, JournalError> {
        let rows = sqlx::query(
            "SELECT order_id, updated_at, seq FROM webhook_inbox WHERE server = ? ORDER BY seq",
        )
        .bind(server.to_owned())
        .fetch_all(self.journal.pool())
        .await
        .map_err(|e| self.err(e))?;
        Ok(rows
            .into_iter()
            .map(|r| Waiting {
                order: DeliveredOrder {
                    order_id: r.get(0),
                    updated_at: r
                        .get::<Option<String>, _>(1)
                        .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
                        .map(|d| d.with_timezone(&Utc)),
                },
                seq: r.get(2),
            })
            .collect())
    }

    /// Forget an order taken from the inbox, unless a later delivery of it came meanwhile.
    async fn done(&self, server: &str, w: &Waiting) -> Result<(), JournalError> {
        sqlx::query("DELETE FROM webhook_inbox WHERE server = ? AND order_id = ? AND seq = ?")
            .bind(server.to_owned())
            .bind(w.order.order_id.clone())
            .bind(w.seq)
            .execute(self.journal.pool())
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }
}

/// The delivery job: import the orders waiting in the server's inbox, then take them out of it.
/// A failed job leaves them there for the next.
pub async fn import_inbox(
    wh: &Warehouse,
    shop: &Client,
    journal: &Journal,
    server: &Server,
    reporter: &Reporter,
) -> Result<RunSummary, EngineError> {
    let inbox = Inbox::open(journal).await?;
    let waiting = inbox.waiting(&server.id).await?;
    if waiting.is_empty() {
        return Ok(RunSummary::default());
    }
    let orders: Vec<DeliveredOrder> = waiting.iter().map(|w| w.order.clone()).collect();
    let summary = import_delivered(wh, shop, journal, server, reporter, &orders).await?;
    for w in &waiting {
        inbox.done(&server.id, w).await?;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[tokio::test]
    async fn a_second_delivery_keeps_the_newer_time_and_outlives_the_first_taken() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(&dir.path().join("j.db")).await.unwrap();
        let inbox = Inbox::open(&journal).await.unwrap();
        let t = Utc::now();
        assert!(!inbox.any("s").await.unwrap());
        inbox.put("s", "1", Some(t)).await.unwrap();
        inbox
            .put("s", "1", Some(t - Duration::hours(1)))
            .await
            .unwrap();
        inbox.put("s", "2", None).await.unwrap();
        let taken = inbox.waiting("s").await.unwrap();
        assert_eq!(taken.len(), 2);
        assert_eq!(
            taken[0].order.updated_at.map(|d| d.timestamp()),
            Some(t.timestamp())
        );
        // Order 1 is delivered again while the job runs: it stays for the next job.
        inbox.put("s", "1", None).await.unwrap();
        for w in &taken {
            inbox.done("s", w).await.unwrap();
        }
        let left = inbox.waiting("s").await.unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].order.order_id, "1");
        assert!(inbox.any("s").await.unwrap());
        assert!(!inbox.any("other").await.unwrap());
    }
}
