//! Governance settings: read from the database (a site setting shared by every process), cached
//! briefly in memory, changed by admins.

use crate::{App, AppError, AuthUser};
use std::sync::RwLock;
use std::time::{Duration, Instant};
use stoa_domain::governance::GovernanceSettings;
use stoa_domain::policy::{decide, Action, Target, Thresholds};

/// The settings key of the governance settings.
const KEY: &str = "governance";

/// How long a process trusts its copy; another process's change shows within this time.
pub(crate) const TTL: Duration = Duration::from_secs(5);

/// The cached settings and when they were read.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    inner: RwLock<Option<(Instant, GovernanceSettings)>>,
}

impl App {
    /// The governance settings in force (defaults for anything not set).
    pub async fn governance(&self) -> Result<GovernanceSettings, AppError> {
        if let Ok(guard) = self.governance.inner.read() {
            if let Some((at, s)) = guard.as_ref() {
                if at.elapsed() < TTL {
                    return Ok(*s);
                }
            }
        }
        let stored = self.store().setting(KEY).await?;
        let settings = match stored {
            Some(json) => parse(&json).map_err(|e| {
                AppError::Internal(format!("the stored governance settings are invalid ({e}); fix them with PUT /api/v1/governance/settings").into())
            })?,
            None => GovernanceSettings::default(),
        };
        if let Ok(mut guard) = self.governance.inner.write() {
            *guard = Some((Instant::now(), settings));
        }
        Ok(settings)
    }

    /// The privilege thresholds in force.
    pub(crate) async fn thresholds(&self) -> Result<Thresholds, AppError> {
        Ok(self.governance().await?.thresholds())
    }

    /// Replaces the governance settings (admins); missing fields take their defaults.
    #[tracing::instrument(skip_all, fields(user.id = user.id))]
    pub async fn set_governance(
        &self,
        user: &AuthUser,
        json: &str,
    ) -> Result<GovernanceSettings, AppError> {
        decide(&user.actor(), Action::ManageSettings, Target::Site)?;
        let settings =
            parse(json).map_err(|e| AppError::invalid("invalid_settings", "settings", e))?;
        let canonical =
            serde_json::to_string(&settings).map_err(|e| AppError::Internal(Box::new(e)))?;
        // The change is recorded with the setting: the health page lists rule changes by date.
        self.store()
            .put_governance_settings(KEY, &canonical, user.id, stoa_store::now())
            .await?;
        if let Ok(mut guard) = self.governance.inner.write() {
            *guard = Some((Instant::now(), settings));
        }
        tracing::info!("governance settings changed");
        Ok(settings)
    }
}

/// Parses and validates settings JSON; the message says what is wrong.
fn parse(json: &str) -> Result<GovernanceSettings, String> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("invalid governance settings: {e}"))?;
    // serde would read `[]` as a struct of defaults; settings are always an object.
    if !value.is_object() {
        return Err("invalid governance settings: expected a JSON object".into());
    }
    let settings: GovernanceSettings =
        serde_json::from_value(value).map_err(|e| format!("invalid governance settings: {e}"))?;
    settings.validate()?;
    Ok(settings)
}

impl App {
    /// Drops the settings this process cached (governance, the spam model), because another
    /// process changed them; the next use reads them again.
    pub fn forget_cached_settings(&self) {
        if let Ok(mut guard) = self.governance.inner.write() {
            *guard = None;
        }
        self.forget_spam_model();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing() {
        assert_eq!(parse("{}").unwrap(), GovernanceSettings::default());
        assert!(parse("{\"profile\": \"normal\", \"thresholds\": {\"vote_down\": 5}}").is_ok());
        assert!(parse("{\"profil\": \"normal\"}")
            .unwrap_err()
            .contains("unknown field"));
        assert!(parse("{\"flags_to_hide\": -1}")
            .unwrap_err()
            .contains("flags_to_hide"));
        assert!(parse("[]").is_err());
    }
}
