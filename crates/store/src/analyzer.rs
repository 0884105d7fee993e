//! Keeps the stored search documents in step with the analyzer that wrote them.

use crate::{Store, StoreError};

/// The settings key holding the analyzer version of the stored search documents.
pub const ANALYZER_VERSION_KEY: &str = "search.analyzer_version";

impl Store {
    /// Rebuilds every search document when they were written by another analyzer version
    /// than `version` (a stemmer fix changes stored terms), then records `version`. Returns
    /// how many documents were rebuilt, `None` when they were current. Two processes starting
    /// at once may both rebuild; the result is the same.
    pub async fn reindex_if_analyzer_changed(
        &self,
        version: &str,
        now: i64,
    ) -> Result<Option<u64>, StoreError> {
        if self.setting(ANALYZER_VERSION_KEY).await?.as_deref() == Some(version) {
            return Ok(None);
        }
        let rebuilt = self.reindex_all().await?;
        self.put_setting(ANALYZER_VERSION_KEY, version, now).await?;
        Ok(Some(rebuilt))
    }
}
