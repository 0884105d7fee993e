//! Offline quality benchmarks behind `stoa eval`: pure computations over files, no database.

pub mod coaching;
pub mod semeval;
pub mod spam;
pub mod tags;
