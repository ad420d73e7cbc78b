//! The engine's one protocol: [`Command`]s go down, [`Update`]s and a [`Status`] snapshot come
//! up. Every run-related message names its server ([`ServerId`]) and its run ([`RunId`]), so
//! that two servers running the same task never mix their lines. The same types travel over the
//! control endpoint of `skladsync serve` as JSON.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Local, Utc};
use serde::{Deserialize, Serialize};

use crate::correspondence::CorrespondenceRow;
use crate::events::{Event, RunSummary, Task};
use crate::journal::RunRecord;
use crate::lookups::{GoodChoice, LookupError, ShopInfo, WarehouseInfo};
use crate::orders::QueuedOrder;
use crate::report::{Failure, Phase};
use crate::settings::{SecretRef, Server, Settings};
use crate::webhooks::{ReceiverStatus, WebhookError, WebhookState};

/// A server's stable id (the settings' `Server::id`), never its name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ServerId(String);

impl ServerId {
    pub fn new(id: impl Into<String>) -> ServerId {
        ServerId(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id of a configured server.
    pub fn of(server: &Server) -> ServerId {
        ServerId(server.id.clone())
    }
}

impl Borrow<str> for ServerId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ServerId {
    fn from(s: &str) -> ServerId {
        ServerId(s.to_owned())
    }
}

impl From<String> for ServerId {
    fn from(s: String) -> ServerId {
        ServerId(s)
    }
}

impl From<&String> for ServerId {
    fn from(s: &String) -> ServerId {
        ServerId(s.clone())
    }
}

/// One run of one task. Unique within an installation: ids start from the clock when the
/// engine starts, so a restarted engine never reuses an id the history or a client saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(pub u64);

impl RunId {
    pub(crate) fn next() -> RunId {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let seed = u64::try_from(Utc::now().timestamp_micros()).unwrap_or(1);
        let _ = NEXT.compare_exchange(0, seed, Ordering::SeqCst, Ordering::SeqCst);
        RunId(NEXT.fetch_add(1, Ordering::SeqCst))
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What a window, the CLI or the service asks of the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Run a task of a server now, or by its start mode when `scheduled`.
    Start {
        server: ServerId,
        task: Task,
        #[serde(default)]
        dry_run: bool,
        #[serde(default)]
        scheduled: bool,
    },
    /// Stop whatever the server is doing, within a second even while waiting for the shop: a
    /// shop request in flight is abandoned as after a time-out (the next run finds what it did);
    /// nothing in Склад Pro is half-written.
    Stop {
        server: ServerId,
    },
    /// Every enabled task group of every server, by its start mode (what `serve` does first).
    StartEnabled,
    /// Stop every server.
    StopAll,
    /// The settings as the engine holds them.
    Settings,
    /// Add a server, or replace the one with the same id.
    SaveServer {
        server: Box<Server>,
    },
    RenameServer {
        server: ServerId,
        name: String,
    },
    /// Delete a server (stopped first) and its secrets.
    DeleteServer {
        server: ServerId,
    },
    /// The orders waiting for a person.
    QueueList {
        server: ServerId,
    },
    /// Import queued orders again: one, or all of them (`order: None`). Runs as a task, so
    /// that Stop reaches it and the status shows it.
    QueueRetry {
        server: ServerId,
        #[serde(default)]
        order: Option<String>,
    },
    /// Take an order out of the queue (handled by hand in Склад Pro).
    QueueDismiss {
        server: ServerId,
        shop: String,
        order: String,
    },
    /// The last runs of a server, newest first.
    History {
        server: ServerId,
        limit: u32,
    },
    /// „Тест на връзката“ of the Склад Pro side, with its pick lists. `probe` is the asker's
    /// number, given back so that a late answer to an older probe can be told apart.
    TestWarehouse {
        server: ServerId,
        probe: u64,
    },
    /// „Тест на връзката“ of the shop side, with its pick lists.
    TestShop {
        server: ServerId,
        probe: u64,
    },
    /// The warehouse's goods for the special goods' pickers.
    LoadGoods {
        server: ServerId,
        probe: u64,
    },
    /// Проверка съответствие на стоките: every row, for the window's table.
    Check {
        server: ServerId,
    },
    /// Keep a secret (an API key, a database password) in the engine's secret store.
    SetSecret {
        name: SecretRef,
        secret: String,
    },
    /// „Активирай webhooks“: the shop's hooks of `order.created` and `order.updated` made to
    /// call the server's public URL with its secret (one hook per event; one the shop disabled
    /// is enabled again); answered with their state.
    ActivateWebhooks {
        server: ServerId,
    },
    /// The state of the shop's hooks of the order events, changing nothing.
    WebhookState {
        server: ServerId,
    },
}

impl Command {
    /// Whether the engine carries the command out without waiting on a database, a shop or the
    /// journal (runs, stops, settings, secrets). Such commands are carried out in the order they
    /// are sent, also by an attached window; look-ups may answer in any order.
    pub fn is_immediate(&self) -> bool {
        !matches!(
            self,
            Command::QueueList { .. }
                | Command::QueueDismiss { .. }
                | Command::History { .. }
                | Command::TestWarehouse { .. }
                | Command::TestShop { .. }
                | Command::LoadGoods { .. }
                | Command::Check { .. }
                | Command::ActivateWebhooks { .. }
                | Command::WebhookState { .. }
        )
    }
}

/// Why the engine did not do what a command asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "refusal", rename_all = "snake_case")]
pub enum Refusal {
    #[error("no server {server}")]
    NoServer { server: ServerId },
    #[error("{server} is already running {task:?}")]
    AlreadyRunning { server: ServerId, task: Task },
    /// The settings file could not be read (damaged, or written by a newer skladsync): the
    /// engine runs on what it could read and writes nothing.
    #[error("the settings are read-only: {reason}")]
    SettingsReadOnly { reason: String },
    #[error("the settings could not be saved: {reason}")]
    SettingsNotSaved { reason: String },
    #[error("this engine keeps no journal")]
    NoJournal,
    /// The secret store did not take the API key or password.
    #[error("{name} could not be stored: {reason}")]
    SecretNotSaved { name: SecretRef, reason: String },
    #[error("{message}")]
    Failed { message: String },
}

/// The engine's answer to one command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Reply {
    Done,
    /// A run began (or was scheduled by its start mode).
    Started {
        server: ServerId,
        run: RunId,
    },
    /// Runs began for these servers' task groups.
    StartedMany {
        runs: Vec<(ServerId, Task, RunId)>,
    },
    Settings {
        settings: Settings,
    },
    Queue {
        server: ServerId,
        queue: Vec<QueuedOrder>,
    },
    History {
        server: ServerId,
        runs: Vec<RunRecord>,
    },
    Warehouse {
        server: ServerId,
        probe: u64,
        result: Result<WarehouseInfo, LookupError>,
    },
    Shop {
        server: ServerId,
        probe: u64,
        result: Result<ShopInfo, LookupError>,
    },
    Goods {
        server: ServerId,
        probe: u64,
        result: Result<Vec<GoodChoice>, LookupError>,
    },
    Check {
        server: ServerId,
        result: Result<Vec<CorrespondenceRow>, LookupError>,
    },
    Dismissed {
        server: ServerId,
        found: bool,
    },
    /// The API key or password is in the secret store.
    SecretSaved {
        name: SecretRef,
    },
    /// The shop's hooks of the order events (after an activation, or as asked).
    Webhooks {
        server: ServerId,
        result: Result<WebhookState, WebhookError>,
    },
    Refused {
        refusal: Refusal,
    },
}

impl Reply {
    pub fn refused(refusal: Refusal) -> Reply {
        Reply::Refused { refusal }
    }
}

/// What one run said, with the server and run it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunEvent {
    pub server: ServerId,
    pub run: RunId,
    pub event: Event,
}

/// What comes up from the engine besides the status snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "update", rename_all = "snake_case")]
pub enum Update {
    Run(RunEvent),
    /// The settings changed (saved by a command, or by a task such as the product pull).
    Settings {
        settings: Settings,
    },
}

/// The last run that wrote something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastPush {
    pub task: Task,
    pub at: DateTime<Utc>,
    /// Items written (created, updated, set to zero).
    pub written: u64,
    pub took_ms: u64,
}

/// The state of one server, as a window or `skladsync status` shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerStatus {
    pub running: Option<Task>,
    pub run: Option<RunId>,
    pub phase: Option<Phase>,
    pub done: u64,
    pub total: u64,
    pub started_at: Option<DateTime<Utc>>,
    pub last: Option<(Task, Result<RunSummary, Failure>)>,
    /// Since when every run of this server (polls included) ended clean: "in step since".
    pub in_step_since: Option<DateTime<Utc>>,
    /// The last run that wrote something, and how long it took.
    pub last_push: Option<LastPush>,
    /// Shop requests answered in the last hour, and the plan's limit a minute (as the shop
    /// states it).
    pub requests_last_hour: u64,
    pub limit_per_minute: Option<u32>,
    pub next_run: Option<DateTime<Local>>,
    /// The task waiting for its next scheduled run.
    pub scheduled: Option<Task>,
    /// The webhook receiver of the orders, while the server runs with one.
    #[serde(default)]
    pub receiver: Option<ReceiverStatus>,
}

/// A snapshot of every server's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub servers: BTreeMap<ServerId, ServerStatus>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_updates_round_trip_as_json() {
        let c = Command::Start {
            server: "s1".into(),
            task: Task::Export,
            dry_run: true,
            scheduled: false,
        };
        let text = serde_json::to_string(&c).unwrap();
        assert!(text.contains(r#""command":"start""#), "{text}");
        assert_eq!(serde_json::from_str::<Command>(&text).unwrap(), c);
        // Fields with defaults may be left out by a hand-written client.
        let short: Command =
            serde_json::from_str(r#"{"command":"start","server":"s1","task":"export"}"#).unwrap();
        assert!(matches!(short, Command::Start { dry_run: false, .. }));

        let u = Update::Run(RunEvent {
            server: "s2".into(),
            run: RunId(7),
            event: Event::Progress {
                task: Task::OrderImport,
                done: 3,
                total: 9,
            },
        });
        let text = serde_json::to_string(&u).unwrap();
        assert_eq!(serde_json::from_str::<Update>(&text).unwrap(), u);

        let mut st = Status::default();
        st.servers.insert(
            "s1".into(),
            ServerStatus {
                last: Some((Task::Export, Err(crate::report::Failure::Stopped))),
                ..Default::default()
            },
        );
        let text = serde_json::to_string(&st).unwrap();
        assert_eq!(serde_json::from_str::<Status>(&text).unwrap(), st);
        assert!(st.servers.contains_key("s1"));
    }

    #[test]
    fn webhook_commands_replies_and_the_receiver_round_trip_as_json() {
        use crate::report::{SettingField, SettingIssue, SettingProblem};
        use crate::webhooks::{
            HookState, HookStatus, OrderEvent, ReceiverState, ReceiverStatus, WebhookError,
        };
        let c = Command::ActivateWebhooks {
            server: "s1".into(),
        };
        let text = serde_json::to_string(&c).unwrap();
        assert!(text.contains(r#""command":"activate_webhooks""#), "{text}");
        assert_eq!(serde_json::from_str::<Command>(&text).unwrap(), c);
        assert!(!c.is_immediate());
        for result in [
            Ok(WebhookState {
                hooks: vec![HookState {
                    event: OrderEvent::Updated,
                    status: HookStatus::Disabled,
                    url: Some("https://sklad.example.bg/cc".into()),
                    current: false,
                    change: None,
                    removed: 1,
                }],
                secret_created: false,
            }),
            Err(WebhookError::Settings(vec![SettingProblem {
                field: SettingField::ImportWebhookUrl,
                issue: SettingIssue::Required,
            }])),
            Err(WebhookError::Lookup(LookupError::WrongKey("401".into()))),
        ] {
            let r = Reply::Webhooks {
                server: "s1".into(),
                result,
            };
            let text = serde_json::to_string(&r).unwrap();
            assert_eq!(serde_json::from_str::<Reply>(&text).unwrap(), r, "{text}");
        }
        let st = ServerStatus {
            receiver: Some(ReceiverStatus {
                address: "0.0.0.0:8765".into(),
                state: ReceiverState::CannotListen {
                    detail: "in use".into(),
                },
                accepted: 1,
                dropped: 2,
                refused: 3,
                last_delivery: Some(Utc::now()),
            }),
            ..Default::default()
        };
        let text = serde_json::to_string(&st).unwrap();
        assert_eq!(serde_json::from_str::<ServerStatus>(&text).unwrap(), st);
        // A status of an earlier engine (no receiver) still reads.
        let old: ServerStatus = serde_json::from_str(
            &serde_json::to_string(&ServerStatus::default())
                .unwrap()
                .replace(r#","receiver":null"#, ""),
        )
        .unwrap();
        assert_eq!(old.receiver, None);
    }

    #[test]
    fn run_ids_grow() {
        let a = RunId::next();
        let b = RunId::next();
        assert!(b > a);
    }
}
