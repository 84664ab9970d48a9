//! Staff invitations by link. Inviting writes the invitation and its mail in one transaction;
//! the mail carries a one-time link (`/invitations/<token>`, 256 random bits, only their SHA-256
//! stored) that expires after [`INVITATION_TTL_MS`]. The invitation becomes a membership only
//! when a logged-in user whose **verified** e-mail is the invited address accepts it. Knowing
//! the address is not enough (signing up with it grants nothing), and an existing account is
//! asked, never added. Revoking deletes the row, so the link stops working.

use crate::auth::verification::{hash_link_token, new_link_token, verify_first};
use crate::db::{is_unique_violation, now_ms, Database};
use crate::error::internal;
use crate::mail::{templates, Mailer};
use crate::tenancy::registry::{audit, MemberShop};
use app::auth::model::Session;
use app::auth::rules::Email;
use app::error::AppError;
use app::shops::model::InvitationView;
use app::shops::rules::Role;

/// How long an invitation link works.
pub const INVITATION_TTL_MS: i64 = 7 * 24 * 3600 * 1000;

fn invalid_link() -> AppError {
    AppError::NotFound(
        "This invitation link is not valid: it was revoked, already used, or mistyped.".into(),
    )
}

fn expired() -> AppError {
    AppError::Conflict(
        "This invitation has expired. Ask the shop owner to invite you again.".into(),
    )
}

fn someone_else() -> AppError {
    AppError::Forbidden(
        "This invitation was sent to another e-mail address. Log out, then log in with the \
         address it was sent to."
            .into(),
    )
}

/// Writes the invitation and queues its mail (the caller wakes the mailer after this returns).
pub async fn invite(
    db: &Database,
    mailer: &Mailer,
    session: &Session,
    member: &MemberShop,
    email: &Email,
) -> Result<(), AppError> {
    let shop_id = member.shop.id;
    let now = now_ms();
    let mut tx = db.begin_write().await.map_err(internal)?;
    let already_member = sqlx::query_scalar::<_, i64>(
        "SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.shop_id = $1 AND u.email = $2",
    )
    .bind(shop_id)
    .bind(email.as_str())
    .fetch_optional(&mut *tx)
    .await
    .map_err(internal)?;
    if already_member.is_some() {
        return Err(AppError::Conflict(format!(
            "{} is already a member of this shop",
            email.as_str()
        )));
    }
    let pending = sqlx::query_scalar::<_, i64>(
        "SELECT expires_at FROM invitations WHERE shop_id = $1 AND email = $2",
    )
    .bind(shop_id)
    .bind(email.as_str())
    .fetch_optional(&mut *tx)
    .await
    .map_err(internal)?;
    match pending {
        Some(expires_at) if expires_at > now => {
            return Err(AppError::Conflict(format!(
                "{} is already invited; revoke the invitation to send a new one",
                email.as_str()
            )))
        }
        // An expired invitation is replaced by a fresh one.
        Some(_) => {
            sqlx::query("DELETE FROM invitations WHERE shop_id = $1 AND email = $2")
                .bind(shop_id)
                .bind(email.as_str())
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
        }
        None => {}
    }
    let token = new_link_token();
    let inserted = sqlx::query(
        "INSERT INTO invitations (shop_id, email, role, invited_by, created_at, token_hash, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(shop_id)
    .bind(email.as_str())
    .bind(Role::Staff.as_str())
    .bind(session.user_id)
    .bind(now)
    .bind(hash_link_token(&token))
    .bind(now + INVITATION_TTL_MS)
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(error) if is_unique_violation(&error) => {
            return Err(AppError::Conflict(format!(
                "{} is already invited",
                email.as_str()
            )))
        }
        Err(error) => return Err(internal(error)),
    }
    let inviter: String = sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
        .bind(session.user_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
    let mail = templates::staff_invitation(
        email.as_str(),
        &member.shop.name,
        &inviter,
        &mailer.link(&format!("/invitations/{token}")),
        INVITATION_TTL_MS / (24 * 3600 * 1000),
    );
    mailer.enqueue(&mut *tx, &mail).await.map_err(internal)?;
    audit(
        &mut *tx,
        Some(session.user_id),
        Some(shop_id),
        "member.invited",
        email.as_str(),
    )
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)
}

pub async fn revoke(
    db: &Database,
    session: &Session,
    member: &MemberShop,
    email: &Email,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await.map_err(internal)?;
    let removed = sqlx::query("DELETE FROM invitations WHERE shop_id = $1 AND email = $2")
        .bind(member.shop.id)
        .bind(email.as_str())
        .execute(&mut *tx)
        .await
        .map_err(internal)?
        .rows_affected();
    if removed == 0 {
        return Err(AppError::NotFound(format!(
            "There is no pending invitation for {}",
            email.as_str()
        )));
    }
    audit(
        &mut *tx,
        Some(session.user_id),
        Some(member.shop.id),
        "member.invitation_revoked",
        email.as_str(),
    )
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)
}

#[derive(sqlx::FromRow)]
struct InvitationRow {
    shop_id: i64,
    slug: String,
    shop_name: String,
    email: String,
    role: String,
    invited_by: String,
    expires_at: i64,
}

#[derive(sqlx::FromRow)]
struct CallerRow {
    email: String,
    email_verified_at: Option<i64>,
}

const INVITATION_SELECT: &str = "SELECT i.shop_id, s.slug, s.name AS shop_name, i.email, i.role, \
     u.name AS invited_by, i.expires_at FROM invitations i \
     JOIN shops s ON s.id = i.shop_id JOIN users u ON u.id = i.invited_by \
     WHERE i.token_hash = $1";

/// The invitation behind `token` if it may be shown to the caller, with the caller's row.
async fn for_caller(
    connection: &mut sqlx::AnyConnection,
    session: &Session,
    token: &str,
) -> Result<(InvitationRow, CallerRow), AppError> {
    // A real token is 43 characters; anything far off is not worth a query.
    if token.is_empty() || token.len() > 100 {
        return Err(invalid_link());
    }
    let invitation = sqlx::query_as::<_, InvitationRow>(INVITATION_SELECT)
        .bind(hash_link_token(token))
        .fetch_optional(&mut *connection)
        .await
        .map_err(internal)?
        .ok_or_else(invalid_link)?;
    let caller =
        sqlx::query_as::<_, CallerRow>("SELECT email, email_verified_at FROM users WHERE id = $1")
            .bind(session.user_id)
            .fetch_optional(&mut *connection)
            .await
            .map_err(internal)?
            .ok_or_else(AppError::unauthenticated)?;
    if caller.email != invitation.email {
        return Err(someone_else());
    }
    if invitation.expires_at <= now_ms() {
        return Err(expired());
    }
    Ok((invitation, caller))
}

pub async fn view(
    db: &Database,
    session: &Session,
    token: &str,
) -> Result<InvitationView, AppError> {
    let mut connection = db.pool.acquire().await.map_err(internal)?;
    let (invitation, caller) = for_caller(&mut connection, session, token).await?;
    Ok(InvitationView {
        shop_name: invitation.shop_name,
        email: invitation.email,
        invited_by: invitation.invited_by,
        role: Role::parse(&invitation.role).unwrap_or(Role::Staff),
        expires_at_ms: invitation.expires_at,
        email_verified: caller.email_verified_at.is_some(),
    })
}

/// Makes the caller a member; returns the shop's id and slug. The invitation is used up.
pub async fn accept(
    db: &Database,
    session: &Session,
    token: &str,
) -> Result<(i64, String), AppError> {
    let mut tx = db.begin_write().await.map_err(internal)?;
    let (invitation, caller) = for_caller(&mut tx, session, token).await?;
    if caller.email_verified_at.is_none() {
        return Err(verify_first());
    }
    // Conditional on the token, so two parallel acceptances cannot both pass.
    let used = sqlx::query("DELETE FROM invitations WHERE token_hash = $1")
        .bind(hash_link_token(token))
        .execute(&mut *tx)
        .await
        .map_err(internal)?
        .rows_affected();
    if used != 1 {
        return Err(invalid_link());
    }
    let role = Role::parse(&invitation.role).unwrap_or(Role::Staff);
    let joined = sqlx::query(
        "INSERT INTO memberships (shop_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(invitation.shop_id)
    .bind(session.user_id)
    .bind(role.as_str())
    .bind(now_ms())
    .execute(&mut *tx)
    .await;
    match joined {
        Ok(_) => {}
        Err(error) if is_unique_violation(&error) => {
            return Err(AppError::Conflict(
                "You are already a member of this shop.".into(),
            ))
        }
        Err(error) => return Err(internal(error)),
    }
    audit(
        &mut *tx,
        Some(session.user_id),
        Some(invitation.shop_id),
        "member.joined",
        &invitation.email,
    )
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok((invitation.shop_id, invitation.slug))
}
