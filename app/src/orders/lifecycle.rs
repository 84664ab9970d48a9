//! An order's lifecycle (issue 15, part 3): payment and fulfilment kept apart, as Shopify and
//! Medusa keep them, beside the order's own open / closed / cancelled and its approval.
//!
//! - [`PaymentStatus`] and [`FulfilmentStatus`] each change only through their own
//!   `transition` function.
//! - [`Lifecycle::apply`] is the one place an action changes an order: it checks the gates that
//!   join the dimensions (an order ships once approved; it is approved once paid, or at once
//!   when it is on [`PaymentTerms`]) and closes the order when nothing is left to do.
//! - [`Lifecycle::stage`] sums the dimensions up as the single [`OrderStatus`] the lists, the
//!   API's `status` and the older clients read: it means what it meant before the split.
//!
//! Card payments (with the integrations) fit in: `Authorize` holds the money, `Capture` takes
//! it (a payment), `Void` lets an authorization go.

use super::rules::{InvalidTransition, OrderStatus};
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// The order itself: open while anything is left to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    Open,
    /// Delivered and settled, or fully refunded: nothing is left to do.
    Closed,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Nothing received yet (an invoice on terms, or a payment not recorded).
    Pending,
    /// A card payment is authorized, not yet captured.
    Authorized,
    PartiallyPaid,
    Paid,
    PartiallyRefunded,
    Refunded,
    /// Nothing will be paid: the order was cancelled before payment, or an authorization let go.
    Voided,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FulfilmentStatus {
    Unfulfilled,
    PartiallyFulfilled,
    Fulfilled,
    Delivered,
}

/// When a business customer pays: before the order is approved (prepaid, the default), or on
/// an invoice due some days after the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PaymentTerms {
    #[default]
    Prepaid,
    DueOnReceipt,
    #[serde(rename = "net_15")]
    Net15,
    #[serde(rename = "net_30")]
    Net30,
    #[serde(rename = "net_60")]
    Net60,
}

/// Something that happens to an order's money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentEvent {
    Authorize,
    /// A payment received (or an authorization captured); `settles` when nothing is left due.
    Pay {
        settles: bool,
    },
    Refund {
        fully: bool,
    },
    Void,
}

/// Something that happens to an order's goods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FulfilmentEvent {
    Ship { everything: bool },
    Deliver,
}

macro_rules! names {
    ($type:ty { $($variant:ident => $name:literal, $label:literal;)* }) => {
        impl $type {
            pub const ALL: &'static [$type] = &[$(<$type>::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(<$type>::$variant => $name),* }
            }

            pub fn label(self) -> &'static str {
                match self { $(<$type>::$variant => $label),* }
            }

            /// The stored or typed name; anything else is refused, naming `field`.
            pub fn parse(raw: &str, field: &str) -> Result<Self, AppError> {
                let raw = raw.trim();
                Self::ALL.iter().copied().find(|value| value.as_str() == raw).ok_or_else(|| {
                    let names: Vec<&str> = Self::ALL.iter().map(|value| value.as_str()).collect();
                    AppError::invalid(field, format!("\"{raw}\" is not one of {}", names.join(", ")))
                })
            }
        }
    };
}

names!(OrderState {
    Open => "open", "Open";
    Closed => "closed", "Closed";
    Cancelled => "cancelled", "Cancelled";
});

names!(PaymentStatus {
    Pending => "pending", "Payment pending";
    Authorized => "authorized", "Authorized";
    PartiallyPaid => "partially_paid", "Partially paid";
    Paid => "paid", "Paid";
    PartiallyRefunded => "partially_refunded", "Partially refunded";
    Refunded => "refunded", "Refunded";
    Voided => "voided", "Voided";
});

names!(FulfilmentStatus {
    Unfulfilled => "unfulfilled", "Unfulfilled";
    PartiallyFulfilled => "partially_fulfilled", "Partially fulfilled";
    Fulfilled => "fulfilled", "Fulfilled";
    Delivered => "delivered", "Delivered";
});

names!(PaymentTerms {
    Prepaid => "prepaid", "Paid before approval";
    DueOnReceipt => "due_on_receipt", "Due on receipt";
    Net15 => "net_15", "Net 15";
    Net30 => "net_30", "Net 30";
    Net60 => "net_60", "Net 60";
});

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

impl PaymentTerms {
    /// Whether an order on these terms may be approved and shipped before it is paid.
    pub fn is_invoice(self) -> bool {
        self != PaymentTerms::Prepaid
    }

    /// When an order placed at `placed_at_ms` on these terms is due (none when prepaid).
    pub fn due_at(self, placed_at_ms: i64) -> Option<i64> {
        let days = match self {
            PaymentTerms::Prepaid => return None,
            PaymentTerms::DueOnReceipt => 0,
            PaymentTerms::Net15 => 15,
            PaymentTerms::Net30 => 30,
            PaymentTerms::Net60 => 60,
        };
        Some(placed_at_ms.saturating_add(days * DAY_MS))
    }
}

impl PaymentStatus {
    /// Money was taken and not all of it given back.
    pub fn holds_money(self) -> bool {
        matches!(
            self,
            PaymentStatus::PartiallyPaid | PaymentStatus::Paid | PaymentStatus::PartiallyRefunded
        )
    }

    /// Nothing more is owed by the customer.
    pub fn is_settled(self) -> bool {
        matches!(
            self,
            PaymentStatus::Paid | PaymentStatus::PartiallyRefunded | PaymentStatus::Refunded
        )
    }

    /// The only place a payment status changes.
    pub fn transition(self, event: PaymentEvent) -> Result<PaymentStatus, &'static str> {
        use PaymentEvent as E;
        use PaymentStatus as P;
        match (self, event) {
            (P::Pending, E::Authorize) => Ok(P::Authorized),
            (P::Pending | P::Authorized | P::PartiallyPaid, E::Pay { settles }) => {
                Ok(if settles { P::Paid } else { P::PartiallyPaid })
            }
            (P::PartiallyPaid | P::Paid | P::PartiallyRefunded, E::Refund { fully }) => {
                Ok(if fully {
                    P::Refunded
                } else {
                    P::PartiallyRefunded
                })
            }
            (P::Pending | P::Authorized, E::Void) => Ok(P::Voided),
            (P::Pending | P::Voided, E::Refund { .. }) => Err(" (nothing has been paid)"),
            (P::Paid | P::PartiallyRefunded | P::Refunded, E::Pay { .. }) => {
                Err(" (it is paid already)")
            }
            _ => Err(""),
        }
    }
}

impl FulfilmentStatus {
    /// The only place a fulfilment status changes.
    pub fn transition(self, event: FulfilmentEvent) -> Result<FulfilmentStatus, &'static str> {
        use FulfilmentEvent as E;
        use FulfilmentStatus as F;
        match (self, event) {
            (F::Unfulfilled | F::PartiallyFulfilled, E::Ship { everything }) => Ok(if everything {
                F::Fulfilled
            } else {
                F::PartiallyFulfilled
            }),
            (F::Fulfilled, E::Deliver) => Ok(F::Delivered),
            (F::Unfulfilled | F::PartiallyFulfilled, E::Deliver) => {
                Err(" (it must be shipped completely first)")
            }
            _ => Err(""),
        }
    }
}

/// What someone asks an order to do. `MarkPaid`, `Ship` and `Refund` carry the facts that decide
/// between partial and complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderAction {
    MarkPaid { settles: bool },
    Approve,
    Ship { everything_shipped: bool },
    Deliver,
    Cancel,
    Refund { fully_refunded: bool },
}

impl OrderAction {
    pub fn verb(self) -> &'static str {
        match self {
            OrderAction::MarkPaid { .. } => "mark as paid",
            OrderAction::Approve => "approve",
            OrderAction::Ship { .. } => "ship",
            OrderAction::Deliver => "mark as delivered",
            OrderAction::Cancel => "cancel",
            OrderAction::Refund { .. } => "refund",
        }
    }
}

/// Everything about where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    pub state: OrderState,
    pub payment: PaymentStatus,
    pub fulfilment: FulfilmentStatus,
    pub approved: bool,
    pub terms: PaymentTerms,
}

impl Lifecycle {
    /// A new order: open, nothing paid, nothing shipped, not approved.
    pub fn placed(terms: PaymentTerms) -> Lifecycle {
        Lifecycle {
            state: OrderState::Open,
            payment: PaymentStatus::Pending,
            fulfilment: FulfilmentStatus::Unfulfilled,
            approved: false,
            terms,
        }
    }

    /// The one summary status, as the order had it before payment and fulfilment were split.
    pub fn stage(&self) -> OrderStatus {
        match (self.state, self.payment, self.fulfilment) {
            (_, PaymentStatus::Refunded, _) => OrderStatus::Refunded,
            (OrderState::Cancelled, _, _) => OrderStatus::Cancelled,
            (_, _, FulfilmentStatus::Delivered) => OrderStatus::Delivered,
            (_, _, FulfilmentStatus::Fulfilled) => OrderStatus::Shipped,
            (_, _, FulfilmentStatus::PartiallyFulfilled) => OrderStatus::PartiallyShipped,
            _ if self.approved => OrderStatus::Approved,
            (_, PaymentStatus::Paid | PaymentStatus::PartiallyRefunded, _) => OrderStatus::Paid,
            _ => OrderStatus::Pending,
        }
    }

    /// Whether stock is still held for the unshipped part of the order.
    pub fn holds_reservation(&self) -> bool {
        self.state == OrderState::Open
            && matches!(
                self.fulfilment,
                FulfilmentStatus::Unfulfilled | FulfilmentStatus::PartiallyFulfilled
            )
    }

    /// Whether an invoice is past its due date at `now_ms` and not paid.
    pub fn is_overdue(&self, due_at_ms: Option<i64>, now_ms: i64) -> bool {
        self.state != OrderState::Cancelled
            && matches!(
                self.payment,
                PaymentStatus::Pending | PaymentStatus::PartiallyPaid
            )
            && due_at_ms.is_some_and(|due| now_ms > due)
    }

    /// The only place an order changes: checks the action against every dimension, applies it
    /// and closes the order when nothing is left to do.
    pub fn apply(self, action: OrderAction) -> Result<Lifecycle, InvalidTransition> {
        let refuse = |hint: &'static str| InvalidTransition {
            from: self.stage().label_lower(),
            action: action.verb(),
            hint,
        };
        let open = self.state == OrderState::Open;
        let mut next = self;
        match action {
            OrderAction::MarkPaid { settles } => {
                if !open {
                    return Err(refuse(""));
                }
                next.payment = self
                    .payment
                    .transition(PaymentEvent::Pay { settles })
                    .map_err(refuse)?;
            }
            OrderAction::Approve => {
                let funded = self.terms.is_invoice()
                    || matches!(
                        self.payment,
                        PaymentStatus::Authorized
                            | PaymentStatus::Paid
                            | PaymentStatus::PartiallyRefunded
                    );
                if !open || self.approved || self.fulfilment != FulfilmentStatus::Unfulfilled {
                    return Err(refuse(""));
                }
                if !funded {
                    return Err(refuse(" (it must be paid first, or be on payment terms)"));
                }
                next.approved = true;
            }
            OrderAction::Ship { everything_shipped } => {
                if !open {
                    return Err(refuse(""));
                }
                if !self.approved {
                    return Err(refuse(" (it must be approved first)"));
                }
                next.fulfilment = self
                    .fulfilment
                    .transition(FulfilmentEvent::Ship {
                        everything: everything_shipped,
                    })
                    .map_err(refuse)?;
            }
            OrderAction::Deliver => {
                if !open {
                    return Err(refuse(""));
                }
                next.fulfilment = self
                    .fulfilment
                    .transition(FulfilmentEvent::Deliver)
                    .map_err(refuse)?;
            }
            OrderAction::Cancel => {
                if !open {
                    return Err(refuse(""));
                }
                if self.fulfilment != FulfilmentStatus::Unfulfilled {
                    return Err(refuse(" (items have shipped; refund instead)"));
                }
                next.state = OrderState::Cancelled;
                // Nothing will be paid for a cancelled order; money taken stays until refunded.
                if let Ok(voided) = self.payment.transition(PaymentEvent::Void) {
                    next.payment = voided;
                }
            }
            OrderAction::Refund { fully_refunded } => {
                next.payment = self
                    .payment
                    .transition(PaymentEvent::Refund {
                        fully: fully_refunded,
                    })
                    .map_err(refuse)?;
            }
        }
        if next.state == OrderState::Open
            && (next.payment == PaymentStatus::Refunded
                || (next.fulfilment == FulfilmentStatus::Delivered && next.payment.is_settled()))
        {
            next.state = OrderState::Closed;
        }
        Ok(next)
    }

    /// The actions the dashboard offers for an order standing here.
    pub fn offered_actions(&self) -> Vec<&'static str> {
        let candidates = [
            ("mark_paid", OrderAction::MarkPaid { settles: true }),
            ("approve", OrderAction::Approve),
            (
                "ship",
                OrderAction::Ship {
                    everything_shipped: true,
                },
            ),
            ("deliver", OrderAction::Deliver),
            ("cancel", OrderAction::Cancel),
            (
                "refund",
                OrderAction::Refund {
                    fully_refunded: false,
                },
            ),
        ];
        candidates
            .into_iter()
            .filter(|(_, action)| self.apply(*action).is_ok())
            .map(|(name, _)| name)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderAction as A;

    fn all_actions() -> Vec<OrderAction> {
        let mut actions = vec![A::Approve, A::Deliver, A::Cancel];
        for flag in [false, true] {
            actions.push(A::MarkPaid { settles: flag });
            actions.push(A::Ship {
                everything_shipped: flag,
            });
            actions.push(A::Refund {
                fully_refunded: flag,
            });
        }
        actions
    }

    /// Every lifecycle an order can reach from being placed, on any terms.
    fn reachable() -> Vec<Lifecycle> {
        let mut seen: Vec<Lifecycle> = PaymentTerms::ALL
            .iter()
            .map(|terms| Lifecycle::placed(*terms))
            .collect();
        let mut next_up = 0;
        while next_up < seen.len() {
            let at = seen[next_up];
            next_up += 1;
            for action in all_actions() {
                if let Ok(next) = at.apply(action) {
                    if !seen.contains(&next) {
                        seen.push(next);
                    }
                }
            }
        }
        seen
    }

    fn prepaid() -> Lifecycle {
        Lifecycle::placed(PaymentTerms::Prepaid)
    }

    fn run(start: Lifecycle, actions: &[OrderAction]) -> Lifecycle {
        actions.iter().fold(start, |at, action| {
            at.apply(*action)
                .unwrap_or_else(|error| panic!("{at:?} + {action:?}: {error}"))
        })
    }

    #[test]
    fn a_prepaid_order_goes_paid_approved_shipped_delivered_and_closes() {
        let delivered = run(
            prepaid(),
            &[
                A::MarkPaid { settles: true },
                A::Approve,
                A::Ship {
                    everything_shipped: false,
                },
                A::Ship {
                    everything_shipped: true,
                },
                A::Deliver,
            ],
        );
        assert_eq!(delivered.payment, PaymentStatus::Paid);
        assert_eq!(delivered.fulfilment, FulfilmentStatus::Delivered);
        assert_eq!(delivered.state, OrderState::Closed);
        assert_eq!(delivered.stage(), OrderStatus::Delivered);
    }

    #[test]
    fn a_prepaid_order_is_approved_only_once_paid() {
        let error = prepaid().apply(A::Approve).expect_err("unpaid");
        assert_eq!(
            error.to_string(),
            "Cannot approve an order that is pending (it must be paid first, or be on payment terms)"
        );
        let error = run(prepaid(), &[A::MarkPaid { settles: false }])
            .apply(A::Approve)
            .expect_err("partly paid");
        assert!(error.to_string().contains("must be paid first"), "{error}");
    }

    #[test]
    fn an_order_on_terms_is_approved_and_shipped_unpaid_and_paid_later() {
        let shipped = run(
            Lifecycle::placed(PaymentTerms::Net30),
            &[
                A::Approve,
                A::Ship {
                    everything_shipped: true,
                },
                A::Deliver,
            ],
        );
        assert_eq!(shipped.payment, PaymentStatus::Pending);
        assert_eq!(shipped.fulfilment, FulfilmentStatus::Delivered);
        assert_eq!(shipped.state, OrderState::Open, "still owed: not closed");
        assert_eq!(shipped.stage(), OrderStatus::Delivered);
        assert_eq!(shipped.offered_actions(), vec!["mark_paid"]);

        let paid = run(shipped, &[A::MarkPaid { settles: true }]);
        assert_eq!(paid.payment, PaymentStatus::Paid);
        assert_eq!(paid.state, OrderState::Closed);
    }

    #[test]
    fn shipping_needs_approval_and_cancelling_needs_nothing_shipped() {
        let paid = run(prepaid(), &[A::MarkPaid { settles: true }]);
        let error = paid
            .apply(A::Ship {
                everything_shipped: true,
            })
            .expect_err("unapproved");
        assert_eq!(
            error.to_string(),
            "Cannot ship an order that is paid (it must be approved first)"
        );
        let partly = run(
            paid,
            &[
                A::Approve,
                A::Ship {
                    everything_shipped: false,
                },
            ],
        );
        let app_error: AppError = partly.apply(A::Cancel).expect_err("shipped").into();
        assert_eq!(app_error.status_code(), 409);
        assert!(app_error.to_string().contains("refund instead"));
    }

    #[test]
    fn cancelling_voids_what_is_unpaid_and_keeps_what_is_paid_for_a_refund() {
        let unpaid = run(prepaid(), &[A::Cancel]);
        assert_eq!(
            (unpaid.state, unpaid.payment),
            (OrderState::Cancelled, PaymentStatus::Voided)
        );
        assert!(unpaid.offered_actions().is_empty());
        let error = unpaid
            .apply(A::Refund {
                fully_refunded: true,
            })
            .expect_err("nothing paid");
        assert!(
            error.to_string().contains("nothing has been paid"),
            "{error}"
        );

        let paid = run(prepaid(), &[A::MarkPaid { settles: true }, A::Cancel]);
        assert_eq!(paid.payment, PaymentStatus::Paid);
        assert_eq!(paid.offered_actions(), vec!["refund"]);
        let refunded = run(
            paid,
            &[A::Refund {
                fully_refunded: true,
            }],
        );
        assert_eq!(refunded.stage(), OrderStatus::Refunded);
    }

    #[test]
    fn a_full_refund_closes_an_open_order_and_its_reservation() {
        let refunded = run(
            prepaid(),
            &[
                A::MarkPaid { settles: true },
                A::Refund {
                    fully_refunded: true,
                },
            ],
        );
        assert_eq!(refunded.state, OrderState::Closed);
        assert!(!refunded.holds_reservation());
        assert!(refunded.offered_actions().is_empty());
        let partial = run(
            prepaid(),
            &[
                A::MarkPaid { settles: true },
                A::Refund {
                    fully_refunded: false,
                },
            ],
        );
        assert_eq!(partial.payment, PaymentStatus::PartiallyRefunded);
        assert_eq!(partial.stage(), OrderStatus::Paid);
        assert!(partial.holds_reservation());
    }

    #[test]
    fn the_stage_keeps_the_meaning_of_the_old_single_status() {
        let steps: [(&[OrderAction], OrderStatus); 6] = [
            (&[], OrderStatus::Pending),
            (&[A::MarkPaid { settles: true }], OrderStatus::Paid),
            (
                &[A::MarkPaid { settles: true }, A::Approve],
                OrderStatus::Approved,
            ),
            (
                &[
                    A::MarkPaid { settles: true },
                    A::Approve,
                    A::Ship {
                        everything_shipped: false,
                    },
                ],
                OrderStatus::PartiallyShipped,
            ),
            (
                &[
                    A::MarkPaid { settles: true },
                    A::Approve,
                    A::Ship {
                        everything_shipped: true,
                    },
                ],
                OrderStatus::Shipped,
            ),
            (&[A::Cancel], OrderStatus::Cancelled),
        ];
        for (actions, stage) in steps {
            assert_eq!(run(prepaid(), actions).stage(), stage, "{actions:?}");
        }
    }

    /// Every reachable lifecycle keeps the rules that join the dimensions.
    #[test]
    fn every_reachable_lifecycle_is_a_possible_one() {
        let all = reachable();
        for at in &all {
            if at.fulfilment != FulfilmentStatus::Unfulfilled {
                assert!(at.approved, "{at:?}: shipped unapproved");
            }
            if at.state == OrderState::Cancelled {
                assert_eq!(at.fulfilment, FulfilmentStatus::Unfulfilled, "{at:?}");
            }
            if at.approved && !at.terms.is_invoice() {
                assert!(
                    !matches!(
                        at.payment,
                        PaymentStatus::Pending | PaymentStatus::PartiallyPaid
                    ),
                    "{at:?}: prepaid but approved unpaid"
                );
            }
            if at.state == OrderState::Closed {
                assert!(
                    at.payment == PaymentStatus::Refunded
                        || (at.fulfilment == FulfilmentStatus::Delivered
                            && at.payment.is_settled()),
                    "{at:?}: closed with something left to do"
                );
            }
            for action in all_actions() {
                if let Ok(next) = at.apply(action) {
                    assert_eq!(next.terms, at.terms, "{at:?} + {action:?}");
                    assert!(
                        next.approved || !at.approved,
                        "{at:?} + {action:?}: unapproved"
                    );
                    if at.state != OrderState::Open {
                        assert!(
                            matches!(action, A::Refund { .. }),
                            "{at:?} + {action:?}: only a refund touches a closed or cancelled order"
                        );
                    }
                }
            }
        }
        // Every status of each dimension occurs, except what card payments bring later.
        for &payment in PaymentStatus::ALL {
            if payment != PaymentStatus::Authorized {
                assert!(
                    all.iter().any(|at| at.payment == payment),
                    "{payment:?} unreachable"
                );
            }
        }
        for &fulfilment in FulfilmentStatus::ALL {
            assert!(
                all.iter().any(|at| at.fulfilment == fulfilment),
                "{fulfilment:?}"
            );
        }
        for &state in OrderState::ALL {
            assert!(all.iter().any(|at| at.state == state), "{state:?}");
        }
    }

    #[test]
    fn terms_set_the_due_date_and_an_unpaid_invoice_past_it_is_overdue() {
        let placed = 1_000_000;
        assert_eq!(PaymentTerms::Prepaid.due_at(placed), None);
        assert_eq!(PaymentTerms::DueOnReceipt.due_at(placed), Some(placed));
        assert_eq!(
            PaymentTerms::Net30.due_at(placed),
            Some(placed + 30 * DAY_MS)
        );
        let invoice = Lifecycle::placed(PaymentTerms::Net30);
        let due = PaymentTerms::Net30.due_at(placed);
        assert!(!invoice.is_overdue(due, placed + 30 * DAY_MS));
        assert!(invoice.is_overdue(due, placed + 30 * DAY_MS + 1));
        let paid = run(invoice, &[A::MarkPaid { settles: true }]);
        assert!(!paid.is_overdue(due, placed + 90 * DAY_MS));
        let cancelled = run(invoice, &[A::Cancel]);
        assert!(!cancelled.is_overdue(due, placed + 90 * DAY_MS));
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_refused_naming_the_field() {
        for &status in PaymentStatus::ALL {
            assert_eq!(
                PaymentStatus::parse(status.as_str(), "payment_status"),
                Ok(status)
            );
        }
        for &status in FulfilmentStatus::ALL {
            assert_eq!(
                FulfilmentStatus::parse(status.as_str(), "fulfilment_status"),
                Ok(status)
            );
        }
        for &terms in PaymentTerms::ALL {
            assert_eq!(
                PaymentTerms::parse(terms.as_str(), "payment_terms"),
                Ok(terms)
            );
        }
        // The JSON names are the stored names.
        for &terms in PaymentTerms::ALL {
            let json = serde_json::to_string(&terms).expect("serializes");
            assert_eq!(json, format!("\"{}\"", terms.as_str()));
        }
        for &status in PaymentStatus::ALL {
            let json = serde_json::to_string(&status).expect("serializes");
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        let error = PaymentTerms::parse("net_45", "payment_terms").expect_err("unknown");
        assert!(error
            .to_string()
            .starts_with("payment_terms: \"net_45\" is not one of prepaid"));
    }
}
