//! The quote lifecycle: a business requests, the merchant quotes (and may revise: a new version,
//! earlier ones stay), the customer accepts or declines; a quote past its expiry cannot be
//! accepted. `QuoteStatus::transition` is the only place a quote's status changes.

use crate::error::AppError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuoteStatus {
    /// The customer asked; the merchant has not answered yet.
    Requested,
    /// The merchant answered (version 1).
    Quoted,
    /// The merchant answered again (version 2 or later); the latest version is the offer.
    Revised,
    Accepted,
    Declined,
    Expired,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteAction {
    /// The merchant sends prices (the first answer or a revision).
    Answer,
    Accept,
    Decline,
    Expire,
}

impl QuoteStatus {
    pub const ALL: [QuoteStatus; 6] = [
        QuoteStatus::Requested,
        QuoteStatus::Quoted,
        QuoteStatus::Revised,
        QuoteStatus::Accepted,
        QuoteStatus::Declined,
        QuoteStatus::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QuoteStatus::Requested => "requested",
            QuoteStatus::Quoted => "quoted",
            QuoteStatus::Revised => "revised",
            QuoteStatus::Accepted => "accepted",
            QuoteStatus::Declined => "declined",
            QuoteStatus::Expired => "expired",
        }
    }

    pub fn parse(raw: &str) -> Result<QuoteStatus, AppError> {
        QuoteStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == raw)
            .ok_or_else(|| AppError::invalid("status", format!("unknown quote status \"{raw}\"")))
    }

    pub fn label(self) -> &'static str {
        match self {
            QuoteStatus::Requested => "Requested",
            QuoteStatus::Quoted => "Quoted",
            QuoteStatus::Revised => "Revised",
            QuoteStatus::Accepted => "Accepted",
            QuoteStatus::Declined => "Declined",
            QuoteStatus::Expired => "Expired",
        }
    }

    /// An offer the customer can act on (subject to its expiry).
    pub fn has_offer(self) -> bool {
        matches!(self, QuoteStatus::Quoted | QuoteStatus::Revised)
    }

    pub fn is_closed(self) -> bool {
        matches!(
            self,
            QuoteStatus::Accepted | QuoteStatus::Declined | QuoteStatus::Expired
        )
    }

    /// The status as it stands at `now_ms`: an offer past its expiry has expired even before a
    /// job has written that down.
    pub fn effective(self, expires_at_ms: Option<i64>, now_ms: i64) -> QuoteStatus {
        match expires_at_ms {
            Some(expires_at) if self.has_offer() && now_ms >= expires_at => QuoteStatus::Expired,
            _ => self,
        }
    }

    /// The one transition function. `expires_at_ms` is the current offer's expiry.
    pub fn transition(
        self,
        action: QuoteAction,
        expires_at_ms: Option<i64>,
        now_ms: i64,
    ) -> Result<QuoteStatus, AppError> {
        use QuoteAction as A;
        use QuoteStatus as S;
        let current = self.effective(expires_at_ms, now_ms);
        match (current, action) {
            (S::Requested, A::Answer) => Ok(S::Quoted),
            (S::Quoted | S::Revised, A::Answer) => Ok(S::Revised),
            // The merchant may answer an expired offer again with a fresh expiry.
            (S::Expired, A::Answer) => Ok(S::Revised),
            (S::Quoted | S::Revised, A::Accept) => Ok(S::Accepted),
            (S::Requested | S::Quoted | S::Revised, A::Decline) => Ok(S::Declined),
            (S::Quoted | S::Revised, A::Expire) => Ok(S::Expired),
            (S::Expired, A::Accept) => Err(AppError::Conflict(
                "This quote has expired and can no longer be accepted; ask the shop for a new one"
                    .into(),
            )),
            (S::Requested, A::Accept) => Err(AppError::Conflict(
                "The shop has not quoted prices yet".into(),
            )),
            (S::Accepted, _) => Err(AppError::Conflict("This quote was already accepted".into())),
            (S::Declined, _) => Err(AppError::Conflict("This quote was declined".into())),
            (status, action) => Err(AppError::Conflict(format!(
                "A quote that is {} cannot be {}",
                status.label().to_lowercase(),
                match action {
                    A::Answer => "answered",
                    A::Accept => "accepted",
                    A::Decline => "declined",
                    A::Expire => "expired",
                }
            ))),
        }
    }
}

/// The expiry the merchant gives an offer must lie in the future.
pub fn check_expiry(expires_at_ms: i64, now_ms: i64) -> Result<(), AppError> {
    if expires_at_ms <= now_ms {
        return Err(AppError::invalid(
            "expires_on",
            "the expiry date must be in the future",
        ));
    }
    Ok(())
}

/// A quote message or note: trimmed, at most 2,000 characters.
pub fn parse_message(raw: &str, field: &str, required: bool) -> Result<String, AppError> {
    let text = raw.trim();
    if required && text.is_empty() {
        return Err(AppError::invalid(field, "write a message"));
    }
    if text.chars().count() > 2_000 {
        return Err(AppError::invalid(field, "at most 2,000 characters"));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use QuoteAction as A;
    use QuoteStatus as S;

    const NOW: i64 = 1_000_000;
    const LATER: Option<i64> = Some(NOW + 1);
    const EARLIER: Option<i64> = Some(NOW - 1);

    #[test]
    fn every_transition_is_allowed_or_refused_as_specified() {
        let allowed = [
            (S::Requested, A::Answer, S::Quoted),
            (S::Requested, A::Decline, S::Declined),
            (S::Quoted, A::Answer, S::Revised),
            (S::Quoted, A::Accept, S::Accepted),
            (S::Quoted, A::Decline, S::Declined),
            (S::Quoted, A::Expire, S::Expired),
            (S::Revised, A::Answer, S::Revised),
            (S::Revised, A::Accept, S::Accepted),
            (S::Revised, A::Decline, S::Declined),
            (S::Revised, A::Expire, S::Expired),
            (S::Expired, A::Answer, S::Revised),
        ];
        for status in S::ALL {
            for action in [A::Answer, A::Accept, A::Decline, A::Expire] {
                let expected = allowed
                    .iter()
                    .find(|(from, by, _)| *from == status && *by == action)
                    .map(|(_, _, to)| *to);
                let result = status.transition(action, LATER, NOW);
                match expected {
                    Some(to) => assert_eq!(result, Ok(to), "{status:?} {action:?}"),
                    None => assert!(
                        matches!(result, Err(AppError::Conflict(_))),
                        "{status:?} {action:?} gave {result:?}"
                    ),
                }
            }
        }
    }

    #[test]
    fn an_offer_past_its_expiry_cannot_be_accepted_but_can_be_answered_again() {
        let refused = S::Quoted
            .transition(A::Accept, EARLIER, NOW)
            .expect_err("expired");
        assert!(refused.to_string().contains("expired"), "{refused}");
        assert_eq!(
            S::Revised.transition(A::Answer, EARLIER, NOW),
            Ok(S::Revised)
        );
        assert_eq!(S::Quoted.effective(EARLIER, NOW), S::Expired);
        assert_eq!(S::Quoted.effective(LATER, NOW), S::Quoted);
        assert_eq!(S::Requested.effective(EARLIER, NOW), S::Requested);
        // Exactly at the expiry instant the offer is gone.
        assert!(S::Quoted.transition(A::Accept, Some(NOW), NOW).is_err());
    }

    #[test]
    fn accepting_twice_is_refused_with_a_clear_message() {
        let second = S::Accepted
            .transition(A::Accept, LATER, NOW)
            .expect_err("twice");
        assert_eq!(
            second,
            AppError::Conflict("This quote was already accepted".into())
        );
    }

    #[test]
    fn expiry_and_messages_are_checked() {
        assert!(check_expiry(NOW + 1, NOW).is_ok());
        assert!(check_expiry(NOW, NOW).is_err());
        assert!(parse_message(" ", "message", true).is_err());
        assert_eq!(parse_message(" ", "note", false), Ok(String::new()));
        assert!(parse_message(&"x".repeat(2_001), "message", true).is_err());
    }
}
