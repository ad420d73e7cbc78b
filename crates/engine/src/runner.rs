//! The engine as a service: it owns the settings (the only writer of `settings.json`), the
//! journal, the secrets and every run. [`Engine::execute`] takes a [`Command`] and answers with a
//! [`Reply`]; runs report [`Update`]s to every subscriber and keep a [`Status`] snapshot. The
//! window drives it through an [`EngineHandle`]; `skladsync serve` puts the same engine behind
//! its control endpoint ([`crate::control`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::{Local, Utc};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::error::EngineError;
use crate::events::{Event, Reporter, RunSummary, Task};
use crate::journal::Journal;
use crate::protocol::{
    Command, LastPush, Refusal, Reply, RunEvent, RunId, ServerId, ServerStatus, Status, Update,
};
use crate::report::Failure;
use crate::schedule::{self, DELIVERY_RETRY, Job, Next, Slot, Slots, first_due, start_mode};
use crate::secrets::SecretStore;
use crate::settings::{Server, Settings, SettingsError, SettingsFile};
use crate::tasks::is_idle;
use crate::webhooks::{Desk, ReceiverState, ReceiverStatus};

/// Runs one job; the engine's task functions behind a seam so that the engine can be tested.
pub type TaskRunner = Arc<
    dyn Fn(
            Server,
            Job,
            Reporter,
        ) -> futures::future::BoxFuture<'static, Result<RunSummary, EngineError>>
        + Send
        + Sync,
>;

/// Called whenever something changed (e.g. `egui::Context::request_repaint`).
pub type Waker = Box<dyn Fn() + Send + Sync>;

/// What the engine is built from.
pub struct EngineConfig {
    pub settings: SettingsFile,
    pub run_task: TaskRunner,
    pub secrets: Arc<dyn SecretStore>,
    pub journal: Option<Journal>,
    /// Called whenever something changed (e.g. `egui::Context::request_repaint`).
    pub waker: Waker,
}

/// The engine. Cheap to clone; every clone is the same engine.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    file: SettingsFile,
    settings: RwLock<Settings>,
    /// Why the settings must not be written (a damaged or newer file).
    read_only: Option<String>,
    run_task: TaskRunner,
    secrets: Arc<dyn SecretStore>,
    journal: Option<Journal>,
    waker: Waker,
    status: watch::Sender<Status>,
    subscribers: Mutex<Vec<mpsc::UnboundedSender<Update>>>,
    /// The loop of each server that is running or waiting for its next scheduled run;
    /// cancelling its stop token also ends any wait for the shop within moments.
    slots: Slots,
}

impl Inner {
    fn update(&self, server: &ServerId, f: impl FnOnce(&mut ServerStatus)) {
        self.status
            .send_modify(|s| f(s.servers.entry(server.clone()).or_default()));
        (self.waker)();
    }

    fn publish(&self, update: Update) {
        let mut subs = self.subscribers.lock().expect("subscribers");
        subs.retain(|tx| tx.send(update.clone()).is_ok());
        drop(subs);
        (self.waker)();
    }

    fn server(&self, id: &ServerId) -> Option<Server> {
        self.settings
            .read()
            .expect("settings")
            .servers
            .iter()
            .find(|s| s.id == id.as_str())
            .cloned()
    }
}

impl Engine {
    /// Start the engine on the current tokio runtime. The settings are read once here; from
    /// now on the engine is their only writer.
    pub fn new(config: EngineConfig) -> Engine {
        let (settings, read_only) = match config.settings.load() {
            Ok(s) => (s, None),
            // A damaged or newer file: the reason says it is left as it is.
            Err(e) if e.is_unusable_file() => (
                Settings::default(),
                Some(SettingsError::NotOverwritten(Box::new(e)).to_string()),
            ),
            Err(e) => (Settings::default(), Some(e.to_string())),
        };
        let (status, _) = watch::channel(Status::default());
        Engine {
            inner: Arc::new(Inner {
                file: config.settings,
                settings: RwLock::new(settings),
                read_only,
                run_task: config.run_task,
                secrets: config.secrets,
                journal: config.journal,
                waker: config.waker,
                status,
                subscribers: Mutex::new(Vec::new()),
                slots: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Every update from now on, in order.
    pub fn subscribe(&self) -> mpsc::UnboundedReceiver<Update> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.inner.subscribers.lock().expect("subscribers").push(tx);
        rx
    }

    pub fn status(&self) -> Status {
        self.inner.status.borrow().clone()
    }

    pub fn watch_status(&self) -> watch::Receiver<Status> {
        self.inner.status.subscribe()
    }

    pub fn settings(&self) -> Settings {
        self.inner.settings.read().expect("settings").clone()
    }

    /// Why the settings cannot be written, when they cannot.
    pub fn read_only(&self) -> Option<&str> {
        self.inner.read_only.as_deref()
    }

    pub fn settings_file(&self) -> &SettingsFile {
        &self.inner.file
    }

    /// Tell whoever watches that something changed.
    pub(crate) fn wake(&self) {
        (self.inner.waker)();
    }

    /// Whether any server runs a task or waits for its next scheduled run.
    pub fn busy(&self) -> bool {
        !self.inner.slots.lock().expect("slots").is_empty()
    }

    /// Stop every server and wait (up to `within`) until every run has ended between items.
    pub async fn shutdown(&self, within: Duration) -> bool {
        self.stop_all();
        let deadline = tokio::time::Instant::now() + within;
        while self.busy() {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        true
    }

    fn stop_all(&self) {
        for slot in self.inner.slots.lock().expect("slots").values() {
            slot.stop.cancel();
        }
    }

    /// Carry out one command.
    pub async fn execute(&self, command: Command) -> Reply {
        let command = match self.execute_now(command) {
            Ok(reply) => return reply,
            Err(command) => command,
        };
        match self.execute_later(command).await {
            Ok(r) => r,
            Err(refusal) => Reply::refused(refusal),
        }
    }

    /// Carry out a command that needs no waiting (starting and stopping runs, the settings),
    /// in the order given; the others come back to be awaited with [`Engine::execute`]. Must be
    /// called within the engine's tokio runtime.
    pub fn execute_now(&self, command: Command) -> Result<Reply, Command> {
        if !command.is_immediate() {
            return Err(command);
        }
        let inner = &self.inner;
        let result = match command {
            Command::Start {
                server,
                task,
                dry_run,
                scheduled,
            } => self
                .start(&server, Job::new(task, dry_run), scheduled)
                .map(|run| Reply::Started { server, run }),
            Command::Stop { server } => {
                if let Some(slot) = inner.slots.lock().expect("slots").get(&server) {
                    slot.stop.cancel();
                }
                Ok(Reply::Done)
            }
            Command::StartEnabled => {
                let mut runs = Vec::new();
                for s in self.settings().servers {
                    let id = ServerId::of(&s);
                    for (enabled, task) in [
                        (s.import.enabled, Task::OrderImport),
                        (s.export.enabled, Task::Export),
                        (
                            s.export.enabled && s.export.reconcile_at.is_some(),
                            Task::Reconcile,
                        ),
                    ] {
                        if enabled && let Ok(run) = self.start(&id, Job::new(task, false), true) {
                            runs.push((id.clone(), task, run));
                        }
                    }
                }
                Ok(Reply::StartedMany { runs })
            }
            Command::StopAll => {
                self.stop_all();
                Ok(Reply::Done)
            }
            Command::Settings => Ok(Reply::Settings {
                settings: self.settings(),
            }),
            Command::SaveServer { server } => self
                .change_settings(|all| {
                    match all.servers.iter_mut().find(|s| s.id == server.id) {
                        Some(s) => *s = *server,
                        None => all.servers.push(*server),
                    }
                    Ok(())
                })
                .map(|()| Reply::Done),
            Command::RenameServer { server, name } => {
                let name = name.trim().to_owned();
                self.change_settings(|all| {
                    let s = all
                        .servers
                        .iter_mut()
                        .find(|s| s.id == server.as_str())
                        .ok_or_else(|| Refusal::NoServer {
                            server: server.clone(),
                        })?;
                    if !name.is_empty() {
                        s.name = name;
                    }
                    Ok(())
                })
                .map(|()| Reply::Done)
            }
            Command::DeleteServer { server } => self.delete(&server).map(|()| Reply::Done),
            Command::SetSecret { name, secret } => match inner.secrets.set(&name, &secret) {
                Ok(()) => Ok(Reply::SecretSaved { name }),
                Err(e) => Err(Refusal::SecretNotSaved {
                    name,
                    reason: e.to_string(),
                }),
            },
            Command::QueueRetry { server, order } => {
                let job = Job {
                    order,
                    ..Job::new(Task::QueueRetry, false)
                };
                self.start(&server, job, false)
                    .map(|run| Reply::Started { server, run })
            }
            other => return Err(other),
        };
        Ok(result.unwrap_or_else(Reply::refused))
    }

    fn known(&self, server: &ServerId) -> Result<Server, Refusal> {
        self.inner.server(server).ok_or_else(|| Refusal::NoServer {
            server: server.clone(),
        })
    }

    fn delete(&self, server: &ServerId) -> Result<(), Refusal> {
        let inner = &self.inner;
        let s = inner.server(server).ok_or_else(|| Refusal::NoServer {
            server: server.clone(),
        })?;
        if let Some(slot) = inner.slots.lock().expect("slots").get(server) {
            slot.stop.cancel();
        }
        self.change_settings(|all| {
            all.servers.retain(|x| x.id != server.as_str());
            Ok(())
        })?;
        let _ = inner.secrets.delete(&s.shop.api_key);
        let _ = inner.secrets.delete(&s.webhook_secret());
        if let Some(p) = &s.warehouse.password {
            let _ = inner.secrets.delete(p);
        }
        inner.status.send_modify(|st| {
            st.servers.remove(server);
        });
        Ok(())
    }

    /// The commands that read the journal.
    async fn execute_later(&self, command: Command) -> Result<Reply, Refusal> {
        let inner = &self.inner;
        let journal = inner.journal.as_ref().ok_or(Refusal::NoJournal);
        match command {
            Command::QueueList { server } => {
                let s = self.known(&server)?;
                let queue = crate::orders::exception_queue(journal?, &s)
                    .await
                    .map_err(failed)?;
                Ok(Reply::Queue { server, queue })
            }
            Command::QueueDismiss {
                server,
                shop,
                order,
            } => {
                let found = crate::orders::dismiss_queued(journal?, &shop, &order)
                    .await
                    .map_err(failed)?;
                Ok(Reply::Dismissed { server, found })
            }
            Command::History { server, limit } => {
                let runs = journal?
                    .runs(server.as_str(), i64::from(limit))
                    .await
                    .map_err(failed)?;
                Ok(Reply::History { server, runs })
            }
            Command::TestWarehouse { server, probe } => {
                let s = self.known(&server)?;
                let result = crate::lookups::warehouse_info(&s, &*inner.secrets).await;
                Ok(Reply::Warehouse {
                    server,
                    probe,
                    result,
                })
            }
            Command::TestShop { server, probe } => {
                let s = self.known(&server)?;
                let result = crate::lookups::shop_info(&s, &*inner.secrets).await;
                Ok(Reply::Shop {
                    server,
                    probe,
                    result,
                })
            }
            Command::LoadGoods { server, probe } => {
                let s = self.known(&server)?;
                let result = crate::lookups::goods_choices(&s, &*inner.secrets).await;
                Ok(Reply::Goods {
                    server,
                    probe,
                    result,
                })
            }
            Command::ActivateWebhooks { server } => {
                let s = self.known(&server)?;
                let result = crate::webhooks::webhook_state(&s, &*inner.secrets, true).await;
                Ok(Reply::Webhooks { server, result })
            }
            Command::WebhookState { server } => {
                let s = self.known(&server)?;
                let result = crate::webhooks::webhook_state(&s, &*inner.secrets, false).await;
                Ok(Reply::Webhooks { server, result })
            }
            Command::Check { server } => {
                let s = self.known(&server)?;
                let reporter = Reporter::silent(Task::Correspondence);
                let result =
                    crate::lookups::correspondence_rows(&s, &*inner.secrets, &reporter).await;
                Ok(Reply::Check { server, result })
            }
            other => Ok(self
                .execute_now(other)
                .unwrap_or_else(|c| Reply::refused(failed(format!("unhandled {c:?}"))))),
        }
    }

    /// Change the settings in memory, save them, and tell every subscriber.
    fn change_settings(
        &self,
        f: impl FnOnce(&mut Settings) -> Result<(), Refusal>,
    ) -> Result<(), Refusal> {
        let inner = &self.inner;
        if let Some(reason) = &inner.read_only {
            return Err(Refusal::SettingsReadOnly {
                reason: reason.clone(),
            });
        }
        let new = {
            let mut guard = inner.settings.write().expect("settings");
            let mut copy = guard.clone();
            f(&mut copy)?;
            if copy == *guard {
                return Ok(());
            }
            inner
                .file
                .save(&copy)
                .map_err(|e| Refusal::SettingsNotSaved {
                    reason: e.to_string(),
                })?;
            *guard = copy.clone();
            copy
        };
        inner.publish(Update::Settings { settings: new });
        Ok(())
    }

    /// Start a job of a server: now, or by the start mode of its task group when `scheduled`.
    /// A server runs one job at a time, in its own loop; a job asked for now while another runs
    /// is refused, a group already on the schedule too.
    fn start(&self, server_id: &ServerId, job: Job, scheduled: bool) -> Result<RunId, Refusal> {
        let server = self.known(server_id)?;
        let run = RunId::next();
        // The webhook receiver listens while the import runs by its start mode.
        let receive = scheduled
            && job.task == Task::OrderImport
            && self.inner.journal.is_some()
            && server.import.webhooks.bind().is_some();
        let mut slots = self.inner.slots.lock().expect("slots");
        let (slot, new) = match slots.get(server_id) {
            Some(slot) if !slot.stop.is_cancelled() => (slot.clone(), false),
            _ => {
                let slot = Slot::new();
                slots.insert(server_id.clone(), slot.clone());
                (slot, true)
            }
        };
        {
            let mut plan = slot.plan.lock().expect("plan");
            if scheduled {
                if plan.groups.contains_key(&job.task) {
                    return Err(Refusal::AlreadyRunning {
                        server: server_id.clone(),
                        task: job.task,
                    });
                }
                let due = first_due(start_mode(&server, job.task));
                plan.groups.insert(job.task, (due, Some(run)));
                plan.receiving |= receive;
            } else {
                if plan.busy || !plan.now.is_empty() {
                    let st = self.inner.status.borrow();
                    let task = st
                        .servers
                        .get(server_id)
                        .and_then(|s| s.running)
                        .unwrap_or(job.task);
                    return Err(Refusal::AlreadyRunning {
                        server: server_id.clone(),
                        task,
                    });
                }
                plan.now.push_back((run, job));
            }
        }
        drop(slots);
        if let (true, Some(bind)) = (receive, server.import.webhooks.bind()) {
            self.start_receiver(server_id, &slot, bind.to_owned());
        }
        if new {
            tokio::spawn(self.clone().server_loop(server_id.clone(), slot));
        } else {
            slot.bell.notify_one();
        }
        Ok(run)
    }

    /// The server's webhook receiver, listening until the loop stops: each delivery's orders go
    /// into the journal's inbox and ring the loop, which imports them as a job of its own.
    fn start_receiver(&self, id: &ServerId, slot: &Slot, bind: String) {
        let mut running = slot.receiver.lock().expect("receiver");
        let Some(journal) = self.inner.journal.clone() else {
            return;
        };
        if running.is_some() {
            return;
        }
        let settings = {
            let (inner, id) = (self.inner.clone(), id.clone());
            Box::new(move || inner.server(&id))
        };
        let arrived = {
            let slot = slot.clone();
            Box::new(move || slot.ring_delivered())
        };
        let publish = {
            let (inner, id) = (self.inner.clone(), id.clone());
            let (plan, bell) = (slot.plan.clone(), slot.bell.clone());
            Box::new(move |st: Option<ReceiverStatus>| {
                if let Some(ReceiverStatus {
                    state: ReceiverState::CannotListen { .. },
                    ..
                }) = &st
                {
                    // Nothing to wait for: the loop may end when nothing else is planned.
                    plan.lock().expect("plan").receiving = false;
                    bell.notify_one();
                }
                inner.update(&id, |s| s.receiver = st);
            })
        };
        let desk = Desk {
            settings,
            secrets: self.inner.secrets.clone(),
            journal,
            arrived,
            publish,
        };
        *running = Some(tokio::spawn(crate::webhooks::listen(
            desk,
            bind,
            slot.stop.clone(),
        )));
    }

    /// A server's loop: its jobs one at a time, until nothing is left or it is stopped.
    async fn server_loop(self, id: ServerId, slot: Slot) {
        let inner = self.inner.clone();
        loop {
            if slot.stop.is_cancelled() {
                break;
            }
            let server = inner.server(&id);
            let next = {
                // The slots' lock first (as `start` takes them), so that a job asked for while
                // the loop decides to end is never lost.
                let mut slots = inner.slots.lock().expect("slots");
                let mut plan = slot.plan.lock().expect("plan");
                let next = schedule::next(&mut plan, server.as_ref());
                match next {
                    Next::Run(..) => plan.busy = true,
                    Next::Done => {
                        if slots
                            .get(&id)
                            .is_some_and(|s| Arc::ptr_eq(&s.plan, &slot.plan))
                        {
                            slots.remove(&id);
                        }
                    }
                    Next::Wait(..) | Next::Listen => {}
                }
                next
            };
            match next {
                Next::Run(run, job, group) => {
                    let Some(server) = server else {
                        break;
                    };
                    inner.update(&id, |s| {
                        s.next_run = None;
                        s.scheduled = None;
                    });
                    let ok = self.run_once(&server, run, &job, &slot.stop).await;
                    let mut plan = slot.plan.lock().expect("plan");
                    plan.busy = false;
                    if job.delivered && !ok {
                        // The orders stay in the inbox; tried again a little later.
                        plan.deliveries
                            .get_or_insert(tokio::time::Instant::now() + DELIVERY_RETRY);
                    }
                    if let Some(task) = group {
                        let mode = inner
                            .server(&id)
                            .map(|s| start_mode(&s, task))
                            .unwrap_or_default();
                        schedule::reschedule(&mut plan, task, mode);
                    }
                }
                Next::Wait(at, task) => {
                    let left = at.saturating_duration_since(tokio::time::Instant::now());
                    let when = Local::now() + chrono::Duration::from_std(left).unwrap_or_default();
                    inner.update(&id, |s| {
                        s.next_run = Some(when);
                        s.scheduled = Some(task);
                    });
                    if schedule::wait(Some(at), &slot.bell, &slot.stop).await {
                        break;
                    }
                }
                Next::Listen => {
                    inner.update(&id, |s| {
                        s.next_run = None;
                        s.scheduled = None;
                    });
                    if schedule::wait(None, &slot.bell, &slot.stop).await {
                        break;
                    }
                }
                Next::Done => break,
            }
        }
        // The receiver ends with the loop, and lets its address go before the loop is gone.
        slot.stop.cancel();
        let receiver = slot.receiver.lock().expect("receiver").take();
        if let Some(receiver) = receiver {
            let _ = receiver.await;
        }
        inner.update(&id, |s| {
            s.next_run = None;
            s.scheduled = None;
            s.receiver = None;
        });
        let mut slots = inner.slots.lock().expect("slots");
        if slots
            .get(&id)
            .is_some_and(|s| Arc::ptr_eq(&s.plan, &slot.plan))
        {
            slots.remove(&id);
        }
        drop(slots);
        (inner.waker)();
    }

    /// Run one job; `true` when it ended well.
    async fn run_once(
        &self,
        server: &Server,
        run: RunId,
        job: &Job,
        stop: &CancellationToken,
    ) -> bool {
        let inner = &self.inner;
        let id = ServerId::of(server);
        let task = job.task;
        let started = Utc::now();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let reporter = Reporter::new(task, tx).with_stop(stop.clone());
        // A poll of the continuous mode is shown only when it did something.
        let quiet = job.poll;
        if !quiet {
            inner.update(&id, |s| {
                s.running = Some(task);
                s.run = Some(run);
                s.phase = None;
                s.done = 0;
                s.total = 0;
                s.started_at = Some(started);
            });
        }
        let send = |event: Event| {
            inner.publish(Update::Run(RunEvent {
                server: id.clone(),
                run,
                event,
            }))
        };
        let mut held = vec![Event::Started {
            task,
            dry_run: job.dry_run,
        }];
        if !quiet {
            held.drain(..).for_each(send);
        }
        let handle = tokio::spawn((inner.run_task)(server.clone(), job.clone(), reporter));
        // Forward events, keeping the status snapshot current.
        let forward = async {
            while let Some(e) = rx.recv().await {
                if quiet {
                    held.push(e);
                    continue;
                }
                match &e {
                    Event::Phase { phase, .. } => inner.update(&id, |s| s.phase = Some(*phase)),
                    Event::Progress { done, total, .. } => inner.update(&id, |s| {
                        s.done = *done;
                        s.total = *total;
                    }),
                    _ => {}
                }
                send(e);
            }
        };
        let (result, ()) = tokio::join!(handle, forward);
        let result = match result {
            Ok(r) => r.map_err(|e| e.failure()),
            Err(e) => Err(Failure::Crashed {
                detail: e.to_string(),
            }),
        };
        if let Ok(summary) = &result {
            self.after_run(&id, job, summary);
        }
        let worth_showing = !quiet || !is_idle(&result);
        if worth_showing {
            held.drain(..).for_each(send);
            send(match &result {
                Ok(summary) => Event::Finished {
                    task,
                    summary: summary.clone(),
                },
                Err(failure) => Event::Failed {
                    task,
                    failure: failure.clone(),
                },
            });
        }
        let finished = Utc::now();
        inner.update(&id, |s| {
            if !quiet {
                s.running = None;
                s.run = None;
            }
            // In step since the first of an unbroken line of clean runs of the group.
            match &result {
                Ok(summary) if summary.problems.is_empty() && !summary.dry_run => {
                    s.in_step_since.get_or_insert(started);
                    if summary.written() > 0 {
                        s.last_push = Some(LastPush {
                            task,
                            at: finished,
                            written: summary.written(),
                            took_ms: u64::try_from((finished - started).num_milliseconds())
                                .unwrap_or(0),
                        });
                    }
                }
                Ok(summary) if summary.dry_run => {}
                _ => s.in_step_since = None,
            }
            if worth_showing {
                s.last = Some((task, result.clone()));
            }
            (s.requests_last_hour, s.limit_per_minute) = crate::meter::last_hour(id.as_str());
        });
        result.is_ok()
    }

    /// Settings a finished run changes: a clean product pull turns itself off, so that it is
    /// never repeated by accident.
    fn after_run(&self, id: &ServerId, job: &Job, summary: &RunSummary) {
        if job.task == Task::ProductPull && !job.dry_run && summary.problems.is_empty() {
            let _ = self.change_settings(|all| {
                if let Some(s) = all.servers.iter_mut().find(|s| s.id == id.as_str()) {
                    s.import.pull_products = false;
                }
                Ok(())
            });
        }
    }
}

fn failed(e: impl std::fmt::Display) -> Refusal {
    Refusal::Failed {
        message: e.to_string(),
    }
}

/// Start an engine on the current tokio runtime with no journal of its own (tests, the window
/// with a fake runner).
pub fn spawn_engine(
    settings: SettingsFile,
    run_task: TaskRunner,
    waker: Box<dyn Fn() + Send + Sync>,
) -> crate::EngineHandle {
    crate::EngineHandle::new(Engine::new(EngineConfig {
        settings,
        run_task,
        secrets: Arc::new(crate::MemorySecretStore::default()),
        journal: None,
        waker,
    }))
}
