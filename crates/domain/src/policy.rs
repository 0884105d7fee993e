//! The one place that decides who may do what. Every permission check in Stoa calls [`decide`].
//!
//! Office (role) grants moderation powers; reputation unlocks community privileges at
//! thresholds that are site settings ([`Thresholds`]), with a lowered "new site" profile so
//! that a young community can govern itself before anyone has earned much.

use crate::account::Role;
use crate::moderation::Queue;
use serde::{Deserialize, Serialize};

/// A community privilege unlocked by reputation; moderators and admins hold them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Privilege {
    /// Vote posts up.
    VoteUp,
    /// Flag posts for review.
    Flag,
    /// Comment on anyone's post (one's own posts, and answers to one's own questions, need nothing).
    CommentEverywhere,
    /// Vote posts down.
    VoteDown,
    /// One's flags count toward hiding a post until a moderator reviews it.
    TrustedFlag,
    /// Review first posts, late answers and suggested edits.
    Review,
    /// Edit anyone's post directly instead of suggesting an edit.
    EditOthers,
    /// Vote to close and reopen questions, and review close votes.
    CloseVotes,
    /// Protect a question against answers from brand-new accounts.
    Protect,
    /// Answer a protected question.
    AnswerProtected,
    /// Offer a bounty of one's own reputation on a question.
    OfferBounty,
}

impl Privilege {
    /// Every privilege, in the order a person earns them under the normal profile.
    pub const ALL: [Privilege; 11] = [
        Privilege::AnswerProtected,
        Privilege::VoteUp,
        Privilege::Flag,
        Privilege::CommentEverywhere,
        Privilege::OfferBounty,
        Privilege::TrustedFlag,
        Privilege::VoteDown,
        Privilege::Review,
        Privilege::EditOthers,
        Privilege::CloseVotes,
        Privilege::Protect,
    ];

    /// The stored and JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Privilege::VoteUp => "vote_up",
            Privilege::Flag => "flag",
            Privilege::CommentEverywhere => "comment_everywhere",
            Privilege::VoteDown => "vote_down",
            Privilege::TrustedFlag => "trusted_flag",
            Privilege::Review => "review",
            Privilege::EditOthers => "edit_others",
            Privilege::CloseVotes => "close_votes",
            Privilege::Protect => "protect",
            Privilege::AnswerProtected => "answer_protected",
            Privilege::OfferBounty => "offer_bounty",
        }
    }

    /// What the privilege lets a person do, completing "You need N reputation to …".
    pub fn describe(self) -> &'static str {
        match self {
            Privilege::VoteUp => "vote up",
            Privilege::Flag => "flag posts",
            Privilege::CommentEverywhere => "comment on other people's posts",
            Privilege::VoteDown => "vote down",
            Privilege::TrustedFlag => "have your flags hide a post pending review",
            Privilege::Review => "review first posts, late answers and suggested edits",
            Privilege::EditOthers => {
                "edit other people's posts directly (you can suggest an edit instead)"
            }
            Privilege::CloseVotes => "vote to close or reopen questions",
            Privilege::Protect => "protect questions",
            Privilege::AnswerProtected => "answer a protected question",
            Privilege::OfferBounty => "offer a bounty on a question",
        }
    }
}

/// A named set of thresholds: `normal` for established sites, `new_site` lowered for young ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// Thresholds of an established community.
    Normal,
    /// Lowered thresholds: voting, flagging and commenting from the first day.
    #[default]
    NewSite,
}

/// The reputation each privilege needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// [`Privilege::VoteUp`].
    pub vote_up: i64,
    /// [`Privilege::Flag`].
    pub flag: i64,
    /// [`Privilege::CommentEverywhere`].
    pub comment_everywhere: i64,
    /// [`Privilege::VoteDown`].
    pub vote_down: i64,
    /// [`Privilege::TrustedFlag`].
    pub trusted_flag: i64,
    /// [`Privilege::Review`].
    pub review: i64,
    /// [`Privilege::EditOthers`].
    pub edit_others: i64,
    /// [`Privilege::CloseVotes`].
    pub close_votes: i64,
    /// [`Privilege::Protect`].
    pub protect: i64,
    /// [`Privilege::AnswerProtected`].
    pub answer_protected: i64,
    /// [`Privilege::OfferBounty`].
    #[serde(default = "default_offer_bounty")]
    pub offer_bounty: i64,
}

fn default_offer_bounty() -> i64 {
    Thresholds::NORMAL.offer_bounty
}

impl Thresholds {
    /// An established site's thresholds, close to Stack Exchange's so that people know them.
    pub const NORMAL: Thresholds = Thresholds {
        vote_up: 15,
        flag: 15,
        comment_everywhere: 50,
        vote_down: 125,
        trusted_flag: 100,
        review: 500,
        edit_others: 2_000,
        close_votes: 3_000,
        protect: 15_000,
        answer_protected: 10,
        offer_bounty: 75,
    };

    /// A young site's thresholds: everyone votes, flags and comments from the start (a new
    /// account has reputation 1), while editing, reviewing and closing still need a track record.
    pub const NEW_SITE: Thresholds = Thresholds {
        vote_up: 1,
        flag: 1,
        comment_everywhere: 1,
        vote_down: 1,
        trusted_flag: 15,
        review: 100,
        edit_others: 500,
        close_votes: 500,
        protect: 1_750,
        answer_protected: 10,
        offer_bounty: 50,
    };

    /// The thresholds of a profile.
    pub fn of(profile: Profile) -> Thresholds {
        match profile {
            Profile::Normal => Self::NORMAL,
            Profile::NewSite => Self::NEW_SITE,
        }
    }

    /// The reputation `p` needs.
    pub fn get(&self, p: Privilege) -> i64 {
        match p {
            Privilege::VoteUp => self.vote_up,
            Privilege::Flag => self.flag,
            Privilege::CommentEverywhere => self.comment_everywhere,
            Privilege::VoteDown => self.vote_down,
            Privilege::TrustedFlag => self.trusted_flag,
            Privilege::Review => self.review,
            Privilege::EditOthers => self.edit_others,
            Privilege::CloseVotes => self.close_votes,
            Privilege::Protect => self.protect,
            Privilege::AnswerProtected => self.answer_protected,
            Privilege::OfferBounty => self.offer_bounty,
        }
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Self::of(Profile::default())
    }
}

/// The person acting, as far as permissions care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// The acting user's id.
    pub user_id: i64,
    /// Their office.
    pub role: Role,
    /// Their reputation.
    pub reputation: i64,
    /// Whether a moderator has suspended them right now.
    pub suspended: bool,
    /// The site's privilege thresholds in force.
    pub thresholds: Thresholds,
    /// Whole days since the account was created.
    pub account_days: i64,
}

/// Days an account must exist before it holds a privilege of trust (hiding posts by flags,
/// reviewing, editing others' posts, closing, protecting), whatever its reputation: a few
/// fresh accounts voting for each other must not make a trusted one.
pub const TRUST_MIN_DAYS: i64 = 2;

impl Privilege {
    /// Whether the privilege is one of trust, which also needs [`TRUST_MIN_DAYS`].
    pub fn needs_trust(self) -> bool {
        matches!(
            self,
            Privilege::TrustedFlag
                | Privilege::Review
                | Privilege::EditOthers
                | Privilege::CloseVotes
                | Privilege::Protect
        )
    }
}

impl Actor {
    /// Whether the actor holds `p`: moderators hold every privilege, others by reputation
    /// (and, for privileges of trust, by the account's age).
    pub fn has(&self, p: Privilege) -> bool {
        self.role.is_moderator()
            || (self.reputation >= self.thresholds.get(p)
                && (!p.needs_trust() || self.account_days >= TRUST_MIN_DAYS))
    }

    fn require(&self, p: Privilege) -> Result<(), Denied> {
        if self.has(p) {
            Ok(())
        } else if self.reputation >= self.thresholds.get(p) {
            Err(Denied::AccountTooNew { privilege: p })
        } else {
            Err(Denied::NeedsReputation {
                privilege: p,
                needed: self.thresholds.get(p),
            })
        }
    }
}

/// What the actor wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Ask a question.
    Ask,
    /// Answer a question.
    Answer,
    /// Comment on a post.
    Comment,
    /// Vote a post up.
    VoteUp,
    /// Vote a post down.
    VoteDown,
    /// Take back one's vote.
    Unvote,
    /// Edit a post.
    Edit,
    /// Delete a post.
    Delete,
    /// Accept an answer to a question.
    Accept,
    /// Create a user with any role from the command line or admin pages.
    ManageUsers,
    /// Flag a post for review.
    Flag,
    /// Propose an edit to someone else's post for review.
    SuggestEdit,
    /// Work a review queue.
    Review,
    /// Vote to close or reopen a question.
    VoteClose,
    /// Protect or unprotect a question.
    Protect,
    /// Take a moderation action (delete, lock, close, suspend…) on a post or user.
    Moderate,
    /// Appeal a moderation action.
    Appeal,
    /// Decide an appeal.
    DecideAppeal,
    /// Read the private detail of a moderation action.
    SeePrivateDetail,
    /// Change site settings.
    ManageSettings,
    /// File a private ticket (whether the plan includes tickets is the plan's business).
    OpenTicket,
    /// Read a ticket, or write a public reply on it.
    ViewTicket,
    /// Mark one's ticket solved.
    SolveTicket,
    /// See every ticket, add internal notes, change status, priority and assignee: agents' work.
    WorkTickets,
    /// Offer a bounty on a question (the amount is the bounty rules' business).
    OfferBounty,
    /// See a post the public cannot see (deleted, held for review or hidden by flags).
    SeeWithdrawn,
    /// Close or reopen a question alone, at once, instead of casting one vote among several.
    CloseAtOnce,
    /// See the queue of pending appeals.
    SeeAppeals,
    /// Accept or reject a suggested edit (its post's author, or a reviewer).
    ReviewSuggestion,
}

impl Action {
    /// Every action, so that the permission table can prove it lists them all.
    pub const ALL: [Action; 29] = [
        Action::Ask,
        Action::Answer,
        Action::Comment,
        Action::VoteUp,
        Action::VoteDown,
        Action::Unvote,
        Action::Edit,
        Action::Delete,
        Action::Accept,
        Action::ManageUsers,
        Action::Flag,
        Action::SuggestEdit,
        Action::Review,
        Action::VoteClose,
        Action::Protect,
        Action::Moderate,
        Action::Appeal,
        Action::DecideAppeal,
        Action::SeePrivateDetail,
        Action::ManageSettings,
        Action::OpenTicket,
        Action::ViewTicket,
        Action::SolveTicket,
        Action::WorkTickets,
        Action::OfferBounty,
        Action::SeeWithdrawn,
        Action::CloseAtOnce,
        Action::SeeAppeals,
        Action::ReviewSuggestion,
    ];
}

/// What the action is applied to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Nothing in particular (asking, managing users).
    Site,
    /// A post, with its author and state.
    Post {
        /// Who wrote it.
        author_id: i64,
        /// Whether it is locked against changes.
        locked: bool,
    },
    /// A question whose answer is being accepted.
    Question {
        /// Who asked it.
        author_id: i64,
    },
    /// A question being answered, with the states that keep answers out.
    Thread {
        /// Who asked it.
        author_id: i64,
        /// Locked by a moderator.
        locked: bool,
        /// Closed by votes or a moderator.
        closed: bool,
        /// Protected against answers from new accounts.
        protected: bool,
    },
    /// An answer, whose asker may comment on it like on their own post.
    Answer {
        /// Who wrote the answer.
        author_id: i64,
        /// Who asked the question.
        asker_id: i64,
        /// Whether it is locked.
        locked: bool,
    },
    /// A review queue.
    Queue(Queue),
    /// A user, e.g. to suspend.
    User {
        /// Their id.
        user_id: i64,
        /// Their office.
        role: Role,
    },
    /// A private ticket.
    Ticket {
        /// The customer who filed it.
        requester_id: i64,
        /// The actor is a colleague of the requester (same organization) and the ticket's
        /// plan lets colleagues see each other's tickets.
        colleague: bool,
    },
    /// A post the public cannot see: deleted, held for review or hidden by flags.
    Withdrawn {
        /// Who wrote it.
        author_id: i64,
        /// Deleted (rather than held or hidden): then not even its author sees it.
        deleted: bool,
    },
    /// A suggested edit, with the post it would change.
    Suggestion {
        /// Who wrote the post.
        post_author_id: i64,
        /// Who suggested the edit.
        suggester_id: i64,
        /// Whether the post is locked.
        locked: bool,
    },
    /// A moderation action in the log.
    Logged {
        /// Who took it; `None` for the community or the spam filter.
        actor_id: Option<i64>,
        /// The author of the post or the user acted on.
        affected_user_id: Option<i64>,
    },
}

/// Why an action was refused; the message is shown to the actor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The actor is suspended.
    #[error("Your account is suspended, so you cannot do this for now.")]
    Suspended,
    /// Votes on one's own posts are not counted.
    #[error("You cannot vote on your own post.")]
    OwnPost,
    /// Only the author may do this.
    #[error("Only the author can do this.")]
    NotAuthor,
    /// Only the asker may accept an answer.
    #[error("Only the person who asked can accept an answer.")]
    NotAsker,
    /// The post is locked.
    #[error("This post is locked.")]
    Locked,
    /// The role does not allow it.
    #[error("You do not have permission to do this.")]
    Forbidden,
    /// A privilege the actor has not earned yet.
    #[error("You need {needed} reputation to {}.", privilege.describe())]
    NeedsReputation {
        /// The privilege.
        privilege: Privilege,
        /// The reputation it needs.
        needed: i64,
    },
    /// A privilege of trust the account is too young for.
    #[error("Your account needs to be {TRUST_MIN_DAYS} days old to {}.", privilege.describe())]
    AccountTooNew {
        /// The privilege.
        privilege: Privilege,
    },
    /// The question is closed to new answers.
    #[error("This question is closed, so it does not take new answers.")]
    Closed,
    /// Flagging one's own post makes no sense: edit or delete it instead.
    #[error("You cannot flag your own post; edit or delete it instead.")]
    OwnFlag,
    /// The actor may edit the post directly, so there is nothing to suggest.
    #[error("You can edit this post directly.")]
    EditDirectly,
    /// Only moderators may do this.
    #[error("Only moderators can do this.")]
    ModeratorsOnly,
    /// Moderators cannot act on themselves or on their peers; an admin can.
    #[error("Moderators cannot take this action on themselves or on other moderators.")]
    Peer,
    /// Only the person affected may appeal.
    #[error("Only the person affected by this action can appeal it.")]
    NotAffected,
    /// An appeal goes to a moderator other than the one who acted.
    #[error("Another moderator must decide an appeal of your own action.")]
    OwnAction,
    /// A moderator's own post or own case goes to another moderator.
    #[error("This concerns your own post or case; another moderator must decide it.")]
    OwnCase,
}

/// Decides whether `actor` may perform `action` on `target`.
pub fn decide(actor: &Actor, action: Action, target: Target) -> Result<(), Denied> {
    let is_mod = actor.role.is_moderator();
    // A suspended person may still take back votes, read their own case and appeal it, and
    // reach support: a suspension must not cut the path to a person. Reading what one could
    // read before (one's own held post, a moderator's queues of appeals) is not a write.
    if actor.suspended
        && !matches!(
            action,
            Action::Unvote
                | Action::Appeal
                | Action::SeePrivateDetail
                | Action::SeeWithdrawn
                | Action::SeeAppeals
                | Action::OpenTicket
                | Action::ViewTicket
                | Action::SolveTicket
        )
    {
        return Err(Denied::Suspended);
    }
    let me = actor.user_id;
    match (action, target) {
        (Action::ManageUsers | Action::ManageSettings, _) => {
            if actor.role == Role::Admin {
                Ok(())
            } else {
                Err(Denied::Forbidden)
            }
        }
        (Action::Ask | Action::OpenTicket, _) => Ok(()),
        (Action::OfferBounty, _) => actor.require(Privilege::OfferBounty),
        // Agents work tickets; admins can do everything. Moderators who are not agents see
        // none: moderation is public, support is private.
        (Action::WorkTickets, _) => {
            if matches!(actor.role, Role::Agent | Role::Admin) {
                Ok(())
            } else {
                Err(Denied::Forbidden)
            }
        }
        // Colleagues may see and answer a shared ticket; only its requester marks it solved.
        (
            Action::ViewTicket,
            Target::Ticket {
                colleague: true, ..
            },
        ) => Ok(()),
        (Action::ViewTicket | Action::SolveTicket, Target::Ticket { requester_id, .. }) => {
            if requester_id == me || matches!(actor.role, Role::Agent | Role::Admin) {
                Ok(())
            } else {
                Err(Denied::Forbidden)
            }
        }
        (
            Action::Answer,
            Target::Thread {
                locked,
                closed,
                protected,
                ..
            },
        ) => {
            if is_mod {
                Ok(())
            } else if locked {
                Err(Denied::Locked)
            } else if closed {
                Err(Denied::Closed)
            } else if protected {
                actor.require(Privilege::AnswerProtected)
            } else {
                Ok(())
            }
        }
        (
            Action::Answer | Action::Comment,
            Target::Post { locked: true, .. } | Target::Answer { locked: true, .. },
        ) if !is_mod => Err(Denied::Locked),
        (Action::Answer, Target::Post { .. }) => Ok(()),
        (Action::Comment, Target::Post { author_id, .. }) => {
            if author_id == me {
                Ok(())
            } else {
                actor.require(Privilege::CommentEverywhere)
            }
        }
        (
            Action::Comment,
            Target::Answer {
                author_id,
                asker_id,
                ..
            },
        ) => {
            if author_id == me || asker_id == me {
                Ok(())
            } else {
                actor.require(Privilege::CommentEverywhere)
            }
        }
        (
            Action::VoteUp | Action::VoteDown | Action::Unvote,
            Target::Post {
                author_id, locked, ..
            }
            | Target::Answer {
                author_id, locked, ..
            },
        ) => {
            if author_id == me {
                Err(Denied::OwnPost)
            } else if locked && !is_mod {
                // A locked post is frozen, its score included.
                Err(Denied::Locked)
            } else {
                match action {
                    Action::VoteUp => actor.require(Privilege::VoteUp),
                    Action::VoteDown => actor.require(Privilege::VoteDown),
                    // Taking a vote back is always allowed, even after losing the privilege.
                    _ => Ok(()),
                }
            }
        }
        (
            Action::Edit,
            Target::Post { author_id, locked }
            | Target::Answer {
                author_id, locked, ..
            },
        ) => {
            if is_mod {
                Ok(())
            } else if locked {
                Err(Denied::Locked)
            } else if author_id == me {
                Ok(())
            } else {
                actor.require(Privilege::EditOthers)
            }
        }
        (
            Action::SuggestEdit,
            Target::Post { author_id, locked }
            | Target::Answer {
                author_id, locked, ..
            },
        ) => {
            if locked && !is_mod {
                Err(Denied::Locked)
            } else if author_id == me || actor.has(Privilege::EditOthers) {
                Err(Denied::EditDirectly)
            } else {
                Ok(())
            }
        }
        (
            Action::Delete,
            Target::Post { author_id, locked }
            | Target::Answer {
                author_id, locked, ..
            },
        ) => {
            if is_mod {
                Ok(())
            } else if locked {
                Err(Denied::Locked)
            } else if author_id == me {
                Ok(())
            } else {
                Err(Denied::NotAuthor)
            }
        }
        (Action::Accept, Target::Question { author_id }) => {
            if author_id == me {
                Ok(())
            } else {
                Err(Denied::NotAsker)
            }
        }
        (Action::Flag, Target::Post { author_id, .. } | Target::Answer { author_id, .. }) => {
            if author_id == me {
                Err(Denied::OwnFlag)
            } else {
                actor.require(Privilege::Flag)
            }
        }
        (Action::Review, Target::Queue(q)) => match q {
            Queue::Flagged => {
                if is_mod {
                    Ok(())
                } else {
                    Err(Denied::ModeratorsOnly)
                }
            }
            Queue::CloseVotes => actor.require(Privilege::CloseVotes),
            Queue::FirstPosts | Queue::LateAnswers | Queue::SuggestedEdits => {
                actor.require(Privilege::Review)
            }
        },
        (Action::VoteClose, Target::Post { locked, .. }) => {
            if locked && !is_mod {
                Err(Denied::Locked)
            } else {
                actor.require(Privilege::CloseVotes)
            }
        }
        (Action::CloseAtOnce, Target::Post { .. }) => {
            if is_mod {
                Ok(())
            } else {
                Err(Denied::ModeratorsOnly)
            }
        }
        (Action::Protect, Target::Post { .. }) => actor.require(Privilege::Protect),
        // Moderators see everything; the author still sees a held or hidden post (to know it
        // waits for review rather than lost), but a deleted one is gone for them too.
        (Action::SeeWithdrawn, Target::Withdrawn { author_id, deleted }) => {
            if is_mod || (!deleted && author_id == me) {
                Ok(())
            } else {
                Err(Denied::Forbidden)
            }
        }
        (Action::SeeAppeals, Target::Site) => {
            if is_mod {
                Ok(())
            } else {
                Err(Denied::ModeratorsOnly)
            }
        }
        // The post's author settles suggestions on their own post as far as they may edit it;
        // anyone else needs the review privilege, and nobody reviews their own suggestion.
        (
            Action::ReviewSuggestion,
            Target::Suggestion {
                post_author_id,
                suggester_id,
                locked,
            },
        ) => {
            if post_author_id == me {
                decide(
                    actor,
                    Action::Edit,
                    Target::Post {
                        author_id: post_author_id,
                        locked,
                    },
                )?;
            } else {
                decide(actor, Action::Review, Target::Queue(Queue::SuggestedEdits))?;
                if locked && !is_mod {
                    return Err(Denied::Locked);
                }
            }
            if suggester_id == me {
                Err(Denied::Forbidden)
            } else {
                Ok(())
            }
        }
        (Action::Moderate, Target::Post { author_id, .. }) => {
            if !is_mod {
                Err(Denied::ModeratorsOnly)
            } else if author_id == me && actor.role != Role::Admin {
                // Another moderator decides about a moderator's own post.
                Err(Denied::OwnCase)
            } else {
                Ok(())
            }
        }
        (Action::Moderate, Target::Site) => {
            if is_mod {
                Ok(())
            } else {
                Err(Denied::ModeratorsOnly)
            }
        }
        (Action::Moderate, Target::User { user_id, role }) => {
            if !is_mod {
                Err(Denied::ModeratorsOnly)
            } else if user_id == me || (role.is_moderator() && actor.role != Role::Admin) {
                Err(Denied::Peer)
            } else {
                Ok(())
            }
        }
        (
            Action::Appeal,
            Target::Logged {
                affected_user_id, ..
            },
        ) => {
            if affected_user_id == Some(me) {
                Ok(())
            } else {
                Err(Denied::NotAffected)
            }
        }
        (
            Action::DecideAppeal,
            Target::Logged {
                actor_id,
                affected_user_id,
            },
        ) => {
            if !is_mod {
                Err(Denied::ModeratorsOnly)
            } else if actor_id == Some(me) {
                Err(Denied::OwnAction)
            } else if affected_user_id == Some(me) {
                // Nobody judges their own case, not even against the community's action.
                Err(Denied::OwnCase)
            } else {
                Ok(())
            }
        }
        (
            Action::SeePrivateDetail,
            Target::Logged {
                affected_user_id, ..
            },
        ) => {
            if is_mod || affected_user_id == Some(me) {
                Ok(())
            } else {
                Err(Denied::Forbidden)
            }
        }
        _ => Err(Denied::Forbidden),
    }
}

/// Reputation needed for each trust level above 0 (new member): basic, member, regular, leader.
pub const TRUST_THRESHOLDS: [i64; 4] = [15, 125, 1_000, 3_000];

/// The trust level (0–4) that a reputation earns.
pub fn trust_level(reputation: i64) -> i64 {
    TRUST_THRESHOLDS
        .iter()
        .filter(|t| reputation >= **t)
        .count() as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;

    fn actor(id: i64, role: Role, reputation: i64, profile: Profile) -> Actor {
        Actor {
            user_id: id,
            role,
            reputation,
            suspended: false,
            thresholds: Thresholds::of(profile),
            account_days: 30,
        }
    }

    const MINE: Target = Target::Post {
        author_id: 1,
        locked: false,
    };
    const THEIRS: Target = Target::Post {
        author_id: 2,
        locked: false,
    };
    const LOCKED: Target = Target::Post {
        author_id: 1,
        locked: true,
    };
    const OPEN: Target = Target::Thread {
        author_id: 2,
        locked: false,
        closed: false,
        protected: false,
    };
    const CLOSED: Target = Target::Thread {
        author_id: 2,
        locked: false,
        closed: true,
        protected: false,
    };
    const PROTECTED: Target = Target::Thread {
        author_id: 2,
        locked: false,
        closed: false,
        protected: true,
    };
    const ANSWER_TO_ME: Target = Target::Answer {
        author_id: 2,
        asker_id: 1,
        locked: false,
    };
    const ANSWER_TO_THEM: Target = Target::Answer {
        author_id: 2,
        asker_id: 3,
        locked: false,
    };

    const MY_TICKET: Target = Target::Ticket {
        requester_id: 1,
        colleague: false,
    };

    fn withdrawn(author_id: i64, deleted: bool) -> Target {
        Target::Withdrawn { author_id, deleted }
    }

    fn suggestion(post_author_id: i64, suggester_id: i64, locked: bool) -> Target {
        Target::Suggestion {
            post_author_id,
            suggester_id,
            locked,
        }
    }

    fn needs(p: Privilege, profile: Profile) -> Result<(), Denied> {
        Err(Denied::NeedsReputation {
            privilege: p,
            needed: Thresholds::of(profile).get(p),
        })
    }

    #[test]
    fn nobody_judges_their_own_case_and_locks_freeze_scores() {
        let member = actor(1, Role::Member, 10_000, Profile::Normal);
        let moderator = actor(1, Role::Moderator, 1, Profile::Normal);
        let other_mod = actor(3, Role::Moderator, 1, Profile::Normal);
        let admin = actor(1, Role::Admin, 1, Profile::Normal);
        let locked_theirs = Target::Post {
            author_id: 2,
            locked: true,
        };
        assert_eq!(decide(&member, VoteUp, locked_theirs), Err(Denied::Locked));
        assert_eq!(decide(&member, Unvote, locked_theirs), Err(Denied::Locked));
        assert_eq!(decide(&moderator, VoteUp, locked_theirs), Ok(()));
        assert_eq!(decide(&moderator, Moderate, MINE), Err(Denied::OwnCase));
        assert_eq!(decide(&other_mod, Moderate, MINE), Ok(()));
        assert_eq!(decide(&admin, Moderate, MINE), Ok(()));
        let community_on_mine = Target::Logged {
            actor_id: None,
            affected_user_id: Some(1),
        };
        assert_eq!(
            decide(&moderator, DecideAppeal, community_on_mine),
            Err(Denied::OwnCase)
        );
        assert_eq!(decide(&other_mod, DecideAppeal, community_on_mine), Ok(()));
    }

    #[test]
    fn trust_levels() {
        assert_eq!(trust_level(1), 0);
        assert_eq!(trust_level(15), 1);
        assert_eq!(trust_level(999), 2);
        assert_eq!(trust_level(1_000_000), 4);
        assert_eq!(trust_level(-50), 0);
    }

    #[test]
    fn normal_profile_table() {
        use Profile::Normal as N;
        let newbie = actor(1, Role::Member, 1, N);
        let voter = actor(1, Role::Member, 15, N);
        let critic = actor(1, Role::Member, 125, N);
        let reviewer = actor(1, Role::Member, 500, N);
        let editor = actor(1, Role::Member, 2_000, N);
        let closer = actor(1, Role::Member, 3_000, N);
        let protector = actor(1, Role::Member, 15_000, N);
        let moderator = actor(1, Role::Moderator, 1, N);
        let admin = actor(1, Role::Admin, 1, N);
        let agent = actor(1, Role::Agent, 1, N);
        let suspended = Actor {
            suspended: true,
            ..editor
        };
        let suspended_moderator = Actor {
            suspended: true,
            ..moderator
        };
        let cases: &[(&Actor, Action, Target, Result<(), Denied>)] = &[
            // Asking and answering need nothing but an account in good standing.
            (&newbie, Ask, Target::Site, Ok(())),
            (&newbie, Answer, OPEN, Ok(())),
            (&newbie, Answer, THEIRS, Ok(())),
            (
                &newbie,
                Answer,
                Target::Post {
                    author_id: 2,
                    locked: true,
                },
                Err(Denied::Locked),
            ),
            (&newbie, Answer, CLOSED, Err(Denied::Closed)),
            (&moderator, Answer, CLOSED, Ok(())),
            (
                &newbie,
                Answer,
                PROTECTED,
                needs(Privilege::AnswerProtected, N),
            ),
            (&voter, Answer, PROTECTED, Ok(())),
            (&moderator, Answer, LOCKED, Ok(())),
            // Comments: own posts and answers to one's own question are free.
            (&newbie, Comment, MINE, Ok(())),
            (&newbie, Comment, ANSWER_TO_ME, Ok(())),
            (
                &newbie,
                Comment,
                ANSWER_TO_THEM,
                needs(Privilege::CommentEverywhere, N),
            ),
            (
                &newbie,
                Comment,
                THEIRS,
                needs(Privilege::CommentEverywhere, N),
            ),
            (&actor(1, Role::Member, 50, N), Comment, THEIRS, Ok(())),
            (
                &critic,
                Comment,
                Target::Answer {
                    author_id: 2,
                    asker_id: 3,
                    locked: true,
                },
                Err(Denied::Locked),
            ),
            // Votes.
            (&newbie, VoteUp, THEIRS, needs(Privilege::VoteUp, N)),
            (&voter, VoteUp, THEIRS, Ok(())),
            (&voter, VoteDown, THEIRS, needs(Privilege::VoteDown, N)),
            (&critic, VoteDown, THEIRS, Ok(())),
            (&critic, VoteDown, ANSWER_TO_THEM, Ok(())),
            (&newbie, Unvote, THEIRS, Ok(())),
            (&voter, VoteUp, MINE, Err(Denied::OwnPost)),
            (&voter, Unvote, MINE, Err(Denied::OwnPost)),
            (&moderator, VoteDown, THEIRS, Ok(())),
            // Editing: own posts always, others' with the privilege, else suggest an edit.
            (&newbie, Edit, MINE, Ok(())),
            (&newbie, Edit, THEIRS, needs(Privilege::EditOthers, N)),
            (&reviewer, Edit, THEIRS, needs(Privilege::EditOthers, N)),
            (&editor, Edit, THEIRS, Ok(())),
            (
                &editor,
                Edit,
                Target::Post {
                    author_id: 2,
                    locked: true,
                },
                Err(Denied::Locked),
            ),
            (&newbie, Edit, LOCKED, Err(Denied::Locked)),
            (&moderator, Edit, THEIRS, Ok(())),
            (&newbie, SuggestEdit, THEIRS, Ok(())),
            (&newbie, SuggestEdit, ANSWER_TO_THEM, Ok(())),
            (&newbie, SuggestEdit, MINE, Err(Denied::EditDirectly)),
            (&editor, SuggestEdit, THEIRS, Err(Denied::EditDirectly)),
            (
                &newbie,
                SuggestEdit,
                Target::Post {
                    author_id: 2,
                    locked: true,
                },
                Err(Denied::Locked),
            ),
            // Deleting and accepting.
            (&newbie, Delete, MINE, Ok(())),
            (&editor, Delete, THEIRS, Err(Denied::NotAuthor)),
            (&moderator, Delete, THEIRS, Ok(())),
            (&newbie, Accept, Target::Question { author_id: 1 }, Ok(())),
            (
                &newbie,
                Accept,
                Target::Question { author_id: 2 },
                Err(Denied::NotAsker),
            ),
            (&newbie, Accept, THEIRS, Err(Denied::Forbidden)),
            // Flags.
            (&newbie, Flag, THEIRS, needs(Privilege::Flag, N)),
            (&voter, Flag, THEIRS, Ok(())),
            (&voter, Flag, MINE, Err(Denied::OwnFlag)),
            // Review queues.
            (
                &critic,
                Review,
                Target::Queue(Queue::FirstPosts),
                needs(Privilege::Review, N),
            ),
            (&reviewer, Review, Target::Queue(Queue::FirstPosts), Ok(())),
            (&reviewer, Review, Target::Queue(Queue::LateAnswers), Ok(())),
            (
                &reviewer,
                Review,
                Target::Queue(Queue::SuggestedEdits),
                Ok(()),
            ),
            (
                &reviewer,
                Review,
                Target::Queue(Queue::CloseVotes),
                needs(Privilege::CloseVotes, N),
            ),
            (&closer, Review, Target::Queue(Queue::CloseVotes), Ok(())),
            (
                &protector,
                Review,
                Target::Queue(Queue::Flagged),
                Err(Denied::ModeratorsOnly),
            ),
            (&moderator, Review, Target::Queue(Queue::Flagged), Ok(())),
            // Closing and protecting.
            (&editor, VoteClose, THEIRS, needs(Privilege::CloseVotes, N)),
            (&closer, VoteClose, THEIRS, Ok(())),
            (
                &closer,
                VoteClose,
                Target::Post {
                    author_id: 2,
                    locked: true,
                },
                Err(Denied::Locked),
            ),
            (&closer, Protect, THEIRS, needs(Privilege::Protect, N)),
            (&protector, Protect, THEIRS, Ok(())),
            // Moderation.
            (&protector, Moderate, THEIRS, Err(Denied::ModeratorsOnly)),
            (&agent, Moderate, THEIRS, Err(Denied::ModeratorsOnly)),
            (&moderator, Moderate, THEIRS, Ok(())),
            (
                &moderator,
                Moderate,
                Target::User {
                    user_id: 2,
                    role: Role::Member,
                },
                Ok(()),
            ),
            (
                &moderator,
                Moderate,
                Target::User {
                    user_id: 1,
                    role: Role::Moderator,
                },
                Err(Denied::Peer),
            ),
            (
                &moderator,
                Moderate,
                Target::User {
                    user_id: 2,
                    role: Role::Moderator,
                },
                Err(Denied::Peer),
            ),
            (
                &admin,
                Moderate,
                Target::User {
                    user_id: 2,
                    role: Role::Moderator,
                },
                Ok(()),
            ),
            (
                &protector,
                Moderate,
                Target::User {
                    user_id: 2,
                    role: Role::Member,
                },
                Err(Denied::ModeratorsOnly),
            ),
            // Appeals and the private detail of a logged action.
            (
                &newbie,
                Appeal,
                Target::Logged {
                    actor_id: Some(9),
                    affected_user_id: Some(1),
                },
                Ok(()),
            ),
            (
                &newbie,
                Appeal,
                Target::Logged {
                    actor_id: Some(9),
                    affected_user_id: Some(2),
                },
                Err(Denied::NotAffected),
            ),
            (
                &newbie,
                Appeal,
                Target::Logged {
                    actor_id: None,
                    affected_user_id: None,
                },
                Err(Denied::NotAffected),
            ),
            (
                &moderator,
                DecideAppeal,
                Target::Logged {
                    actor_id: Some(1),
                    affected_user_id: Some(2),
                },
                Err(Denied::OwnAction),
            ),
            (
                &moderator,
                DecideAppeal,
                Target::Logged {
                    actor_id: Some(9),
                    affected_user_id: Some(2),
                },
                Ok(()),
            ),
            (
                &moderator,
                DecideAppeal,
                Target::Logged {
                    actor_id: None,
                    affected_user_id: Some(2),
                },
                Ok(()),
            ),
            (
                &protector,
                DecideAppeal,
                Target::Logged {
                    actor_id: Some(9),
                    affected_user_id: Some(2),
                },
                Err(Denied::ModeratorsOnly),
            ),
            (
                &newbie,
                SeePrivateDetail,
                Target::Logged {
                    actor_id: Some(9),
                    affected_user_id: Some(1),
                },
                Ok(()),
            ),
            (
                &protector,
                SeePrivateDetail,
                Target::Logged {
                    actor_id: Some(9),
                    affected_user_id: Some(2),
                },
                Err(Denied::Forbidden),
            ),
            (
                &moderator,
                SeePrivateDetail,
                Target::Logged {
                    actor_id: Some(9),
                    affected_user_id: Some(2),
                },
                Ok(()),
            ),
            // Administration.
            (&newbie, ManageUsers, Target::Site, Err(Denied::Forbidden)),
            (
                &moderator,
                ManageUsers,
                Target::Site,
                Err(Denied::Forbidden),
            ),
            (&admin, ManageUsers, Target::Site, Ok(())),
            (
                &moderator,
                ManageSettings,
                Target::Site,
                Err(Denied::Forbidden),
            ),
            (&admin, ManageSettings, Target::Site, Ok(())),
            // Bounties.
            (
                &newbie,
                OfferBounty,
                THEIRS,
                needs(Privilege::OfferBounty, N),
            ),
            (&critic, OfferBounty, THEIRS, Ok(())),
            // Tickets (the whole table is `ticket_table`).
            (&newbie, OpenTicket, Target::Site, Ok(())),
            (&newbie, ViewTicket, MY_TICKET, Ok(())),
            (&newbie, SolveTicket, MY_TICKET, Ok(())),
            (&newbie, WorkTickets, MY_TICKET, Err(Denied::Forbidden)),
            (&agent, WorkTickets, MY_TICKET, Ok(())),
            // Posts the public cannot see: moderators see them all, authors their held or
            // hidden ones, nobody else any.
            (&newbie, SeeWithdrawn, withdrawn(1, false), Ok(())),
            (
                &newbie,
                SeeWithdrawn,
                withdrawn(1, true),
                Err(Denied::Forbidden),
            ),
            (
                &protector,
                SeeWithdrawn,
                withdrawn(2, false),
                Err(Denied::Forbidden),
            ),
            (&moderator, SeeWithdrawn, withdrawn(2, true), Ok(())),
            (&suspended, SeeWithdrawn, withdrawn(1, false), Ok(())),
            // A moderator's close or reopen vote decides alone; others' count toward the total.
            (&closer, CloseAtOnce, THEIRS, Err(Denied::ModeratorsOnly)),
            (&moderator, CloseAtOnce, THEIRS, Ok(())),
            (&moderator, CloseAtOnce, MINE, Ok(())),
            // The queue of appeals.
            (
                &protector,
                SeeAppeals,
                Target::Site,
                Err(Denied::ModeratorsOnly),
            ),
            (&moderator, SeeAppeals, Target::Site, Ok(())),
            (&suspended_moderator, SeeAppeals, Target::Site, Ok(())),
            // Suggested edits: the post's author as far as they may edit it, else reviewers;
            // nobody reviews their own suggestion.
            (&newbie, ReviewSuggestion, suggestion(1, 2, false), Ok(())),
            (
                &newbie,
                ReviewSuggestion,
                suggestion(1, 2, true),
                Err(Denied::Locked),
            ),
            (
                &critic,
                ReviewSuggestion,
                suggestion(2, 3, false),
                needs(Privilege::Review, N),
            ),
            (&reviewer, ReviewSuggestion, suggestion(2, 3, false), Ok(())),
            (
                &reviewer,
                ReviewSuggestion,
                suggestion(2, 3, true),
                Err(Denied::Locked),
            ),
            (
                &reviewer,
                ReviewSuggestion,
                suggestion(2, 1, false),
                Err(Denied::Forbidden),
            ),
            (&moderator, ReviewSuggestion, suggestion(2, 3, true), Ok(())),
            (
                &suspended,
                ReviewSuggestion,
                suggestion(1, 2, false),
                Err(Denied::Suspended),
            ),
            // Suspension stops everything but taking back votes and appealing.
            (&suspended, Ask, Target::Site, Err(Denied::Suspended)),
            (&suspended, VoteUp, THEIRS, Err(Denied::Suspended)),
            (&suspended, Edit, THEIRS, Err(Denied::Suspended)),
            (&suspended, Unvote, THEIRS, Ok(())),
            (
                &suspended,
                Appeal,
                Target::Logged {
                    actor_id: Some(9),
                    affected_user_id: Some(1),
                },
                Ok(()),
            ),
            (
                &suspended,
                SeePrivateDetail,
                Target::Logged {
                    actor_id: Some(9),
                    affected_user_id: Some(1),
                },
                Ok(()),
            ),
        ];
        for (a, action, target, expected) in cases {
            assert_eq!(
                &decide(a, *action, *target),
                expected,
                "{a:?} {action:?} {target:?}"
            );
        }
        for action in Action::ALL {
            assert!(
                listed(action) && cases.iter().any(|c| c.1 == action),
                "the permission table lists every action: {action:?} is missing"
            );
        }
    }

    /// Fails to compile when an action is added without a thought for this table; the table
    /// then fails until the action is in [`Action::ALL`] and has a case.
    fn listed(action: Action) -> bool {
        match action {
            Ask | Answer | Comment | VoteUp | VoteDown | Unvote | Edit | Delete | Accept
            | ManageUsers | Flag | SuggestEdit | Review | VoteClose | Protect | Moderate
            | Appeal | DecideAppeal | SeePrivateDetail | ManageSettings | OpenTicket
            | ViewTicket | SolveTicket | WorkTickets | OfferBounty | SeeWithdrawn | CloseAtOnce
            | SeeAppeals | ReviewSuggestion => Action::ALL.contains(&action),
        }
    }

    #[test]
    fn new_site_profile_table() {
        use Profile::NewSite as S;
        let newbie = actor(1, Role::Member, 1, S);
        let trusted = actor(1, Role::Member, 15, S);
        let reviewer = actor(1, Role::Member, 100, S);
        let editor = actor(1, Role::Member, 500, S);
        let cases: &[(&Actor, Action, Target, Result<(), Denied>)] = &[
            (&newbie, VoteUp, THEIRS, Ok(())),
            (&newbie, VoteDown, THEIRS, Ok(())),
            (&newbie, Comment, THEIRS, Ok(())),
            (&newbie, Flag, THEIRS, Ok(())),
            (&newbie, Edit, THEIRS, needs(Privilege::EditOthers, S)),
            (
                &newbie,
                Review,
                Target::Queue(Queue::SuggestedEdits),
                needs(Privilege::Review, S),
            ),
            (
                &reviewer,
                Review,
                Target::Queue(Queue::SuggestedEdits),
                Ok(()),
            ),
            (&reviewer, Edit, THEIRS, needs(Privilege::EditOthers, S)),
            (&editor, Edit, THEIRS, Ok(())),
            (&editor, VoteClose, THEIRS, Ok(())),
            (
                &reviewer,
                VoteClose,
                THEIRS,
                needs(Privilege::CloseVotes, S),
            ),
            (
                &actor(1, Role::Member, 0, S),
                VoteUp,
                THEIRS,
                needs(Privilege::VoteUp, S),
            ),
        ];
        for (a, action, target, expected) in cases {
            assert_eq!(
                &decide(a, *action, *target),
                expected,
                "{a:?} {action:?} {target:?}"
            );
        }
        assert!(!newbie.has(Privilege::TrustedFlag));
        assert!(trusted.has(Privilege::TrustedFlag));
    }

    #[test]
    fn privileges_are_monotonic_in_reputation() {
        for profile in [Profile::Normal, Profile::NewSite] {
            let t = Thresholds::of(profile);
            for p in Privilege::ALL {
                let below = actor(1, Role::Member, t.get(p) - 1, profile);
                let at = actor(1, Role::Member, t.get(p), profile);
                assert!(!below.has(p) && at.has(p), "{profile:?} {p:?}");
            }
            assert!(t.get(Privilege::VoteDown) >= t.get(Privilege::VoteUp));
            assert!(t.get(Privilege::EditOthers) >= t.get(Privilege::Review));
        }
        let normal = Thresholds::NORMAL;
        let new_site = Thresholds::NEW_SITE;
        for p in Privilege::ALL {
            assert!(
                new_site.get(p) <= normal.get(p),
                "the new-site profile is never stricter: {p:?}"
            );
        }
    }

    #[test]
    fn ticket_table() {
        use Profile::Normal as N;
        let mine = Target::Ticket {
            requester_id: 1,
            colleague: false,
        };
        let theirs = Target::Ticket {
            requester_id: 9,
            colleague: false,
        };
        let colleagues = Target::Ticket {
            requester_id: 9,
            colleague: true,
        };
        let member = actor(1, Role::Member, 1, N);
        let agent = actor(2, Role::Agent, 1, N);
        let moderator = actor(3, Role::Moderator, 50_000, N);
        let admin = actor(4, Role::Admin, 1, N);
        let suspended = Actor {
            suspended: true,
            ..member
        };
        let cases: &[(&Actor, Action, Target, bool)] = &[
            (&member, OpenTicket, Target::Site, true),
            (&suspended, OpenTicket, Target::Site, true),
            (&member, ViewTicket, mine, true),
            (&suspended, ViewTicket, mine, true),
            (&member, SolveTicket, mine, true),
            (&member, ViewTicket, theirs, false),
            (&member, ViewTicket, colleagues, true),
            (&member, SolveTicket, colleagues, false),
            (&member, WorkTickets, colleagues, false),
            (&member, SolveTicket, theirs, false),
            (&member, WorkTickets, mine, false),
            (&suspended, WorkTickets, mine, false),
            (&agent, ViewTicket, theirs, true),
            (&agent, WorkTickets, theirs, true),
            (&admin, ViewTicket, theirs, true),
            (&admin, WorkTickets, Target::Site, true),
            (&moderator, ViewTicket, theirs, false),
            (&moderator, WorkTickets, Target::Site, false),
        ];
        for (a, action, target, allowed) in cases {
            assert_eq!(
                decide(a, *action, *target).is_ok(),
                *allowed,
                "{a:?} {action:?} {target:?}"
            );
        }
    }

    #[test]
    fn denial_messages_name_the_reputation() {
        let e = Denied::NeedsReputation {
            privilege: Privilege::VoteDown,
            needed: 125,
        };
        assert_eq!(e.to_string(), "You need 125 reputation to vote down.");
    }
}
