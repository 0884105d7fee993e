//! Single sign-on's use cases: keeping a sign-in's state while the person is at the provider,
//! and turning the provider's verified identity into a session — the linked account, else
//! the account with the same verified address (linked now), else a new account.
//! Two-factor sign-in is the provider's business then (docs/sso.md).

use crate::accounts::traits;
use crate::secrets::token_hash;
use crate::{App, AppError, AuthUser, Signup};
use stoa_domain::account::{Email, Username};
use stoa_store::sso::{LinkCandidate, NewSsoUser, SsoLogin};
use stoa_store::StoreError;

/// How long a person may spend at the provider.
const LOGIN_TTL_SECS: i64 = 600;

/// Who the provider says the person is (from a verified ID token).
#[derive(Debug, Clone, Default)]
pub struct SsoIdentity {
    /// The provider's configured name.
    pub provider: String,
    /// The provider's stable id for the person.
    pub subject: String,
    /// Their address, if shared.
    pub email: Option<String>,
    /// Whether the provider vouches for the address.
    pub email_verified: bool,
    /// A preferred username, if given.
    pub preferred_username: Option<String>,
    /// Their name, if given.
    pub name: Option<String>,
}

/// Where the sign-in came from, for rate limits, the session list and account traits.
#[derive(Debug, Clone, Default)]
pub struct SsoClient {
    /// Client address.
    pub ip: String,
    /// Client software.
    pub user_agent: String,
    /// The browser's device cookie.
    pub device: Option<String>,
}

fn expired() -> AppError {
    AppError::Refused {
        code: "sso_expired",
        message: "This sign-in link has expired or was used already. Please start again from \
                  the log-in page."
            .into(),
    }
}

/// Whether an identity may be linked to this account by its address alone. Not when the
/// address was never confirmed (whoever signed up with it may not own it, and would keep the
/// password), nor when the account is staff or uses a second factor (a provider account is
/// then not enough to take it over).
fn refuse_link(c: &LinkCandidate) -> Result<(), AppError> {
    let message = if !c.email_confirmed {
        "An account with this e-mail address already exists, but its address was never \
         confirmed, so we cannot link it to your provider. Confirm the address from the e-mail \
         we sent (or use \"Forgot your password?\" on the log-in page), then sign in with your \
         provider again."
    } else if c.two_factor || c.staff {
        "An account with this e-mail address exists and is protected (staff, or two-factor \
         sign-in), so it is not linked to a provider automatically. Please log in with your \
         password."
    } else {
        return Ok(());
    };
    Err(AppError::Refused {
        code: "sso_link_refused",
        message: message.into(),
    })
}

impl App {
    /// Counts a sign-in started from `ip` against the log-in limit, before anything reaches
    /// the provider.
    pub async fn check_sso_start(&self, ip: &str) -> Result<(), AppError> {
        if ip.is_empty() {
            return Ok(());
        }
        self.check_and_hit(
            &format!("sso-start:ip:{ip}"),
            self.settings().limits.login_per_ip,
        )
        .await
    }

    /// Keeps a sign-in's state (by the hash of its `state`) for ten minutes.
    pub async fn remember_sso_login(&self, state: &str, login: SsoLogin) -> Result<(), AppError> {
        let now = stoa_store::now();
        self.store()
            .insert_sso_login(&token_hash(state), &login, now, now + LOGIN_TTL_SECS)
            .await?;
        Ok(())
    }

    /// Takes a sign-in's state back, once.
    pub async fn take_sso_login(&self, state: &str) -> Result<SsoLogin, AppError> {
        if state.is_empty() || state.len() > 200 {
            return Err(expired());
        }
        self.store()
            .take_sso_login(&token_hash(state), stoa_store::now())
            .await?
            .ok_or_else(expired)
    }

    /// Signs in with a verified identity and opens a session; see the module's doc for which
    /// account.
    #[tracing::instrument(skip_all, fields(provider = %id.provider))]
    pub async fn sso_sign_in(&self, id: SsoIdentity, c: &SsoClient) -> Result<Signup, AppError> {
        if !c.ip.is_empty() {
            self.check_and_hit(
                &format!("login:ip:{}", c.ip),
                self.settings().limits.login_per_ip,
            )
            .await?;
        }
        let now = stoa_store::now();
        let user_id = match self
            .store()
            .identity_user(&id.provider, &id.subject, now)
            .await?
        {
            Some(user_id) => user_id,
            None => self.first_sso_sign_in(&id, now).await?,
        };
        let user: AuthUser = self.user(user_id).await?;
        self.record_client_traits(user.id, &traits(&c.ip, &c.device))
            .await;
        let secret = self.open_session(user.id, &c.ip, &c.user_agent).await?;
        tracing::info!(user.id = user.id, "signed in with single sign-on");
        Ok(Signup { user, secret })
    }

    /// The account for an identity seen for the first time: linked by verified address, or
    /// created.
    async fn first_sso_sign_in(&self, id: &SsoIdentity, now: i64) -> Result<i64, AppError> {
        let email = match (&id.email, id.email_verified) {
            (Some(e), true) => Email::parse(e)?,
            _ => {
                return Err(AppError::Refused {
                    code: "email_not_verified",
                    message: "Your identity provider did not confirm your e-mail address, so we \
                              cannot tell which account is yours. Ask its administrator to \
                              verify the address, or sign in with your password."
                        .into(),
                })
            }
        };
        if let Some(c) = self.store().link_candidate(&email.key()).await? {
            refuse_link(&c)?;
            self.store()
                .link_identity(&id.provider, &id.subject, c.user_id, email.as_str(), now)
                .await?;
            tracing::info!(user.id = c.user_id, "identity linked by verified address");
            return Ok(c.user_id);
        }
        let local = email.as_str().split('@').next().unwrap_or("");
        let base = Username::suggest(
            id.preferred_username
                .as_deref()
                .or(id.name.as_deref())
                .unwrap_or(local),
        );
        for n in 1..=50u32 {
            let name = if n == 1 {
                base.clone()
            } else {
                base.numbered(n)
            };
            let created = self
                .store()
                .insert_sso_user(&NewSsoUser {
                    username: name.as_str(),
                    username_key: &name.key(),
                    email: email.as_str(),
                    email_key: &email.key(),
                    provider: &id.provider,
                    subject: &id.subject,
                    now,
                })
                .await;
            match created {
                Ok(user_id) => {
                    tracing::info!(user.id = user_id, "account created by single sign-on");
                    return Ok(user_id);
                }
                Err(StoreError::Conflict(c)) if c == "username" => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Conflict {
            code: "username_taken",
            message: "We could not find a free username for you; please sign up with a password."
                .into(),
        })
    }
}
