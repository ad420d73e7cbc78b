//! The shop's order webhooks and the receiver, in the user's words.

use skladsync_engine::webhooks::{
    HookChange, HookState, HookStatus, ReceiverState, ReceiverStatus, WebhookError,
};

use super::setting_problem;
use crate::texts::Lang;

/// One hook: its event, whether the shop calls it and where, what the activation changed.
pub fn hook(lang: Lang, h: &HookState) -> String {
    let t = lang.texts();
    let status = match h.status {
        HookStatus::Active => t.hook_active,
        HookStatus::Disabled => t.hook_disabled,
        HookStatus::NotRegistered => t.hook_missing,
    };
    let mut line = format!("{}: {status}", h.event.name());
    if let Some(url) = &h.url {
        line.push_str(&format!(" — {url}"));
    }
    let mut notes = Vec::new();
    if let Some(change) = h.change {
        notes.push(match change {
            HookChange::Created => t.hook_created.to_owned(),
            HookChange::Reenabled => t.hook_reenabled.to_owned(),
            HookChange::Updated => t.hook_updated.to_owned(),
        });
    }
    if h.removed > 0 {
        notes.push(format!("{}: {}", t.hook_removed, h.removed));
    }
    if h.url.is_some() && !h.current {
        notes.push(t.hook_not_current.to_owned());
    }
    if !notes.is_empty() {
        line.push_str(&format!(" ({})", notes.join("; ")));
    }
    line
}

/// Why the hooks could not be read or activated.
pub fn webhook_error(lang: Lang, e: &WebhookError) -> String {
    match e {
        WebhookError::Settings(problems) => problems
            .iter()
            .map(|p| setting_problem(lang, p))
            .collect::<Vec<_>>()
            .join("; "),
        WebhookError::Lookup(l) => lang.texts().lookup_error(l),
    }
}

/// The receiver of a running server: where it listens, what came.
pub fn receiver(lang: Lang, r: &ReceiverStatus) -> String {
    let t = lang.texts();
    match &r.state {
        ReceiverState::CannotListen { detail } => {
            format!("{} {} ({detail})", t.receiver_cannot_listen, r.address)
        }
        ReceiverState::Listening => {
            let mut line = format!(
                "{} {}: {} {}, {} {}, {} {}",
                t.receiver_listening,
                r.address,
                t.receiver_accepted,
                r.accepted,
                t.receiver_dropped,
                r.dropped,
                t.receiver_refused,
                r.refused
            );
            if let Some(at) = r.last_delivery {
                let local = at.with_timezone(&chrono::Local);
                line.push_str(&format!(
                    "; {} {}",
                    t.receiver_last,
                    local.format("%d.%m.%Y %H:%M:%S")
                ));
            }
            line
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use skladsync_engine::lookups::LookupError;
    use skladsync_engine::report::{SettingField, SettingIssue, SettingProblem};
    use skladsync_engine::webhooks::OrderEvent;

    #[test]
    fn hooks_errors_and_the_receiver_in_both_languages() {
        let h = HookState {
            event: OrderEvent::Created,
            status: HookStatus::Active,
            url: Some("https://sklad.example.bg/cc".into()),
            current: true,
            change: Some(HookChange::Reenabled),
            removed: 0,
        };
        assert_eq!(
            hook(Lang::Bg, &h),
            "order.created: активен — https://sklad.example.bg/cc (включен отново)"
        );
        assert_eq!(
            hook(Lang::En, &h),
            "order.created: active — https://sklad.example.bg/cc (enabled again)"
        );
        let stale = HookState {
            status: HookStatus::Disabled,
            current: false,
            change: None,
            ..h
        };
        assert!(hook(Lang::En, &stale).contains("disabled by the shop"));
        assert!(hook(Lang::En, &stale).contains("Activate webhooks"));

        let e = WebhookError::Settings(vec![SettingProblem {
            field: SettingField::ImportWebhookUrl,
            issue: SettingIssue::Required,
        }]);
        assert_eq!(
            webhook_error(Lang::Bg, &e),
            "Импорт от CloudCart › Публичен адрес, който магазинът вика: задължително е"
        );
        let e = WebhookError::Lookup(LookupError::WrongKey("401".into()));
        assert!(webhook_error(Lang::En, &e).starts_with("CloudCart refused the API key"));

        let r = ReceiverStatus {
            address: "0.0.0.0:8765".into(),
            state: ReceiverState::Listening,
            accepted: 3,
            dropped: 1,
            refused: 0,
            last_delivery: None,
        };
        assert_eq!(
            receiver(Lang::En, &r),
            "The receiver listens on 0.0.0.0:8765: orders taken in 3, repeated or old 1, refused (wrong secret) 0"
        );
        let r = ReceiverStatus {
            state: ReceiverState::CannotListen {
                detail: "Address already in use".into(),
            },
            ..r
        };
        assert!(receiver(Lang::Bg, &r).starts_with("Приемникът не може да слуша на 0.0.0.0:8765"));
    }
}
