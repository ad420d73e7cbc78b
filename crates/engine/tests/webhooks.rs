//! The order webhooks over real HTTP: a seeded SQLite Склад Pro database, the sandbox shop
//! delivering webhooks with the real contract (array bodies, retries on its clock,
//! auto-disable), and the engine's receiver. What is checked is what a shop owner would see:
//! the order's document in the warehouse (once), the hooks in the shop, the requests the shop
//! received, the run history.

mod fidelity_fixture;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, SubsecRound, Utc};
use cloudcart_sandbox::{PlaceOrder, RETRY_DELAYS_SECS};
use fidelity_fixture::{Fixture, fixture, line, shopper};
use skladsync_engine::orders::{self, OrderVersions};
use skladsync_engine::settings::{Settings, SettingsFile, StartMode, WebhookSettings};
use skladsync_engine::webhooks::{
    API_KEY_HEADER, HookChange, HookStatus, OrderEvent, ReceiverState, ReceiverStatus,
    SECRET_HEADER, WebhookState,
};
use skladsync_engine::*;
use skladsync_warehouse::{BlankDatabase, Value};

async fn wait_for(what: &str, secs: u64, mut ok: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !ok().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The fixture's server with the receiver on `port`; its import polls only once an hour, so
/// whatever lands here came by webhook.
struct Hooked {
    f: Fixture,
    server: Server,
    secrets: Arc<MemorySecretStore>,
    file: SettingsFile,
    public_url: String,
}

async fn hooked() -> Hooked {
    let f = fixture(BlankDatabase::default(), false).await;
    let port = free_port();
    let public_url = format!("http://127.0.0.1:{port}/cloudcart");
    let mut server = f.server.clone();
    server.export.enabled = false;
    server.import.start = StartMode::EveryMinutes { minutes: 60 };
    server.import.webhooks = WebhookSettings {
        bind: Some(format!("127.0.0.1:{port}")),
        public_url: Some(public_url.clone()),
        ..server.import.webhooks.clone()
    };
    let secrets = Arc::new(MemorySecretStore::default());
    secrets
        .set(&server.shop.api_key, f.sandbox.api_key())
        .unwrap();
    let file = SettingsFile::at(f._dir.path().join("settings.json"));
    file.save(&Settings {
        servers: vec![server.clone()],
        ..Default::default()
    })
    .unwrap();
    Hooked {
        f,
        server,
        secrets,
        file,
        public_url,
    }
}

impl Hooked {
    fn engine(&self) -> Engine {
        let secrets: Arc<dyn SecretStore> = self.secrets.clone();
        Engine::new(EngineConfig {
            settings: self.file.clone(),
            run_task: default_task_runner(secrets.clone(), self.f.journal.clone()),
            secrets,
            journal: Some(self.f.journal.clone()),
            waker: Box::new(|| {}),
        })
    }

    /// Start the server as `skladsync serve` does, and wait until its receiver listens.
    async fn serve(&self) -> Engine {
        let engine = self.engine();
        let reply = engine.execute(Command::StartEnabled).await;
        assert!(
            matches!(&reply, Reply::StartedMany { runs } if runs.len() == 1),
            "{reply:?}"
        );
        wait_for("the receiver to listen", 10, async || {
            receiver(&engine).is_some_and(|r| r.state == ReceiverState::Listening)
        })
        .await;
        engine
    }

    fn secret(&self) -> String {
        self.secrets.get(&self.server.webhook_secret()).unwrap()
    }

    fn host(&self) -> String {
        orders::shop_host(&self.f.client())
    }

    /// The Order documents in Склад Pro that carry the order's reference.
    async fn documents_of(&self, order: u64) -> i64 {
        let reference = orders::shop_reference(&self.host(), &order.to_string());
        self.f
            .count(
                "SELECT COUNT(DISTINCT `Acct`) FROM `operations` WHERE `OperType` = 19 AND `Acct` > 0 AND `Note` = ?",
                &[Value::text(&reference)],
            )
            .await
    }

    async fn place(&self, email: &str) -> u64 {
        let (variant, _) = self.f.variants().await.remove(0);
        self.f.place(PlaceOrder {
            lines: vec![line(variant, 1.0)],
            customer: Some(shopper(email)),
            ..Default::default()
        })
    }

    /// The order's update time, to the second as the shop sends it.
    fn updated_at(&self, order: u64) -> DateTime<Utc> {
        self.f
            .sandbox
            .state()
            .order(order)
            .unwrap()
            .updated_at
            .trunc_subsecs(0)
    }

    /// Requests the shop's API got for one order since the log was cleared.
    fn reads_of(&self, order: u64) -> usize {
        let path = format!("/api/v2/orders/{order}");
        self.f
            .sandbox
            .state()
            .request_log()
            .iter()
            .filter(|r| r.path.starts_with(&path))
            .count()
    }

    /// A delivery as the shop sends it: a JSON array of one order, with the given headers.
    async fn deliver(
        &self,
        order: u64,
        updated_at: DateTime<Utc>,
        secret: Option<&str>,
        api_key: Option<&str>,
    ) -> u16 {
        let body = serde_json::json!([{
            "store_id": 1,
            "id": order,
            "updated_at": updated_at.format("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
            "status": "pending",
            "products": [],
        }]);
        let mut req = reqwest::Client::new()
            .post(&self.public_url)
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(s) = secret {
            req = req.header(SECRET_HEADER, s);
        }
        if let Some(k) = api_key {
            req = req.header(API_KEY_HEADER, k);
        }
        // 0: nothing listens.
        req.send().await.map_or(0, |r| r.status().as_u16())
    }
}

fn receiver(engine: &Engine) -> Option<ReceiverStatus> {
    engine
        .status()
        .servers
        .get("t1")
        .and_then(|s| s.receiver.clone())
}

async fn webhooks(engine: &Engine, activate: bool) -> WebhookState {
    let command = if activate {
        Command::ActivateWebhooks {
            server: "t1".into(),
        }
    } else {
        Command::WebhookState {
            server: "t1".into(),
        }
    };
    match engine.execute(command).await {
        Reply::Webhooks { result, .. } => result.unwrap(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_is_imported_once_and_repeats_older_versions_or_strangers_change_nothing() {
    let h = hooked().await;
    // An order placed before the hooks exist: the requests that name it below are not the
    // shop's.
    let stranger = h.place("stranger@example.bg").await;
    let engine = h.serve().await;

    // Activation: one hook per order event, calling the public URL with a new secret.
    let state = webhooks(&engine, true).await;
    assert!(state.secret_created);
    let secret = h.secret();
    assert_eq!(
        state
            .hooks
            .iter()
            .map(|s| (s.event, s.status, s.change, s.current))
            .collect::<Vec<_>>(),
        [
            (
                OrderEvent::Created,
                HookStatus::Active,
                Some(HookChange::Created),
                true
            ),
            (
                OrderEvent::Updated,
                HookStatus::Active,
                Some(HookChange::Created),
                true
            ),
        ]
    );
    let mut events: Vec<(String, String, Option<String>)> =
        h.f.sandbox
            .state()
            .webhooks()
            .into_iter()
            .map(|w| {
                (
                    w.event,
                    w.url,
                    w.request_headers.get(SECRET_HEADER).cloned(),
                )
            })
            .collect();
    events.sort();
    assert_eq!(
        events,
        [
            (
                "order.created".to_owned(),
                h.public_url.clone(),
                Some(secret.clone())
            ),
            (
                "order.updated".to_owned(),
                h.public_url.clone(),
                Some(secret.clone())
            ),
        ]
    );
    // A second activation changes nothing.
    let again = webhooks(&engine, true).await;
    assert!(again.hooks.iter().all(|s| s.change.is_none() && s.current));
    assert!(!again.secret_created);

    // A shopper orders: the shop delivers `order.created`, the order lands in Склад Pro once.
    let order = h.place("maria@example.bg").await;
    wait_for("the delivered order in Склад Pro", 30, async || {
        h.documents_of(order).await == 1
    })
    .await;
    let attempts = h.f.sandbox.state().webhook_attempts();
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(
        (attempts[0].event.as_str(), attempts[0].status),
        ("order.created", Some(200))
    );
    wait_for("the delivery job in the history", 10, async || {
        h.f.journal
            .runs("t1", 10)
            .await
            .unwrap()
            .iter()
            .any(|r| r.task == Some(Task::OrderImport) && r.counts.created == 1)
    })
    .await;
    assert_eq!(receiver(&engine).unwrap().accepted, 1);

    // Strangers: a wrong secret, a wrong API key, no headers — 401, and nothing else.
    h.f.sandbox.state().clear_request_log();
    let key = h.f.sandbox.api_key().to_owned();
    let t = h.updated_at(stranger);
    assert_eq!(h.deliver(stranger, t, Some("guess"), Some(&key)).await, 401);
    assert_eq!(h.deliver(stranger, t, Some(&secret), Some("K")).await, 401);
    assert_eq!(h.deliver(stranger, t, None, None).await, 401);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver(&engine).unwrap().refused, 3);
    assert_eq!(h.reads_of(stranger), 0);
    assert_eq!(h.documents_of(stranger).await, 0);

    // The same delivery again: dropped, the shop is not even asked.
    let first = h.updated_at(order);
    assert_eq!(
        h.deliver(order, first, Some(&secret), Some(&key)).await,
        200
    );
    wait_for("the repeat to be dropped", 5, async || {
        receiver(&engine).unwrap().dropped == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(h.reads_of(order), 0);
    assert_eq!(h.documents_of(order).await, 1);

    // The order is paid a little later: `order.updated` is delivered and handled.
    h.f.sandbox.clock().advance(Duration::from_secs(5));
    h.f.sandbox.state().set_order_paid(order, true).unwrap();
    let second = h.updated_at(order);
    assert!(second > first);
    let versions = OrderVersions::open(&h.f.journal).await.unwrap();
    wait_for("the change to be handled", 30, async || {
        versions
            .handled("t1", &h.host(), &order.to_string())
            .await
            .unwrap()
            == Some(second)
    })
    .await;
    assert_eq!(h.documents_of(order).await, 1);

    // The older version arrives late: dropped.
    h.f.sandbox.state().clear_request_log();
    assert_eq!(
        h.deliver(order, first, Some(&secret), Some(&key)).await,
        200
    );
    wait_for("the older version to be dropped", 5, async || {
        receiver(&engine).unwrap().dropped == 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(h.reads_of(order), 0);
    assert_eq!(h.documents_of(order).await, 1);

    // A restart keeps what was handled: the newest version again is dropped by the new engine,
    // listening on the same address the stopped one let go.
    assert!(engine.shutdown(Duration::from_secs(10)).await);
    assert!(receiver(&engine).is_none());
    assert_eq!(h.deliver(order, second, Some(&secret), Some(&key)).await, 0);
    let engine = h.serve().await;
    assert_eq!(
        h.deliver(order, second, Some(&secret), Some(&key)).await,
        200
    );
    wait_for(
        "the repeat after the restart to be dropped",
        5,
        async || receiver(&engine).unwrap().dropped == 1,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(h.reads_of(order), 0);
    assert_eq!(h.documents_of(order).await, 1);
    assert_eq!(h.documents_of(stranger).await, 0);
    assert!(engine.shutdown(Duration::from_secs(10)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_was_down_is_retried_then_disabled_and_activation_brings_it_back() {
    let h = hooked().await;
    // The hooks are registered while nothing listens at the public URL.
    let engine = h.engine();
    let state = webhooks(&engine, true).await;
    assert!(state.hooks.iter().all(|s| s.status == HookStatus::Active));

    // The shop tries, then tries again on its schedule, then gives up and disables the hook.
    let missed = h.place("missed@example.bg").await;
    let attempts = || h.f.sandbox.state().webhook_attempts();
    wait_for("the first attempt", 10, async || attempts().len() == 1).await;
    assert_eq!(attempts()[0].outcome, "retry_scheduled");
    for (i, delay) in RETRY_DELAYS_SECS.iter().enumerate() {
        h.f.sandbox
            .clock()
            .advance(Duration::from_secs(*delay as u64));
        wait_for("the next attempt", 10, async || attempts().len() == i + 2).await;
    }
    let tried = attempts();
    assert_eq!(tried.len(), 6, "{tried:?}");
    assert!(
        tried
            .iter()
            .all(|a| a.status.is_none() && a.event == "order.created")
    );
    assert_eq!(tried[5].outcome, "disabled");
    let state = webhooks(&engine, false).await;
    let created = |s: &WebhookState| s.hooks[0].clone();
    assert_eq!(created(&state).event, OrderEvent::Created);
    assert_eq!(created(&state).status, HookStatus::Disabled);
    assert_eq!(state.hooks[1].status, HookStatus::Active);

    // The server runs again; activation enables the hook, and the next order lands.
    drop(engine);
    let engine = h.serve().await;
    let state = webhooks(&engine, true).await;
    assert_eq!(
        (created(&state).status, created(&state).change),
        (HookStatus::Active, Some(HookChange::Reenabled))
    );
    assert_eq!(state.hooks[1].change, None);
    assert!(
        h.f.sandbox
            .state()
            .webhooks()
            .iter()
            .all(|w| w.active && w.url == h.public_url)
    );
    let order = h.place("back@example.bg").await;
    wait_for("the delivered order in Склад Pro", 30, async || {
        h.documents_of(order).await == 1
    })
    .await;
    // The order whose deliveries failed waits for the poll, which imports it through the same
    // path; the delivered one is not written again.
    assert_eq!(h.documents_of(missed).await, 0);
    assert!(engine.shutdown(Duration::from_secs(10)).await);
    let summary = h.f.import_with(&h.server).await;
    assert_eq!(summary.created, 1, "{summary:?}");
    assert_eq!(h.documents_of(missed).await, 1);
    assert_eq!(h.documents_of(order).await, 1);
}
