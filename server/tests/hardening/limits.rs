//! Hardening tests: limits.

#[allow(unused_imports)]
use crate::support::*;
