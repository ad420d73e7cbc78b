//! The sync engine: settings, the sync tasks, mapping rules and the local journal — the only
//! crate that knows both the Склад Pro database and the CloudCart shop. Tasks report progress
//! as [`Event`]s and never block a UI.

pub mod bgtime;
pub mod catalog;
pub mod conn_string;
mod connect;
pub mod control;
pub mod correspondence;
pub mod currency;
mod error;
mod events;
pub mod export;
mod handle;
pub mod ids;
pub use ids::{
    GoodId, GoodsGroupId, ObjectGroupId, ObjectId, PaymentTypeId, ServerType, UserId, VatGroupId,
};
mod journal;
pub mod lookups;
pub mod meter;
pub mod orders;
pub mod protocol;
pub mod pull;
pub mod report;
mod runner;
mod schedule;
mod secrets;
pub mod settings;
pub mod table_file;
mod tasks;
pub mod validate;
pub mod watch;
pub mod webhooks;

pub use connect::{
    PASSWORD_PLACEHOLDER, db_password_ref, move_typed_password, open_warehouse, shop_client,
    shop_client_stopped_by, warehouse_connection,
};
pub use error::EngineError;
pub use events::{Event, ItemProblem, Level, Reporter, RunSummary, Task};
pub use handle::{EngineHandle, FakeEngine};
pub use journal::{Journal, JournalError, Pushed, RunCounts, RunRecord, task_key};
pub use protocol::{
    Command, LastPush, Refusal, Reply, RunEvent, RunId, ServerId, ServerStatus, Status, Update,
};
pub use runner::{Engine, EngineConfig, TaskRunner, Waker, spawn_engine};
pub use schedule::{Job, wait_before};
pub use secrets::{EnvSecretStore, MemorySecretStore, SecretError, SecretStore};
pub use settings::{Server, Settings, SettingsError, SettingsFile};
pub use tasks::{default_task_runner, run_task};
