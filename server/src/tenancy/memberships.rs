//! A short-lived cache of each user's shops and roles. Every dashboard page and API call checks
//! the caller's membership of the shop it names, and the page frame lists the caller's shops for
//! the switcher: without a cache that is two platform-database queries in front of every page.
//!
//! Consistency: every change to shops or memberships made through this instance calls
//! [`MembershipCache::clear`] after it commits, so this instance never serves a stale entry past
//! its own write. A read that raced such a write does not store what it read (a generation
//! counter). Changes made by other instances are picked up when an entry expires (`ttl`), so a
//! member removed on another instance keeps access for at most that long.

use super::registry::MemberShop;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long another instance's change can go unseen.
pub const MEMBERSHIP_TTL: Duration = Duration::from_secs(5);

/// Entries kept at most; beyond it expired entries are dropped, then everything.
const MAX_CACHED_USERS: usize = 10_000;

pub type UserShops = Arc<Vec<MemberShop>>;

pub struct MembershipCache {
    ttl: Duration,
    generation: AtomicU64,
    entries: Mutex<HashMap<i64, (Instant, UserShops)>>,
}

/// Taken before reading the database; the read is stored only if no change happened meanwhile.
#[derive(Debug, Clone, Copy)]
pub struct Generation(u64);

impl MembershipCache {
    pub fn new(ttl: Duration) -> Self {
        MembershipCache {
            ttl,
            generation: AtomicU64::new(0),
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, user_id: i64) -> Option<UserShops> {
        let entries = self.entries.lock().ok()?;
        let (at, shops) = entries.get(&user_id)?;
        (at.elapsed() < self.ttl).then(|| shops.clone())
    }

    pub fn generation(&self) -> Generation {
        Generation(self.generation.load(Ordering::Acquire))
    }

    /// Stores `shops`, read after `read_at` was taken, unless a change was recorded since.
    pub fn store(&self, user_id: i64, read_at: Generation, shops: UserShops) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        // Checked under the lock that `clear` also takes, so a clear cannot slip in between.
        if self.generation.load(Ordering::Acquire) != read_at.0 {
            return;
        }
        if entries.len() >= MAX_CACHED_USERS {
            let ttl = self.ttl;
            entries.retain(|_, (at, _)| at.elapsed() < ttl);
            if entries.len() >= MAX_CACHED_USERS {
                entries.clear();
            }
        }
        entries.insert(user_id, (Instant::now(), shops));
    }

    /// Forgets everything; call after committing any change to shops or memberships.
    pub fn clear(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenancy::registry::ShopRecord;
    use app::shops::rules::Role;

    fn shop(slug: &str) -> MemberShop {
        MemberShop {
            shop: ShopRecord {
                id: 1,
                slug: slug.into(),
                name: slug.into(),
                currency: "EUR".into(),
                timezone: "UTC".into(),
                amount_style: app::money::AmountStyle::Point,
                status: app::shops::rules::ShopStatus::Active,
                provisioning_step: app::shops::rules::ProvisioningStep::Activated,
                db_server: "local".into(),
                db_name: format!("{slug}.db"),
                schema_version: 4,
                created_at: 0,
            },
            role: Role::Owner,
        }
    }

    #[test]
    fn a_stored_entry_is_served_until_it_expires() {
        let cache = MembershipCache::new(Duration::from_millis(50));
        cache.store(7, cache.generation(), Arc::new(vec![shop("north")]));
        let served = cache.get(7).map(|shops| shops[0].shop.slug.clone());
        assert_eq!(served.as_deref(), Some("north"));
        assert!(cache.get(8).is_none(), "another user has no entry");
        std::thread::sleep(Duration::from_millis(60));
        assert!(cache.get(7).is_none(), "expired entries are not served");
    }

    #[test]
    fn clear_drops_entries() {
        let cache = MembershipCache::new(MEMBERSHIP_TTL);
        cache.store(7, cache.generation(), Arc::new(vec![shop("north")]));
        cache.clear();
        assert!(cache.get(7).is_none());
    }

    #[test]
    fn a_read_that_raced_a_change_is_not_stored() {
        let cache = MembershipCache::new(MEMBERSHIP_TTL);
        let read_at = cache.generation();
        // A change commits while the read is in flight…
        cache.clear();
        // …so what the read saw may predate it and must not be cached.
        cache.store(7, read_at, Arc::new(vec![shop("north")]));
        assert!(cache.get(7).is_none());
        // A read that started after the change is stored.
        cache.store(7, cache.generation(), Arc::new(vec![shop("north")]));
        assert!(cache.get(7).is_some());
    }
}
