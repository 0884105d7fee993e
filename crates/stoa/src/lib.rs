//! The stoa library behind the binary: configuration, startup and the command-line commands,
//! exposed so that integration tests start the very same server.

pub mod backup;
pub mod commands;
pub mod config;
pub mod demo;
pub mod eval_search;
pub mod import_cmd;
pub mod llm;
pub mod server;
