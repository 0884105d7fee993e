//! The support desk beyond the conversation: satisfaction ratings, publishing a solved ticket
//! as public knowledge with the customer's consent, agents' verdicts on coverage, canned
//! replies, and the weekly support report.

use crate::tickets::is_agent;
use crate::{App, AppError, AuthUser, TicketView};
use std::collections::BTreeMap;
use stoa_domain::policy::{decide, Action, Target};
use stoa_domain::post::{Body, TagSet, Title};
use stoa_domain::post_kind::{PostKind, PostStatus};
use stoa_domain::redact::redact;
use stoa_domain::support::{content_gaps, parse_day, percentile, week_start, Gap};
use stoa_store::posts::NewPost;
use stoa_store::support::{CannedReplyRow, NewPublication, ReportTicket};

/// Weeks the report covers when no range is given.
const DEFAULT_WEEKS: i64 = 8;
/// The longest range a report covers.
const MAX_REPORT_DAYS: i64 = 366;
/// Tag of a published ticket without tags of its own.
const DEFAULT_PUBLISHED_TAG: &str = "support";

/// Response times of one plan in one period, in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanTimes {
    /// Plan name.
    pub plan: String,
    /// Tickets filed.
    pub tickets: usize,
    /// Median time to the first agent reply.
    pub first_reply_median: Option<i64>,
    /// 90th percentile of it.
    pub first_reply_p90: Option<i64>,
    /// Median time to solved.
    pub resolution_median: Option<i64>,
    /// 90th percentile of it.
    pub resolution_p90: Option<i64>,
}

/// One week of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportWeek {
    /// Monday 00:00 UTC.
    pub week_start: i64,
    /// Tickets filed.
    pub tickets: usize,
    /// Times by plan.
    pub plans: Vec<PlanTimes>,
    /// Share of tickets that broke no promise.
    pub sla_attainment: Option<f64>,
    /// Share of ratings that were good.
    pub csat: Option<f64>,
    /// Ratings given.
    pub ratings: usize,
    /// Share of tickets on topics public knowledge already covers.
    pub covered_share: Option<f64>,
}

/// A post that covers tickets.
#[derive(Debug, Clone, PartialEq)]
pub struct CoveringPost {
    /// The post.
    pub post_id: i64,
    /// `question` or `article`.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Tickets it covers in the period.
    pub tickets: usize,
}

/// The support report.
#[derive(Debug, Clone, PartialEq)]
pub struct SupportReport {
    /// Start of the period (inclusive).
    pub from: i64,
    /// End of the period (exclusive).
    pub to: i64,
    /// Week by week, oldest first.
    pub weeks: Vec<ReportWeek>,
    /// The whole period as one row.
    pub total: ReportWeek,
    /// The posts that cover the most tickets: improve them first.
    pub top_covering: Vec<CoveringPost>,
    /// Topics with tickets and failed searches but no good match: write these next.
    pub gaps: Vec<Gap>,
}

fn share(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn summarize(week_start: i64, tickets: &[&ReportTicket]) -> ReportWeek {
    let mut plans: BTreeMap<&str, Vec<&ReportTicket>> = BTreeMap::new();
    for t in tickets {
        plans.entry(t.plan.as_str()).or_default().push(t);
    }
    let plans = plans
        .into_iter()
        .map(|(plan, ts)| {
            let first: Vec<i64> = ts
                .iter()
                .filter_map(|t| t.first_reply_at.map(|f| f - t.created_at))
                .collect();
            let resolved: Vec<i64> = ts
                .iter()
                .filter_map(|t| t.solved_at.map(|s| s - t.created_at))
                .collect();
            PlanTimes {
                plan: plan.to_string(),
                tickets: ts.len(),
                first_reply_median: percentile(&first, 50),
                first_reply_p90: percentile(&first, 90),
                resolution_median: percentile(&resolved, 50),
                resolution_p90: percentile(&resolved, 90),
            }
        })
        .collect();
    let ratings = tickets.iter().filter(|t| t.csat.is_some()).count();
    let good = tickets
        .iter()
        .filter(|t| t.csat.as_deref() == Some("good"))
        .count();
    ReportWeek {
        week_start,
        tickets: tickets.len(),
        plans,
        sla_attainment: share(
            tickets.iter().filter(|t| !t.breached).count(),
            tickets.len(),
        ),
        csat: share(good, ratings),
        ratings,
        covered_share: share(
            tickets.iter().filter(|t| t.covered_by.is_some()).count(),
            tickets.len(),
        ),
    }
}

/// The staff's proposal to publish a ticket: the title and texts may be edited from the
/// masked defaults.
#[derive(Debug, Clone, Default)]
pub struct ProposeInput {
    /// The reply to publish as the answer (default: the last public reply of an agent).
    pub answer_message_id: Option<i64>,
}

/// The customer's answer to a publication proposal.
#[derive(Debug, Clone, Default)]
pub struct ConsentInput {
    /// Publish (`true`) or not.
    pub accept: bool,
    /// The title as they want it (default: the proposed one).
    pub title: Option<String>,
    /// The question as they want it (default: the proposed one).
    pub body: Option<String>,
}

impl App {
    fn require_agent(&self, user: &AuthUser) -> Result<(), AppError> {
        decide(&user.actor(), Action::WorkTickets, Target::Site)?;
        Ok(())
    }

    /// The customer rates a solved ticket: `good` or `bad`, with an optional comment; a new
    /// rating replaces the old.
    pub async fn rate_ticket(
        &self,
        user: &AuthUser,
        id: i64,
        rating: &str,
        comment: &str,
    ) -> Result<TicketView, AppError> {
        let t = self.ticket(user, id).await?.ticket;
        if t.requester_id != user.id {
            return Err(AppError::Refused {
                code: "not_allowed",
                message: "Only the customer who filed a ticket rates it.".into(),
            });
        }
        if !matches!(rating, "good" | "bad") {
            return Err(AppError::invalid(
                "invalid_rating",
                "rating",
                "The rating is good or bad.",
            ));
        }
        let comment = comment.trim();
        if comment.chars().count() > 2000 {
            return Err(AppError::invalid(
                "invalid_comment",
                "comment",
                "The comment can have at most 2,000 characters.",
            ));
        }
        if !matches!(t.status.as_str(), "solved" | "closed") {
            return Err(AppError::Conflict {
                code: "not_solved",
                message: "You can rate a ticket once it is solved.".into(),
            });
        }
        self.store()
            .rate_ticket(id, user.id, rating, comment, stoa_store::now())
            .await?;
        self.ticket(user, id).await
    }

    /// An agent proposes to publish a solved ticket as a public question with its answer.
    /// The customer's name, e-mail addresses, phone numbers, order numbers and links with
    /// tokens are masked in the proposal, which the customer then sees, edits and accepts or
    /// declines. Nothing is public before that.
    pub async fn propose_publication(
        &self,
        user: &AuthUser,
        id: i64,
        input: ProposeInput,
    ) -> Result<TicketView, AppError> {
        let view = self.ticket(user, id).await?;
        self.require_agent(user)?;
        let t = &view.ticket;
        if !matches!(t.status.as_str(), "solved" | "closed") {
            return Err(AppError::Conflict {
                code: "not_solved",
                message: "Only a solved ticket can be published.".into(),
            });
        }
        if t.published_question_id.is_some()
            || view.publication.as_ref().map(|p| p.state.as_str()) == Some("accepted")
        {
            return Err(AppError::Conflict {
                code: "already_published",
                message: "This ticket is already public.".into(),
            });
        }
        let customer = self.user(t.requester_id).await?;
        let question = view
            .messages
            .iter()
            .find(|m| m.author_id == t.requester_id && !m.internal)
            .ok_or(AppError::NotFound("question"))?;
        let answer = view
            .messages
            .iter()
            .rev()
            .filter(|m| !m.internal && m.author_id != t.requester_id)
            .find(|m| input.answer_message_id.is_none_or(|a| a == m.id))
            .ok_or(AppError::Conflict {
                code: "no_answer",
                message: "There is no public reply of an agent to publish as the answer.".into(),
            })?;
        let names: Vec<&str> = [customer.username.as_str()]
            .into_iter()
            .filter(|n| !n.trim().is_empty())
            .collect();
        let tags = if view.tags.is_empty() {
            DEFAULT_PUBLISHED_TAG.to_string()
        } else {
            view.tags.join(" ")
        };
        self.store()
            .propose_publication(&NewPublication {
                ticket_id: id,
                proposed_by: user.id,
                answerer_id: answer.author_id,
                title: &redact(&t.subject, &names).text,
                question_md: &redact(&question.body_md, &names).text,
                answer_md: &redact(&answer.body_md, &names).text,
                tags: &tags,
                now: stoa_store::now(),
            })
            .await?;
        tracing::info!(ticket.id = id, "publication proposed");
        self.ticket(user, id).await
    }

    /// The customer consents to publishing (with their edits) or declines. On consent the
    /// question is published under their name, the agent's reply as its accepted answer, and
    /// the ticket links to it.
    pub async fn consent_publication(
        &self,
        user: &AuthUser,
        id: i64,
        input: ConsentInput,
    ) -> Result<TicketView, AppError> {
        let view = self.ticket(user, id).await?;
        if view.ticket.requester_id != user.id {
            return Err(AppError::Refused {
                code: "not_allowed",
                message: "Only the customer who filed a ticket can consent to publishing it."
                    .into(),
            });
        }
        let Some(p) = view.publication.filter(|p| p.state == "proposed") else {
            return Err(AppError::Conflict {
                code: "no_proposal",
                message: "There is no proposal to publish this ticket waiting for you.".into(),
            });
        };
        let title = Title::parse(input.title.as_deref().unwrap_or(&p.title))?;
        let body = Body::parse(input.body.as_deref().unwrap_or(&p.question_md))?;
        if !input.accept {
            self.store()
                .decide_publication(
                    id,
                    user.id,
                    false,
                    title.as_str(),
                    body.as_str(),
                    None,
                    stoa_store::now(),
                )
                .await?;
            return self.ticket(user, id).await;
        }
        // Declining stays open to a suspended customer; publishing under their name does not.
        user.may_write()?;
        let tags: Vec<&str> = p.tags.split_whitespace().collect();
        let tags = TagSet::parse(&tags)?;
        let names: Vec<String> = tags
            .names()
            .iter()
            .map(|t| t.as_str().to_string())
            .collect();
        let now = stoa_store::now();
        let html = stoa_markdown::render_post(body.as_str());
        let text = stoa_markdown::plain_text(&html);
        let question_id = self
            .store()
            .insert_post(&NewPost {
                kind: PostKind::Question,
                parent_id: None,
                author_id: user.id,
                title: title.as_str(),
                body_md: body.as_str(),
                body_html: &html,
                body_text: &text,
                tags: &names,
                status: PostStatus::Published,
                hold_reason: None,
                now,
            })
            .await?;
        let answer = Body::parse(&p.answer_md)?;
        let answer_html = stoa_markdown::render_post(answer.as_str());
        let answer_text = stoa_markdown::plain_text(&answer_html);
        let answer_id = self
            .store()
            .insert_post(&NewPost {
                kind: PostKind::Answer,
                parent_id: Some(question_id),
                author_id: p.answerer_id,
                title: "",
                body_md: answer.as_str(),
                body_html: &answer_html,
                body_text: &answer_text,
                tags: &[],
                status: PostStatus::Published,
                hold_reason: None,
                now,
            })
            .await?;
        self.accept_answer(user, question_id, Some(answer_id))
            .await?;
        let decided = self
            .store()
            .decide_publication(
                id,
                user.id,
                true,
                title.as_str(),
                body.as_str(),
                Some(question_id),
                now,
            )
            .await?;
        if !decided {
            // A concurrent decision won; the question stands as the customer asked for it.
            tracing::warn!(ticket.id = id, "publication decided twice");
        }
        tracing::info!(ticket.id = id, post.id = question_id, "ticket published");
        self.ticket(user, id).await
    }

    /// An agent confirms or rejects the post recorded as covering a ticket (or names one).
    pub async fn judge_coverage(
        &self,
        user: &AuthUser,
        id: i64,
        post_id: Option<i64>,
        confirm: bool,
    ) -> Result<TicketView, AppError> {
        let view = self.ticket(user, id).await?;
        self.require_agent(user)?;
        let post = match post_id.or(view.ticket.covered_by) {
            Some(p) => p,
            None => {
                return Err(AppError::invalid(
                    "no_coverage",
                    "post_id",
                    "Name the article or question that covers this ticket.",
                ))
            }
        };
        let titles = self.store().post_titles(&[post]).await?;
        if !titles.contains_key(&post) {
            return Err(AppError::invalid(
                "unknown_post",
                "post_id",
                "There is no such article or question.",
            ));
        }
        let state = if confirm { "confirmed" } else { "rejected" };
        self.store()
            .set_coverage(id, post, None, state, Some(user.id), stoa_store::now())
            .await?;
        self.ticket(user, id).await
    }

    /// Canned replies (agents).
    pub async fn canned_replies(&self, user: &AuthUser) -> Result<Vec<CannedReplyRow>, AppError> {
        self.require_agent(user)?;
        Ok(self.store().canned_replies().await?)
    }

    /// Adds a canned reply (agents): a title of 1 to 100 characters and a Markdown body.
    pub async fn add_canned_reply(
        &self,
        user: &AuthUser,
        title: &str,
        body: &str,
    ) -> Result<CannedReplyRow, AppError> {
        self.require_agent(user)?;
        let title = title.trim();
        if title.is_empty() || title.chars().count() > 100 {
            return Err(AppError::invalid(
                "invalid_title",
                "title",
                "The title needs 1 to 100 characters.",
            ));
        }
        let body = Body::parse(body)?;
        let id = match self
            .store()
            .insert_canned_reply(title, body.as_str(), user.id, stoa_store::now())
            .await
        {
            Ok(id) => id,
            Err(stoa_store::StoreError::Conflict(_)) => {
                return Err(AppError::Conflict {
                    code: "title_taken",
                    message: "A canned reply with this title exists; choose another title.".into(),
                })
            }
            Err(e) => return Err(e.into()),
        };
        Ok(CannedReplyRow {
            id,
            title: title.to_string(),
            body_md: body.as_str().to_string(),
        })
    }

    /// Deletes a canned reply (agents).
    pub async fn delete_canned_reply(&self, user: &AuthUser, id: i64) -> Result<(), AppError> {
        self.require_agent(user)?;
        if !self.store().delete_canned_reply(id).await? {
            return Err(AppError::NotFound("canned reply"));
        }
        Ok(())
    }

    /// The support report over `[from, to)` (`YYYY-MM-DD`; default the last eight weeks), by
    /// week: tickets, response times by plan, SLA attainment, satisfaction, the share covered
    /// by public knowledge; the posts covering most tickets; the content gaps. Agents and
    /// admins only.
    pub async fn support_report(
        &self,
        user: &AuthUser,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<SupportReport, AppError> {
        self.require_agent(user)?;
        let day = |raw: Option<&str>, field: &'static str| -> Result<Option<i64>, AppError> {
            match raw.map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => parse_day(s).map(Some).ok_or_else(|| {
                    AppError::invalid("invalid_date", field, "Dates are written YYYY-MM-DD.")
                }),
            }
        };
        let now = stoa_store::now();
        // Up to the end of the last day (today by default).
        let to = day(to, "to")?.map_or(now - now.rem_euclid(86_400), |t| t) + 86_400;
        let from = day(from, "from")?.unwrap_or(week_start(now) - (DEFAULT_WEEKS - 1) * 7 * 86_400);
        if from >= to || to - from > MAX_REPORT_DAYS * 86_400 {
            return Err(AppError::invalid(
                "invalid_range",
                "from",
                "The report covers 1 to 366 days: from must come before to.",
            ));
        }
        let tickets = self.store().report_tickets(from, to).await?;
        let mut weeks: BTreeMap<i64, Vec<&ReportTicket>> = BTreeMap::new();
        for t in &tickets {
            weeks.entry(week_start(t.created_at)).or_default().push(t);
        }
        let all: Vec<&ReportTicket> = tickets.iter().collect();
        let mut covering: BTreeMap<i64, usize> = BTreeMap::new();
        for t in &tickets {
            if let Some(p) = t.covered_by {
                *covering.entry(p).or_default() += 1;
            }
        }
        let mut top: Vec<(i64, usize)> = covering.into_iter().collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        top.truncate(10);
        let ids: Vec<i64> = top.iter().map(|(id, _)| *id).collect();
        let titles = self.store().post_titles(&ids).await?;
        let top_covering = top
            .into_iter()
            .filter_map(|(post_id, n)| {
                titles.get(&post_id).map(|(kind, title)| CoveringPost {
                    post_id,
                    kind: kind.clone(),
                    title: title.clone(),
                    tickets: n,
                })
            })
            .collect();
        let uncovered: Vec<&str> = tickets
            .iter()
            .filter(|t| t.covered_by.is_none())
            .map(|t| t.subject.as_str())
            .collect();
        let misses = self.store().search_misses(from, to).await?;
        let misses: Vec<&str> = misses.iter().map(String::as_str).collect();
        Ok(SupportReport {
            from,
            to,
            weeks: weeks.iter().map(|(w, ts)| summarize(*w, ts)).collect(),
            total: summarize(from, &all),
            top_covering,
            gaps: content_gaps(&uncovered, &misses, 20),
        })
    }

    /// The people tickets can be assigned to (agents only ask).
    pub async fn agents(&self, user: &AuthUser) -> Result<Vec<(i64, String)>, AppError> {
        self.require_agent(user)?;
        Ok(self.store().agents().await?)
    }

    /// Whether a user may see the support report and the agent workspace.
    pub fn works_tickets(&self, user: &AuthUser) -> bool {
        is_agent(user)
    }
}
