//! Hardening tests: races.

#[allow(unused_imports)]
use crate::support::*;
