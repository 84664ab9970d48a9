//! Bulk orders: pasted or uploaded `SKU, quantity` lines, checked and priced line by line.

pub mod rules;
