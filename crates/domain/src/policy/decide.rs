//! [`decide`]: the one table of who may do what, row by row.

use super::actor::{Action, Actor, Denied, Target};
use super::privileges::{Privilege, PROMOTE_REPUTATION};
use crate::account::Role;
use crate::moderation::Queue;

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
        (Action::CloseAtOnce, Target::Post { author_id, .. }) => {
            if !is_mod {
                Err(Denied::ModeratorsOnly)
            } else if author_id == me && actor.role != Role::Admin {
                // A moderator's vote on their own question is an ordinary vote: closing or
                // reopening it at once would be judging their own case.
                Err(Denied::OwnCase)
            } else {
                Ok(())
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
        // The knowledge base. Staff (agents, moderators, admins) curate it as part of their
        // job; members earn the right to promote answers at trust level 3, because promotion
        // puts the community's name on a curated page. Categories and statistics stay with staff.
        (Action::PromoteAnswer, Target::Promotable { locked }) => {
            if locked && !is_mod {
                Err(Denied::Locked)
            } else if actor.role.is_staff() || actor.reputation >= PROMOTE_REPUTATION {
                Ok(())
            } else {
                Err(Denied::Forbidden)
            }
        }
        (Action::ManageCategories | Action::SeeSelfServiceStats, Target::Site) => {
            if actor.role.is_staff() {
                Ok(())
            } else {
                Err(Denied::Forbidden)
            }
        }
        _ => Err(Denied::Forbidden),
    }
}
