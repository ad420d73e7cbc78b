//! The control endpoint of a running engine (`skladsync serve`): the same [`Command`]s down and
//! [`Update`]s and the [`Status`] up, as JSON over HTTP on 127.0.0.1, with server-sent events
//! for the updates. One engine per settings file:
//!
//! * `<settings>.engine.lock` is held (an OS lock, released however the process ends) by the
//!   process that owns the engine;
//! * `<settings>.engine.json` (readable only by the user) says where it listens and the random
//!   token every request must carry (`Authorization: Bearer …`).
//!
//! A second `serve`, a window or the CLI find the running engine through [`claim`] and attach to
//! it with a [`RemoteEngine`] instead of starting their own.
//!
//! | route | |
//! |---|---|
//! | `GET /v1/status` | the [`Status`] snapshot |
//! | `POST /v1/command` | a [`Command`]; answers its [`Reply`] |
//! | `GET /v1/updates` | server-sent events, one [`Update`] per `data:` line, from now on |

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::protocol::{Command, Reply, Status, Update};
use crate::runner::Engine;
use crate::settings::SettingsFile;

#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("{path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "another skladsync engine holds {path}, but its address file is missing or damaged; wait a few seconds and try again"
    )]
    NoAddress { path: PathBuf },
    #[error("the running skladsync engine (pid {pid}, {url}) does not answer: {message}")]
    Unreachable {
        pid: u32,
        url: String,
        message: String,
    },
    #[error("the running skladsync engine refused the request (HTTP {status}): {message}")]
    Refused { status: u16, message: String },
    #[error("the control endpoint could not start: {0}")]
    Listen(std::io::Error),
}

/// Where a running engine listens; written next to the settings file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlInfo {
    pub url: String,
    pub token: String,
    pub pid: u32,
}

fn lock_path(settings: &SettingsFile) -> PathBuf {
    settings.path().with_extension("engine.lock")
}

/// The address file of the engine of a settings file.
pub fn info_path(settings: &SettingsFile) -> PathBuf {
    settings.path().with_extension("engine.json")
}

/// Held by the process that owns the engine of a settings file.
#[derive(Debug)]
pub struct EngineLock {
    _file: File,
    info: PathBuf,
}

impl Drop for EngineLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.info);
    }
}

/// Either this process may own the engine, or one already runs.
#[derive(Debug)]
pub enum Claim {
    Owner(EngineLock),
    Running(RemoteEngine),
}

/// Find out whether an engine already runs for these settings; if none does, take the lock.
pub fn claim(settings: &SettingsFile) -> Result<Claim, ControlError> {
    let path = lock_path(settings);
    let file_err = |path: &Path| {
        let path = path.to_owned();
        move |source| ControlError::File { path, source }
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(file_err(dir))?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(file_err(&path))?;
    match file.try_lock() {
        Ok(()) => Ok(Claim::Owner(EngineLock {
            _file: file,
            info: info_path(settings),
        })),
        Err(TryLockError::WouldBlock) => {
            let info_file = info_path(settings);
            let info: ControlInfo = std::fs::read(&info_file)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .ok_or(ControlError::NoAddress { path })?;
            Ok(Claim::Running(RemoteEngine::new(info)))
        }
        Err(TryLockError::Error(e)) => Err(ControlError::File { path, source: e }),
    }
}

/// Write a file only the user can read, complete before it appears under its name.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut opts = OpenOptions::new();
    opts.create(true).truncate(true).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
}

pub(crate) fn random_token() -> String {
    use rand::RngCore as _;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The running control endpoint; dropping it (or [`ControlServer::shutdown`]) stops it.
pub struct ControlServer {
    pub addr: SocketAddr,
    pub info: ControlInfo,
    closing: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    _lock: EngineLock,
}

impl ControlServer {
    /// Stop answering: open update streams end, requests under way get [`CLOSE_WAIT`] to
    /// finish.
    pub async fn shutdown(mut self) {
        let _ = self.closing.send(true);
        if tokio::time::timeout(CLOSE_WAIT, &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }
}

/// How long requests under way may take once the endpoint closes.
pub const CLOSE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

#[derive(Clone)]
struct Ctx {
    engine: Engine,
    token: String,
    closing: watch::Receiver<bool>,
}

async fn closed(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|c| *c).await;
}

/// Put an engine behind the control endpoint on 127.0.0.1 (a free port) and write its address
/// file.
pub async fn serve(engine: Engine, lock: EngineLock) -> Result<ControlServer, ControlError> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(ControlError::Listen)?;
    let addr = listener.local_addr().map_err(ControlError::Listen)?;
    let info = ControlInfo {
        url: format!("http://{addr}"),
        token: random_token(),
        pid: std::process::id(),
    };
    let (closing, closing_rx) = watch::channel(false);
    let ctx = Ctx {
        engine,
        token: info.token.clone(),
        closing: closing_rx.clone(),
    };
    let app = Router::new()
        .route("/v1/status", get(status))
        .route("/v1/command", post(command))
        .route("/v1/updates", get(updates))
        .layer(middleware::from_fn_with_state(ctx.clone(), authorise))
        .with_state(ctx);
    let text = serde_json::to_vec_pretty(&info).expect("control info serialises");
    write_private(&lock.info, &text).map_err(|source| ControlError::File {
        path: lock.info.clone(),
        source,
    })?;
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(closed(closing_rx))
            .await;
    });
    Ok(ControlServer {
        addr,
        info,
        closing,
        task,
        _lock: lock,
    })
}

/// Constant-time comparison, so that the token cannot be guessed a byte at a time.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn authorise(State(ctx): State<Ctx>, req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if same(given.as_bytes(), ctx.token.as_bytes()) {
        next.run(req).await
    } else {
        (StatusCode::UNAUTHORIZED, "a valid token is required").into_response()
    }
}

async fn status(State(ctx): State<Ctx>) -> Json<Status> {
    Json(ctx.engine.status())
}

async fn command(State(ctx): State<Ctx>, Json(cmd): Json<Command>) -> Json<Reply> {
    Json(ctx.engine.execute(cmd).await)
}

async fn updates(
    State(ctx): State<Ctx>,
) -> Sse<impl Stream<Item = Result<SseEvent, std::convert::Infallible>>> {
    let rx = ctx.engine.subscribe();
    let stream = tokio_stream_from(rx)
        .take_until(closed(ctx.closing.clone()))
        .map(|u| Ok(SseEvent::default().data(serde_json::to_string(&u).unwrap_or_default())));
    Sse::new(stream).keep_alive(KeepAlive::default())
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::UnboundedReceiver<Update>,
) -> impl Stream<Item = Update> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

/// A client of a running engine.
#[derive(Debug, Clone)]
pub struct RemoteEngine {
    info: ControlInfo,
    http: reqwest::Client,
}

impl RemoteEngine {
    pub fn new(info: ControlInfo) -> RemoteEngine {
        RemoteEngine {
            info,
            http: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("an HTTP client without TLS settings builds"),
        }
    }

    pub fn info(&self) -> &ControlInfo {
        &self.info
    }

    fn unreachable(&self, e: impl std::fmt::Display) -> ControlError {
        ControlError::Unreachable {
            pid: self.info.pid,
            url: self.info.url.clone(),
            message: e.to_string(),
        }
    }

    async fn checked(&self, resp: reqwest::Response) -> Result<reqwest::Response, ControlError> {
        let status = resp.status();
        if status.is_success() {
            Ok(resp)
        } else {
            Err(ControlError::Refused {
                status: status.as_u16(),
                message: resp.text().await.unwrap_or_default(),
            })
        }
    }

    pub async fn status(&self) -> Result<Status, ControlError> {
        let resp = self
            .http
            .get(format!("{}/v1/status", self.info.url))
            .bearer_auth(&self.info.token)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        self.checked(resp)
            .await?
            .json()
            .await
            .map_err(|e| self.unreachable(e))
    }

    pub async fn execute(&self, command: &Command) -> Result<Reply, ControlError> {
        let resp = self
            .http
            .post(format!("{}/v1/command", self.info.url))
            .bearer_auth(&self.info.token)
            .json(command)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        self.checked(resp)
            .await?
            .json()
            .await
            .map_err(|e| self.unreachable(e))
    }

    /// The engine's updates from now on; ends when the engine stops.
    pub async fn updates(
        &self,
    ) -> Result<impl Stream<Item = Result<Update, ControlError>> + use<>, ControlError> {
        use eventsource_stream::Eventsource as _;
        let resp = self
            .http
            .get(format!("{}/v1/updates", self.info.url))
            .bearer_auth(&self.info.token)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        let resp = self.checked(resp).await?;
        let me = self.clone();
        Ok(resp.bytes_stream().eventsource().filter_map(move |ev| {
            let out = match ev {
                Ok(ev) if ev.data.is_empty() => None,
                Ok(ev) => Some(serde_json::from_str(&ev.data).map_err(|e| me.unreachable(e))),
                Err(e) => Some(Err(me.unreachable(e))),
            };
            futures::future::ready(out)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Reporter, RunSummary, Task};
    use crate::protocol::Refusal;
    use crate::runner::{EngineConfig, TaskRunner};
    use crate::schedule::Job;
    use crate::settings::Server;
    use std::sync::Arc;
    use std::time::Duration;

    fn counting_runner() -> TaskRunner {
        Arc::new(|_s: Server, job: Job, r: Reporter| {
            Box::pin(async move {
                for i in 1..=20 {
                    if r.is_stopped() {
                        return Err(crate::EngineError::Stopped);
                    }
                    r.progress(i, 20);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Ok(RunSummary {
                    created: 20,
                    dry_run: job.dry_run,
                    ..Default::default()
                })
            })
        })
    }

    fn engine(file: &SettingsFile) -> Engine {
        Engine::new(EngineConfig {
            settings: file.clone(),
            run_task: counting_runner(),
            secrets: Arc::new(crate::MemorySecretStore::default()),
            journal: None,
            waker: Box::new(|| {}),
        })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_engine_per_settings_file_over_http_with_a_token() {
        let dir = tempfile::tempdir().unwrap();
        let file = SettingsFile::at(dir.path().join("settings.json"));
        let mut all = crate::Settings::default();
        all.servers.push(Server::new(
            "s1",
            "Магазин",
            "http://127.0.0.1:1",
            skladsync_warehouse::Connection::Sqlite {
                path: "x.db".into(),
            },
        ));
        file.save(&all).unwrap();

        let Claim::Owner(lock) = claim(&file).unwrap() else {
            panic!("the first claim owns the engine");
        };
        let server = serve(engine(&file), lock).await.unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(info_path(&file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "the token file is the user's alone");
        }
        // A second claim finds the running engine and attaches.
        let Claim::Running(remote) = claim(&file).unwrap() else {
            panic!("a second claim must attach");
        };
        assert_eq!(remote.info().url, server.info.url);

        let mut updates = Box::pin(remote.updates().await.unwrap());
        let reply = remote
            .execute(&Command::Start {
                server: "s1".into(),
                task: Task::Export,
                dry_run: true,
                scheduled: false,
            })
            .await
            .unwrap();
        let Reply::Started { run, .. } = reply else {
            panic!("{reply:?}");
        };
        let mut progress = 0;
        loop {
            let u = tokio::time::timeout(Duration::from_secs(10), updates.next())
                .await
                .expect("updates arrive")
                .expect("the stream goes on")
                .unwrap();
            if let Update::Run(e) = u {
                assert_eq!(e.run, run);
                assert_eq!(e.server.as_str(), "s1");
                match e.event {
                    crate::Event::Progress { .. } => progress += 1,
                    crate::Event::Finished { summary, .. } => {
                        assert_eq!(summary.created, 20);
                        break;
                    }
                    _ => {}
                }
            }
        }
        assert_eq!(progress, 20);
        let st = remote.status().await.unwrap();
        assert!(st.servers["s1"].last.is_some());
        let reply = remote
            .execute(&Command::Start {
                server: "nope".into(),
                task: Task::Export,
                dry_run: true,
                scheduled: false,
            })
            .await
            .unwrap();
        assert_eq!(
            reply,
            Reply::refused(Refusal::NoServer {
                server: "nope".into()
            })
        );

        // A wrong token is refused.
        let mut bad = remote.info().clone();
        bad.token = "0".repeat(64);
        let e = RemoteEngine::new(bad).status().await.unwrap_err();
        assert!(
            matches!(e, ControlError::Refused { status: 401, .. }),
            "{e}"
        );

        server.shutdown().await;
        assert!(!info_path(&file).exists(), "the address file goes with it");
        assert!(matches!(claim(&file).unwrap(), Claim::Owner(_)));
    }
}
