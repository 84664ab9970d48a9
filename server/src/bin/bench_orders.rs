//! The orders and catalog benchmark. `bench-orders` builds a shop with 100,000 orders and 10,000
//! products (the demo generator), starts the release server as its own process on loopback, and
//! drives it with a load generator of 64 keep-alive connections:
//!
//! - orders list: the server-rendered `/shops/<slug>/orders` page, 50 rows, filtered by status
//!   (rotating through statuses and B2B/B2C): p50/p99 and pages per second (targets p99 < 25 ms,
//!   ≥ 2,000 pages/s);
//! - order detail: `/shops/<slug>/orders/<id>` for random orders: p50/p99;
//! - CSV import: a 50,000-row product file imported into another shop through the import job
//!   (the code path of the upload), in rows per second (target ≥ 20,000).
//!
//! Everything lives in a scratch directory under TMPDIR, removed at the end. Progress goes to
//! stderr, the results block to stdout.

use anyhow::{bail, Context};

use app::shops::model::NewShopInput;
use http_body_util::BodyExt;
use hyper::body::Bytes;
use server::config::{Config, Secret};
use server::demo::{fill_shop, FillSpec};
use server::startup::Application;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: bench-orders [--orders N] [--products N] [--connections N] [--seconds N] [--import-rows N] [--server PATH]

  --orders N        orders in the benchmark shop (default 100000)
  --products N      products in the benchmark shop (default 10000)
  --connections N   concurrent keep-alive connections (default 64)
  --seconds N       measuring time per page kind (default 10)
  --import-rows N   rows in the CSV import file (default 50000; 0 skips)
  --server PATH     the release server binary (default target/release/server)
  --hold            build the shop, start the server, print its address and a session cookie,
                    and keep it running until Ctrl-C instead of measuring (for profiling)";

const SLUG: &str = "bench-orders";
const PASSWORD: &str = "benchmark password 2026";

struct Options {
    orders: usize,
    products: usize,
    connections: usize,
    seconds: u64,
    import_rows: usize,
    server: PathBuf,
    hold: bool,
}

fn parse_options(args: &[String]) -> anyhow::Result<Option<Options>> {
    let mut options = Options {
        orders: 100_000,
        products: 10_000,
        connections: 64,
        seconds: 10,
        import_rows: 50_000,
        server: PathBuf::from("target/release/server"),
        hold: false,
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        if matches!(flag.as_str(), "-h" | "--help") {
            return Ok(None);
        }
        if flag == "--hold" {
            options.hold = true;
            continue;
        }
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value\n\n{USAGE}"))?;
        let number = || {
            value
                .parse::<usize>()
                .with_context(|| format!("{flag} needs a whole number"))
        };
        match flag.as_str() {
            "--orders" => options.orders = number()?,
            "--products" => options.products = number()?,
            "--connections" => options.connections = number()?.max(1),
            "--seconds" => options.seconds = number()?.max(1) as u64,
            "--import-rows" => options.import_rows = number()?,
            "--server" => options.server = PathBuf::from(value),
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
    if !options.server.exists() {
        bail!(
            "{} not found: build the release server first (make build)",
            options.server.display()
        );
    }
    let scratch =
        std::env::temp_dir().join(format!("cartwright-bench-orders-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let result = run(&options, &scratch).await;
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

async fn run(options: &Options, scratch: &Path) -> anyhow::Result<()> {
    let data_dir = scratch.join("data");
    let config = Config {
        data_dir: data_dir.clone(),
        jwt_secret: Some(Secret::new("bench-orders-secret-".repeat(3))),
        ..Config::default()
    };
    let Application { state, .. } = server::startup::build(config)
        .await
        .context("starting the application")?;
    let user_id = server::demo::create_verified_merchant(
        &state,
        "bench@cartwright.localhost",
        "Bench Merchant",
        PASSWORD,
    )
    .await?;

    // The shop under load.
    eprintln!(
        "generating {} products and {} orders …",
        options.products, options.orders
    );
    let started = Instant::now();
    let db = server::demo::provision_shop(
        &state,
        user_id,
        NewShopInput {
            name: "Bench Orders".into(),
            slug: SLUG.into(),
            currency: "EUR".into(),
            timezone: "Europe/Berlin".into(),
        },
    )
    .await?;
    let catalogue: Vec<(&str, i64)> = vec![
        ("Down Jacket", 23900),
        ("Trail Shoes", 12900),
        ("Base Layer", 7900),
        ("Water Bottle", 3400),
        ("Tent", 38900),
        ("Socks", 2200),
        ("Rain Shell", 17900),
        ("Headlamp", 4900),
    ];
    fill_shop(
        &db,
        &FillSpec {
            currency: "EUR",
            sku_prefix: "BENCH",
            catalogue: &catalogue,
            products: options.products,
            orders: options.orders,
            seed: 7,
        },
    )
    .await?;
    db.close().await;
    eprintln!("generated in {:.1} s", started.elapsed().as_secs_f64());

    // CSV import into a second, empty shop.
    let import = if options.import_rows > 0 {
        let db = server::demo::provision_shop(
            &state,
            user_id,
            NewShopInput {
                name: "Bench Import".into(),
                slug: "bench-import".into(),
                currency: "EUR".into(),
                timezone: "Europe/Berlin".into(),
            },
        )
        .await?;
        let file = scratch.join("import.csv");
        write_csv(&file, options.import_rows)?;
        let bytes = std::fs::metadata(&file)?.len() as i64;
        let import_id = sqlx::query_scalar::<_, i64>("INSERT INTO imports (kind, file_name, status, bytes_total, actor, created_at) VALUES ('products', 'bench.csv', 'queued', $1, 'bench', 0) RETURNING id")
            .bind(bytes)
            .fetch_one(&db.pool)
            .await?;
        eprintln!("importing {} CSV rows …", options.import_rows);
        let started = Instant::now();
        let ending = server::catalog::import::run(&db, "EUR", import_id, &file, "bench").await?;
        server::catalog::import::record_ending(&db, import_id, &ending).await?;
        let elapsed = started.elapsed();
        let (status, created, failed): (String, i64, i64) =
            sqlx::query_as("SELECT status, rows_created, rows_failed FROM imports WHERE id = $1")
                .bind(import_id)
                .fetch_one(&db.pool)
                .await?;
        db.close().await;
        if status != "finished" || created != options.import_rows as i64 || failed != 0 {
            bail!(
                "the import did not complete cleanly: {status}, {created} created, {failed} failed"
            );
        }
        Some((options.import_rows, elapsed))
    } else {
        None
    };
    state.pools.close_all().await;
    state.platform.close().await;
    drop(state);

    // The release server in its own process.
    let port = free_port()?;
    let addr = format!("127.0.0.1:{port}");
    let log = std::fs::File::create(scratch.join("server.log"))?;
    let mut child = std::process::Command::new(&options.server)
        .args(["--data-dir", &data_dir.to_string_lossy(), "--addr", &addr])
        .env("LEPTOS_OUTPUT_NAME", "cartwright")
        .env("LEPTOS_SITE_ROOT", "target/site")
        .env("LEPTOS_SITE_PKG_DIR", "pkg")
        .env("LEPTOS_SITE_ADDR", &addr)
        .env("LEPTOS_ENV", "PROD")
        .env("CARTWRIGHT_DEV", "1")
        .env("CARTWRIGHT_JWT_SECRET", "bench-orders-secret-".repeat(3))
        .env("RUST_LOG", "warn")
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .with_context(|| format!("starting {}", options.server.display()))?;
    let outcome = measure(options, &addr).await;
    let _ = child.kill();
    let _ = child.wait();
    let (list, detail) = match outcome {
        Ok(Some(results)) => results,
        Ok(None) => return Ok(()),
        Err(error) => {
            let log = std::fs::read_to_string(scratch.join("server.log")).unwrap_or_default();
            eprintln!(
                "--- server log ---\n{}",
                log.lines()
                    .rev()
                    .take(30)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            return Err(error);
        }
    };

    let mut missed = Vec::new();
    println!();
    println!("== orders and catalog benchmark ==");
    println!(
        "machine: {} CPUs, {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        server::machine::cpu_model()
    );
    println!("shop: {} orders, {} products (SQLite), release server on loopback, {} connections, {} s per page kind", options.orders, options.products, options.connections, options.seconds);
    list.print("orders list (SSR, 50 rows, filtered)");
    detail.print("order detail (SSR)");
    if list.p99_ms() >= 25.0 {
        missed.push("orders list p99 < 25 ms");
    }
    if list.per_second() < 2000.0 {
        missed.push("orders list ≥ 2,000 pages/s");
    }
    if let Some((rows, elapsed)) = import {
        let rate = rows as f64 / elapsed.as_secs_f64();
        println!(
            "CSV import: {rows} rows in {:.2} s = {:.0} rows/s (target ≥ 20,000)",
            elapsed.as_secs_f64(),
            rate
        );
        if rate < 20_000.0 {
            missed.push("CSV import ≥ 20,000 rows/s");
        }
    }
    if missed.is_empty() {
        println!("targets: all met");
    } else {
        println!("targets: MISSED {}", missed.join(", "));
    }
    Ok(())
}

fn write_csv(path: &Path, rows: usize) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "handle,title,description,status,tags,option1_name,option1_value,sku,price,compare_at_price,weight_grams,barcode,on_hand")?;
    let sizes = ["S", "M", "L", "XL", "XXL"];
    for row in 0..rows {
        let product = row / sizes.len();
        let size = sizes[row % sizes.len()];
        writeln!(
            out,
            "import-{product},\"Imported product {product}, size run\",\"A description with a comma, and \"\"quotes\"\"\",active,\"bench,import\",Size,{size},IMP-{product:06}-{size},{}.{:02},,{},{:013},{}",
            10 + product % 90,
            row % 100,
            100 + row % 900,
            4_000_000_000_000_u64 + row as u64,
            row % 500
        )?;
    }
    out.flush()?;
    Ok(())
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

struct Latencies {
    samples: Vec<Duration>,
    elapsed: Duration,
    errors: usize,
}

impl Latencies {
    fn percentile_ms(&self, p: f64) -> f64 {
        if self.samples.is_empty() {
            return f64::NAN;
        }
        let index = ((self.samples.len() as f64 - 1.0) * p).round() as usize;
        self.samples[index].as_secs_f64() * 1000.0
    }

    fn p99_ms(&self) -> f64 {
        self.percentile_ms(0.99)
    }

    fn per_second(&self) -> f64 {
        self.samples.len() as f64 / self.elapsed.as_secs_f64()
    }

    fn print(&self, label: &str) {
        println!(
            "{label}: {} requests, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, {:.0} pages/s, {} errors",
            self.samples.len(),
            self.percentile_ms(0.5),
            self.p99_ms(),
            self.percentile_ms(1.0),
            self.per_second(),
            self.errors
        );
    }
}

/// `None` when `--hold` asked for a running server instead of figures.
async fn measure(options: &Options, addr: &str) -> anyhow::Result<Option<(Latencies, Latencies)>> {
    // Wait for the server.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut connection = loop {
        match Connection::open(addr).await {
            Ok(mut connection) => {
                if let Ok((200, _)) = connection.get("/healthz", "").await {
                    break connection;
                }
            }
            Err(_) if Instant::now() < deadline => {}
            Err(error) => return Err(error.context("the server did not start")),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let (status, body) = connection
        .post_json(
            "/api/v1/auth/login",
            &format!(r#"{{"email":"bench@cartwright.localhost","password":"{PASSWORD}"}}"#),
        )
        .await?;
    if status != 200 {
        bail!("log-in failed: {status} {}", String::from_utf8_lossy(&body));
    }
    let token = serde_json::from_slice::<serde_json::Value>(&body)?["access_token"]
        .as_str()
        .context("no access token")?
        .to_string();
    let cookie = format!("{}={token}", app::ACCESS_COOKIE);
    if options.hold {
        eprintln!("holding: http://{addr}/shops/{SLUG}/orders  cookie: {cookie}  (Ctrl-C ends)");
        tokio::signal::ctrl_c().await?;
        return Ok(None);
    }

    let statuses = [
        "delivered",
        "shipped",
        "paid",
        "approved",
        "pending",
        "cancelled",
    ];
    let kinds = ["", "&customer_type=business", "&customer_type=individual"];
    let list_paths: Vec<String> = statuses
        .iter()
        .flat_map(|status| {
            kinds
                .iter()
                .map(move |kind| format!("/shops/{SLUG}/orders?status={status}{kind}"))
        })
        .collect();
    let (status, body) = connection.get(&list_paths[0], &cookie).await?;
    let rows = String::from_utf8_lossy(&body)
        .matches("Select order #")
        .count();
    if status != 200 || rows != 50 {
        bail!("the orders page answered {status} with {rows} rows instead of 50");
    }
    eprintln!("warming up …");
    let list_paths = std::sync::Arc::new(list_paths);
    let paths = list_paths.clone();
    load(
        addr,
        &cookie,
        options.connections,
        Duration::from_secs(2),
        move |n| paths[n % paths.len()].clone(),
    )
    .await?;
    eprintln!("measuring the orders list for {} s …", options.seconds);
    let paths = list_paths.clone();
    let list = load(
        addr,
        &cookie,
        options.connections,
        Duration::from_secs(options.seconds),
        move |n| paths[n % paths.len()].clone(),
    )
    .await?;
    let orders = options.orders.max(1);
    eprintln!("measuring order detail for {} s …", options.seconds);
    let detail = load(
        addr,
        &cookie,
        options.connections,
        Duration::from_secs(options.seconds),
        move |n| {
            format!(
                "/shops/{SLUG}/orders/{}",
                (n.wrapping_mul(2_654_435_761) % orders) + 1
            )
        },
    )
    .await?;
    Ok(Some((list, detail)))
}

/// `connections` workers, each on its own keep-alive connection, requesting `path(n)` until
/// `duration` has passed; every response must be a 200.
///
/// The load generator runs on a blocking thread of its own with a single-threaded runtime (like `wrk`'s
/// one thread): it shares the two cores with the server, and a multi-threaded client spent
/// CPU on work stealing and wake-ups that the server then did not get. For the same reason it
/// speaks HTTP through [`raw_http`] rather than hyper's client (see there).
async fn load<F>(
    addr: &str,
    cookie: &str,
    connections: usize,
    duration: Duration,
    path: F,
) -> anyhow::Result<Latencies>
where
    F: Fn(usize) -> String + Send + Sync + Clone + 'static,
{
    let (addr, cookie) = (addr.to_string(), cookie.to_string());
    tokio::task::spawn_blocking(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(generate_load(addr, cookie, connections, duration, path))
    })
    .await?
}

async fn generate_load<F>(
    addr: String,
    cookie: String,
    connections: usize,
    duration: Duration,
    path: F,
) -> anyhow::Result<Latencies>
where
    F: Fn(usize) -> String + Send + Sync + Clone + 'static,
{
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = Vec::with_capacity(connections);
    for worker in 0..connections {
        let (addr, cookie, path) = (addr.clone(), cookie.clone(), path.clone());
        workers.push(tokio::spawn(async move {
            let mut connection = raw_http::RawConnection::open(&addr).await?;
            let mut samples = Vec::new();
            let mut errors = 0;
            let mut n = worker * 7919;
            let mut request = Vec::new();
            while Instant::now() < deadline {
                request.clear();
                raw_http::write_get(&mut request, &path(n), &addr, &cookie);
                n += 1;
                let sent = Instant::now();
                match connection.exchange(&request).await {
                    Ok(200) => samples.push(sent.elapsed()),
                    Ok(_) => errors += 1,
                    Err(_) => {
                        errors += 1;
                        connection = raw_http::RawConnection::open(&addr).await?;
                    }
                }
            }
            anyhow::Ok((samples, errors))
        }));
    }
    let mut samples = Vec::new();
    let mut errors = 0;
    for worker in workers {
        let (worker_samples, worker_errors) = worker.await??;
        samples.extend(worker_samples);
        errors += worker_errors;
    }
    let elapsed = started.elapsed();
    samples.sort_unstable();
    Ok(Latencies {
        samples,
        elapsed,
        errors,
    })
}

/// One HTTP/1.1 keep-alive connection.
struct Connection {
    sender: hyper::client::conn::http1::SendRequest<http_body_util::Full<Bytes>>,
    host: String,
}

impl Connection {
    async fn open(addr: &str) -> anyhow::Result<Connection> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Connection {
            sender,
            host: addr.to_string(),
        })
    }

    /// Sends a request and reads the whole body, undecoded (the load loop only checks the
    /// status; the callers that need text decode it).
    async fn send(
        &mut self,
        request: hyper::Request<http_body_util::Full<Bytes>>,
    ) -> anyhow::Result<(u16, Bytes)> {
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }

    async fn get(&mut self, path: &str, cookie: &str) -> anyhow::Result<(u16, Bytes)> {
        let mut builder = hyper::Request::get(path).header("host", &self.host);
        if !cookie.is_empty() {
            builder = builder.header("cookie", cookie);
        }
        self.send(builder.body(http_body_util::Full::new(Bytes::new()))?)
            .await
    }

    async fn post_json(&mut self, path: &str, json: &str) -> anyhow::Result<(u16, Bytes)> {
        let request = hyper::Request::post(path)
            .header("host", &self.host)
            .header("content-type", "application/json")
            .body(http_body_util::Full::new(Bytes::from(json.to_string())))?;
        self.send(request).await
    }
}

/// The measuring loop's HTTP/1.1 client: a request written as prepared, the response read up to
/// its end (`Content-Length`, or the last chunk of a chunked body) and otherwise not parsed.
/// hyper's client runs each connection as a task of its own beside the task that sends on it,
/// so every response cost a hand-over between two tasks, and it builds a `Response` with a
/// header map the loop never reads. All of that is CPU the server, which shares the two cores
/// with the load generator, then does not get. In one comparison against the same server,
/// `wrk` measured 2,150 pages/s where the hyper-based loop measured 1,760.
mod raw_http {
    use anyhow::{bail, Context};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    /// The longest response head accepted.
    const MAX_HEAD: usize = 64 * 1024;

    pub struct RawConnection {
        stream: TcpStream,
        buffer: Vec<u8>,
    }

    impl RawConnection {
        pub async fn open(addr: &str) -> anyhow::Result<RawConnection> {
            let stream = TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            Ok(RawConnection {
                stream,
                buffer: Vec::with_capacity(64 * 1024),
            })
        }

        /// Writes `request` (one whole HTTP/1.1 request) and reads its response to the end;
        /// returns the status.
        pub async fn exchange(&mut self, request: &[u8]) -> anyhow::Result<u16> {
            self.stream.write_all(request).await?;
            self.buffer.clear();
            loop {
                if let Some(response) = response_extent(&self.buffer)? {
                    if response.length != self.buffer.len() {
                        bail!(
                            "{} bytes after the end of the response",
                            self.buffer.len() - response.length
                        );
                    }
                    return Ok(response.status);
                }
                if self.buffer.capacity() - self.buffer.len() < 16 * 1024 {
                    self.buffer.reserve(64 * 1024);
                }
                if self.stream.read_buf(&mut self.buffer).await? == 0 {
                    bail!("the server closed the connection before the end of the response");
                }
            }
        }
    }

    /// Appends a GET request for `path` with the session cookie.
    pub fn write_get(out: &mut Vec<u8>, path: &str, host: &str, cookie: &str) {
        for part in [
            "GET ",
            path,
            " HTTP/1.1\r\nHost: ",
            host,
            "\r\nCookie: ",
            cookie,
            "\r\n\r\n",
        ] {
            out.extend_from_slice(part.as_bytes());
        }
    }

    #[derive(Debug, PartialEq, Eq)]
    pub struct Extent {
        pub status: u16,
        /// Bytes from the status line to the end of the body.
        pub length: usize,
    }

    /// The status and length of the response at the start of `bytes`; `None` while it is
    /// incomplete.
    pub fn response_extent(bytes: &[u8]) -> anyhow::Result<Option<Extent>> {
        let Some(head_end) = find(bytes, b"\r\n\r\n") else {
            if bytes.len() > MAX_HEAD {
                bail!("no end of the response head in the first {MAX_HEAD} bytes");
            }
            return Ok(None);
        };
        let head =
            std::str::from_utf8(&bytes[..head_end]).context("the response head is not UTF-8")?;
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status = status_line
            .strip_prefix("HTTP/1.1 ")
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse::<u16>().ok())
            .with_context(|| format!("not an HTTP/1.1 status line: {status_line:?}"))?;
        let mut content_length = None;
        let mut chunked = false;
        for line in lines {
            let (name, value) = line
                .split_once(':')
                .with_context(|| format!("not a header line: {line:?}"))?;
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                content_length = Some(
                    value
                        .parse::<usize>()
                        .with_context(|| format!("bad Content-Length {value:?}"))?,
                );
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value
                    .rsplit(',')
                    .next()
                    .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"));
            }
        }
        let body_start = head_end + 4;
        let end = if chunked {
            chunked_end(bytes, body_start)?
        } else if let Some(length) = content_length {
            (bytes.len() >= body_start + length).then_some(body_start + length)
        } else if status == 204 || status == 304 || status < 200 {
            Some(body_start)
        } else {
            bail!("a {status} response with neither Content-Length nor a chunked body (its end is the end of the connection)");
        };
        Ok(end.map(|length| Extent { status, length }))
    }

    /// Where a chunked body starting at `at` ends (after its trailer), if it is all in `bytes`.
    fn chunked_end(bytes: &[u8], mut at: usize) -> anyhow::Result<Option<usize>> {
        loop {
            let Some(line_length) = find(&bytes[at..], b"\r\n") else {
                return Ok(None);
            };
            let line = std::str::from_utf8(&bytes[at..at + line_length])
                .context("a chunk size line is not UTF-8")?;
            let size_text = line.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(size_text, 16)
                .with_context(|| format!("bad chunk size line {line:?}"))?;
            at += line_length + 2;
            if size == 0 {
                // Trailer fields, if any, then an empty line.
                loop {
                    let Some(line_length) = find(&bytes[at..], b"\r\n") else {
                        return Ok(None);
                    };
                    at += line_length + 2;
                    if line_length == 0 {
                        return Ok(Some(at));
                    }
                }
            }
            if bytes.len() < at + size + 2 {
                return Ok(None);
            }
            if &bytes[at + size..at + size + 2] != b"\r\n" {
                bail!("a chunk of {size} bytes is not followed by CRLF");
            }
            at += size + 2;
        }
    }

    fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
        haystack
            .windows(needle.len())
            .position(|window| window == needle)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// Every proper prefix of `response` is incomplete; the whole is `expected`.
        fn assert_ends_exactly(response: &[u8], expected: Extent) {
            for cut in 0..response.len() {
                assert_eq!(
                    response_extent(&response[..cut]).expect("a valid prefix"),
                    None,
                    "prefix of {cut} bytes"
                );
            }
            assert_eq!(
                response_extent(response).expect("a valid response"),
                Some(expected)
            );
        }

        #[test]
        fn a_response_with_content_length_ends_after_that_many_bytes() {
            let response =
                b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\nContent-Length: 5\r\n\r\nhello";
            assert_ends_exactly(
                response,
                Extent {
                    status: 200,
                    length: response.len(),
                },
            );
        }

        #[test]
        fn a_chunked_response_ends_after_its_last_chunk_and_trailer() {
            let response = b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n\
                5;name=value\r\nhello\r\n1a\r\n, a chunk of 26 bytes ....\r\n\
                0\r\nx-trailer: yes\r\n\r\n";
            assert_ends_exactly(
                response,
                Extent {
                    status: 404,
                    length: response.len(),
                },
            );
            // A chunk that contains the bytes of a last chunk does not end the body.
            let tricky = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n7\r\n0\r\n\r\n\r\n\r\n0\r\n\r\n";
            assert_ends_exactly(
                tricky,
                Extent {
                    status: 200,
                    length: tricky.len(),
                },
            );
        }

        #[test]
        fn malformed_responses_are_errors_not_waits() {
            for response in [
                &b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"[..],
                b"HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
                b"HTTP/1.1 200 OK\r\nContent-Length: five\r\n\r\n",
                b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
                b"HTTP/1.1 200 OK\r\nServer: x\r\n\r\nbody until close",
            ] {
                assert!(
                    response_extent(response).is_err(),
                    "{}",
                    String::from_utf8_lossy(response)
                );
            }
            assert!(response_extent(&vec![b'x'; MAX_HEAD + 1]).is_err());
        }

        #[tokio::test]
        async fn one_connection_reads_chunked_and_sized_responses_in_turn() {
            use axum::body::Body;
            use axum::routing::get;
            let router = axum::Router::new()
                .route(
                    "/chunked",
                    get(|| async {
                        let chunks = (0..40).map(|n| {
                            Ok::<_, std::io::Error>(format!("<p>chunk {n}</p>").repeat(200))
                        });
                        Body::from_stream(futures::stream::iter(chunks))
                    }),
                )
                .route("/sized", get(|| async { "x".repeat(100_000) }))
                .route(
                    "/missing",
                    get(|| async { (axum::http::StatusCode::NOT_FOUND, "no") }),
                );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a free port");
            let addr = listener.local_addr().expect("address").to_string();
            let server = tokio::spawn(async move { axum::serve(listener, router).await });

            let mut connection = RawConnection::open(&addr).await.expect("connects");
            for (path, status) in [
                ("/chunked", 200),
                ("/sized", 200),
                ("/missing", 404),
                ("/chunked", 200),
            ] {
                let mut request = Vec::new();
                write_get(&mut request, path, &addr, "c=1");
                let answered = tokio::time::timeout(
                    std::time::Duration::from_secs(10),
                    connection.exchange(&request),
                )
                .await
                .expect("answers in time")
                .expect("a whole response");
                assert_eq!(answered, status, "{path}");
            }
            server.abort();
        }
    }
}
