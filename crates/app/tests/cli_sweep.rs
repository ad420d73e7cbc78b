//! `skladsync queue sweep` and `queue release`, run as a user would: the real binary against a
//! seeded SQLite Склад Pro database and the sandbox shop over HTTP.

use cloudcart_sandbox::{Sandbox, SandboxConfig};
#[path = "support/cli.rs"]
mod cli_support;
use cli_support::skladsync;
use skladsync_warehouse::{BlankDatabase, Connection, SeedOptions, Warehouse};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_imports_missed_orders_and_release_waits_for_the_annulment() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("wh.db");
    let wh = Warehouse::create_blank(
        &Connection::Sqlite { path: db.clone() },
        &BlankDatabase::default(),
    )
    .await
    .unwrap();
    wh.seed(&SeedOptions {
        goods: 5,
        objects: 1,
        partners: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let settings = dir.path().join("settings.json");
    let s = settings.display().to_string();
    let (code, _, err) = skladsync(
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
    json["servers"][0]["import"]["payment_types"] =
        serde_json::json!([{"provider": "cod", "payment_type": 1}]);
    std::fs::write(&settings, json.to_string()).unwrap();
    let (code, out, err) = skladsync(
        dir.path(),
        &["run", "--task", "export", "--server", "M", "--settings", &s],
        &env,
    );
    assert_eq!(code, 0, "{out}{err}");
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
        &[
            "queue",
            "sweep",
            "--days",
            "2",
            "--server",
            "M",
            "--settings",
            &s,
        ],
        &env,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("създадени 1"), "{out}");
    let reference = format!("CC:127.0.0.1:{}:{order}", sandbox.port());
    assert_eq!(
        wh.find_documents_by_reference(&reference)
            .await
            .unwrap()
            .len(),
        1
    );
    // Again: nothing new.
    let (code, out, _) = skladsync(
        dir.path(),
        &["queue", "sweep", "--server", "M", "--settings", &s],
        &env,
    );
    assert_eq!(code, 0);
    assert!(out.contains("създадени 0"), "{out}");
    // Released only once its document is annulled.
    let (code, _, err) = skladsync(
        dir.path(),
        &[
            "queue",
            "release",
            "--order",
            &order,
            "--server",
            "M",
            "--settings",
            &s,
        ],
        &env,
    );
    assert_ne!(code, 0);
    assert!(err.contains("annul"), "{err}");
}
