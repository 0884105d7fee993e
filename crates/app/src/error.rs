//! The use-case layer's one error type; the web layer maps each variant to a status once.

use stoa_domain::account::AccountError;
use stoa_domain::policy::Denied;
use stoa_store::StoreError;

/// Why a use case did not happen. Messages are safe to show to the person acting.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input broke a rule; `field` names the input.
    #[error("{message}")]
    Invalid {
        /// Machine-readable code.
        code: &'static str,
        /// The input field concerned, if one.
        field: Option<&'static str>,
        /// What to fix.
        message: String,
    },
    /// Something with that identity already exists.
    #[error("{message}")]
    Conflict {
        /// Machine-readable code.
        code: &'static str,
        /// What clashed.
        message: String,
    },
    /// No credentials, or wrong ones.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// The password was right but sign-in needs a second factor: missing (`totp_required`) or
    /// wrong (`invalid_totp`).
    #[error("{message}")]
    SecondFactor {
        /// Machine-readable code.
        code: &'static str,
        /// What to do.
        message: &'static str,
    },
    /// The policy refused the action.
    #[error(transparent)]
    Forbidden(#[from] Denied),
    /// Refused for a reason of its own (a plan without tickets), with its code.
    #[error("{message}")]
    Refused {
        /// Machine-readable code.
        code: &'static str,
        /// Why, and what to do instead.
        message: String,
    },
    /// The thing does not exist (or is not visible to this actor).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Too many attempts; try again after the given seconds.
    #[error("Too many attempts. Please wait {retry_after} seconds and try again.")]
    RateLimited {
        /// Seconds until the window ends.
        retry_after: i64,
    },
    /// The database is unreachable; the request may be retried.
    #[error("the service is temporarily unavailable")]
    Unavailable(#[source] StoreError),
    /// A fault that is not the caller's.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => AppError::Unavailable(e),
            other => AppError::Internal(Box::new(other)),
        }
    }
}

impl From<AccountError> for AppError {
    fn from(e: AccountError) -> Self {
        AppError::Invalid {
            code: match e {
                AccountError::Username(_) => "invalid_username",
                AccountError::Email(_) => "invalid_email",
                AccountError::Password(_) => "invalid_password",
                AccountError::Role => "invalid_role",
            },
            field: Some(e.field()),
            message: e.to_string(),
        }
    }
}

impl AppError {
    /// An input error about one field.
    pub fn invalid(code: &'static str, field: &'static str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            code,
            field: Some(field),
            message: message.into(),
        }
    }
}
