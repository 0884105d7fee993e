//! Sign-up, log-in, log-out, sessions and API tokens.

use crate::secrets::{dummy_hash, hash_password, new_token, token_hash, verify_password};
use crate::{App, AppError};
use stoa_domain::account::{Email, Password, Role, Username};
use stoa_domain::policy::{Actor, Denied, Thresholds};
use stoa_domain::tokens::{Scopes, FULL};
use stoa_store::users::{FirstCredential, NewSession, NewUser, UserRow};
use stoa_store::StoreError;

/// What a sign-up form or API call provides, unparsed.
#[derive(Debug, Clone, Default)]
pub struct SignupInput {
    /// Wanted username.
    pub username: String,
    /// E-mail address.
    pub email: String,
    /// Password.
    pub password: String,
    /// Client address, for rate limiting.
    pub ip: String,
    /// The browser's long-lived device cookie, if any (linked-account checks).
    pub device: Option<String>,
}

/// The result of a sign-up or log-in: the user and a fresh secret.
#[derive(Debug, Clone)]
pub struct Signup {
    /// The user.
    pub user: AuthUser,
    /// The new secret (an API token or a session cookie value), shown once and never stored.
    pub secret: String,
}

/// A form log-in's outcome.
#[derive(Debug, Clone)]
pub enum SessionLogin {
    /// Logged in.
    Done(Box<Signup>),
    /// The password was right; the account needs its second factor. The ticket (signed, good
    /// for five minutes) goes back with the code.
    NeedsCode {
        /// The signed ticket.
        ticket: String,
    },
}

/// What the password check found.
enum Checked {
    User(Box<AuthUser>),
    NeedsCode(i64),
}

/// What a log-in provides.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// Username or e-mail.
    pub login: String,
    /// Password.
    pub password: String,
    /// Client address, for rate limiting.
    pub ip: String,
    /// Client software, shown in the session list.
    pub user_agent: String,
    /// The browser's long-lived device cookie, if any (linked-account checks).
    pub device: Option<String>,
    /// The second factor (a TOTP code or a recovery code), when the account has one.
    pub totp: Option<String>,
}

/// An authenticated user, as every use case receives the actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    /// Id.
    pub id: i64,
    /// Display username.
    pub username: String,
    /// E-mail (absent for imported profiles).
    pub email: Option<String>,
    /// Role in force: a moderator or admin without the two-factor sign-in the site requires
    /// of them acts as a member until they turn it on.
    pub role: Role,
    /// Role as stored.
    pub stored_role: Role,
    /// A name shown instead of the username, if chosen.
    pub display_name: Option<String>,
    /// Since when sign-in needs a second factor.
    pub two_factor_since: Option<i64>,
    /// Reputation.
    pub reputation: i64,
    /// Join time.
    pub created_at: i64,
    /// End of the current suspension.
    pub suspended_until: Option<i64>,
    /// The site's privilege thresholds when the user was loaded, so that `actor()` can decide.
    pub thresholds: Thresholds,
    /// What the credential used may do: everything for sessions and log-in tokens, its
    /// scopes for a personal access token.
    pub scopes: Scopes,
}

impl AuthUser {
    fn from_row(r: UserRow, thresholds: Thresholds, staff_2fa: bool) -> Result<Self, AppError> {
        let stored_role = Role::parse(&r.role).map_err(|e| AppError::Internal(Box::new(e)))?;
        let role =
            if staff_2fa && crate::two_factor::staff(stored_role) && r.two_factor_since.is_none() {
                Role::Member
            } else {
                stored_role
            };
        Ok(AuthUser {
            id: r.id,
            username: r.username,
            email: r.email,
            role,
            stored_role,
            display_name: r.display_name,
            two_factor_since: r.two_factor_since,
            reputation: r.reputation,
            created_at: r.created_at,
            suspended_until: r.suspended_until,
            scopes: Scopes::Full,
            thresholds,
        })
    }

    /// The user as the permission policy sees them.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.id,
            role: self.role,
            reputation: self.reputation,
            suspended: self.suspended_until.is_some_and(|t| t > stoa_store::now()),
            thresholds: self.thresholds,
            account_days: (stoa_store::now() - self.created_at).max(0) / 86_400,
        }
    }

    /// Refuses a suspended person a write that does not go through `policy::decide` (a profile,
    /// a follow, settings, KB feedback, a webhook…), with the refusal `decide` gives
    /// (`Denied::Suspended`, 403 `forbidden`). Reading, logging out, securing the account,
    /// exporting, deleting it and taking back what one gave stay allowed (ADR 005).
    pub fn may_write(&self) -> Result<(), Denied> {
        if self.actor().suspended {
            Err(Denied::Suspended)
        } else {
            Ok(())
        }
    }
}

pub(crate) fn traits(ip: &str, device: &Option<String>) -> crate::ClientTraits {
    crate::ClientTraits {
        ip: ip.to_string(),
        device: device.clone(),
    }
}

/// Personal tokens share it, so every client sends any token the same way.
pub(crate) const API_TOKEN_PREFIX: &str = "stoa_pat_";
const SESSION_PREFIX: &str = "stoa_s_";

impl App {
    /// Creates an account with role `member` and returns it with a new API token.
    #[tracing::instrument(skip_all, fields(ip = %input.ip))]
    pub async fn sign_up_with_token(&self, input: SignupInput) -> Result<Signup, AppError> {
        let secret = new_token(API_TOKEN_PREFIX);
        let hash = token_hash(&secret);
        let credential = FirstCredential::Token {
            token_hash: &hash,
            name: "sign-up",
            scopes: FULL,
        };
        let user = self.sign_up(&input, Role::Member, Some(credential)).await?;
        self.record_client_traits(user.id, &traits(&input.ip, &input.device))
            .await;
        Ok(Signup { user, secret })
    }

    /// Creates an account with role `member` and opens a browser session for it.
    pub async fn sign_up_with_session(
        &self,
        input: SignupInput,
        user_agent: &str,
    ) -> Result<Signup, AppError> {
        let secret = new_token(SESSION_PREFIX);
        let hash = token_hash(&secret);
        let ua: String = user_agent.chars().take(200).collect();
        let credential = FirstCredential::Session {
            token_hash: &hash,
            expires_at: stoa_store::now() + self.settings().session_ttl_secs,
            ip: &input.ip,
            user_agent: &ua,
        };
        let user = self.sign_up(&input, Role::Member, Some(credential)).await?;
        self.record_client_traits(user.id, &traits(&input.ip, &input.device))
            .await;
        Ok(Signup { user, secret })
    }

    /// Creates an account with any role (operators only: the CLI and admin pages).
    pub async fn create_user(&self, input: SignupInput, role: Role) -> Result<AuthUser, AppError> {
        self.sign_up(&input, role, None).await
    }

    /// Creates the account and, in the same transaction, its first credential.
    async fn sign_up(
        &self,
        input: &SignupInput,
        role: Role,
        credential: Option<FirstCredential<'_>>,
    ) -> Result<AuthUser, AppError> {
        let username = Username::parse(&input.username)?;
        let email = Email::parse(&input.email)?;
        let password = Password::parse(&input.password)?;
        if !input.ip.is_empty() {
            self.check_and_hit(
                &format!("signup:ip:{}", input.ip),
                self.settings().limits.signup_per_ip,
            )
            .await?;
        }
        let pw = password.expose().to_string();
        let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
            .await
            .map_err(|e| AppError::Internal(Box::new(e)))?
            .map_err(|e| AppError::Internal(e.to_string().into()))?;
        let now = stoa_store::now();
        let id = self
            .store()
            .insert_user(&NewUser {
                username: username.as_str(),
                username_key: &username.key(),
                email: email.as_str(),
                email_key: &email.key(),
                password_hash: &hash,
                role: role.as_str(),
                now,
                credential,
            })
            .await
            .map_err(|e| match e {
                StoreError::Conflict(c) if c == "email" => AppError::Conflict {
                    code: "email_taken",
                    message: "An account with that e-mail address already exists. Try logging in."
                        .into(),
                },
                StoreError::Conflict(_) => AppError::Conflict {
                    code: "username_taken",
                    message: format!("The username {username} is taken. Please choose another."),
                },
                other => other.into(),
            })?;
        tracing::info!(user.id = id, user.role = role.as_str(), "account created");
        // The day of sign-up is the first visit (the visiting badges count from it).
        if let Err(e) = self
            .store()
            .record_visit(id, now.div_euclid(86_400), now)
            .await
        {
            tracing::warn!(error = %e, user.id = id, "could not record a visit");
        }
        Ok(AuthUser {
            id,
            username: username.as_str().to_string(),
            email: Some(email.as_str().to_string()),
            role: if self.settings().require_two_factor_for_staff && crate::two_factor::staff(role)
            {
                Role::Member
            } else {
                role
            },
            stored_role: role,
            display_name: None,
            two_factor_since: None,
            reputation: stoa_domain::reputation::BASE,
            created_at: now,
            suspended_until: None,
            thresholds: self.thresholds().await?,
            scopes: Scopes::Full,
        })
    }

    /// Checks credentials, with limits per IP and per account, and returns the user.
    async fn check_credentials(&self, c: &Credentials) -> Result<AuthUser, AppError> {
        match self.check_first_factor(c).await? {
            Checked::User(u) => Ok(*u),
            Checked::NeedsCode(_) => Err(AppError::SecondFactor {
                code: "totp_required",
                message: crate::two_factor::CODE_PROMPT,
            }),
        }
    }

    /// Checks the password (and the second factor when one is given); an account with
    /// two-factor sign-in and no code given comes back as [`Checked::NeedsCode`].
    #[tracing::instrument(skip_all, fields(ip = %c.ip))]
    async fn check_first_factor(&self, c: &Credentials) -> Result<Checked, AppError> {
        let login = c.login.trim();
        if login.is_empty() {
            return Err(AppError::invalid(
                "missing_login",
                "login",
                "Please enter your username or e-mail.",
            ));
        }
        if c.password.is_empty() {
            return Err(AppError::invalid(
                "missing_password",
                "password",
                "Please enter your password.",
            ));
        }
        if login.len() > 254 || c.password.len() > Password::MAX_LEN {
            return Err(AppError::Unauthenticated("Wrong username or password."));
        }
        let limits = self.settings().limits;
        self.check_and_hit(&format!("login:ip:{}", c.ip), limits.login_per_ip)
            .await?;
        let key = login.to_lowercase();
        // Failed passwords are counted per account and address: a stranger who guesses wrong
        // locks out only their own address. Across all addresses an account takes ten times
        // as many failures (a distributed guess), and even then the owner's known browsers and
        // addresses (the account's traits) still get in.
        let pair_key = format!("login:account:{key}:from:{}", c.ip);
        let account_key = format!("login:account:{key}");
        let per_pair = limits.login_failures_per_account;
        let per_account = crate::Limit {
            max: per_pair.max.saturating_mul(10),
            ..per_pair
        };
        self.check_only(&pair_key, per_pair).await?;
        let row = self.store().user_by_login(&key).await?;
        if let Err(e) = self.check_only(&account_key, per_account).await {
            let known = match &row {
                Some(r) => self.known_client(r.id, &traits(&c.ip, &c.device)).await?,
                None => false,
            };
            if !known {
                return Err(e);
            }
        }
        let phc = row
            .as_ref()
            .and_then(|r| r.password_hash.clone())
            .unwrap_or_else(|| dummy_hash().to_string());
        let pw = c.password.clone();
        let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &phc))
            .await
            .map_err(|e| AppError::Internal(Box::new(e)))?;
        match row {
            Some(r) if ok && r.password_hash.is_some() => {
                if r.two_factor_since.is_some() {
                    let code = c.totp.as_deref().map(str::trim).filter(|t| !t.is_empty());
                    let Some(code) = code else {
                        return Ok(Checked::NeedsCode(r.id));
                    };
                    self.check_second_factor(r.id, Some(code)).await?;
                }
                AuthUser::from_row(
                    r,
                    self.thresholds().await?,
                    self.settings().require_two_factor_for_staff,
                )
                .map(|u| Checked::User(Box::new(u)))
            }
            _ => {
                self.hit(&pair_key, per_pair).await?;
                self.hit(&account_key, per_account).await?;
                tracing::info!("failed log-in");
                Err(AppError::Unauthenticated("Wrong username or password."))
            }
        }
    }

    /// Logs in through the API: returns the user and a new API token.
    pub async fn log_in_with_token(&self, c: Credentials) -> Result<Signup, AppError> {
        let user = self.check_credentials(&c).await?;
        self.record_client_traits(user.id, &traits(&c.ip, &c.device))
            .await;
        let secret = self.issue_api_token(user.id, "log-in").await?;
        Ok(Signup { user, secret })
    }

    /// Logs in through a form: the user and a new session cookie value, or, for an account
    /// with two-factor sign-in, a ticket to present with the code ([`App::finish_session_login`]).
    pub async fn log_in_with_session(&self, c: Credentials) -> Result<SessionLogin, AppError> {
        let user = match self.check_first_factor(&c).await? {
            Checked::User(u) => *u,
            Checked::NeedsCode(user_id) => {
                return Ok(SessionLogin::NeedsCode {
                    ticket: self.second_factor_ticket(user_id).await?,
                })
            }
        };
        self.record_client_traits(user.id, &traits(&c.ip, &c.device))
            .await;
        let secret = self.open_session(user.id, &c.ip, &c.user_agent).await?;
        Ok(SessionLogin::Done(Box::new(Signup { user, secret })))
    }

    /// The second step of a form log-in: the ticket from the first and a code.
    pub async fn finish_session_login(
        &self,
        ticket: &str,
        code: &str,
        c: &Credentials,
    ) -> Result<Signup, AppError> {
        if !c.ip.is_empty() {
            self.check_and_hit(
                &format!("login:ip:{}", c.ip),
                self.settings().limits.login_per_ip,
            )
            .await?;
        }
        let user_id = self.check_second_factor_ticket(ticket).await?;
        self.check_second_factor(user_id, Some(code)).await?;
        let user = self.user(user_id).await?;
        self.record_client_traits(user.id, &traits(&c.ip, &c.device))
            .await;
        let secret = self.open_session(user.id, &c.ip, &c.user_agent).await?;
        Ok(Signup { user, secret })
    }

    pub(crate) async fn open_session(
        &self,
        user_id: i64,
        ip: &str,
        user_agent: &str,
    ) -> Result<String, AppError> {
        let secret = new_token(SESSION_PREFIX);
        let now = stoa_store::now();
        let ua: String = user_agent.chars().take(200).collect();
        self.store()
            .insert_session(&NewSession {
                token_hash: &token_hash(&secret),
                user_id,
                now,
                expires_at: now + self.settings().session_ttl_secs,
                ip,
                user_agent: &ua,
            })
            .await?;
        Ok(secret)
    }

    async fn issue_api_token(&self, user_id: i64, name: &str) -> Result<String, AppError> {
        let secret = new_token(API_TOKEN_PREFIX);
        self.store()
            .insert_api_token(user_id, name, &token_hash(&secret), FULL, stoa_store::now())
            .await?;
        Ok(secret)
    }

    /// The user behind a session cookie, if it is live.
    pub async fn user_by_session(&self, cookie: &str) -> Result<Option<AuthUser>, AppError> {
        if !cookie.starts_with(SESSION_PREFIX) || cookie.len() > 128 {
            return Ok(None);
        }
        let (hash, now) = (token_hash(cookie), stoa_store::now());
        match self.store().user_by_session(&hash, now).await? {
            Some((r, seen)) => {
                // The session list shows when each was last used, to five minutes.
                if seen < now - 300 {
                    if let Err(e) = self.store().touch_session(&hash, now).await {
                        tracing::warn!(error = %e, "could not note a session's use");
                    }
                }
                self.note_visit(r.id, r.last_seen_at).await;
                Ok(Some(AuthUser::from_row(
                    r,
                    self.thresholds().await?,
                    self.settings().require_two_factor_for_staff,
                )?))
            }
            None => Ok(None),
        }
    }

    /// The user behind a bearer token; an unknown, revoked or malformed token is an error.
    pub async fn user_by_token(&self, token: &str) -> Result<AuthUser, AppError> {
        let invalid = AppError::Unauthenticated("The access token is invalid, expired or revoked.");
        if !token.starts_with(API_TOKEN_PREFIX) || token.len() > 128 {
            return Err(invalid);
        }
        match self
            .store()
            .user_by_api_token(&token_hash(token), stoa_store::now())
            .await?
        {
            Some(t) => {
                let (r, scopes) = (t.user, Scopes::from_stored(&t.scopes));
                if scopes != Scopes::Full {
                    // A personal token has its own budget, shared by every process.
                    let key = format!("token:{}", t.token_id);
                    self.check_and_hit(&key, self.settings().limits.per_token)
                        .await?;
                    let now = stoa_store::now();
                    if t.last_used_at.is_none_or(|at| at < now - 60) {
                        if let Err(e) = self.store().touch_token(t.token_id, now).await {
                            tracing::warn!(error = %e, "could not note a token's use");
                        }
                    }
                }
                self.note_visit(r.id, r.last_seen_at).await;
                let mut user = AuthUser::from_row(
                    r,
                    self.thresholds().await?,
                    self.settings().require_two_factor_for_staff,
                )?;
                user.scopes = scopes;
                Ok(user)
            }
            None => Err(invalid),
        }
    }

    /// Ends a browser session.
    pub async fn log_out(&self, cookie: &str) -> Result<(), AppError> {
        self.store().delete_session(&token_hash(cookie)).await?;
        Ok(())
    }

    /// Loads a user by id.
    pub async fn user(&self, id: i64) -> Result<AuthUser, AppError> {
        match self.store().user_by_id(id).await? {
            Some(r) => AuthUser::from_row(
                r,
                self.thresholds().await?,
                self.settings().require_two_factor_for_staff,
            ),
            None => Err(AppError::NotFound("user")),
        }
    }
}
