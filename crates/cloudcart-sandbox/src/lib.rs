//! A local stand-in for a CloudCart store's REST API v2, for the demo and the
//! tests of the sync. See the crate README for the behaviours it models and
//! the choices made where the research is unconfirmed.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use cloudcart_sandbox::{Sandbox, SandboxConfig, Seed};
//! let sb = Sandbox::start(SandboxConfig {
//!     seed: Seed::Generated { products: 20, orders: 5, rng_seed: 1 },
//!     ..Default::default()
//! })
//! .await?;
//! println!("{} {}", sb.api_url(), sb.api_key());
//! sb.shutdown().await;
//! # Ok(()) }
//! ```

// Handler errors are JSON:API error objects built once per failed request;
// boxing them buys nothing here.
#![allow(clippy::result_large_err)]

mod admin;
mod api;
mod clock;
mod error;
pub mod model;
mod query;
mod render;
mod seed;
mod server;
mod shop;
mod state;
mod webhooks;
mod writes;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use clock::SandboxClock;
pub use model::{
    Category, Customer, Order, Product, StoreData, Variant, VariantOption, VariantParameter,
    Webhook,
};
pub use query::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
pub use server::{
    RATE_WINDOW_SECS, RETRY_AFTER_SECS, UNLIMITED_ADVERTISED_LIMIT, passes_per_window,
    remaining_after, reset_header,
};
pub use shop::{Company, PlaceOrder, PlaceOrderLine, Shopper, major_units};
pub use state::{Fault, FaultRule, LoggedRequest, REQUEST_LOG_CAPACITY, WebhookAttempt};
pub use webhooks::{DELIVERY_TIMEOUT, DISABLE_AT_ONCE_STATUSES, RETRY_DELAYS_SECS};
pub use writes::{API_SETTABLE_ORDER_STATUSES, ORDER_PATCHABLE_ATTRIBUTES, WEBHOOK_EVENTS};

use server::Shared;
use state::{ActiveFault, State};

/// The default API key: 64 uppercase characters, like a real one.
pub const DEFAULT_API_KEY: &str =
    "SANDBOXKEY0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";

/// What the store starts with.
#[derive(Clone, Debug, Default)]
pub enum Seed {
    /// Only the reference lists (order statuses, payment and shipping
    /// providers).
    #[default]
    Empty,
    /// A deterministic Bulgarian shop.
    Generated {
        products: usize,
        orders: usize,
        rng_seed: u64,
    },
    /// A [`StoreData`] document (see `GET /__sandbox/export`).
    Json(serde_json::Value),
    /// A file holding a [`StoreData`] document.
    JsonFile(PathBuf),
}

#[derive(Clone, Debug)]
pub struct SandboxConfig {
    pub api_key: String,
    /// None = unlimited (headers advertise `UNLIMITED_ADVERTISED_LIMIT`); Some(0) = a plan without
    /// API access (every request 429 with `X-RateLimit-Limit: 0`).
    pub rate_limit_per_minute: Option<u32>,
    pub seed: Seed,
    /// 0 = any free port.
    pub port: u16,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            api_key: DEFAULT_API_KEY.to_string(),
            rate_limit_per_minute: None,
            seed: Seed::Empty,
            port: 0,
        }
    }
}

/// A running sandbox on 127.0.0.1.
pub struct Sandbox {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Sandbox {
    /// Seeds the store and starts serving on 127.0.0.1.
    pub async fn start(config: SandboxConfig) -> anyhow::Result<Sandbox> {
        let clock = SandboxClock::new();
        let now = clock.now();
        let mut st = State {
            store: StoreData::default(),
            log: Vec::new(),
            next_seq: 0,
            faults: Vec::new(),
            rate_limit: config.rate_limit_per_minute,
            window: VecDeque::new(),
            queue: Vec::new(),
            next_delivery_seq: 1,
            attempts: Vec::new(),
            product_webhooks_on_api_writes: false,
            rng: StdRng::seed_from_u64(0x5eed),
        };
        match &config.seed {
            Seed::Empty => {}
            Seed::Generated {
                products,
                orders,
                rng_seed,
            } => {
                st.store.ensure_reference_data(now);
                seed::generate(&mut st, *products, *orders, *rng_seed, now);
            }
            Seed::Json(v) => {
                st.store = serde_json::from_value(v.clone()).context("parsing the JSON seed")?;
            }
            Seed::JsonFile(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                st.store = serde_json::from_str(&text)
                    .with_context(|| format!("parsing {}", path.display()))?;
            }
        }
        st.store.ensure_reference_data(now);
        st.store.fix_counters();
        st.store.reindex();

        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .context("building the webhook HTTP client")?;
        let shared = Arc::new(Shared {
            clock,
            api_key: config.api_key.clone(),
            state: Mutex::new(st),
            http,
        });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
            .await
            .with_context(|| format!("binding 127.0.0.1:{}", config.port))?;
        let addr = listener.local_addr()?;
        let (tx, rx) = watch::channel(false);
        let app = axum::Router::new()
            .nest("/__sandbox", admin::router())
            .fallback(server::api_entry)
            .with_state(shared.clone());
        let serve = tokio::spawn(server::serve(listener, app, rx.clone()));
        let worker = tokio::spawn(webhooks::worker(shared.clone(), rx));
        Ok(Sandbox {
            addr,
            shared,
            shutdown: tx,
            tasks: vec![serve, worker],
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `base_url() + "/api/v2"`
    pub fn api_url(&self) -> String {
        format!("{}/api/v2", self.base_url())
    }

    /// `base_url() + "/__sandbox"` (no API key needed).
    pub fn admin_url(&self) -> String {
        format!("{}/__sandbox", self.base_url())
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn api_key(&self) -> &str {
        &self.shared.api_key
    }

    pub fn clock(&self) -> SandboxClock {
        self.shared.clock.clone()
    }

    pub fn state(&self) -> SandboxHandle {
        SandboxHandle {
            shared: self.shared.clone(),
        }
    }

    /// Stops serving and closes every open connection.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
        }
    }
}

/// In-process admin access to a running sandbox. Cheap to clone.
#[derive(Clone)]
pub struct SandboxHandle {
    pub(crate) shared: Arc<Shared>,
}

impl SandboxHandle {
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut st = self.shared.lock();
        f(&mut st)
    }

    pub fn clock(&self) -> SandboxClock {
        self.shared.clock.clone()
    }

    /// Live (not deleted) products.
    pub fn products(&self) -> Vec<Product> {
        self.with(|st| {
            st.store
                .products
                .values()
                .filter(|p| p.deleted_at.is_none())
                .cloned()
                .collect()
        })
    }
    pub fn product(&self, id: u64) -> Option<Product> {
        self.with(|st| st.store.live_product(id).cloned())
    }
    /// Variants of live products.
    pub fn variants(&self) -> Vec<Variant> {
        self.with(|st| {
            st.store
                .variants
                .values()
                .filter(|v| st.store.live_product(v.item_id).is_some())
                .cloned()
                .collect()
        })
    }
    pub fn variant(&self, id: u64) -> Option<Variant> {
        self.with(|st| st.store.variants.get(&id).cloned())
    }
    pub fn variant_parameters(&self) -> Vec<VariantParameter> {
        self.with(|st| st.store.variant_parameters.values().cloned().collect())
    }
    pub fn variant_options(&self) -> Vec<VariantOption> {
        self.with(|st| st.store.variant_options.values().cloned().collect())
    }
    pub fn categories(&self) -> Vec<Category> {
        self.with(|st| st.store.categories.values().cloned().collect())
    }
    pub fn customers(&self) -> Vec<Customer> {
        self.with(|st| st.store.customers.values().cloned().collect())
    }
    pub fn orders(&self) -> Vec<Order> {
        self.with(|st| st.store.orders.values().cloned().collect())
    }
    pub fn order(&self, id: u64) -> Option<Order> {
        self.with(|st| st.store.orders.get(&id).cloned())
    }
    pub fn webhooks(&self) -> Vec<Webhook> {
        self.with(|st| st.store.webhooks.values().cloned().collect())
    }
    /// The whole store, in the `Seed::Json` format.
    pub fn export(&self) -> StoreData {
        self.with(|st| st.store.clone())
    }

    /// A shopper places an order (stock is checked and decremented;
    /// `order.created` fires). Returns the order id.
    pub fn place_order(&self, order: PlaceOrder) -> anyhow::Result<u64> {
        let now = self.shared.clock.now();
        self.with(|st| shop::place_order(st, now, &order, true))
            .map_err(anyhow::Error::msg)
    }
    /// Serve `attributes` over the rendered attributes of one resource (`kind` is its JSON:API
    /// type, e.g. `orders` or `order-products`), as a broken or absurd record would look;
    /// `null` values are served as `null`. The shop's own record is not changed.
    pub fn override_attributes(&self, kind: &str, id: u64, attributes: serde_json::Value) {
        let map = attributes.as_object().cloned().unwrap_or_default();
        self.with(|st| {
            st.store
                .attribute_overrides
                .insert(format!("{kind}/{id}"), map);
        })
    }
    /// The merchant sets any known status (no API gates; `order.updated` fires).
    pub fn set_order_status(&self, id: u64, status: &str) -> anyhow::Result<()> {
        let now = self.shared.clock.now();
        self.with(|st| shop::admin_set_status(st, now, id, status))
            .map_err(anyhow::Error::msg)
    }
    /// The payment arrives (`true`) or is reversed (`false`).
    pub fn set_order_paid(&self, id: u64, paid: bool) -> anyhow::Result<()> {
        let now = self.shared.clock.now();
        self.with(|st| shop::admin_set_paid(st, now, id, paid))
            .map_err(anyhow::Error::msg)
    }
    /// The order is shipped.
    pub fn set_order_fulfilled(&self, id: u64) -> anyhow::Result<()> {
        let now = self.shared.clock.now();
        self.with(|st| shop::set_fulfilled(st, now, id))
            .map_err(anyhow::Error::msg)
    }
    /// The merchant edits a variant's stock in the admin panel.
    pub fn set_variant_quantity(&self, id: u64, quantity: Option<f64>) -> anyhow::Result<()> {
        let now = self.shared.clock.now();
        self.with(|st| {
            let v = st
                .store
                .variants
                .get_mut(&id)
                .ok_or_else(|| anyhow::anyhow!("unknown variant {id}"))?;
            v.quantity = quantity;
            let pid = v.item_id;
            st.store.recompute_product(pid, now);
            Ok(())
        })
    }
    /// The merchant edits a variant's price (minor units).
    pub fn set_variant_price(&self, id: u64, price: i64) -> anyhow::Result<()> {
        let now = self.shared.clock.now();
        self.with(|st| {
            let v = st
                .store
                .variants
                .get_mut(&id)
                .ok_or_else(|| anyhow::anyhow!("unknown variant {id}"))?;
            v.price = price;
            let pid = v.item_id;
            st.store.recompute_product(pid, now);
            Ok(())
        })
    }

    /// Every `/api/v2` request so far, oldest first.
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        self.with(|st| st.log.clone())
    }
    pub fn clear_request_log(&self) {
        self.with(|st| st.log.clear())
    }

    /// Adds a fault (a bare [`Fault`] applies to every `/api/v2` request).
    pub fn set_fault(&self, fault: impl Into<FaultRule>) {
        let rule: FaultRule = fault.into();
        let left = rule.fault.times();
        if left == Some(0) {
            return;
        }
        self.with(|st| st.faults.push(ActiveFault { rule, left }))
    }
    /// Faults still armed, with firings left (None = until cleared).
    pub fn faults(&self) -> Vec<(FaultRule, Option<u32>)> {
        self.with(|st| st.faults.iter().map(|f| (f.rule.clone(), f.left)).collect())
    }
    pub fn clear_faults(&self) {
        self.with(|st| st.faults.clear())
    }

    /// None = unlimited; Some(0) = plan without API access. Resets the window.
    pub fn set_rate_limit(&self, per_minute: Option<u32>) {
        self.with(|st| {
            st.rate_limit = per_minute;
            st.window.clear();
        })
    }
    pub fn rate_limit(&self) -> Option<u32> {
        self.with(|st| st.rate_limit)
    }

    /// Webhook delivery attempts so far, oldest first.
    pub fn webhook_attempts(&self) -> Vec<WebhookAttempt> {
        self.with(|st| st.attempts.clone())
    }
    /// Deliveries still queued (waiting for their first attempt or a retry).
    pub fn pending_webhook_deliveries(&self) -> usize {
        self.with(|st| st.queue.len())
    }
    /// Fire `product.created`/`product.updated` on API writes too (default
    /// off: the research says those fire only for admin-panel saves).
    pub fn set_product_webhooks_on_api_writes(&self, on: bool) {
        self.with(|st| st.product_webhooks_on_api_writes = on)
    }
}
