//! Per-shop connection pools: opened lazily on first use, small, and closed when idle, so that a
//! thousand shops do not mean a thousand open pools.

use super::placement::Placement;
use super::registry::ShopRecord;
use crate::db::{Database, PoolShape};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct OpenPool {
    db: Database,
    last_used: Instant,
}

pub struct ShopPools {
    placement: Arc<Placement>,
    open: Mutex<HashMap<i64, OpenPool>>,
    idle_after: Duration,
    max_open: usize,
}

const CONNECTIONS_PER_SHOP: u32 = 4;

impl ShopPools {
    pub fn new(placement: Arc<Placement>, idle_after: Duration, max_open: usize) -> Self {
        ShopPools {
            placement,
            open: Mutex::new(HashMap::new()),
            idle_after,
            max_open: max_open.max(1),
        }
    }

    fn shape(&self) -> PoolShape {
        PoolShape {
            max_connections: CONNECTIONS_PER_SHOP,
            idle_timeout: self.idle_after.min(Duration::from_secs(60)),
        }
    }

    /// The shop's pool, opening it (without connecting yet) if needed.
    pub fn get(&self, shop: &ShopRecord) -> anyhow::Result<Database> {
        let mut open = self
            .open
            .lock()
            .map_err(|_| anyhow::anyhow!("shop pool registry poisoned"))?;
        if let Some(entry) = open.get_mut(&shop.id) {
            entry.last_used = Instant::now();
            return Ok(entry.db.clone());
        }
        let url = self.placement.url(&shop.db_server, &shop.db_name)?;
        let db = Database::connect_lazy(&url, &self.shape())?;
        if open.len() >= self.max_open {
            if let Some(oldest) = open
                .iter()
                .min_by_key(|(_, entry)| entry.last_used)
                .map(|(id, _)| *id)
            {
                if let Some(evicted) = open.remove(&oldest) {
                    tokio::spawn(async move { evicted.db.close().await });
                }
            }
        }
        open.insert(
            shop.id,
            OpenPool {
                db: db.clone(),
                last_used: Instant::now(),
            },
        );
        Ok(db)
    }

    /// Closes the pools not used for the idle period; returns how many were closed.
    pub async fn close_idle(&self) -> usize {
        let idle: Vec<Database> = match self.open.lock() {
            Ok(mut open) => {
                let now = Instant::now();
                let ids: Vec<i64> = open
                    .iter()
                    .filter(|(_, entry)| now.duration_since(entry.last_used) >= self.idle_after)
                    .map(|(id, _)| *id)
                    .collect();
                ids.iter()
                    .filter_map(|id| open.remove(id))
                    .map(|entry| entry.db)
                    .collect()
            }
            Err(_) => Vec::new(),
        };
        for db in &idle {
            db.close().await;
        }
        idle.len()
    }

    /// Forgets (and closes) a shop's pool, e.g. when it is suspended.
    pub async fn close(&self, shop_id: i64) {
        let removed = self
            .open
            .lock()
            .ok()
            .and_then(|mut open| open.remove(&shop_id));
        if let Some(entry) = removed {
            entry.db.close().await;
        }
    }

    pub fn open_count(&self) -> usize {
        self.open.lock().map(|open| open.len()).unwrap_or(0)
    }

    pub async fn close_all(&self) {
        let all: Vec<Database> = match self.open.lock() {
            Ok(mut open) => open.drain().map(|(_, entry)| entry.db).collect(),
            Err(_) => Vec::new(),
        };
        for db in all {
            db.close().await;
        }
    }
}
