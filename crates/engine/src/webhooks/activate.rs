//! „Активирай webhooks“: the shop's hooks of the order events made to call the receiver, and
//! their state read back.

use std::collections::BTreeMap;

use futures::TryStreamExt as _;
use skladsync_cloudcart::{Client, NewWebhook, Webhook, WebhookUpdate};

use super::{
    HookChange, HookState, HookStatus, ORDER_EVENTS, OrderEvent, SECRET_HEADER, WebhookError,
    WebhookState, check_settings,
};
use crate::connect::shop_client;
use crate::lookups::LookupError;
use crate::secrets::{SecretError, SecretStore};
use crate::settings::Server;

/// The hooks of the server's shop for the order events. With `activate`, each is first made to
/// call the public URL with the secret (a new secret is kept when there is none), enabled, one
/// per event; further hooks of this program for an event are removed.
pub async fn webhook_state(
    server: &Server,
    secrets: &dyn SecretStore,
    activate: bool,
) -> Result<WebhookState, WebhookError> {
    let settings = &server.import.webhooks;
    let problems = check_settings(settings, activate);
    if activate && !problems.is_empty() {
        return Err(WebhookError::Settings(problems));
    }
    let public_url = settings.public_url().map(str::to_owned);
    let name = server.webhook_secret();
    let (secret, secret_created) = match secrets.get(&name) {
        Ok(s) if !s.is_empty() => (Some(s), false),
        Ok(_) | Err(SecretError::Missing(_)) if activate => {
            let s = crate::control::random_token();
            secrets.set(&name, &s).map_err(LookupError::from)?;
            (Some(s), true)
        }
        Ok(_) | Err(SecretError::Missing(_)) => (None, false),
        Err(e) => return Err(LookupError::from(e).into()),
    };
    let shop = shop_client(server, secrets).map_err(LookupError::from)?;
    let all: Vec<Webhook> = shop
        .webhooks()
        .try_collect()
        .await
        .map_err(LookupError::from)?;
    let mut hooks = Vec::new();
    for event in ORDER_EVENTS {
        let ours: Vec<&Webhook> = all
            .iter()
            .filter(|w| w.event == event.name())
            .filter(|w| secret_header(w).is_some() || Some(&w.url) == public_url.as_ref())
            .collect();
        // The hook that already calls the public URL, else the first of this program's.
        let first = ours
            .iter()
            .position(|w| Some(&w.url) == public_url.as_ref())
            .unwrap_or(0);
        let mut state = HookState {
            event,
            status: HookStatus::NotRegistered,
            url: None,
            current: false,
            change: None,
            removed: 0,
        };
        let mut hook = ours.get(first).map(|w| (*w).clone());
        if activate && let (Some(url), Some(secret)) = (&public_url, &secret) {
            let (h, change) = put_in_place(&shop, event, hook, url, secret).await?;
            state.change = change;
            hook = Some(h);
            for (i, extra) in ours.iter().enumerate() {
                if i != first {
                    shop.delete_webhook(&extra.id)
                        .await
                        .map_err(LookupError::from)?;
                    state.removed += 1;
                }
            }
        }
        if let Some(h) = &hook {
            state.status = if h.active == Some(true) {
                HookStatus::Active
            } else {
                HookStatus::Disabled
            };
            state.url = Some(h.url.clone());
            state.current = Some(&h.url) == public_url.as_ref()
                && secret.is_some()
                && secret_header(h) == secret.as_deref();
        }
        hooks.push(state);
    }
    Ok(WebhookState {
        hooks,
        secret_created,
    })
}

/// The value of the secret header a hook sends (header names compare without case).
fn secret_header(w: &Webhook) -> Option<&str> {
    w.request_headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(SECRET_HEADER))
        .map(|(_, v)| v.as_str())
}

/// A hook of the event that calls `url` with the secret and is enabled: made, or changed.
async fn put_in_place(
    shop: &Client,
    event: OrderEvent,
    hook: Option<Webhook>,
    url: &str,
    secret: &str,
) -> Result<(Webhook, Option<HookChange>), WebhookError> {
    let Some(h) = hook else {
        let new = NewWebhook {
            url: url.to_owned(),
            event: event.name().to_owned(),
            active: true,
            new_version: true,
            request_headers: BTreeMap::from([(SECRET_HEADER.to_owned(), secret.to_owned())]),
        };
        let made = shop.create_webhook(&new).await.map_err(LookupError::from)?;
        return Ok((made, Some(HookChange::Created)));
    };
    let disabled = h.active != Some(true);
    let moved = h.url != url;
    let rekeyed = secret_header(&h) != Some(secret);
    if !(disabled || moved || rekeyed) {
        return Ok((h, None));
    }
    // The shop replaces every header on each save: the hook's other headers are sent again.
    let mut headers: BTreeMap<String, String> = h
        .request_headers
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case(SECRET_HEADER))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    headers.insert(SECRET_HEADER.to_owned(), secret.to_owned());
    let update = WebhookUpdate {
        url: moved.then(|| url.to_owned()),
        active: disabled.then_some(true),
        request_headers: Some(headers),
    };
    let changed = shop
        .update_webhook(&h.id, &update)
        .await
        .map_err(LookupError::from)?;
    let change = if disabled {
        HookChange::Reenabled
    } else {
        HookChange::Updated
    };
    Ok((changed, Some(change)))
}
