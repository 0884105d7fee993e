//! The one place that decides who may do what. Every permission check in Stoa calls [`decide`].

use crate::account::Role;

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
}

/// Decides whether `actor` may perform `action` on `target`.
pub fn decide(actor: &Actor, action: Action, target: Target) -> Result<(), Denied> {
    let is_mod = actor.role.is_moderator();
    if actor.suspended && !matches!(action, Action::Unvote) {
        return Err(Denied::Suspended);
    }
    match (action, target) {
        (Action::ManageUsers, _) => {
            if actor.role == Role::Admin {
                Ok(())
            } else {
                Err(Denied::Forbidden)
            }
        }
        (Action::Ask, _) => Ok(()),
        (Action::Answer | Action::Comment, Target::Post { locked: true, .. }) if !is_mod => {
            Err(Denied::Locked)
        }
        (Action::Answer | Action::Comment, _) => Ok(()),
        (Action::VoteUp | Action::VoteDown | Action::Unvote, Target::Post { author_id, .. }) => {
            if author_id == actor.user_id {
                Err(Denied::OwnPost)
            } else {
                Ok(())
            }
        }
        (Action::Edit | Action::Delete, Target::Post { author_id, locked }) => {
            if is_mod {
                Ok(())
            } else if locked {
                Err(Denied::Locked)
            } else if author_id == actor.user_id {
                Ok(())
            } else {
                Err(Denied::NotAuthor)
            }
        }
        (Action::Accept, Target::Question { author_id }) => {
            if author_id == actor.user_id {
                Ok(())
            } else {
                Err(Denied::NotAsker)
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

    fn actor(id: i64, role: Role) -> Actor {
        Actor {
            user_id: id,
            role,
            reputation: 1,
            suspended: false,
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

    #[test]
    fn trust_levels() {
        assert_eq!(trust_level(1), 0);
        assert_eq!(trust_level(15), 1);
        assert_eq!(trust_level(999), 2);
        assert_eq!(trust_level(1_000_000), 4);
        assert_eq!(trust_level(-50), 0);
    }

    #[test]
    fn table() {
        let member = actor(1, Role::Member);
        let moderator = actor(1, Role::Moderator);
        let admin = actor(1, Role::Admin);
        let suspended = Actor {
            suspended: true,
            ..member
        };
        let cases: &[(&Actor, Action, Target, Result<(), Denied>)] = &[
            (&member, Ask, Target::Site, Ok(())),
            (&member, Answer, THEIRS, Ok(())),
            (
                &member,
                Answer,
                Target::Post {
                    author_id: 2,
                    locked: true,
                },
                Err(Denied::Locked),
            ),
            (&moderator, Answer, LOCKED, Ok(())),
            (&member, Comment, MINE, Ok(())),
            (&member, VoteUp, THEIRS, Ok(())),
            (&member, VoteDown, THEIRS, Ok(())),
            (&member, VoteUp, MINE, Err(Denied::OwnPost)),
            (&member, Unvote, MINE, Err(Denied::OwnPost)),
            (&member, Edit, MINE, Ok(())),
            (&member, Edit, THEIRS, Err(Denied::NotAuthor)),
            (&member, Edit, LOCKED, Err(Denied::Locked)),
            (&moderator, Edit, THEIRS, Ok(())),
            (&member, Delete, MINE, Ok(())),
            (&member, Delete, THEIRS, Err(Denied::NotAuthor)),
            (&member, Accept, Target::Question { author_id: 1 }, Ok(())),
            (
                &member,
                Accept,
                Target::Question { author_id: 2 },
                Err(Denied::NotAsker),
            ),
            (&member, ManageUsers, Target::Site, Err(Denied::Forbidden)),
            (
                &moderator,
                ManageUsers,
                Target::Site,
                Err(Denied::Forbidden),
            ),
            (&admin, ManageUsers, Target::Site, Ok(())),
            (&suspended, Ask, Target::Site, Err(Denied::Suspended)),
            (&suspended, VoteUp, THEIRS, Err(Denied::Suspended)),
            (&member, Accept, THEIRS, Err(Denied::Forbidden)),
        ];
        for (a, action, target, expected) in cases {
            assert_eq!(
                &decide(a, *action, *target),
                expected,
                "{a:?} {action:?} {target:?}"
            );
        }
    }
}
