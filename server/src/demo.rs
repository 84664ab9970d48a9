//! Demo data: on first start with an empty platform database, a demo merchant with three shops
//! holding a year of realistic products, customers and orders.

use crate::db::{now_ms, Database, Engine, PoolShape};
use crate::sql::{SqlBuilder, Value};
use crate::state::AppState;
use anyhow::Context;
use app::orders::lifecycle::{
    FulfilmentStatus, Lifecycle, OrderAction, PaymentStatus, PaymentTerms,
};
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
/// How far demo orders got, with weights: each is a sequence of lifecycle actions (see
/// [`demo_lifecycle`]), so every combination of payment and fulfilment the product knows occurs.
const SCENARIOS: &[(&str, u32)] = &[
    ("delivered", 50),
    ("shipped", 10),
    ("partially_shipped", 3),
    ("approved", 8),
    ("paid", 8),
    ("part_paid", 2),
    ("pending", 7),
    ("cancelled", 4),
    ("cancelled_paid", 2),
    ("refunded", 3),
    ("part_refunded", 3),
];

/// Where a demo order stands after `scenario`'s actions. On invoice terms an order is approved
/// and shipped before it is paid, so payment comes last (and, for some, not yet).
fn demo_lifecycle(scenario: &str, terms: PaymentTerms, paid_late: bool) -> Lifecycle {
    use OrderAction as A;
    let pay = A::MarkPaid { settles: true };
    let ship = A::Ship {
        everything_shipped: true,
    };
    let mut actions: Vec<OrderAction> = match scenario {
        "delivered" => vec![pay, A::Approve, ship, A::Deliver],
        "shipped" => vec![pay, A::Approve, ship],
        "partially_shipped" => vec![
            pay,
            A::Approve,
            A::Ship {
                everything_shipped: false,
            },
        ],
        "approved" => vec![pay, A::Approve],
        "paid" => vec![pay],
        "part_paid" => vec![A::MarkPaid { settles: false }],
        "cancelled" => vec![A::Cancel],
        "cancelled_paid" => vec![pay, A::Cancel],
        "refunded" => vec![
            pay,
            A::Refund {
                fully_refunded: true,
            },
        ],
        "part_refunded" => vec![
            pay,
            A::Approve,
            ship,
            A::Deliver,
            A::Refund {
                fully_refunded: false,
            },
        ],
        _ => Vec::new(),
    };
    if terms.is_invoice() && actions.contains(&A::Approve) {
        actions.retain(|action| *action != pay);
        let refund_at = actions
            .iter()
            .position(|action| matches!(action, A::Refund { .. }))
            .unwrap_or(actions.len());
        if paid_late || refund_at < actions.len() {
            actions.insert(refund_at, pay);
        }
    }
    actions
        .into_iter()
        .fold(Lifecycle::placed(terms), |at, action| {
            at.apply(action).unwrap_or(at)
        })
}

const ADJECTIVES: &[&str] = &[
    "Classic",
    "Heritage",
    "Everyday",
    "Premium",
    "Compact",
    "Deluxe",
    "Limited",
    "Essential",
    "Signature",
    "Studio",
    "Field",
    "Coastal",
    "Nordic",
    "Urban",
    "Vintage",
    "Organic",
];
const SIZES: &[&str] = &["S", "M", "L", "XL"];
const CHANNEL_WEIGHTS: &[(&str, u32)] = &[
    ("portal", 60),
    ("dashboard", 15),
    ("api", 10),
    ("marketplace", 15),
];

/// Registers and provisions a shop for `owner_id` and opens a one-connection pool on its
/// database, for filling it directly (demo data, benchmarks). The caller closes the pool.
pub async fn provision_shop(
    state: &AppState,
    owner_id: i64,
    input: NewShopInput,
) -> anyhow::Result<Database> {
    let slug = input.slug.clone();
    let shop = state
        .provisioner
        .register(owner_id, input)
        .await
        .map_err(|error| anyhow::anyhow!("registering shop {slug}: {error}"))?;
    state.provisioner.provision(shop.id).await?;
    let url = state
        .provisioner
        .placement
        .url(&shop.db_server, &shop.db_name)?;
    Database::connect(
        &url,
        &PoolShape {
            max_connections: 1,
            idle_timeout: Duration::from_secs(5),
        },
    )
    .await
}

/// Writes a merchant account directly, its address taken as proven (sign-up by link needs a
/// mailbox): for the demo merchant and the benchmarks, never for people.
pub async fn create_verified_merchant(
    state: &AppState,
    email: &str,
    name: &str,
    password: &str,
) -> anyhow::Result<i64> {
    let password_hash = state
        .accounts
        .passwords
        .hash(password.to_string())
        .await
        .map_err(|error| anyhow::anyhow!("hashing the password of {email}: {error}"))?;
    let now = crate::db::now_ms();
    sqlx::query_scalar(
        "INSERT INTO users (email, name, password_hash, created_at, updated_at, email_verified_at) \
         VALUES ($1, $2, $3, $4, $4, $4) RETURNING id",
    )
    .bind(email)
    .bind(name)
    .bind(&password_hash)
    .bind(now)
    .fetch_one(&state.platform.pool)
    .await
    .with_context(|| format!("creating the merchant {email}"))
}

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
    // The demo address receives no mail, so the demo merchant is written directly.
    let user_id = create_verified_merchant(state, DEMO_EMAIL, "Demo Merchant", &password).await?;
    for (index, demo) in SHOPS.iter().enumerate() {
        let db = provision_shop(
            state,
            user_id,
            NewShopInput {
                name: demo.name.into(),
                slug: demo.slug.into(),
                currency: demo.currency.into(),
                timezone: demo.timezone.into(),
            },
        )
        .await?;
        // The first shop gets the sizes asked for on the command line; the others stay small.
        let (products, orders) = if index == 0 {
            (state.config.demo_products, state.config.demo_orders)
        } else {
            (demo.products.len(), 300)
        };
        let spec = FillSpec {
            currency: demo.currency,
            sku_prefix: &demo.slug.to_uppercase().replace('-', ""),
            catalogue: demo.products,
            products,
            orders,
            seed: index as u64,
        };
        let filled = fill_shop(&db, &spec).await;
        // The quote whose offer holds stock: the sweeper releases it once the offer expires.
        let hold_expiry = match &filled {
            Ok(()) => {
                sqlx::query_scalar::<_, Option<i64>>("SELECT MIN(expires_at) FROM quote_holds")
                    .fetch_one(&db.pool)
                    .await
                    .context("reading the demo quote holds")?
            }
            Err(_) => None,
        };
        db.close().await;
        filled.with_context(|| format!("filling demo shop {}", demo.slug))?;
        if let Some(due_at) = hold_expiry {
            let shop = state
                .provisioner
                .registry
                .shop_by_slug(demo.slug)
                .await?
                .context("the demo shop just made")?;
            crate::portal::holds::mark_due(&state.platform, shop.id, due_at)
                .await
                .map_err(|error| anyhow::anyhow!("marking the demo shop's quote hold: {error}"))?;
        }
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

fn pick<'a>(rng: &mut StdRng, weighted: &'a [(&'a str, u32)]) -> &'a str {
    let total: u32 = weighted.iter().map(|(_, weight)| weight).sum();
    let mut roll = rng.gen_range(0..total);
    for (value, weight) in weighted {
        if roll < *weight {
            return value;
        }
        roll -= weight;
    }
    weighted[0].0
}

/// What to generate in one shop.
pub struct FillSpec<'a> {
    pub currency: &'a str,
    pub sku_prefix: &'a str,
    /// Base titles and prices (minor units) that generated products vary.
    pub catalogue: &'a [(&'a str, i64)],
    pub products: usize,
    pub orders: usize,
    pub seed: u64,
}

/// Rows for a multi-row INSERT, flushed before the statement would exceed the engines'
/// bind-parameter limits.
struct BulkInsert {
    head: String,
    columns: usize,
    rows: Vec<Vec<Value>>,
}

impl BulkInsert {
    fn new(table: &str, columns: &[&str]) -> Self {
        BulkInsert {
            head: format!("INSERT INTO {table} ({}) VALUES ", columns.join(", ")),
            columns: columns.len(),
            rows: Vec::new(),
        }
    }

    /// Queues a row; rows are written by `flush`, in the order the tables are flushed, so
    /// foreign keys between tables are satisfied.
    async fn push(
        &mut self,
        _tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        row: Vec<Value>,
    ) -> anyhow::Result<()> {
        debug_assert_eq!(row.len(), self.columns);
        self.rows.push(row);
        Ok(())
    }

    /// Writes the queued rows in statements small enough for both engines' parameter limits.
    async fn flush(
        &mut self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    ) -> anyhow::Result<()> {
        let rows_per_statement = (8000 / self.columns).max(1);
        let rows: Vec<Vec<Value>> = self.rows.drain(..).collect();
        for chunk in rows.chunks(rows_per_statement) {
            let mut sql = SqlBuilder::bulk(&self.head, tx.backend_name());
            let mut groups = Vec::with_capacity(chunk.len());
            for row in chunk {
                let placeholders: Vec<String> =
                    row.iter().cloned().map(|value| sql.bind(value)).collect();
                groups.push(format!("({})", placeholders.join(", ")));
            }
            sql.push(&groups.join(", "));
            sql.query().execute(&mut **tx).await?;
        }
        Ok(())
    }
}

fn text(value: impl Into<String>) -> Value {
    Value::Text(value.into())
}

fn int(value: i64) -> Value {
    Value::Int(value)
}

/// Fills an empty shop with `spec.products` products (1–3 variants each), customers, and
/// `spec.orders` orders over the last year in every status, with lines, payments, shipments and
/// timeline events, and stock reservations that match the open orders.
pub async fn fill_shop(db: &Database, spec: &FillSpec<'_>) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(spec.seed + 42);
    let now = now_ms();
    let year_ms: i64 = 365 * 24 * 3600 * 1000;

    // Catalogue: products and their variants, kept in memory to price the orders.
    struct Variant {
        id: i64,
        sku: String,
        title: String,
        price: i64,
        on_hand: i64,
        reserved: i64,
    }
    let mut variants: Vec<Variant> = Vec::new();
    let mut tx = db.begin_write().await?;
    let mut products = BulkInsert::new(
        "products",
        &[
            "id",
            "handle",
            "title",
            "description",
            "status",
            "tags",
            "images",
            "option1_name",
            "option2_name",
            "version",
            "created_at",
            "updated_at",
        ],
    );
    for index in 0..spec.products.max(1) {
        let (base, base_price) = spec.catalogue[index % spec.catalogue.len()];
        let title = if index < spec.catalogue.len() {
            base.to_string()
        } else {
            format!(
                "{} {base} {}",
                ADJECTIVES[rng.gen_range(0..ADJECTIVES.len())],
                index / spec.catalogue.len()
            )
        };
        let product_id = index as i64 + 1;
        let sized = index % 3 == 0;
        let created = now - rng.gen_range(year_ms / 2..year_ms);
        let status = if index % 25 == 24 {
            "draft"
        } else if index % 40 == 39 {
            "archived"
        } else {
            "active"
        };
        products
            .push(
                &mut tx,
                vec![
                    int(product_id),
                    text(format!(
                        "{}-{product_id}",
                        app::products::rules::parse_handle("", base)
                            .unwrap_or_else(|_| "product".into())
                    )),
                    text(title.clone()),
                    text(format!("{title}: a customer favourite.")),
                    text(status),
                    text(if sized { "apparel" } else { "goods" }),
                    text(""),
                    text(if sized { "Size" } else { "" }),
                    text(""),
                    int(1),
                    int(created),
                    int(created),
                ],
            )
            .await?;
        let variant_count = if sized { rng.gen_range(2..=3) } else { 1 };
        for size in SIZES.iter().take(variant_count) {
            let price = (base_price as f64 * rng.gen_range(0.85..1.25)).round() as i64;
            let price = if spec.currency == "JPY" {
                price / 10 * 10
            } else {
                price / 10 * 10 + 9
            };
            variants.push(Variant {
                id: variants.len() as i64 + 1,
                sku: format!(
                    "{}-{product_id:05}{}",
                    spec.sku_prefix,
                    if sized {
                        format!("-{size}")
                    } else {
                        String::new()
                    }
                ),
                title: if sized {
                    format!("{title} — {size}")
                } else {
                    title.clone()
                },
                price,
                on_hand: rng.gen_range(20..400),
                reserved: 0,
            });
        }
    }
    products.flush(&mut tx).await?;
    // Variants, before the orders that reference them.
    let mut variant_rows = BulkInsert::new(
        "variants",
        &[
            "id",
            "product_id",
            "sku",
            "option1",
            "option2",
            "price_minor",
            "compare_at_minor",
            "weight_grams",
            "barcode",
            "position",
            "on_hand",
            "reserved",
            "created_at",
            "updated_at",
        ],
    );
    let mut product_of = 0_i64;
    let mut position = 0_i64;
    let mut last_base = String::new();
    for variant in &variants {
        // Variants of one product are consecutive and share the SKU stem.
        let stem = variant
            .sku
            .rsplit_once('-')
            .filter(|(_, size)| SIZES.contains(size))
            .map(|(stem, _)| stem.to_string())
            .unwrap_or_else(|| variant.sku.clone());
        if stem != last_base {
            product_of += 1;
            position = 0;
            last_base = stem;
        } else {
            position += 1;
        }
        let on_hand = variant.on_hand;
        let option = variant
            .sku
            .rsplit_once('-')
            .map(|(_, size)| size)
            .filter(|size| SIZES.contains(size))
            .unwrap_or("");
        variant_rows
            .push(
                &mut tx,
                vec![
                    int(variant.id),
                    int(product_of),
                    text(variant.sku.clone()),
                    text(option),
                    text(""),
                    int(variant.price),
                    Value::Int(variant.price * 12 / 10),
                    int(rng.gen_range(100..3000)),
                    text(""),
                    int(position),
                    int(on_hand),
                    int(0),
                    int(now - year_ms),
                    int(now - year_ms),
                ],
            )
            .await?;
    }
    variant_rows.flush(&mut tx).await?;

    // Customers: about one per 20 orders, one in five a business. Each business is the admin of a
    // company of its own with a tax id and a billing address: half verified, some waiting in the
    // verification queue, a few rejected; some verified ones buy on payment terms.
    let customer_count = (spec.orders / 20).max(60);
    struct Customer {
        email: String,
        name: String,
        business: Option<&'static str>,
        terms: PaymentTerms,
    }
    let mut customers = Vec::with_capacity(customer_count);
    let mut company_rows = BulkInsert::new(
        "companies",
        &[
            "id",
            "name",
            "tax_id",
            "billing_address",
            "verification",
            "rejection_reason",
            "payment_terms",
            "created_at",
        ],
    );
    let mut customer_rows = BulkInsert::new(
        "customers",
        &[
            "id",
            "email",
            "name",
            "account_type",
            "company_name",
            "verified",
            "created_at",
            "company_id",
            "company_role",
        ],
    );
    let mut company_id = 0_i64;
    for index in 0..customer_count {
        let first = FIRST_NAMES[rng.gen_range(0..FIRST_NAMES.len())];
        let last = LAST_NAMES[rng.gen_range(0..LAST_NAMES.len())];
        let business = (index % 5 == 0).then(|| COMPANIES[rng.gen_range(0..COMPANIES.len())]);
        let created_at = now - rng.gen_range(0..year_ms);
        let (verification, terms) = match index % 20 {
            0 => ("verified", PaymentTerms::Net30),
            10 => ("verified", PaymentTerms::Prepaid),
            15 if index % 60 == 15 => ("rejected", PaymentTerms::Prepaid),
            _ if index % 40 == 5 => ("verified", PaymentTerms::DueOnReceipt),
            _ => ("pending", PaymentTerms::Prepaid),
        };
        let customer = Customer {
            email: format!(
                "{}.{}{index}@example.com",
                first.to_lowercase(),
                last.to_lowercase()
            ),
            name: format!("{first} {last}"),
            business,
            terms: if business.is_some() {
                terms
            } else {
                PaymentTerms::Prepaid
            },
        };
        let company = match business {
            Some(company_name) => {
                company_id += 1;
                company_rows
                    .push(
                        &mut tx,
                        vec![
                            int(company_id),
                            text(format!("{company_name} ({last})")),
                            text(format!("DE{:09}", 100_000_000 + index * 7919 % 900_000_000)),
                            text(r#"{"name":"","line1":"Hauptstraße 1","line2":"","city":"Berlin","region":"","postal_code":"10115","country":"DE"}"#),
                            text(verification),
                            text(if verification == "rejected" {
                                "The tax id does not match the company name"
                            } else {
                                ""
                            }),
                            text(customer.terms.as_str()),
                            int(created_at),
                        ],
                    )
                    .await?;
                Some(company_id)
            }
            None => None,
        };
        customer_rows
            .push(
                &mut tx,
                vec![
                    int(index as i64 + 1),
                    text(customer.email.clone()),
                    text(customer.name.clone()),
                    text(if business.is_some() {
                        "business"
                    } else {
                        "individual"
                    }),
                    business.map(text).unwrap_or(Value::Text(String::new())),
                    int(i64::from(verification == "verified" && business.is_some())),
                    int(created_at),
                    Value::OptionalInt(company),
                    text(if company.is_some() { "admin" } else { "" }),
                ],
            )
            .await?;
        customers.push(customer);
    }
    company_rows.flush(&mut tx).await?;
    customer_rows.flush(&mut tx).await?;
    tx.commit().await?;

    // Orders, oldest first so numbers follow time, committed in chunks.
    let mut placed: Vec<i64> = (0..spec.orders)
        .map(|_| now - rng.gen_range(0..year_ms))
        .collect();
    placed.sort_unstable();
    let mut shipment_id = 0_i64;
    let mut line_id = 0_i64;
    for (chunk_index, chunk) in placed.chunks(5000).enumerate() {
        let mut tx = db.begin_write().await?;
        let mut orders = BulkInsert::new(
            "orders",
            &[
                "id",
                "number",
                "customer_id",
                "status",
                "currency",
                "total_minor",
                "channel",
                "placed_at",
                "customer_email",
                "customer_name",
                "customer_type",
                "company_name",
                "shipping_address",
                "billing_address",
                "subtotal_minor",
                "discount_minor",
                "shipping_minor",
                "tax_minor",
                "paid_minor",
                "refunded_minor",
                "notes",
                "tags",
                "version",
                "updated_at",
                "state",
                "payment_status",
                "fulfilment_status",
                "approved_at",
                "payment_terms",
                "payment_due_at",
            ],
        );
        let mut lines = BulkInsert::new(
            "order_lines",
            &[
                "id",
                "order_id",
                "variant_id",
                "sku",
                "title",
                "unit_price_minor",
                "quantity",
                "shipped_quantity",
            ],
        );
        let mut events = BulkInsert::new(
            "order_events",
            &["order_id", "kind", "message", "actor", "created_at"],
        );
        let mut payments = BulkInsert::new(
            "payments",
            &[
                "order_id",
                "kind",
                "amount_minor",
                "method",
                "note",
                "actor",
                "created_at",
            ],
        );
        let mut shipments = BulkInsert::new(
            "shipments",
            &[
                "id",
                "order_id",
                "carrier",
                "tracking_number",
                "tracking_url",
                "actor",
                "created_at",
            ],
        );
        let mut shipment_lines = BulkInsert::new(
            "shipment_lines",
            &["shipment_id", "order_line_id", "quantity"],
        );
        for (offset, placed_at) in chunk.iter().enumerate() {
            let order_id = (chunk_index * 5000 + offset) as i64 + 1;
            let number = 1000 + order_id;
            let scenario = pick(&mut rng, SCENARIOS);
            let customer_index = rng.gen_range(0..customers.len());
            let customer = &customers[customer_index];
            let terms = customer.terms;
            let lifecycle = demo_lifecycle(scenario, terms, rng.gen_bool(0.7));
            let status = lifecycle.stage().as_str();
            let line_count = rng.gen_range(1..=4);
            let mut order_lines = Vec::with_capacity(line_count);
            for _ in 0..line_count {
                let variant_index = rng.gen_range(0..variants.len());
                if order_lines.iter().any(|(index, _)| *index == variant_index) {
                    continue;
                }
                let quantity = if customer.business.is_some() {
                    rng.gen_range(5..40)
                } else {
                    rng.gen_range(1..4)
                };
                order_lines.push((variant_index, quantity));
            }
            let subtotal: i64 = order_lines
                .iter()
                .map(|(index, quantity)| variants[*index].price * quantity)
                .sum();
            let shipping = if subtotal > 10_000 { 0 } else { 490 };
            let total = subtotal + shipping;
            let paid = match lifecycle.payment {
                PaymentStatus::Paid
                | PaymentStatus::PartiallyRefunded
                | PaymentStatus::Refunded => total,
                PaymentStatus::PartiallyPaid => total / 2,
                _ => 0,
            };
            let refunded = match lifecycle.payment {
                PaymentStatus::Refunded => total,
                PaymentStatus::PartiallyRefunded => total / 4,
                _ => 0,
            };
            let channel = pick(&mut rng, CHANNEL_WEIGHTS);
            let updated = (*placed_at + rng.gen_range(3_600_000..7 * 86_400_000)).min(now);
            orders
                .push(&mut tx, vec![int(order_id), int(number), int(customer_index as i64 + 1), text(status), text(spec.currency), int(total), text(channel), int(*placed_at), text(customer.email.clone()), text(customer.name.clone()), text(if customer.business.is_some() { "business" } else { "individual" }), text(customer.business.unwrap_or("")), text(r#"{"name":"","line1":"1 Demo Street","line2":"","city":"Springfield","region":"","postal_code":"12345","country":"US"}"#), text(""), int(subtotal), int(0), int(shipping), int(0), int(paid), int(refunded), text(""), text(""), int(1), int(updated), text(lifecycle.state.as_str()), text(lifecycle.payment.as_str()), text(lifecycle.fulfilment.as_str()), Value::OptionalInt(lifecycle.approved.then_some(updated)), text(terms.as_str()), Value::OptionalInt(terms.due_at(*placed_at))])
                .await?;
            let shipped_all = matches!(
                lifecycle.fulfilment,
                FulfilmentStatus::Fulfilled | FulfilmentStatus::Delivered
            );
            let partially = lifecycle.fulfilment == FulfilmentStatus::PartiallyFulfilled;
            let holds = lifecycle.holds_reservation();
            let ships = shipped_all || partially;
            if ships {
                shipment_id += 1;
                shipments
                    .push(
                        &mut tx,
                        vec![
                            int(shipment_id),
                            int(order_id),
                            text(if channel == "marketplace" {
                                "UPS"
                            } else {
                                "DHL"
                            }),
                            text(format!("JD{:012}", number * 7919)),
                            text(""),
                            text("demo"),
                            int(updated),
                        ],
                    )
                    .await?;
            }
            for (position, (variant_index, quantity)) in order_lines.iter().enumerate() {
                line_id += 1;
                let shipped = if shipped_all || (partially && position == 0) {
                    *quantity
                } else {
                    0
                };
                let variant = &mut variants[*variant_index];
                if holds {
                    variant.reserved += quantity - shipped;
                }
                lines
                    .push(
                        &mut tx,
                        vec![
                            int(line_id),
                            int(order_id),
                            int(variant.id),
                            text(variant.sku.clone()),
                            text(variant.title.clone()),
                            int(variant.price),
                            int(*quantity),
                            int(shipped),
                        ],
                    )
                    .await?;
                if shipped > 0 {
                    shipment_lines
                        .push(&mut tx, vec![int(shipment_id), int(line_id), int(shipped)])
                        .await?;
                }
            }
            events
                .push(
                    &mut tx,
                    vec![
                        int(order_id),
                        text("placed"),
                        text(format!("Order placed ({channel})")),
                        text(customer.email.clone()),
                        int(*placed_at),
                    ],
                )
                .await?;
            if paid > 0 {
                payments
                    .push(
                        &mut tx,
                        vec![
                            int(order_id),
                            text("payment"),
                            int(paid),
                            text(if channel == "portal" {
                                "card"
                            } else {
                                "invoice"
                            }),
                            text(""),
                            text("demo"),
                            int(*placed_at + 60_000),
                        ],
                    )
                    .await?;
            }
            if refunded > 0 {
                payments
                    .push(
                        &mut tx,
                        vec![
                            int(order_id),
                            text("refund"),
                            int(refunded),
                            text("manual"),
                            text("Returned"),
                            text("demo"),
                            int(updated),
                        ],
                    )
                    .await?;
            }
            if status != "pending" {
                events
                    .push(
                        &mut tx,
                        vec![
                            int(order_id),
                            text(status),
                            text(format!("Status set to {status}")),
                            text("demo"),
                            int(updated),
                        ],
                    )
                    .await?;
            }
        }
        for insert in [
            &mut orders,
            &mut lines,
            &mut events,
            &mut payments,
            &mut shipments,
            &mut shipment_lines,
        ] {
            insert.flush(&mut tx).await?;
        }
        tx.commit().await?;
    }

    // Stock covers every reservation the open orders above made.
    let mut tx = db.begin_write().await?;
    let mut adjustments = BulkInsert::new(
        "inventory_adjustments",
        &[
            "variant_id",
            "delta",
            "on_hand_after",
            "reason",
            "actor",
            "created_at",
        ],
    );
    for variant in &variants {
        if variant.reserved > 0 {
            sqlx::query("UPDATE variants SET on_hand = $1, reserved = $2 WHERE id = $3")
                .bind(variant.on_hand + variant.reserved)
                .bind(variant.reserved)
                .bind(variant.id)
                .execute(&mut *tx)
                .await?;
        }
        let on_hand = variant.on_hand + variant.reserved;
        adjustments
            .push(
                &mut tx,
                vec![
                    int(variant.id),
                    int(on_hand),
                    int(on_hand),
                    text("Initial stock"),
                    text("demo"),
                    int(now - year_ms),
                ],
            )
            .await?;
    }
    adjustments.flush(&mut tx).await?;
    demo_quotes(&mut tx, now).await?;
    sqlx::query("UPDATE counters SET value = $1 WHERE name = 'order_number'")
        .bind(1000 + spec.orders as i64)
        .execute(&mut *tx)
        .await?;
    if db.engine == Engine::Postgres {
        for table in [
            "products",
            "variants",
            "customers",
            "orders",
            "order_lines",
            "shipments",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )))
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// A few quotes from the verified businesses, one in each state a merchant meets: a request to
/// answer, an offer that holds its stock, a declined one and one whose offer expired. Written as
/// the quote service writes them (lines, versions, prices, messages; a hold counted in the
/// variant's reservation), through the same tables.
async fn demo_quotes(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    now: i64,
) -> anyhow::Result<()> {
    const DAY_MS: i64 = 24 * 3600 * 1000;
    let buyers = sqlx::query_as::<_, (i64, i64, String)>(
        "SELECT c.id, c.company_id, c.email FROM customers c JOIN companies co ON co.id = c.company_id \
         WHERE co.verification = 'verified' ORDER BY c.id LIMIT 4",
    )
    .fetch_all(&mut **tx)
    .await?;
    let stock = sqlx::query_as::<_, (i64, String, String, i64)>(
        "SELECT v.id, v.sku, p.title, v.price_minor FROM variants v \
         JOIN products p ON p.id = v.product_id WHERE p.status = 'active' ORDER BY v.id LIMIT 6",
    )
    .fetch_all(&mut **tx)
    .await?;
    if buyers.len() < 4 || stock.len() < 6 {
        return Ok(());
    }
    let utc = app::dates::ShopZone::default();
    /// One demo quote: which buyer and variants (indexes into the lists above), how long ago it
    /// was asked, and the offer (days until it expires, percent of the list price), if any.
    struct DemoQuote {
        buyer: usize,
        status: &'static str,
        lines: &'static [(usize, i64)],
        asked_days_ago: i64,
        offer: Option<(i64, i64)>,
        hold: bool,
        message: &'static str,
    }
    let quotes = [
        DemoQuote {
            buyer: 0,
            status: "requested",
            lines: &[(0, 50), (1, 20)],
            asked_days_ago: 1,
            offer: None,
            hold: false,
            message: "We restock every quarter: what can you do for these quantities?",
        },
        DemoQuote {
            buyer: 1,
            status: "quoted",
            lines: &[(2, 12), (3, 8)],
            asked_days_ago: 3,
            offer: Some((14, 88)),
            hold: true,
            message: "For our new branch, delivery within the month.",
        },
        DemoQuote {
            buyer: 2,
            status: "declined",
            lines: &[(4, 30)],
            asked_days_ago: 20,
            offer: Some((10, 95)),
            hold: false,
            message: "Could you match last year's price?",
        },
        // Its offer expired ten days ago.
        DemoQuote {
            buyer: 3,
            status: "quoted",
            lines: &[(5, 25)],
            asked_days_ago: 40,
            offer: Some((-10, 90)),
            hold: false,
            message: "",
        },
    ];
    let count = quotes.len() as i64;
    for (number, quote) in quotes.into_iter().enumerate() {
        let DemoQuote {
            buyer,
            status,
            lines,
            asked_days_ago,
            offer,
            hold,
            message,
        } = quote;
        let (customer_id, company_id, email) = &buyers[buyer];
        let asked = now - asked_days_ago * DAY_MS;
        // Offers hold until the end of a (UTC) day, as answers do.
        let expires_at = offer.map(|(days, _)| {
            app::dates::end_of_day_ms((now + days * DAY_MS).div_euclid(DAY_MS) * DAY_MS)
        });
        let needed_by = utc.date(now + 30 * DAY_MS);
        let quote_id = sqlx::query_scalar::<_, i64>(
            "INSERT INTO quotes (number, customer_id, company_id, status, needed_by, current_version, expires_at, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        )
        .bind(101 + number as i64)
        .bind(customer_id)
        .bind(company_id)
        .bind(status)
        .bind(&needed_by)
        .bind(i64::from(offer.is_some()))
        .bind(expires_at)
        .bind(if offer.is_some() { 2_i64 } else { 1 })
        .bind(asked)
        .fetch_one(&mut **tx)
        .await?;
        let mut line_ids = Vec::with_capacity(lines.len());
        for (position, (variant, quantity)) in lines.iter().enumerate() {
            let (variant_id, sku, title, price) = &stock[*variant];
            let line_id = sqlx::query_scalar::<_, i64>(
                "INSERT INTO quote_lines (quote_id, position, variant_id, sku, title, quantity, list_price_minor) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(quote_id)
            .bind(position as i64)
            .bind(variant_id)
            .bind(sku)
            .bind(title)
            .bind(quantity)
            .bind(price)
            .fetch_one(&mut **tx)
            .await?;
            line_ids.push(line_id);
        }
        if !message.is_empty() {
            sqlx::query("INSERT INTO quote_messages (quote_id, author_kind, author, body, created_at) VALUES ($1, 'customer', $2, $3, $4)")
                .bind(quote_id)
                .bind(email)
                .bind(message)
                .bind(asked)
                .execute(&mut **tx)
                .await?;
        }
        let (Some((_, percent)), Some(expires_at)) = (offer, expires_at) else {
            continue;
        };
        let prices: Vec<i64> = lines
            .iter()
            .map(|(variant, _)| stock[*variant].3 * percent / 100)
            .collect();
        let total: i64 = lines
            .iter()
            .zip(&prices)
            .map(|((_, quantity), price)| quantity * price)
            .sum();
        let version_id = sqlx::query_scalar::<_, i64>(
            "INSERT INTO quote_versions (quote_id, version, expires_at, note, total_minor, created_by, created_at) \
             VALUES ($1, 1, $2, $3, $4, 'demo', $5) RETURNING id",
        )
        .bind(quote_id)
        .bind(expires_at)
        .bind(format!("{}% of the list price for these quantities", percent))
        .bind(total)
        .bind(asked + DAY_MS)
        .fetch_one(&mut **tx)
        .await?;
        for (line_id, price) in line_ids.iter().zip(&prices) {
            sqlx::query("INSERT INTO quote_prices (quote_version_id, quote_line_id, unit_price_minor) VALUES ($1, $2, $3)")
                .bind(version_id)
                .bind(line_id)
                .bind(price)
                .execute(&mut **tx)
                .await?;
        }
        if hold {
            let held: Vec<crate::portal::holds::HoldLine> = lines
                .iter()
                .map(|(variant, quantity)| crate::portal::holds::HoldLine {
                    variant_id: stock[*variant].0,
                    sku: stock[*variant].1.clone(),
                    quantity: *quantity,
                })
                .collect();
            crate::portal::holds::hold(tx, quote_id, &held, expires_at)
                .await
                .map_err(|error| anyhow::anyhow!("holding stock for a demo quote: {error}"))?;
        }
    }
    sqlx::query("UPDATE counters SET value = $1 WHERE name = 'quote_number'")
        .bind(100 + count)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
