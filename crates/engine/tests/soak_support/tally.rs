//! What the soak counts: the shop's request log (drained as it goes, so that its cap never
//! drops a request) and the engine's runs as it reports them.

use std::collections::{BTreeMap, HashMap};

use cloudcart_sandbox::Sandbox;
use skladsync_engine::report::Failure;
use skladsync_engine::{Event, RunId, RunSummary, Task, Update};
use tokio::sync::mpsc::UnboundedReceiver;

#[derive(Default)]
pub struct Requests {
    /// Every `/api/v2` request the shop received (its log's sequence number).
    pub total: u64,
    /// The ones read from the log (a request logged between a read and the clear that follows
    /// is counted in `total` only).
    pub seen: u64,
    pub by_method: BTreeMap<String, u64>,
    /// Answers shaped by an injected fault, by the fault's name.
    pub faults: BTreeMap<String, u64>,
    /// Writes the shop took (any method but GET, answered 2xx).
    pub writes: u64,
    /// Of those, writes of a variant's quantity or price (`PATCH /variants/{id}`).
    pub variant_updates: u64,
    /// Products and variants made (`POST /products`, `POST /variants`, answered 2xx).
    pub creates: u64,
}

impl Requests {
    fn add(&mut self, other: &Requests) {
        self.total += other.total;
        self.seen += other.seen;
        for (k, v) in &other.by_method {
            *self.by_method.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &other.faults {
            *self.faults.entry(k.clone()).or_default() += v;
        }
        self.writes += other.writes;
        self.variant_updates += other.variant_updates;
        self.creates += other.creates;
    }
}

pub struct Tally {
    updates: UnboundedReceiver<Update>,
    last_seq: u64,
    /// Requests since the soak began.
    pub requests: Requests,
    /// Requests since the last [`Tally::lap`].
    pub lap: Requests,
    /// Runs that wrote something (polls that found nothing are not reported by the engine), by
    /// task, and the items they wrote.
    pub runs_written: BTreeMap<Task, u64>,
    pub items_written: BTreeMap<Task, u64>,
    /// Runs that ended in a failure, by task, and the first few failures.
    pub runs_failed: BTreeMap<Task, u64>,
    pub failure_samples: Vec<String>,
    /// Problems the runs reported, by kind.
    pub problems: BTreeMap<String, u64>,
    /// The first problem of each kind, whole.
    pub problem_samples: BTreeMap<String, String>,
    finished: HashMap<RunId, Result<RunSummary, Failure>>,
}

/// The kind of a problem: its variant names, without the fields.
fn kind_of(debug: &str) -> String {
    debug
        .split(['{', ' '])
        .next()
        .unwrap_or_default()
        .trim_end_matches('(')
        .to_owned()
}

impl Tally {
    pub fn new(updates: UnboundedReceiver<Update>) -> Tally {
        Tally {
            updates,
            last_seq: 0,
            requests: Requests::default(),
            lap: Requests::default(),
            runs_written: BTreeMap::new(),
            items_written: BTreeMap::new(),
            runs_failed: BTreeMap::new(),
            failure_samples: Vec::new(),
            problems: BTreeMap::new(),
            problem_samples: BTreeMap::new(),
            finished: HashMap::new(),
        }
    }

    /// Start counting a new lap of requests.
    pub fn lap(&mut self) {
        self.lap = Requests::default();
    }

    /// Read (and clear) the shop's request log and the engine's updates so far.
    pub fn drain(&mut self, sandbox: &Sandbox) {
        let state = sandbox.state();
        let log = state.request_log();
        state.clear_request_log();
        let mut now = Requests::default();
        let trace = std::env::var_os("SKLADSYNC_SOAK_TRACE").is_some();
        for r in log.iter().filter(|r| r.seq > self.last_seq) {
            if trace {
                let body = if r.method == "GET" {
                    String::new()
                } else {
                    r.body
                        .as_ref()
                        .and_then(|b| b.pointer("/data/attributes"))
                        .map(|a| a.to_string())
                        .unwrap_or_default()
                };
                println!(
                    "  {} {} {} {} {body} → {} {:?}",
                    r.seq,
                    r.time.format("%H:%M:%S%.3f"),
                    r.method,
                    r.path,
                    r.status,
                    r.fault
                );
            }
            now.seen += 1;
            *now.by_method.entry(r.method.clone()).or_default() += 1;
            if let Some(f) = &r.fault {
                *now.faults.entry(f.clone()).or_default() += 1;
            }
            if r.method != "GET" && (200..300).contains(&r.status) {
                now.writes += 1;
                let path = r.path.split('?').next().unwrap_or_default();
                if r.method == "PATCH" && path.starts_with("/api/v2/variants/") {
                    now.variant_updates += 1;
                }
                if r.method == "POST" && (path == "/api/v2/products" || path == "/api/v2/variants")
                {
                    now.creates += 1;
                }
            }
        }
        if let Some(last) = log.iter().map(|r| r.seq).max() {
            now.total = last.saturating_sub(self.last_seq);
            self.last_seq = last;
        }
        self.requests.add(&now);
        self.lap.add(&now);

        while let Ok(update) = self.updates.try_recv() {
            let Update::Run(run) = update else { continue };
            match run.event {
                Event::Finished { task, summary } => {
                    if summary.written() > 0 {
                        *self.runs_written.entry(task).or_default() += 1;
                        *self.items_written.entry(task).or_default() += summary.written();
                    }
                    for p in &summary.problems {
                        let whole = format!("{:?}", p.problem);
                        let kind = kind_of(&whole);
                        *self.problems.entry(kind.clone()).or_default() += 1;
                        self.problem_samples
                            .entry(kind)
                            .or_insert_with(|| format!("{:?}: {whole}", p.item));
                    }
                    self.finished.insert(run.run, Ok(summary));
                }
                Event::Failed { task, failure } => {
                    *self.runs_failed.entry(task).or_default() += 1;
                    if self.failure_samples.len() < 5 {
                        self.failure_samples.push(format!("{task:?}: {failure:?}"));
                    }
                    self.finished.insert(run.run, Err(failure));
                }
                _ => {}
            }
        }
    }

    /// How a run ended, once it did.
    pub fn outcome(&self, run: RunId) -> Option<&Result<RunSummary, Failure>> {
        self.finished.get(&run)
    }
}
