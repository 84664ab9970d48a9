//! The Cartwright server binary.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    server::startup::init_tracing();
    let args: Vec<String> = std::env::args().collect();
    let config = server::config::Config::load(&args)?;
    let app = server::startup::build(config).await?;
    app.serve().await
}
