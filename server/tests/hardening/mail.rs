//! Hardening tests: mail.

#[allow(unused_imports)]
use crate::support::*;
