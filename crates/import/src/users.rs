//! The site's profiles: a placeholder, then one unclaimed profile per Users.xml row (or, without
//! the file, per author the posts and comments name), each with a unique, valid username.

use crate::names::{base_username, candidate, placeholder};
use crate::scan::Catalog;
use crate::write::{stream, BATCH};
use crate::xml::Row;
use crate::{ImportError, Reporter, Summary};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use stoa_domain::account::Username;
use stoa_store::import::{IdTable, ImportTx, ImportUser, StoredTable};

/// Stoa ids of the site's profiles by original id; unknown authors map to the placeholder.
#[derive(Debug, Default)]
pub(crate) struct Users {
    ids: HashMap<i64, i64>,
    placeholder: i64,
}

impl Users {
    /// The profile of an author (the placeholder when the dump does not have them).
    pub(crate) fn author(&self, source: Option<i64>) -> i64 {
        source
            .and_then(|s| self.known(s))
            .unwrap_or(self.placeholder)
    }

    pub(crate) fn known(&self, source: i64) -> Option<i64> {
        self.ids.get(&source).copied()
    }
}

/// Creates the site's profiles: the placeholder, then one per Users.xml row, or (without the
/// file) one per author the posts and comments name.
pub(crate) async fn write_users(
    tx: &mut ImportTx,
    dir: &Path,
    cat: &Catalog,
    update: bool,
    progress: &Reporter,
    summary: &mut Summary,
) -> Result<Users, ImportError> {
    let mut ids = if update {
        tx.stored_ids(StoredTable::Users).await?
    } else {
        HashMap::new()
    };
    let from_file = cat.has_users_file();
    // The dump's -1 is its "Community" bot; Stoa's placeholder (original id -1) stands for it
    // and for every author the dump does not have.
    let mut wanted: Vec<i64> = if from_file {
        cat.user_ids
            .iter()
            .copied()
            .filter(|id| *id != -1)
            .collect()
    } else {
        cat.referenced
            .keys()
            .copied()
            .filter(|id| *id != -1)
            .collect()
    };
    wanted.retain(|id| !ids.contains_key(id));
    wanted.sort_unstable();
    let placeholder_new = !ids.contains_key(&-1);
    let mut fresh = tx
        .reserve_ids(IdTable::Users, wanted.len() + usize::from(placeholder_new))
        .await?
        .into_iter();
    progress.phase(
        "writing users",
        "users",
        (wanted.len() + usize::from(placeholder_new)) as u64,
    );

    if placeholder_new {
        let id = fresh
            .next()
            .ok_or_else(|| ImportError::Internal("no id for the placeholder".into()))?;
        let site = tx.site().to_string();
        let about = format!(
            "Stands for the authors that the Stack Exchange dump of {site} does not name: deleted accounts and \
             the site's Community user."
        );
        let when = cat.first_date.unwrap_or_else(stoa_store::now);
        let name = unique_names(tx, &[(placeholder(&site), -1)]).await?;
        let user = ImportUser {
            id,
            username: name
                .first()
                .cloned()
                .unwrap_or_else(|| format!("community-{id}")),
            username_key: String::new(),
            about_html: stoa_markdown::render_post(&about),
            about_md: about,
            created_at: when,
            last_seen_at: when,
            source_id: -1,
        };
        insert_users(tx, vec![user]).await?;
        ids.insert(-1, id);
        summary.users += 1;
    }

    if from_file {
        let path = dir.join("Users.xml");
        let mut rx = stream(path, "users", BATCH, prepare_user)?;
        while let Some(batch) = rx.recv().await {
            let mut batch = batch?;
            batch.retain(|u| u.source_id != -1);
            let (stored, new): (Vec<ImportUser>, Vec<ImportUser>) = batch
                .into_iter()
                .partition(|u| ids.contains_key(&u.source_id));
            for u in &stored {
                summary.users_updated += u64::from(tx.update_user(u).await?);
            }
            let created = name_and_insert(tx, new, &mut fresh, &mut ids).await?;
            summary.users += created;
            progress.advance(summary.users, 0);
        }
    } else {
        for chunk in wanted.chunks(BATCH) {
            let batch: Vec<ImportUser> = chunk
                .iter()
                .map(|source| {
                    let (first, last) = cat.referenced.get(source).copied().unwrap_or((0, 0));
                    let first = if first == 0 {
                        cat.first_date.unwrap_or(0)
                    } else {
                        first
                    };
                    ImportUser {
                        id: 0,
                        username: base_username("", *source),
                        username_key: String::new(),
                        about_md: String::new(),
                        about_html: String::new(),
                        created_at: first,
                        last_seen_at: last.max(first),
                        source_id: *source,
                    }
                })
                .collect();
            summary.users += name_and_insert(tx, batch, &mut fresh, &mut ids).await?;
            progress.advance(summary.users, 0);
        }
    }
    let placeholder = ids
        .get(&-1)
        .copied()
        .ok_or_else(|| ImportError::Internal("no placeholder profile".into()))?;
    Ok(Users { ids, placeholder })
}

/// Gives new profiles their ids and unique usernames, and inserts them.
async fn name_and_insert(
    tx: &mut ImportTx,
    mut batch: Vec<ImportUser>,
    fresh: &mut impl Iterator<Item = i64>,
    ids: &mut HashMap<i64, i64>,
) -> Result<u64, ImportError> {
    if batch.is_empty() {
        return Ok(0);
    }
    let bases: Vec<(String, i64)> = batch
        .iter()
        .map(|u| (u.username.clone(), u.source_id))
        .collect();
    let names = unique_names(tx, &bases).await?;
    for (u, name) in batch.iter_mut().zip(names) {
        u.id = fresh
            .next()
            .ok_or_else(|| ImportError::Internal("ran out of reserved user ids".into()))?;
        u.username = name;
        ids.insert(u.source_id, u.id);
    }
    let n = batch.len() as u64;
    insert_users(tx, batch).await?;
    Ok(n)
}

async fn insert_users(tx: &mut ImportTx, mut batch: Vec<ImportUser>) -> Result<(), ImportError> {
    for u in &mut batch {
        u.username_key = u.username.to_ascii_lowercase();
    }
    tx.insert_users(&batch).await?;
    Ok(())
}

/// Unique usernames for (base name, original id) pairs: each base, or its next candidate while
/// the name is taken in the database or earlier in the batch. Earlier batches are already in the
/// database (this transaction sees its own writes), so no set of names grows with the dump.
async fn unique_names(
    tx: &mut ImportTx,
    bases: &[(String, i64)],
) -> Result<Vec<String>, ImportError> {
    let mut attempt = vec![1u32; bases.len()];
    let mut chosen: Vec<Option<String>> = vec![None; bases.len()];
    let mut used: HashSet<String> = HashSet::new();
    loop {
        let pending: Vec<usize> = (0..bases.len()).filter(|&i| chosen[i].is_none()).collect();
        if pending.is_empty() {
            break;
        }
        let names: Vec<String> = pending
            .iter()
            .map(|&i| candidate(&bases[i].0, bases[i].1, attempt[i]))
            .collect();
        let keys: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
        let taken = tx.taken_usernames(&keys).await?;
        for ((&i, name), key) in pending.iter().zip(names).zip(keys) {
            // Candidates are valid by construction; the check keeps a bug from storing a name
            // that Stoa's own rules refuse.
            let valid = Username::parse(&name).is_ok_and(|u| u.as_str() == name);
            if !valid || taken.contains(&key) || used.contains(&key) {
                attempt[i] += 1;
                if attempt[i] > 50 {
                    return Err(ImportError::Internal(format!(
                        "no free username for {:?}",
                        bases[i].0
                    )));
                }
            } else {
                used.insert(key);
                chosen[i] = Some(name);
            }
        }
    }
    Ok(chosen.into_iter().flatten().collect())
}

/// A Users.xml row as a profile (id and final username come later).
fn prepare_user(row: &Row<'_>) -> Result<Option<ImportUser>, ImportError> {
    let source_id = row.int("Id")?;
    let created_at = row.date("CreationDate")?;
    let last_seen_at = row.opt_date("LastAccessDate")?.unwrap_or(created_at);
    let about = row.get("AboutMe").unwrap_or("");
    Ok(Some(ImportUser {
        id: 0,
        username: base_username(row.get("DisplayName").unwrap_or(""), source_id),
        username_key: String::new(),
        about_html: if about.is_empty() {
            String::new()
        } else {
            stoa_markdown::sanitize_html(about)
        },
        about_md: about.to_string(),
        created_at,
        last_seen_at,
        source_id,
    }))
}
