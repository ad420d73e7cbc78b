//! The window's side of an engine: commands are sent without waiting; their replies, the run
//! events, the settings changes and the status snapshot are drained once a frame. The engine is
//! either this process's own ([`EngineHandle::new`]) or the one `skladsync serve` runs
//! ([`EngineHandle::attach`]), reached through its control endpoint — the window cannot tell
//! them apart.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt as _;
use tokio::sync::mpsc;

use crate::control::RemoteEngine;
use crate::protocol::{Command, Refusal, Reply, RunEvent, Status, Update};
use crate::runner::{Engine, Waker};
use crate::settings::Settings;

/// How often an attached window refreshes the status of a running service while no update
/// comes (the updates refresh it too).
pub const REMOTE_STATUS_EVERY: Duration = Duration::from_millis(500);

enum Backend {
    Local(Engine),
    /// Records the commands; updates, status and replies come from a [`FakeEngine`] (tests of a
    /// window).
    Fake {
        sent: Arc<Mutex<Vec<Command>>>,
        status: Arc<Mutex<Status>>,
        settings: Settings,
    },
    Remote {
        remote: RemoteEngine,
        status: Arc<Mutex<Status>>,
        waker: Arc<Waker>,
        /// Immediate commands, sent one after the other (see [`Command::is_immediate`]).
        in_order: mpsc::UnboundedSender<Command>,
        /// The service's updates are being received.
        following: Arc<std::sync::atomic::AtomicBool>,
    },
}

pub struct EngineHandle {
    backend: Backend,
    runtime: tokio::runtime::Handle,
    updates: Mutex<mpsc::UnboundedReceiver<Update>>,
    replies: Mutex<mpsc::UnboundedReceiver<Reply>>,
    reply_tx: mpsc::UnboundedSender<Reply>,
}

impl EngineHandle {
    /// A handle of this process's engine; must be made within the engine's tokio runtime.
    pub fn new(engine: Engine) -> EngineHandle {
        let updates = Mutex::new(engine.subscribe());
        let (reply_tx, reply_rx) = mpsc::unbounded_channel();
        EngineHandle {
            backend: Backend::Local(engine),
            runtime: tokio::runtime::Handle::current(),
            updates,
            replies: Mutex::new(reply_rx),
            reply_tx,
        }
    }

    /// Attach to the engine `skladsync serve` runs; must be made within a tokio runtime. The
    /// updates and the status follow it in the background; `waker` is called when they change.
    pub fn attach(remote: RemoteEngine, waker: Waker) -> EngineHandle {
        let (up_tx, up_rx) = mpsc::unbounded_channel();
        let (reply_tx, reply_rx) = mpsc::unbounded_channel();
        let status = Arc::new(Mutex::new(Status::default()));
        let waker = Arc::new(waker);
        let runtime = tokio::runtime::Handle::current();
        let following = Arc::new(std::sync::atomic::AtomicBool::new(false));
        {
            let (remote, status, waker) = (remote.clone(), status.clone(), waker.clone());
            let following = following.clone();
            runtime.spawn(async move {
                follow(remote, up_tx, status, waker, following).await;
            });
        }
        let (in_order, mut queue) = mpsc::unbounded_channel::<Command>();
        {
            let (remote, waker, tx) = (remote.clone(), waker.clone(), reply_tx.clone());
            runtime.spawn(async move {
                while let Some(command) = queue.recv().await {
                    let _ = tx.send(remote_reply(&remote, &command).await);
                    waker();
                }
            });
        }
        EngineHandle {
            backend: Backend::Remote {
                remote,
                status,
                waker,
                in_order,
                following,
            },
            runtime,
            updates: Mutex::new(up_rx),
            replies: Mutex::new(reply_rx),
            reply_tx,
        }
    }

    /// A handle whose engine is a test's [`FakeEngine`]: every command sent is recorded, and
    /// the test decides what comes back.
    pub fn fake(settings: Settings) -> (EngineHandle, FakeEngine) {
        let (up_tx, up_rx) = mpsc::unbounded_channel();
        let (reply_tx, reply_rx) = mpsc::unbounded_channel();
        let sent = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(Mutex::new(Status::default()));
        let fake = FakeEngine {
            sent: sent.clone(),
            status: status.clone(),
            updates: up_tx,
            replies: reply_tx.clone(),
        };
        let handle = EngineHandle {
            backend: Backend::Fake {
                sent,
                status,
                settings,
            },
            runtime: tokio::runtime::Handle::current(),
            updates: Mutex::new(up_rx),
            replies: Mutex::new(reply_rx),
            reply_tx,
        };
        (handle, fake)
    }

    /// This process's engine, when the handle is not attached to a service.
    pub fn engine(&self) -> Option<&Engine> {
        match &self.backend {
            Backend::Local(e) => Some(e),
            Backend::Remote { .. } | Backend::Fake { .. } => None,
        }
    }

    /// Whether the updates of the engine reach this handle: always for this process's engine;
    /// for an attached service, once its update stream is open (and while it stays open).
    pub fn is_following(&self) -> bool {
        match &self.backend {
            Backend::Remote { following, .. } => {
                following.load(std::sync::atomic::Ordering::SeqCst)
            }
            _ => true,
        }
    }

    /// Whether the engine is the one a running `skladsync serve` owns.
    pub fn is_attached(&self) -> bool {
        matches!(self.backend, Backend::Remote { .. })
    }

    /// The settings as the engine holds them, and why they cannot be written, when they
    /// cannot. Waits for an attached service's answer.
    pub fn settings(&self) -> (Settings, Option<String>) {
        match &self.backend {
            Backend::Local(e) => (e.settings(), e.read_only().map(str::to_owned)),
            Backend::Fake { settings, .. } => (settings.clone(), None),
            Backend::Remote { remote, .. } => {
                let remote = remote.clone();
                let answer = std::thread::scope(|s| {
                    s.spawn(|| {
                        self.runtime
                            .block_on(async move { remote.execute(&Command::Settings).await })
                    })
                    .join()
                });
                match answer {
                    Ok(Ok(Reply::Settings { settings })) => (settings, None),
                    Ok(Ok(other)) => (Settings::default(), Some(format!("{other:?}"))),
                    Ok(Err(e)) => (Settings::default(), Some(e.to_string())),
                    Err(_) => (Settings::default(), Some("the request failed".into())),
                }
            }
        }
    }

    /// Send a command; its reply comes back through [`EngineHandle::drain_replies`]. With this
    /// process's engine, commands that need no waiting are carried out at once, in the order
    /// sent.
    pub fn send(&self, command: Command) {
        let _guard = self.runtime.enter();
        let tx = self.reply_tx.clone();
        match &self.backend {
            Backend::Local(engine) => match engine.execute_now(command) {
                Ok(reply) => {
                    let _ = tx.send(reply);
                    engine.wake();
                }
                Err(command) => {
                    let engine = engine.clone();
                    self.runtime.spawn(async move {
                        let reply = engine.execute(command).await;
                        let _ = tx.send(reply);
                        engine.wake();
                    });
                }
            },
            Backend::Fake { sent, .. } => sent.lock().expect("sent").push(command),
            Backend::Remote {
                in_order,
                remote,
                waker,
                ..
            } => {
                if command.is_immediate() {
                    let _ = in_order.send(command);
                } else {
                    let (remote, waker) = (remote.clone(), waker.clone());
                    self.runtime.spawn(async move {
                        let _ = tx.send(remote_reply(&remote, &command).await);
                        waker();
                    });
                }
            }
        }
    }

    /// Run events that arrived since the last call; never blocks.
    pub fn drain_events(&self) -> Vec<RunEvent> {
        self.drain_updates()
            .into_iter()
            .filter_map(|u| match u {
                Update::Run(e) => Some(e),
                Update::Settings { .. } => None,
            })
            .collect()
    }

    /// Every update that arrived since the last call; never blocks.
    pub fn drain_updates(&self) -> Vec<Update> {
        let mut out = Vec::new();
        if let Ok(mut rx) = self.updates.lock() {
            while let Ok(e) = rx.try_recv() {
                out.push(e);
            }
        }
        out
    }

    /// Replies to the commands sent, in the order they were answered; never blocks.
    pub fn drain_replies(&self) -> Vec<Reply> {
        let mut out = Vec::new();
        if let Ok(mut rx) = self.replies.lock() {
            while let Ok(r) = rx.try_recv() {
                out.push(r);
            }
        }
        out
    }

    pub fn status(&self) -> Status {
        match &self.backend {
            Backend::Local(e) => e.status(),
            Backend::Remote { status, .. } | Backend::Fake { status, .. } => {
                status.lock().expect("status").clone()
            }
        }
    }
}

/// The test's side of [`EngineHandle::fake`].
pub struct FakeEngine {
    sent: Arc<Mutex<Vec<Command>>>,
    status: Arc<Mutex<Status>>,
    updates: mpsc::UnboundedSender<Update>,
    replies: mpsc::UnboundedSender<Reply>,
}

impl FakeEngine {
    /// The commands sent since the last call, in order.
    pub fn take_sent(&self) -> Vec<Command> {
        std::mem::take(&mut *self.sent.lock().expect("sent"))
    }

    pub fn update(&self, update: Update) {
        let _ = self.updates.send(update);
    }

    pub fn reply(&self, reply: Reply) {
        let _ = self.replies.send(reply);
    }

    pub fn set_status(&self, status: Status) {
        *self.status.lock().expect("status") = status;
    }
}

/// A command carried out by a running service; a failed request is a refusal.
async fn remote_reply(remote: &RemoteEngine, command: &Command) -> Reply {
    remote.execute(command).await.unwrap_or_else(|e| {
        Reply::refused(Refusal::Failed {
            message: e.to_string(),
        })
    })
}

/// Follow an attached service: its updates into the handle, its status refreshed on each
/// update and every [`REMOTE_STATUS_EVERY`]; reconnects while the service runs.
async fn follow(
    remote: RemoteEngine,
    tx: mpsc::UnboundedSender<Update>,
    status: Arc<Mutex<Status>>,
    waker: Arc<Waker>,
    following: Arc<std::sync::atomic::AtomicBool>,
) {
    let refresh = |st: Status| {
        *status.lock().expect("status") = st;
        waker();
    };
    let mut last = tokio::time::Instant::now();
    while !tx.is_closed() {
        let Ok(stream) = remote.updates().await else {
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        let mut stream = Box::pin(stream);
        following.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Ok(st) = remote.status().await {
            refresh(st);
        }
        loop {
            match tokio::time::timeout(REMOTE_STATUS_EVERY, stream.next()).await {
                Ok(Some(Ok(u))) => {
                    if tx.send(u).is_err() {
                        return;
                    }
                    waker();
                    // At most a few status reads a second, however many updates come.
                    if last.elapsed() >= REMOTE_STATUS_EVERY / 2 {
                        last = tokio::time::Instant::now();
                        if let Ok(st) = remote.status().await {
                            refresh(st);
                        }
                    }
                }
                Ok(Some(Err(_)) | None) => {
                    following.store(false, std::sync::atomic::Ordering::SeqCst);
                    break;
                }
                Err(_) => {
                    last = tokio::time::Instant::now();
                    if let Ok(st) = remote.status().await {
                        refresh(st);
                    }
                }
            }
        }
    }
}
