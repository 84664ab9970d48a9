//! The Cartwright server binary.

/// Server-side rendering allocates many short-lived strings on every request; glibc malloc spent
/// about a third of the CPU time of a page under load (measured with perf), mimalloc far less.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    server::startup::init_tracing();
    let args: Vec<String> = std::env::args().collect();
    let config = server::config::Config::load(&args)?;
    let app = server::startup::build(config).await?;
    app.serve().await
}
