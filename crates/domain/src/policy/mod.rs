//! The one place that decides who may do what. Every permission check in Stoa calls [`decide`].
//!
//! Office (role) grants moderation powers; reputation unlocks community privileges at
//! thresholds that are site settings ([`Thresholds`]), with a lowered "new site" profile so
//! that a young community can govern itself before anyone has earned much.

mod actor;
mod decide;
mod privileges;
#[cfg(test)]
mod tests;

pub use actor::{Action, Actor, Denied, Target};
pub use decide::decide;
pub use privileges::{
    trust_level, Privilege, Profile, Thresholds, PROMOTE_REPUTATION, TRUST_MIN_DAYS,
    TRUST_THRESHOLDS,
};
