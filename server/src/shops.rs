//! The shop service: every operation resolves the shop inside the caller's memberships (a shop
//! the caller is not a member of is "not found"), checks the role, then acts.

use crate::auth::service::require_owner;
use crate::auth::verification::require_verified;
use crate::db::{is_unique_violation, now_ms};
use crate::dns::{LookupError, TxtLookup};
use crate::error::internal;
pub mod invitations;

use crate::tenancy::pools::ShopPools;
use crate::tenancy::provisioning::Provisioner;
use crate::tenancy::registry::{audit, MemberShop, Registry};
use crate::tenancy::resolver::TenantResolver;
use app::auth::model::Session;
use app::auth::rules::Email;
use app::error::AppError;
use app::money::AmountStyle;
use app::services::ShopService;
use app::shops::model::*;
use app::shops::rules::{
    parse_custom_domain, parse_hostname, parse_shop_name, parse_timezone, txt_proves_token,
    verification_record_name, ProvisioningStep, Role, ShopEvent, ShopStatus,
};
use async_trait::async_trait;
use std::sync::Arc;

pub struct Shops {
    pub registry: Registry,
    pub provisioner: Provisioner,
    pub pools: Arc<ShopPools>,
    pub resolver: Arc<TenantResolver>,
    pub base_domain: String,
    /// The hosts the platform itself is served on (besides the base domain), which no shop can
    /// claim as a custom domain.
    pub platform_hosts: Vec<String>,
    /// Reads the TXT records that prove control of a custom domain.
    pub dns: Arc<dyn TxtLookup>,
    pub mailer: crate::mail::Mailer,
}

/// The most custom domains (verified or not) one shop can hold.
pub const MAX_CUSTOM_DOMAINS: usize = 20;

/// A fresh random verification token: 128 bits as 32 hex digits.
fn verification_token() -> String {
    use rand::RngCore;
    let mut bytes = [0_u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn domain_in_use(hostname: &str) -> AppError {
    AppError::Conflict(format!(
        "The domain {hostname} is already registered by another shop"
    ))
}

fn shop_not_found() -> AppError {
    AppError::NotFound("Shop not found".into())
}

pub fn summary(member: &MemberShop) -> ShopSummary {
    ShopSummary {
        slug: member.shop.slug.clone(),
        name: member.shop.name.clone(),
        currency: member.shop.currency.clone(),
        timezone: member.shop.timezone.clone(),
        amount_style: member.shop.amount_style,
        status: member.shop.status,
        role: member.role,
    }
}

impl Shops {
    async fn member(&self, session: &Session, slug: &str) -> Result<MemberShop, AppError> {
        self.registry
            .member_shop(session.user_id, slug)
            .await
            .map_err(internal)?
            .ok_or_else(shop_not_found)
    }

    async fn detail_of(&self, member: &MemberShop) -> Result<ShopDetail, AppError> {
        let shop_id = member.shop.id;
        let mut domains = vec![DomainDto {
            hostname: format!("{}.{}", member.shop.slug, self.base_domain),
            kind: "subdomain".into(),
            verified: true,
            verification: None,
        }];
        domains.extend(
            self.registry
                .custom_domains(shop_id)
                .await
                .map_err(internal)?
                .into_iter()
                .map(|domain| {
                    let verified = domain.verified_at.is_some();
                    DomainDto {
                        verification: (!verified).then(|| DomainVerification {
                            record_name: verification_record_name(&domain.hostname),
                            record_value: domain.verification_token,
                        }),
                        hostname: domain.hostname,
                        kind: "custom".into(),
                        verified,
                    }
                }),
        );
        let members = self
            .registry
            .members(shop_id)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|(email, name, role)| MemberDto {
                email,
                name,
                role: Role::parse(&role).unwrap_or(Role::Staff),
            })
            .collect();
        Ok(ShopDetail {
            shop: summary(member),
            domains,
            members,
            // Whom the owner invited is the owner's business, not the staff's.
            pending_invitations: if member.role == Role::Owner {
                self.registry
                    .pending_invitations(shop_id, now_ms())
                    .await
                    .map_err(internal)?
            } else {
                Vec::new()
            },
            created_at_ms: member.shop.created_at,
        })
    }

    /// Audits a change to a shop and drops cached host resolutions, which may now be stale.
    async fn record_change(
        &self,
        session: &Session,
        shop_id: i64,
        action: &str,
        detail: &str,
    ) -> Result<(), AppError> {
        audit(
            &self.registry.db.pool,
            Some(session.user_id),
            Some(shop_id),
            action,
            detail,
        )
        .await
        .map_err(internal)?;
        self.resolver.invalidate();
        Ok(())
    }

    /// After a verification that changed no row: the detail if a parallel request verified the
    /// domain, 404 if it was removed meanwhile.
    async fn fresh_detail_after_verify(
        &self,
        member: &MemberShop,
        hostname: &str,
    ) -> Result<ShopDetail, AppError> {
        match self
            .registry
            .custom_domain(member.shop.id, hostname)
            .await
            .map_err(internal)?
        {
            Some(domain) if domain.verified_at.is_some() => self.detail_of(member).await,
            _ => Err(AppError::NotFound(format!(
                "The domain {hostname} is not registered for this shop"
            ))),
        }
    }

    /// Re-reads the shop after a change and returns its detail.
    async fn fresh_detail(&self, session: &Session, slug: &str) -> Result<ShopDetail, AppError> {
        let member = self.member(session, slug).await?;
        self.detail_of(&member).await
    }
}

#[async_trait]
impl ShopService for Shops {
    async fn list_shops(&self, session: &Session) -> Result<Vec<ShopSummary>, AppError> {
        let shops = self
            .registry
            .member_shops(session.user_id)
            .await
            .map_err(internal)?;
        Ok(shops.iter().map(summary).collect())
    }

    #[tracing::instrument(skip(self, session), fields(user_id = session.user_id), err(level = "info"))]
    async fn create_shop(
        &self,
        session: &Session,
        input: NewShopInput,
    ) -> Result<ShopSummary, AppError> {
        let shop = self.provisioner.register(session.user_id, input).await?;
        let provisioner = self.provisioner.clone();
        let shop_id = shop.id;
        // Provisioning continues in the background; a crash is resumed at the next start.
        tokio::spawn(async move {
            if let Err(error) = provisioner.provision(shop_id).await {
                tracing::error!(shop_id, error = %format!("{error:#}"), "provisioning failed; it will resume at the next start");
            }
        });
        Ok(summary(&MemberShop {
            shop,
            role: Role::Owner,
        }))
    }

    async fn provisioning_status(
        &self,
        session: &Session,
        slug: &str,
    ) -> Result<ProvisioningStatus, AppError> {
        let member = self.member(session, slug).await?;
        let reached = member.shop.provisioning_step;
        Ok(ProvisioningStatus {
            slug: member.shop.slug.clone(),
            name: member.shop.name.clone(),
            status: member.shop.status,
            steps: ProvisioningStep::ALL
                .into_iter()
                .map(|step| StepState {
                    step,
                    done: step <= reached,
                })
                .collect(),
        })
    }

    async fn shop_detail(&self, session: &Session, slug: &str) -> Result<ShopDetail, AppError> {
        let member = self.member(session, slug).await?;
        self.detail_of(&member).await
    }

    #[tracing::instrument(skip(self, session, input), fields(user_id = session.user_id), err(level = "info"))]
    async fn update_shop(
        &self,
        session: &Session,
        slug: &str,
        input: UpdateShopInput,
    ) -> Result<ShopDetail, AppError> {
        let member = self.member(session, slug).await?;
        require_owner(member.role, "change the shop details")?;
        let name = parse_shop_name(&input.name)?;
        let timezone = parse_timezone(&input.timezone)?;
        let amount_style = match input.amount_style.trim() {
            "" => member.shop.amount_style,
            raw => AmountStyle::parse(raw, "amount_style")?,
        };
        self.registry
            .update_details(member.shop.id, &name, &timezone, amount_style)
            .await
            .map_err(internal)?;
        self.record_change(session, member.shop.id, "shop.updated", &name)
            .await?;
        self.fresh_detail(session, slug).await
    }

    #[tracing::instrument(skip(self, session), fields(user_id = session.user_id), err(level = "info"))]
    async fn set_suspended(
        &self,
        session: &Session,
        slug: &str,
        suspended: bool,
    ) -> Result<ShopDetail, AppError> {
        let member = self.member(session, slug).await?;
        require_owner(member.role, "suspend or reactivate the shop")?;
        let from = member.shop.status;
        let event = if suspended {
            ShopEvent::Suspend
        } else {
            ShopEvent::Reactivate
        };
        let to = from.transition(event)?;
        if !self
            .registry
            .set_status(member.shop.id, from, to)
            .await
            .map_err(internal)?
        {
            return Err(AppError::Conflict(
                "The shop was changed by someone else; reload and try again".into(),
            ));
        }
        let action = if suspended {
            "shop.suspended"
        } else {
            "shop.reactivated"
        };
        self.record_change(session, member.shop.id, action, slug)
            .await?;
        if to == ShopStatus::Suspended {
            self.pools.close(member.shop.id).await;
        }
        self.fresh_detail(session, slug).await
    }

    async fn add_domain(
        &self,
        session: &Session,
        slug: &str,
        hostname: &str,
    ) -> Result<ShopDetail, AppError> {
        let member = self.member(session, slug).await?;
        // Outsiders learn nothing (404 above); a member must have proved their address.
        require_verified(&self.registry.db, session.user_id).await?;
        require_owner(member.role, "manage domains")?;
        let hostname = parse_custom_domain(hostname, &self.base_domain, &self.platform_hosts)?;
        let shop_id = member.shop.id;
        // Unverified claims of other shops do not block this one (nobody can squat a name they
        // do not control); a verified one does.
        if self
            .registry
            .verified_elsewhere(shop_id, &hostname)
            .await
            .map_err(internal)?
        {
            return Err(domain_in_use(&hostname));
        }
        let held = self
            .registry
            .custom_domains(shop_id)
            .await
            .map_err(internal)?;
        if held.iter().any(|domain| domain.hostname == hostname) {
            return Err(AppError::Conflict(format!(
                "The domain {hostname} is already registered for this shop"
            )));
        }
        if held.len() >= MAX_CUSTOM_DOMAINS {
            return Err(AppError::Conflict(format!(
                "A shop can hold at most {MAX_CUSTOM_DOMAINS} custom domains; remove one first"
            )));
        }
        match self
            .registry
            .add_domain(shop_id, &hostname, &verification_token())
            .await
        {
            Ok(()) => {}
            Err(error) if is_unique_violation(&error) => {
                return Err(AppError::Conflict(format!(
                    "The domain {hostname} is already registered for this shop"
                )))
            }
            Err(error) => return Err(internal(error)),
        }
        self.record_change(session, member.shop.id, "domain.added", &hostname)
            .await?;
        self.detail_of(&member).await
    }

    async fn remove_domain(
        &self,
        session: &Session,
        slug: &str,
        hostname: &str,
    ) -> Result<ShopDetail, AppError> {
        let member = self.member(session, slug).await?;
        require_owner(member.role, "manage domains")?;
        let hostname = parse_hostname(hostname)?;
        if !self
            .registry
            .remove_domain(member.shop.id, &hostname)
            .await
            .map_err(internal)?
        {
            return Err(AppError::NotFound(format!(
                "The domain {hostname} is not registered for this shop"
            )));
        }
        self.record_change(session, member.shop.id, "domain.removed", &hostname)
            .await?;
        self.detail_of(&member).await
    }

    #[tracing::instrument(skip(self, session), fields(user_id = session.user_id), err(level = "info"))]
    async fn verify_domain(
        &self,
        session: &Session,
        slug: &str,
        hostname: &str,
    ) -> Result<ShopDetail, AppError> {
        let member = self.member(session, slug).await?;
        require_owner(member.role, "manage domains")?;
        let hostname = parse_hostname(hostname)?;
        let shop_id = member.shop.id;
        let domain = self
            .registry
            .custom_domain(shop_id, &hostname)
            .await
            .map_err(internal)?
            .ok_or_else(|| {
                AppError::NotFound(format!(
                    "The domain {hostname} is not registered for this shop"
                ))
            })?;
        if domain.verified_at.is_some() {
            return self.detail_of(&member).await;
        }
        if self
            .registry
            .verified_elsewhere(shop_id, &hostname)
            .await
            .map_err(internal)?
        {
            return Err(domain_in_use(&hostname));
        }
        let record_name = verification_record_name(&hostname);
        let token = &domain.verification_token;
        let refusal = match self.dns.txt(&record_name).await {
            Ok(records) if txt_proves_token(&records, token) => None,
            Ok(_) => Some(format!(
                "The TXT record {record_name} does not hold this domain's token; set it to \
                 {token} and try again"
            )),
            Err(LookupError::NotFound(_)) => Some(format!(
                "No TXT record was found at {record_name}; add one holding {token} and try \
                 again (a new DNS record can take a while to appear)"
            )),
            Err(LookupError::Timeout) => Some(format!(
                "The DNS server did not answer in time when looking up {record_name}; try \
                 again in a few minutes"
            )),
            Err(LookupError::Failed(detail)) => {
                tracing::warn!(%detail, record_name, "domain verification look-up failed");
                Some(format!(
                    "The DNS look-up of {record_name} failed; try again in a few minutes"
                ))
            }
        };
        if let Some(message) = refusal {
            return Err(AppError::Conflict(message));
        }
        match self.registry.mark_domain_verified(domain.id).await {
            Ok(true) => {}
            // Removed (or verified by a parallel request) while DNS was asked.
            Ok(false) => return self.fresh_detail_after_verify(&member, &hostname).await,
            Err(error) if is_unique_violation(&error) => return Err(domain_in_use(&hostname)),
            Err(error) => return Err(internal(error)),
        }
        self.record_change(session, shop_id, "domain.verified", &hostname)
            .await?;
        self.detail_of(&member).await
    }

    /// Mails a one-time link (see [`invitations`]); nobody becomes a member until the invited
    /// person accepts it, logged in with that verified address. Existing users are asked too.
    async fn invite_member(
        &self,
        session: &Session,
        slug: &str,
        email: &str,
    ) -> Result<ShopDetail, AppError> {
        let member = self.member(session, slug).await?;
        require_verified(&self.registry.db, session.user_id).await?;
        require_owner(member.role, "invite staff")?;
        let email = Email::parse(email)?;
        invitations::invite(&self.registry.db, &self.mailer, session, &member, &email).await?;
        self.mailer.wake();
        self.detail_of(&member).await
    }

    async fn remove_member(
        &self,
        session: &Session,
        slug: &str,
        email: &str,
    ) -> Result<ShopDetail, AppError> {
        let member = self.member(session, slug).await?;
        require_owner(member.role, "remove staff")?;
        let email = Email::parse(email)?;
        let shop_id = member.shop.id;
        let mut tx = self.registry.db.begin_write().await.map_err(internal)?;
        let target_role = sqlx::query_scalar::<_, String>(
            "SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.shop_id = $1 AND u.email = $2",
        )
        .bind(shop_id)
        .bind(email.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?;
        let removed = match target_role.as_deref() {
            Some("owner") => return Err(AppError::Forbidden("The shop owner cannot be removed".into())),
            Some(_) => sqlx::query("DELETE FROM memberships WHERE shop_id = $1 AND user_id = (SELECT id FROM users WHERE email = $2)")
                .bind(shop_id)
                .bind(email.as_str())
                .execute(&mut *tx)
                .await
                .map_err(internal)?
                .rows_affected(),
            None => sqlx::query("DELETE FROM invitations WHERE shop_id = $1 AND email = $2")
                .bind(shop_id)
                .bind(email.as_str())
                .execute(&mut *tx)
                .await
                .map_err(internal)?
                .rows_affected(),
        };
        if removed == 0 {
            return Err(AppError::NotFound(format!(
                "{} is not a member of this shop",
                email.as_str()
            )));
        }
        audit(
            &mut *tx,
            Some(session.user_id),
            Some(shop_id),
            "member.removed",
            email.as_str(),
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        self.registry.memberships_changed();
        self.detail_of(&member).await
    }

    async fn overview(&self, session: &Session, slug: &str) -> Result<ShopOverview, AppError> {
        let member = self.member(session, slug).await?;
        let shop = summary(&member);
        if member.shop.status == ShopStatus::Provisioning {
            return Err(AppError::Conflict("The shop is still being set up".into()));
        }
        let db = self.pools.get(&member.shop).map_err(internal)?;
        let counts = sqlx::query_as::<_, (i64, i64, i64, i64)>(
            "SELECT (SELECT COUNT(*) FROM products), (SELECT COUNT(*) FROM customers), \
             (SELECT COUNT(*) FROM orders), \
             (SELECT CAST(COALESCE(SUM(total_minor), 0) AS BIGINT) FROM orders WHERE status NOT IN ('cancelled', 'refunded'))",
        )
        .fetch_one(&db.pool)
        .await
        .map_err(internal)?;
        let recent_orders = sqlx::query_as::<_, (i64, i64, Option<String>, String, i64, i64)>(
            "SELECT o.id, o.number, c.name, o.status, o.total_minor, o.placed_at FROM orders o \
             LEFT JOIN customers c ON c.id = o.customer_id ORDER BY o.placed_at DESC LIMIT 10",
        )
        .fetch_all(&db.pool)
        .await
        .map_err(internal)?
        .into_iter()
        .map(
            |(id, number, customer_name, status, total_minor, placed_at_ms)| RecentOrder {
                id,
                number,
                customer_name: customer_name.unwrap_or_else(|| "Guest".into()),
                status,
                total_minor,
                placed_at_ms,
            },
        )
        .collect();
        Ok(ShopOverview {
            shop,
            product_count: counts.0,
            customer_count: counts.1,
            order_count: counts.2,
            revenue_minor: counts.3,
            recent_orders,
        })
    }

    #[tracing::instrument(skip(self, session), fields(user_id = session.user_id), err(level = "info"))]
    async fn revoke_invitation(
        &self,
        session: &Session,
        slug: &str,
        email: &str,
    ) -> Result<ShopDetail, AppError> {
        let member = self.member(session, slug).await?;
        require_owner(member.role, "revoke invitations")?;
        let email = Email::parse(email)?;
        invitations::revoke(&self.registry.db, session, &member, &email).await?;
        self.detail_of(&member).await
    }

    async fn invitation(
        &self,
        session: &Session,
        token: &str,
    ) -> Result<app::shops::model::InvitationView, AppError> {
        invitations::view(&self.registry.db, session, token).await
    }

    #[tracing::instrument(skip(self, session, token), fields(user_id = session.user_id), err(level = "info"))]
    async fn accept_invitation(
        &self,
        session: &Session,
        token: &str,
    ) -> Result<ShopSummary, AppError> {
        let (shop_id, slug) = invitations::accept(&self.registry.db, session, token).await?;
        self.registry.memberships_changed();
        let member = self.member(session, &slug).await?;
        debug_assert_eq!(member.shop.id, shop_id);
        Ok(summary(&member))
    }
}
