//! The window, Utility Center style: the server list with Нов / Редакция / Изтрий on the left,
//! the selected server's connection, task settings, actions, correspondence check and product
//! pull on the right.
//!
//! The window holds no SQL and no HTTP. Sync tasks go to the engine as [`Command`]s and come
//! back as events and a status snapshot; look-ups (pick lists, test connection) run on the
//! app's tokio runtime and come back over a channel. Nothing here waits: every frame polls.

mod check;
mod overview;
mod run;
mod settings;
mod webhooks;
mod widgets;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use skladsync_engine::lookups::{GoodChoice, LookupError, ShopInfo, WarehouseInfo};
use skladsync_engine::orders::QueuedOrder;
use skladsync_engine::report::{Failure, Note, Phase};
use skladsync_engine::settings::{SecretRef, Server, Settings, SettingsFile};
use skladsync_engine::webhooks::{WebhookError, WebhookState};
use skladsync_engine::{
    Command, Engine, EngineConfig, EngineHandle, Event, ItemProblem, Journal, Level, Refusal,
    Reply, RunEvent, RunRecord, SecretStore, Status, Task, TaskRunner, Update, default_task_runner,
};
use skladsync_warehouse::Connection;

use crate::describe;
use crate::secret_store::{AppSecretStore, StoreKind};
use crate::texts::{Lang, Texts};

pub use check::{CheckView, SortColumn};
pub use run::PullStep;

/// The tabs of a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Connection,
    Import,
    Export,
    Actions,
    Check,
    Pull,
}

/// The result of a look-up that runs in the background.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Probe<T> {
    #[default]
    NotTested,
    Testing,
    Ok(T),
    Failed(LookupError),
}

impl<T> From<Result<T, LookupError>> for Probe<T> {
    fn from(r: Result<T, LookupError>) -> Probe<T> {
        match r {
            Ok(t) => Probe::Ok(t),
            Err(e) => Probe::Failed(e),
        }
    }
}

impl<T> Probe<T> {
    pub fn ok(&self) -> Option<&T> {
        match self {
            Probe::Ok(t) => Some(t),
            _ => None,
        }
    }
}

/// One line of the log, typed: worded when drawn, in the language chosen then.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    pub at: chrono::DateTime<chrono::Local>,
    pub server: String,
    pub task: Task,
    pub level: Level,
    pub entry: LogEntry,
}

/// What a log line says.
#[derive(Debug, Clone, PartialEq)]
pub enum LogEntry {
    Started { dry_run: bool },
    Phase(Phase),
    Item(ItemProblem),
    Note(Note),
    Finished(skladsync_engine::RunSummary),
    Failed(Failure),
}

impl LogLine {
    pub fn text(&self, lang: Lang) -> String {
        let t = lang.texts();
        match &self.entry {
            LogEntry::Started { dry_run } => format!(
                "▶ {}{}",
                t.task(self.task),
                if *dry_run {
                    format!(" ({})", t.trial)
                } else {
                    String::new()
                }
            ),
            LogEntry::Phase(p) => format!("{}…", describe::phase(lang, *p)),
            LogEntry::Item(p) => describe::item_problem(lang, p),
            LogEntry::Note(n) => describe::note(lang, n),
            LogEntry::Finished(s) => format!("✔ {}", describe::summary(t, s)),
            LogEntry::Failed(f) => format!("✖ {}", describe::failure(lang, f)),
        }
    }
}

/// What the window knows about one server besides its settings.
#[derive(Default)]
pub struct ServerView {
    pub shop: Probe<ShopInfo>,
    pub warehouse: Probe<WarehouseInfo>,
    /// The warehouse's goods, for the pickers of the special goods (loaded once the warehouse
    /// answers).
    pub goods: Probe<Arc<Vec<GoodChoice>>>,
    /// The search text of the special goods' pickers (Доставка, Търговска отстъпка, Такса, the
    /// discount good at another VAT rate).
    pub goods_query: [String; 4],
    /// Per-item problems of the last run (and the running one).
    pub problems: Vec<(Task, Level, ItemProblem)>,
    pub history: Vec<RunRecord>,
    /// Where the history was last saved as a file, or why it could not be.
    pub history_note: Option<Result<String, String>>,
    pub check: CheckView,
    pub pull: PullStep,
    /// The last finished or failed run, for the progress panel.
    pub last: Option<(Task, Result<skladsync_engine::RunSummary, Failure>)>,
    /// „Пробно (без запис)“ of the Start buttons.
    pub dry_run: bool,
    /// The orders' exception queue.
    pub queue: Vec<QueuedOrder>,
    /// A retry or dismissal is under way.
    pub queue_busy: bool,
    /// The result of the last retry.
    pub queue_note: Option<Result<skladsync_engine::RunSummary, Failure>>,
    /// The hooks of the order events in the shop, as the engine last read or activated them.
    pub webhooks: Option<Result<WebhookState, WebhookError>>,
    /// An activation or a reading of the hooks is under way.
    pub webhooks_busy: bool,
    key_input: String,
    password_input: String,
    webhook_secret_input: String,
    webhook_secret_note: Option<Result<(), String>>,
    /// The newest probe of each side; an older probe's late answer is dropped.
    shop_generation: u64,
    warehouse_generation: u64,
    key_note: Option<Result<(), String>>,
}

/// Background results of the window's own (file dialogs, CSV files).
enum Done {
    PickedFile(String, PathBuf),
    CsvSaved(Result<PathBuf, String>),
    /// The history was saved as a file (for this server).
    HistorySaved(String, Result<PathBuf, String>),
    /// A dialog was cancelled.
    Nothing,
}

/// What the window starts from.
pub struct AppInit {
    /// The runtime the engine and the look-ups run on (owned by the app, or shared with main).
    pub runtime: Arc<tokio::runtime::Runtime>,
    pub settings: SettingsFile,
    pub secrets: Arc<dyn SecretStore>,
    /// The keychain wrapper, when the secrets are the user's (not the demo's memory store).
    pub secret_store: Option<Arc<AppSecretStore>>,
    /// The journal for the run history; `None`: no history.
    pub journal: Option<Journal>,
    /// The engine's task runner; `None`: the real tasks ([`default_task_runner`], needs a
    /// journal).
    pub runner: Option<TaskRunner>,
    /// The engine of a running `skladsync serve` to attach to; `None`: the window starts its
    /// own engine.
    pub attach: Option<skladsync_engine::control::RemoteEngine>,
    /// An engine handle made by the caller (a test's [`EngineHandle::fake`]); wins over
    /// `attach` and the window's own engine.
    pub engine: Option<EngineHandle>,
    /// The server selected at the start.
    pub select: Option<String>,
    /// The window's language; `None`: the one chosen last time ([`remembered_lang`]), else
    /// Bulgarian.
    pub lang: Option<Lang>,
}

/// The window's own small state, kept between runs in [`window_state_path`] (not in the
/// engine's settings file).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct WindowState {
    #[serde(default)]
    lang: Option<Lang>,
}

/// Where the window keeps its own state: `window.json` beside the settings file.
pub fn window_state_path(settings: &SettingsFile) -> PathBuf {
    settings
        .path()
        .parent()
        .map(|d| d.join("window.json"))
        .unwrap_or_else(|| PathBuf::from("window.json"))
}

fn read_window_state(settings: &SettingsFile) -> WindowState {
    std::fs::read(window_state_path(settings))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// The language chosen in the window last time, if any.
pub fn remembered_lang(settings: &SettingsFile) -> Option<Lang> {
    read_window_state(settings).lang
}

/// Keep the language for the next run.
fn remember_lang(settings: &SettingsFile, lang: Lang) -> std::io::Result<()> {
    let mut state = read_window_state(settings);
    state.lang = Some(lang);
    let path = window_state_path(settings);
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    let text = serde_json::to_vec_pretty(&state).map_err(std::io::Error::other)?;
    std::fs::write(path, text)
}

type Waker = Arc<dyn Fn() + Send + Sync>;

pub struct App {
    rt: Arc<tokio::runtime::Runtime>,
    ctx: Arc<Mutex<Option<egui::Context>>>,
    waker: Waker,
    engine: EngineHandle,
    file: SettingsFile,
    /// The settings as last loaded or saved.
    pub settings: Settings,
    /// The keychain wrapper of the window's own engine (which store it is, and the choice of a
    /// file store); the engine alone reads and writes the secrets.
    secret_store: Option<Arc<AppSecretStore>>,
    pub lang: Lang,
    pub selected: Option<String>,
    /// The first screen („Преглед“) is shown instead of the selected server.
    pub home: bool,
    pub tab: Tab,
    /// The Редакция dialog: (server id, name being edited).
    pub edit: Option<(String, String)>,
    pub confirm_delete: Option<String>,
    pub views: HashMap<String, ServerView>,
    pub log: Vec<LogLine>,
    pub log_filter: Level,
    pub status: Status,
    /// The last error saving the settings.
    pub save_error: Option<String>,
    /// „Стартирай с компютъра“ as the OS has it (`None`: not offered, e.g. in the demo).
    pub autostart: Option<bool>,
    done_tx: mpsc::Sender<Done>,
    done_rx: mpsc::Receiver<Done>,
}

impl App {
    pub fn new(init: AppInit) -> App {
        let ctx: Arc<Mutex<Option<egui::Context>>> = Arc::default();
        let waker: Waker = {
            let ctx = ctx.clone();
            Arc::new(move || {
                if let Some(c) = ctx.lock().expect("ctx").as_ref() {
                    c.request_repaint();
                }
            })
        };
        let engine = {
            let _guard = init.runtime.enter();
            let w = waker.clone();
            match (init.engine, init.attach) {
                (Some(handle), _) => handle,
                // `skladsync serve` runs for these settings: the window is a view of it.
                (None, Some(remote)) => EngineHandle::attach(remote, Box::new(move || w())),
                (None, None) => {
                    let runner = init.runner.unwrap_or_else(|| {
                        let journal = init
                            .journal
                            .clone()
                            .expect("the real task runner needs a journal");
                        default_task_runner(init.secrets.clone(), journal)
                    });
                    EngineHandle::new(Engine::new(EngineConfig {
                        settings: init.settings.clone(),
                        run_task: runner,
                        secrets: init.secrets.clone(),
                        journal: init.journal.clone(),
                        waker: Box::new(move || w()),
                    }))
                }
            }
        };
        let (settings, save_error) = engine.settings();
        // Opened on a server when asked to; else on the first screen.
        let home = init.select.is_none() && !settings.servers.is_empty();
        let selected = init
            .select
            .filter(|id| settings.servers.iter().any(|s| &s.id == id))
            .or_else(|| settings.servers.first().map(|s| s.id.clone()));
        let lang = init
            .lang
            .or_else(|| remembered_lang(&init.settings))
            .unwrap_or_default();
        let (done_tx, done_rx) = mpsc::channel();
        let mut app = App {
            rt: init.runtime,
            ctx,
            waker,
            engine,
            file: init.settings,
            settings,
            secret_store: init.secret_store,
            lang,
            selected: None,
            home,
            tab: Tab::Connection,
            edit: None,
            confirm_delete: None,
            views: HashMap::new(),
            log: Vec::new(),
            log_filter: Level::Info,
            status: Status::default(),
            save_error,
            autostart: None,
            done_tx,
            done_rx,
        };
        if app.secret_store.is_some() {
            app.autostart = crate::autostart::is_enabled(app.custom_settings_path()).ok();
        }
        if let Some(id) = selected {
            app.select(&id);
        }
        if home {
            app.load_overview();
        }
        app
    }

    pub fn texts(&self) -> &'static Texts {
        self.lang.texts()
    }

    pub fn settings_file(&self) -> &SettingsFile {
        &self.file
    }

    /// The settings file when it is not the default one (for the start-at-login command).
    fn custom_settings_path(&self) -> Option<&std::path::Path> {
        let default = SettingsFile::default_location().ok();
        match default {
            Some(d) if d.path() == self.file.path() => None,
            _ => Some(self.file.path()),
        }
    }

    /// „Стартирай с компютъра“.
    pub fn set_autostart(&mut self, on: bool) {
        match crate::autostart::set(self.custom_settings_path(), on) {
            Ok(()) => self.autostart = Some(on),
            Err(e) => self.save_error = Some(format!("{e:#}")),
        }
    }

    /// Whether the window shows the engine of a running `skladsync serve`.
    pub fn is_attached(&self) -> bool {
        self.engine.is_attached()
    }

    /// The server a secret belongs to, and whether it is its API key (else its database
    /// password).
    fn secret_owner(&self, name: &SecretRef) -> Option<(String, bool)> {
        self.settings.servers.iter().find_map(|s| {
            if &s.shop.api_key == name {
                Some((s.id.clone(), true))
            } else if s.warehouse.password.as_ref() == Some(name)
                || &skladsync_engine::db_password_ref(s) == name
            {
                Some((s.id.clone(), false))
            } else {
                None
            }
        })
    }

    /// The server whose webhook secret this is.
    fn webhook_secret_owner(&self, name: &SecretRef) -> Option<String> {
        self.settings
            .servers
            .iter()
            .find(|s| &s.webhook_secret() == name)
            .map(|s| s.id.clone())
    }

    pub fn server(&self, id: &str) -> Option<&Server> {
        self.settings.servers.iter().find(|s| s.id == id)
    }

    pub fn selected_server(&self) -> Option<&Server> {
        self.selected.as_deref().and_then(|id| self.server(id))
    }

    pub fn view(&mut self, id: &str) -> &mut ServerView {
        self.views.entry(id.to_owned()).or_default()
    }

    /// Select a server; its pick lists load in the background the first time.
    pub fn select(&mut self, id: &str) {
        self.selected = Some(id.to_owned());
        let v = self.view(id);
        let first = matches!(v.warehouse, Probe::NotTested) && matches!(v.shop, Probe::NotTested);
        if first {
            self.test_warehouse(id);
            self.test_shop(id);
            self.load_history(id);
            self.load_queue(id);
        }
    }

    pub fn load_queue(&mut self, id: &str) {
        self.engine.send(Command::QueueList { server: id.into() });
    }

    /// „Опитай отново“: import one queued order again (`None`: all of them). The engine runs it
    /// as a task of the server, so that Stop reaches it and the status shows it.
    pub fn retry_queued(&mut self, id: &str, order_id: Option<String>) {
        self.view(id).queue_busy = true;
        self.engine.send(Command::QueueRetry {
            server: id.into(),
            order: order_id,
        });
    }

    /// Take an order out of the queue (handled by hand in Склад Pro).
    pub fn dismiss_queued(&mut self, id: &str, shop: String, order_id: String) {
        self.view(id).queue_busy = true;
        self.engine.send(Command::QueueDismiss {
            server: id.into(),
            shop,
            order: order_id,
        });
    }

    fn spawn(&self, fut: impl std::future::Future<Output = Done> + Send + 'static) {
        let tx = self.done_tx.clone();
        let waker = self.waker.clone();
        self.rt.spawn(async move {
            let done = fut.await;
            let _ = tx.send(done);
            waker();
        });
    }

    pub fn test_shop(&mut self, id: &str) {
        let v = self.view(id);
        v.shop = Probe::Testing;
        v.shop_generation += 1;
        let probe = v.shop_generation;
        self.engine.send(Command::TestShop {
            server: id.into(),
            probe,
        });
    }

    pub fn test_warehouse(&mut self, id: &str) {
        let v = self.view(id);
        v.warehouse = Probe::Testing;
        v.goods = Probe::NotTested;
        v.warehouse_generation += 1;
        let probe = v.warehouse_generation;
        self.engine.send(Command::TestWarehouse {
            server: id.into(),
            probe,
        });
    }

    /// Read the warehouse's goods for the special goods' pickers.
    pub fn load_goods(&mut self, id: &str) {
        let v = self.view(id);
        v.goods = Probe::Testing;
        let probe = v.warehouse_generation;
        self.engine.send(Command::LoadGoods {
            server: id.into(),
            probe,
        });
    }

    pub fn run_check(&mut self, id: &str) {
        self.view(id).check.running = true;
        self.engine.send(Command::Check { server: id.into() });
    }

    pub fn load_history(&mut self, id: &str) {
        self.engine.send(Command::History {
            server: id.into(),
            limit: 50,
        });
    }

    /// Start a task of a server; `scheduled`: by its start mode (Старт of „Действия“),
    /// otherwise at once (the guided pull, a trial run).
    pub fn start(&mut self, id: &str, task: Task, dry_run: bool, scheduled: bool) {
        self.view(id).problems.retain(|(t, _, _)| *t != task);
        self.engine.send(Command::Start {
            server: id.into(),
            task,
            dry_run,
            scheduled,
        });
    }

    pub fn stop(&mut self, id: &str) {
        self.engine.send(Command::Stop { server: id.into() });
    }

    /// Replace a server's settings; the engine saves them.
    pub fn update_server(&mut self, server: Server) {
        if let Some(s) = self.settings.servers.iter_mut().find(|s| s.id == server.id) {
            if *s == server {
                return;
            }
            *s = server.clone();
        } else {
            self.settings.servers.push(server.clone());
        }
        self.engine.send(Command::SaveServer {
            server: Box::new(server),
        });
        self.take_replies();
    }

    /// Replies of the engine: look-ups into their server's view; a refused command is shown
    /// where the settings error is.
    fn take_replies(&mut self) {
        for reply in self.engine.drain_replies() {
            match reply {
                // A window without a journal shows no history or queue.
                Reply::Refused {
                    refusal: Refusal::NoJournal,
                } => {}
                Reply::Refused {
                    refusal: Refusal::SecretNotSaved { name, reason },
                } if self.webhook_secret_owner(&name).is_some() => {
                    let id = self.webhook_secret_owner(&name).unwrap_or_default();
                    self.view(&id).webhook_secret_note = Some(Err(reason));
                }
                Reply::Refused {
                    refusal: Refusal::SecretNotSaved { name, reason },
                } => match self.secret_owner(&name) {
                    Some((id, true)) => self.view(&id).key_note = Some(Err(reason)),
                    _ => self.save_error = Some(reason),
                },
                Reply::Refused { refusal } => self.save_error = Some(refusal.to_string()),
                // The engine holds the key or password now: the field is cleared and the side
                // it opens is tested.
                Reply::SecretSaved { name } if self.webhook_secret_owner(&name).is_some() => {
                    let id = self.webhook_secret_owner(&name).unwrap_or_default();
                    let v = self.view(&id);
                    v.webhook_secret_note = Some(Ok(()));
                    v.webhook_secret_input.clear();
                }
                Reply::SecretSaved { name } => match self.secret_owner(&name) {
                    Some((id, true)) => {
                        let v = self.view(&id);
                        v.key_note = Some(Ok(()));
                        v.key_input.clear();
                        self.test_shop(&id);
                    }
                    Some((id, false)) => self.test_warehouse(&id),
                    None => {}
                },
                Reply::Done => self.save_error = None,
                Reply::Shop {
                    server,
                    probe,
                    result,
                } => {
                    let v = self.view(server.as_str());
                    if probe == v.shop_generation {
                        v.shop = Probe::from(result);
                    }
                }
                Reply::Warehouse {
                    server,
                    probe,
                    result,
                } => {
                    let v = self.view(server.as_str());
                    if probe == v.warehouse_generation {
                        v.warehouse = Probe::from(result);
                    }
                }
                Reply::Goods {
                    server,
                    probe,
                    result,
                } => {
                    let v = self.view(server.as_str());
                    if probe == v.warehouse_generation {
                        v.goods = Probe::from(result.map(Arc::new));
                    }
                }
                Reply::Check { server, result } => {
                    let c = &mut self.view(server.as_str()).check;
                    c.running = false;
                    match result {
                        Ok(rows) => c.set_rows(rows),
                        Err(e) => c.error = Some(e),
                    }
                }
                Reply::History { server, runs } => self.view(server.as_str()).history = runs,
                Reply::Queue { server, queue } => self.view(server.as_str()).queue = queue,
                Reply::Dismissed { server, .. } => {
                    let id = server.to_string();
                    let v = self.view(&id);
                    v.queue_busy = false;
                    v.queue_note = Some(Ok(skladsync_engine::RunSummary::default()));
                    self.load_queue(&id);
                    self.load_history(&id);
                }
                Reply::Webhooks { server, result } => {
                    let v = self.view(server.as_str());
                    v.webhooks_busy = false;
                    v.webhooks = Some(result);
                }
                Reply::Started { .. } | Reply::StartedMany { .. } | Reply::Settings { .. } => {}
            }
        }
    }

    /// Нов: a server with the defaults, selected, with the Редакция dialog open.
    pub fn new_server(&mut self) {
        let id = loop {
            let id = format!(
                "s{}",
                chrono::Utc::now()
                    .timestamp_micros()
                    .rem_euclid(1_000_000_000_000)
            );
            if self.server(&id).is_none() {
                break id;
            }
        };
        let name = {
            let base = self.texts().new_server_name;
            let mut n = base.to_owned();
            let mut i = 2;
            while self.settings.servers.iter().any(|s| s.name == n) {
                n = format!("{base} {i}");
                i += 1;
            }
            n
        };
        let server = Server::new(
            id.clone(),
            name.clone(),
            String::new(),
            Connection::Odbc {
                connection_string: settings::access_connection_string(""),
            },
        );
        self.update_server(server);
        self.selected = Some(id.clone());
        self.home = false;
        self.tab = Tab::Connection;
        self.edit = Some((id, name));
    }

    pub fn rename(&mut self, id: &str, name: &str) {
        let name = name.trim();
        if name.is_empty() {
            return;
        }
        if let Some(mut s) = self.server(id).cloned() {
            s.name = name.to_owned();
            self.update_server(s);
        }
    }

    /// Изтрий: the server (stopped first), its secrets and its view.
    pub fn delete_server(&mut self, id: &str) {
        self.engine
            .send(Command::DeleteServer { server: id.into() });
        self.take_replies();
        self.settings.servers.retain(|s| s.id != id);
        self.views.remove(id);
        if self.selected.as_deref() == Some(id) {
            self.selected = None;
            if let Some(first) = self.settings.servers.first().map(|s| s.id.clone()) {
                self.select(&first);
            }
        }
    }

    fn secret_kind(&self) -> StoreKind {
        match &self.secret_store {
            Some(s) => s.kind(),
            None => StoreKind::Session,
        }
    }

    /// Take in what the engine and the background look-ups sent since the last frame.
    pub fn poll(&mut self) {
        while let Ok(done) = self.done_rx.try_recv() {
            match done {
                Done::PickedFile(id, path) => {
                    if let Some(mut s) = self.server(&id).cloned() {
                        s.warehouse.connection = Connection::Odbc {
                            connection_string: settings::access_connection_string(
                                &path.display().to_string(),
                            ),
                        };
                        self.update_server(s);
                    }
                }
                Done::Nothing => {}
                Done::CsvSaved(r) => {
                    if let Some(id) = self.selected.clone() {
                        self.view(&id).check.csv_note = Some(r.map(|p| p.display().to_string()));
                    }
                }
                Done::HistorySaved(id, r) => {
                    self.view(&id).history_note = Some(r.map(|p| p.display().to_string()));
                }
            }
        }
        self.take_replies();
        self.status = self.engine.status();
        for update in self.engine.drain_updates() {
            match update {
                Update::Run(e) => self.take_event(e),
                // The engine saved them (a command, or a task such as the product pull).
                Update::Settings { settings } => self.settings = settings,
            }
        }
    }

    fn take_event(&mut self, event: RunEvent) {
        let server = event.server.to_string();
        let event = event.event;
        let task = match &event {
            Event::Started { task, .. }
            | Event::Phase { task, .. }
            | Event::Progress { task, .. }
            | Event::Item { task, .. }
            | Event::Log { task, .. }
            | Event::Finished { task, .. }
            | Event::Failed { task, .. } => *task,
        };
        let line = |level: Level, entry: LogEntry| LogLine {
            at: chrono::Local::now(),
            server: server.clone(),
            task,
            level,
            entry,
        };
        match event {
            Event::Started { dry_run, .. } => {
                self.log
                    .push(line(Level::Info, LogEntry::Started { dry_run }));
            }
            Event::Phase { phase, .. } => {
                self.log.push(line(Level::Info, LogEntry::Phase(phase)));
            }
            Event::Progress { .. } => {}
            Event::Item { level, problem, .. } => {
                self.log.push(line(level, LogEntry::Item(problem.clone())));
                self.view(&server).problems.push((task, level, problem));
            }
            Event::Log { level, note, .. } => {
                self.log.push(line(level, LogEntry::Note(note)));
            }
            Event::Finished { summary, .. } => {
                self.log
                    .push(line(Level::Info, LogEntry::Finished(summary.clone())));
                let v = self.view(&server);
                if v.problems.iter().all(|(tk, _, _)| *tk != task) {
                    v.problems.extend(
                        summary
                            .problems
                            .iter()
                            .cloned()
                            .map(|p| (task, Level::Warning, p)),
                    );
                }
                if task == Task::ProductPull {
                    v.pull.finished(&summary);
                }
                if task == Task::QueueRetry {
                    v.queue_busy = false;
                    v.queue_note = Some(Ok(summary.clone()));
                }
                v.last = Some((task, Ok(summary)));
                if matches!(task, Task::OrderImport | Task::QueueRetry) {
                    self.load_queue(&server);
                }
                self.load_history(&server);
            }
            Event::Failed { failure, .. } => {
                self.log
                    .push(line(Level::Error, LogEntry::Failed(failure.clone())));
                let v = self.view(&server);
                if task == Task::ProductPull {
                    v.pull.failed(&failure);
                }
                if task == Task::QueueRetry {
                    v.queue_busy = false;
                    v.queue_note = Some(Err(failure.clone()));
                    self.load_queue(&server);
                }
                let v = self.view(&server);
                v.last = Some((task, Err(failure)));
                self.load_history(&server);
            }
        }
        const MAX_LOG: usize = 5000;
        if self.log.len() > MAX_LOG {
            self.log.drain(..self.log.len() - MAX_LOG);
        }
    }

    /// Draw one frame (the eframe app and the tests call this).
    pub fn show(&mut self, ui: &mut egui::Ui) {
        {
            let mut c = self.ctx.lock().expect("ctx");
            if c.is_none() {
                *c = Some(ui.ctx().clone());
            }
        }
        self.poll();
        let t = self.texts();

        egui::Panel::top("top").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading(t.app_title);
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let before = self.lang;
                    ui.selectable_value(&mut self.lang, Lang::En, "EN");
                    ui.selectable_value(&mut self.lang, Lang::Bg, "БГ");
                    ui.label(t.language);
                    if self.lang != before {
                        // Not worth an error line: the choice still holds for this run.
                        let _ = remember_lang(&self.file, self.lang);
                    }
                    if let Some(mut on) = self.autostart {
                        ui.separator();
                        if ui
                            .checkbox(&mut on, t.start_with_computer)
                            .on_hover_text(t.start_with_computer_hint)
                            .changed()
                        {
                            self.set_autostart(on);
                        }
                    }
                    if self.is_attached() {
                        ui.separator();
                        ui.label(format!("● {}", t.attached));
                    }
                });
            });
            if self.secret_store.is_some() && self.secret_kind() == StoreKind::Session {
                ui.horizontal_wrapped(|ui| {
                    ui.colored_label(ui.visuals().warn_fg_color, t.no_keychain);
                    if ui.button(t.use_file_store).clicked() {
                        let names: Vec<_> = self
                            .settings
                            .servers
                            .iter()
                            .flat_map(|s| {
                                std::iter::once(s.shop.api_key.clone())
                                    .chain(s.warehouse.password.clone())
                            })
                            .collect();
                        if let Some(store) = &self.secret_store
                            && let Err(e) = store.opt_in_file(&names)
                        {
                            self.save_error = Some(e.to_string());
                        }
                    }
                });
            }
            if let Some(e) = &self.save_error {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    format!("{}: {e}", t.saved_settings_error),
                );
            }
        });

        egui::Panel::left("servers")
            .resizable(true)
            .default_size(220.0)
            .show(ui, |ui| self.server_list(ui));

        egui::CentralPanel::default().show(ui, |ui| {
            if self.home {
                self.overview(ui);
                return;
            }
            let Some(id) = self.selected.clone() else {
                ui.label(t.no_server);
                return;
            };
            if self.server(&id).is_none() {
                ui.label(t.no_server);
                return;
            }
            ui.horizontal_wrapped(|ui| {
                for (tab, label) in [
                    (Tab::Connection, t.tab_connection),
                    (Tab::Import, t.tab_import),
                    (Tab::Export, t.tab_export),
                    (Tab::Actions, t.tab_actions),
                    (Tab::Check, t.tab_check),
                    (Tab::Pull, t.tab_pull),
                ] {
                    ui.selectable_value(&mut self.tab, tab, label);
                }
            });
            ui.separator();
            match self.tab {
                Tab::Connection => self.connection_tab(ui, &id),
                Tab::Import => self.import_tab(ui, &id),
                Tab::Export => self.export_tab(ui, &id),
                Tab::Actions => self.actions_tab(ui, &id),
                Tab::Check => self.check_tab(ui, &id),
                Tab::Pull => self.pull_tab(ui, &id),
            }
        });

        self.dialogs(ui);
    }

    fn server_list(&mut self, ui: &mut egui::Ui) {
        let t = self.texts();
        if ui.selectable_label(self.home, t.overview).clicked() && !self.home {
            self.home = true;
            self.load_overview();
        }
        ui.separator();
        ui.heading(t.servers);
        ui.horizontal(|ui| {
            if ui.button(t.new).clicked() {
                self.new_server();
            }
            let has = self.selected.is_some();
            if ui.add_enabled(has, egui::Button::new(t.edit)).clicked()
                && let Some(s) = self.selected_server()
            {
                self.edit = Some((s.id.clone(), s.name.clone()));
            }
            if ui.add_enabled(has, egui::Button::new(t.delete)).clicked() {
                self.confirm_delete = self.selected.clone();
            }
        });
        ui.separator();
        let mut clicked = None;
        egui::ScrollArea::vertical().show(ui, |ui| {
            for s in &self.settings.servers {
                let running = self
                    .status
                    .servers
                    .get(s.id.as_str())
                    .is_some_and(|st| st.running.is_some());
                let text = format!("{}{}", if running { "• " } else { "" }, s.name);
                let r = ui
                    .selectable_label(
                        !self.home && self.selected.as_deref() == Some(s.id.as_str()),
                        text,
                    )
                    .on_hover_text(s.server_type.name());
                if r.clicked() {
                    clicked = Some(s.id.clone());
                }
                if r.double_clicked() {
                    self.edit = Some((s.id.clone(), s.name.clone()));
                }
            }
        });
        if let Some(id) = clicked {
            self.home = false;
            self.select(&id);
        }
    }

    fn dialogs(&mut self, ui: &mut egui::Ui) {
        let t = self.texts();
        if let Some((id, mut name)) = self.edit.take() {
            let mut keep = true;
            let mut ok = false;
            egui::Window::new(t.edit)
                .collapsible(false)
                .resizable(false)
                .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
                .show(ui.ctx(), |ui| {
                    egui::Grid::new("edit-server")
                        .num_columns(2)
                        .show(ui, |ui| {
                            let l = ui.label(t.server_name);
                            let r = ui.text_edit_singleline(&mut name).labelled_by(l.id);
                            if r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                                ok = true;
                            }
                            ui.end_row();
                            let l = ui.label(t.server_type);
                            egui::ComboBox::from_id_salt("server-type")
                                .selected_text(skladsync_engine::settings::SERVER_TYPE)
                                .show_ui(ui, |ui| {
                                    let _ = ui.selectable_label(
                                        true,
                                        skladsync_engine::settings::SERVER_TYPE,
                                    );
                                })
                                .response
                                .labelled_by(l.id);
                            ui.end_row();
                        });
                    ui.horizontal(|ui| {
                        if ui.button(t.ok).clicked() {
                            ok = true;
                        }
                        if ui.button(t.cancel).clicked() {
                            keep = false;
                        }
                    });
                });
            if ok {
                self.rename(&id, &name);
            } else if keep {
                self.edit = Some((id, name));
            }
        }
        if let Some(id) = self.confirm_delete.clone() {
            let name = self.server(&id).map(|s| s.name.clone()).unwrap_or_default();
            egui::Window::new(t.delete)
                .collapsible(false)
                .resizable(false)
                .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
                .show(ui.ctx(), |ui| {
                    ui.label(format!("{} „{name}“?", t.confirm_delete));
                    ui.horizontal(|ui| {
                        if ui.button(t.delete).clicked() {
                            self.confirm_delete = None;
                            self.delete_server(&id);
                        }
                        if ui.button(t.cancel).clicked() {
                            self.confirm_delete = None;
                        }
                    });
                });
        }
    }
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
        // While something runs, keep the clock-based figures (rate, time left) moving.
        if self
            .status
            .servers
            .values()
            .any(|s| s.running.is_some() || s.next_run.is_some())
        {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(500));
        }
    }
}
