//! A person's own credentials: personal access tokens with scopes, browser sessions, and the
//! password. Only the whole account (a session or log-in token) may manage them, never a
//! personal token.

use crate::secrets::{hash_password, new_token, token_hash, verify_password};
use crate::{App, AppError, AuthUser};
use stoa_domain::account::Password;
use stoa_domain::time::parse_instant;
use stoa_domain::tokens::Scopes;
use stoa_store::credentials::{NewToken, SessionRow, TokenRow, MAX_TOKENS};

/// The longest a personal token may live.
const MAX_TOKEN_DAYS: i64 = 366;

/// What a person asks for when creating a token.
#[derive(Debug, Clone, Default)]
pub struct TokenInput {
    /// A name to recognise it by.
    pub name: String,
    /// Scope names.
    pub scopes: Vec<String>,
    /// Expiry (RFC 3339), if any.
    pub expires_at: Option<String>,
}

/// A token just created: its row and its secret, shown once.
#[derive(Debug, Clone)]
pub struct NewPersonalToken {
    /// The stored token.
    pub token: TokenRow,
    /// The secret.
    pub secret: String,
}

pub(crate) fn whole_account(user: &AuthUser) -> Result<(), AppError> {
    if user.scopes == Scopes::Full {
        return Ok(());
    }
    Err(AppError::Refused {
        code: "insufficient_scope",
        message: "Tokens, sessions and the password are managed with a log-in, not with a \
                  personal access token."
            .into(),
    })
}

impl App {
    /// The person's live personal access tokens.
    pub async fn personal_tokens(&self, user: &AuthUser) -> Result<Vec<TokenRow>, AppError> {
        whole_account(user)?;
        Ok(self
            .store()
            .personal_tokens(user.id, stoa_store::now())
            .await?)
    }

    /// Creates a personal access token; the secret is returned once and stored hashed.
    #[tracing::instrument(skip_all, fields(user.id = user.id))]
    pub async fn create_personal_token(
        &self,
        user: &AuthUser,
        input: TokenInput,
    ) -> Result<NewPersonalToken, AppError> {
        whole_account(user)?;
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::invalid(
                "invalid_name",
                "name",
                "Give the token a name of 1 to 100 characters, so you recognise it later.",
            ));
        }
        let scopes = Scopes::parse_list(input.scopes.iter().map(String::as_str))
            .map_err(|e| AppError::invalid("invalid_scopes", "scopes", e.to_string()))?;
        let now = stoa_store::now();
        let expires_at = match input.expires_at.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => {
                let at = parse_instant(raw).ok_or_else(|| {
                    AppError::invalid(
                        "invalid_expiry",
                        "expires_at",
                        "expires_at is a date and time like 2027-01-31T00:00:00Z.",
                    )
                })?;
                if at <= now || at > now + MAX_TOKEN_DAYS * 86_400 {
                    return Err(AppError::invalid(
                        "invalid_expiry",
                        "expires_at",
                        "A token expires in the future, at most 366 days from now.",
                    ));
                }
                Some(at)
            }
        };
        let secret = new_token(crate::accounts::API_TOKEN_PREFIX);
        let stored = scopes.to_string();
        let id = self
            .store()
            .insert_personal_token(&NewToken {
                user_id: user.id,
                name,
                token_hash: &token_hash(&secret),
                scopes: &stored,
                expires_at,
                now,
            })
            .await?
            .ok_or_else(|| AppError::Conflict {
                code: "too_many_tokens",
                message: format!(
                    "You hold {MAX_TOKENS} tokens already: revoke one you no longer use first."
                ),
            })?;
        tracing::info!(token.id = id, scopes = %stored, "personal token created");
        Ok(NewPersonalToken {
            token: TokenRow {
                id,
                name: name.to_string(),
                scopes: stored,
                created_at: now,
                last_used_at: None,
                expires_at,
            },
            secret,
        })
    }

    /// Revokes one of the person's tokens.
    pub async fn revoke_personal_token(&self, user: &AuthUser, id: i64) -> Result<(), AppError> {
        whole_account(user)?;
        if !self
            .store()
            .revoke_personal_token(user.id, id, stoa_store::now())
            .await?
        {
            return Err(AppError::NotFound("token"));
        }
        tracing::info!(user.id = user.id, token.id = id, "personal token revoked");
        Ok(())
    }

    /// The person's live browser sessions.
    pub async fn sessions(&self, user: &AuthUser) -> Result<Vec<SessionRow>, AppError> {
        whole_account(user)?;
        Ok(self.store().sessions_of(user.id, stoa_store::now()).await?)
    }

    /// Ends one of the person's sessions (its id: 16 hex digits).
    pub async fn end_session(&self, user: &AuthUser, id: &str) -> Result<(), AppError> {
        whole_account(user)?;
        let id = id.trim();
        if id.len() != 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AppError::NotFound("session"));
        }
        if !self.store().end_session(user.id, id).await? {
            return Err(AppError::NotFound("session"));
        }
        Ok(())
    }

    /// Ends every session but the one whose cookie is given; how many ended.
    pub async fn end_other_sessions(
        &self,
        user: &AuthUser,
        current_cookie: Option<&str>,
    ) -> Result<u64, AppError> {
        whole_account(user)?;
        let keep = current_cookie.map(token_hash);
        Ok(self
            .store()
            .end_other_sessions(user.id, keep.as_deref())
            .await?)
    }

    /// The id sessions are listed under for a cookie (to mark "this browser").
    pub fn session_id_of(cookie: &str) -> String {
        stoa_store::credentials::session_id(&token_hash(cookie))
    }

    /// Changes the password after checking the current one; every other session and log-in
    /// token ends (the one used for this request stays). Wrong current passwords count like
    /// failed log-ins.
    #[tracing::instrument(skip_all, fields(user.id = user.id))]
    pub async fn change_password(
        &self,
        user: &AuthUser,
        current: &str,
        new: &str,
        keep_cookie: Option<&str>,
        keep_token: Option<&str>,
    ) -> Result<(), AppError> {
        whole_account(user)?;
        let new = Password::parse(new)?;
        self.verify_current_password(user, current, "current")
            .await?;
        let pw = new.expose().to_string();
        let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
            .await
            .map_err(|e| AppError::Internal(Box::new(e)))?
            .map_err(|e| AppError::Internal(e.to_string().into()))?;
        self.store()
            .change_password(
                user.id,
                &hash,
                keep_cookie.map(token_hash).as_deref(),
                keep_token.map(token_hash).as_deref(),
                stoa_store::now(),
            )
            .await?;
        tracing::info!("password changed; other sessions ended");
        Ok(())
    }

    /// Asks for the password again before a sensitive change (password, two-factor, deletion).
    /// Wrong passwords count like failed log-ins, per account.
    pub(crate) async fn verify_current_password(
        &self,
        user: &AuthUser,
        given: &str,
        field: &'static str,
    ) -> Result<(), AppError> {
        let limits = self.settings().limits;
        let key = format!("password:change:{}", user.id);
        self.check_only(&key, limits.login_failures_per_account)
            .await?;
        let row = self
            .store()
            .user_by_id(user.id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        let Some(phc) = row.password_hash else {
            return Err(AppError::Refused {
                code: "no_password",
                message:
                    "This account has no password; set one with “Forgot your password?” first."
                        .into(),
            });
        };
        let pw = given.to_string();
        let ok = given.len() <= Password::MAX_LEN
            && tokio::task::spawn_blocking(move || verify_password(&pw, &phc))
                .await
                .map_err(|e| AppError::Internal(Box::new(e)))?;
        if !ok {
            self.check_and_hit(&key, limits.login_failures_per_account)
                .await?;
            return Err(AppError::invalid(
                "wrong_password",
                field,
                "That is not your current password.",
            ));
        }
        Ok(())
    }
}
