//! Turns for server-rendered pages, per shop.
//!
//! A page render keeps its reactive tree and its HTML in memory while it waits for its queries,
//! and a shop's queries wait for one of its few pooled connections. With 64 requests for one
//! shop in flight on two cores, 60 of them sat half-rendered waiting for a connection, their
//! memory no longer fit the CPU caches, and every page got slower (README, performance). Pages
//! of one shop therefore take turns: at most [`Config::page_render_limit`] render at once, the
//! others wait before they start. Turns are per shop so that a shop whose database is slow or
//! unreachable only holds up its own pages. Pages outside a shop (log-in, the shop list) do not
//! take turns.
//!
//! [`Config::page_render_limit`]: crate::config::Config::page_render_limit

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub struct PageTurns {
    per_shop: usize,
    /// Only shops with a page in progress or waiting have an entry; the last turn to finish
    /// removes it, so slugs made up by a client cannot make the map grow.
    shops: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// A turn held for one page render; given back (and the shop's entry removed when unused)
/// on drop, also when the request is abandoned while it waits.
pub struct PageTurn {
    turns: Arc<PageTurns>,
    slug: String,
    semaphore: Arc<Semaphore>,
    permit: Option<OwnedSemaphorePermit>,
}

impl PageTurns {
    pub fn new(per_shop: usize) -> Self {
        PageTurns {
            per_shop: per_shop.max(1),
            shops: Mutex::new(HashMap::new()),
        }
    }

    /// The shop a page path belongs to: `/shops/<slug>/…` (dashboard) or `/s/<slug>/…` (portal).
    pub fn shop_of(path: &str) -> Option<&str> {
        let rest = path
            .strip_prefix("/shops/")
            .or_else(|| path.strip_prefix("/s/"))?;
        let slug = rest.split('/').next().unwrap_or_default();
        (!slug.is_empty() && slug != "new").then_some(slug)
    }

    /// Waits for a turn of the shop `path` belongs to; `None` for pages outside a shop.
    pub async fn wait(self: &Arc<Self>, path: &str) -> Option<PageTurn> {
        let slug = Self::shop_of(path)?;
        let mut turn = PageTurn {
            turns: Arc::clone(self),
            slug: slug.to_string(),
            semaphore: self.semaphore(slug),
            permit: None,
        };
        // The semaphore is never closed, so acquiring only fails if that changes; the page then
        // renders without a turn rather than not at all.
        turn.permit = Arc::clone(&turn.semaphore).acquire_owned().await.ok();
        Some(turn)
    }

    /// The turns left for a shop now (all of them when none is taken).
    pub fn available(&self, slug: &str) -> usize {
        self.lock()
            .get(slug)
            .map_or(self.per_shop, |semaphore| semaphore.available_permits())
    }

    /// Shops with an entry (a page in progress or waiting).
    pub fn shops_in_progress(&self) -> usize {
        self.lock().len()
    }

    fn semaphore(&self, slug: &str) -> Arc<Semaphore> {
        let mut shops = self.lock();
        if let Some(semaphore) = shops.get(slug) {
            return Arc::clone(semaphore);
        }
        let semaphore = Arc::new(Semaphore::new(self.per_shop));
        shops.insert(slug.to_string(), Arc::clone(&semaphore));
        semaphore
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Semaphore>>> {
        // The map holds no invariant a panicking holder could break half-way.
        self.shops
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Drop for PageTurn {
    fn drop(&mut self) {
        self.permit.take();
        let mut shops = self.turns.lock();
        // Clones are only made under this lock: two references (the map's and ours) and every
        // turn free means no page of this shop is rendering or waiting.
        if Arc::strong_count(&self.semaphore) == 2
            && self.semaphore.available_permits() == self.turns.per_shop
        {
            shops.remove(&self.slug);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn pages_belong_to_the_shop_in_their_path() {
        assert_eq!(PageTurns::shop_of("/shops/acme/orders"), Some("acme"));
        assert_eq!(PageTurns::shop_of("/shops/acme"), Some("acme"));
        assert_eq!(PageTurns::shop_of("/s/acme/bulk"), Some("acme"));
        assert_eq!(PageTurns::shop_of("/shops"), None);
        assert_eq!(PageTurns::shop_of("/shops/"), None);
        assert_eq!(PageTurns::shop_of("/shops/new"), None);
        assert_eq!(PageTurns::shop_of("/login"), None);
        assert_eq!(PageTurns::shop_of("/"), None);
    }

    #[tokio::test]
    async fn a_shops_pages_wait_for_its_turns_and_other_shops_do_not() {
        let turns = Arc::new(PageTurns::new(2));
        let first = turns.wait("/shops/acme/orders").await.expect("a shop page");
        let second = turns.wait("/s/acme/").await.expect("a shop page");
        assert_eq!(turns.available("acme"), 0);

        let third = turns.wait("/shops/acme/orders/7");
        tokio::pin!(third);
        assert!(
            tokio::time::timeout(Duration::from_millis(100), &mut third)
                .await
                .is_err(),
            "a third page of the shop started while both turns were taken"
        );
        // Another shop, and pages outside any shop, do not wait.
        let other = tokio::time::timeout(Duration::from_millis(100), turns.wait("/shops/other"))
            .await
            .expect("another shop's page starts at once");
        assert!(other.is_some());
        assert!(turns.wait("/account").await.is_none());

        drop(first);
        let third = tokio::time::timeout(Duration::from_secs(1), third)
            .await
            .expect("the waiting page starts when a turn is given back");
        drop((second, third, other));
        assert_eq!(turns.shops_in_progress(), 0, "idle shops leave no entry");
    }

    #[tokio::test]
    async fn an_abandoned_wait_leaves_no_entry() {
        let turns = Arc::new(PageTurns::new(1));
        let held = turns.wait("/shops/acme").await.expect("a shop page");
        let abandoned = tokio::time::timeout(Duration::from_millis(50), turns.wait("/shops/acme"));
        assert!(abandoned.await.is_err());
        drop(held);
        assert_eq!(turns.shops_in_progress(), 0);
        assert_eq!(turns.available("acme"), 1);
    }
}
