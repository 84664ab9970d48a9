//! Server functions for shops. Each reads the session and calls `ShopService`, which checks
//! membership and role inside the shop the slug names.

use super::model::{ProvisioningStatus, ShopDetail, ShopFrame, ShopOverview, ShopSummary};
use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/sfn", endpoint = "list_shops")]
pub async fn list_shops() -> Result<Vec<ShopSummary>, AppError> {
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?.shops.list_shops(&session).await
        }
        .await,
    )
}

/// The signed-in merchant's e-mail and shops, for the frame of a shop's pages.
#[server(prefix = "/sfn", endpoint = "get_shop_frame")]
pub async fn get_shop_frame() -> Result<ShopFrame, AppError> {
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            let shops = services()?.shops.list_shops(&session).await?;
            Ok(ShopFrame {
                email: session.email,
                shops,
            })
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "create_shop")]
pub async fn create_shop(
    name: String,
    slug: String,
    currency: String,
    timezone: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    use crate::shops::model::NewShopInput;
    respond(
        async {
            let session = current_session()?;
            let input = NewShopInput {
                name,
                slug,
                currency,
                timezone,
            };
            let shop = services()?.shops.create_shop(&session, input).await?;
            redirect(&format!("/shops/{}/provisioning", shop.slug))?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "provisioning_status")]
pub async fn get_provisioning_status(slug: String) -> Result<ProvisioningStatus, AppError> {
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?.shops.provisioning_status(&session, &slug).await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "shop_detail")]
pub async fn get_shop_detail(slug: String) -> Result<ShopDetail, AppError> {
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?.shops.shop_detail(&session, &slug).await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "shop_overview")]
pub async fn get_shop_overview(slug: String) -> Result<ShopOverview, AppError> {
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?.shops.overview(&session, &slug).await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "update_shop")]
pub async fn update_shop(
    slug: String,
    name: String,
    timezone: String,
    #[server(default)] amount_style: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    use crate::shops::model::UpdateShopInput;
    respond(
        async {
            let session = current_session()?;
            let input = UpdateShopInput {
                name,
                timezone,
                amount_style,
            };
            services()?
                .shops
                .update_shop(&session, &slug, input)
                .await?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "set_shop_suspended")]
pub async fn set_shop_suspended(
    slug: String,
    suspended: bool,
    /// Where to go after success (the confirmation page goes back to the settings).
    #[server(default)]
    next: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?
                .shops
                .set_suspended(&session, &slug, suspended)
                .await?;
            if !next.is_empty() {
                redirect(&next)?;
            }
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "add_domain")]
pub async fn add_domain(
    slug: String,
    hostname: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?
                .shops
                .add_domain(&session, &slug, &hostname)
                .await?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "remove_domain")]
pub async fn remove_domain(
    slug: String,
    hostname: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?
                .shops
                .remove_domain(&session, &slug, &hostname)
                .await?;
            Ok(())
        }
        .await,
    )
}

/// Checks the domain's `_cartwright-verify` TXT record; once it holds the token, the domain
/// serves the shop.
#[server(prefix = "/sfn", endpoint = "verify_domain")]
pub async fn verify_domain(
    slug: String,
    hostname: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?
                .shops
                .verify_domain(&session, &slug, &hostname)
                .await?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "invite_member")]
pub async fn invite_member(
    slug: String,
    email: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?
                .shops
                .invite_member(&session, &slug, &email)
                .await?;
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "remove_member")]
pub async fn remove_member(
    slug: String,
    email: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?
                .shops
                .remove_member(&session, &slug, &email)
                .await?;
            Ok(())
        }
        .await,
    )
}

/// Owners only: the invitation to `email` stops working.
#[server(prefix = "/sfn", endpoint = "revoke_invitation")]
pub async fn revoke_invitation(
    slug: String,
    email: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?
                .shops
                .revoke_invitation(&session, &slug, &email)
                .await?;
            Ok(())
        }
        .await,
    )
}

/// The invitation behind a link, for the logged-in user it was sent to.
#[server(prefix = "/sfn", endpoint = "get_invitation")]
pub async fn get_invitation(token: String) -> Result<super::model::InvitationView, AppError> {
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            services()?.shops.invitation(&session, &token).await
        }
        .await,
    )
}

/// Accepts an invitation and opens the shop joined.
#[server(prefix = "/sfn", endpoint = "accept_invitation")]
pub async fn accept_invitation(
    token: String,
    #[server(default)] form_token: String,
) -> Result<(), AppError> {
    let _ = form_token; // read by the idempotency layer (`crate::once`)
    use crate::services::*;
    respond(
        async {
            let session = current_session()?;
            let shop = services()?
                .shops
                .accept_invitation(&session, &token)
                .await?;
            redirect(&format!("/shops/{}", shop.slug))?;
            Ok(())
        }
        .await,
    )
}
