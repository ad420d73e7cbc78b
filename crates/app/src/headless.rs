//! `skladsync run …`: one task, its events printed as they come.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use skladsync_engine::correspondence::check;
use skladsync_engine::settings::SettingsFile;
use skladsync_engine::table_file::{TableFileError, TableFormat, write_table};
use skladsync_engine::{
    EnvSecretStore, Event, Journal, Level, Reporter, SecretStore, Task, open_warehouse, run_task,
    shop_client, shop_client_stopped_by,
};
use tokio::sync::mpsc;

use crate::describe;
use crate::tables;
use crate::texts::Lang;

pub struct RunArgs {
    pub task: Task,
    pub server: Option<String>,
    pub dry_run: bool,
    pub settings: Option<PathBuf>,
    pub demo: bool,
    /// A table file, `.csv` or `.xlsx` by its extension: for `check` the correspondence table,
    /// for the other tasks the problems of the run.
    pub out: Option<PathBuf>,
    pub json: bool,
    pub data_dir: PathBuf,
}

fn settings_file(path: Option<PathBuf>) -> Result<SettingsFile> {
    Ok(match path {
        Some(p) => SettingsFile::at(p),
        None => SettingsFile::default_location()?,
    })
}

/// `skladsync server …`.
#[derive(clap::Subcommand)]
pub enum ServerAction {
    /// Add a server. The API key is not stored here: the window keeps it in the OS keychain;
    /// headless runs read it from the environment variable this command names.
    Add {
        #[arg(long)]
        name: String,
        /// The shop's address as shown under Settings → API Keys.
        #[arg(long)]
        shop_url: String,
        /// An SQLite Склад Pro file.
        #[arg(long, group = "database")]
        sqlite: Option<PathBuf>,
        /// `mysql://user:{password}@host:3306/database` ({password} comes from the secret store).
        #[arg(long, group = "database")]
        mysql: Option<String>,
        /// An ADO.NET connection string for MS SQL Server.
        #[arg(long, group = "database")]
        mssql: Option<String>,
        /// An ODBC connection string (MS Access: `Driver={Microsoft Access Driver (*.mdb, *.accdb)};DBQ=…`).
        #[arg(long, group = "database")]
        odbc: Option<String>,
    },
    /// List the servers.
    List,
    /// Show every setting of a server as `key = value` (`--json`: the whole server as JSON).
    Show {
        server: String,
        #[arg(long)]
        json: bool,
    },
    /// Change one setting (`skladsync server show` lists the keys); the value is JSON when it
    /// reads as JSON (`5`, `true`, `["paid"]`, `{"mode":"every_minutes","minutes":5}`), else
    /// text. The server is then checked against the live database.
    Set {
        server: String,
        key: String,
        value: String,
    },
    /// Remove a server.
    Remove { server: String },
}

pub fn server(action: ServerAction, settings: Option<PathBuf>) -> Result<()> {
    let file = settings_file(settings)?;
    match action {
        ServerAction::List => return list_servers_in(&file),
        ServerAction::Add {
            name,
            shop_url,
            sqlite,
            mysql,
            mssql,
            odbc,
        } => {
            let connection = match (sqlite, mysql, mssql, odbc) {
                (Some(path), ..) => skladsync_warehouse::Connection::Sqlite { path },
                (_, Some(url), ..) => skladsync_warehouse::Connection::MySql { url },
                (_, _, Some(connection_string), _) => {
                    skladsync_warehouse::Connection::MsSql { connection_string }
                }
                (.., Some(connection_string)) => {
                    skladsync_warehouse::Connection::Odbc { connection_string }
                }
                _ => bail!("name the Склад Pro database: --sqlite, --mysql, --mssql or --odbc"),
            };
            let mut all = file.load()?;
            if all.servers.iter().any(|s| s.name == name) {
                bail!("a server „{name}“ already exists");
            }
            let id = format!("s{}", chrono::Utc::now().timestamp_millis());
            let mut server = skladsync_engine::Server::new(id, name, shop_url, connection);
            // A password typed into the connection is never saved in the settings file.
            let typed =
                skladsync_engine::conn_string::take_typed_password(&server.warehouse.connection);
            if let Some((connection, _password)) = &typed {
                server.warehouse.connection = connection.clone();
            }
            let uses_password = match &server.warehouse.connection {
                skladsync_warehouse::Connection::Sqlite { .. } => false,
                skladsync_warehouse::Connection::MySql { url: c }
                | skladsync_warehouse::Connection::MsSql {
                    connection_string: c,
                }
                | skladsync_warehouse::Connection::Odbc {
                    connection_string: c,
                } => c.contains(skladsync_engine::PASSWORD_PLACEHOLDER),
            };
            if uses_password {
                server.warehouse.password = Some(skladsync_engine::settings::SecretRef(format!(
                    "server/{}/db-password",
                    server.id
                )));
            }
            println!("{}", server.id);
            if typed.is_some() {
                eprintln!(
                    "The password typed into the connection was not saved; {{password}} took its place. \
                     For headless runs set {} (the window keeps it in the OS keychain)",
                    EnvSecretStore::variable(&skladsync_engine::db_password_ref(&server))
                );
            }
            eprintln!(
                "API key for headless runs: set {} (the window keeps it in the OS keychain)",
                EnvSecretStore::variable(&server.shop.api_key)
            );
            all.servers.push(server);
            file.save(&all)?;
        }
        ServerAction::Show { .. } | ServerAction::Set { .. } => {
            unreachable!("main hands `server show` and `server set` to server_cli")
        }
        ServerAction::Remove { server } => {
            let mut all = file.load()?;
            let before = all.servers.len();
            all.servers.retain(|s| s.id != server && s.name != server);
            if all.servers.len() == before {
                bail!("no server „{server}“");
            }
            file.save(&all)?;
        }
    }
    Ok(())
}

pub fn list_servers(settings: Option<PathBuf>) -> Result<()> {
    list_servers_in(&settings_file(settings)?)
}

fn list_servers_in(file: &SettingsFile) -> Result<()> {
    let all = file.load()?;
    if all.servers.is_empty() {
        println!(
            "{} {}",
            Lang::cli().texts().no_servers_in,
            file.path().display()
        );
    }
    for s in all.servers {
        println!(
            "{}\t{}\t{}\t{}",
            s.id,
            s.name,
            s.shop.base_url,
            s.warehouse.connection.backend_name()
        );
    }
    Ok(())
}

/// `skladsync queue …`: the orders waiting for a person.
#[derive(clap::Subcommand)]
pub enum QueueAction {
    /// The orders in the exception queue, with every reason and its fix.
    List,
    /// Import a queued order again (all of them without --order), after the cause was fixed.
    Retry {
        #[arg(long)]
        order: Option<String>,
    },
    /// Take an order off the queue without importing it (handled in Склад Pro).
    Dismiss {
        #[arg(long)]
        order: String,
    },
    /// Read the orders added in the last days again and import any that were missed (the
    /// import does this by itself once a day).
    Sweep {
        /// How many days back (default: the server's setting).
        #[arg(long)]
        days: Option<u32>,
    },
    /// Let an order whose document was annulled in Склад Pro be imported again (its binding
    /// and its claim in the database are released; then `queue retry --order`).
    Release {
        #[arg(long)]
        order: String,
    },
}

fn find_server(file: &SettingsFile, wanted: &str) -> Result<skladsync_engine::Server> {
    let all = file.load()?;
    all.servers
        .into_iter()
        .find(|s| s.id == wanted || s.name == wanted)
        .with_context(|| {
            format!(
                "no server „{wanted}“ in {}; `skladsync server list` lists them",
                file.path().display()
            )
        })
}

/// `skladsync history`: the runs of a server as a table (stdout: tab-separated), or a file.
pub async fn history(
    server: &str,
    settings: Option<PathBuf>,
    out: Option<PathBuf>,
    limit: u32,
    data_dir: PathBuf,
) -> Result<i32> {
    let file = settings_file(settings)?;
    let server = find_server(&file, server)?;
    let journal = Journal::open(&data_dir.join("journal.db")).await?;
    let runs = journal.runs(&server.id, i64::from(limit)).await?;
    let table = tables::history(Lang::cli(), &runs);
    match out {
        Some(path) => {
            write_table(&table, &path)?;
            eprintln!(
                "{} {} {}",
                runs.len(),
                Lang::cli().texts().rows_written_to,
                path.display()
            );
        }
        None => {
            println!("{}", table.headers.join("\t"));
            for row in &table.rows {
                let cells: Vec<String> = row
                    .iter()
                    .map(|c| match c {
                        skladsync_engine::table_file::Cell::Text(s) => s.clone(),
                        skladsync_engine::table_file::Cell::Number(d) => d.to_string(),
                        skladsync_engine::table_file::Cell::Int(i) => i.to_string(),
                        skladsync_engine::table_file::Cell::Empty => String::new(),
                    })
                    .collect();
                println!("{}", cells.join("\t"));
            }
        }
    }
    Ok(0)
}

pub async fn queue(
    action: QueueAction,
    server: &str,
    settings: Option<PathBuf>,
    data_dir: PathBuf,
) -> Result<i32> {
    use skladsync_engine::orders;
    let file = settings_file(settings)?;
    let server = find_server(&file, server)?;
    let journal = Journal::open(&data_dir.join("journal.db")).await?;
    let secrets = EnvSecretStore;
    match action {
        QueueAction::List => {
            let queued = orders::exception_queue(&journal, &server).await?;
            let lang = Lang::cli();
            let t = lang.texts();
            if queued.is_empty() {
                eprintln!("{}", t.no_exceptions);
            }
            for q in queued {
                println!(
                    "{}\t{}\t{} {}",
                    q.order_id,
                    t.queue_kind(q.kind),
                    t.attempts,
                    q.attempts
                );
                for r in &q.reasons {
                    println!("  • {}", describe::order_problem(lang, r).line());
                }
            }
            Ok(0)
        }
        QueueAction::Dismiss { order } => {
            let host = orders::shop_host(&shop_client(&server, &secrets)?);
            if orders::dismiss_queued(&journal, &host, &order).await? {
                println!("{order}: {}", Lang::cli().texts().dismissed);
                Ok(0)
            } else {
                bail!("order {order} is not in the queue")
            }
        }
        QueueAction::Release { order } => {
            let wh = open_warehouse(&server, &secrets).await?;
            let host = orders::shop_host(&shop_client(&server, &secrets)?);
            if orders::release_order(&wh, &journal, &host, &order).await? {
                println!(
                    "{order}: {} (queue retry --order {order})",
                    Lang::cli().texts().may_import_again
                );
                Ok(0)
            } else {
                bail!("order {order} still has its document in Склад Pro; annul it there first")
            }
        }
        action @ (QueueAction::Retry { .. } | QueueAction::Sweep { .. }) => {
            let wh = open_warehouse(&server, &secrets).await?;
            let shop = shop_client(&server, &secrets)?;
            let (tx, mut rx) = mpsc::unbounded_channel();
            let reporter = Reporter::new(Task::OrderImport, tx);
            let printer = tokio::spawn(async move {
                while let Some(e) = rx.recv().await {
                    print_event(&e, false);
                }
            });
            let result = match action {
                QueueAction::Retry { order: Some(id) } => {
                    orders::retry_queued(&wh, &shop, &journal, &server, &id, &reporter, false).await
                }
                QueueAction::Sweep { days } => {
                    orders::sweep_orders(&wh, &shop, &journal, &server, &reporter, false, days)
                        .await
                }
                _ => {
                    orders::retry_all_queued(&wh, &shop, &journal, &server, &reporter, false).await
                }
            };
            let code = match &result {
                Ok(s) => {
                    reporter.send(Event::Finished {
                        task: Task::OrderImport,
                        summary: s.clone(),
                    });
                    if s.problems.is_empty() { 0 } else { 2 }
                }
                Err(e) => {
                    reporter.send(Event::Failed {
                        task: Task::OrderImport,
                        failure: e.failure(),
                    });
                    1
                }
            };
            drop(reporter);
            let _ = printer.await;
            Ok(code)
        }
    }
}

/// Progress goes to stderr, the result (the summary, or the failure) to stdout, in the
/// command line's language (JSON: the typed event).
pub(crate) fn print_event(e: &Event, json: bool) {
    let result = matches!(e, Event::Finished { .. } | Event::Failed { .. });
    if json {
        let line = serde_json::to_string(e).unwrap_or_default();
        if result {
            println!("{line}");
        } else {
            eprintln!("{line}");
        }
        return;
    }
    let lang = Lang::cli();
    let t = lang.texts();
    match e {
        Event::Started { task, dry_run } => eprintln!(
            "▶ {}{}",
            t.task(*task),
            if *dry_run {
                format!(" ({})", t.trial)
            } else {
                String::new()
            }
        ),
        Event::Phase { phase, .. } => eprintln!("  {}…", describe::phase(lang, *phase)),
        Event::Progress { done, total, .. } => {
            if *total > 0 && (*done == *total || done % 500 == 0) {
                eprintln!("  {done}/{total}");
            }
        }
        Event::Item { level, problem, .. } => {
            let mark = match level {
                Level::Info => "ℹ",
                Level::Warning => "⚠",
                Level::Error => "✖",
            };
            eprintln!("  {mark} {}", describe::item_problem(lang, problem));
        }
        Event::Log { level, note, .. } => eprintln!(
            "  [{}] {}",
            describe::level(lang, *level),
            describe::note(lang, note)
        ),
        Event::Finished { summary, .. } => {
            println!("✔ {}", describe::summary(t, summary))
        }
        Event::Failed { failure, .. } => println!("✖ {}", describe::failure(lang, failure)),
    }
}

/// Run the task; returns the process exit code.
pub async fn run(args: RunArgs) -> Result<i32> {
    if let Some(path) = &args.out
        && TableFormat::of_path(path).is_none()
    {
        bail!("{}: the file must end in .csv or .xlsx", path.display());
    }
    let (file, server, secrets, _demo): (SettingsFile, _, Arc<dyn SecretStore>, _) = if args.demo {
        let demo = crate::demo::start(&args.data_dir, false).await?;
        (
            demo.settings.clone(),
            demo.server.clone(),
            demo.secrets.clone(),
            Some(demo),
        )
    } else {
        let file = settings_file(args.settings.clone())?;
        let all = file.load()?;
        let wanted = args.server.clone().unwrap_or_default();
        let Some(server) = all
            .servers
            .into_iter()
            .find(|s| s.id == wanted || s.name == wanted)
        else {
            bail!(
                "no server „{wanted}“ in {}; `skladsync servers` lists them",
                file.path().display()
            );
        };
        (
            file,
            server,
            Arc::new(EnvSecretStore) as Arc<dyn SecretStore>,
            None,
        )
    };
    let journal = Journal::open(&args.data_dir.join("journal.db")).await?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let reporter = Reporter::new(args.task, tx);
    // Ctrl+C stops the run as the window's Stop does: within a second, even mid-wait; a second
    // Ctrl+C ends the program at once.
    let stop = reporter.stop_token().clone();
    let ctrl_c = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("{}", Lang::cli().texts().stopping);
            stop.cancel();
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    let json = args.json;
    let printer = tokio::spawn(async move {
        while let Some(e) = rx.recv().await {
            print_event(&e, json);
        }
    });
    reporter.send(Event::Started {
        task: args.task,
        dry_run: args.dry_run,
    });
    let lang = Lang::cli();
    let t = lang.texts();
    // A table the user asked for (`--out`): written by the app, in the chosen language.
    let mut table_failed: Option<TableFileError> = None;
    let result = if let (Task::Correspondence, Some(path)) = (args.task, &args.out) {
        let wh = open_warehouse(&server, &*secrets).await?;
        let shop = shop_client_stopped_by(&server, &*secrets, reporter.stop_token().clone())?;
        let rows = check(&wh, &shop, &server, &reporter).await;
        rows.map(|rows| {
            match write_table(&tables::correspondence(lang, &rows), path) {
                Ok(()) => eprintln!("  {} {} {}", rows.len(), t.rows_written_to, path.display()),
                Err(e) => table_failed = Some(e),
            }
            skladsync_engine::RunSummary {
                dry_run: true,
                unchanged: rows.len() as u64,
                ..Default::default()
            }
        })
    } else {
        run_task(
            &server,
            args.task,
            args.dry_run,
            &reporter,
            &*secrets,
            &journal,
            &file,
        )
        .await
        .inspect(|summary| {
            if let Some(path) = &args.out {
                match write_table(&tables::problems(lang, &summary.problems), path) {
                    Ok(()) => eprintln!(
                        "  {} {} {}",
                        summary.problems.len(),
                        t.problems_written_to,
                        path.display()
                    ),
                    Err(e) => table_failed = Some(e),
                }
            }
        })
    };
    ctrl_c.abort();
    let record = match &result {
        Ok(s) => Ok(s.clone()),
        Err(e) => Err(e.failure()),
    };
    journal
        .record_run(&server.id, args.task, chrono::Utc::now(), &record)
        .await?;
    let code = match &result {
        Ok(s) => {
            reporter.send(Event::Finished {
                task: args.task,
                summary: s.clone(),
            });
            if table_failed.is_some() {
                1
            } else if s.problems.is_empty() {
                0
            } else {
                2
            }
        }
        Err(e) => {
            reporter.send(Event::Failed {
                task: args.task,
                failure: e.failure(),
            });
            1
        }
    };
    drop(reporter);
    let _ = printer.await;
    if let Some(e) = table_failed {
        eprintln!("✖ {e}");
    }
    Ok(code)
}
