//! `skladsync server show NAME` and `skladsync server set NAME <key> <value>`: every setting of
//! a server by its dotted key (`export.object`, `import.start`, `shop.base_url` …), so that a
//! server can be set up on a machine with no display. Changes go through the engine — the
//! running service's, or one made here for the change — which is the only writer of the
//! settings file; the server is then checked against the live database as the window checks it.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use serde_json::Value;
use skladsync_engine::control::RemoteEngine;
use skladsync_engine::settings::{Server, Settings, SettingsFile};
use skladsync_engine::validate::validate;
use skladsync_engine::{
    Command, Engine, EngineConfig, EngineError, MemorySecretStore, Reply, SecretStore, ServerId,
    Task, open_warehouse,
};

use crate::service::{ServiceSecrets, running, settings_file};

/// Keys that cannot be set: the id names the server's secrets, journal and lock.
pub const FIXED_KEYS: &[&str] = &["id"];

/// Every setting of a server as (dotted key, value). Objects are opened down to their values;
/// a list is one value (set it whole, as JSON).
pub fn keys(server: &Server) -> Vec<(String, Value)> {
    fn walk(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
        match v {
            Value::Object(m) if !m.is_empty() => {
                for (k, v) in m {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            other => out.push((prefix.to_owned(), other.clone())),
        }
    }
    let mut out = Vec::new();
    walk(
        "",
        &serde_json::to_value(server).expect("settings serialise"),
        &mut out,
    );
    out
}

/// A value as typed on the command line: JSON when it reads as JSON (`5`, `true`, `null`,
/// `["paid"]`, `{"mode":"every_minutes","minutes":5}`), else the text itself.
fn parse_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

/// The server with one setting changed; refuses unknown keys and values of the wrong kind.
pub fn with_setting(server: &Server, key: &str, value: &str) -> Result<Server> {
    if FIXED_KEYS.contains(&key) {
        bail!("„{key}“ cannot be changed: it names the server's keys and history");
    }
    let mut doc = serde_json::to_value(server).expect("settings serialise");
    let known = keys(server);
    let exists = known
        .iter()
        .any(|(k, _)| k == key || k.starts_with(&format!("{key}.")));
    if !exists {
        bail!(
            "no setting „{key}“; `skladsync server show {}` lists them",
            server.name
        );
    }
    let mut node = &mut doc;
    for part in key.split('.') {
        node = node
            .get_mut(part)
            .with_context(|| format!("no setting „{key}“"))?;
    }
    let parsed = parse_value(value);
    let old = std::mem::replace(node, parsed.clone());
    let first = serde_json::from_value::<Server>(doc.clone());
    match first {
        Ok(s) => Ok(s),
        // `0001` or `123` meant as a text (an operator code, a name).
        Err(_) if !parsed.is_string() => {
            let mut node = &mut doc;
            for part in key.split('.') {
                node = node.get_mut(part).expect("the key was found above");
            }
            *node = Value::String(value.to_owned());
            serde_json::from_value(doc)
                .map_err(|e| anyhow::anyhow!("„{key}“ cannot be {value}: {e}; now: {old}"))
        }
        Err(e) => Err(anyhow::anyhow!(
            "„{key}“ cannot be {value}: {e}; now: {old}"
        )),
    }
}

/// The engine the change goes through: the running service's, or one made here.
enum Target {
    Remote(RemoteEngine),
    Local(Engine),
}

impl Target {
    fn open(file: &SettingsFile) -> Result<Target> {
        Target::open_with(file, Arc::new(MemorySecretStore::default()))
    }

    /// The running service's engine, or one made here with these secrets.
    fn open_with(file: &SettingsFile, secrets: Arc<dyn SecretStore>) -> Result<Target> {
        Ok(match running(file)? {
            Some(remote) => Target::Remote(remote),
            None => {
                let engine = Engine::new(EngineConfig {
                    settings: file.clone(),
                    run_task: Arc::new(|_, _, _| Box::pin(async { Err(EngineError::Stopped) })),
                    secrets,
                    journal: None,
                    waker: Box::new(|| {}),
                });
                if let Some(why) = engine.read_only() {
                    bail!("{why}; nothing was changed");
                }
                Target::Local(engine)
            }
        })
    }

    async fn execute(&self, command: Command) -> Result<Reply> {
        Ok(match self {
            Target::Remote(r) => r.execute(&command).await?,
            Target::Local(e) => e.execute(command).await,
        })
    }

    async fn settings(&self) -> Result<Settings> {
        match self.execute(Command::Settings).await? {
            Reply::Settings { settings } => Ok(settings),
            other => bail!("unexpected answer: {other:?}"),
        }
    }
}

fn find(settings: &Settings, wanted: &str, file: &SettingsFile) -> Result<Server> {
    settings
        .servers
        .iter()
        .find(|s| s.id == wanted || s.name == wanted)
        .cloned()
        .with_context(|| {
            format!(
                "no server „{wanted}“ in {}; `skladsync server list` lists them",
                file.path().display()
            )
        })
}

/// `skladsync server show NAME [--json]`.
pub async fn show(settings: Option<PathBuf>, server: &str, json: bool) -> Result<i32> {
    let file = settings_file(settings)?;
    let target = Target::open(&file)?;
    let s = find(&target.settings().await?, server, &file)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        for (k, v) in keys(&s) {
            println!("{k} = {v}");
        }
    }
    Ok(0)
}

/// `skladsync server set NAME KEY VALUE`: 0 when the server is ready for its tasks, 2 when the
/// change was saved but the live database finds a problem (each named), 1 when nothing was
/// changed.
pub async fn set(
    settings: Option<PathBuf>,
    data_dir: PathBuf,
    server: &str,
    key: &str,
    value: &str,
) -> Result<i32> {
    let file = settings_file(settings)?;
    let target = Target::open(&file)?;
    let old = find(&target.settings().await?, server, &file)?;
    let new = with_setting(&old, key, value)?;
    match target
        .execute(Command::SaveServer {
            server: Box::new(new.clone()),
        })
        .await?
    {
        Reply::Refused { refusal } => bail!("{refusal}"),
        _ => eprintln!("{}: {key} saved", new.name),
    }
    // Checked against the live database, as the window checks it.
    let tasks: &[Task] = if key.starts_with("import.") {
        &[Task::OrderImport]
    } else if key.starts_with("export.") {
        &[Task::Export]
    } else {
        &[Task::OrderImport, Task::Export]
    };
    let secrets = ServiceSecrets::new(&file, &data_dir);
    let wh = match open_warehouse(&new, &secrets).await {
        Ok(wh) => wh,
        Err(e) => {
            println!("⚠ the Склад Pro database could not be checked: {e}");
            return Ok(2);
        }
    };
    let mut problems = Vec::new();
    for &task in tasks {
        let enabled = match task {
            Task::Export => new.export.enabled,
            _ => new.import.enabled,
        };
        if enabled {
            for p in validate(&wh, &new, task).await? {
                if !problems.contains(&p) {
                    problems.push(p);
                }
            }
        }
    }
    // The webhook settings are checked on their own (they need no database).
    if !key.starts_with("export.") {
        for p in skladsync_engine::webhooks::check_settings(&new.import.webhooks, false) {
            if !problems.contains(&p) {
                problems.push(p);
            }
        }
    }
    let lang = crate::texts::Lang::cli();
    for p in &problems {
        println!("⚠ {}", crate::describe::setting_problem(lang, p));
    }
    Ok(if problems.is_empty() { 0 } else { 2 })
}

/// `skladsync webhooks --server NAME [--activate]`: the shop's hooks of the order events, after
/// registering them (or enabling them again) with `--activate`. 0 when read (and activated), 1
/// when not.
pub async fn webhooks(
    settings: Option<PathBuf>,
    data_dir: PathBuf,
    server: &str,
    activate: bool,
) -> Result<i32> {
    let file = settings_file(settings)?;
    let secrets = Arc::new(ServiceSecrets::new(&file, &data_dir));
    let target = Target::open_with(&file, secrets)?;
    let s = find(&target.settings().await?, server, &file)?;
    let id = ServerId::of(&s);
    let command = if activate {
        Command::ActivateWebhooks { server: id }
    } else {
        Command::WebhookState { server: id }
    };
    let lang = crate::texts::Lang::cli();
    match target.execute(command).await? {
        Reply::Webhooks {
            result: Ok(state), ..
        } => {
            if state.secret_created {
                println!("✔ {}", lang.texts().secret_created);
            }
            for h in &state.hooks {
                println!("{}", crate::describe::hook(lang, h));
            }
            Ok(0)
        }
        Reply::Webhooks { result: Err(e), .. } => {
            println!("✖ {}", crate::describe::webhook_error(lang, &e));
            Ok(1)
        }
        Reply::Refused { refusal } => bail!("{refusal}"),
        other => bail!("unexpected answer: {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use skladsync_warehouse::Connection;

    #[test]
    fn every_setting_has_a_key_that_takes_its_own_value() {
        let s = Server::new(
            "s1",
            "Магазин",
            "https://shop.cloudcart.net",
            Connection::Sqlite {
                path: "x.db".into(),
            },
        );
        let all = keys(&s);
        // The settings' own fields, each reached by a key.
        let doc = serde_json::to_value(&s).unwrap();
        for (group, fields) in doc.as_object().unwrap() {
            match fields {
                Value::Object(m) if !m.is_empty() => {
                    for f in m.keys() {
                        let k = format!("{group}.{f}");
                        assert!(
                            all.iter()
                                .any(|(x, _)| *x == k || x.starts_with(&format!("{k}."))),
                            "{k} has no key"
                        );
                    }
                }
                _ => assert!(all.iter().any(|(x, _)| x == group), "{group} has no key"),
            }
        }
        for (k, v) in &all {
            if FIXED_KEYS.contains(&k.as_str()) {
                continue;
            }
            let text = match v {
                Value::String(t) => t.clone(),
                other => other.to_string(),
            };
            let back = with_setting(&s, k, &text).unwrap_or_else(|e| panic!("{k}: {e:#}"));
            assert_eq!(back, s, "{k}");
        }
    }

    #[test]
    fn values_are_typed_and_unknown_keys_refused() {
        let s = Server::new(
            "s1",
            "Магазин",
            "https://shop.cloudcart.net",
            Connection::Sqlite {
                path: "x.db".into(),
            },
        );
        let n = with_setting(&s, "export.object", "3").unwrap();
        assert_eq!(n.export.object, Some(skladsync_engine::ObjectId(3)));
        let n = with_setting(&s, "import.sale_statuses", r#"["paid","completed"]"#).unwrap();
        assert_eq!(n.import.sale_statuses, vec!["paid", "completed"]);
        let n = with_setting(
            &s,
            "import.start",
            r#"{"mode":"every_minutes","minutes":5}"#,
        )
        .unwrap();
        assert_eq!(
            n.import.start,
            skladsync_engine::settings::StartMode::EveryMinutes { minutes: 5 }
        );
        let n = with_setting(&s, "export.start", r#"{"mode":"continuous","seconds":5}"#).unwrap();
        assert_eq!(
            n.export.start,
            skladsync_engine::settings::StartMode::Continuous { seconds: 5 }
        );
        let n = with_setting(&s, "import.webhooks.bind", "0.0.0.0:8765").unwrap();
        assert_eq!(n.import.webhooks.bind.as_deref(), Some("0.0.0.0:8765"));
        let n = with_setting(
            &n,
            "import.webhooks.public_url",
            "https://sklad.example.bg/cloudcart",
        )
        .unwrap();
        assert_eq!(
            n.import.webhooks.public_url(),
            Some("https://sklad.example.bg/cloudcart")
        );
        assert_eq!(
            n.import.webhooks.secret,
            Some(skladsync_engine::settings::SecretRef(
                "server/s1/webhook-secret".into()
            ))
        );
        let n = with_setting(&n, "import.webhooks.bind", "null").unwrap();
        assert_eq!(n.import.webhooks.bind, None);
        let n = with_setting(&s, "name", "Магазин 2").unwrap();
        assert_eq!(n.name, "Магазин 2");
        let e = with_setting(&s, "export.object", "склад").unwrap_err();
        assert!(format!("{e:#}").contains("export.object"), "{e:#}");
        let e = with_setting(&s, "export.objekt", "3").unwrap_err();
        assert!(format!("{e:#}").contains("no setting"), "{e:#}");
        assert!(with_setting(&s, "id", "x").is_err());
    }
}
