//! The text of each transactional mail, plain text with an HTML alternative. Names a user typed
//! (shop names, people's names) are escaped in the HTML part.

use super::Mail;
use app::html::escape_into;

fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

fn html_page(paragraphs: &[String], link: &str, button: &str) -> String {
    let mut html = String::from("<!DOCTYPE html><html><body style=\"font-family:sans-serif\">");
    for paragraph in paragraphs {
        html.push_str("<p>");
        html.push_str(paragraph);
        html.push_str("</p>");
    }
    let link = escaped(link);
    html.push_str(&format!(
        "<p><a href=\"{link}\">{button}</a></p><p style=\"color:#666\">{link}</p></body></html>"
    ));
    html
}

/// The link that proves a merchant receives mail at `to`.
pub fn email_verification(to: &str, name: &str, link: &str, valid_hours: i64) -> Mail {
    let text = format!(
        "Hello {name},\n\n\
         please confirm that {to} is your e-mail address by opening this link:\n\n\
         {link}\n\n\
         The link works once and expires in {valid_hours} hours. If you did not create a \
         Cartwright account, ignore this mail.\n"
    );
    let html = html_page(
        &[
            format!("Hello {},", escaped(name)),
            format!(
                "please confirm that {} is your e-mail address.",
                escaped(to)
            ),
            format!(
                "The link works once and expires in {valid_hours} hours. If you did not \
                 create a Cartwright account, ignore this mail."
            ),
        ],
        link,
        "Confirm my e-mail address",
    );
    Mail {
        to: to.to_string(),
        subject: "Confirm your e-mail address".into(),
        text,
        html: Some(html),
    }
}

/// An invitation to join `shop` as staff.
pub fn staff_invitation(to: &str, shop: &str, inviter: &str, link: &str, valid_days: i64) -> Mail {
    let text = format!(
        "Hello,\n\n\
         {inviter} invites you to work on the shop \"{shop}\" in Cartwright as staff.\n\n\
         Open this link to accept (log in or create an account with {to} first):\n\n\
         {link}\n\n\
         The link works once and expires in {valid_days} days. If you do not know {inviter}, \
         ignore this mail.\n"
    );
    let html = html_page(
        &[
            "Hello,".to_string(),
            format!(
                "{} invites you to work on the shop “{}” in Cartwright as staff.",
                escaped(inviter),
                escaped(shop)
            ),
            format!(
                "Log in or create an account with {} first. The link works once and expires \
                 in {valid_days} days.",
                escaped(to)
            ),
        ],
        link,
        "Open the invitation",
    );
    Mail {
        to: to.to_string(),
        subject: format!("You are invited to {shop} on Cartwright"),
        text,
        html: Some(html),
    }
}

/// Where a sign-up happened: Cartwright itself (a merchant) or one shop's portal (a customer).
pub fn sign_up_place(shop: Option<&str>) -> String {
    match shop {
        Some(shop) => format!("the shop \u{201c}{shop}\u{201d}"),
        None => "Cartwright".to_string(),
    }
}

/// The link that proves a sign-up's address and creates the account.
pub fn sign_up_confirmation(
    to: &str,
    name: &str,
    place: &str,
    link: &str,
    valid_hours: i64,
) -> Mail {
    let text = format!(
        "Hello {name},\n\n\
         someone, probably you, asked to create an account at {place} with {to}. Open this link \
         to confirm the address and open your account:\n\n\
         {link}\n\n\
         The link works once and expires in {valid_hours} hours. If you did not sign up, ignore \
         this mail: no account is created.\n"
    );
    let html = html_page(
        &[
            format!("Hello {},", escaped(name)),
            format!(
                "someone, probably you, asked to create an account at {} with {}.",
                escaped(place),
                escaped(to)
            ),
            format!(
                "The link works once and expires in {valid_hours} hours. If you did not sign \
                 up, ignore this mail: no account is created."
            ),
        ],
        link,
        "Confirm and open my account",
    );
    Mail {
        to: to.to_string(),
        subject: "Confirm your e-mail address to finish signing up".into(),
        text,
        html: Some(html),
    }
}

/// Sent instead of a confirmation when the address already has an account, so that sign-up
/// itself says nothing about which addresses have one.
pub fn already_registered(to: &str, place: &str, log_in_link: &str) -> Mail {
    let text = format!(
        "Hello,\n\n\
         someone asked to create an account at {place} with {to}, but this address already has \
         one. Log in here instead:\n\n\
         {log_in_link}\n\n\
         If it was not you, you need not do anything: your account is unchanged.\n"
    );
    let html = html_page(
        &[
            "Hello,".to_string(),
            format!(
                "someone asked to create an account at {} with {}, but this address already \
                 has one.",
                escaped(place),
                escaped(to)
            ),
            "If it was not you, you need not do anything: your account is unchanged.".to_string(),
        ],
        log_in_link,
        "Log in",
    );
    Mail {
        to: to.to_string(),
        subject: "You already have an account".into(),
        text,
        html: Some(html),
    }
}

/// The confirmation of an order placed in a shop's portal.
pub fn order_confirmation(to: &str, shop: &str, number: i64, total: &str, link: &str) -> Mail {
    let text = format!(
        "Hello,\n\n\
         thank you for your order #{number} at {shop}, total {total}. We will let you know when \
         it ships.\n\n\
         Your orders: {link}\n"
    );
    let html = html_page(
        &[
            "Hello,".to_string(),
            format!(
                "thank you for your order #{number} at {}, total {}. We will let you know when \
                 it ships.",
                escaped(shop),
                escaped(total)
            ),
        ],
        link,
        "See your orders",
    );
    Mail {
        to: to.to_string(),
        subject: format!("Your order #{number} at {shop}"),
        text,
        html: Some(html),
    }
}

/// A shop refunded (part of) an order and chose to tell the customer.
pub fn refund_notice(to: &str, shop: &str, number: i64, amount: &str, link: &str) -> Mail {
    let text = format!(
        "Hello,\n\n\
         {shop} refunded {amount} on your order #{number}. Depending on how you paid, it can take \
         a few days to reach your account.\n\n\
         Your orders: {link}\n"
    );
    let html = html_page(
        &[
            "Hello,".to_string(),
            format!(
                "{} refunded {} on your order #{number}. Depending on how you paid, it can take \
                 a few days to reach your account.",
                escaped(shop),
                escaped(amount)
            ),
        ],
        link,
        "See your orders",
    );
    Mail {
        to: to.to_string(),
        subject: format!("Refund on your order #{number} at {shop}"),
        text,
        html: Some(html),
    }
}

/// A shop answered a quote request with prices.
pub fn quote_answered(to: &str, shop: &str, number: i64, valid_until: &str, link: &str) -> Mail {
    let text = format!(
        "Hello,\n\n\
         {shop} answered your quote request Q-{number}. The prices hold until {valid_until}; \
         accept or decline them here:\n\n\
         {link}\n"
    );
    let html = html_page(
        &[
            "Hello,".to_string(),
            format!(
                "{} answered your quote request Q-{number}. The prices hold until {}.",
                escaped(shop),
                escaped(valid_until)
            ),
        ],
        link,
        "Open the quote",
    );
    Mail {
        to: to.to_string(),
        subject: format!("Your quote Q-{number} from {shop} is ready"),
        text,
        html: Some(html),
    }
}

/// A company admin invites a buyer to order for the company at a shop.
pub fn buyer_invitation(to: &str, company: &str, shop: &str, inviter: &str, link: &str) -> Mail {
    let text = format!(
        "Hello,\n\n\
         {inviter} invites you to order for {company} at {shop}. Open this link to choose your \
         password and join:\n\n\
         {link}\n\n\
         The link works once. If you do not know {inviter}, ignore this mail.\n"
    );
    let html = html_page(
        &[
            "Hello,".to_string(),
            format!(
                "{} invites you to order for {} at {}.",
                escaped(inviter),
                escaped(company),
                escaped(shop)
            ),
            format!(
                "The link works once. If you do not know {}, ignore this mail.",
                escaped(inviter)
            ),
        ],
        link,
        "Join the company account",
    );
    Mail {
        to: to.to_string(),
        subject: format!("Join {company} at {shop}"),
        text,
        html: Some(html),
    }
}

/// A business customer accepted a quote: the merchant hears of the order it became.
pub fn quote_accepted(
    to: &str,
    shop: &str,
    number: i64,
    company: &str,
    total: &str,
    link: &str,
) -> Mail {
    let text = format!(
        "Hello,\n\n\
         {company} accepted quote Q-{number} at {shop}; it is now an order of {total} (invoice, \
         pay later).\n\n\
         The quote and its order: {link}\n"
    );
    let html = html_page(
        &[
            "Hello,".to_string(),
            format!(
                "{} accepted quote Q-{number} at {}; it is now an order of {} (invoice, pay \
                 later).",
                escaped(company),
                escaped(shop),
                escaped(total)
            ),
        ],
        link,
        "Open the quote",
    );
    Mail {
        to: to.to_string(),
        subject: format!("Quote Q-{number} accepted by {company}"),
        text,
        html: Some(html),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verification_mail_carries_the_link_in_both_parts() {
        let mail = email_verification(
            "ana@example.com",
            "Ana",
            "https://admin.example.com/verify-email?token=abc",
            48,
        );
        assert_eq!(mail.to, "ana@example.com");
        assert!(mail
            .text
            .contains("https://admin.example.com/verify-email?token=abc"));
        assert!(mail.text.contains("48 hours"));
        let html = mail.html.expect("html part");
        assert!(html.contains("href=\"https://admin.example.com/verify-email?token=abc\""));
    }

    #[test]
    fn names_typed_by_users_are_escaped_in_html() {
        let mail = staff_invitation(
            "bo@example.com",
            "<b>Shop</b>",
            "Eve <eve@example.com>",
            "https://x.example/invitations/t",
            7,
        );
        let html = mail.html.expect("html part");
        assert!(!html.contains("<b>Shop</b>"), "{html}");
        assert!(html.contains("&lt;b&gt;Shop&lt;/b&gt;"), "{html}");
        assert!(mail.text.contains("7 days"));
        assert!(
            mail.subject.contains("<b>Shop</b>"),
            "subjects are plain text"
        );
    }
}
