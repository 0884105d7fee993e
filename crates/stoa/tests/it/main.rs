//! Stoa's integration tests: the real server on a random port, over HTTP, against a fresh SQLite
//! file and (when `STOA_TEST_POSTGRES_URL` is set) a fresh PostgreSQL database per test.

// Helpers outside #[test] functions fail loudly on purpose: a broken fixture is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod account_data;
mod account_security;
mod accounts_api;
mod accounts_pages;
mod assistant;
mod assistant_llm;
mod atomic_writes;
mod backup;
mod crash;
mod credentials;
mod deflection;
mod demo;
mod governance;
mod governance_holes;
mod governance_moderation;
mod governance_pages;
mod governance_spam;
mod health;
mod import;
mod incentives;
mod kb;
mod limits;
mod mail;
mod notification_flows;
mod notifications;
mod ops;
mod outage;
mod plans;
mod questions_api;
mod rewards;
mod scale_out;
mod search_api;
mod storage;
mod support_desk;
mod tickets;
mod webhooks;
mod workers;
