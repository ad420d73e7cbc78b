//! One entry point per task: open both sides, check the settings, run, report.

use std::sync::Arc;

use chrono::Utc;
use skladsync_warehouse::Warehouse;

use crate::connect::{open_warehouse, shop_client_stopped_by};
use crate::correspondence::{MatchStatus, check};
use crate::error::EngineError;
use crate::events::{ItemProblem, Level, Reporter, RunSummary, Task};
use crate::journal::Journal;
use crate::report::{Failure, Item, Note, Phase};
use crate::runner::TaskRunner;
use crate::schedule::Job;
use crate::secrets::SecretStore;
use crate::settings::{Server, SettingsFile};
use crate::validate::validate;

/// Run one job of the engine to the end. A clean product pull is turned off by the engine, the
/// only writer of the settings.
pub(crate) async fn run_job(
    server: &Server,
    job: &Job,
    reporter: &Reporter,
    secrets: &dyn SecretStore,
    journal: &Journal,
) -> Result<RunSummary, EngineError> {
    run(server, job, reporter, secrets, journal, None).await
}

/// Run one task of a server to the end (headless, without an engine).
pub async fn run_task(
    server: &Server,
    task: Task,
    dry_run: bool,
    reporter: &Reporter,
    secrets: &dyn SecretStore,
    journal: &Journal,
    settings: &SettingsFile,
) -> Result<RunSummary, EngineError> {
    let job = Job::new(task, dry_run);
    run(server, &job, reporter, secrets, journal, Some(settings)).await
}

async fn run(
    server: &Server,
    job: &Job,
    reporter: &Reporter,
    secrets: &dyn SecretStore,
    journal: &Journal,
    settings: Option<&SettingsFile>,
) -> Result<RunSummary, EngineError> {
    let (task, dry_run, order) = (job.task, job.dry_run, job.order.as_deref());
    reporter.phase(Phase::Connecting);
    let wh = open_warehouse(server, secrets).await?;
    let shop = shop_client_stopped_by(server, secrets, reporter.stop_token().clone())?;
    // A retry imports orders: the import's settings are checked.
    let checked_as = if task == Task::QueueRetry {
        Task::OrderImport
    } else {
        task
    };
    // A poll is checked once, on its first (full) pass; then it reads as little as it can.
    let settled = job.poll
        && task == Task::Export
        && crate::watch::kept_mark(journal, &server.id)
            .await?
            .is_some();
    if !settled {
        checked(&wh, server, checked_as).await?;
    }
    match task {
        Task::Export if job.poll && !dry_run => {
            crate::watch::poll_export(&wh, &shop, journal, server, reporter).await
        }
        Task::Export => {
            crate::export::run_export(&wh, &shop, journal, server, reporter, dry_run).await
        }
        // Orders first: the shop's own decrements of orders not yet imported are not undone.
        Task::Reconcile => {
            let mut summary = if server.import.enabled {
                crate::orders::run_import(&wh, &shop, journal, server, reporter, false, None)
                    .await?
            } else {
                RunSummary::default()
            };
            let r = crate::export::reconcile(&wh, &shop, journal, server, reporter).await?;
            summary.created += r.created;
            summary.updated += r.updated;
            summary.unchanged += r.unchanged;
            summary.deactivated += r.deactivated;
            summary.skipped += r.skipped;
            summary.problems.extend(r.problems);
            Ok(summary)
        }
        Task::ProductPull => {
            crate::pull::run_pull(&wh, &shop, server, settings, reporter, dry_run).await
        }
        Task::Correspondence => {
            let rows = check(&wh, &shop, server, reporter).await?;
            let mut summary = RunSummary {
                dry_run: true,
                ..Default::default()
            };
            for r in &rows {
                match r.status {
                    MatchStatus::Matched => summary.unchanged += 1,
                    _ => {
                        summary.skipped += 1;
                        summary.problems.push(ItemProblem::new(
                            Item::Pair {
                                key: r.key.clone(),
                                good: r.good_id,
                                variant: r.shop_variant_id.clone(),
                            },
                            r.status,
                        ));
                    }
                }
            }
            reporter.log(
                Level::Info,
                Note::CheckCounts {
                    matched: summary.unchanged,
                    mismatched: summary.skipped,
                },
            );
            Ok(summary)
        }
        Task::OrderImport if job.delivered => {
            crate::webhooks::import_inbox(&wh, &shop, journal, server, reporter).await
        }
        Task::OrderImport => {
            crate::orders::run_import(&wh, &shop, journal, server, reporter, dry_run, None).await
        }
        Task::QueueRetry => match order {
            Some(id) => {
                crate::orders::retry_queued(&wh, &shop, journal, server, id, reporter, dry_run)
                    .await
            }
            None => {
                crate::orders::retry_all_queued(&wh, &shop, journal, server, reporter, dry_run)
                    .await
            }
        },
    }
}

/// Refuse to run with settings that are wrong for this database.
async fn checked(wh: &Warehouse, server: &Server, task: Task) -> Result<(), EngineError> {
    let problems = validate(wh, server, task).await?;
    if problems.is_empty() {
        Ok(())
    } else {
        Err(EngineError::InvalidSettings(problems))
    }
}

/// The task functions of the engine, wired to real databases and shops.
pub fn default_task_runner(secrets: Arc<dyn SecretStore>, journal: Journal) -> TaskRunner {
    Arc::new(move |server: Server, job: Job, reporter: Reporter| {
        Box::pin(run_and_record(
            server,
            job,
            reporter,
            secrets.clone(),
            journal.clone(),
        ))
    })
}

/// Owned arguments, so that the future is `Send` for the runner's `'static` box.
async fn run_and_record(
    server: Server,
    job: Job,
    reporter: Reporter,
    secrets: Arc<dyn SecretStore>,
    journal: Journal,
) -> Result<RunSummary, EngineError> {
    let started = Utc::now();
    let result = run_job(&server, &job, &reporter, &*secrets, &journal).await;
    let record = match &result {
        Ok(s) => Ok(s.clone()),
        Err(e) => Err(e.failure()),
    };
    // A poll that found nothing is not kept: the history lists what happened.
    if !(job.poll && is_idle(&record)) {
        journal
            .record_run(&server.id, job.task, started, &record)
            .await?;
    }
    result
}

/// A run that found nothing to do: a poll that ends so is not shown or kept.
pub(crate) fn is_idle(result: &Result<RunSummary, Failure>) -> bool {
    matches!(result, Ok(s) if s.written() == 0 && s.problems.is_empty() && s.skipped == 0)
}
