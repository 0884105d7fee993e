//! A person's profile (display name, about, avatar) and the change of their e-mail address,
//! which takes effect only when the link sent to the new address is followed.

use crate::notify::bad_link;
use crate::secrets::{new_token, token_hash};
use crate::{App, AppError, AuthUser, MailOutcome};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use stoa_domain::account::Email;
use stoa_store::jobs::{NewJob, CHANGE_EMAIL_JOB, EMAIL_CHANGED_JOB};
use stoa_store::profile::{ProfileChange, ProfileRow};

/// How long the link to a new address works.
const EMAIL_CHANGE_TTL_SECS: i64 = 2 * 86_400;
/// Longest display name, in characters.
pub const MAX_DISPLAY_NAME: usize = 50;
/// Longest "about me", in characters.
pub const MAX_ABOUT: usize = 3000;

/// A profile change; absent fields stay.
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    /// New display name; an empty one clears it.
    pub display_name: Option<String>,
    /// New "about me", Markdown.
    pub about: Option<String>,
    /// `gravatar` or `none`.
    pub avatar: Option<String>,
}

/// A person's profile as they edit it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Stored fields.
    pub row: ProfileRow,
    /// The picture's URL when the person chose one.
    pub avatar_url: Option<String>,
}

/// What anyone sees of a person besides their posts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicProfile {
    /// Display name, if chosen.
    pub display_name: Option<String>,
    /// "About me", rendered and sanitised on write.
    pub about_html: String,
    /// The picture, if chosen.
    pub avatar_url: Option<String>,
}

/// What the old address is told once a change completes (the mail job's payload).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EmailChangedNotice {
    /// Whose.
    pub user_id: i64,
    /// The address that no longer receives mail.
    pub old_email: String,
    /// The address that does now.
    pub new_email: String,
}

/// A Gravatar URL for an address (SHA-256 of the trimmed, lower-cased address, as Gravatar
/// accepts); nothing is fetched by the server, and the address itself never leaves it.
pub fn gravatar_url(email: &str) -> String {
    let digest = Sha256::digest(email.trim().to_lowercase().as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("https://www.gravatar.com/avatar/{hex}?s=128&d=identicon")
}

fn whole_account(user: &AuthUser) -> Result<(), AppError> {
    crate::credentials::whole_account(user)
}

impl App {
    /// A person's profile.
    pub async fn profile(&self, user: &AuthUser) -> Result<Profile, AppError> {
        let row = self
            .store()
            .profile(user.id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        let avatar_url = match (row.avatar.as_str(), &user.email) {
            ("gravatar", Some(email)) => Some(gravatar_url(email)),
            _ => None,
        };
        Ok(Profile { row, avatar_url })
    }

    /// What anyone sees of a person: display name, "about me", picture.
    pub async fn public_profile(&self, user_id: i64) -> Result<PublicProfile, AppError> {
        let r = self
            .store()
            .user_by_id(user_id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        let avatar_url = match (r.avatar.as_str(), &r.email) {
            ("gravatar", Some(email)) => Some(gravatar_url(email)),
            _ => None,
        };
        Ok(PublicProfile {
            display_name: r.display_name,
            about_html: r.about_html,
            avatar_url,
        })
    }

    /// Changes the display name, "about me" or avatar; every field is checked before any is
    /// written.
    #[tracing::instrument(skip_all, fields(user.id = user.id))]
    pub async fn update_profile(
        &self,
        user: &AuthUser,
        input: ProfileInput,
    ) -> Result<Profile, AppError> {
        user.may_write()?;
        // Bidirectional controls would make the name read as something else wherever it shows.
        let name_raw = input
            .display_name
            .as_deref()
            .map(stoa_domain::text::strip_bidi_controls);
        let display_name = match name_raw.as_deref().map(str::trim) {
            None => None,
            Some("") => Some(None),
            Some(name) => {
                if name.chars().count() > MAX_DISPLAY_NAME || name.chars().any(|c| c.is_control()) {
                    return Err(AppError::invalid(
                        "invalid_display_name",
                        "display_name",
                        format!(
                            "A display name has at most {MAX_DISPLAY_NAME} characters, without \
                             line breaks."
                        ),
                    ));
                }
                Some(Some(name))
            }
        };
        let about = match input.about.as_deref() {
            None => None,
            Some(md) if md.chars().count() > MAX_ABOUT => {
                return Err(AppError::invalid(
                    "invalid_about",
                    "about",
                    format!("“About me” has at most {MAX_ABOUT} characters."),
                ))
            }
            Some(md) => Some((md.trim().to_string(), stoa_markdown::render_post(md.trim()))),
        };
        let avatar = match input.avatar.as_deref() {
            None => None,
            Some(a @ ("gravatar" | "none")) => Some(a),
            Some(_) => return Err(AppError::invalid(
                "invalid_avatar",
                "avatar",
                "The avatar is `gravatar` (the picture Gravatar has for your address) or `none`.",
            )),
        };
        self.store()
            .update_profile(
                user.id,
                &ProfileChange {
                    display_name,
                    about: about.as_ref().map(|(m, h)| (m.as_str(), h.as_str())),
                    avatar,
                },
            )
            .await?;
        self.profile(user).await
    }

    /// Asks to move the account to another address: a link goes to the new address, and the
    /// old one stays in force until it is followed. Returns when the link expires.
    #[tracing::instrument(skip_all, fields(user.id = user.id))]
    pub async fn request_email_change(
        &self,
        user: &AuthUser,
        email: &str,
    ) -> Result<i64, AppError> {
        whole_account(user)?;
        let email = Email::parse(email)?;
        if user.email.as_deref().map(str::to_lowercase) == Some(email.key()) {
            return Err(AppError::invalid(
                "same_email",
                "email",
                "That is already your address.",
            ));
        }
        self.check_and_hit(
            &format!("email-change:{}", user.id),
            crate::Limit {
                max: 5,
                window_secs: 3600,
            },
        )
        .await?;
        let now = stoa_store::now();
        let expires_at = now + EMAIL_CHANGE_TTL_SECS;
        // Not keyed: each request, however close to the last, sends its own link.
        let job = NewJob::now(
            CHANGE_EMAIL_JOB,
            format!("{{\"user_id\":{}}}", user.id),
            now,
        );
        match self
            .store()
            .request_email_change(user.id, email.as_str(), &email.key(), now, expires_at, &job)
            .await
        {
            Ok(()) => Ok(expires_at),
            Err(e) if e.is_conflict_on("email") => Err(AppError::Conflict {
                code: "email_taken",
                message: "Another account uses that e-mail address.".into(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Drops a pending change of address.
    pub async fn cancel_email_change(&self, user: &AuthUser) -> Result<(), AppError> {
        whole_account(user)?;
        if !self.store().cancel_email_change(user.id).await? {
            return Err(AppError::NotFound("pending e-mail change"));
        }
        Ok(())
    }

    /// Completes a change of address with the link's token; the user's id.
    pub(crate) async fn confirm_email_change(&self, token: &str) -> Result<i64, AppError> {
        let now = stoa_store::now();
        let notice = |c: &stoa_store::profile::EmailChange| {
            c.old_email.as_ref().map(|old| {
                let payload = EmailChangedNotice {
                    user_id: c.user_id,
                    old_email: old.clone(),
                    new_email: c.new_email.clone(),
                };
                NewJob::now(
                    EMAIL_CHANGED_JOB,
                    serde_json::to_string(&payload).unwrap_or_default(),
                    now,
                )
            })
        };
        match self
            .store()
            .confirm_email_change(&token_hash(token), now, notice)
            .await
        {
            Ok(Some(c)) => {
                tracing::info!(user.id = c.user_id, "e-mail address changed");
                Ok(c.user_id)
            }
            Ok(None) => Err(bad_link()),
            Err(e) if e.is_conflict_on("email") => Err(AppError::Conflict {
                code: "email_taken",
                message: "Another account took that address meanwhile; nothing changed.".into(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// The mail with the link that confirms a new address (sent to the new address).
    pub async fn email_change_mail(&self, user_id: i64) -> Result<MailOutcome, AppError> {
        let now = stoa_store::now();
        let token = new_token(EMAIL_CHANGE_PREFIX);
        let Some(c) = self
            .store()
            .email_change_for_mail(user_id, &token_hash(&token), now)
            .await?
        else {
            return Ok(MailOutcome::Skip {
                reason: "no pending change",
                notification_ids: Vec::new(),
            });
        };
        let link = self.url(&format!("/confirm-email?token={token}"));
        let site = self.settings().site_name.clone();
        let host = self.mail_host();
        let mut m = self.blank_message("change_email", user_id, c.new_email, c.username);
        m.message_id = format!("stoa.change_email.{}@{host}", &token_hash(&token)[..16]);
        m.subject = format!("[{site}] Confirm your new e-mail address");
        m.intro = format!("Hello {},", m.to_name);
        m.items = vec![(
            "You asked to use this address for your account. The link works once, for two days; \
             until then your old address stays in use."
                .into(),
            link.clone(),
        )];
        m.action = Some(("Use this address".into(), link));
        m.outro = "If you did not ask for this, ignore this message: nothing changes.".into();
        Ok(MailOutcome::Send(Box::new(m)))
    }

    /// The notice to the old address that the account moved to a new one.
    pub async fn email_changed_mail(
        &self,
        n: &EmailChangedNotice,
    ) -> Result<MailOutcome, AppError> {
        let Some(r) = self.store().mail_recipient(n.user_id).await? else {
            return Ok(MailOutcome::Skip {
                reason: "account gone",
                notification_ids: Vec::new(),
            });
        };
        let site = self.settings().site_name.clone();
        let host = self.mail_host();
        let mut m = self.blank_message("email_changed", n.user_id, n.old_email.clone(), r.username);
        m.message_id = format!(
            "stoa.email_changed.{}.{}@{host}",
            n.user_id,
            &token_hash(&n.new_email)[..12]
        );
        m.subject = format!("[{site}] Your e-mail address was changed");
        m.intro = format!("Hello {},", m.to_name);
        m.items = vec![(
            format!(
                "Your account now uses {}; this address gets no more mail from us.",
                n.new_email
            ),
            self.url("/settings/profile"),
        )];
        m.outro = "If you did not make this change, reset your password at once and write to \
                   the site's staff."
            .into();
        Ok(MailOutcome::Send(Box::new(m)))
    }
}

/// Tokens of links that confirm a new address start so; `confirm_email` routes them here.
pub(crate) const EMAIL_CHANGE_PREFIX: &str = "stoa_e_";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gravatar_hashes_the_folded_address() {
        // SHA-256 of "myemailaddress@example.com", Gravatar's own documentation example.
        assert_eq!(
            gravatar_url("  MyEmailAddress@example.com "),
            "https://www.gravatar.com/avatar/84059b07d4be67b806386c0aad8070a23f18836bbaae342275dc0a83414c32ee?s=128&d=identicon"
        );
    }
}
