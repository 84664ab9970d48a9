//! Demo data: on first start with an empty platform database, a demo merchant with three shops
//! holding a year of realistic products, customers and orders.

use crate::db::{now_ms, Database, PoolShape};
use crate::state::AppState;
use anyhow::Context;
use app::auth::model::SignUpInput;
use app::services::{AccountService, ClientInfo};
use app::shops::model::NewShopInput;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::Duration;

pub const DEMO_EMAIL: &str = "demo@cartwright.localhost";

struct DemoShop {
    name: &'static str,
    slug: &'static str,
    currency: &'static str,
    timezone: &'static str,
    products: &'static [(&'static str, i64)],
}

const SHOPS: &[DemoShop] = &[
    DemoShop {
        name: "Northwind Outfitters",
        slug: "northwind",
        currency: "USD",
        timezone: "America/Denver",
        products: &[
            ("Alpine Down Jacket", 23900),
            ("Trail Runner Shoes", 12900),
            ("Merino Base Layer", 7900),
            ("Insulated Water Bottle", 3400),
            ("Ultralight Tent 2P", 38900),
            ("Trekking Poles (pair)", 8900),
            ("Wool Hiking Socks", 2200),
            ("Rain Shell", 17900),
            ("Headlamp 400lm", 4900),
            ("Daypack 28L", 11900),
        ],
    },
    DemoShop {
        name: "Alpenhof Delikatessen",
        slug: "alpenhof",
        currency: "EUR",
        timezone: "Europe/Vienna",
        products: &[
            ("Bergkäse 12 Monate, 500 g", 1490),
            ("Speck vom Schwein, 300 g", 1190),
            ("Zirbenschnaps 0,5 l", 3290),
            ("Apfelstrudel Backmischung", 690),
            ("Kürbiskernöl 250 ml", 1290),
            ("Mozartkugeln, 12 Stück", 1590),
            ("Wildkräutertee", 590),
            ("Marillenmarmelade", 650),
            ("Sachertorte klein", 2490),
            ("Honig aus dem Tal", 890),
        ],
    },
    DemoShop {
        name: "Kyoto Ceramics",
        slug: "kyoto-ceramics",
        currency: "JPY",
        timezone: "Asia/Tokyo",
        products: &[
            ("Hagi Tea Bowl", 12800),
            ("Kiyomizu Sake Set", 18500),
            ("Celadon Plate 24cm", 6400),
            ("Raku Incense Holder", 3200),
            ("Mino Rice Bowl", 2800),
            ("Shigaraki Vase", 24000),
            ("Oribe Serving Dish", 9600),
            ("Tenmoku Cup", 4200),
            ("Porcelain Chopstick Rest (5)", 1800),
            ("Kutani Teapot", 15800),
        ],
    },
];

const FIRST_NAMES: &[&str] = &[
    "Ada", "Ben", "Chloe", "Diego", "Elif", "Farah", "Gus", "Hana", "Ivan", "Jonas", "Keiko",
    "Lena", "Mateo", "Nora", "Omar", "Pia", "Quinn", "Rosa", "Sven", "Tara",
];
const LAST_NAMES: &[&str] = &[
    "Albrecht",
    "Brennan",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "García",
    "Hoffmann",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Novak",
    "Okafor",
    "Petrov",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Weber",
];
const COMPANIES: &[&str] = &[
    "Summit Retail GmbH",
    "Harbor Supply Co.",
    "Blue Fern Hotels",
    "Atelier Nord",
    "Cedar & Pine Ltd",
    "Kaiser Gastronomie",
];
const STATUSES: &[(&str, u32)] = &[
    ("delivered", 55),
    ("fulfilled", 12),
    ("approved", 8),
    ("paid", 10),
    ("pending", 7),
    ("cancelled", 5),
    ("refunded", 3),
];

/// Seeds the demo merchant and shops if no user exists yet.
pub async fn seed_if_empty(state: &AppState) -> anyhow::Result<()> {
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&state.platform.pool)
        .await?;
    if users > 0 {
        return Ok(());
    }
    let password = std::env::var("CARTWRIGHT_DEMO_PASSWORD").unwrap_or_else(|_| {
        let mut rng = rand::thread_rng();
        (0..16)
            .map(|_| char::from(b"abcdefghjkmnpqrstuvwxyz23456789"[rng.gen_range(0..31)]))
            .collect()
    });
    let outcome = state
        .accounts
        .sign_up(
            SignUpInput {
                name: "Demo Merchant".into(),
                email: DEMO_EMAIL.into(),
                password: password.clone(),
            },
            &ClientInfo::default(),
        )
        .await
        .map_err(|error| anyhow::anyhow!("creating the demo merchant: {error}"))?;
    for (index, demo) in SHOPS.iter().enumerate() {
        let shop = state
            .provisioner
            .register(
                outcome.user.id,
                NewShopInput {
                    name: demo.name.into(),
                    slug: demo.slug.into(),
                    currency: demo.currency.into(),
                    timezone: demo.timezone.into(),
                },
            )
            .await
            .map_err(|error| anyhow::anyhow!("registering demo shop {}: {error}", demo.slug))?;
        state.provisioner.provision(shop.id).await?;
        let url = state
            .provisioner
            .placement
            .url(&shop.db_server, &shop.db_name)?;
        let db = Database::connect(
            &url,
            &PoolShape {
                max_connections: 1,
                idle_timeout: Duration::from_secs(5),
            },
        )
        .await?;
        let filled = fill_shop(&db, demo, index as u64).await;
        db.close().await;
        filled.with_context(|| format!("filling demo shop {}", demo.slug))?;
    }
    // The demo password is shown on the console on purpose (it is a throw-away credential), but
    // never passed to the structured log.
    tracing::info!(
        email = DEMO_EMAIL,
        "demo merchant created with 3 shops; credentials printed on the console"
    );
    println!("\n  Demo merchant: {DEMO_EMAIL}\n  Password:      {password}\n");
    Ok(())
}

fn pick_status(rng: &mut StdRng) -> &'static str {
    let total: u32 = STATUSES.iter().map(|(_, weight)| weight).sum();
    let mut roll = rng.gen_range(0..total);
    for (status, weight) in STATUSES {
        if roll < *weight {
            return status;
        }
        roll -= weight;
    }
    "delivered"
}

async fn fill_shop(db: &Database, demo: &DemoShop, seed: u64) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(seed + 42);
    let now = now_ms();
    let year_ms: i64 = 365 * 24 * 3600 * 1000;
    let mut tx = db.begin_write().await?;
    for (index, (title, price)) in demo.products.iter().enumerate() {
        sqlx::query("INSERT INTO products (sku, title, status, price_minor, stock_on_hand, created_at) VALUES ($1, $2, 'active', $3, $4, $5)")
            .bind(format!("{}-{:04}", demo.slug.to_uppercase().replace('-', ""), index + 1))
            .bind(*title)
            .bind(*price)
            .bind(rng.gen_range(0..400_i64))
            .bind(now - year_ms)
            .execute(&mut *tx)
            .await?;
    }
    let customer_count = 60;
    for index in 0..customer_count {
        let first = FIRST_NAMES[rng.gen_range(0..FIRST_NAMES.len())];
        let last = LAST_NAMES[rng.gen_range(0..LAST_NAMES.len())];
        let business = index % 5 == 0;
        let company = business.then(|| COMPANIES[rng.gen_range(0..COMPANIES.len())]);
        sqlx::query("INSERT INTO customers (email, name, account_type, company_name, verified, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(format!("{}.{}{}@example.com", first.to_lowercase(), last.to_lowercase(), index))
            .bind(format!("{first} {last}"))
            .bind(if business { "business" } else { "individual" })
            .bind(company)
            .bind(i64::from(business && index % 10 == 0))
            .bind(now - rng.gen_range(0..year_ms))
            .execute(&mut *tx)
            .await?;
    }
    let order_count = 300;
    let mut placed: Vec<i64> = (0..order_count)
        .map(|_| now - rng.gen_range(0..year_ms))
        .collect();
    placed.sort_unstable();
    for (index, placed_at) in placed.into_iter().enumerate() {
        let lines = rng.gen_range(1..4);
        let total: i64 = (0..lines)
            .map(|_| demo.products[rng.gen_range(0..demo.products.len())].1 * rng.gen_range(1..4))
            .sum();
        sqlx::query("INSERT INTO orders (number, customer_id, status, currency, total_minor, channel, placed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(1001 + index as i64)
            .bind(rng.gen_range(1..=customer_count as i64))
            .bind(pick_status(&mut rng))
            .bind(demo.currency)
            .bind(total)
            .bind(if rng.gen_bool(0.8) { "portal" } else { "dashboard" })
            .bind(placed_at)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
