//! Resolves a request's `Host` to a shop: `<slug>.<base domain>` or a registered custom domain.
//! A small cache of active shops sits in front of the registry; it is invalidated on every change
//! made through this instance and expires after a short time to pick up other instances' changes.
//! Misses and shops that are not active are never cached, so a newly activated shop or domain is
//! served at once.

use super::registry::{Registry, ShopRecord};
use app::shops::rules::{normalise_host, subdomain_slug, ShopStatus};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct TenantResolver {
    registry: Registry,
    base_domain: String,
    ttl: Duration,
    cache: Mutex<HashMap<String, (Option<ShopRecord>, Instant)>>,
}

const MAX_CACHED_HOSTS: usize = 10_000;

impl TenantResolver {
    pub fn new(registry: Registry, base_domain: String, ttl: Duration) -> Self {
        TenantResolver {
            registry,
            base_domain,
            ttl,
            cache: Mutex::new(HashMap::new()),
        }
    }

    pub async fn resolve(&self, host_header: &str) -> Result<Option<ShopRecord>, sqlx::Error> {
        let host = normalise_host(host_header);
        if let Ok(cache) = self.cache.lock() {
            if let Some((shop, at)) = cache.get(&host) {
                if at.elapsed() < self.ttl {
                    return Ok(shop.clone());
                }
            }
        }
        let shop = match subdomain_slug(&host, &self.base_domain) {
            Some(slug) => self.registry.shop_by_slug(&slug).await?,
            None => self.registry.shop_by_custom_domain(&host).await?,
        };
        let cacheable = shop
            .as_ref()
            .is_some_and(|shop| shop.status == ShopStatus::Active);
        if let (true, Ok(mut cache)) = (cacheable, self.cache.lock()) {
            if cache.len() >= MAX_CACHED_HOSTS {
                cache.clear();
            }
            cache.insert(host, (shop.clone(), Instant::now()));
        }
        Ok(shop)
    }

    pub fn invalidate(&self) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.clear();
        }
    }
}
