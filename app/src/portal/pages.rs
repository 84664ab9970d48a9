//! The portal's pages.
