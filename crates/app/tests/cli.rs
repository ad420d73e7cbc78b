//! The headless command line, run as a user would: the real `skladsync` binary against a seeded
//! SQLite Склад Pro database and the sandbox shop over HTTP.

use cloudcart_sandbox::{Sandbox, SandboxConfig};
#[path = "support/cli.rs"]
mod cli_support;
use cli_support::skladsync;
use skladsync_warehouse::{BlankDatabase, Connection, SeedOptions, Warehouse};

/// A seeded SQLite Склад Pro database with `goods` goods, and an empty sandbox shop.
async fn warehouse_and_shop(
    dir: &std::path::Path,
    goods: usize,
) -> (std::path::PathBuf, Warehouse, Sandbox) {
    let db = dir.join("wh.db");
    let wh = Warehouse::create_blank(
        &Connection::Sqlite { path: db.clone() },
        &BlankDatabase::default(),
    )
    .await
    .unwrap();
    wh.seed(&SeedOptions {
        goods,
        objects: 1,
        partners: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    (
        db,
        wh,
        Sandbox::start(SandboxConfig::default()).await.unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_are_added_run_and_removed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (db, wh, sandbox) = warehouse_and_shop(dir.path(), 20).await;
    let settings = dir.path().join("settings.json");
    let s = settings.display().to_string();

    let (code, id, err) = skladsync(
        dir.path(),
        &[
            "server",
            "add",
            "--settings",
            &s,
            "--name",
            "Магазин",
            "--shop-url",
            &sandbox.base_url(),
            "--sqlite",
            &db.display().to_string(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let id = id.trim().to_owned();
    let var = err
        .split_whitespace()
        .find(|w| w.starts_with("SKLADSYNC_SECRET_"))
        .expect("names the variable")
        .to_owned();
    let (_, list, _) = skladsync(dir.path(), &["server", "list", "--settings", &s], &[]);
    assert!(list.contains("Магазин") && list.contains(&id), "{list}");
    assert!(
        !std::fs::read_to_string(&settings)
            .unwrap()
            .contains(sandbox.api_key()),
        "no key in the file"
    );

    // The object for operations comes from the settings; set it as the window would.
    let mut text: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    text["servers"][0]["export"]["object"] = serde_json::json!(wh.locations().await.unwrap()[0].id);
    std::fs::write(&settings, text.to_string()).unwrap();

    // Without the key: a clear failure, exit code 1, nothing sent.
    let (code, out, _) = skladsync(
        dir.path(),
        &[
            "run",
            "--task",
            "export",
            "--server",
            "Магазин",
            "--settings",
            &s,
        ],
        &[],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&var), "{out}");
    assert!(sandbox.state().request_log().is_empty());

    let env = [(var.clone(), sandbox.api_key().to_owned())];
    let (code, out, err) = skladsync(
        dir.path(),
        &[
            "run",
            "--task",
            "export",
            "--server",
            "Магазин",
            "--settings",
            &s,
            "--dry-run",
        ],
        &env,
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("създадени 20"), "the result on stdout: {out}");
    assert!(
        err.contains("ще се създаде"),
        "the intended writes on stderr: {err}"
    );
    assert!(
        sandbox.state().variants().is_empty(),
        "a dry run writes nothing"
    );

    let (code, out, _) = skladsync(
        dir.path(),
        &["run", "export", "--server", &id, "--settings", &s, "--json"],
        &env,
    );
    assert_eq!(code, 0, "{out}");
    let summary: serde_json::Value =
        serde_json::from_str(out.trim()).expect("one JSON line on stdout");
    assert_eq!(summary["event"], "finished");
    assert_eq!(summary["summary"]["created"], 20);
    assert_eq!(sandbox.state().variants().len(), 20);

    let (code, _, _) = skladsync(
        dir.path(),
        &["server", "remove", "Магазин", "--settings", &s],
        &[],
    );
    assert_eq!(code, 0);
    let (_, list, _) = skladsync(dir.path(), &["server", "list", "--settings", &s], &[]);
    assert!(!list.contains("Магазин"), "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_orders_queue_is_listed_and_retried_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (db, wh, sandbox) = warehouse_and_shop(dir.path(), 10).await;
    let settings = dir.path().join("settings.json");
    let s = settings.display().to_string();
    let (code, id, err) = skladsync(
        dir.path(),
        &[
            "server",
            "add",
            "--settings",
            &s,
            "--name",
            "M",
            "--shop-url",
            &sandbox.base_url(),
            "--sqlite",
            &db.display().to_string(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let id = id.trim().to_owned();
    let var = err
        .split_whitespace()
        .find(|w| w.starts_with("SKLADSYNC_SECRET_"))
        .unwrap()
        .to_owned();
    let env = [(var, sandbox.api_key().to_owned())];
    let object = wh.locations().await.unwrap()[0].id;
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    json["servers"][0]["export"]["object"] = serde_json::json!(object);
    json["servers"][0]["import"]["object"] = serde_json::json!(object);
    json["servers"][0]["import"]["special_goods"] =
        serde_json::json!({"delivery": 2, "discount": 2, "fee": 2});
    std::fs::write(&settings, json.to_string()).unwrap();
    let (code, out, err) = skladsync(
        dir.path(),
        &["run", "--task", "export", "--server", "M", "--settings", &s],
        &env,
    );
    assert_eq!(code, 0, "{out}{err}");

    // A shopper's order paid by a method that is not mapped to a payment type: it waits.
    let v = sandbox
        .state()
        .variants()
        .into_iter()
        .find(|v| v.quantity.unwrap_or(0.0) >= 1.0)
        .unwrap();
    let order = sandbox
        .state()
        .place_order(cloudcart_sandbox::PlaceOrder {
            lines: vec![cloudcart_sandbox::PlaceOrderLine {
                variant_id: v.id,
                quantity: 1.0,
            }],
            payment_provider: Some("cod".into()),
            ..Default::default()
        })
        .unwrap()
        .to_string();
    let (code, out, err) = skladsync(
        dir.path(),
        &["run", "--task", "import", "--server", "M", "--settings", &s],
        &env,
    );
    assert_eq!(code, 2, "done with problems: {out}{err}");
    let (code, out, _) = skladsync(
        dir.path(),
        &["queue", "list", "--server", &id, "--settings", &s],
        &env,
    );
    assert_eq!(code, 0);
    assert!(out.starts_with(&order) && out.contains("cod"), "{out}");
    assert!(
        wh.find_documents_by_reference(&format!("CC:127.0.0.1:{}:{order}", sandbox.port()))
            .await
            .unwrap()
            .is_empty()
    );

    // Mapped, retried: the order is written once and leaves the queue.
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    json["servers"][0]["import"]["payment_types"] =
        serde_json::json!([{"provider": "cod", "payment_type": 1}]);
    std::fs::write(&settings, json.to_string()).unwrap();
    let (code, out, err) = skladsync(
        dir.path(),
        &[
            "queue",
            "retry",
            "--order",
            &order,
            "--server",
            "M",
            "--settings",
            &s,
        ],
        &env,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("създадени 1"), "{out}");
    assert_eq!(
        wh.find_documents_by_reference(&format!("CC:127.0.0.1:{}:{order}", sandbox.port()))
            .await
            .unwrap()
            .len(),
        1
    );
    let (_, out, _) = skladsync(
        dir.path(),
        &["queue", "list", "--server", "M", "--settings", &s],
        &env,
    );
    assert!(out.trim().is_empty(), "{out}");
}
