//! What the engine tells whoever watches it (the window, the headless runner): progress, per-item
//! errors with their fix, log lines and run summaries. Sending never blocks.

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::report::{Failure, Item, Note, Phase, Problem};

/// The sync tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Експорт от Склад Pro.
    Export,
    /// Изтегляне на стоки от CloudCart (one-time product pull).
    ProductPull,
    /// Проверка съответствие на стоките.
    Correspondence,
    /// Импорт от CloudCart: orders and customers into Склад Pro.
    OrderImport,
    /// „Опитай пак“: the orders waiting for a person, imported again.
    QueueRetry,
    /// The nightly reconciliation: every shop variant's quantity and price compared with the
    /// warehouse, differences written.
    Reconcile,
}

impl Task {
    pub const ALL: [Task; 6] = [
        Task::Export,
        Task::ProductPull,
        Task::Correspondence,
        Task::OrderImport,
        Task::QueueRetry,
        Task::Reconcile,
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Info,
    Warning,
    Error,
}

/// A problem with one item: what it is, and what is wrong (the app says what to do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemProblem {
    pub item: Item,
    pub problem: Problem,
}

impl ItemProblem {
    pub fn new(item: Item, problem: impl Into<Problem>) -> ItemProblem {
        ItemProblem {
            item,
            problem: problem.into(),
        }
    }
}

/// Counters of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSummary {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub deactivated: u64,
    pub skipped: u64,
    pub problems: Vec<ItemProblem>,
    pub dry_run: bool,
}

impl RunSummary {
    /// Record a problem with one item and tell the reporter about it.
    pub fn report(
        &mut self,
        reporter: &Reporter,
        level: Level,
        item: Item,
        problem: impl Into<Problem>,
    ) {
        let problem = ItemProblem::new(item, problem);
        reporter.item(level, problem.clone());
        self.problems.push(problem);
    }

    pub fn written(&self) -> u64 {
        self.created + self.updated + self.deactivated
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Started {
        task: Task,
        dry_run: bool,
    },
    Phase {
        task: Task,
        phase: Phase,
    },
    Progress {
        task: Task,
        done: u64,
        total: u64,
    },
    Item {
        task: Task,
        level: Level,
        problem: ItemProblem,
    },
    Log {
        task: Task,
        level: Level,
        note: Note,
    },
    Finished {
        task: Task,
        summary: RunSummary,
    },
    Failed {
        task: Task,
        failure: Failure,
    },
}

/// Where a task reports; dropping the receiver never stops a task.
#[derive(Debug, Clone)]
pub struct Reporter {
    task: Task,
    tx: Option<mpsc::UnboundedSender<Event>>,
    stop: CancellationToken,
}

impl Reporter {
    pub fn new(task: Task, tx: mpsc::UnboundedSender<Event>) -> Reporter {
        Reporter {
            task,
            tx: Some(tx),
            stop: CancellationToken::new(),
        }
    }

    /// Let cancelling `stop` end the task: between items, and within moments during any wait
    /// for the shop (the shop client is built with the same token, see
    /// [`crate::shop_client_stopped_by`]).
    pub fn with_stop(mut self, stop: CancellationToken) -> Reporter {
        self.stop = stop;
        self
    }

    /// Whether the user asked the task to stop; tasks check it between items and end with
    /// [`crate::EngineError::Stopped`].
    pub fn is_stopped(&self) -> bool {
        self.stop.is_cancelled()
    }

    /// The token that stops this task.
    pub fn stop_token(&self) -> &CancellationToken {
        &self.stop
    }

    /// A reporter nobody listens to.
    pub fn silent(task: Task) -> Reporter {
        Reporter {
            task,
            tx: None,
            stop: CancellationToken::new(),
        }
    }

    pub fn task(&self) -> Task {
        self.task
    }

    pub fn send(&self, event: Event) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(event);
        }
    }
    pub fn phase(&self, phase: Phase) {
        self.send(Event::Phase {
            task: self.task,
            phase,
        });
    }
    pub fn progress(&self, done: u64, total: u64) {
        self.send(Event::Progress {
            task: self.task,
            done,
            total,
        });
    }
    pub fn log(&self, level: Level, note: impl Into<Note>) {
        self.send(Event::Log {
            task: self.task,
            level,
            note: note.into(),
        });
    }
    pub fn item(&self, level: Level, problem: ItemProblem) {
        self.send(Event::Item {
            task: self.task,
            level,
            problem,
        });
    }
}
