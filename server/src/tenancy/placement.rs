//! Where a shop's database lives: a SQLite file under the data directory, or a database on one
//! of the configured PostgreSQL servers (the least loaded one at creation, recorded per shop).

use crate::config::ShopServer;
use anyhow::{anyhow, bail};
use rand::Rng;
use std::path::PathBuf;

pub const SQLITE_SERVER: &str = "sqlite";

#[derive(Clone, Debug)]
pub struct Placement {
    pub data_dir: PathBuf,
    pub servers: Vec<ShopServer>,
}

/// The database server and database name chosen for a new shop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spot {
    pub db_server: String,
    pub db_name: String,
}

impl Placement {
    /// Picks the server holding the fewest shops and a database name unique to this shop.
    pub fn choose(&self, slug: &str, shop_counts: &[(String, i64)]) -> Spot {
        // A random suffix keeps names unique even when several deployments share a server.
        let suffix: u32 = rand::thread_rng().gen();
        let base = slug.replace('-', "_");
        match self.servers.iter().min_by_key(|server| {
            shop_counts
                .iter()
                .find(|(name, _)| *name == server.name)
                .map(|(_, count)| *count)
                .unwrap_or(0)
        }) {
            Some(server) => Spot {
                db_server: server.name.clone(),
                db_name: format!("shop_{base}_{suffix:08x}"),
            },
            None => Spot {
                db_server: SQLITE_SERVER.into(),
                db_name: format!("{slug}-{suffix:08x}.db"),
            },
        }
    }

    /// The connection URL of a shop's database.
    pub fn url(&self, db_server: &str, db_name: &str) -> anyhow::Result<String> {
        if db_server == SQLITE_SERVER {
            if !is_safe_sqlite_name(db_name) {
                bail!("shop database file name {db_name:?} is not safe");
            }
            let path = self.data_dir.join("shops").join(db_name);
            return Ok(crate::db::sqlite_url(&path));
        }
        let server = self
            .servers
            .iter()
            .find(|server| server.name == db_server)
            .ok_or_else(|| anyhow!("shop database server {db_server:?} is not configured"))?;
        Ok(format!(
            "{}/{}",
            server.url.expose(),
            checked_pg_name(db_name)?
        ))
    }
}

fn is_safe_sqlite_name(name: &str) -> bool {
    name.ends_with(".db")
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
}

/// PostgreSQL cannot bind a database name, so it is checked to be a plain identifier.
pub fn checked_pg_name(name: &str) -> anyhow::Result<&str> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(name)
    } else {
        Err(anyhow!("{name:?} is not a safe PostgreSQL database name"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    fn servers() -> Vec<ShopServer> {
        ["a", "b"]
            .iter()
            .map(|name| ShopServer {
                name: name.to_string(),
                url: Secret::new(format!("postgres://{name}:5432")),
            })
            .collect()
    }

    #[test]
    fn new_shops_go_to_the_least_loaded_server() {
        let placement = Placement {
            data_dir: "d".into(),
            servers: servers(),
        };
        let spot = placement.choose("north-wind", &[("a".into(), 5), ("b".into(), 2)]);
        assert_eq!(spot.db_server, "b");
        assert!(spot.db_name.starts_with("shop_north_wind_"));
        assert!(checked_pg_name(&spot.db_name).is_ok());
    }

    #[test]
    fn without_servers_shops_are_sqlite_files() {
        let placement = Placement {
            data_dir: "/data".into(),
            servers: vec![],
        };
        let spot = placement.choose("north-wind", &[]);
        assert_eq!(spot.db_server, SQLITE_SERVER);
        let url = placement.url(&spot.db_server, &spot.db_name).expect("url");
        assert!(url.starts_with("sqlite:///data/shops/north-wind-"));
    }

    #[test]
    fn unsafe_names_are_refused() {
        let placement = Placement {
            data_dir: "/data".into(),
            servers: servers(),
        };
        assert!(placement.url("sqlite", "../../etc/passwd.db").is_err());
        assert!(placement.url("a", "x\"; DROP DATABASE y; --").is_err());
        assert!(placement.url("unknown", "shop_x").is_err());
    }
}
