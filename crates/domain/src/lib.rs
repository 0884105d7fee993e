//! Stoa's domain: types that cannot hold invalid values, permission policy and pure rules. No I/O.

pub mod account;
pub mod diff;
pub mod policy;
pub mod post;
pub mod search;
pub mod spam;
pub mod time;
