//! `stoa serve --demo`: fills an empty site with a small, bundled sample community, so that a
//! newcomer sees a living help center at first start.
//!
//! The content (`crates/stoa/demo/lumen.toml`, original text written for Stoa about a fictional
//! home-automation hub) is loaded through the ordinary use cases (`create_user`,
//! `ask_question`, `post_answer`, `accept_answer`, `vote`, `add_comment`), so revisions, tags,
//! the search index, counters and reputation are exactly as if people had done it.

use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use stoa_app::{App, AppError, AuthUser, QuestionInput, QuestionSort, SignupInput};
use stoa_domain::account::{Role, Username};
use stoa_domain::post::{Body, CommentText, TagSet, Title};

/// The bundled demo content, compiled into the binary so `--demo` needs no files at run time.
const BUNDLE: &str = include_str!("../demo/lumen.toml");

/// Domain of the demo members' e-mail addresses: reserved for examples (RFC 2606), so no mail
/// can ever reach a real person.
const EMAIL_DOMAIN: &str = "example.org";

/// How many names a demo member tries (`maya`, `maya2`, …) when an operator already took one.
const NAME_ATTEMPTS: usize = 20;

/// Why the demo content could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The bundled file breaks a rule; caught by the unit tests before it can ship.
    #[error("the bundled demo content is invalid: {0}")]
    Invalid(String),
    /// The site could not be checked for content; nothing was written.
    #[error("could not check whether the site is empty, so no demo content was loaded: {0}")]
    Check(#[source] AppError),
    /// A step failed after writing began: the site holds part of the demo.
    #[error(
        "loading the demo content stopped while {step}, so the site now holds only part of the \
         demo ({posts} of {total} posts); start again with an empty database to get all of it. \
         Cause: {source}"
    )]
    Partial {
        /// What was being done.
        step: String,
        /// Posts (questions and answers) created before the failure.
        posts: usize,
        /// Posts the demo has in all.
        total: usize,
        /// Why the use case refused.
        #[source]
        source: AppError,
    },
    /// The site's spam filter held a demo post for review instead of publishing it.
    #[error(
        "loading the demo content stopped because the site's spam filter held {what} for \
         review, so the site now holds only part of the demo ({posts} of {total} posts); start \
         again with an empty database to get all of it"
    )]
    Held {
        /// Which post.
        what: String,
        /// Posts (questions and answers) created, the held one included.
        posts: usize,
        /// Posts the demo has in all.
        total: usize,
    },
}

/// What the bundled demo contains, for tests and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Member accounts.
    pub users: usize,
    /// Questions.
    pub questions: usize,
    /// Answers.
    pub answers: usize,
    /// Comments on questions and answers.
    pub comments: usize,
    /// Upvotes (the demo has no downvotes).
    pub upvotes: usize,
    /// Questions with an accepted answer.
    pub accepted: usize,
}

impl Summary {
    /// Posts in all: questions plus answers (what [`load_if_empty`] returns on an empty site).
    pub fn posts(&self) -> usize {
        self.questions + self.answers
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Bundle {
    users: Vec<DemoUser>,
    questions: Vec<DemoQuestion>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoUser {
    username: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoQuestion {
    author: String,
    title: String,
    tags: Vec<String>,
    body: String,
    #[serde(default)]
    upvoted_by: Vec<String>,
    #[serde(default)]
    comments: Vec<DemoComment>,
    #[serde(default)]
    answers: Vec<DemoAnswer>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoAnswer {
    author: String,
    body: String,
    #[serde(default)]
    accepted: bool,
    #[serde(default)]
    upvoted_by: Vec<String>,
    #[serde(default)]
    comments: Vec<DemoComment>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoComment {
    by: String,
    text: String,
}

impl Bundle {
    fn summary(&self) -> Summary {
        let answers = self.questions.iter().flat_map(|q| &q.answers);
        Summary {
            users: self.users.len(),
            questions: self.questions.len(),
            answers: answers.clone().count(),
            comments: self
                .questions
                .iter()
                .map(|q| q.comments.len())
                .sum::<usize>()
                + answers.clone().map(|a| a.comments.len()).sum::<usize>(),
            upvotes: self
                .questions
                .iter()
                .map(|q| q.upvoted_by.len())
                .sum::<usize>()
                + answers.clone().map(|a| a.upvoted_by.len()).sum::<usize>(),
            accepted: self
                .questions
                .iter()
                .filter(|q| q.answers.iter().any(|a| a.accepted))
                .count(),
        }
    }
}

/// Parses and checks demo content with the same rules the use cases apply, so that a mistake
/// in the file stops the loader before its first write rather than halfway through.
fn parse(text: &str) -> Result<Bundle, DemoError> {
    let bundle: Bundle = toml::from_str(text).map_err(|e| DemoError::Invalid(e.to_string()))?;
    let invalid = |what: String| DemoError::Invalid(what);
    let mut names = HashSet::new();
    for u in &bundle.users {
        Username::parse(&u.username).map_err(|e| invalid(format!("user {:?}: {e}", u.username)))?;
        if !names.insert(u.username.as_str()) {
            return Err(invalid(format!("user {:?} is listed twice", u.username)));
        }
    }
    let known = |who: &str, place: &str| {
        if names.contains(who) {
            Ok(())
        } else {
            Err(invalid(format!(
                "{place}: {who:?} is not one of the [[users]]"
            )))
        }
    };
    let votes = |author: &str, voters: &[String], place: &str| -> Result<(), DemoError> {
        let mut seen = HashSet::new();
        for v in voters {
            known(v, place)?;
            if v == author {
                return Err(invalid(format!("{place}: {v:?} upvotes their own post")));
            }
            if !seen.insert(v) {
                return Err(invalid(format!("{place}: {v:?} upvotes twice")));
            }
        }
        Ok(())
    };
    let comments = |list: &[DemoComment], place: &str| -> Result<(), DemoError> {
        for c in list {
            known(&c.by, place)?;
            CommentText::parse(&c.text)
                .map_err(|e| invalid(format!("{place}, comment {:?}: {e}", c.text)))?;
        }
        Ok(())
    };
    if bundle.questions.is_empty() {
        return Err(invalid("there are no questions".into()));
    }
    for (i, q) in bundle.questions.iter().enumerate() {
        let place = format!("question {} ({:?})", i + 1, q.title);
        known(&q.author, &place)?;
        Title::parse(&q.title).map_err(|e| invalid(format!("{place}: {e}")))?;
        Body::parse(&q.body).map_err(|e| invalid(format!("{place}: {e}")))?;
        TagSet::parse(&q.tags).map_err(|e| invalid(format!("{place}: {e}")))?;
        if q.tags.is_empty() {
            return Err(invalid(format!("{place}: give it at least one tag")));
        }
        votes(&q.author, &q.upvoted_by, &place)?;
        comments(&q.comments, &place)?;
        if q.answers.iter().filter(|a| a.accepted).count() > 1 {
            return Err(invalid(format!("{place}: more than one accepted answer")));
        }
        for (j, a) in q.answers.iter().enumerate() {
            let place = format!("{place}, answer {}", j + 1);
            known(&a.author, &place)?;
            Body::parse(&a.body).map_err(|e| invalid(format!("{place}: {e}")))?;
            votes(&a.author, &a.upvoted_by, &place)?;
            comments(&a.comments, &place)?;
        }
    }
    Ok(bundle)
}

/// What the bundled demo contains; an error means the bundled file is broken.
pub fn summary() -> Result<Summary, DemoError> {
    Ok(parse(BUNDLE)?.summary())
}

/// Loads the bundled demo into `app` if the site has no questions yet, and returns the number
/// of posts (questions and answers) created; on a site with content it does nothing and
/// returns 0.
///
/// Demo members get random passwords that are never shown, so nobody can log in as them, and
/// addresses on the reserved `example.org` domain. If a step fails after writing began, the
/// error says so and how much was written; the caller should stop rather than serve a site
/// that silently holds half a demo.
pub async fn load_if_empty(app: &App) -> Result<usize, DemoError> {
    // Check the file first: a broken bundle must not write anything.
    let bundle = parse(BUNDLE)?;
    let summary = bundle.summary();
    let existing = app
        .list_questions(QuestionSort::Newest, None, Some(1), Some(1))
        .await
        .map_err(DemoError::Check)?
        .total;
    if existing > 0 {
        tracing::info!(
            questions = existing,
            "demo content skipped: the site already has questions"
        );
        return Ok(0);
    }
    tracing::info!(
        users = summary.users,
        questions = summary.questions,
        answers = summary.answers,
        "loading demo content"
    );
    let mut loader = Loader {
        app,
        ids: HashMap::new(),
        posts: 0,
        total: summary.posts(),
        votes: 0,
        comments: 0,
        skipped: 0,
    };
    loader.run(&bundle).await?;
    if loader.skipped > 0 {
        tracing::warn!(
            skipped = loader.skipped,
            "some demo votes or comments were refused by the site's rules and left out"
        );
    }
    tracing::info!(
        users = summary.users,
        posts = loader.posts,
        comments = loader.comments,
        upvotes = loader.votes,
        "demo content loaded"
    );
    Ok(loader.posts)
}

/// A post created by the loader, with what the later passes need.
struct Created<'b> {
    id: i64,
    question_id: i64,
    /// Who asked the question this post belongs to (file username).
    asker: &'b str,
    accepted: bool,
    upvoted_by: &'b [String],
    comments: &'b [DemoComment],
}

struct Loader<'a> {
    app: &'a App,
    /// Demo username (as in the file) → user id.
    ids: HashMap<String, i64>,
    posts: usize,
    total: usize,
    votes: usize,
    comments: usize,
    /// Votes and comments refused by the site's permission rules.
    skipped: usize,
}

impl Loader<'_> {
    fn partial(&self, step: String, source: AppError) -> DemoError {
        DemoError::Partial {
            step,
            posts: self.posts,
            total: self.total,
            source,
        }
    }

    /// Creates everything in passes: people, then posts, then acceptances, votes and comments.
    /// Acceptances and votes come before comments so that reputation they earn counts when a
    /// site's rules ask for some before commenting.
    async fn run<'b>(&mut self, bundle: &'b Bundle) -> Result<(), DemoError> {
        for u in &bundle.users {
            let id = self.create_user(&u.username).await?;
            self.ids.insert(u.username.clone(), id);
        }
        let mut created: Vec<Created<'b>> = Vec::new();
        for q in &bundle.questions {
            let asker = self.actor(&q.author).await?;
            let question = self
                .app
                .ask_question(
                    &asker,
                    QuestionInput {
                        title: q.title.clone(),
                        body: q.body.clone(),
                        tags: q.tags.clone(),
                        coached: Vec::new(),
                    },
                )
                .await
                .map_err(|e| self.partial(format!("asking {:?}", q.title), e))?;
            self.posts += 1;
            self.check_published(question.status, || format!("the question {:?}", q.title))?;
            created.push(Created {
                id: question.id,
                question_id: question.id,
                asker: &q.author,
                accepted: false,
                upvoted_by: &q.upvoted_by,
                comments: &q.comments,
            });
            for a in &q.answers {
                let answerer = self.actor(&a.author).await?;
                let answer = self
                    .app
                    .post_answer(&answerer, question.id, &a.body)
                    .await
                    .map_err(|e| self.partial(format!("answering {:?}", q.title), e))?;
                self.posts += 1;
                self.check_published(answer.status, || {
                    format!("{}'s answer to {:?}", a.author, q.title)
                })?;
                created.push(Created {
                    id: answer.id,
                    question_id: question.id,
                    asker: &q.author,
                    accepted: a.accepted,
                    upvoted_by: &a.upvoted_by,
                    comments: &a.comments,
                });
            }
        }
        for c in created.iter().filter(|c| c.accepted) {
            let asker = self.actor(c.asker).await?;
            self.app
                .accept_answer(&asker, c.question_id, Some(c.id))
                .await
                .map_err(|e| {
                    self.partial(
                        format!("accepting answer {} of question {}", c.id, c.question_id),
                        e,
                    )
                })?;
        }
        for c in &created {
            for voter in c.upvoted_by {
                let user = self.actor(voter).await?;
                let result = self.app.vote(&user, c.id, 1).await;
                if self.tolerate(result, || format!("upvoting post {} as {voter}", c.id))? {
                    self.votes += 1;
                }
            }
        }
        for c in &created {
            for comment in c.comments {
                let user = self.actor(&comment.by).await?;
                let result = self.app.add_comment(&user, c.id, &comment.text).await;
                if self.tolerate(result, || {
                    format!("commenting on post {} as {}", c.id, comment.by)
                })? {
                    self.comments += 1;
                }
            }
        }
        Ok(())
    }

    /// A post held by the spam filter would leave a gap (and its answers nowhere to go), so
    /// the load stops and says which one.
    fn check_published(
        &self,
        status: stoa_domain::post_kind::PostStatus,
        what: impl FnOnce() -> String,
    ) -> Result<(), DemoError> {
        if status == stoa_domain::post_kind::PostStatus::Published {
            Ok(())
        } else {
            Err(DemoError::Held {
                what: what(),
                posts: self.posts,
                total: self.total,
            })
        }
    }

    /// Votes and comments are decoration: if the site's rules refuse one (say, the `normal`
    /// governance profile, where new members need reputation to vote or to comment on others'
    /// posts), the demo is still whole without it, so it is left out with a warning. Any other
    /// failure stops the load. Returns whether it happened.
    fn tolerate<T>(
        &mut self,
        result: Result<T, AppError>,
        step: impl FnOnce() -> String,
    ) -> Result<bool, DemoError> {
        match result {
            Ok(_) => Ok(true),
            Err(AppError::Forbidden(denied)) => {
                tracing::warn!(reason = %denied, "demo: left out {}", step());
                self.skipped += 1;
                Ok(false)
            }
            Err(e) => Err(self.partial(step(), e)),
        }
    }

    /// The member as they are now: reloaded before each action, as a request would, so
    /// reputation earned earlier in the load counts for the site's rules.
    async fn actor(&self, name: &str) -> Result<AuthUser, DemoError> {
        // `parse` checked that every name in the file is a listed user, all created first.
        let id =
            self.ids.get(name).copied().ok_or_else(|| {
                DemoError::Invalid(format!("{name:?} is not one of the [[users]]"))
            })?;
        self.app
            .user(id)
            .await
            .map_err(|e| self.partial(format!("loading member {name}"), e))
    }

    /// Creates a demo member; if an operator already took the name (or its e-mail address),
    /// tries `name2`, `name3`, … so a site with accounts but no posts still gets its demo.
    async fn create_user(&self, name: &str) -> Result<i64, DemoError> {
        let mut last = None;
        for attempt in 1..=NAME_ATTEMPTS {
            let username = if attempt == 1 {
                name.to_string()
            } else {
                format!("{name}{attempt}")
            };
            let input = SignupInput {
                email: format!("{username}@{EMAIL_DOMAIN}"),
                username,
                // Random and never stored in clear or shown: nobody can log in as a demo member.
                password: stoa_app::new_token(""),
                // No address: operator actions are not rate limited like public sign-ups.
                ip: String::new(),
                device: None,
            };
            match self.app.create_user(input, Role::Member).await {
                Ok(user) => return Ok(user.id),
                Err(e @ AppError::Conflict { .. }) => last = Some(e),
                Err(e) => return Err(self.partial(format!("creating member {name}"), e)),
            }
        }
        let source = last.unwrap_or(AppError::Conflict {
            code: "username_taken",
            message: format!("every variant of the username {name} is taken"),
        });
        Err(self.partial(format!("creating member {name}"), source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_demo_is_valid_and_rich_enough() {
        let bundle = parse(BUNDLE).unwrap();
        let s = bundle.summary();
        assert!((5..=8).contains(&s.users), "{s:?}");
        assert!(s.questions >= 12, "{s:?}");
        assert!(s.answers > s.questions, "{s:?}");
        assert!(s.accepted >= 3 && s.accepted < s.questions, "{s:?}");
        assert!(s.comments >= 3 && s.upvotes >= 3, "{s:?}");
        assert!(
            bundle.questions.iter().any(|q| q.answers.is_empty()),
            "an unanswered question keeps the unanswered list alive"
        );
        // Demo members are new accounts: stay well under the new-member post rate limit.
        for u in &bundle.users {
            let posts = bundle
                .questions
                .iter()
                .map(|q| {
                    usize::from(q.author == u.username)
                        + q.answers.iter().filter(|a| a.author == u.username).count()
                })
                .sum::<usize>();
            assert!(posts <= 8, "{} writes {posts} posts", u.username);
        }
        let tags: HashSet<&str> = bundle
            .questions
            .iter()
            .flat_map(|q| q.tags.iter().map(String::as_str))
            .collect();
        assert!(tags.len() >= 8, "{tags:?}");
        let all: String = bundle
            .questions
            .iter()
            .flat_map(|q| std::iter::once(&q.body).chain(q.answers.iter().map(|a| &a.body)))
            .cloned()
            .collect::<Vec<_>>()
            .join("\n");
        let html = stoa_markdown::render_post(&all);
        for needle in [
            "<table",
            "<ol",
            "<ul",
            "<a href=\"https://",
            "<pre",
            "language-",
        ] {
            assert!(html.contains(needle), "the demo shows no {needle}");
        }
    }

    #[test]
    fn mistakes_in_the_file_are_caught_before_loading() {
        let ok = r#"
            [[users]]
            username = "ann"
            [[users]]
            username = "bob"
            [[questions]]
            author = "ann"
            title = "A question"
            tags = ["x"]
            body = "Body"
            [[questions.answers]]
            author = "bob"
            body = "Answer"
            accepted = true
            upvoted_by = ["ann"]
        "#;
        assert_eq!(parse(ok).unwrap().summary().posts(), 2);
        let cases = [
            (
                "upvoted_by = [\"ann\"]",
                "upvoted_by = [\"bob\"]",
                "own post",
            ),
            (
                "upvoted_by = [\"ann\"]",
                "upvoted_by = [\"ann\", \"ann\"]",
                "twice",
            ),
            ("author = \"bob\"", "author = \"carl\"", "not one of"),
            ("tags = [\"x\"]", "tags = []", "tag"),
            ("title = \"A question\"", "title = \"\"", "question 1"),
            (
                "body = \"Body\"",
                "body = \"Body\"\nextra = 1",
                "unknown field",
            ),
            ("username = \"bob\"", "username = \"ann\"", "twice"),
        ];
        for (from, to, expected) in cases {
            let broken = ok.replacen(from, to, 1);
            let err = parse(&broken).unwrap_err().to_string();
            assert!(err.contains(expected), "{to:?}: {err}");
        }
    }
}
