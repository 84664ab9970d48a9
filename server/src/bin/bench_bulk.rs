//! The bulk-order benchmark: the server-side time to validate and price a 5,000-line bulk order
//! (target < 200 ms) for a verified business customer of a shop with 10,000 products.
//!
//! It builds the shop with the demo generator (every other variant gets volume price breaks,
//! every fifth a pack size and minimum), signs a business customer up through the portal
//! service, has the merchant verify it, then times `PortalService::check_bulk_order` — the call
//! behind `POST /api/v1/shops/{slug}/bulk-orders/check` and the bulk-order page: token check,
//! customer and company lookup, parsing, the catalog lookups and pricing of every line.
//!
//! Everything lives in a scratch directory under TMPDIR, removed at the end. Progress goes to
//! stderr, the results block to stdout.

use anyhow::{bail, Context};
use app::auth::model::Session;
use app::customers::model::{CustomerSignUpInput, VerificationInput};
use app::orders::model::Address;
use app::services::{ClientInfo, CustomerService, PortalCaller, PortalService};
use app::shops::model::NewShopInput;
use server::config::{Config, Secret};
use server::demo::{fill_shop, FillSpec};
use server::startup::Application;
use std::path::Path;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: bench-bulk [--lines N] [--products N] [--runs N]

  --lines N      lines in the bulk order (default 5000)
  --products N   products in the shop (default 10000)
  --runs N       measured runs (default 30, after 3 warm-up runs)";

const SLUG: &str = "bench-bulk";

struct Options {
    lines: usize,
    products: usize,
    runs: usize,
}

fn parse_options(args: &[String]) -> anyhow::Result<Option<Options>> {
    let mut options = Options {
        lines: 5_000,
        products: 10_000,
        runs: 30,
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        if matches!(flag.as_str(), "-h" | "--help") {
            return Ok(None);
        }
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value\n\n{USAGE}"))?;
        let number = value
            .parse::<usize>()
            .with_context(|| format!("{flag} needs a whole number"))?;
        match flag.as_str() {
            "--lines" => options.lines = number.max(1),
            "--products" => options.products = number.max(1),
            "--runs" => options.runs = number.max(1),
            other => bail!("unknown argument {other:?}\n\n{USAGE}"),
        }
    }
    Ok(Some(options))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(options) = parse_options(&args)? else {
        println!("{USAGE}");
        return Ok(());
    };
    let scratch =
        std::env::temp_dir().join(format!("cartwright-bench-bulk-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let result = run(&options, &scratch).await;
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

async fn run(options: &Options, scratch: &Path) -> anyhow::Result<()> {
    let config = Config {
        data_dir: scratch.join("data"),
        jwt_secret: Some(Secret::new("bench-bulk-secret-".repeat(3))),
        ..Config::default()
    };
    let Application { state, .. } = server::startup::build(config)
        .await
        .context("starting the application")?;
    let merchant_id = server::demo::create_verified_merchant(
        &state,
        "bench@cartwright.localhost",
        "Bench Merchant",
        "benchmark password 2026",
    )
    .await?;
    eprintln!("generating {} products …", options.products);
    let db = server::demo::provision_shop(
        &state,
        merchant_id,
        NewShopInput {
            name: "Bench Bulk".into(),
            slug: SLUG.into(),
            currency: "EUR".into(),
            timezone: "Europe/Berlin".into(),
        },
    )
    .await?;
    let catalogue: Vec<(&str, i64)> = vec![
        ("Hex Bolt", 120),
        ("Wood Screw", 45),
        ("Washer", 8),
        ("Anchor", 230),
    ];
    fill_shop(
        &db,
        &FillSpec {
            currency: "EUR",
            sku_prefix: "BULK",
            catalogue: &catalogue,
            products: options.products,
            orders: 0,
            seed: 11,
        },
    )
    .await?;
    // Business terms: price breaks on every other variant, packs and minimums on every fifth.
    sqlx::query("INSERT INTO price_breaks (variant_id, min_quantity, discount_bp) SELECT id, 10, 500 FROM variants WHERE id % 2 = 0")
        .execute(&db.pool)
        .await?;
    sqlx::query("INSERT INTO price_breaks (variant_id, min_quantity, discount_bp) SELECT id, 100, 1200 FROM variants WHERE id % 2 = 0")
        .execute(&db.pool)
        .await?;
    sqlx::query("UPDATE variants SET pack_size = 5, min_quantity = 10, on_hand = on_hand + 1000 WHERE id % 5 = 0")
        .execute(&db.pool)
        .await?;
    // No ANALYZE: shops never run it, and with STAT4 statistics SQLite re-plans a statement
    // whenever a bound value changes (see bench-orders).
    let skus: Vec<String> = sqlx::query_scalar("SELECT sku FROM variants ORDER BY id")
        .fetch_all(&db.pool)
        .await?;
    if skus.len() < options.lines {
        bail!(
            "the shop has {} variants, fewer than the {} lines asked for",
            skus.len(),
            options.lines
        );
    }
    // Distinct SKUs spread over the catalog (odd and even variant ids alike, so about half have
    // price breaks), quantities 1–200.
    let step = skus.len() / options.lines;
    let lines: String = (0..options.lines)
        .map(|i| {
            let index = (i * step + i % step.max(1)).min(skus.len() - 1);
            format!("{}, {}\n", skus[index], 1 + (i * 37) % 200)
        })
        .collect();

    state
        .portal
        .sign_up(
            SLUG,
            CustomerSignUpInput {
                email: "buyer@bench.example".into(),
                password: "benchmark password 2026".into(),
                name: "Bench Buyer".into(),
                account_type: "business".into(),
                company_name: "Bench Industries GmbH".into(),
                tax_id: "DE136695976".into(),
                billing_address: Address {
                    line1: "Hauptstr. 1".into(),
                    city: "Berlin".into(),
                    country: "DE".into(),
                    ..Address::default()
                },
            },
            &ClientInfo::default(),
        )
        .await
        .map_err(|error| anyhow::anyhow!("customer sign-up: {error}"))?;
    // The buyer opens the link of the sign-up mail, as a person would.
    let mail: String = sqlx::query_scalar(
        "SELECT body_text FROM mail_outbox WHERE recipient = 'buyer@bench.example' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&state.platform.pool)
    .await
    .context("the buyer's sign-up mail")?;
    let token = mail
        .split_whitespace()
        .find_map(|word| {
            word.split_once("/signup/confirm?token=")
                .map(|(_, token)| token)
        })
        .context("a sign-up link in the buyer's mail")?
        .to_string();
    let session = state
        .portal
        .confirm_sign_up(SLUG, &token, "benchmark password 2026")
        .await
        .map_err(|error| anyhow::anyhow!("confirming the customer sign-up: {error}"))?;
    let merchant_session = Session {
        user_id: merchant_id,
        email: "bench@cartwright.localhost".into(),
    };
    state
        .customers
        .decide_verification(
            &merchant_session,
            SLUG,
            session.customer.id,
            VerificationInput {
                decision: "verify".into(),
                reason: String::new(),
            },
        )
        .await
        .map_err(|error| anyhow::anyhow!("verification: {error}"))?;
    let caller = PortalCaller {
        slug: SLUG.into(),
        token: Some(session.token.clone()),
    };

    eprintln!("warming up …");
    let mut summary = None;
    for _ in 0..3 {
        summary = Some(
            state
                .portal
                .check_bulk_order(&caller, &lines)
                .await
                .map_err(|error| anyhow::anyhow!("check: {error}"))?,
        );
    }
    let mut samples: Vec<Duration> = Vec::with_capacity(options.runs);
    for _ in 0..options.runs {
        let started = Instant::now();
        let check = state
            .portal
            .check_bulk_order(&caller, &lines)
            .await
            .map_err(|error| anyhow::anyhow!("check: {error}"))?;
        samples.push(started.elapsed());
        std::hint::black_box(check);
    }
    samples.sort();
    let percentile = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let check = summary.context("no run")?;
    let priced = check
        .lines
        .iter()
        .filter(|line| line.variant_id.is_some())
        .count();
    let discounted = check
        .lines
        .iter()
        .filter(|line| line.discount_bp > 0)
        .count();
    let flagged = check
        .lines
        .iter()
        .filter(|line| !line.problems.is_empty())
        .count();
    println!(
        "bulk order check (validate + price), SQLite, {} products / {} variants",
        options.products,
        skus.len()
    );
    println!(
        "  machine: {}, {} logical CPUs",
        server::machine::cpu_model(),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!(
        "  lines: {} ({priced} priced, {discounted} with a volume discount, {flagged} flagged)",
        options.lines
    );
    println!(
        "  server time over {} runs: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms (target < 200 ms)",
        options.runs,
        ms(percentile(0.5)),
        ms(percentile(0.95)),
        ms(samples[samples.len() - 1])
    );
    db.close().await;
    Ok(())
}
