//! The newest shop update time handled for each order, per server: shared by the polls and the
//! webhook deliveries, so that a delivery of an order version already handled (a duplicate, a
//! late retry of the shop, or an older version arriving after a newer one) is dropped. Kept in
//! the journal, so a restart keeps it.

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::Row as _;

use crate::journal::{Journal, JournalError};

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS order_versions (server TEXT NOT NULL, shop TEXT NOT NULL, \
     order_id TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (server, shop, order_id))";

const UPSERT: &str = "INSERT INTO order_versions (server, shop, order_id, updated_at) VALUES (?, ?, ?, ?) \
     ON CONFLICT (server, shop, order_id) DO UPDATE SET \
     updated_at = MAX(order_versions.updated_at, excluded.updated_at)";

/// One fixed text form, so that the journal compares times as text (`MAX`).
pub(crate) fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

fn parse(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// The update times handled, on the journal's database.
#[derive(Debug, Clone)]
pub struct OrderVersions {
    journal: Journal,
}

impl OrderVersions {
    pub async fn open(journal: &Journal) -> Result<OrderVersions, JournalError> {
        sqlx::query(SCHEMA)
            .execute(journal.pool())
            .await
            .map_err(|e| journal.err(e))?;
        Ok(OrderVersions {
            journal: journal.clone(),
        })
    }

    /// The newest update time of the order handled by this server.
    pub async fn handled(
        &self,
        server: &str,
        shop: &str,
        order_id: &str,
    ) -> Result<Option<DateTime<Utc>>, JournalError> {
        let row = sqlx::query(
            "SELECT updated_at FROM order_versions WHERE server = ? AND shop = ? AND order_id = ?",
        )
        .bind(server.to_owned())
        .bind(shop.to_owned())
        .bind(order_id.to_owned())
        .fetch_optional(self.journal.pool())
        .await
        .map_err(|e| self.journal.err(e))?;
        Ok(row.and_then(|r| parse(&r.get::<String, _>(0))))
    }

    /// Whether a version of the order is already handled: its update time is not newer than
    /// the one handled. A version without an update time is never taken as handled.
    pub async fn is_handled(
        &self,
        server: &str,
        shop: &str,
        order_id: &str,
        updated_at: Option<DateTime<Utc>>,
    ) -> Result<bool, JournalError> {
        let Some(at) = updated_at else {
            return Ok(false);
        };
        Ok(self
            .handled(server, shop, order_id)
            .await?
            .is_some_and(|h| at <= h))
    }

    /// [`OrderVersions::record`] for many orders, in one transaction.
    pub async fn record_all(
        &self,
        server: &str,
        shop: &str,
        handled: &[(String, DateTime<Utc>)],
    ) -> Result<(), JournalError> {
        let err = |e| self.journal.err(e);
        let mut tx = self.journal.pool().begin().await.map_err(err)?;
        for (order_id, at) in handled {
            sqlx::query(UPSERT)
                .bind(server.to_owned())
                .bind(shop.to_owned())
                .bind(order_id.clone())
                .bind(stamp(*at))
                .execute(&mut *tx)
                .await
                .map_err(err)?;
        }
        tx.commit().await.map_err(err)
    }

    /// Remember that the order was handled at this update time (an older one never replaces a
    /// newer one).
    pub async fn record(
        &self,
        server: &str,
        shop: &str,
        order_id: &str,
        updated_at: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        sqlx::query(UPSERT)
            .bind(server.to_owned())
            .bind(shop.to_owned())
            .bind(order_id.to_owned())
            .bind(stamp(updated_at))
            .execute(self.journal.pool())
            .await
            .map_err(|e| self.journal.err(e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[tokio::test]
    async fn an_older_or_equal_version_is_handled_and_never_replaces_a_newer_one() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(&dir.path().join("j.db")).await.unwrap();
        let v = OrderVersions::open(&journal).await.unwrap();
        let t = Utc::now();
        assert!(!v.is_handled("s", "h", "1", Some(t)).await.unwrap());
        v.record("s", "h", "1", t).await.unwrap();
        v.record("s", "h", "1", t - Duration::hours(1))
            .await
            .unwrap();
        assert_eq!(v.handled("s", "h", "1").await.unwrap(), Some(t));
        assert!(v.is_handled("s", "h", "1", Some(t)).await.unwrap());
        assert!(
            v.is_handled("s", "h", "1", Some(t - Duration::seconds(1)))
                .await
                .unwrap()
        );
        assert!(
            !v.is_handled("s", "h", "1", Some(t + Duration::microseconds(1)))
                .await
                .unwrap()
        );
        assert!(!v.is_handled("s", "h", "1", None).await.unwrap());
        // Another server of the same shop has its own.
        assert!(!v.is_handled("s2", "h", "1", Some(t)).await.unwrap());
    }
}
