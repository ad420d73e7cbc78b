//! The soak of the continuous mode: a real engine (export and order import both polling every
//! few seconds) over a SQLite Склад Pro database and the sandbox shop over real HTTP, while the
//! till sells and annuls, prices change, new goods appear, shoppers order, the merchant takes
//! payments, ships, reverses and cancels, and the shop fails (5xx, 429, dropped connections)
//! on and off — every change at random from one seed, printed so that a run can be repeated.
//!
//! At the end the faults are off and the engine settles: the soak waits until every order is
//! where it belongs and every variant the continuous mode answers for is in step, runs a
//! reconciliation, lets the polls run quiet, stops the engine and checks:
//! (a) every shop variant's quantity and price is the warehouse's (the engine's correspondence
//! check); (b) every shop order is in Склад Pro exactly once as the import's rules say, cancelled
//! ones as they say, the rest in the exception queue with a reason; (c) the counts.
//!
//! Used by `tests/soak.rs` (a short run in CI) and `cargo xtask soak --minutes N` (the same
//! test binary, longer); no soak code ships in the product.

mod chaos;
mod check;
mod setup;
mod tally;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand::rngs::StdRng;
use skladsync_engine::{Command, Reply, RunSummary, Task};

use chaos::Chaos;
use setup::{SERVER, World};
use tally::Tally;

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// How long changes are made.
    pub seconds: u64,
    pub seed: u64,
    /// Goods the warehouse is seeded with.
    pub goods: usize,
}

impl Config {
    /// From `SKLADSYNC_SOAK_SECONDS`, `SKLADSYNC_SOAK_SEED` and `SKLADSYNC_SOAK_GOODS`; a new
    /// seed when none is given.
    pub fn from_env(default_seconds: u64) -> Config {
        let var = |name: &str| std::env::var(name).ok().and_then(|v| v.trim().parse().ok());
        let seed = var("SKLADSYNC_SOAK_SEED").unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
        Config {
            seconds: var("SKLADSYNC_SOAK_SECONDS").unwrap_or(default_seconds),
            seed,
            goods: var("SKLADSYNC_SOAK_GOODS")
                .map(|g: u64| g as usize)
                .unwrap_or(60),
        }
    }
}

/// The figures of a run and what disagreed.
#[derive(Debug, Default)]
pub struct Report {
    pub text: String,
    pub failures: Vec<String>,
}

/// How long the engine gets to bring everything in step once the changes stop.
const SETTLE_LIMIT: Duration = Duration::from_secs(90);

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// Run a soak and check it.
pub async fn run(config: &Config) -> Report {
    println!(
        "soak: seed {} — {} s of changes over {} goods (repeat: SKLADSYNC_SOAK_SEED={} or \
         `cargo xtask soak --seed {}`)",
        config.seed, config.seconds, config.goods, config.seed, config.seed
    );
    let mut report = Report::default();
    let mut rng = StdRng::seed_from_u64(config.seed);
    let world = World::new(config, &mut rng).await;
    let mut tally = Tally::new(world.engine.subscribe());
    let first_pass = match world.start().await {
        Ok(t) => t,
        Err(e) => {
            report.failures.push(e);
            return report;
        }
    };
    tally.drain(&world.sandbox);
    let first_pass_requests = tally.requests.total;

    let mut chaos = Chaos::new(&world, rng);
    let began = Instant::now();
    chaos
        .run(Duration::from_secs(config.seconds), &mut tally)
        .await;
    let changes_for = began.elapsed();
    report.failures.append(&mut chaos.errors);

    // Faults are off: everything must come in step by the continuous mode alone.
    let settled = settle(&world, &chaos, &mut tally).await;
    report.failures.extend(settled.failures);
    let (in_step_after, explained) = (settled.in_step_after, settled.explained);

    // The reconciliation sets right what the shop took for orders Склад Pro never got.
    let reconciled = reconcile(&world, &mut tally).await;
    let reconciled = match reconciled {
        Ok(s) => Some(s),
        Err(e) => {
            report.failures.push(e);
            None
        }
    };
    // Quiet polls: nothing left to write.
    tally.drain(&world.sandbox);
    tally.lap();
    let quiet = Duration::from_secs(u64::from(world.export_every.max(world.import_every)) + 2);
    tokio::time::sleep(quiet).await;
    tally.drain(&world.sandbox);
    let quiet_requests = tally.lap.total;
    let quiet_writes = tally.lap.writes;
    if quiet_writes > 0 {
        report.failures.push(format!(
            "after the reconciliation, quiet polls still wrote to the shop {quiet_writes} times"
        ));
    }
    let status = world.engine.status().servers.get(SERVER).cloned();
    if !world.engine.shutdown(Duration::from_secs(60)).await {
        report
            .failures
            .push("the engine did not stop within 60 s".into());
    }
    tally.drain(&world.sandbox);

    // (a) The shop holds what the warehouse says.
    let (matched, disagree) = match check::correspondence(&world).await {
        Ok(x) => x,
        Err(e) => (0, vec![e]),
    };
    for d in &disagree {
        report
            .failures
            .push(format!("warehouse and shop disagree: {d}"));
    }
    // (b) Every order exactly once, read by its reference.
    let queue = check::queue(&world).await.unwrap_or_else(|e| {
        report.failures.push(e);
        Default::default()
    });
    let mut docs = std::collections::HashMap::new();
    for id in chaos.orders.keys() {
        match check::documents_of(&world, *id).await {
            Ok(d) if !d.is_empty() => {
                docs.insert(id.to_string(), d);
            }
            Ok(_) => {}
            Err(e) => report.failures.push(e),
        }
    }
    // Documents of orders the soak never placed are looked for in one query.
    if let Ok(all) = check::documents_by_order(&world).await {
        for (id, d) in all {
            docs.entry(id).or_insert(d);
        }
    }
    let judged = check::judge_all(&world, &chaos.orders, &docs, &queue);
    report.failures.extend(judged.failures.iter().cloned());
    for q in queue.values() {
        if q.kind == skladsync_engine::orders::QueueKind::Failed {
            report.failures.push(format!(
                "order {} still in the queue as failed after the faults were off: {:?}",
                q.order_id, q.reasons
            ));
        }
    }

    // (c) The figures.
    let c = &chaos.counts;
    let r = &tally.requests;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "soak seed {} ({} build): {} goods, export polls every {} s, import every {} s, negative stock {}; first pass {} ({} requests)",
        config.seed,
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        config.goods,
        world.export_every,
        world.import_every,
        if world.negative_stock_allowed {
            "allowed"
        } else {
            "refused"
        },
        secs(first_pass),
        first_pass_requests
    );
    let _ = writeln!(
        t,
        "changes for {}: till sales {} (refused for stock {}), annulled {}, price changes {}, new goods {}",
        secs(changes_for),
        c.till_sales,
        c.till_sales_refused,
        c.annulments,
        c.price_changes,
        c.new_goods
    );
    let _ = writeln!(
        t,
        "shop orders {} ({} paid at checkout, {} with a discount; {} refused by the shop for stock), payments {}, reversals {}, shipped {}, status changes {}, cancelled {}",
        c.orders_placed,
        c.orders_placed_paid,
        c.orders_with_discount,
        c.orders_refused_by_shop,
        c.payments,
        c.payment_reversals,
        c.fulfilments,
        c.status_changes,
        c.cancellations
    );
    let _ = writeln!(
        t,
        "faults: {} bursts, {} spells; answers shaped by a fault {} {:?}",
        c.fault_bursts,
        c.fault_spells,
        r.faults.values().sum::<u64>(),
        r.faults
    );
    let _ = writeln!(
        t,
        "requests to the shop {} ({} logged: {:?}); writes taken {} = {} variant updates + {} products/variants made + {} other",
        r.total,
        r.seen,
        r.by_method,
        r.writes,
        r.variant_updates,
        r.creates,
        r.writes - r.variant_updates - r.creates
    );
    let _ = writeln!(
        t,
        "engine runs that wrote {:?} (items {:?}); failed runs {:?} {:?}; problems reported {:?}",
        tally.runs_written,
        tally.items_written,
        tally.runs_failed,
        tally.failure_samples,
        tally.problems
    );
    let _ = writeln!(
        t,
        "in step {} after the last change (faults off; {} differences left to the reconciliation, each on a good of an order Склад Pro did not get)",
        in_step_after.map_or_else(|| "NEVER".to_owned(), secs),
        explained
    );
    let _ = writeln!(
        t,
        "reconciliation: {}; quiet polls for {}: {} requests, {} writes; engine status at the end: in step since {:?}, last push {:?}",
        reconciled.as_ref().map_or_else(
            || "failed".to_owned(),
            |s| format!("{} variants set right", s.updated)
        ),
        secs(quiet),
        quiet_requests,
        quiet_writes,
        status.as_ref().and_then(|s| s.in_step_since),
        status.as_ref().and_then(|s| s.last_push.clone())
    );
    let _ = writeln!(
        t,
        "(a) shop variants matching the warehouse {} of {}; (b) orders {:?}; queue {} ({:?})",
        matched,
        matched + disagree.len(),
        judged.fates,
        queue.len(),
        queue.values().fold(
            std::collections::BTreeMap::<String, u64>::new(),
            |mut m, q| {
                let first = q
                    .reasons
                    .first()
                    .map(|r| format!("{r:?}"))
                    .unwrap_or_default();
                let reason = first
                    .split(['{', ' '])
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                *m.entry(format!("{:?}: {reason}", q.kind)).or_default() += 1;
                m
            }
        )
    );
    if std::env::var_os("SKLADSYNC_SOAK_TRACE").is_some() {
        for (kind, sample) in &tally.problem_samples {
            let _ = writeln!(t, "  problem {kind}: {sample}");
        }
        for q in queue.values() {
            let _ = writeln!(t, "  queued {}: {:?} {:?}", q.order_id, q.kind, q.reasons);
        }
    }
    report.text = t;
    world.sandbox.shutdown().await;
    report
}

/// How the engine settled once the changes stopped.
struct Settled {
    /// The time from the last change until every order was where it belongs and every
    /// variant the continuous mode answers for held the warehouse's quantity and price.
    in_step_after: Option<Duration>,
    /// Differences left to the reconciliation: goods of orders Склад Pro did not get.
    explained: usize,
    failures: Vec<String>,
}

/// Wait (up to [`SETTLE_LIMIT`]) until the orders are settled and the shop is in step, but for
/// what only the reconciliation can set right.
async fn settle(world: &World, chaos: &Chaos<'_>, tally: &mut Tally) -> Settled {
    let last_change = Instant::now();
    let mut out = Settled {
        in_step_after: None,
        explained: 0,
        failures: Vec::new(),
    };
    loop {
        tally.drain(&world.sandbox);
        let judged = match (
            check::documents_by_order(world).await,
            check::queue(world).await,
        ) {
            (Ok(docs), Ok(queue)) => check::judge_all(world, &chaos.orders, &docs, &queue),
            (Err(e), _) | (_, Err(e)) => {
                out.failures.push(e);
                return out;
            }
        };
        let diffs = match check::differences(world).await {
            Ok(d) => d,
            Err(e) => {
                out.failures.push(e);
                return out;
            }
        };
        let (explained, unexplained) = check::split_explained(diffs, &judged.unwritten_variants);
        out.explained = explained.len();
        if judged.failures.is_empty() && unexplained.is_empty() {
            out.in_step_after = Some(last_change.elapsed());
            return out;
        }
        if last_change.elapsed() > SETTLE_LIMIT {
            let after = SETTLE_LIMIT.as_secs();
            for f in judged.failures {
                out.failures
                    .push(format!("{after} s after the last change: {f}"));
            }
            for d in unexplained {
                out.failures.push(format!(
                    "{after} s after the last change, the continuous mode left good {} (key {}) \
                     out of step: warehouse {:?}, shop variant {:?} {:?}",
                    d.good, d.key, d.warehouse, d.variant, d.shop
                ));
            }
            return out;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Ask the engine for a reconciliation (when the server's loop is between jobs) and wait for it.
async fn reconcile(world: &World, tally: &mut Tally) -> Result<RunSummary, String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let run = loop {
        let reply = world
            .engine
            .execute(Command::Start {
                server: SERVER.into(),
                task: Task::Reconcile,
                dry_run: false,
                scheduled: false,
            })
            .await;
        match reply {
            Reply::Started { run, .. } => break run,
            other if Instant::now() > deadline => {
                return Err(format!("the reconciliation did not start: {other:?}"));
            }
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        tally.drain(&world.sandbox);
        match tally.outcome(run) {
            Some(Ok(summary)) => return Ok(summary.clone()),
            Some(Err(failure)) => return Err(format!("the reconciliation failed: {failure:?}")),
            None if Instant::now() > deadline => {
                return Err("the reconciliation did not end within 120 s".into());
            }
            None => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}
