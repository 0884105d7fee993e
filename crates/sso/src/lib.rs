//! Single sign-on with OpenID Connect (authorization code flow with PKCE). This crate speaks the
//! protocol only: where to send the person, and, when they come back, who the provider says
//! they are (after checking the ID token). Linking that identity to an account is the
//! application's business.

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How long discovered provider metadata (endpoints and signing keys) is reused.
const METADATA_TTL: Duration = Duration::from_secs(3600);

/// A configured identity provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderConfig {
    /// Short name used in URLs (`/auth/oidc/{name}/…`).
    pub name: String,
    /// What the login page calls it ("Sign in with {label}").
    pub label: String,
    /// The issuer URL; discovery reads `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// This site's client id at the provider.
    pub client_id: String,
    /// This site's client secret at the provider.
    pub client_secret: String,
    /// Scopes beyond `openid` (default: `email profile`).
    pub scopes: Vec<String>,
}

/// Why single sign-on failed.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    /// No provider of that name is configured.
    #[error("unknown sign-in provider")]
    UnknownProvider,
    /// The provider could not be reached or described itself wrongly.
    #[error("the sign-in provider could not be reached: {0}")]
    Discovery(String),
    /// A configured URL is not valid.
    #[error("invalid provider configuration: {0}")]
    Config(String),
    /// The code exchange failed.
    #[error("the sign-in provider refused the sign-in: {0}")]
    Exchange(String),
    /// The ID token was missing or did not verify.
    #[error("the sign-in provider's answer did not verify: {0}")]
    Token(String),
}

/// Where to send the person, and what to keep until they come back.
#[derive(Debug, Clone)]
pub struct Started {
    /// The provider's authorization URL.
    pub url: String,
    /// The `state` parameter (also the key of what is kept).
    pub state: String,
    /// The PKCE code verifier.
    pub pkce_verifier: String,
    /// The nonce the ID token must carry.
    pub nonce: String,
}

/// Who the provider says the person is, from a verified ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The provider's stable id for the person.
    pub subject: String,
    /// Their address, if the provider shares it.
    pub email: Option<String>,
    /// Whether the provider vouches for the address.
    pub email_verified: bool,
    /// A username they prefer, if given.
    pub preferred_username: Option<String>,
    /// Their name, if given.
    pub name: Option<String>,
}

/// The configured providers and a client to talk to them.
pub struct Sso {
    providers: Vec<ProviderConfig>,
    http: reqwest::Client,
    metadata: Mutex<HashMap<String, (Instant, CoreProviderMetadata)>>,
}

impl std::fmt::Debug for Sso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sso")
            .field(
                "providers",
                &self.providers.iter().map(|p| &p.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Sso {
    /// Sets up the providers; no network until the first sign-in.
    pub fn new(providers: Vec<ProviderConfig>) -> Result<Sso, SsoError> {
        let http = reqwest::Client::builder()
            // OpenID Connect forbids following redirects on these calls (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| SsoError::Config(e.to_string()))?;
        for p in &providers {
            IssuerUrl::new(p.issuer.clone()).map_err(|e| SsoError::Config(e.to_string()))?;
        }
        Ok(Sso {
            providers,
            http,
            metadata: Mutex::new(HashMap::new()),
        })
    }

    /// The configured providers.
    pub fn providers(&self) -> &[ProviderConfig] {
        &self.providers
    }

    fn provider(&self, name: &str) -> Result<&ProviderConfig, SsoError> {
        self.providers
            .iter()
            .find(|p| p.name == name)
            .ok_or(SsoError::UnknownProvider)
    }

    async fn metadata(&self, p: &ProviderConfig) -> Result<CoreProviderMetadata, SsoError> {
        if let Some((at, m)) = self.metadata.lock().await.get(&p.name) {
            if at.elapsed() < METADATA_TTL {
                return Ok(m.clone());
            }
        }
        // Fetched without holding the lock: one slow provider must not hold up the others.
        let issuer =
            IssuerUrl::new(p.issuer.clone()).map_err(|e| SsoError::Config(e.to_string()))?;
        let m = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| SsoError::Discovery(error_chain(&e)))?;
        self.metadata
            .lock()
            .await
            .insert(p.name.clone(), (Instant::now(), m.clone()));
        Ok(m)
    }

    /// Starts a sign-in: the provider's URL with a fresh state, nonce and PKCE challenge.
    pub async fn start(&self, name: &str, redirect_url: &str) -> Result<Started, SsoError> {
        let p = self.provider(name)?;
        let metadata = self.metadata(p).await?;
        let redirect = RedirectUrl::new(redirect_url.to_string())
            .map_err(|e| SsoError::Config(e.to_string()))?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(p.client_id.clone()),
            Some(ClientSecret::new(p.client_secret.clone())),
        )
        .set_redirect_uri(redirect);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for s in &p.scopes {
            request = request.add_scope(Scope::new(s.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Ok(Started {
            url: url.to_string(),
            state: state.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            nonce: nonce.secret().clone(),
        })
    }

    /// Finishes a sign-in: exchanges the code (with the PKCE verifier) and verifies the ID
    /// token (signature, issuer, audience, expiry, nonce).
    pub async fn finish(
        &self,
        name: &str,
        redirect_url: &str,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<Identity, SsoError> {
        let p = self.provider(name)?;
        let metadata = self.metadata(p).await?;
        let redirect = RedirectUrl::new(redirect_url.to_string())
            .map_err(|e| SsoError::Config(e.to_string()))?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(p.client_id.clone()),
            Some(ClientSecret::new(p.client_secret.clone())),
        )
        .set_redirect_uri(redirect);
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| SsoError::Config(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(|e| SsoError::Exchange(error_chain(&e)))?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| SsoError::Token("no ID token in the answer".into()))?;
        let verifier = client.id_token_verifier();
        let claims = id_token
            .claims(&verifier, &Nonce::new(nonce.to_string()))
            .map_err(|e| SsoError::Token(error_chain(&e)))?;
        let mut identity = Identity {
            subject: claims.subject().as_str().to_string(),
            email: claims.email().map(|e| e.as_str().to_string()),
            email_verified: claims.email_verified().unwrap_or(false),
            preferred_username: claims.preferred_username().map(|u| u.as_str().to_string()),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_string()),
        };
        // Many providers put the address only in the userinfo answer (the specification's
        // default for the code flow): ask there when the ID token has none.
        if identity.email.is_none() {
            let request = client
                .user_info(
                    tokens.access_token().clone(),
                    Some(claims.subject().clone()),
                )
                .map_err(|e| SsoError::Config(e.to_string()))?;
            let info: openidconnect::core::CoreUserInfoClaims = request
                .request_async(&self.http)
                .await
                .map_err(|e| SsoError::Token(error_chain(&e)))?;
            identity.email = info.email().map(|e| e.as_str().to_string());
            identity.email_verified = info.email_verified().unwrap_or(false);
            if identity.preferred_username.is_none() {
                identity.preferred_username =
                    info.preferred_username().map(|u| u.as_str().to_string());
            }
            if identity.name.is_none() {
                identity.name = info
                    .name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.as_str().to_string());
            }
        }
        Ok(identity)
    }
}

/// An error with its causes, for logs and the person's error page.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}
