//! Per-user session cut-offs (`users.sessions_valid_after`) in front of the database, so that
//! checking every request's access token against its user's last log-out or password change
//! costs no database round trip on the hot paths.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a cut-off read from the database is trusted before it is read again.
///
/// The bound this gives: a log-out or password change ends the user's access tokens **at once on
/// the instance that handled it** (it records the new cut-off here as it commits) and **within
/// `CUTOFF_TTL` on every other instance** (they re-read the database when their copy is older).
/// Access tokens live 15 minutes, so without the cut-off a stolen token would live that long.
pub const CUTOFF_TTL: Duration = Duration::from_secs(5);

/// Entries kept at most; past that, stale entries are dropped (and all of them if still full).
const MAX_ENTRIES: usize = 100_000;

#[derive(Clone, Copy)]
struct Cutoff {
    valid_after_ms: i64,
    read_at: Instant,
}

/// user id → the issue time (ms) before which that user's access tokens are refused.
pub struct SessionCutoffs {
    entries: Mutex<HashMap<i64, Cutoff>>,
    ttl: Duration,
}

impl Default for SessionCutoffs {
    fn default() -> Self {
        SessionCutoffs::new(CUTOFF_TTL)
    }
}

impl SessionCutoffs {
    pub fn new(ttl: Duration) -> Self {
        SessionCutoffs {
            entries: Mutex::new(HashMap::new()),
            ttl,
        }
    }

    /// The cut-off of `user_id` if it was read or set less than the TTL ago.
    pub fn fresh(&self, user_id: i64) -> Option<i64> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(&user_id)
            .filter(|cutoff| cutoff.read_at.elapsed() < self.ttl)
            .map(|cutoff| cutoff.valid_after_ms)
    }

    /// Records a cut-off read from the database or just written to it. A cut-off only ever
    /// moves forward, so the larger value wins: a read that started before a log-out committed
    /// cannot put the older cut-off back.
    pub fn remember(&self, user_id: i64, valid_after_ms: i64) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&user_id) {
            let ttl = self.ttl;
            entries.retain(|_, cutoff| cutoff.read_at.elapsed() < ttl);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        let now = Instant::now();
        entries
            .entry(user_id)
            .and_modify(|cutoff| {
                cutoff.valid_after_ms = cutoff.valid_after_ms.max(valid_after_ms);
                cutoff.read_at = now;
            })
            .or_insert(Cutoff {
                valid_after_ms,
                read_at: now,
            });
    }
}

/// Whether an access token issued at `issued_at_ms` is still valid under `valid_after_ms`.
pub fn issued_in_time(issued_at_ms: i64, valid_after_ms: i64) -> bool {
    issued_at_ms >= valid_after_ms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cutoff_is_fresh_until_the_ttl_and_only_moves_forward() {
        let cutoffs = SessionCutoffs::new(Duration::from_millis(50));
        assert_eq!(cutoffs.fresh(1), None);
        cutoffs.remember(1, 1_000);
        assert_eq!(cutoffs.fresh(1), Some(1_000));
        cutoffs.remember(1, 500);
        assert_eq!(cutoffs.fresh(1), Some(1_000), "an older read does not win");
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cutoffs.fresh(1), None, "stale: read the database again");
    }

    #[test]
    fn a_token_issued_in_the_cutoff_millisecond_is_valid_and_one_before_is_not() {
        assert!(issued_in_time(1_000, 1_000));
        assert!(!issued_in_time(999, 1_000));
        assert!(issued_in_time(5, 0));
    }
}
