//! At most one CSV import runs per shop. An import holds its shop's slot from the moment its
//! upload starts until the background job ends, so a second upload is refused (409) before any
//! of its bytes are written to disk.
//!
//! The slots live in this process: a crash frees them with everything else, so a shop can never
//! be left unable to import. With several server instances each instance enforces its own
//! limit; moving imports onto the database-claimed job mechanism (DESIGN.md, "One job
//! mechanism") makes the limit global.

use app::error::AppError;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

#[derive(Default)]
pub struct RunningImports {
    shops: Mutex<HashSet<i64>>,
}

/// The slot of one shop's running import; dropping it frees the shop for the next import.
pub struct ImportSlot {
    running: Arc<RunningImports>,
    shop_id: i64,
}

impl RunningImports {
    /// Takes the shop's slot, or answers 409 while another import of the shop runs.
    pub fn claim(self: &Arc<Self>, shop_id: i64) -> Result<ImportSlot, AppError> {
        let mut shops = self.shops.lock().unwrap_or_else(PoisonError::into_inner);
        if !shops.insert(shop_id) {
            return Err(AppError::Conflict(
                "Another import of this shop is still running; wait until it has finished".into(),
            ));
        }
        Ok(ImportSlot {
            running: Arc::clone(self),
            shop_id,
        })
    }

    pub fn is_running(&self, shop_id: i64) -> bool {
        self.shops
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&shop_id)
    }
}

impl Drop for ImportSlot {
    fn drop(&mut self) {
        self.running
            .shops
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.shop_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shop_runs_one_import_at_a_time_and_others_are_not_held_up() {
        let running = Arc::new(RunningImports::default());
        let first = running.claim(1).expect("the first import of shop 1");
        let refused = running.claim(1).err().expect("a second import of shop 1");
        assert_eq!(refused.status_code(), 409);
        let other = running.claim(2).expect("shop 2 is not held up");
        drop(first);
        assert!(!running.is_running(1));
        assert!(
            running.claim(1).is_ok(),
            "free again once the first import ended"
        );
        drop(other);
        assert!(!running.is_running(2));
    }
}
