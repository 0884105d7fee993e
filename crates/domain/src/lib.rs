//! Stoa's domain: types that cannot hold invalid values, permission policy and pure rules. No I/O.

pub mod account;
pub mod badges;
pub mod bounty;
pub mod calendar;
pub mod deflection;
pub mod diff;
pub mod governance;
pub mod health;
pub mod integrity;
pub mod jobs;
pub mod kb;
pub mod moderation;
pub mod notify;
pub mod plans;
pub mod policy;
pub mod post;
pub mod redact;
pub mod reputation;
pub mod rewards;
pub mod screening;
pub mod search;
pub mod sla;
pub mod spam;
pub mod support;
pub mod tickets;
pub mod time;
