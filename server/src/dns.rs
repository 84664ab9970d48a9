//! DNS TXT look-ups for custom-domain verification, behind a trait so that the shop service does
//! not depend on a resolver library and tests can point it at a local DNS stand-in.
//!
//! The resolver is `hickory-resolver` on tokio: the system's configuration (`/etc/resolv.conf`)
//! by default, or one name server given as `dns_resolver` (`CARTWRIGHT_DNS_RESOLVER`, e.g.
//! `127.0.0.1:5353`). Every look-up has a time limit, and nothing is cached: an owner who has
//! just published the record and presses "Verify" again must not get a remembered "not found".

use async_trait::async_trait;
use hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::NetError;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::Resolver;
use std::net::SocketAddr;
use std::time::Duration;

/// How long one DNS query may take before it counts as unanswered.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(3);
/// The most a whole look-up (all servers, both transports) may take.
pub const LOOKUP_TIME_LIMIT: Duration = Duration::from_secs(8);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// The name exists in no form or has no TXT record: an authoritative "no".
    #[error("no TXT record at {0}")]
    NotFound(String),
    /// No name server answered in time.
    #[error("the DNS server did not answer within the time limit")]
    Timeout,
    /// The name server refused or failed the query, or could not be reached.
    #[error("DNS look-up failed: {0}")]
    Failed(String),
}

/// Reads the TXT strings published at a DNS name.
#[async_trait]
pub trait TxtLookup: Send + Sync + 'static {
    /// Every TXT record at `name`, each record's character strings joined (as RFC 7208 reads
    /// them).
    async fn txt(&self, name: &str) -> Result<Vec<String>, LookupError>;
}

/// [`TxtLookup`] through `hickory-resolver`.
pub struct HickoryTxtLookup {
    config: ResolverConfig,
    options: ResolverOpts,
}

impl HickoryTxtLookup {
    /// The system's resolver configuration, or the one name server `nameserver` if given.
    pub fn new(nameserver: Option<SocketAddr>) -> Result<Self, NetError> {
        let (config, mut options) = match nameserver {
            Some(addr) => {
                let mut server = NameServerConfig::udp_and_tcp(addr.ip());
                for connection in &mut server.connections {
                    connection.port = addr.port();
                }
                (
                    ResolverConfig::from_name_servers(vec![server]),
                    ResolverOpts::default(),
                )
            }
            None => hickory_resolver::system_conf::read_system_conf()?,
        };
        options.timeout = QUERY_TIMEOUT;
        options.attempts = 1;
        options.use_hosts_file = ResolveHosts::Never;
        options.cache_size = 0;
        options.positive_max_ttl = Some(Duration::ZERO);
        options.negative_max_ttl = Some(Duration::ZERO);
        Ok(HickoryTxtLookup { config, options })
    }
}

#[async_trait]
impl TxtLookup for HickoryTxtLookup {
    #[tracing::instrument(skip(self), err(level = "info"))]
    async fn txt(&self, name: &str) -> Result<Vec<String>, LookupError> {
        // A fresh resolver per look-up: verification is rare, and its cache must never answer.
        let resolver =
            Resolver::builder_with_config(self.config.clone(), TokioRuntimeProvider::default())
                .with_options(self.options.clone())
                .build()
                .map_err(|error| LookupError::Failed(error.to_string()))?;
        // A fully qualified name, so that no search domain of the host is appended.
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        let lookup = match tokio::time::timeout(LOOKUP_TIME_LIMIT, resolver.txt_lookup(fqdn)).await
        {
            Err(_) => return Err(LookupError::Timeout),
            Ok(Err(error)) if error.is_no_records_found() => {
                return Err(LookupError::NotFound(name.to_string()))
            }
            Ok(Err(NetError::Timeout)) => return Err(LookupError::Timeout),
            Ok(Err(error)) => return Err(LookupError::Failed(error.to_string())),
            Ok(Ok(lookup)) => lookup,
        };
        let texts: Vec<String> = lookup
            .answers()
            .iter()
            .filter_map(|record| match &record.data {
                RData::TXT(txt) => Some(
                    txt.txt_data
                        .iter()
                        .map(|part| String::from_utf8_lossy(part))
                        .collect::<String>(),
                ),
                _ => None,
            })
            .collect();
        if texts.is_empty() {
            return Err(LookupError::NotFound(name.to_string()));
        }
        Ok(texts)
    }
}

/// Used when the system has no usable resolver configuration: every look-up fails with a clear
/// reason instead of the server refusing to start.
pub struct UnconfiguredTxtLookup(pub String);

#[async_trait]
impl TxtLookup for UnconfiguredTxtLookup {
    async fn txt(&self, _name: &str) -> Result<Vec<String>, LookupError> {
        Err(LookupError::Failed(self.0.clone()))
    }
}
