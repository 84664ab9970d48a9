//! Orders: placement with stock reservation, the lifecycle, payments, shipments, the timeline.

pub mod api;
pub mod lifecycle;
pub mod model;
pub mod pages;
pub mod rules;
