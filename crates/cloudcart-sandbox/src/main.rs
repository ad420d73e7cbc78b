//! `cloudcart-sandbox`: serves a local CloudCart-compatible store until Ctrl-C.

use std::path::PathBuf;

use clap::Parser;
use cloudcart_sandbox::{DEFAULT_API_KEY, Sandbox, SandboxConfig, Seed};

#[derive(Parser, Debug)]
#[command(
    name = "cloudcart-sandbox",
    version,
    about = "A local CloudCart REST API v2 stand-in"
)]
struct Args {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// Generated products (ignored with --seed-json).
    #[arg(long, default_value_t = 200)]
    products: usize,
    /// Generated orders (ignored with --seed-json).
    #[arg(long, default_value_t = 50)]
    orders: usize,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    rng_seed: u64,
    /// Load the store from this JSON file (the format of GET /__sandbox/export).
    #[arg(long)]
    seed_json: Option<PathBuf>,
    /// API key to accept (64 uppercase characters on a real store).
    #[arg(long, default_value = DEFAULT_API_KEY)]
    api_key: String,
    /// Requests per minute (0 = a plan without API access); unlimited when absent.
    #[arg(long)]
    rate_limit: Option<u32>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let seed = match args.seed_json {
        Some(path) => Seed::JsonFile(path),
        None => Seed::Generated {
            products: args.products,
            orders: args.orders,
            rng_seed: args.rng_seed,
        },
    };
    let sandbox = Sandbox::start(SandboxConfig {
        api_key: args.api_key,
        rate_limit_per_minute: args.rate_limit,
        seed,
        port: args.port,
    })
    .await?;
    println!("CloudCart sandbox");
    println!("  API URL:   {}", sandbox.api_url());
    println!("  API key:   {}", sandbox.api_key());
    println!("  Admin API: {}/__sandbox/", sandbox.base_url());
    match args.rate_limit {
        None => println!("  Rate limit: unlimited"),
        Some(0) => println!("  Rate limit: plan without API access (every request 429)"),
        Some(n) => println!(
            "  Rate limit: {n}/min ({} pass per 60 s window)",
            cloudcart_sandbox::passes_per_window(n)
        ),
    }
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    sandbox.shutdown().await;
    Ok(())
}
