//! One loop per server that runs its work one job at a time: a job asked for now, then the task
//! groups whose start mode says they are due — the order import before the export, so that the
//! shop is never sent stock an order already took. A group in the continuous mode comes back
//! every few seconds as a quiet poll that writes only what changed.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Local;
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::events::Task;
use crate::protocol::{RunId, ServerId};
use crate::settings::{Server, StartMode};

/// The order in which due task groups run: orders come in before stock goes out.
const GROUP_ORDER: [Task; 3] = [Task::OrderImport, Task::Export, Task::Reconcile];

/// One unit of work for a task runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub task: Task,
    pub dry_run: bool,
    /// For [`Task::QueueRetry`]: the one order to retry (`None`: every queued order).
    pub order: Option<String>,
    /// A poll of the continuous mode: the task writes only what changed since the last poll,
    /// and a poll that found nothing is neither shown nor kept in the history.
    pub poll: bool,
    /// For [`Task::OrderImport`]: import the orders the shop delivered by webhook (kept in the
    /// journal's inbox), not a listing. Quiet as a poll when they were all handled already.
    pub delivered: bool,
}

impl Job {
    pub fn new(task: Task, dry_run: bool) -> Job {
        Job {
            task,
            dry_run,
            order: None,
            poll: false,
            delivered: false,
        }
    }

    /// The orders the shop delivered by webhook.
    pub fn delivered() -> Job {
        Job {
            poll: true,
            delivered: true,
            ..Job::new(Task::OrderImport, false)
        }
    }

    fn poll(task: Task) -> Job {
        Job {
            poll: true,
            ..Job::new(task, false)
        }
    }
}

/// What a server's loop has to do.
#[derive(Default)]
pub(crate) struct Plan {
    /// Jobs asked for now, each with the run id already given out.
    pub now: VecDeque<(RunId, Job)>,
    /// The task groups on a schedule: when each is due next, and the run id its next run takes
    /// (given out when it was asked for).
    pub groups: BTreeMap<Task, (Instant, Option<RunId>)>,
    /// A job is running now.
    pub busy: bool,
    /// When the orders the shop delivered are imported next (`None`: none wait).
    pub deliveries: Option<Instant>,
    /// The server's webhook receiver listens: the loop stays, waiting for deliveries, while no
    /// group is on the schedule.
    pub receiving: bool,
}

impl Plan {
    /// Orders were delivered: a delivery job is due now.
    pub fn delivered(&mut self) {
        self.deliveries = Some(Instant::now());
    }
}

/// How long after a failed delivery job the orders waiting in the inbox are tried again.
pub(crate) const DELIVERY_RETRY: Duration = Duration::from_secs(60);

/// A server's loop: its stop token, its plan, a bell for new work, and its webhook receiver.
#[derive(Clone)]
pub(crate) struct Slot {
    pub stop: CancellationToken,
    pub plan: Arc<Mutex<Plan>>,
    pub bell: Arc<Notify>,
    /// The receiver's task, while it runs; it ends with `stop`, or when the loop ends.
    pub receiver: Arc<Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

impl Slot {
    pub fn new() -> Slot {
        Slot {
            stop: CancellationToken::new(),
            plan: Arc::default(),
            bell: Arc::new(Notify::new()),
            receiver: Arc::default(),
        }
    }

    /// Orders were delivered: the loop runs a delivery job next.
    pub fn ring_delivered(&self) {
        self.plan.lock().expect("plan").delivered();
        self.bell.notify_one();
    }
}

pub(crate) fn start_mode(server: &Server, task: Task) -> StartMode {
    match task {
        Task::Export => server.export.start,
        Task::Reconcile => match server.export.reconcile_at {
            Some(t) => StartMode::AtTime {
                hour: t.hour,
                minute: t.minute,
            },
            None => StartMode::OnServerStart,
        },
        _ => server.import.start,
    }
}

/// How long to wait before the next run of a start mode (`None`: now, once).
pub fn wait_before(mode: StartMode) -> Option<Duration> {
    match mode {
        StartMode::OnServerStart => None,
        StartMode::EveryMinutes { minutes } => {
            Some(Duration::from_secs(u64::from(minutes.max(1)) * 60))
        }
        StartMode::Continuous { seconds } => Some(Duration::from_secs(u64::from(seconds.max(1)))),
        StartMode::AtTime { hour, minute } => {
            let now = Local::now();
            let at = chrono::NaiveTime::from_hms_opt(
                u32::from(hour.min(23)),
                u32::from(minute.min(59)),
                0,
            )
            .unwrap_or_default();
            let mut next = now.date_naive().and_time(at);
            if next <= now.naive_local() {
                next += chrono::Duration::days(1);
            }
            (next - now.naive_local()).to_std().ok()
        }
    }
}

/// When a group put on the schedule first runs: at once when it starts with the server or runs
/// continuously (a first full pass), else after its first wait.
pub(crate) fn first_due(mode: StartMode) -> Instant {
    match mode {
        StartMode::OnServerStart | StartMode::Continuous { .. } => Instant::now(),
        other => Instant::now() + wait_before(other).unwrap_or_default(),
    }
}

/// What the loop does next.
pub(crate) enum Next {
    Run(RunId, Job, Option<Task>),
    Wait(Instant, Task),
    /// Nothing is scheduled, but the receiver listens: wait for a delivery or the stop.
    Listen,
    Done,
}

/// The next thing to do: a job asked for now, else delivered orders, else the first due group
/// (in [`GROUP_ORDER`]), else a wait for the earliest group or the delivered orders' retry.
pub(crate) fn next(plan: &mut Plan, server: Option<&Server>) -> Next {
    if let Some((run, job)) = plan.now.pop_front() {
        return Next::Run(run, job, None);
    }
    let now = Instant::now();
    if plan.deliveries.is_some_and(|at| at <= now) {
        plan.deliveries = None;
        return Next::Run(RunId::next(), Job::delivered(), None);
    }
    let order = |t: &Task| {
        GROUP_ORDER
            .iter()
            .position(|g| g == t)
            .unwrap_or(usize::MAX)
    };
    let mut due: Vec<(Task, Instant)> = plan.groups.iter().map(|(t, (at, _))| (*t, *at)).collect();
    // Due groups in their order; then the groups still waiting, the soonest first.
    due.sort_by_key(|(t, at)| {
        if *at <= now {
            (false, order(t), *at)
        } else {
            (true, 0, *at)
        }
    });
    match due.first() {
        None => match plan.deliveries {
            Some(at) => Next::Wait(at, Task::OrderImport),
            None if plan.receiving => Next::Listen,
            None => Next::Done,
        },
        Some((task, at)) if *at <= now => {
            let task = *task;
            let entry = plan.groups.get_mut(&task).expect("a planned group");
            let run = entry.1.take().unwrap_or_else(RunId::next);
            let continuous = server
                .map(|s| matches!(start_mode(s, task), StartMode::Continuous { .. }))
                .unwrap_or(false);
            // A continuous group's runs are polls: the task itself makes its first one a full
            // pass (it keeps no mark yet).
            let job = if continuous {
                Job::poll(task)
            } else {
                Job::new(task, false)
            };
            Next::Run(run, job, Some(task))
        }
        Some((task, at)) => match plan.deliveries {
            Some(d) if d < *at => Next::Wait(d, Task::OrderImport),
            _ => Next::Wait(*at, *task),
        },
    }
}

/// After a group ran: when it is due again (`None`: it ran once and leaves the schedule).
pub(crate) fn reschedule(plan: &mut Plan, task: Task, mode: StartMode) {
    match wait_before(mode) {
        Some(wait) => {
            if let Some(entry) = plan.groups.get_mut(&task) {
                entry.0 = Instant::now() + wait;
            }
        }
        None => {
            plan.groups.remove(&task);
        }
    }
}

/// Waits until `at`, new work or the stop; `true` when stopped.
pub(crate) async fn wait(at: Option<Instant>, bell: &Notify, stop: &CancellationToken) -> bool {
    let sleep = async {
        match at {
            Some(at) => tokio::time::sleep_until(at).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        biased;
        () = stop.cancelled() => true,
        () = bell.notified() => stop.is_cancelled(),
        () = sleep => stop.is_cancelled(),
    }
}

/// The loops of the servers that have one.
pub(crate) type Slots = Mutex<std::collections::HashMap<ServerId, Slot>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_together_the_import_runs_before_the_export_and_a_job_asked_for_before_both() {
        let mut plan = Plan::default();
        let now = Instant::now();
        plan.groups.insert(Task::Export, (now, None));
        plan.groups.insert(Task::OrderImport, (now, None));
        plan.now
            .push_back((RunId(7), Job::new(Task::Correspondence, false)));
        let order: Vec<Task> = std::iter::from_fn(|| match next(&mut plan, None) {
            Next::Run(_, job, group) => {
                if let Some(g) = group {
                    plan.groups.remove(&g);
                }
                Some(job.task)
            }
            _ => None,
        })
        .collect();
        assert_eq!(
            order,
            [Task::Correspondence, Task::OrderImport, Task::Export]
        );
    }

    #[test]
    fn delivered_orders_come_after_a_job_asked_for_and_a_listening_loop_stays() {
        let mut plan = Plan::default();
        let later = Instant::now() + Duration::from_secs(60);
        plan.groups.insert(Task::OrderImport, (later, None));
        plan.now
            .push_back((RunId(1), Job::new(Task::Correspondence, false)));
        plan.delivered();
        assert!(
            matches!(next(&mut plan, None), Next::Run(_, j, None) if j.task == Task::Correspondence)
        );
        assert!(
            matches!(next(&mut plan, None), Next::Run(_, j, None) if j == Job::delivered() && j.poll)
        );
        // A failed delivery job is tried again before the group's next run.
        let retry = Instant::now() + Duration::from_secs(5);
        plan.deliveries = Some(retry);
        assert!(matches!(next(&mut plan, None), Next::Wait(at, Task::OrderImport) if at == retry));
        plan.deliveries = None;
        plan.groups.clear();
        assert!(matches!(next(&mut plan, None), Next::Done));
        plan.receiving = true;
        assert!(matches!(next(&mut plan, None), Next::Listen));
    }

    #[test]
    fn a_group_not_yet_due_is_waited_for_and_a_one_time_group_leaves() {
        let mut plan = Plan::default();
        let later = Instant::now() + Duration::from_secs(60);
        plan.groups.insert(Task::Export, (later, None));
        assert!(matches!(next(&mut plan, None), Next::Wait(at, Task::Export) if at == later));
        // The soonest is waited for, whatever its order among the groups.
        let soon = Instant::now() + Duration::from_secs(5);
        plan.groups.insert(Task::OrderImport, (later, None));
        plan.groups.insert(Task::Export, (soon, None));
        assert!(matches!(next(&mut plan, None), Next::Wait(at, Task::Export) if at == soon));
        plan.groups.remove(&Task::OrderImport);
        reschedule(&mut plan, Task::Export, StartMode::OnServerStart);
        assert!(matches!(next(&mut plan, None), Next::Done));
        assert_eq!(
            wait_before(StartMode::Continuous { seconds: 5 }),
            Some(Duration::from_secs(5))
        );
    }
}
