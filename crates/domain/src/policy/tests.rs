//! The permission tables: every action, for every kind of actor, with the expected answer.

use super::*;
use crate::account::Role;
use crate::moderation::Queue;
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
        // A moderator's close or reopen vote decides alone (not on their own question: there it
        // counts like anyone's); others' count toward the total.
        (&closer, CloseAtOnce, THEIRS, Err(Denied::ModeratorsOnly)),
        (&moderator, CloseAtOnce, THEIRS, Ok(())),
        (&moderator, CloseAtOnce, MINE, Err(Denied::OwnCase)),
        (&admin, CloseAtOnce, MINE, Ok(())),
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
        // The knowledge base (the whole table is `knowledge_base_table`).
        (
            &closer,
            PromoteAnswer,
            Target::Promotable { locked: false },
            Ok(()),
        ),
        (
            &reviewer,
            PromoteAnswer,
            Target::Promotable { locked: false },
            Err(Denied::Forbidden),
        ),
        (
            &agent,
            PromoteAnswer,
            Target::Promotable { locked: true },
            Err(Denied::Locked),
        ),
        (
            &protector,
            ManageCategories,
            Target::Site,
            Err(Denied::Forbidden),
        ),
        (&agent, ManageCategories, Target::Site, Ok(())),
        (
            &protector,
            SeeSelfServiceStats,
            Target::Site,
            Err(Denied::Forbidden),
        ),
        (&moderator, SeeSelfServiceStats, Target::Site, Ok(())),
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
        | ManageUsers | Flag | SuggestEdit | Review | VoteClose | Protect | Moderate | Appeal
        | DecideAppeal | SeePrivateDetail | ManageSettings | OpenTicket | ViewTicket
        | SolveTicket | WorkTickets | OfferBounty | SeeWithdrawn | CloseAtOnce | SeeAppeals
        | ReviewSuggestion | PromoteAnswer | ManageCategories | SeeSelfServiceStats => {
            Action::ALL.contains(&action)
        }
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

#[test]
fn knowledge_base_table() {
    use Profile::Normal as N;
    let open = Target::Promotable { locked: false };
    let locked = Target::Promotable { locked: true };
    let member = actor(1, Role::Member, PROMOTE_REPUTATION - 1, N);
    let trusted = actor(1, Role::Member, PROMOTE_REPUTATION, N);
    let agent = actor(1, Role::Agent, 1, N);
    let moderator = actor(1, Role::Moderator, 1, N);
    let admin = actor(1, Role::Admin, 1, N);
    let suspended = Actor {
        suspended: true,
        ..trusted
    };
    let cases: &[(&Actor, Action, Target, Result<(), Denied>)] = &[
        (&member, PromoteAnswer, open, Err(Denied::Forbidden)),
        (&trusted, PromoteAnswer, open, Ok(())),
        (&agent, PromoteAnswer, open, Ok(())),
        (&moderator, PromoteAnswer, open, Ok(())),
        (&trusted, PromoteAnswer, locked, Err(Denied::Locked)),
        (&agent, PromoteAnswer, locked, Err(Denied::Locked)),
        (&moderator, PromoteAnswer, locked, Ok(())),
        (&suspended, PromoteAnswer, open, Err(Denied::Suspended)),
        (
            &trusted,
            ManageCategories,
            Target::Site,
            Err(Denied::Forbidden),
        ),
        (&agent, ManageCategories, Target::Site, Ok(())),
        (&admin, ManageCategories, Target::Site, Ok(())),
        (
            &trusted,
            SeeSelfServiceStats,
            Target::Site,
            Err(Denied::Forbidden),
        ),
        (&agent, SeeSelfServiceStats, Target::Site, Ok(())),
        (&moderator, SeeSelfServiceStats, Target::Site, Ok(())),
        (&agent, PromoteAnswer, Target::Site, Err(Denied::Forbidden)),
        (&moderator, ManageCategories, Target::Site, Ok(())),
    ];
    for (a, action, target, expected) in cases {
        assert_eq!(
            &decide(a, *action, *target),
            expected,
            "{a:?} {action:?} {target:?}"
        );
    }
}
