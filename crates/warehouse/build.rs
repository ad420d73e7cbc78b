// The MySQL/MariaDB half of the shared warehouse suite runs when SKLADSYNC_TEST_MYSQL_URL is
// set when the tests are built; otherwise those tests are marked ignored, so that a run without
// a server reports them as skipped instead of passing them silently.
fn main() {
    println!("cargo::rerun-if-env-changed=SKLADSYNC_TEST_MYSQL_URL");
    println!("cargo::rerun-if-env-changed=SKLADSYNC_TEST_MSSQL_URL");
    println!("cargo::rustc-check-cfg=cfg(skladsync_mysql)");
    println!("cargo::rustc-check-cfg=cfg(skladsync_mssql)");
    if std::env::var_os("SKLADSYNC_TEST_MYSQL_URL").is_some_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=skladsync_mysql");
    }
    if std::env::var_os("SKLADSYNC_TEST_MSSQL_URL").is_some_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=skladsync_mssql");
    }
    // The Warehouse Open sample store is read from ../shared at test time; where it is absent
    // (a clone without shared/), its tests are listed as ignored, naming what is missing.
    println!("cargo::rerun-if-env-changed=SKLADSYNC_FIXTURES");
    println!("cargo::rustc-check-cfg=cfg(skladsync_fixtures)");
    // CARGO_MANIFEST_DIR is read when the script runs, not baked in when it is built: a build
    // directory shared between clones reuses the compiled script.
    let fixtures = std::env::var_os("SKLADSYNC_FIXTURES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default())
                .join("../../../shared/fixtures/warehouse-open")
        });
    let sample = fixtures.join("SampleStore_307.sqlite.sql");
    // Watched, so that the answer follows the file (a missing file is looked for on every build).
    println!("cargo::rerun-if-changed={}", sample.display());
    println!("cargo::rerun-if-changed=build.rs");
    if sample.exists() {
        println!("cargo::rustc-cfg=skladsync_fixtures");
    }
}
