//! One importer per server at a time: an OS lock on a file next to the journal, held for the
//! whole run. The operating system releases it when the process ends, however it ends (a kill,
//! a power cut), so a crashed copy never blocks the next one. A second copy waits for the first
//! to finish and then finds its orders already imported.
//!
//! This guards copies that share the journal (one installation). Copies on different machines
//! (or with different data folders) writing the same Склад Pro database are kept apart by the
//! claim each order's document is written under, in the warehouse's own transaction
//! ([`super::order_claim`]); see the module documentation.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use sqlx::Row as _;

use crate::error::EngineError;
use crate::events::{Level, Reporter};
use crate::journal::{Journal, JournalError};
use crate::report::OrderNote;

/// How long a second copy waits for the first before giving up.
pub const LOCK_WAIT: Duration = Duration::from_secs(300);

/// The held lock; dropping it releases it.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

async fn lock_path(journal: &Journal, server_id: &str) -> Result<PathBuf, EngineError> {
    let row = sqlx::query("SELECT file FROM pragma_database_list WHERE name = 'main'")
        .fetch_optional(journal.pool())
        .await
        .map_err(|e| journal.err(e))?;
    let file: String = row.map(|r| r.get(0)).unwrap_or_default();
    let safe: String = server_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    Ok(if file.is_empty() {
        std::env::temp_dir().join(format!("skladsync-import-{safe}.lock"))
    } else {
        PathBuf::from(format!("{file}.import-{safe}.lock"))
    })
}

impl RunLock {
    /// Take the import lock of a server, waiting up to [`LOCK_WAIT`] for another copy.
    pub async fn acquire(
        journal: &Journal,
        server_id: &str,
        reporter: &Reporter,
    ) -> Result<RunLock, EngineError> {
        let path = lock_path(journal, server_id).await?;
        let fail = |message: String| {
            EngineError::Journal(JournalError {
                path: path.display().to_string(),
                message,
            })
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| fail(format!("cannot open the import lock: {e}")))?;
        let started = Instant::now();
        let mut told = false;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(RunLock { _file: file }),
                Err(TryLockError::WouldBlock) => {
                    if !told {
                        reporter.log(Level::Info, OrderNote::WaitingForOtherCopy);
                        told = true;
                    }
                    if reporter.is_stopped() {
                        return Err(EngineError::Stopped);
                    }
                    if started.elapsed() > LOCK_WAIT {
                        return Err(fail(
                            "another copy of skladsync has been importing orders for this server for minutes; \
                             try again when it finishes"
                                .into(),
                        ));
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(TryLockError::Error(e)) => {
                    return Err(fail(format!("cannot take the import lock: {e}")));
                }
            }
        }
    }
}
