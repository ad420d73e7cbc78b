// The MySQL/MariaDB engine tests run when SKLADSYNC_TEST_MYSQL_URL is
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
}
