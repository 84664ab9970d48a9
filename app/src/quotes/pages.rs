//! The merchant's quote pages.
