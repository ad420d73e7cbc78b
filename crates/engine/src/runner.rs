//! The engine as a background service: commands go down a channel, events and a status snapshot
//! come up, and a waker tells the UI to repaint. The UI never waits on the engine.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{Local, NaiveTime, Utc};
use tokio::sync::{mpsc, watch};

use crate::error::EngineError;
use crate::events::{Event, Level, Reporter, RunSummary, Task};
use crate::journal::Journal;
use crate::secrets::SecretStore;
use crate::settings::{Server, SettingsFile, StartMode};

/// What the UI (or the headless runner) asks of the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Run a task of a server now, or by its start mode when `scheduled`.
    Start {
        server_id: String,
        task: Task,
        dry_run: bool,
        scheduled: bool,
    },
    /// Stop whatever the server is doing (the current item finishes; nothing is half-written).
    Stop { server_id: String },
}

/// The state of one server, as the UI shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServerStatus {
    pub running: Option<Task>,
    pub phase: String,
    pub done: u64,
    pub total: u64,
    pub started_at: Option<chrono::DateTime<Utc>>,
    pub last: Option<(Task, Result<RunSummary, String>)>,
    pub next_run: Option<chrono::DateTime<Local>>,
}

/// A snapshot of every server's state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Status {
    pub servers: HashMap<String, ServerStatus>,
}

/// Runs one task; the engine's task functions behind a seam so that the runner can be tested.
pub type TaskRunner = Arc<
    dyn Fn(
            Server,
            Task,
            bool,
            Reporter,
        ) -> futures::future::BoxFuture<'static, Result<RunSummary, EngineError>>
        + Send
        + Sync,
>;

/// The UI's side of the engine.
pub struct EngineHandle {
    commands: mpsc::UnboundedSender<Command>,
    events: Mutex<mpsc::UnboundedReceiver<Event>>,
    status: watch::Receiver<Status>,
}

impl EngineHandle {
    pub fn send(&self, command: Command) {
        let _ = self.commands.send(command);
    }

    /// Events that arrived since the last call; never blocks.
    pub fn drain_events(&self) -> Vec<Event> {
        let mut out = Vec::new();
        if let Ok(mut rx) = self.events.lock() {
            while let Ok(e) = rx.try_recv() {
                out.push(e);
            }
        }
        out
    }

    pub fn status(&self) -> Status {
        self.status.borrow().clone()
    }
}

struct Shared {
    status: watch::Sender<Status>,
    events: mpsc::UnboundedSender<Event>,
    waker: Box<dyn Fn() + Send + Sync>,
    stops: Mutex<HashMap<String, Arc<AtomicBool>>>,
}

impl Shared {
    fn update(&self, server_id: &str, f: impl FnOnce(&mut ServerStatus)) {
        self.status
            .send_modify(|s| f(s.servers.entry(server_id.to_owned()).or_default()));
        (self.waker)();
    }
}

/// Start the engine on the current tokio runtime. `waker` is called whenever something changed
/// (e.g. `egui::Context::request_repaint`).
pub fn spawn_engine(
    settings: SettingsFile,
    run_task: TaskRunner,
    waker: Box<dyn Fn() + Send + Sync>,
) -> EngineHandle {
    let (cmd_tx, mut cmd_rx) = mpsc::unbounded_channel();
    let (ev_tx, ev_rx) = mpsc::unbounded_channel();
    let (status_tx, status_rx) = watch::channel(Status::default());
    let shared = Arc::new(Shared {
        status: status_tx,
        events: ev_tx,
        waker,
        stops: Mutex::new(HashMap::new()),
    });
    tokio::spawn(async move {
        while let Some(cmd) = cmd_rx.recv().await {
            match cmd {
                Command::Stop { server_id } => {
                    if let Some(flag) = shared.stops.lock().expect("stops").get(&server_id) {
                        flag.store(true, Ordering::SeqCst);
                    }
                }
                Command::Start {
                    server_id,
                    task,
                    dry_run,
                    scheduled,
                } => {
                    let server = match settings
                        .load()
                        .map(|s| s.servers.into_iter().find(|x| x.id == server_id))
                    {
                        Ok(Some(s)) => s,
                        Ok(None) => {
                            let _ = shared.events.send(Event::Failed {
                                task,
                                message: format!("no server {server_id}"),
                            });
                            continue;
                        }
                        Err(e) => {
                            let _ = shared.events.send(Event::Failed {
                                task,
                                message: e.to_string(),
                            });
                            continue;
                        }
                    };
                    let stop = Arc::new(AtomicBool::new(false));
                    {
                        let mut stops = shared.stops.lock().expect("stops");
                        if stops
                            .get(&server_id)
                            .is_some_and(|f| !f.load(Ordering::SeqCst))
                        {
                            let _ = shared.events.send(Event::Log {
                                task,
                                level: Level::Warning,
                                message: format!("„{}“ вече работи", server.name),
                            });
                            continue;
                        }
                        stops.insert(server_id.clone(), stop.clone());
                    }
                    let shared = shared.clone();
                    let run_task = run_task.clone();
                    tokio::spawn(async move {
                        let mode = if scheduled {
                            start_mode(&server, task)
                        } else {
                            StartMode::OnServerStart
                        };
                        loop {
                            if let Some(wait) = wait_before(mode) {
                                let at = Local::now()
                                    + chrono::Duration::from_std(wait).unwrap_or_default();
                                shared.update(&server.id, |s| s.next_run = Some(at));
                                let stopped = sleep_or_stop(wait, &stop).await;
                                if stopped {
                                    break;
                                }
                            }
                            run_once(&shared, &server, task, dry_run, &stop, &run_task).await;
                            if matches!(mode, StartMode::OnServerStart)
                                || stop.load(Ordering::SeqCst)
                            {
                                break;
                            }
                        }
                        shared.update(&server.id, |s| s.next_run = None);
                        shared.stops.lock().expect("stops").remove(&server.id);
                    });
                }
            }
        }
    });
    EngineHandle {
        commands: cmd_tx,
        events: Mutex::new(ev_rx),
        status: status_rx,
    }
}

fn start_mode(server: &Server, task: Task) -> StartMode {
    match task {
        Task::Export => server.export.start,
        _ => server.import.start,
    }
}

/// How long to wait before the next run of a start mode.
pub fn wait_before(mode: StartMode) -> Option<std::time::Duration> {
    match mode {
        StartMode::OnServerStart => None,
        StartMode::EveryMinutes { minutes } => Some(std::time::Duration::from_secs(
            u64::from(minutes.max(1)) * 60,
        )),
        StartMode::AtTime { hour, minute } => {
            let now = Local::now();
            let at = NaiveTime::from_hms_opt(u32::from(hour.min(23)), u32::from(minute.min(59)), 0)
                .unwrap_or_default();
            let mut next = now.date_naive().and_time(at);
            if next <= now.naive_local() {
                next += chrono::Duration::days(1);
            }
            (next - now.naive_local()).to_std().ok()
        }
    }
}

async fn sleep_or_stop(wait: std::time::Duration, stop: &AtomicBool) -> bool {
    let step = std::time::Duration::from_millis(200);
    let mut left = wait;
    while !left.is_zero() {
        if stop.load(Ordering::SeqCst) {
            return true;
        }
        let d = left.min(step);
        tokio::time::sleep(d).await;
        left -= d;
    }
    stop.load(Ordering::SeqCst)
}

async fn run_once(
    shared: &Arc<Shared>,
    server: &Server,
    task: Task,
    dry_run: bool,
    stop: &Arc<AtomicBool>,
    run_task: &TaskRunner,
) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let reporter = Reporter::new(task, tx).with_stop(stop.clone());
    shared.update(&server.id, |s| {
        s.running = Some(task);
        s.phase.clear();
        s.done = 0;
        s.total = 0;
        s.started_at = Some(Utc::now());
    });
    let _ = shared.events.send(Event::Started { task, dry_run });
    let fut = run_task(server.clone(), task, dry_run, reporter);
    let handle = tokio::spawn(fut);
    // Forward events, keeping the status snapshot current.
    let forward = {
        let shared = shared.clone();
        let id = server.id.clone();
        async move {
            while let Some(e) = rx.recv().await {
                match &e {
                    Event::Phase { phase, .. } => shared.update(&id, |s| s.phase = phase.clone()),
                    Event::Progress { done, total, .. } => shared.update(&id, |s| {
                        s.done = *done;
                        s.total = *total;
                    }),
                    _ => (shared.waker)(),
                }
                let _ = shared.events.send(e);
            }
        }
    };
    let (result, ()) = tokio::join!(handle, forward);
    let result = match result {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(e) => Err(format!("the task stopped unexpectedly: {e}")),
    };
    let _ = shared.events.send(match &result {
        Ok(summary) => Event::Finished {
            task,
            summary: summary.clone(),
        },
        Err(message) => Event::Failed {
            task,
            message: message.clone(),
        },
    });
    shared.update(&server.id, |s| {
        s.running = None;
        s.last = Some((task, result));
    });
}

/// The task functions of the engine, wired to real databases and shops.
pub fn default_task_runner(
    secrets: Arc<dyn SecretStore>,
    journal: Journal,
    settings: SettingsFile,
) -> TaskRunner {
    Arc::new(
        move |server: Server, task: Task, dry_run: bool, reporter: Reporter| {
            Box::pin(run_and_record(
                server,
                task,
                dry_run,
                reporter,
                secrets.clone(),
                journal.clone(),
                settings.clone(),
            ))
        },
    )
}

/// Owned arguments, so that the future is `Send` for the runner's `'static` box.
async fn run_and_record(
    server: Server,
    task: Task,
    dry_run: bool,
    reporter: Reporter,
    secrets: Arc<dyn SecretStore>,
    journal: Journal,
    settings: SettingsFile,
) -> Result<RunSummary, EngineError> {
    let started = Utc::now();
    let result = crate::tasks::run_task(
        &server, task, dry_run, &reporter, &*secrets, &journal, &settings,
    )
    .await;
    let record = result.clone_summary();
    journal
        .record_run(&server.id, task, started, &record)
        .await?;
    result
}

trait CloneSummary {
    fn clone_summary(&self) -> Result<RunSummary, String>;
}

impl CloneSummary for Result<RunSummary, EngineError> {
    fn clone_summary(&self) -> Result<RunSummary, String> {
        match self {
            Ok(s) => Ok(s.clone()),
            Err(e) => Err(e.to_string()),
        }
    }
}
