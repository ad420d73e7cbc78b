//! The continuous mode's export poll: the warehouse's change mark is read (one cheap read), and
//! only the goods it names are read and compared with what the shop was last given; a good
//! whose summed quantity or price really changed costs one read and one write to the shop, a
//! poll that found nothing costs no request at all. A write the shop did not take for a reason
//! that passes (no answer, 5xx, still rate-limited after the waits) is tried again by the next
//! poll: the mark moves on only when every change reached the shop or was refused for good.

use skladsync_cloudcart::Client;
use skladsync_warehouse::{ChangeMark, FullComparison, Warehouse};

use crate::error::EngineError;
use crate::events::{Reporter, RunSummary};
use crate::journal::{Journal, JournalError};
use crate::report::{Problem, ShopFailure};
use crate::settings::{Server, StockFormula};

const SCHEMA: &str =
    "CREATE TABLE IF NOT EXISTS change_mark (server TEXT PRIMARY KEY, mark TEXT NOT NULL)";

/// The mark kept after the last poll of a server.
pub async fn kept_mark(
    journal: &Journal,
    server: &str,
) -> Result<Option<ChangeMark>, JournalError> {
    sqlx::query(SCHEMA)
        .execute(journal.pool())
        .await
        .map_err(|e| journal.err(e))?;
    let text: Option<String> = sqlx::query_scalar("SELECT mark FROM change_mark WHERE server = ?")
        .bind(server.to_owned())
        .fetch_optional(journal.pool())
        .await
        .map_err(|e| journal.err(e))?;
    // A mark an earlier version kept in another shape is no mark: the next poll is a full pass.
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

async fn keep_mark(journal: &Journal, server: &str, mark: &ChangeMark) -> Result<(), JournalError> {
    sqlx::query(SCHEMA)
        .execute(journal.pool())
        .await
        .map_err(|e| journal.err(e))?;
    sqlx::query(
        "INSERT INTO change_mark (server, mark) VALUES (?, ?) \
         ON CONFLICT (server) DO UPDATE SET mark = excluded.mark",
    )
    .bind(server.to_owned())
    .bind(serde_json::to_string(mark).unwrap_or_default())
    .execute(journal.pool())
    .await
    .map_err(|e| journal.err(e))?;
    Ok(())
}

/// Forget a server's mark: its next poll is a full pass (e.g. after its settings changed).
pub async fn forget_mark(journal: &Journal, server: &str) -> Result<(), JournalError> {
    sqlx::query(SCHEMA)
        .execute(journal.pool())
        .await
        .map_err(|e| journal.err(e))?;
    sqlx::query("DELETE FROM change_mark WHERE server = ?")
        .bind(server.to_owned())
        .execute(journal.pool())
        .await
        .map_err(|e| journal.err(e))?;
    Ok(())
}

/// Whether a full comparison is needed for what the mark could not trace.
fn needs_full(why: FullComparison, server: &Server) -> bool {
    match why {
        // Order lines hold stock only where the shop's quantity subtracts Orders.
        FullComparison::OrderLinesRemoved => {
            server.export.stock_formula == StockFormula::OnHandMinusOrders
        }
        _ => true,
    }
}

/// Whether the shop failed to take a write for a reason that passes, so that the same write
/// may succeed later: no answer, a retryable 5xx, or still over the rate limit after the waits.
/// A refusal of the value itself (422, …) does not pass by asking again.
fn retry_later(summary: &RunSummary) -> bool {
    summary.problems.iter().any(|p| match &p.problem {
        Problem::Shop(ShopFailure::Unreachable { .. } | ShopFailure::RateLimited { .. }) => true,
        Problem::Shop(ShopFailure::Refused { status, .. }) => {
            skladsync_cloudcart::RETRYABLE_STATUSES.contains(status)
        }
        _ => false,
    })
}

/// One poll of the export: nothing when nothing changed; the named goods when the shop already
/// has them from us; every good (a full pass) the first time, after what the mark cannot trace,
/// or when a named good is new to the shop.
pub async fn poll_export(
    wh: &Warehouse,
    shop: &Client,
    journal: &Journal,
    server: &Server,
    reporter: &Reporter,
) -> Result<RunSummary, EngineError> {
    let kept = kept_mark(journal, &server.id).await?;
    let base = match &kept {
        Some(m) => m.clone(),
        None => wh.change_mark().await?,
    };
    let changes = wh.changes_since(&base).await?;
    let full = kept.is_none()
        || changes
            .full_comparison
            .is_some_and(|why| needs_full(why, server));
    if !full && changes.goods.is_empty() {
        if kept.as_ref() != Some(&changes.mark) {
            keep_mark(journal, &server.id, &changes.mark).await?;
        }
        return Ok(RunSummary::default());
    }
    let pushed = journal.pushed(&server.id).await?;
    let known: Vec<i64> = changes
        .goods
        .iter()
        .copied()
        .filter(|g| pushed.contains_key(g))
        .collect();
    // A good the shop does not have yet is made by a full pass (it may belong to a family).
    let unknown = known.len() < changes.goods.len() && server.export.export_goods;
    let summary = if full || unknown {
        crate::export::export_goods(wh, shop, journal, server, reporter, false, None).await?
    } else if known.is_empty() {
        RunSummary::default()
    } else {
        crate::export::export_goods(wh, shop, journal, server, reporter, false, Some(&known))
            .await?
    };
    // Kept only after the goods were written: a poll stopped half-way, or one whose writes the
    // shop could not take just now, reads them again (those already written compare equal with
    // what the journal says the shop was given, and cost no request).
    if !retry_later(&summary) {
        keep_mark(journal, &server.id, &changes.mark).await?;
    }
    Ok(summary)
}
