//! The shop's webhooks for orders: an optional receiver that imports an order as soon as the shop
//! says it is new or changed, and the registration of the hooks in the shop ("Activate
//! webhooks").
//!
//! * **Receiver** ([`receiver`]): while a server's import runs by its start mode (`skladsync
//!   serve`, or Start of „Действия“) and `ImportSettings::webhooks.bind` is set, the server's
//!   loop listens there. Each delivery is checked — the secret custom header
//!   ([`SECRET_HEADER`]) and `X-CloudCart-ApiKey` must be the server's, otherwise 401 and
//!   nothing else — then its orders go into the journal's inbox and the delivery is answered
//!   at once (the shop waits 5 s at most). The server's loop then runs a delivery job: one
//!   job at a time with the polls and the export, the same importer, the same binding and
//!   claims ([`crate::orders::import_delivered`]).
//! * **Duplicates and order**: the newest shop update time handled for each order is kept in
//!   the journal ([`crate::orders::OrderVersions`]), by the polls and the deliveries alike; a
//!   delivery whose update time is older than or equal to it is dropped.
//! * **Registration** ([`activate`]): one hook row per event (`order.created`,
//!   `order.updated`), calling the public URL with the secret header; a hook the shop disabled
//!   (after failed deliveries) is enabled again, a changed URL or secret updated.

mod activate;
mod inbox;
mod receiver;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::lookups::LookupError;
use crate::report::{SettingField, SettingIssue, SettingProblem};
use crate::settings::WebhookSettings;

pub use activate::webhook_state;
pub use inbox::{Inbox, import_inbox};
pub(crate) use receiver::{Desk, listen};

/// The custom header that carries the shared secret with every delivery.
pub const SECRET_HEADER: &str = "X-Skladsync-Secret";

/// The header in which the shop sends the store's API key with every delivery.
pub const API_KEY_HEADER: &str = "X-CloudCart-ApiKey";

/// The order events a hook is registered for, one hook row each.
pub const ORDER_EVENTS: [OrderEvent; 2] = [OrderEvent::Created, OrderEvent::Updated];

/// An order event of the shop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderEvent {
    #[serde(rename = "order.created")]
    Created,
    #[serde(rename = "order.updated")]
    Updated,
}

impl OrderEvent {
    /// The event's name in the shop's API.
    pub fn name(self) -> &'static str {
        match self {
            OrderEvent::Created => "order.created",
            OrderEvent::Updated => "order.updated",
        }
    }
}

/// Whether the shop calls a hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HookStatus {
    /// No hook of this program for the event.
    NotRegistered,
    Active,
    /// Registered, but the shop does not call it (it disables a hook after failed deliveries,
    /// or at once on some answers such as 401).
    Disabled,
}

/// What an activation changed in a hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HookChange {
    Created,
    /// Enabled again after the shop had disabled it.
    Reenabled,
    /// Its address or secret set to the settings'.
    Updated,
}

/// One order event's hook in the shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookState {
    pub event: OrderEvent,
    pub status: HookStatus,
    /// The address the shop calls (`None`: not registered).
    pub url: Option<String>,
    /// It calls the public URL of the settings with the secret of the secret store.
    pub current: bool,
    /// What the activation changed (`None`: nothing, or only the state was asked).
    pub change: Option<HookChange>,
    /// Further hooks of this program for the event that the activation removed (two active
    /// hooks of one order event make the shop delay every delivery by a minute).
    pub removed: u32,
}

/// The hooks of a server's shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookState {
    /// One per order event, in [`ORDER_EVENTS`] order.
    pub hooks: Vec<HookState>,
    /// The activation made a new secret (none was kept yet).
    pub secret_created: bool,
}

/// Why the hooks could not be read or activated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum WebhookError {
    /// The webhook settings are incomplete or wrong.
    #[error("the webhook settings are wrong: {0:?}")]
    Settings(Vec<SettingProblem>),
    /// The secret store or the shop.
    #[error("{0}")]
    Lookup(LookupError),
}

impl From<LookupError> for WebhookError {
    fn from(e: LookupError) -> Self {
        WebhookError::Lookup(e)
    }
}

/// The receiver of a running server, as the status shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiverStatus {
    /// The address it listens on (with the port chosen, when the settings said 0), or the one
    /// it could not listen on.
    pub address: String,
    pub state: ReceiverState,
    /// Orders taken in (new versions).
    pub accepted: u64,
    /// Orders dropped: a version already handled, or a delivery without an order.
    pub dropped: u64,
    /// Deliveries refused (401): a wrong secret or API key.
    pub refused: u64,
    pub last_delivery: Option<DateTime<Utc>>,
}

/// Whether the receiver listens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ReceiverState {
    Listening,
    /// The address is wrong or taken; the polls go on.
    CannotListen {
        detail: String,
    },
}

/// The webhook settings checked on their own: the address to listen on and the address the
/// shop calls. `for_activation`: the public URL is needed.
pub fn check_settings(w: &WebhookSettings, for_activation: bool) -> Vec<SettingProblem> {
    let mut out = Vec::new();
    if let Some(bind) = w.bind()
        && bind.parse::<std::net::SocketAddr>().is_err()
    {
        out.push(SettingProblem {
            field: SettingField::ImportWebhookBind,
            issue: SettingIssue::NotListenAddress { value: bind.into() },
        });
    }
    match w.public_url() {
        None if for_activation => out.push(SettingProblem {
            field: SettingField::ImportWebhookUrl,
            issue: SettingIssue::Required,
        }),
        Some(url) if !is_web_address(url) => out.push(SettingProblem {
            field: SettingField::ImportWebhookUrl,
            issue: SettingIssue::NotWebAddress { value: url.into() },
        }),
        _ => {}
    }
    out
}

fn is_web_address(url: &str) -> bool {
    reqwest::Url::parse(url)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// Whether two secrets are equal, in a time that does not depend on where they differ.
fn same_secret(given: &[u8], kept: &[u8]) -> bool {
    given.len() == kept.len()
        && given
            .iter()
            .zip(kept)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The shop's host as the order bindings key it (the same as [`crate::orders::shop_host`] of a
/// client of this base address).
fn shop_host_of(base_url: &str) -> Option<String> {
    let url = skladsync_cloudcart::normalize_base_url(base_url).ok()?;
    Some(match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => url.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Server;
    use crate::{MemorySecretStore, SecretStore, shop_client};
    use skladsync_warehouse::Connection;

    #[test]
    fn the_receiver_keys_orders_as_the_bindings_do() {
        for base in [
            "http://127.0.0.1:8787",
            "https://mystore.cloudcart.net/api/v2/",
            "mystore.cloudcart.net",
        ] {
            let server = Server::new(
                "s",
                "s",
                base,
                Connection::Sqlite {
                    path: "x.db".into(),
                },
            );
            let secrets = MemorySecretStore::default();
            secrets.set(&server.shop.api_key, &"K".repeat(64)).unwrap();
            let client = shop_client(&server, &secrets).unwrap();
            assert_eq!(
                shop_host_of(base).as_deref(),
                Some(crate::orders::shop_host(&client).as_str())
            );
        }
    }

    #[test]
    fn settings_are_checked_on_their_own() {
        let mut w = WebhookSettings::default();
        assert!(check_settings(&w, false).is_empty());
        assert_eq!(
            check_settings(&w, true),
            vec![SettingProblem {
                field: SettingField::ImportWebhookUrl,
                issue: SettingIssue::Required,
            }]
        );
        w.bind = Some("0.0.0.0:8765".into());
        w.public_url = Some("https://sklad.example.bg/cloudcart".into());
        assert!(check_settings(&w, true).is_empty());
        w.bind = Some("0.0.0.0".into());
        w.public_url = Some("ftp://sklad.example.bg".into());
        let fields: Vec<_> = check_settings(&w, true)
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(
            fields,
            [
                SettingField::ImportWebhookBind,
                SettingField::ImportWebhookUrl
            ]
        );
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd") && !same_secret(b"abc", b"ab"));
    }
}
