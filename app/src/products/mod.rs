//! The catalog: products with variants, inventory and its adjustment history, CSV import/export.

pub mod api;
pub mod model;
pub mod pages;
pub mod rules;
