//! The soak of the continuous mode (see `soak_support`): a short run here, a long one with
//! `cargo xtask soak --minutes N` (`SKLADSYNC_SOAK_SECONDS`; `SKLADSYNC_SOAK_SEED` repeats a
//! run). It asserts correctness only, never how fast.

mod soak_support;

/// Seconds of changes in an ordinary test run (the whole test stays well within 90 s).
const CI_SECONDS: u64 = 60;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shop_and_the_warehouse_stay_in_step_through_changes_and_faults() {
    let config = soak_support::Config::from_env(CI_SECONDS);
    let report = soak_support::run(&config).await;
    println!("{}", report.text);
    assert!(
        report.failures.is_empty(),
        "soak seed {} — {} check(s) failed:\n{}\n\n{}",
        config.seed,
        report.failures.len(),
        report.failures.join("\n"),
        report.text
    );
}
