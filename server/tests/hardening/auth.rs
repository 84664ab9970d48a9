//! Hardening tests: auth.

#[allow(unused_imports)]
use crate::support::*;
