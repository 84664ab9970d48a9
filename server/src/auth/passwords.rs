//! Password hashing with argon2id at the OWASP-recommended parameters (19 MiB, 2 passes, 1 lane),
//! and [`PasswordWork`], which bounds how many of those run at once.

use crate::error::internal;
use app::error::AppError;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| anyhow::anyhow!("hashing password: {error}"))
}

pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    match PasswordHash::new(stored_hash) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// The one gate for argon2 work (hashing and verifying): each computation holds 19 MiB and a
/// CPU for tens of milliseconds, so without a bound a burst of log-ins or sign-ups takes the
/// blocking pool's 512 threads and ~10 GB of memory. At most `permits` run at once (by default
/// two per CPU, which keeps every CPU busy); the rest wait their turn, and one that waits longer
/// than `max_wait` gets a 429 instead of holding its connection. Owned by `Accounts` (and so
/// shared by the merchant and the customer paths), not a global.
pub struct PasswordWork {
    permits: Arc<Semaphore>,
    max_wait: Duration,
}

impl PasswordWork {
    pub fn new(permits: usize, max_wait: Duration) -> Self {
        PasswordWork {
            permits: Arc::new(Semaphore::new(permits.max(1))),
            max_wait,
        }
    }

    /// Two computations per CPU, waiting at most 10 s for a turn.
    pub fn for_this_machine() -> Self {
        let cpus = std::thread::available_parallelism().map_or(2, usize::from);
        PasswordWork::new(2 * cpus, Duration::from_secs(10))
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let permit = tokio::time::timeout(self.max_wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| {
                tracing::warn!("password work queue full; request refused");
                AppError::TooManyRequests("The server is busy; please try again in a moment".into())
            })?
            .map_err(internal)?;
        tokio::task::spawn_blocking(move || {
            let result = work();
            drop(permit);
            result
        })
        .await
        .map_err(internal)
    }

    /// Hashes a new password on the blocking pool, in turn.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.run(move || hash_password(&password))
            .await?
            .map_err(internal)
    }

    /// Checks a password against a stored hash on the blocking pool, in turn.
    pub async fn verify(&self, password: String, stored_hash: String) -> Result<bool, AppError> {
        self.run(move || verify_password(&password, &stored_hash))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[tokio::test]
    async fn no_more_than_the_permits_run_at_once_and_a_long_wait_is_refused() {
        let work = Arc::new(PasswordWork::new(2, Duration::from_millis(50)));
        let peak = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let tasks = (0..6).map(|_| {
            let (work, peak, running) = (work.clone(), peak.clone(), running.clone());
            tokio::spawn(async move {
                work.run(move || {
                    use std::sync::atomic::Ordering::SeqCst;
                    let now = running.fetch_add(1, SeqCst) + 1;
                    peak.fetch_max(now, SeqCst);
                    std::thread::sleep(Duration::from_millis(200));
                    running.fetch_sub(1, SeqCst);
                })
                .await
            })
        });
        let results = futures::future::join_all(tasks).await;
        let refused = results
            .iter()
            .filter(|r| matches!(r, Ok(Err(AppError::TooManyRequests(_)))))
            .count();
        assert_eq!(peak.load(std::sync::atomic::Ordering::SeqCst), 2);
        assert_eq!(refused, 4, "the ones that waited longer than 50 ms");
    }
}
