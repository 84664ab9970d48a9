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
//! A shop's dashboard and its customer portal take turns in separate queues: anonymous portal
//! visitors can fill the portal's queue, never the merchants'. Nobody waits without end either:
//! the router answers 503 to a page that found no turn within `limits.page_wait_secs`.
//!
//! [`Config::page_render_limit`]: crate::config::Config::page_render_limit

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub struct PageTurns {
    per_shop: usize,
    /// Only queues with a page in progress or waiting have an entry; the last turn to finish
    /// removes it, so slugs made up by a client cannot make the map grow.
    shops: Mutex<HashMap<QueueKey, Arc<Semaphore>>>,
}

/// The two kinds of page a shop has, each with its own queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageArea {
    /// `/shops/<slug>/…`: the merchant's dashboard.
    Dashboard,
    /// `/s/<slug>/…`: the shop's customer portal.
    Portal,
}

type QueueKey = (PageArea, String);

/// A turn held for one page render; given back (and the shop's entry removed when unused)
/// on drop, also when the request is abandoned while it waits.
pub struct PageTurn {
    turns: Arc<PageTurns>,
    key: QueueKey,
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

    /// The shop a page path belongs to and which of its queues the page takes:
    /// `/shops/<slug>/…` (dashboard) or `/s/<slug>/…` (portal).
    pub fn shop_of(path: &str) -> Option<(PageArea, &str)> {
        let (area, rest) = match path.strip_prefix("/shops/") {
            Some(rest) => (PageArea::Dashboard, rest),
            None => (PageArea::Portal, path.strip_prefix("/s/")?),
        };
        let slug = rest.split('/').next().unwrap_or_default();
        let new_shop_page = area == PageArea::Dashboard && slug == "new";
        (!slug.is_empty() && !new_shop_page).then_some((area, slug))
    }

    /// Waits for a turn of the shop `path` belongs to; `None` for pages outside a shop.
    pub async fn wait(self: &Arc<Self>, path: &str) -> Option<PageTurn> {
        let (area, slug) = Self::shop_of(path)?;
        let key = (area, slug.to_string());
        let mut turn = PageTurn {
            turns: Arc::clone(self),
            semaphore: self.semaphore(&key),
            key,
            permit: None,
        };
        // The semaphore is never closed, so acquiring only fails if that changes; the page then
        // renders without a turn rather than not at all.
        turn.permit = Arc::clone(&turn.semaphore).acquire_owned().await.ok();
        Some(turn)
    }

    /// The turns left in one of a shop's queues now (all of them when none is taken).
    pub fn available(&self, area: PageArea, slug: &str) -> usize {
        self.lock()
            .get(&(area, slug.to_string()))
            .map_or(self.per_shop, |semaphore| semaphore.available_permits())
    }

    /// Shops with an entry (a page in progress or waiting).
    pub fn shops_in_progress(&self) -> usize {
        self.lock().len()
    }

    fn semaphore(&self, key: &QueueKey) -> Arc<Semaphore> {
        let mut shops = self.lock();
        if let Some(semaphore) = shops.get(key) {
            return Arc::clone(semaphore);
        }
        let semaphore = Arc::new(Semaphore::new(self.per_shop));
        shops.insert(key.clone(), Arc::clone(&semaphore));
        semaphore
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<QueueKey, Arc<Semaphore>>> {
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
            shops.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn pages_belong_to_the_shop_in_their_path() {
        use PageArea::{Dashboard, Portal};
        assert_eq!(
            PageTurns::shop_of("/shops/acme/orders"),
            Some((Dashboard, "acme"))
        );
        assert_eq!(PageTurns::shop_of("/shops/acme"), Some((Dashboard, "acme")));
        assert_eq!(PageTurns::shop_of("/s/acme/bulk"), Some((Portal, "acme")));
        assert_eq!(PageTurns::shop_of("/s/new"), Some((Portal, "new")));
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
        let second = turns.wait("/shops/acme/").await.expect("a shop page");
        assert_eq!(turns.available(PageArea::Dashboard, "acme"), 0);

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
        assert_eq!(turns.available(PageArea::Dashboard, "acme"), 1);
    }

    #[tokio::test]
    async fn portal_visitors_never_take_the_dashboards_turns() {
        let turns = Arc::new(PageTurns::new(1));
        let visitor = turns.wait("/s/acme/").await.expect("a portal page");
        let second_visitor = turns.wait("/s/acme/cart");
        tokio::pin!(second_visitor);
        assert!(
            tokio::time::timeout(Duration::from_millis(100), &mut second_visitor)
                .await
                .is_err(),
            "the portal's one turn is taken"
        );
        let merchant = tokio::time::timeout(Duration::from_millis(100), turns.wait("/shops/acme"))
            .await
            .expect("the merchant's page starts while the portal queue is full");
        assert_eq!(turns.available(PageArea::Portal, "acme"), 0);
        drop((visitor, merchant));
    }
}
