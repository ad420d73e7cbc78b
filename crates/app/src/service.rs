//! `skladsync serve`: the engine running all day without a window, behind its control endpoint;
//! and `skladsync status|start|stop`, which talk to it (or work in-process when none runs).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use futures::StreamExt as _;
use skladsync_engine::control::{self, Claim, RemoteEngine};
use skladsync_engine::settings::{SecretRef, SettingsFile};
use skladsync_engine::{
    Command, Engine, EngineConfig, EnvSecretStore, Event, Journal, Reply, SecretError, SecretStore,
    ServerId, Status, Task, Update, default_task_runner,
};

use crate::secret_store::AppSecretStore;

use crate::describe;
use crate::texts::Lang;

/// How long `serve` waits, after Ctrl-C or SIGTERM, for the running items to finish.
pub const SHUTDOWN_WAIT: Duration = Duration::from_secs(30);

/// How many daily log files are kept.
pub const LOG_DAYS: usize = 30;

/// The exit code of a second `serve` for a settings file that already has a running engine.
pub const ALREADY_RUNNING: i32 = 3;

pub fn settings_file(path: Option<PathBuf>) -> Result<SettingsFile> {
    Ok(match path {
        Some(p) => SettingsFile::at(p),
        None => SettingsFile::default_location()?,
    })
}

/// Secrets for a program nobody watches: the environment first (`SKLADSYNC_SECRET_…`), then the
/// store the window uses (the OS keychain, or the opt-in file). Writes go to the latter.
pub struct ServiceSecrets {
    keychain: AppSecretStore,
}

impl ServiceSecrets {
    pub fn new(settings: &SettingsFile, data_dir: &Path) -> ServiceSecrets {
        let file = settings
            .path()
            .parent()
            .map(|d| d.join("secrets.json"))
            .unwrap_or_else(|| data_dir.join("secrets.json"));
        ServiceSecrets {
            keychain: AppSecretStore::detect(file),
        }
    }
}

impl SecretStore for ServiceSecrets {
    fn get(&self, name: &SecretRef) -> Result<String, SecretError> {
        EnvSecretStore
            .get(name)
            .or_else(|_| self.keychain.get(name))
    }
    fn set(&self, name: &SecretRef, secret: &str) -> Result<(), SecretError> {
        self.keychain.set(name, secret)
    }
    fn delete(&self, name: &SecretRef) -> Result<(), SecretError> {
        self.keychain.delete(name)
    }
}

/// Daily log files in `<data>/logs`, the last [`LOG_DAYS`] kept, and the same lines on stderr.
fn start_logs(data_dir: &Path) -> Result<tracing_appender::non_blocking::WorkerGuard> {
    use tracing_subscriber::prelude::*;
    let dir = data_dir.join("logs");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("skladsync")
        .filename_suffix("log")
        .max_log_files(LOG_DAYS)
        .build(&dir)
        .context("opening the log file")?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("SKLADSYNC_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .with_ansi(false),
        )
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .try_init();
    Ok(guard)
}

/// One update as a log line.
fn log_update(u: &Update) {
    let lang = Lang::cli();
    match u {
        Update::Run(e) => {
            let (server, run) = (&e.server, e.run);
            match &e.event {
                Event::Started { task, dry_run } => {
                    tracing::info!(%server, %run, ?task, dry_run, "started")
                }
                Event::Phase { phase, .. } => {
                    tracing::info!(%server, %run, "{}", describe::phase(lang, *phase))
                }
                Event::Progress { .. } => {}
                Event::Item { level, problem, .. } => {
                    let line = describe::item_problem(lang, problem);
                    tracing::warn!(%server, %run, ?level, "{line}")
                }
                Event::Log { level, note, .. } => {
                    tracing::info!(%server, %run, ?level, "{}", describe::note(lang, note))
                }
                Event::Finished { task, summary } => tracing::info!(
                    %server, %run, ?task,
                    created = summary.created,
                    updated = summary.updated,
                    unchanged = summary.unchanged,
                    skipped = summary.skipped,
                    problems = summary.problems.len(),
                    "finished"
                ),
                Event::Failed { task, failure } => {
                    let why = describe::failure(lang, failure);
                    tracing::error!(%server, %run, ?task, "failed: {why}")
                }
            }
        }
        Update::Settings { .. } => tracing::info!("settings saved"),
    }
}

/// Ctrl-C, or SIGTERM where there is one.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

pub struct ServeArgs {
    pub settings: Option<PathBuf>,
    pub demo: bool,
    pub data_dir: PathBuf,
}

/// Run every enabled server's start modes until Ctrl-C or SIGTERM; returns the exit code.
pub async fn serve(args: ServeArgs) -> Result<i32> {
    let (file, secrets, demo): (SettingsFile, Arc<dyn SecretStore>, _) = if args.demo {
        let demo = crate::demo::start(&args.data_dir, false).await?;
        (demo.settings.clone(), demo.secrets.clone(), Some(demo))
    } else {
        let file = settings_file(args.settings)?;
        let secrets = Arc::new(ServiceSecrets::new(&file, &args.data_dir));
        (file, secrets as Arc<dyn SecretStore>, None)
    };
    let lock = match control::claim(&file)? {
        Claim::Owner(lock) => lock,
        Claim::Running(remote) => {
            let info = remote.info();
            eprintln!(
                "skladsync already runs for {} (pid {}, {}): `skladsync status` shows it, `skladsync start|stop` drive it",
                file.path().display(),
                info.pid,
                info.url
            );
            return Ok(ALREADY_RUNNING);
        }
    };
    let _logs = start_logs(&args.data_dir)?;
    let journal = Journal::open(&args.data_dir.join("journal.db")).await?;
    let engine = Engine::new(EngineConfig {
        settings: file.clone(),
        run_task: default_task_runner(secrets.clone(), journal.clone()),
        secrets,
        journal: Some(journal),
        waker: Box::new(|| {}),
    });
    if let Some(reason) = engine.read_only() {
        bail!("{reason}; fix or move the file, then start again (nothing was written)");
    }
    let mut updates = engine.subscribe();
    let logger = tokio::spawn(async move {
        while let Some(u) = updates.recv().await {
            log_update(&u);
        }
    });
    let endpoint = control::serve(engine.clone(), lock).await?;
    tracing::info!(
        url = %endpoint.info.url,
        pid = endpoint.info.pid,
        settings = %file.path().display(),
        "skladsync serve is running"
    );
    if let Reply::StartedMany { runs } = engine.execute(Command::StartEnabled).await {
        for (server, task, _) in runs {
            tracing::info!(%server, ?task, "task group started by its start mode");
        }
    }
    stop_signal().await;
    tracing::info!("stopping: the running items finish, nothing is left half-written");
    let clean = engine.shutdown(SHUTDOWN_WAIT).await;
    endpoint.shutdown().await;
    if let Some(d) = demo {
        d.sandbox.shutdown().await;
    }
    logger.abort();
    if clean {
        tracing::info!("stopped");
        Ok(0)
    } else {
        tracing::error!("a run did not stop within {SHUTDOWN_WAIT:?}");
        Ok(1)
    }
}

/// The running engine of a settings file, if there is one.
pub fn running(file: &SettingsFile) -> Result<Option<RemoteEngine>> {
    Ok(match control::claim(file)? {
        Claim::Running(remote) => Some(remote),
        Claim::Owner(_) => None,
    })
}

async fn server_id(remote: &RemoteEngine, wanted: &str) -> Result<ServerId> {
    let Reply::Settings { settings } = remote.execute(&Command::Settings).await? else {
        bail!("the running engine did not send its settings");
    };
    settings
        .servers
        .iter()
        .find(|s| s.id == wanted || s.name == wanted)
        .map(ServerId::of)
        .with_context(|| format!("no server „{wanted}“; `skladsync server list` lists them"))
}

/// `skladsync status`: what each server does now, its last run and its next scheduled run.
pub async fn status(settings: Option<PathBuf>, json: bool) -> Result<i32> {
    let file = settings_file(settings)?;
    let Some(remote) = running(&file)? else {
        if json {
            println!("{}", serde_json::json!({ "running": false }));
        } else {
            println!(
                "No skladsync engine runs for {} (start one with `skladsync serve`).",
                file.path().display()
            );
        }
        return Ok(0);
    };
    let st = remote.status().await?;
    let Reply::Settings { settings } = remote.execute(&Command::Settings).await? else {
        bail!("the running engine did not send its settings");
    };
    if json {
        println!(
            "{}",
            serde_json::json!({ "running": true, "pid": remote.info().pid, "status": st })
        );
        return Ok(0);
    }
    println!(
        "skladsync runs (pid {}, {})",
        remote.info().pid,
        remote.info().url
    );
    for s in &settings.servers {
        print_server_status(&s.name, st.servers.get(s.id.as_str()));
    }
    Ok(0)
}

fn print_server_status(name: &str, st: Option<&skladsync_engine::ServerStatus>) {
    let default = skladsync_engine::ServerStatus::default();
    let st = st.unwrap_or(&default);
    let lang = Lang::cli();
    let t = lang.texts();
    println!("{name}");
    match st.running {
        Some(task) => println!(
            "  ▶ {} — {} {}/{}",
            t.task(task),
            st.phase
                .map(|p| describe::phase(lang, p))
                .unwrap_or_default(),
            st.done,
            st.total
        ),
        None => println!("  {}", t.idle),
    }
    if let Some((task, last)) = &st.last {
        match last {
            Ok(s) => println!(
                "  {} ({}): {}, {} {}",
                t.last_run,
                t.task(*task),
                describe::summary(t, s),
                t.problems_count,
                s.problems.len()
            ),
            Err(f) => println!(
                "  {} ({}): {}: {}",
                t.last_run,
                t.task(*task),
                t.failed,
                describe::failure(lang, f)
            ),
        }
    }
    if let (Some(task), Some(at)) = (st.scheduled, st.next_run) {
        println!(
            "  {} ({}): {}",
            t.next_run,
            t.task(task),
            at.format("%Y-%m-%d %H:%M")
        );
    }
    if let Some(r) = &st.receiver {
        println!("  {}", describe::receiver(lang, r));
    }
}

/// Whether the status says this run is over.
fn ended(st: &Status, server: &ServerId, run: skladsync_engine::RunId) -> bool {
    st.servers.get(server).is_none_or(|s| s.run != Some(run))
}

/// `skladsync start` against a running engine: start the task and follow it to its end.
/// Returns `None` when no engine runs (the caller runs it in-process).
pub async fn start_remote(
    settings: Option<PathBuf>,
    server: &str,
    task: Task,
    dry_run: bool,
    json: bool,
) -> Result<Option<i32>> {
    let file = settings_file(settings)?;
    let Some(remote) = running(&file)? else {
        return Ok(None);
    };
    let id = server_id(&remote, server).await?;
    let mut updates = Box::pin(remote.updates().await?);
    let reply = remote
        .execute(&Command::Start {
            server: id.clone(),
            task,
            dry_run,
            scheduled: false,
        })
        .await?;
    let run = match reply {
        Reply::Started { run, .. } => run,
        Reply::Refused { refusal } => bail!("{refusal}"),
        other => bail!("unexpected answer: {other:?}"),
    };
    loop {
        let next = tokio::time::timeout(Duration::from_secs(5), updates.next()).await;
        let u = match next {
            Ok(Some(u)) => u?,
            Ok(None) => bail!("the engine stopped before the run ended"),
            // Quiet for a while: make sure the run has not ended unseen.
            Err(_) => {
                if ended(&remote.status().await?, &id, run) {
                    return Ok(Some(0));
                }
                continue;
            }
        };
        let Update::Run(e) = u else { continue };
        if e.run != run {
            continue;
        }
        crate::headless::print_event(&e.event, json);
        match e.event {
            Event::Finished { summary, .. } => {
                return Ok(Some(if summary.problems.is_empty() { 0 } else { 2 }));
            }
            Event::Failed { .. } => return Ok(Some(1)),
            _ => {}
        }
    }
}

/// `skladsync stop`: ask the running engine to stop a server's run (between items).
pub async fn stop(settings: Option<PathBuf>, server: &str) -> Result<i32> {
    let file = settings_file(settings)?;
    let Some(remote) = running(&file)? else {
        println!(
            "No skladsync engine runs for {}: nothing to stop.",
            file.path().display()
        );
        return Ok(0);
    };
    let id = server_id(&remote, server).await?;
    match remote.execute(&Command::Stop { server: id }).await? {
        Reply::Refused { refusal } => bail!("{refusal}"),
        _ => {
            println!("{server}: asked to stop; the current item finishes first");
            Ok(0)
        }
    }
}
