//! Two-factor sign-in: enrolling a TOTP authenticator, recovery codes, and the second check at
//! log-in. A code is accepted once (the last step used is stored, so a replay fails even
//! through another process), and wrong codes are rate limited per account.

use crate::secrets::{constant_time_eq, hmac_hex, random_bytes, token_hash};
use crate::totp;
use crate::{App, AppError, AuthUser, Limit};
use stoa_domain::account::Role;

/// What to ask for when a code is missing.
pub(crate) const CODE_PROMPT: &str =
    "Enter the six-digit code from your authenticator app (or a recovery code).";
/// How long the ticket between the password and the code lasts.
const TICKET_SECS: i64 = 300;

/// Recovery codes made at a time.
pub const RECOVERY_CODES: usize = 10;
/// Second-factor tries (right or wrong) allowed per account in [`ATTEMPT_WINDOW_SECS`].
const MAX_ATTEMPTS: i64 = 10;
const ATTEMPT_WINDOW_SECS: i64 = 300;

/// A started enrolment: what the authenticator app needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpEnrolment {
    /// The shared secret, Base32, for typing in by hand.
    pub secret: String,
    /// The `otpauth://` URI the QR code carries.
    pub otpauth_url: String,
}

/// Where a person's two-factor sign-in stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwoFactorStatus {
    /// Sign-in asks for a code.
    pub enabled: bool,
    /// Since when.
    pub since: Option<i64>,
    /// An enrolment waits for its first code.
    pub pending: Option<TotpEnrolment>,
    /// Unused recovery codes.
    pub recovery_codes_left: i64,
    /// The site requires it of this person's role.
    pub required: bool,
}

fn attempts() -> Limit {
    Limit {
        max: MAX_ATTEMPTS,
        window_secs: ATTEMPT_WINDOW_SECS,
    }
}

/// A new set of recovery codes: ten groups `xxxxx-xxxxx` of Base32 (50 bits each).
fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let raw = totp::base32_encode(&random_bytes(7)).to_lowercase();
            format!("{}-{}", &raw[..5], &raw[5..10])
        })
        .collect()
}

/// The stored form of a recovery code: case, spaces and hyphens do not matter.
fn recovery_hash(code: &str) -> String {
    let folded: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    token_hash(&format!("recovery:{folded}"))
}

/// Whether a role must use two-factor sign-in when the site requires it of staff.
pub fn staff(role: Role) -> bool {
    matches!(role, Role::Moderator | Role::Admin)
}

impl App {
    fn enrolment(&self, user: &AuthUser, secret: &str) -> TotpEnrolment {
        let account = user.email.clone().unwrap_or_else(|| user.username.clone());
        TotpEnrolment {
            secret: secret.to_string(),
            otpauth_url: totp::otpauth_uri(secret, &self.settings().site_name, &account),
        }
    }

    /// Where the person's two-factor sign-in stands.
    pub async fn two_factor_status(&self, user: &AuthUser) -> Result<TwoFactorStatus, AppError> {
        crate::credentials::whole_account(user)?;
        let row = self.store().totp_of(user.id).await?;
        let (enabled, since, pending) = match &row {
            Some(r) if r.confirmed_at.is_some() => (true, r.confirmed_at, None),
            Some(r) => (false, None, Some(self.enrolment(user, &r.secret))),
            None => (false, None, None),
        };
        Ok(TwoFactorStatus {
            enabled,
            since,
            pending,
            recovery_codes_left: if enabled {
                self.store().recovery_codes_left(user.id).await?
            } else {
                0
            },
            required: self.settings().require_two_factor_for_staff && staff(user.stored_role),
        })
    }

    /// Starts enrolling an authenticator: a new secret, unconfirmed until its first code.
    #[tracing::instrument(skip_all, fields(user.id = user.id))]
    pub async fn begin_totp(&self, user: &AuthUser) -> Result<TotpEnrolment, AppError> {
        crate::credentials::whole_account(user)?;
        let secret = totp::base32_encode(&random_bytes(totp::SECRET_BYTES));
        if !self
            .store()
            .begin_totp(user.id, &secret, stoa_store::now())
            .await?
        {
            return Err(AppError::Conflict {
                code: "two_factor_enabled",
                message: "Two-factor sign-in is on already. Turn it off first to enrol another \
                          authenticator."
                    .into(),
            });
        }
        Ok(self.enrolment(user, &secret))
    }

    /// Confirms the enrolment with a code from the authenticator; returns the recovery codes,
    /// shown this once.
    #[tracing::instrument(skip_all, fields(user.id = user.id))]
    pub async fn confirm_totp(&self, user: &AuthUser, code: &str) -> Result<Vec<String>, AppError> {
        crate::credentials::whole_account(user)?;
        let key = format!("totp:{}", user.id);
        self.check_and_hit(&key, attempts()).await?;
        let Some(row) = self.store().totp_of(user.id).await? else {
            return Err(AppError::Refused {
                code: "no_enrolment",
                message: "Start the enrolment first: it gives the secret for your authenticator."
                    .into(),
            });
        };
        if row.confirmed_at.is_some() {
            return Err(AppError::Conflict {
                code: "two_factor_enabled",
                message: "Two-factor sign-in is on already.".into(),
            });
        }
        let key_bytes = totp::base32_decode(&row.secret)
            .ok_or_else(|| AppError::Internal("stored TOTP secret is not Base32".into()))?;
        let now = stoa_store::now();
        let Some(step) = totp::verify(&key_bytes, code, now, row.last_step) else {
            return Err(wrong_code());
        };
        let codes = new_recovery_codes();
        let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(c)).collect();
        if !self
            .store()
            .confirm_totp(user.id, &row.secret, step, &hashes, now)
            .await?
        {
            return Err(wrong_code());
        }
        tracing::info!("two-factor sign-in turned on");
        Ok(codes)
    }

    /// Turns two-factor sign-in off, after the password.
    #[tracing::instrument(skip_all, fields(user.id = user.id))]
    pub async fn disable_totp(&self, user: &AuthUser, password: &str) -> Result<(), AppError> {
        crate::credentials::whole_account(user)?;
        if self.settings().require_two_factor_for_staff && staff(user.stored_role) {
            return Err(AppError::Refused {
                code: "two_factor_required",
                message: "This site requires two-factor sign-in of moderators and admins.".into(),
            });
        }
        self.verify_current_password(user, password, "password")
            .await?;
        self.store().disable_totp(user.id).await?;
        tracing::info!("two-factor sign-in turned off");
        Ok(())
    }

    /// Replaces the recovery codes (the old ones stop working), after the password.
    pub async fn new_recovery_codes(
        &self,
        user: &AuthUser,
        password: &str,
    ) -> Result<Vec<String>, AppError> {
        crate::credentials::whole_account(user)?;
        self.verify_current_password(user, password, "password")
            .await?;
        if user.two_factor_since.is_none() {
            return Err(AppError::Refused {
                code: "two_factor_off",
                message: "Recovery codes come with two-factor sign-in; turn it on first.".into(),
            });
        }
        let codes = new_recovery_codes();
        let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(c)).collect();
        self.store()
            .replace_recovery_codes(user.id, &hashes)
            .await?;
        Ok(codes)
    }

    /// What a ticket of `user_id` is signed over: the account, the deadline and the account's
    /// second-factor state (see `Store::second_factor_state`), so that a ticket is spent once
    /// a second factor is accepted or the password changes.
    async fn ticket_signature(&self, user_id: i64, until: i64) -> Result<String, AppError> {
        let state = self
            .store()
            .second_factor_state(user_id)
            .await?
            .unwrap_or_default();
        Ok(hmac_hex(
            self.signing_key().await?,
            &format!("2fa:{user_id}:{until}:{state}"),
        ))
    }

    /// A signed ticket saying that `user_id` gave the right password just now; checked
    /// against the database, so any process can take the second step, and good for one
    /// successful second step only.
    pub(crate) async fn second_factor_ticket(&self, user_id: i64) -> Result<String, AppError> {
        let until = stoa_store::now() + TICKET_SECS;
        let sig = self.ticket_signature(user_id, until).await?;
        Ok(format!("{user_id}.{until}.{sig}"))
    }

    /// The account a ticket from [`App::second_factor_ticket`] names, if it is genuine and
    /// fresh.
    pub(crate) async fn check_second_factor_ticket(&self, ticket: &str) -> Result<i64, AppError> {
        let expired = AppError::Unauthenticated(
            "The sign-in took too long. Please enter your password again.",
        );
        let mut parts = ticket.splitn(3, '.');
        let (Some(id), Some(until), Some(sig)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(expired);
        };
        let (Ok(user_id), Ok(until_n)) = (id.parse::<i64>(), until.parse::<i64>()) else {
            return Err(expired);
        };
        if until_n < stoa_store::now() {
            return Err(expired);
        }
        let expected = self.ticket_signature(user_id, until_n).await?;
        if !constant_time_eq(&expected, sig) {
            return Err(expired);
        }
        Ok(user_id)
    }

    /// The second check at log-in for an account with two-factor sign-in: a current code from
    /// the authenticator, or an unused recovery code.
    pub(crate) async fn check_second_factor(
        &self,
        user_id: i64,
        code: Option<&str>,
    ) -> Result<(), AppError> {
        let code = code.map(str::trim).filter(|c| !c.is_empty());
        let Some(code) = code else {
            return Err(AppError::SecondFactor {
                code: "totp_required",
                message: CODE_PROMPT,
            });
        };
        // Every try counts before the check, right or wrong: counting only wrong ones after
        // checking would let parallel requests all pass the limit before any is counted.
        let key = format!("totp:{user_id}");
        self.check_and_hit(&key, attempts()).await?;
        let now = stoa_store::now();
        let accepted = if code.len() <= 8 {
            match self.store().totp_of(user_id).await? {
                Some(row) if row.confirmed_at.is_some() => {
                    match totp::base32_decode(&row.secret)
                        .and_then(|k| totp::verify(&k, code, now, row.last_step))
                    {
                        Some(step) => self.store().use_totp_step(user_id, step).await?,
                        None => false,
                    }
                }
                _ => false,
            }
        } else {
            code.len() <= 40
                && self
                    .store()
                    .use_recovery_code(user_id, &recovery_hash(code), now)
                    .await?
        };
        if !accepted {
            tracing::info!(user.id = user_id, "wrong second factor");
            return Err(wrong_code());
        }
        Ok(())
    }
}

fn wrong_code() -> AppError {
    AppError::SecondFactor {
        code: "invalid_totp",
        message: "That code is not right, or was used already. Wait for the next one and try \
                  again.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_distinct_and_fold() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), RECOVERY_CODES);
        for c in &codes {
            assert_eq!(c.len(), 11);
            assert_eq!(
                recovery_hash(c),
                recovery_hash(&c.to_uppercase().replace('-', " "))
            );
        }
    }
}
