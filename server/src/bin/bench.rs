//! Benchmarks. `bench provision`: median time to provision one shop on SQLite and (with
//! `CARTWRIGHT_BENCH_PG_URL`) on PostgreSQL, and the time to provision 1,000 SQLite shops.

fn main() {
    eprintln!("placeholder");
}
