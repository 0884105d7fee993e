//! Privileges and their thresholds: what reputation unlocks, the two threshold profiles, the
//! account age that privileges of trust also need, and the trust levels.

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

/// Reputation needed for each trust level above 0 (new member): basic, member, regular, leader.
pub const TRUST_THRESHOLDS: [i64; 4] = [15, 125, 1_000, 3_000];

/// Reputation from which a member may promote answers to knowledge-base articles: trust
/// level 3 ("regular"). Staff promote whatever their reputation.
pub const PROMOTE_REPUTATION: i64 = TRUST_THRESHOLDS[2];

/// The trust level (0–4) that a reputation earns.
pub fn trust_level(reputation: i64) -> i64 {
    TRUST_THRESHOLDS
        .iter()
        .filter(|t| reputation >= **t)
        .count() as i64
}
