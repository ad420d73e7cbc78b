//! The local journal: what was last pushed to the shop for each good (so that only changes are
//! written), and the history of runs. An SQLite file in the program's data directory.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{Row as _, SqlitePool};

use crate::events::{ItemProblem, RunSummary, Task};
use crate::report::Failure;

#[derive(Debug, thiserror::Error)]
#[error("the journal {path} cannot be used: {message}")]
pub struct JournalError {
    pub path: String,
    pub message: String,
}

/// What the shop was last given for one good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    pub good_id: i64,
    pub product_id: String,
    pub variant_id: String,
    pub key: String,
    pub quantity: Option<Decimal>,
    pub price: Option<Decimal>,
}

/// One finished run, as the history shows it: typed, so that a window shows it in its own
/// language.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunRecord {
    pub id: i64,
    pub server: String,
    /// `None`: a row of an older journal whose task name is not known any more.
    pub task: Option<Task>,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub ok: bool,
    pub dry_run: bool,
    pub counts: RunCounts,
    /// Why the run failed.
    pub failure: Option<Failure>,
}

/// The counters of a finished run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RunCounts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub deactivated: u64,
    pub skipped: u64,
    pub problems: u64,
}

impl RunCounts {
    pub fn of(s: &RunSummary) -> RunCounts {
        RunCounts {
            created: s.created,
            updated: s.updated,
            unchanged: s.unchanged,
            deactivated: s.deactivated,
            skipped: s.skipped,
            problems: s.problems.len() as u64,
        }
    }
}

/// The key a task is stored under (`export`, `order_import`, …), stable across languages.
pub fn task_key(task: Task) -> String {
    match serde_json::to_value(task) {
        Ok(serde_json::Value::String(k)) => k,
        _ => format!("{task:?}"),
    }
}

/// The names journals of earlier versions stored instead of a task's key.
const EARLIER_TASK_NAMES: [(&str, Task); 5] = [
    ("Експорт от Склад Pro", Task::Export),
    ("Изтегляне на стоки от CloudCart", Task::ProductPull),
    ("Проверка съответствие на стоките", Task::Correspondence),
    ("Импорт от CloudCart", Task::OrderImport),
    ("Опитай пак", Task::QueueRetry),
];

/// The task of a stored key (or of the name an earlier journal stored).
fn task_of(stored: &str) -> Option<Task> {
    serde_json::from_value(serde_json::Value::String(stored.to_owned()))
        .ok()
        .or_else(|| {
            EARLIER_TASK_NAMES
                .iter()
                .find(|(name, _)| *name == stored)
                .map(|(_, t)| *t)
        })
}

#[derive(Debug, Clone)]
pub struct Journal {
    pool: SqlitePool,
    path: String,
}

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS pushed (server TEXT NOT NULL, good_id INTEGER NOT NULL, product_id TEXT NOT NULL, \
     variant_id TEXT NOT NULL, key TEXT NOT NULL, quantity TEXT, price TEXT, pushed_at TEXT NOT NULL, \
     PRIMARY KEY (server, good_id))",
    "CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY AUTOINCREMENT, server TEXT NOT NULL, task TEXT NOT NULL, \
     started_at TEXT NOT NULL, finished_at TEXT NOT NULL, ok INTEGER NOT NULL, dry_run INTEGER NOT NULL, summary TEXT NOT NULL)",
];

/// The typed summary columns of `runs`, added to journals made before them (`summary` then
/// keeps only the problems, as JSON).
const RUN_COLUMNS: [&str; 7] = [
    "created INTEGER",
    "updated INTEGER",
    "unchanged INTEGER",
    "deactivated INTEGER",
    "skipped INTEGER",
    "problems INTEGER",
    "failure TEXT",
];

impl Journal {
    pub async fn open(path: &Path) -> Result<Journal, JournalError> {
        let p = path.display().to_string();
        let err = |e: &dyn std::fmt::Display| JournalError {
            path: p.clone(),
            message: e.to_string(),
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| err(&e))?;
        }
        // The path as a file name, not spliced into a URL: a folder named `a?b`, `50%` or `#1`
        // is a folder, not a query, an escape or a fragment.
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(options)
            .await
            .map_err(|e| err(&e))?;
        for stmt in SCHEMA {
            sqlx::query(*stmt)
                .execute(&pool)
                .await
                .map_err(|e| err(&e))?;
        }
        let have: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info('runs')")
            .fetch_all(&pool)
            .await
            .map_err(|e| err(&e))?;
        for column in RUN_COLUMNS {
            let name = column.split(' ').next().unwrap_or_default();
            if !have.iter().any(|h| h == name) {
                let sql = format!("ALTER TABLE runs ADD COLUMN {column}");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&pool)
                    .await
                    .map_err(|e| err(&e))?;
            }
        }
        Ok(Journal { pool, path: p })
    }

    /// The journal's database, for the tables other tasks keep (order bindings, the exception
    /// queue, the УНП register). Each task creates its own tables.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub(crate) fn err(&self, e: sqlx::Error) -> JournalError {
        JournalError {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    /// Everything pushed for a server, by good.
    pub async fn pushed(&self, server: &str) -> Result<HashMap<i64, Pushed>, JournalError> {
        let rows = sqlx::query("SELECT good_id, product_id, variant_id, key, quantity, price FROM pushed WHERE server = ?")
            .bind(server.to_owned())
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
        let dec = |s: Option<String>| s.and_then(|s| Decimal::from_str(&s).ok());
        Ok(rows
            .into_iter()
            .map(|r| {
                let p = Pushed {
                    good_id: r.get(0),
                    product_id: r.get(1),
                    variant_id: r.get(2),
                    key: r.get(3),
                    quantity: dec(r.get(4)),
                    price: dec(r.get(5)),
                };
                (p.good_id, p)
            })
            .collect())
    }

    /// Remember what the shop now holds for a good (right after the shop accepted it).
    pub async fn record_push(&self, server: &str, p: &Pushed) -> Result<(), JournalError> {
        sqlx::query(
            "INSERT INTO pushed (server, good_id, product_id, variant_id, key, quantity, price, pushed_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (server, good_id) DO UPDATE SET product_id = excluded.product_id, \
             variant_id = excluded.variant_id, key = excluded.key, quantity = excluded.quantity, price = excluded.price, \
             pushed_at = excluded.pushed_at",
        )
        .bind(server.to_owned())
        .bind(p.good_id)
        .bind(p.product_id.clone())
        .bind(p.variant_id.clone())
        .bind(p.key.clone())
        .bind(p.quantity.map(|d| d.normalize().to_string()))
        .bind(p.price.map(|d| d.normalize().to_string()))
        .bind(Utc::now().to_rfc3339())
        .execute(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Forget the quantity the shop was last given of these goods (what is kept of them
    /// otherwise stays): the shop changed it itself — a shopper's checkout took the goods — so
    /// the next export gives it the warehouse's quantity, whatever the warehouse holds then.
    pub async fn forget_pushed_quantities(
        &self,
        server: &str,
        goods: &[i64],
    ) -> Result<(), JournalError> {
        for good in goods {
            sqlx::query("UPDATE pushed SET quantity = NULL WHERE server = ? AND good_id = ?")
                .bind(server.to_owned())
                .bind(*good)
                .execute(&self.pool)
                .await
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    pub async fn forget_push(&self, server: &str, good_id: i64) -> Result<(), JournalError> {
        sqlx::query("DELETE FROM pushed WHERE server = ? AND good_id = ?")
            .bind(server.to_owned())
            .bind(good_id)
            .execute(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Forget everything kept for a server: pushes, order bindings, the exception queue and the
    /// order watermark (the run history stays). For a server whose shop or database was
    /// replaced, e.g. the demo's, which starts afresh each time.
    pub async fn forget_server(&self, server: &str) -> Result<(), JournalError> {
        for table in ["pushed", "order_bindings", "order_queue", "order_watermark"] {
            let sql = format!("DELETE FROM {table} WHERE server = ?");
            match sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(server.to_owned())
                .execute(&self.pool)
                .await
            {
                Ok(_) => {}
                // A table the orders import has not created yet holds nothing to forget.
                Err(e) if e.to_string().contains("no such table") => {}
                Err(e) => return Err(self.err(e)),
            }
        }
        Ok(())
    }

    pub async fn record_run(
        &self,
        server: &str,
        task: Task,
        started_at: DateTime<Utc>,
        outcome: &Result<RunSummary, Failure>,
    ) -> Result<(), JournalError> {
        let (ok, dry_run, counts, problems, failure) = match outcome {
            Ok(s) => (
                true,
                s.dry_run,
                RunCounts::of(s),
                serde_json::to_string(&s.problems).unwrap_or_default(),
                None,
            ),
            Err(f) => (
                false,
                false,
                RunCounts::default(),
                "[]".to_owned(),
                Some(serde_json::to_string(f).unwrap_or_default()),
            ),
        };
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        sqlx::query(
            "INSERT INTO runs (server, task, started_at, finished_at, ok, dry_run, summary, created, updated, \
             unchanged, deactivated, skipped, problems, failure) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(server.to_owned())
        .bind(task_key(task))
        .bind(started_at.to_rfc3339())
        .bind(Utc::now().to_rfc3339())
        .bind(ok)
        .bind(dry_run)
        .bind(problems)
        .bind(n(counts.created))
        .bind(n(counts.updated))
        .bind(n(counts.unchanged))
        .bind(n(counts.deactivated))
        .bind(n(counts.skipped))
        .bind(n(counts.problems))
        .bind(failure)
        .execute(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The latest runs of a server, newest first.
    pub async fn runs(&self, server: &str, limit: i64) -> Result<Vec<RunRecord>, JournalError> {
        let rows = sqlx::query(
            "SELECT id, server, task, started_at, finished_at, ok, dry_run, summary, created, updated, unchanged, \
             deactivated, skipped, problems, failure FROM runs WHERE server = ? ORDER BY id DESC LIMIT ?",
        )
        .bind(server.to_owned())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        let ts = |s: String| {
            DateTime::parse_from_rfc3339(&s)
                .map(|d| d.with_timezone(&Utc))
                .unwrap_or_default()
        };
        Ok(rows
            .into_iter()
            .map(|r| {
                let ok: bool = r.get(5);
                let text: String = r.get(7);
                let typed: Option<i64> = r.get(13);
                let (counts, failure) = match (ok, typed) {
                    (true, Some(problems)) => {
                        let n = |i: usize| {
                            u64::try_from(r.get::<Option<i64>, _>(i).unwrap_or(0)).unwrap_or(0)
                        };
                        let counts = RunCounts {
                            created: n(8),
                            updated: n(9),
                            unchanged: n(10),
                            deactivated: n(11),
                            skipped: n(12),
                            problems: u64::try_from(problems).unwrap_or(0),
                        };
                        (counts, None)
                    }
                    // A row of an earlier journal: the whole summary as JSON.
                    (true, None) => {
                        let summary: Option<RunSummary> = serde_json::from_str(&text).ok();
                        (
                            summary.as_ref().map(RunCounts::of).unwrap_or_default(),
                            None,
                        )
                    }
                    (false, _) => {
                        let failure = r
                            .get::<Option<String>, _>(14)
                            .and_then(|f| serde_json::from_str(&f).ok())
                            .unwrap_or(Failure::Recorded { text });
                        (RunCounts::default(), Some(failure))
                    }
                };
                RunRecord {
                    id: r.get(0),
                    server: r.get(1),
                    task: task_of(&r.get::<String, _>(2)),
                    started_at: ts(r.get(3)),
                    finished_at: ts(r.get(4)),
                    ok,
                    dry_run: r.get(6),
                    counts,
                    failure,
                }
            })
            .collect())
    }

    /// The problems of one run (the history's export lists them).
    pub async fn run_problems(&self, run: i64) -> Result<Vec<ItemProblem>, JournalError> {
        let text: Option<String> = sqlx::query_scalar("SELECT summary FROM runs WHERE id = ?")
            .bind(run)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
        let Some(text) = text else {
            return Ok(Vec::new());
        };
        // Rows of an earlier journal hold the whole summary.
        Ok(serde_json::from_str::<Vec<ItemProblem>>(&text)
            .or_else(|_| serde_json::from_str::<RunSummary>(&text).map(|s| s.problems))
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{ExportProblem, Item};

    #[tokio::test]
    async fn the_history_is_typed_and_reads_older_rows() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::open(&dir.path().join("j.db")).await.unwrap();
        let summary = RunSummary {
            created: 3,
            updated: 2,
            skipped: 1,
            problems: vec![ItemProblem::new(
                Item::GoodsGroup { id: 7 },
                ExportProblem::GoodsGroupGone,
            )],
            ..Default::default()
        };
        j.record_run("s1", Task::Export, Utc::now(), &Ok(summary))
            .await
            .unwrap();
        j.record_run("s1", Task::QueueRetry, Utc::now(), &Err(Failure::Stopped))
            .await
            .unwrap();
        // Rows as an earlier journal wrote them: the Bulgarian label of the task, the summary
        // as JSON, a failure as text.
        sqlx::query(
            "INSERT INTO runs (server, task, started_at, finished_at, ok, dry_run, summary) VALUES ('s1', ?, ?, ?, 0, 0, 'няма връзка')",
        )
        .bind("Експорт от Склад Pro")
        .bind(Utc::now().to_rfc3339())
        .bind(Utc::now().to_rfc3339())
        .execute(j.pool())
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO runs (server, task, started_at, finished_at, ok, dry_run, summary) VALUES ('s1', ?, ?, ?, 1, 1, '{\"created\":4,\"updated\":0,\"unchanged\":0,\"deactivated\":0,\"skipped\":0,\"problems\":[],\"dry_run\":true}')",
        )
        .bind("Импорт от CloudCart")
        .bind(Utc::now().to_rfc3339())
        .bind(Utc::now().to_rfc3339())
        .execute(j.pool())
        .await
        .unwrap();
        let stored: Vec<String> = sqlx::query_scalar("SELECT task FROM runs ORDER BY id")
            .fetch_all(j.pool())
            .await
            .unwrap();
        assert_eq!(stored[..2], ["export".to_owned(), "queue_retry".to_owned()]);
        let runs = j.runs("s1", 10).await.unwrap();
        assert_eq!(runs[0].task, Some(Task::OrderImport));
        assert!(runs[0].dry_run && runs[0].ok);
        assert_eq!(runs[0].counts.created, 4);
        assert_eq!(runs[1].task, Some(Task::Export));
        assert_eq!(
            runs[1].failure,
            Some(Failure::Recorded {
                text: "няма връзка".into()
            })
        );
        assert_eq!(runs[2].task, Some(Task::QueueRetry));
        assert_eq!(runs[2].failure, Some(Failure::Stopped));
        assert_eq!(runs[3].task, Some(Task::Export));
        let problems = j.run_problems(runs[3].id).await.unwrap();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].item, Item::GoodsGroup { id: 7 });
        assert_eq!(
            runs[3].counts,
            RunCounts {
                created: 3,
                updated: 2,
                skipped: 1,
                problems: 1,
                ..Default::default()
            }
        );
    }
}
