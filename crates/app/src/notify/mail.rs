//! E-mail's part of the use cases: what each message says and to whom, whether it may go
//! (confirmed address, daily cap, already sent), one-time tokens for confirmation and password
//! reset, and signed unsubscribe links. The SMTP conversation itself belongs to the worker.

use crate::secrets::{constant_time_eq, hash_password, hmac_hex, new_token, token_hash};
use crate::{App, AppError};
use stoa_domain::account::{Email, Password};
use stoa_domain::notify::{is_kind, Channel};
use stoa_store::jobs::{NewJob, DIGEST_JOB, DIGEST_ROUND_JOB, PASSWORD_RESET_JOB};
use stoa_store::mail::{MailState, SentMail};

/// A message ready for the SMTP server, as data; the worker renders its parts.
#[derive(Debug, Clone)]
pub struct MailMessage {
    /// Idempotency key: a message with this key is sent once. The worker sets it from the job
    /// (one message per mail job), so that a job run again finds its message already sent.
    pub mail_key: String,
    /// `notification`, `digest`, `confirm_email` or `password_reset`.
    pub kind: &'static str,
    /// Recipient's account.
    pub user_id: i64,
    /// Address.
    pub to: String,
    /// Recipient's username.
    pub to_name: String,
    /// Subject.
    pub subject: String,
    /// First paragraph.
    pub intro: String,
    /// Lines with links (absolute URLs).
    pub items: Vec<(String, String)>,
    /// The main link: label and absolute URL.
    pub action: Option<(String, String)>,
    /// Last paragraph.
    pub outro: String,
    /// `Message-ID` without angle brackets.
    pub message_id: String,
    /// The thread's root id (`In-Reply-To`, `References`), without angle brackets.
    pub thread: Option<String>,
    /// One-click unsubscribe URL (RFC 8058), for notification mail.
    pub unsubscribe: Option<String>,
    /// Where to change what arrives.
    pub settings_url: String,
    /// Notifications carried (marked mailed once sent).
    pub notification_ids: Vec<i64>,
    /// The community's name.
    pub site_name: String,
}

/// What to do with a mail job.
#[derive(Debug, Clone)]
pub enum MailOutcome {
    /// Send this.
    Send(Box<MailMessage>),
    /// Send nothing, for this reason; the notifications count as handled.
    Skip {
        /// Why, for the log.
        reason: &'static str,
        /// Notifications concerned.
        notification_ids: Vec<i64>,
    },
}

/// A digest round's channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digest {
    /// Once a day.
    Daily,
    /// Once a week.
    Weekly,
}

impl Digest {
    /// Parses `daily` or `weekly`.
    pub fn parse(s: &str) -> Result<Digest, AppError> {
        match s {
            "daily" => Ok(Digest::Daily),
            "weekly" => Ok(Digest::Weekly),
            _ => Err(AppError::invalid(
                "unknown_channel",
                "channel",
                "Digests are daily or weekly.",
            )),
        }
    }

    /// The stored channel name.
    pub fn as_str(self) -> &'static str {
        match self {
            Digest::Daily => "daily",
            Digest::Weekly => "weekly",
        }
    }
}

/// What an unsubscribe link did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribed {
    /// What no longer arrives by e-mail, in words.
    pub what: String,
    /// Whether anything changed (false: it was already so).
    pub changed: bool,
}

const SIGNING_KEY: &str = "link_signing_key";
const CONFIRM_TTL_SECS: i64 = 7 * 86_400;
const RESET_TTL_SECS: i64 = 3600;

impl App {
    pub(crate) async fn signing_key(&self) -> Result<&[u8], AppError> {
        let key = self
            .signing_key
            .get_or_try_init(|| async {
                let v = self
                    .store()
                    .setting_or_init(SIGNING_KEY, &new_token(""), stoa_store::now())
                    .await?;
                Ok::<_, AppError>(v.into_bytes())
            })
            .await?;
        Ok(key)
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.settings().base_url.trim_end_matches('/'))
    }

    /// The host part of the base URL, for `Message-ID`s.
    pub(crate) fn mail_host(&self) -> String {
        let base = &self.settings().base_url;
        let rest = base.split_once("://").map_or(base.as_str(), |(_, r)| r);
        let host = rest.split(['/', ':']).next().unwrap_or("stoa.invalid");
        if host.is_empty() {
            "stoa.invalid".to_string()
        } else {
            host.to_string()
        }
    }

    /// The signed one-click unsubscribe URL of `scope` (a kind, or `daily`/`weekly`).
    async fn unsubscribe_url(&self, user_id: i64, scope: &str) -> Result<String, AppError> {
        let sig = hmac_hex(
            self.signing_key().await?,
            &format!("unsubscribe:{user_id}:{scope}"),
        );
        Ok(self.url(&format!("/unsubscribe/{user_id}/{scope}/{sig}")))
    }

    /// Checks an unsubscribe link's signature; a forged or altered one changes nothing.
    pub async fn check_unsubscribe(
        &self,
        user_id: i64,
        scope: &str,
        sig: &str,
    ) -> Result<String, AppError> {
        let expected = hmac_hex(
            self.signing_key().await?,
            &format!("unsubscribe:{user_id}:{scope}"),
        );
        let valid_scope = is_kind(scope) || Digest::parse(scope).is_ok();
        if !valid_scope || !constant_time_eq(&expected, sig) {
            return Err(bad_link());
        }
        Ok(match Digest::parse(scope) {
            Ok(d) => format!("the {} digest", d.as_str()),
            Err(_) => stoa_domain::notify::KINDS
                .iter()
                .find(|(k, _, _)| *k == scope)
                .map_or_else(|| scope.to_string(), |(_, _, label)| format!("“{label}”")),
        })
    }

    /// Follows a signed unsubscribe link: that kind (or every kind on that digest) stops
    /// arriving by e-mail and stays in the app. Using it again changes nothing more.
    pub async fn unsubscribe(
        &self,
        user_id: i64,
        scope: &str,
        sig: &str,
    ) -> Result<Unsubscribed, AppError> {
        let what = self.check_unsubscribe(user_id, scope, sig).await?;
        let (chosen, _) = self.store().notification_settings(user_id).await?;
        let channel_of = |kind: &str| {
            chosen
                .iter()
                .find(|(k, _)| k == kind)
                .and_then(|(_, c)| Channel::parse(c))
                .unwrap_or_else(|| stoa_domain::notify::default_channel(kind))
        };
        let kinds: Vec<&str> = match Digest::parse(scope) {
            Ok(d) => stoa_domain::notify::KINDS
                .iter()
                .map(|(k, _, _)| *k)
                .filter(|k| channel_of(k).as_str() == d.as_str())
                .collect(),
            Err(_) if channel_of(scope) == Channel::Email => vec![scope],
            Err(_) => Vec::new(),
        };
        for kind in &kinds {
            self.store()
                .set_notification_channel(user_id, kind, Channel::InApp.as_str())
                .await?;
        }
        tracing::info!(
            user.id = user_id,
            scope,
            changed = !kinds.is_empty(),
            "unsubscribed"
        );
        Ok(Unsubscribed {
            what,
            changed: !kinds.is_empty(),
        })
    }

    /// Asks for a password reset link. Answers the same whether or not the address has an
    /// account, so that nobody learns which addresses do; only a real account gets mail.
    pub async fn request_password_reset(&self, email: &str, ip: &str) -> Result<(), AppError> {
        if !ip.is_empty() {
            self.check_and_hit(
                &format!("reset:ip:{ip}"),
                crate::Limit {
                    max: 10,
                    window_secs: 3600,
                },
            )
            .await?;
        }
        let Ok(email) = Email::parse(email) else {
            return Ok(());
        };
        let Some(user_id) = self.store().user_id_by_email_key(&email.key()).await? else {
            return Ok(());
        };
        let now = stoa_store::now();
        // One reset mail per account per minute, whatever the number of requests.
        let job = NewJob::now(
            PASSWORD_RESET_JOB,
            format!("{{\"user_id\":{user_id}}}"),
            now,
        )
        .keyed(format!("mail:reset:{user_id}:{}", now / 60));
        self.store().enqueue(&[job]).await?;
        Ok(())
    }

    /// Sets a new password with a reset token (single use, expiring); ends every session.
    pub async fn reset_password(&self, token: &str, password: &str) -> Result<(), AppError> {
        let password = Password::parse(password)?;
        if token.len() > 200 {
            return Err(bad_link());
        }
        let pw = password.expose().to_string();
        let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
            .await
            .map_err(|e| AppError::Internal(Box::new(e)))?
            .map_err(|e| AppError::Internal(e.to_string().into()))?;
        match self
            .store()
            .reset_password(&token_hash(token), &hash, stoa_store::now())
            .await?
        {
            Some(user_id) => {
                tracing::info!(user.id = user_id, "password reset");
                Ok(())
            }
            None => Err(bad_link()),
        }
    }

    /// Confirms an e-mail address with the token from the confirmation mail.
    pub async fn confirm_email(&self, token: &str) -> Result<i64, AppError> {
        if token.len() > 200 {
            return Err(bad_link());
        }
        if token.starts_with(crate::profile::EMAIL_CHANGE_PREFIX) {
            return self.confirm_email_change(token).await;
        }
        self.store()
            .confirm_email(&token_hash(token), stoa_store::now())
            .await?
            .ok_or_else(bad_link)
    }

    /// Starts a digest round now: one digest job per person with notifications waiting.
    pub async fn start_digest_round(&self, digest: Digest, key: &str) -> Result<(), AppError> {
        let now = stoa_store::now();
        let job = NewJob::now(
            DIGEST_ROUND_JOB,
            format!("{{\"channel\":\"{}\"}}", digest.as_str()),
            now,
        )
        .keyed(format!("digest:{}:{key}", digest.as_str()));
        self.store().enqueue(&[job]).await?;
        Ok(())
    }

    /// Enqueues the digest of everyone waiting for one on `digest`'s channel.
    pub async fn enqueue_digests(&self, digest: Digest, round: i64) -> Result<usize, AppError> {
        let now = stoa_store::now();
        let users = self.store().digest_recipients(digest.as_str()).await?;
        let jobs: Vec<NewJob> = users
            .iter()
            .map(|u| {
                NewJob::now(
                    DIGEST_JOB,
                    format!("{{\"user_id\":{u},\"channel\":\"{}\"}}", digest.as_str()),
                    now,
                )
                .keyed(format!("mail:digest:{}:{u}:{round}", digest.as_str()))
            })
            .collect();
        self.store().enqueue(&jobs).await?;
        Ok(jobs.len())
    }

    pub(crate) async fn capped(&self, user_id: i64) -> Result<bool, AppError> {
        let since = stoa_store::now() - 86_400;
        Ok(self.store().mails_since(user_id, since).await? >= self.settings().mail_daily_cap)
    }

    pub(crate) fn blank_message(
        &self,
        kind: &'static str,
        user_id: i64,
        to: String,
        name: String,
    ) -> MailMessage {
        MailMessage {
            mail_key: String::new(),
            kind,
            user_id,
            to,
            to_name: name,
            subject: String::new(),
            intro: String::new(),
            items: Vec::new(),
            action: None,
            outro: String::new(),
            message_id: String::new(),
            thread: None,
            unsubscribe: None,
            settings_url: self.url("/settings/notifications"),
            notification_ids: Vec::new(),
            site_name: self.settings().site_name.clone(),
        }
    }

    /// The message of a notification to e-mail at once, or why none goes.
    pub async fn notification_mail(&self, notification_id: i64) -> Result<MailOutcome, AppError> {
        let skip = |reason| MailOutcome::Skip {
            reason,
            notification_ids: vec![notification_id],
        };
        let Some(n) = self.store().notification(notification_id).await? else {
            return Ok(MailOutcome::Skip {
                reason: "notification gone",
                notification_ids: Vec::new(),
            });
        };
        if n.mailed_at.is_some() {
            return Ok(skip("already mailed"));
        }
        let Some(r) = self.store().mail_recipient(n.user_id).await? else {
            return Ok(skip("account gone"));
        };
        let (Some(to), true) = (r.email.clone(), r.confirmed) else {
            return Ok(skip("address not confirmed"));
        };
        if self.capped(r.user_id).await? {
            return Ok(skip("daily cap reached"));
        }
        let host = self.mail_host();
        let mut m = self.blank_message("notification", r.user_id, to, r.username);
        m.subject = format!("[{}] {}", self.settings().site_name, n.text);
        m.intro = format!("Hello {},", m.to_name);
        m.items = vec![(n.text.clone(), self.url(&n.url))];
        m.action = Some(("View it on the site".into(), self.url(&n.url)));
        m.message_id = format!("stoa.n{}@{host}", n.id);
        m.thread = n.thread_id.map(|q| format!("stoa.q{q}@{host}"));
        m.unsubscribe = Some(self.unsubscribe_url(r.user_id, &n.kind).await?);
        m.outro = "You get this e-mail because of your notification settings.".into();
        m.notification_ids = vec![n.id];
        Ok(MailOutcome::Send(Box::new(m)))
    }

    /// A person's digest: everything waiting on the channel since the last one.
    pub async fn digest_mail(
        &self,
        user_id: i64,
        digest: Digest,
        round: &str,
    ) -> Result<MailOutcome, AppError> {
        let items = self.store().digest_items(user_id, digest.as_str()).await?;
        let ids: Vec<i64> = items.iter().map(|n| n.id).collect();
        if items.is_empty() {
            return Ok(MailOutcome::Skip {
                reason: "nothing waiting",
                notification_ids: ids,
            });
        }
        let Some(r) = self.store().mail_recipient(user_id).await? else {
            return Ok(MailOutcome::Skip {
                reason: "account gone",
                notification_ids: ids,
            });
        };
        let (Some(to), true) = (r.email.clone(), r.confirmed) else {
            return Ok(MailOutcome::Skip {
                reason: "address not confirmed",
                notification_ids: ids,
            });
        };
        if self.capped(user_id).await? {
            // Kept for the next round rather than lost.
            return Err(AppError::RateLimited { retry_after: 3600 });
        }
        let host = self.mail_host();
        let mut m = self.blank_message("digest", user_id, to, r.username);
        let n = items.len();
        let plural = if n == 1 { "" } else { "s" };
        m.subject = format!(
            "[{}] Your {} digest: {n} notification{plural}",
            self.settings().site_name,
            digest.as_str()
        );
        m.intro = format!(
            "Hello {}, here is what happened since your last {} digest:",
            m.to_name,
            digest.as_str()
        );
        m.items = items
            .iter()
            .map(|n| (n.text.clone(), self.url(&n.url)))
            .collect();
        m.action = Some(("See all notifications".into(), self.url("/notifications")));
        m.message_id = format!("stoa.digest.{}.{user_id}.{round}@{host}", digest.as_str());
        m.unsubscribe = Some(self.unsubscribe_url(user_id, digest.as_str()).await?);
        m.outro = "You get this digest because of your notification settings.".into();
        m.notification_ids = ids;
        Ok(MailOutcome::Send(Box::new(m)))
    }

    /// The confirmation mail of a person's address, with a fresh link.
    pub async fn confirmation_mail(&self, user_id: i64) -> Result<MailOutcome, AppError> {
        self.token_mail(user_id, "confirm_email").await
    }

    /// The password reset mail, with a fresh link valid for an hour.
    pub async fn password_reset_mail(&self, user_id: i64) -> Result<MailOutcome, AppError> {
        self.token_mail(user_id, "password_reset").await
    }

    async fn token_mail(
        &self,
        user_id: i64,
        purpose: &'static str,
    ) -> Result<MailOutcome, AppError> {
        let skip = |reason| MailOutcome::Skip {
            reason,
            notification_ids: Vec::new(),
        };
        let Some(r) = self.store().mail_recipient(user_id).await? else {
            return Ok(skip("account gone"));
        };
        let Some(to) = r.email.clone() else {
            return Ok(skip("no address"));
        };
        if purpose == "confirm_email" && r.confirmed {
            return Ok(skip("already confirmed"));
        }
        let now = stoa_store::now();
        let (prefix, ttl, path) = if purpose == "confirm_email" {
            ("stoa_c_", CONFIRM_TTL_SECS, "/confirm-email")
        } else {
            ("stoa_r_", RESET_TTL_SECS, "/reset-password")
        };
        let token = new_token(prefix);
        self.store()
            .insert_one_time_token(&token_hash(&token), user_id, purpose, now, now + ttl)
            .await?;
        let link = self.url(&format!("{path}?token={token}"));
        let site = self.settings().site_name.clone();
        let host = self.mail_host();
        let mut m = self.blank_message(purpose, user_id, to, r.username);
        m.message_id = format!("stoa.{purpose}.{}@{host}", &token_hash(&token)[..16]);
        m.intro = format!("Hello {},", m.to_name);
        if purpose == "confirm_email" {
            m.subject = format!("[{site}] Please confirm your e-mail address");
            m.items = vec![(
                "Confirm that this address is yours, so that notifications can reach you.".into(),
                link.clone(),
            )];
            m.action = Some(("Confirm my address".into(), link));
            m.outro =
                "If you did not sign up, ignore this message: nothing will be sent again.".into();
        } else {
            m.subject = format!("[{site}] Reset your password");
            m.items = vec![(
                "Someone (hopefully you) asked to reset your password. The link works once, for one hour."
                    .into(),
                link.clone(),
            )];
            m.action = Some(("Choose a new password".into(), link));
            m.outro =
                "If you did not ask for this, ignore this message: your password stays as it is."
                    .into();
        }
        Ok(MailOutcome::Send(Box::new(m)))
    }

    /// Records, before the SMTP conversation, that the message is being sent; what an earlier
    /// attempt of the same job left.
    pub async fn begin_mail(&self, m: &MailMessage) -> Result<MailState, AppError> {
        Ok(self
            .store()
            .begin_mail(&sent_mail(m), stoa_store::now())
            .await?)
    }

    /// Forgets a send the SMTP server did not take, so that the job's retry sends it.
    pub async fn abort_mail(&self, m: &MailMessage) -> Result<(), AppError> {
        Ok(self.store().abort_mail(&m.mail_key).await?)
    }

    /// Completes the job of a send interrupted by its worker's death, without sending again.
    pub async fn mail_interrupted(
        &self,
        job: &stoa_store::jobs::JobRow,
        worker: &str,
        m: &MailMessage,
    ) -> Result<(), AppError> {
        tracing::warn!(job.id = job.id, mail = %m.mail_key, to.user = m.user_id,
            "a worker died while sending this message; it is not sent again, so it may be missing");
        Ok(self
            .store()
            .mail_interrupted(
                (job.id, worker, job.attempts),
                &m.mail_key,
                &m.notification_ids,
                stoa_store::now(),
            )
            .await?)
    }

    /// Records a message the SMTP server accepted and completes its job, in one transaction.
    pub async fn mail_delivered(
        &self,
        job: &stoa_store::jobs::JobRow,
        worker: &str,
        m: &MailMessage,
    ) -> Result<(), AppError> {
        self.store()
            .record_mail(
                (job.id, worker, job.attempts),
                &sent_mail(m),
                stoa_store::now(),
            )
            .await?;
        Ok(())
    }

    /// Completes a mail job that sends nothing.
    pub async fn mail_skipped(
        &self,
        job: &stoa_store::jobs::JobRow,
        worker: &str,
        notification_ids: &[i64],
    ) -> Result<(), AppError> {
        self.store()
            .skip_mail(
                (job.id, worker, job.attempts),
                notification_ids,
                stoa_store::now(),
            )
            .await?;
        Ok(())
    }
}

fn sent_mail(m: &MailMessage) -> SentMail<'_> {
    SentMail {
        mail_key: &m.mail_key,
        user_id: Some(m.user_id),
        kind: m.kind,
        recipient: &m.to,
        subject: &m.subject,
        message_id: &m.message_id,
        notification_ids: &m.notification_ids,
    }
}

pub(crate) fn bad_link() -> AppError {
    AppError::invalid(
        "invalid_token",
        "token",
        "This link is not valid: it may have expired or been used already. Ask for a new one.",
    )
}
