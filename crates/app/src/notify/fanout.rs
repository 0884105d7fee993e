//! Turning one event into notifications: who hears of it, under which kind, with what text.
//! Runs in the job worker; the write happens in one transaction with the job's completion.

use crate::{App, AppError};
use stoa_domain::notify::{default_channel, mentions, short_title, Event};
use stoa_domain::post::{slug, TagSet};
use stoa_domain::post_kind::PostKind;
use stoa_store::jobs::JobRow;
use stoa_store::notify::{Fanout, FanoutJob, Recipients, ThreadPost};
use stoa_store::posts::PostRow;

/// A fan-out under construction: notifications in order, most specific first.
struct Plan {
    event_key: String,
    actor_id: Option<i64>,
    thread_id: Option<i64>,
    url: String,
    batches: Vec<Fanout>,
    auto_follow: Option<(i64, i64)>,
}

impl Plan {
    fn new(event_key: String, actor_id: Option<i64>, thread_id: Option<i64>, url: String) -> Self {
        Plan {
            event_key,
            actor_id,
            thread_id,
            url,
            batches: Vec::new(),
            auto_follow: None,
        }
    }

    fn add(&mut self, kind: &'static str, recipients: Recipients, group_key: String, text: String) {
        if let Recipients::Users(ids) = &recipients {
            if ids.is_empty() {
                return;
            }
        }
        self.batches.push(Fanout {
            recipients,
            kind,
            default_channel: default_channel(kind).as_str(),
            event_key: self.event_key.clone(),
            group_key,
            text,
            url: self.url.clone(),
            thread_id: self.thread_id,
            actor_id: self.actor_id,
        });
    }
}

/// What question URLs and quotes need of a post.
trait Titled {
    fn id(&self) -> i64;
    fn title(&self) -> &str;
}

impl Titled for PostRow {
    fn id(&self) -> i64 {
        self.id
    }
    fn title(&self) -> &str {
        &self.title
    }
}

impl Titled for ThreadPost {
    fn id(&self) -> i64 {
        self.id
    }
    fn title(&self) -> &str {
        &self.title
    }
}

fn question_url(q: &impl Titled) -> String {
    format!("/questions/{}/{}", q.id(), slug(q.title()))
}

fn quoted(q: &impl Titled) -> String {
    format!("“{}”", short_title(q.title()))
}

impl App {
    /// Runs fan-out jobs: plans each (reads), then writes them all in one transaction with
    /// their completions; the ids of the jobs done (a job whose claim was lost is not).
    pub async fn run_fan_outs(&self, jobs: &[JobRow], worker: &str) -> Result<Vec<i64>, AppError> {
        let mut writes = Vec::with_capacity(jobs.len());
        // Webhooks are few; read them once per batch.
        let webhooks = self.store().active_webhooks().await?;
        for job in jobs {
            let event: Event = serde_json::from_str(&job.payload).map_err(|e| {
                AppError::Internal(format!("job {} has an unreadable event: {e}", job.id).into())
            })?;
            let (batches, auto_follow) = match self.plan(event).await? {
                Some(p) => (p.batches, p.auto_follow),
                None => (Vec::new(), None),
            };
            let deliveries = if webhooks.is_empty() {
                Vec::new()
            } else {
                self.webhook_deliveries_for(&webhooks, &event, job).await?
            };
            writes.push(FanoutJob {
                claim: (job.id, worker, job.attempts),
                batches,
                auto_follow,
                deliveries,
            });
        }
        Ok(self.store().fan_out(&writes, stoa_store::now()).await?)
    }

    async fn plan(&self, event: Event) -> Result<Option<Plan>, AppError> {
        match event {
            Event::PostCreated { post_id } => self.plan_post(post_id).await,
            Event::CommentAdded { comment_id } => self.plan_comment(comment_id).await,
            Event::AnswerAccepted {
                question_id,
                answer_id,
            } => self.plan_accept(question_id, answer_id).await,
            Event::PostEdited {
                post_id,
                editor_id,
                revision,
            } => self.plan_edit(post_id, editor_id, revision).await,
            Event::EditSuggested { suggestion_id } => self.plan_suggestion(suggestion_id).await,
            Event::SuggestionReviewed { suggestion_id } => {
                self.plan_suggestion_review(suggestion_id).await
            }
            Event::ModerationAction { action_id } => self.plan_moderation(action_id).await,
            Event::FlagsHandled {
                post_id,
                handled_at,
            } => self.plan_flags(post_id, handled_at).await,
            Event::AppealDecided { appeal_id } => self.plan_appeal(appeal_id).await,
            Event::TicketMessage {
                ticket_id,
                message_id,
            } => self.plan_ticket_message(ticket_id, message_id).await,
            Event::BadgeAwarded { badge, awarded_at } => self.plan_badge(badge, awarded_at).await,
            Event::BountyEnded { bounty_id } => self.plan_bounty(bounty_id).await,
            Event::WebhookDisabled { webhook_id } => self.plan_webhook_disabled(webhook_id).await,
            // For webhooks only: moderators and agents see these in their queues.
            Event::PostDeleted { .. }
            | Event::FlagRaised { .. }
            | Event::TicketCreated { .. }
            | Event::TicketChanged { .. } => Ok(None),
        }
    }

    /// A live, published post and the question it belongs to (itself for a question).
    async fn with_question(&self, id: i64) -> Result<Option<(ThreadPost, ThreadPost)>, AppError> {
        Ok(self.store().thread_post(id).await?)
    }

    async fn mentioned(&self, markdown: &str) -> Result<Vec<i64>, AppError> {
        let names = mentions(markdown);
        Ok(self
            .store()
            .users_by_username_keys(&names)
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect())
    }

    async fn plan_post(&self, post_id: i64) -> Result<Option<Plan>, AppError> {
        let Some((p, q)) = self.with_question(post_id).await? else {
            return Ok(None);
        };
        let who = p.author_name.clone();
        let is_answer = p.kind == PostKind::Answer;
        let url = if is_answer {
            format!("{}#answer-{}", question_url(&q), p.id)
        } else {
            question_url(&q)
        };
        let mut plan = Plan::new(
            format!("post:{post_id}"),
            Some(p.author_id),
            Some(q.id),
            url,
        );
        if is_answer {
            plan.add(
                "answer",
                Recipients::Users(vec![q.author_id]),
                format!("answers:{}", q.id),
                format!("{who} answered your question {}", quoted(&q)),
            );
        }
        let mentioned = self.mentioned(&p.body_md).await?;
        plan.add(
            "mention",
            Recipients::Users(mentioned),
            format!("mention:{}", p.id),
            format!("{who} mentioned you in {}", quoted(&q)),
        );
        if is_answer {
            plan.add(
                "followed_question",
                Recipients::Followers("question", q.id.to_string()),
                format!("answers:{}", q.id),
                format!("{who} answered {}", quoted(&q)),
            );
        } else {
            for tag in TagSet::split_stored(&q.tags) {
                plan.add(
                    "followed_tag",
                    Recipients::Followers("tag", tag.clone()),
                    format!("tag:{tag}"),
                    format!("New question in [{tag}]: {}", quoted(&q)),
                );
            }
        }
        let verb = if is_answer { "answered" } else { "asked" };
        plan.add(
            "followed_user",
            Recipients::Followers("user", p.author_id.to_string()),
            format!("user:{}", p.author_id),
            format!("{who} {verb} {}", quoted(&q)),
        );
        if self.store().auto_follows(p.author_id).await? {
            plan.auto_follow = Some((p.author_id, q.id));
        }
        Ok(Some(plan))
    }

    async fn plan_comment(&self, comment_id: i64) -> Result<Option<Plan>, AppError> {
        let Some(c) = self.store().comment(comment_id).await? else {
            return Ok(None);
        };
        let Some((p, q)) = self.with_question(c.post_id).await? else {
            return Ok(None);
        };
        let who = c.author_name.clone();
        let url = if p.kind == PostKind::Answer {
            format!("{}#answer-{}", question_url(&q), p.id)
        } else {
            format!("{}#question", question_url(&q))
        };
        let mut plan = Plan::new(
            format!("comment:{comment_id}"),
            Some(c.author_id),
            Some(q.id),
            url,
        );
        let on = if p.kind == PostKind::Answer {
            "your answer on"
        } else {
            "your question"
        };
        plan.add(
            "comment",
            Recipients::Users(vec![p.author_id]),
            format!("comments:{}", p.id),
            format!("{who} commented on {on} {}", quoted(&q)),
        );
        let mentioned = self.mentioned(&c.body_md).await?;
        plan.add(
            "mention",
            Recipients::Users(mentioned),
            format!("comments:{}", p.id),
            format!("{who} mentioned you in a comment on {}", quoted(&q)),
        );
        let earlier = self.store().commenters_on(p.id).await?;
        plan.add(
            "comment_reply",
            Recipients::Users(earlier),
            format!("comments:{}", p.id),
            format!("{who} also commented on {}", quoted(&q)),
        );
        plan.add(
            "followed_question",
            Recipients::Followers("question", q.id.to_string()),
            format!("comments:{}", q.id),
            format!("{who} commented on {}", quoted(&q)),
        );
        Ok(Some(plan))
    }

    async fn plan_accept(
        &self,
        question_id: i64,
        answer_id: i64,
    ) -> Result<Option<Plan>, AppError> {
        let Some((a, q)) = self.with_question(answer_id).await? else {
            return Ok(None);
        };
        if q.id != question_id || q.accepted_answer_id != Some(answer_id) {
            // Withdrawn or changed before the worker came to it.
            return Ok(None);
        }
        let url = format!("{}#answer-{answer_id}", question_url(&q));
        let mut plan = Plan::new(
            format!("accept:{answer_id}"),
            Some(q.author_id),
            Some(q.id),
            url,
        );
        plan.add(
            "accepted",
            Recipients::Users(vec![a.author_id]),
            format!("accepted:{}", q.id),
            format!("{} accepted your answer on {}", q.author_name, quoted(&q)),
        );
        plan.add(
            "followed_question",
            Recipients::Followers("question", q.id.to_string()),
            format!("accepted:{}", q.id),
            format!("An answer was accepted on {}", quoted(&q)),
        );
        Ok(Some(plan))
    }

    async fn plan_edit(
        &self,
        post_id: i64,
        editor_id: i64,
        revision: i64,
    ) -> Result<Option<Plan>, AppError> {
        let Some((p, q)) = self.with_question(post_id).await? else {
            return Ok(None);
        };
        if p.author_id == editor_id {
            return Ok(None);
        }
        let editor = self
            .store()
            .usernames(&[editor_id])
            .await?
            .into_iter()
            .next()
            .map_or_else(|| "Someone".to_string(), |(_, n)| n);
        let mut plan = Plan::new(
            format!("edit:{post_id}:{revision}"),
            Some(editor_id),
            Some(q.id),
            format!("/posts/{post_id}/revisions"),
        );
        let what = if p.kind == PostKind::Answer {
            "your answer on"
        } else {
            "your question"
        };
        plan.add(
            "edited",
            Recipients::Users(vec![p.author_id]),
            format!("edits:{post_id}"),
            format!("{editor} edited {what} {}", quoted(&q)),
        );
        Ok(Some(plan))
    }

    async fn plan_suggestion(&self, id: i64) -> Result<Option<Plan>, AppError> {
        let Some(s) = self.store().suggested_edit(id).await? else {
            return Ok(None);
        };
        let Some((p, q)) = self.with_question(s.post_id).await? else {
            return Ok(None);
        };
        let mut plan = Plan::new(
            format!("suggestion:{id}"),
            Some(s.author_id),
            Some(q.id),
            format!("/suggested-edits/{id}"),
        );
        plan.add(
            "suggested_edit",
            Recipients::Users(vec![p.author_id]),
            format!("suggestions:{}", p.id),
            format!(
                "{} suggested an edit to your post {}",
                s.author_name,
                quoted(&q)
            ),
        );
        Ok(Some(plan))
    }

    async fn plan_suggestion_review(&self, id: i64) -> Result<Option<Plan>, AppError> {
        let Some(s) = self.store().suggested_edit(id).await? else {
            return Ok(None);
        };
        let Some((_, q)) = self.with_question(s.post_id).await? else {
            return Ok(None);
        };
        let outcome = match s.status.as_str() {
            "approved" => "approved",
            "rejected" => "rejected",
            _ => "reviewed",
        };
        let mut plan = Plan::new(
            format!("suggestion-review:{id}"),
            s.reviewer_id,
            Some(q.id),
            format!("/suggested-edits/{id}"),
        );
        let reason = if s.review_reason.is_empty() {
            String::new()
        } else {
            format!(": {}", s.review_reason)
        };
        plan.add(
            "suggestion_reviewed",
            Recipients::Users(vec![s.author_id]),
            format!("suggestion-review:{id}"),
            format!(
                "Your suggested edit on {} was {outcome}{reason}",
                quoted(&q)
            ),
        );
        Ok(Some(plan))
    }

    async fn plan_moderation(&self, action_id: i64) -> Result<Option<Plan>, AppError> {
        let Some(a) = self.store().moderation_action(action_id).await? else {
            return Ok(None);
        };
        let Some(affected) = a.affected_user_id else {
            return Ok(None);
        };
        let on = match &a.question {
            Some((_, title)) => format!(" on “{}”", short_title(title)),
            None if a.target_type == "user" => " on your account".to_string(),
            None => String::new(),
        };
        let detail = if a.private_detail.is_empty() {
            String::new()
        } else {
            format!(" Private note to you: {}", a.private_detail)
        };
        let mut plan = Plan::new(
            format!("moderation:{action_id}"),
            a.actor_id,
            a.question.as_ref().map(|(id, _)| *id),
            format!("/moderation/actions/{action_id}"),
        );
        plan.add(
            "moderation",
            Recipients::Users(vec![affected]),
            format!("moderation:{action_id}"),
            format!(
                "A moderator took the action “{}”{on}. Reason: {}.{detail}",
                a.action.replace('_', " "),
                a.reason.trim_end_matches('.')
            ),
        );
        Ok(Some(plan))
    }

    async fn plan_flags(&self, post_id: i64, handled_at: i64) -> Result<Option<Plan>, AppError> {
        let Some(p) = self.store().post(post_id).await? else {
            return Ok(None);
        };
        let q = match p.parent_id {
            Some(q) => match self.store().post(q).await? {
                Some(q) => q,
                None => return Ok(None),
            },
            None => p.clone(),
        };
        let flaggers = self.store().flaggers_handled(post_id, handled_at).await?;
        let mut plan = Plan::new(
            format!("flags:{post_id}:{handled_at}"),
            None,
            Some(q.id),
            question_url(&q),
        );
        for outcome in ["helpful", "declined"] {
            let ids: Vec<i64> = flaggers
                .iter()
                .filter(|(_, s)| s == outcome)
                .map(|(id, _)| *id)
                .collect();
            let verdict = if outcome == "helpful" {
                "was marked helpful: thank you"
            } else {
                "was declined"
            };
            plan.add(
                "flag_handled",
                Recipients::Users(ids),
                format!("flags:{post_id}"),
                format!("Your flag on {} {verdict}", quoted(&q)),
            );
        }
        Ok(Some(plan))
    }

    async fn plan_appeal(&self, appeal_id: i64) -> Result<Option<Plan>, AppError> {
        let Some(ap) = self.store().appeal(appeal_id).await? else {
            return Ok(None);
        };
        let outcome = match ap.status.as_str() {
            "reversed" => "granted: the action was reversed",
            "upheld" => "declined: the action stands",
            _ => return Ok(None),
        };
        let reason = if ap.decision_reason.is_empty() {
            String::new()
        } else {
            format!(" Reason: {}", ap.decision_reason)
        };
        let mut plan = Plan::new(
            format!("appeal:{appeal_id}"),
            ap.decided_by,
            None,
            format!("/moderation/actions/{}", ap.action_id),
        );
        plan.add(
            "appeal_decided",
            Recipients::Users(vec![ap.user_id]),
            format!("appeal:{appeal_id}"),
            format!("Your appeal was {outcome}.{reason}"),
        );
        Ok(Some(plan))
    }

    /// A badge run: everyone it gave the badge to (claimed accounts only).
    async fn plan_badge(&self, badge: i64, awarded_at: i64) -> Result<Option<Plan>, AppError> {
        let Some(b) = usize::try_from(badge)
            .ok()
            .and_then(|i| stoa_domain::badges::CATALOGUE.get(i))
        else {
            return Ok(None);
        };
        let who = self.store().badge_recipients(b.key, awarded_at).await?;
        let mut plan = Plan::new(
            format!("badge:{}:{awarded_at}", b.key),
            None,
            None,
            format!("/badges/{}", b.key),
        );
        plan.add(
            "badge",
            Recipients::Users(who),
            format!("badge:{}", b.key),
            format!(
                "You earned the {} badge ({}): {}",
                b.name,
                b.tier.as_str(),
                b.description
            ),
        );
        Ok(Some(plan))
    }

    /// A bounty that ended: its answerer hears of the points; when it ran out, so does the
    /// member who offered it.
    async fn plan_bounty(&self, bounty_id: i64) -> Result<Option<Plan>, AppError> {
        let Some(b) = self.store().bounty(bounty_id).await? else {
            return Ok(None);
        };
        let Some((_, q)) = self.with_question(b.question_id).await? else {
            return Ok(None);
        };
        let url = match b.awarded_answer_id {
            Some(a) => format!("{}#answer-{a}", question_url(&q)),
            None => question_url(&q),
        };
        // An award is the offerer's act; a bounty running out is nobody's, so the offerer
        // (never notified of their own acts) hears of it.
        let actor = (b.status == "awarded").then_some(b.offered_by);
        let mut plan = Plan::new(format!("bounty:{bounty_id}"), actor, Some(q.id), url);
        if let Some(to) = b.awarded_to {
            plan.add(
                "bounty",
                Recipients::Users(vec![to]),
                format!("bounty:{bounty_id}"),
                format!(
                    "Your answer to {} received a bounty of +{}",
                    quoted(&q),
                    b.awarded_amount
                ),
            );
        }
        if b.status == "expired" {
            let text = match &b.awarded_to_name {
                Some(name) => format!(
                    "Your bounty on {} ended: half of it, +{}, went to {name}'s answer, the best posted during it",
                    quoted(&q),
                    b.awarded_amount
                ),
                None => format!(
                    "Your bounty on {} ended without an answer scoring 2 or more; the points are spent",
                    quoted(&q)
                ),
            };
            plan.add(
                "bounty",
                Recipients::Users(vec![b.offered_by]),
                format!("bounty-offer:{bounty_id}"),
                text,
            );
        }
        Ok(Some(plan))
    }

    /// A webhook switched off after failing for a day: its owner hears of it.
    async fn plan_webhook_disabled(&self, webhook_id: i64) -> Result<Option<Plan>, AppError> {
        let Some(w) = self.store().webhook(webhook_id).await? else {
            return Ok(None);
        };
        let Some(disabled_at) = w.disabled_at else {
            return Ok(None);
        };
        let mut plan = Plan::new(
            format!("webhook:{webhook_id}:{disabled_at}"),
            None,
            None,
            format!("/settings/webhooks#webhook-{webhook_id}"),
        );
        plan.add(
            "webhook",
            Recipients::Users(vec![w.owner_id]),
            format!("webhook:{webhook_id}"),
            format!(
                "Your webhook to {} was disabled: {}. Fix the receiver, then turn the webhook back on.",
                w.url,
                w.disabled_reason.trim_end_matches('.')
            ),
        );
        Ok(Some(plan))
    }

    /// A public message on a ticket: an agent's reply reaches the customer; the customer's
    /// reaches the assigned agent. Tickets are private, so only these two ever hear of it.
    async fn plan_ticket_message(
        &self,
        ticket_id: i64,
        message_id: i64,
    ) -> Result<Option<Plan>, AppError> {
        let Some(t) = self.store().ticket(ticket_id).await? else {
            return Ok(None);
        };
        let messages = self.store().ticket_messages(ticket_id, false).await?;
        let Some(m) = messages.iter().find(|m| m.id == message_id) else {
            return Ok(None);
        };
        let subject = short_title(&t.subject);
        let mut plan = Plan::new(
            format!("ticket_message:{message_id}"),
            Some(m.author_id),
            None,
            format!("/support/tickets/{ticket_id}"),
        );
        if m.author_id == t.requester_id {
            if let Some(agent) = t.assignee_id {
                plan.add(
                    "ticket_update",
                    Recipients::Users(vec![agent]),
                    format!("ticket:{ticket_id}"),
                    format!(
                        "{} wrote on ticket #{ticket_id} “{subject}”",
                        t.requester_name
                    ),
                );
            }
        } else {
            plan.add(
                "ticket_reply",
                Recipients::Users(vec![t.requester_id]),
                format!("ticket:{ticket_id}"),
                format!("Support replied to your ticket #{ticket_id} “{subject}”"),
            );
        }
        Ok(Some(plan))
    }
}
