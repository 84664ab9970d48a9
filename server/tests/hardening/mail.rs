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
