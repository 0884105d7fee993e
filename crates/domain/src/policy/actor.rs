//! The vocabulary of the policy: who acts ([`Actor`]), what they want to do ([`Action`]), to
//! what ([`Target`]), and why it may be refused ([`Denied`]).

use super::privileges::{Privilege, Thresholds, TRUST_MIN_DAYS};
use crate::account::Role;
use crate::moderation::Queue;

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

impl Actor {
    /// Whether the actor holds `p`: moderators hold every privilege, others by reputation
    /// (and, for privileges of trust, by the account's age).
    pub fn has(&self, p: Privilege) -> bool {
        self.role.is_moderator()
            || (self.reputation >= self.thresholds.get(p)
                && (!p.needs_trust() || self.account_days >= TRUST_MIN_DAYS))
    }

    pub(super) fn require(&self, p: Privilege) -> Result<(), Denied> {
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
    /// Turn a community answer into a knowledge-base article.
    PromoteAnswer,
    /// Create knowledge-base categories.
    ManageCategories,
    /// Read self-service statistics and the comments of article feedback.
    SeeSelfServiceStats,
}

impl Action {
    /// Every action, so that the permission table can prove it lists them all.
    pub const ALL: [Action; 32] = [
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
        Action::PromoteAnswer,
        Action::ManageCategories,
        Action::SeeSelfServiceStats,
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
    /// An answer that could become a knowledge-base article.
    Promotable {
        /// Whether a moderator locked it.
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
