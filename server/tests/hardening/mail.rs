//! Hardening tests: mail. Mail is queued in the same transaction as its cause and delivered by
//! the worker to a local SMTP stand-in; without SMTP it is kept for the development mailbox.

use crate::support::*;
use axum::http::StatusCode;
use server::mail::Mail;
use std::time::Duration;

fn mail(to: &str, subject: &str) -> Mail {
    Mail {
        to: to.into(),
        subject: subject.into(),
        text: format!("{subject}: https://example.test/path?x=1"),
        html: None,
    }
}

/// Queues `mail` in a write transaction that commits (`commit`) or rolls back.
async fn enqueue(app: &TestApp, mail: &Mail, commit: bool) {
    let state = &app.app.state;
    let mut tx = state.platform.begin_write().await.expect("transaction");
    state
        .mailer
        .enqueue(&mut *tx, mail)
        .await
        .expect("mail queued");
    if commit {
        tx.commit().await.expect("commit");
        state.mailer.wake();
    } else {
        tx.rollback().await.expect("rollback");
    }
}

#[tokio::test]
async fn mail_of_a_rolled_back_change_is_never_sent_and_committed_mail_arrives_once() {
    for engine in engines() {
        let smtp = SmtpStandIn::start().await;
        let app = TestApp::start_with_smtp(engine, &smtp).await;

        enqueue(&app, &mail("ghost@example.com", "Rolled back"), false).await;
        enqueue(&app, &mail("ana@example.com", "Committed"), true).await;

        let received = smtp.wait_for(1, Duration::from_secs(10)).await;
        let rows = app.outbox().await;
        assert_eq!(
            rows.len(),
            1,
            "{engine:?}: the rolled-back mail left no row"
        );
        let row = app.wait_for_mail_status(rows[0].id, "sent").await;
        assert_eq!(row.attempts, 1, "{engine:?}");
        assert_eq!(received[0].to, vec!["<ana@example.com>".to_string()]);
        assert_eq!(received[0].header("Subject").as_deref(), Some("Committed"));
        assert_eq!(
            received[0].header("Message-ID").as_deref(),
            Some(row.message_id.as_str()),
            "{engine:?}: the stored Message-ID is the one sent"
        );

        // Time for a second delivery, if the worker were to make one.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(smtp.messages().len(), 1, "{engine:?}: delivered once");
        assert_eq!(smtp.attempts(), 1, "{engine:?}");
    }
}

#[tokio::test]
async fn a_failing_smtp_server_gets_retries_with_the_same_message_id_until_the_mail_arrives() {
    for engine in engines() {
        let smtp = SmtpStandIn::start().await;
        smtp.fail_next(2);
        let app = TestApp::start_with_smtp(engine, &smtp).await;

        enqueue(&app, &mail("bo@example.com", "Retried"), true).await;

        // Backoff: about 0.5-1 s, then 1-2 s.
        let received = smtp.wait_for(1, Duration::from_secs(15)).await;
        let row = app
            .wait_for_mail_status(app.outbox().await[0].id, "sent")
            .await;
        assert_eq!(
            smtp.attempts(),
            3,
            "{engine:?}: two refusals, then accepted"
        );
        assert_eq!(row.attempts, 3, "{engine:?}");
        assert_eq!(row.last_error, None, "{engine:?}");
        assert_eq!(received.len(), 1, "{engine:?}");
        assert_eq!(
            received[0].header("Message-ID").as_deref(),
            Some(row.message_id.as_str())
        );
    }
}

#[tokio::test]
async fn a_permanent_refusal_marks_the_mail_failed_with_the_error() {
    for engine in engines() {
        let smtp = SmtpStandIn::start().await;
        smtp.reject_next(1);
        let app = TestApp::start_with_smtp(engine, &smtp).await;

        enqueue(&app, &mail("nobody@example.com", "Refused"), true).await;

        let row = app
            .wait_for_mail_status(app.outbox().await[0].id, "failed")
            .await;
        assert_eq!(row.attempts, 1, "{engine:?}: a 5xx is not retried");
        let error = row.last_error.unwrap_or_default();
        assert!(error.contains("550"), "{engine:?}: {error}");
        assert!(smtp.messages().is_empty());
    }
}

#[tokio::test]
async fn mail_claimed_by_a_worker_that_died_is_sent_once_its_lease_runs_out() {
    for engine in engines() {
        let smtp = SmtpStandIn::start().await;
        let app = TestApp::start_with_smtp(engine, &smtp).await;
        // A row as a crashed worker leaves it: claimed (lease now over), attempt counted.
        sqlx::query(
            "INSERT INTO mail_outbox (message_id, recipient, subject, body_text, status, \
             attempts, next_attempt_at, claimed_until, created_at) \
             VALUES ('<crash@example.test>', 'cy@example.com', 'After a crash', 'Hello', \
             'queued', 1, 0, 1, 0)",
        )
        .execute(&app.app.state.platform.pool)
        .await
        .expect("insert");
        app.app.state.mailer.wake();

        let received = smtp.wait_for(1, Duration::from_secs(10)).await;
        assert_eq!(
            received[0].header("Message-ID").as_deref(),
            Some("<crash@example.test>"),
            "{engine:?}"
        );
        let row = app
            .wait_for_mail_status(app.outbox().await[0].id, "sent")
            .await;
        assert_eq!(row.attempts, 2, "{engine:?}");
    }
}

#[tokio::test]
async fn without_smtp_mail_is_kept_and_listed_in_the_dev_mailbox() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        enqueue(&app, &mail("dee@example.com", "Kept <for> you"), true).await;

        let row = app
            .wait_for_mail_status(app.outbox().await[0].id, "kept")
            .await;
        let page = app.page("/dev/mailbox", None).await;
        assert_eq!(page.status, StatusCode::OK, "{engine:?}");
        assert!(page.text.contains("dee@example.com"), "{}", page.text);
        assert!(page.text.contains("Kept &lt;for&gt; you"), "{}", page.text);
        assert!(
            page.text
                .contains("<a href=\"https://example.test/path?x=1\">"),
            "links are clickable: {}",
            page.text
        );
        let one = app.page(&format!("/dev/mailbox/{}", row.id), None).await;
        assert_eq!(one.status, StatusCode::OK);
        assert!(one.text.contains("dee@example.com"));
        let missing = app.page("/dev/mailbox/999999", None).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        let garbage = app.page("/dev/mailbox/x'--", None).await;
        assert_eq!(garbage.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn the_dev_mailbox_does_not_exist_outside_development_mode() {
    for engine in engines() {
        let app = TestApp::start_with(engine, |config| config.dev_mode = false).await;
        enqueue(&app, &mail("eve@example.com", "Secret link"), true).await;

        for path in ["/dev/mailbox", "/dev/mailbox/1"] {
            let page = app.page(path, None).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{engine:?} {path}");
            assert!(!page.text.contains("eve@example.com"));
        }
    }
}

// ---- Merchant e-mail verification ----

fn verification_token(row: &OutboxRow) -> String {
    link_in(&row.body_text, "/verify-email?token=")
        .expect("a verification link")
        .trim_start_matches("/verify-email?token=")
        .to_string()
}

async fn open_verification(app: &TestApp, token: &str) -> TestResponse {
    app.api(
        axum::http::Method::POST,
        "/auth/verify-email",
        None,
        Some(serde_json::json!({ "token": token })),
    )
    .await
}

#[tokio::test]
async fn a_verification_link_of_an_unverified_account_works_once() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let email = format!("{}@example.com", unique("ver"));
        let token = app.sign_up_unverified(&email).await;

        let before = app.server_fn("account_status", &token, &[]).await;
        assert_eq!(before.status, StatusCode::OK, "{}", before.text);
        assert_eq!(before.json["email_verified"], false, "{engine:?}");
        let mail = app.last_mail_to(&email).await;
        assert_eq!(mail.subject, "Confirm your e-mail address");
        let link_token = verification_token(&mail);
        let stored: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM email_verifications WHERE token_hash = $1")
                .bind(&link_token)
                .fetch_one(&app.app.state.platform.pool)
                .await
                .expect("count");
        assert_eq!(stored, 0, "{engine:?}: the token itself is not stored");
        let mailbox = app.page("/dev/mailbox", None).await;
        assert!(
            mailbox
                .text
                .contains(&format!("/verify-email?token={link_token}\">")),
            "{engine:?}: the link is clickable in the dev mailbox"
        );

        let opened = open_verification(&app, &link_token).await;
        assert_eq!(opened.status, StatusCode::OK, "{engine:?}: {}", opened.text);
        assert_eq!(opened.json["email"], email.as_str());
        let after = app.server_fn("account_status", &token, &[]).await;
        assert_eq!(after.json["email_verified"], true, "{engine:?}");

        let again = open_verification(&app, &link_token).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{engine:?}");
        assert!(again.text.contains("already used"), "{}", again.text);
    }
}

#[tokio::test]
async fn an_expired_or_unknown_verification_link_is_refused_clearly() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let email = format!("{}@example.com", unique("exp"));
        let session = app.sign_up_unverified(&email).await;
        let link_token = verification_token(&app.last_mail_to(&email).await);
        sqlx::query("UPDATE email_verifications SET expires_at = 1")
            .execute(&app.app.state.platform.pool)
            .await
            .expect("expire");

        let expired = open_verification(&app, &link_token).await;
        assert_eq!(expired.status, StatusCode::CONFLICT, "{engine:?}");
        assert!(expired.text.contains("expired"), "{}", expired.text);
        for bogus in ["", "nonsense", &"x".repeat(5000)] {
            let unknown = open_verification(&app, bogus).await;
            assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{engine:?}");
            assert!(unknown.text.contains("not valid"), "{}", unknown.text);
        }
        let status = app.server_fn("account_status", &session, &[]).await;
        assert_eq!(status.json["email_verified"], false, "{engine:?}");
    }
}

#[tokio::test]
async fn a_refused_sign_up_mails_nothing() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let refused = app
            .api(
                axum::http::Method::POST,
                "/auth/signup",
                None,
                Some(serde_json::json!({ "name": "Short", "email": "short@example.com", "password": "short" })),
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{engine:?}");
        assert_eq!(refused.json["error"]["field"], "password");
        assert_eq!(app.count("mail_outbox").await, 0, "{engine:?}");
        assert_eq!(app.count("sign_up_requests").await, 0, "{engine:?}");
    }
}

#[tokio::test]
async fn resending_the_verification_mail_replaces_the_older_link() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let email = format!("{}@example.com", unique("re"));
        let session = app.sign_up_unverified(&email).await;
        let first = verification_token(&app.last_mail_to(&email).await);

        let resent = app
            .api(
                axum::http::Method::POST,
                "/auth/verification-mail",
                Some(&session),
                None,
            )
            .await;
        assert_eq!(
            resent.status,
            StatusCode::ACCEPTED,
            "{engine:?}: {}",
            resent.text
        );
        let second = verification_token(&app.last_mail_to(&email).await);
        assert_ne!(first, second);
        assert_eq!(
            open_verification(&app, &first).await.status,
            StatusCode::NOT_FOUND,
            "{engine:?}: the older link stopped working"
        );
        assert_eq!(
            open_verification(&app, &second).await.status,
            StatusCode::OK
        );

        let verified_already = app.server_fn("resend_verification", &session, &[]).await;
        assert_eq!(verified_already.status, StatusCode::CONFLICT, "{engine:?}");
        let anonymous = app
            .api(
                axum::http::Method::POST,
                "/auth/verification-mail",
                None,
                None,
            )
            .await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn an_unverified_merchant_uses_the_dashboard_but_cannot_invite_or_add_domains() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let email = format!("{}@example.com", unique("unv"));
        let token = app.sign_up_unverified(&email).await;
        let slug = unique("unverified");
        app.create_shop(&token, &slug).await;

        let invite = app
            .api(
                axum::http::Method::POST,
                &format!("/shops/{slug}/members"),
                Some(&token),
                Some(serde_json::json!({ "email": "staff@example.com" })),
            )
            .await;
        assert_eq!(
            invite.status,
            StatusCode::FORBIDDEN,
            "{engine:?}: {}",
            invite.text
        );
        assert_eq!(
            invite.json["error"]["message"],
            "Verify your e-mail address first"
        );
        let domain = app
            .api(
                axum::http::Method::POST,
                &format!("/shops/{slug}/domains"),
                Some(&token),
                Some(serde_json::json!({ "hostname": "shop.unverified-example.com" })),
            )
            .await;
        assert_eq!(
            domain.status,
            StatusCode::FORBIDDEN,
            "{engine:?}: {}",
            domain.text
        );
        let by_form = app
            .server_fn(
                "invite_member",
                &token,
                &[("slug", &slug), ("email", "staff@example.com")],
            )
            .await;
        assert_eq!(by_form.status, StatusCode::FORBIDDEN, "{engine:?}");
        assert_eq!(
            app.count("invitations").await,
            0,
            "{engine:?}: nothing written"
        );
        assert_eq!(app.count("domains").await, 0, "{engine:?}");

        app.verify_email(&email).await;
        let after = app
            .api(
                axum::http::Method::POST,
                &format!("/shops/{slug}/members"),
                Some(&token),
                Some(serde_json::json!({ "email": "staff@example.com" })),
            )
            .await;
        assert_eq!(
            after.status,
            StatusCode::CREATED,
            "{engine:?}: {}",
            after.text
        );
    }
}

// ---- Staff invitations by link ----

use axum::http::Method;
use serde_json::json;

/// A verified owner with an active shop: (owner's token, slug).
async fn owner_with_shop(app: &TestApp) -> (String, String) {
    let owner = app
        .sign_up_verified(&format!("{}@example.com", unique("owner")))
        .await;
    let slug = unique("team");
    app.create_shop(&owner, &slug).await;
    (owner, slug)
}

async fn invite(app: &TestApp, owner: &str, slug: &str, email: &str) -> TestResponse {
    app.api(
        Method::POST,
        &format!("/shops/{slug}/members"),
        Some(owner),
        Some(json!({ "email": email })),
    )
    .await
}

#[tokio::test]
async fn signing_up_with_an_invited_address_grants_nothing_without_the_link() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (owner, slug) = owner_with_shop(&app).await;
        let invited = format!("{}@example.com", unique("invited"));
        let sent = invite(&app, &owner, &slug, &invited).await;
        assert_eq!(
            sent.status,
            StatusCode::CREATED,
            "{engine:?}: {}",
            sent.text
        );
        let mail = app.last_mail_to(&invited).await;
        assert!(
            mail.subject.contains(&format!("Shop {slug}")),
            "{}",
            mail.subject
        );

        // Someone who knows the address, not the mail, signs up with it first: the link goes
        // to the address, so no account exists and no log-in works.
        let squatter = app
            .api(
                Method::POST,
                "/auth/signup",
                None,
                Some(json!({ "name": "Squatter", "email": invited, "password": "the squatters password" })),
            )
            .await;
        assert_eq!(squatter.status, StatusCode::ACCEPTED, "{engine:?}");
        let log_in = app
            .api(
                Method::POST,
                "/auth/login",
                None,
                Some(json!({ "email": invited, "password": "the squatters password" })),
            )
            .await;
        assert_eq!(log_in.status, StatusCode::UNAUTHORIZED, "{engine:?}");
        let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = $1")
            .bind(&invited)
            .fetch_one(&app.app.state.platform.pool)
            .await
            .expect("count");
        assert_eq!(users, 0, "{engine:?}: no account without the link");
        assert_eq!(
            app.count("memberships").await,
            1,
            "{engine:?}: the owner only"
        );
        let detail = app
            .api(Method::GET, &format!("/shops/{slug}"), Some(&owner), None)
            .await;
        assert_eq!(
            detail.json["pending_invitations"][0]["email"],
            invited.as_str(),
            "{engine:?}: still an invitation"
        );
    }
}

#[tokio::test]
async fn an_invitation_is_accepted_only_by_the_logged_in_verified_invitee() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (owner, slug) = owner_with_shop(&app).await;
        let bo_email = format!("{}@example.com", unique("bo"));
        let bo = app.sign_up_unverified(&bo_email).await;
        let eve_email = format!("{}@example.com", unique("eve"));
        let eve = app.sign_up_verified(&eve_email).await;

        let sent = invite(&app, &owner, &slug, &bo_email).await;
        assert_eq!(
            sent.status,
            StatusCode::CREATED,
            "{engine:?}: {}",
            sent.text
        );
        let not_added = app
            .api(Method::GET, &format!("/shops/{slug}"), Some(&bo), None)
            .await;
        assert_eq!(
            not_added.status,
            StatusCode::NOT_FOUND,
            "{engine:?}: asked, not added"
        );
        let token = app.invitation_token(&bo_email).await;
        let path = format!("/invitations/{token}");

        let anonymous = app.api(Method::GET, &path, None, None).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{engine:?}");
        let other = app.api(Method::GET, &path, Some(&eve), None).await;
        assert_eq!(other.status, StatusCode::FORBIDDEN, "{engine:?}");
        assert!(
            other.text.contains("another e-mail address"),
            "{}",
            other.text
        );
        let other_accept = app
            .api(Method::POST, &format!("{path}/accept"), Some(&eve), None)
            .await;
        assert_eq!(other_accept.status, StatusCode::FORBIDDEN, "{engine:?}");

        let unverified = app.api(Method::GET, &path, Some(&bo), None).await;
        assert_eq!(
            unverified.status,
            StatusCode::OK,
            "{engine:?}: {}",
            unverified.text
        );
        assert_eq!(unverified.json["email_verified"], false);
        assert_eq!(unverified.json["shop_name"], format!("Shop {slug}"));
        let too_early = app
            .api(Method::POST, &format!("{path}/accept"), Some(&bo), None)
            .await;
        assert_eq!(too_early.status, StatusCode::FORBIDDEN, "{engine:?}");
        assert_eq!(
            too_early.json["error"]["message"],
            "Verify your e-mail address first"
        );
        assert_eq!(
            app.count("memberships").await,
            1,
            "{engine:?}: nobody joined"
        );

        app.verify_email(&bo_email).await;
        let accepted = app
            .api(Method::POST, &format!("{path}/accept"), Some(&bo), None)
            .await;
        assert_eq!(
            accepted.status,
            StatusCode::OK,
            "{engine:?}: {}",
            accepted.text
        );
        assert_eq!(accepted.json["slug"], slug.as_str());
        assert_eq!(accepted.json["role"], "staff");
        let member = app
            .api(Method::GET, &format!("/shops/{slug}"), Some(&bo), None)
            .await;
        assert_eq!(member.status, StatusCode::OK, "{engine:?}");
        assert_eq!(member.json["pending_invitations"], json!([]));

        let twice = app
            .api(Method::POST, &format!("{path}/accept"), Some(&bo), None)
            .await;
        assert_eq!(
            twice.status,
            StatusCode::NOT_FOUND,
            "{engine:?}: the link works once"
        );
        let eve_shops = app.api(Method::GET, "/shops", Some(&eve), None).await;
        assert_eq!(eve_shops.json, json!([]));
    }
}

#[tokio::test]
async fn owners_revoke_invitations_and_expired_links_say_so() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (owner, slug) = owner_with_shop(&app).await;
        let cy_email = format!("{}@example.com", unique("cy"));
        let cy = app.sign_up_verified(&cy_email).await;

        invite(&app, &owner, &slug, &cy_email).await;
        let twice = invite(&app, &owner, &slug, &cy_email).await;
        assert_eq!(
            twice.status,
            StatusCode::CONFLICT,
            "{engine:?}: already invited"
        );
        let first = app.invitation_token(&cy_email).await;
        let revoked = app
            .api(
                Method::DELETE,
                &format!("/shops/{slug}/invitations/{cy_email}"),
                Some(&owner),
                None,
            )
            .await;
        assert_eq!(
            revoked.status,
            StatusCode::OK,
            "{engine:?}: {}",
            revoked.text
        );
        assert_eq!(revoked.json["pending_invitations"], json!([]));
        let dead = app
            .api(
                Method::POST,
                &format!("/invitations/{first}/accept"),
                Some(&cy),
                None,
            )
            .await;
        assert_eq!(
            dead.status,
            StatusCode::NOT_FOUND,
            "{engine:?}: revoked link is dead"
        );
        assert!(dead.text.contains("revoked"), "{}", dead.text);
        let gone = app
            .api(
                Method::DELETE,
                &format!("/shops/{slug}/invitations/{cy_email}"),
                Some(&owner),
                None,
            )
            .await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);

        invite(&app, &owner, &slug, &cy_email).await;
        let second = app.invitation_token(&cy_email).await;
        sqlx::query("UPDATE invitations SET expires_at = 1")
            .execute(&app.app.state.platform.pool)
            .await
            .expect("expire");
        let expired = app
            .api(
                Method::GET,
                &format!("/invitations/{second}"),
                Some(&cy),
                None,
            )
            .await;
        assert_eq!(expired.status, StatusCode::CONFLICT, "{engine:?}");
        assert!(expired.text.contains("expired"), "{}", expired.text);
        let listed = app
            .api(Method::GET, &format!("/shops/{slug}"), Some(&owner), None)
            .await;
        assert_eq!(listed.json["pending_invitations"][0]["expired"], true);
        let renewed = invite(&app, &owner, &slug, &cy_email).await;
        assert_eq!(
            renewed.status,
            StatusCode::CREATED,
            "{engine:?}: an expired one is replaced"
        );
        let accepted = app.accept_invitation(&cy_email, &cy).await;
        assert_eq!(
            accepted.status,
            StatusCode::OK,
            "{engine:?}: {}",
            accepted.text
        );

        // Staff cannot revoke (or see) invitations.
        let dee_email = format!("{}@example.com", unique("dee"));
        invite(&app, &owner, &slug, &dee_email).await;
        let by_staff = app
            .api(
                Method::DELETE,
                &format!("/shops/{slug}/invitations/{dee_email}"),
                Some(&cy),
                None,
            )
            .await;
        assert_eq!(by_staff.status, StatusCode::FORBIDDEN, "{engine:?}");
        let staff_view = app
            .api(Method::GET, &format!("/shops/{slug}"), Some(&cy), None)
            .await;
        assert_eq!(staff_view.json["pending_invitations"], json!([]));
    }
}

#[tokio::test]
async fn the_verification_and_invitation_pages_say_what_happened() {
    let app = TestApp::start(Engine::Sqlite).await;
    let (owner, slug) = owner_with_shop(&app).await;
    let email = format!("{}@example.com", unique("page"));
    let session = app.sign_up_unverified(&email).await;

    let bad = app.page("/verify-email?token=nonsense", None).await;
    assert_eq!(bad.status, StatusCode::NOT_FOUND);
    assert!(bad.text.contains("This link did not work"), "{}", bad.text);
    let link = link_in(&app.last_mail_to(&email).await.body_text, "/verify-email").expect("link");
    let good = app.page(&link, None).await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.text);
    assert!(
        good.text.contains("E-mail address verified"),
        "{}",
        good.text
    );
    let used = app.page(&link, None).await;
    assert!(used.text.contains("already used"), "{}", used.text);

    invite(&app, &owner, &slug, &email).await;
    let token = app.invitation_token(&email).await;
    let anonymous = app.page(&format!("/invitations/{token}"), None).await;
    assert!(
        anonymous
            .text
            .contains(&format!("/login?next=/invitations/{token}")),
        "{}: {}",
        anonymous.status,
        anonymous.text
    );
    let invitee = app
        .page(&format!("/invitations/{token}"), Some(&session))
        .await;
    assert_eq!(invitee.status, StatusCode::OK);
    assert!(
        invitee.text.contains("Accept invitation"),
        "{}",
        invitee.text
    );
    let accepted = app
        .server_fn("accept_invitation", &session, &[("token", &token)])
        .await;
    assert!(
        accepted.status.is_success() || accepted.status.is_redirection(),
        "{}",
        accepted.text
    );
    let shops = app.api(Method::GET, "/shops", Some(&session), None).await;
    assert_eq!(shops.json[0]["slug"], slug.as_str());
    let account = app.page("/account", Some(&session)).await;
    assert!(account.text.contains("verified"), "{}", account.text);
}

// ---- Mail caused by changes in a shop's database ----

/// The e-mail address of customer `id` of shop `slug`.
async fn customer_email(app: &TestApp, slug: &str, id: i64) -> String {
    let (_, db) = app.shop_database(slug).await;
    sqlx::query_scalar("SELECT email FROM customers WHERE id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .expect("customer")
}

fn mails_to(outbox: &[OutboxRow], recipient: &str) -> Vec<String> {
    outbox
        .iter()
        .filter(|row| row.recipient == recipient)
        .map(|row| row.subject.clone())
        .collect()
}

#[tokio::test]
async fn a_placed_portal_order_mails_its_confirmation_and_a_refused_one_mails_nothing() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (merchant, slug) = app.merchant_with_shop().await;
        app.add_product(&merchant, &slug, "BOLT-1", "1.25", 100)
            .await;
        let (buyer_id, buyer) = app.shop_customer(&slug, ShopCustomer::CompanyAdmin).await;
        let email = customer_email(&app, &slug, buyer_id).await;
        let bulk = format!("/shops/{slug}/bulk-orders");

        let refused = app
            .api(
                Method::POST,
                &bulk,
                Some(&buyer),
                Some(json!({ "lines": "BOLT-1, 1000" })),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{engine:?}: {}",
            refused.text
        );
        let placed = app
            .api(
                Method::POST,
                &bulk,
                Some(&buyer),
                Some(json!({ "lines": "BOLT-1, 8" })),
            )
            .await;
        assert_eq!(
            placed.status,
            StatusCode::CREATED,
            "{engine:?}: {}",
            placed.text
        );
        let number = placed.json["order"]["number"].as_i64().expect("number");

        let outbox = app.outbox().await;
        assert_eq!(
            mails_to(&outbox, &email),
            vec![format!("Your order #{number} at Shop {slug}")],
            "{engine:?}: one confirmation, none for the refused order"
        );
        let mail = app.last_mail_to(&email).await;
        assert!(
            mail.body_text.contains("€10.00") || mail.body_text.contains("10.00"),
            "{}",
            mail.body_text
        );
        assert!(
            link_in(&mail.body_text, &format!("/s/{slug}/account")).is_some(),
            "{}",
            mail.body_text
        );
        assert_eq!(
            app.shop_count(&slug, "mail_outbox").await,
            0,
            "{engine:?}: handed over"
        );
    }
}

#[tokio::test]
async fn a_company_admin_invites_a_buyer_by_mail() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (_, slug) = app.merchant_with_shop().await;
        let (_, admin) = app.shop_customer(&slug, ShopCustomer::CompanyAdmin).await;
        let invitee = format!("{}@example.com", unique("buyer"));
        let invited = app
            .api(
                Method::POST,
                &format!("/shops/{slug}/company/buyers"),
                Some(&admin),
                Some(json!({ "email": invitee, "name": "Bea Buyer" })),
            )
            .await;
        assert_eq!(
            invited.status,
            StatusCode::CREATED,
            "{engine:?}: {}",
            invited.text
        );
        let mail = app.last_mail_to(&invitee).await;
        assert_eq!(
            mail.subject,
            format!("Join Hopper Hardware GmbH at Shop {slug}")
        );
        let link = link_in(&mail.body_text, &format!("/s/{slug}/invite/")).expect("a link");
        assert_eq!(
            link,
            invited.json["link"].as_str().expect("link"),
            "{engine:?}"
        );

        let twice = app
            .api(
                Method::POST,
                &format!("/shops/{slug}/company/buyers"),
                Some(&admin),
                Some(json!({ "email": invitee, "name": "Bea Buyer" })),
            )
            .await;
        assert_eq!(twice.status, StatusCode::CONFLICT, "{engine:?}");
        assert_eq!(
            mails_to(&app.outbox().await, &invitee).len(),
            1,
            "{engine:?}: no mail for a refused invitation"
        );
    }
}

#[tokio::test]
async fn a_quote_answer_is_mailed_to_the_customer_and_its_acceptance_to_the_owner() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (merchant, slug) = app.merchant_with_shop().await;
        app.add_product(&merchant, &slug, "BOLT-1", "1.25", 1000)
            .await;
        let (buyer_id, buyer) = app.shop_customer(&slug, ShopCustomer::CompanyAdmin).await;
        let email = customer_email(&app, &slug, buyer_id).await;
        let requested = app
            .api(
                Method::POST,
                &format!("/shops/{slug}/quotes"),
                Some(&buyer),
                Some(json!({ "lines": "BOLT-1, 500", "message": "Best price for 500?" })),
            )
            .await;
        assert_eq!(
            requested.status,
            StatusCode::CREATED,
            "{engine:?}: {}",
            requested.text
        );
        let id = requested.json["id"].as_i64().expect("quote id");
        let number = requested.json["number"].as_i64().expect("quote number");
        let version = requested.json["version"].as_i64().expect("version");
        let answered = app
            .api(
                Method::POST,
                &format!("/shops/{slug}/quotes/{id}/answer"),
                Some(&merchant),
                Some(json!({ "unit_prices": ["1.00"], "expires_on": "2099-12-31", "note": "", "expected_version": version })),
            )
            .await;
        assert_eq!(
            answered.status,
            StatusCode::OK,
            "{engine:?}: {}",
            answered.text
        );
        let mail = app.last_mail_to(&email).await;
        assert_eq!(
            mail.subject,
            format!("Your quote Q-{number} from Shop {slug} is ready")
        );
        assert!(
            link_in(&mail.body_text, &format!("/s/{slug}/quotes/{id}")).is_some(),
            "{}",
            mail.body_text
        );

        let accepted = app
            .api(
                Method::POST,
                &format!("/shops/{slug}/quotes/{id}/accept"),
                Some(&buyer),
                Some(json!({ "expected_version": answered.json["version"] })),
            )
            .await;
        assert_eq!(
            accepted.status,
            StatusCode::OK,
            "{engine:?}: {}",
            accepted.text
        );
        let outbox = app.outbox().await;
        let notices: Vec<&OutboxRow> = outbox
            .iter()
            .filter(|row| {
                row.subject == format!("Quote Q-{number} accepted by Hopper Hardware GmbH")
            })
            .collect();
        assert_eq!(notices.len(), 1, "{engine:?}: one owner, one notice");
        assert_ne!(
            notices[0].recipient, email,
            "{engine:?}: the notice goes to the merchant"
        );
        assert!(
            notices[0].body_text.contains("500.00"),
            "{}",
            notices[0].body_text
        );
        let confirmations = mails_to(&outbox, &email)
            .into_iter()
            .filter(|subject| subject.starts_with("Your order #"))
            .count();
        assert_eq!(
            confirmations, 1,
            "{engine:?}: the buyer gets the order's confirmation"
        );
    }
}

#[tokio::test]
async fn shop_mail_left_behind_by_a_crash_is_handed_over_once_by_the_sweeper() {
    for engine in engines() {
        let app = TestApp::start(engine).await;
        let (_, slug) = app.merchant_with_shop().await;
        let (shop_id, db) = app.shop_database(&slug).await;
        let state = &app.app.state;
        let shop_mail = server::mail::shop_outbox::ShopMail {
            mailer: state.mailer.clone(),
            platform: state.platform.clone(),
            shop_id,
            shop_db: db.clone(),
        };
        // A change committed with its mail, then the process "died" before the hand-over.
        let mut tx = db.begin_write().await.expect("tx");
        shop_mail
            .enqueue(&mut tx, &mail("left@example.com", "Left behind"))
            .await
            .expect("enqueue");
        tx.commit().await.expect("commit");
        // And a rolled-back one, whose mail must never go out.
        let mut tx = db.begin_write().await.expect("tx");
        shop_mail
            .enqueue(&mut tx, &mail("never@example.com", "Rolled back"))
            .await
            .expect("enqueue");
        tx.rollback().await.expect("rollback");
        let registry = &state.shops.registry;
        let sweep = || {
            server::mail::shop_outbox::sweep(&state.platform, registry, &state.pools, &state.mailer)
        };
        assert_eq!(
            sweep().await.expect("sweep"),
            0,
            "{engine:?}: too fresh a mark waits"
        );

        sqlx::query("UPDATE shop_mail_due SET marked_at = marked_at - 3600000")
            .execute(&state.platform.pool)
            .await
            .expect("age the mark");
        assert_eq!(sweep().await.expect("sweep"), 1, "{engine:?}");
        assert_eq!(
            sweep().await.expect("sweep"),
            0,
            "{engine:?}: the mark is cleared"
        );
        // A repeated hand-over (say the sweeper died after copying) copies nothing twice.
        shop_mail.hand_over().await.expect("hand over");
        let outbox = app.outbox().await;
        assert_eq!(
            mails_to(&outbox, "left@example.com"),
            vec!["Left behind".to_string()]
        );
        assert!(
            mails_to(&outbox, "never@example.com").is_empty(),
            "{engine:?}"
        );
        assert_eq!(app.shop_count(&slug, "mail_outbox").await, 0);
    }
}
