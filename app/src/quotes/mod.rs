//! Quotes for verified business customers: request, answer with versions, accept or decline.

pub mod api;
pub mod model;
pub mod pages;
pub mod rules;
