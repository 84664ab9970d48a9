//! Customer accounts of a shop (individual and business), their companies and the merchant's
//! verification of businesses.

pub mod api;
pub mod model;
pub mod pages;
pub mod rules;
