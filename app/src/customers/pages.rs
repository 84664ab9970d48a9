//! The merchant's customer pages.
