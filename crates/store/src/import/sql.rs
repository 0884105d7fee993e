//! Multi-row statements with the placeholders each backend binds fastest.

use crate::Backend;

/// Most bind parameters in one statement: below SQLite's limit (32,766) and PostgreSQL's (65,535).
pub(super) const MAX_BINDS: usize = 30_000;
/// Most rows in one multi-row INSERT: past a few hundred rows, bigger statements stop paying.
pub(super) const MAX_ROWS: usize = 500;

/// Rows per multi-row statement for `cols` parameters a row.
pub(super) fn rows_per_statement(cols: usize) -> usize {
    (MAX_BINDS / cols.max(1)).clamp(1, MAX_ROWS)
}

/// Appends `rows` rows of `cols` parameters each, numbered from 1. SQLite gets anonymous `?`:
/// it looks numbered parameters up by name in a list, one linear search per parameter, which
/// made a 10,000-parameter statement cost 15 times its plain execution.
pub(super) fn push_rows(sql: &mut String, backend: Backend, cols: usize, rows: usize) {
    use std::fmt::Write;
    let mut n = 1;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            if c > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    // Writing to a String cannot fail.
                    let _ = write!(sql, "${n}");
                }
            }
            n += 1;
        }
        sql.push(')');
    }
}

/// The parameters of an `IN (…)` list of `n` values, numbered from 1.
pub(super) fn params(backend: Backend, n: usize) -> String {
    let mut sql = String::with_capacity(n * 4);
    push_rows(&mut sql, backend, n, 1);
    sql.trim_start_matches('(')
        .trim_end_matches(')')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_numbered_in_order() {
        let mut sql = String::new();
        push_rows(&mut sql, Backend::Postgres, 3, 2);
        assert_eq!(sql, "($1, $2, $3), ($4, $5, $6)");
        let mut sql = String::new();
        push_rows(&mut sql, Backend::Sqlite, 2, 2);
        assert_eq!(sql, "(?, ?), (?, ?)");
        assert_eq!(params(Backend::Postgres, 2), "$1, $2");
        assert_eq!(params(Backend::Sqlite, 3), "?, ?, ?");
    }

    #[test]
    fn statements_stay_under_the_bind_limits() {
        for cols in [1, 2, 7, 8, 20, 200] {
            assert!(rows_per_statement(cols) * cols <= MAX_BINDS.max(cols));
            assert!(rows_per_statement(cols) >= 1);
        }
    }
}
