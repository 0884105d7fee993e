//! Defences of votes and rewards against gaming: serial voting (many votes from one person on
//! another's posts in a short window) is reversed; accounts that share a sign-up trait are
//! linked and what they do for each other is shown to moderators.

use serde::{Deserialize, Serialize};

/// Site rules for serial voting, part of the governance settings (visible to everyone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntegrityRules {
    /// Votes by one person on another's posts within the window that count as serial voting.
    pub serial_votes: i64,
    /// The window, in hours.
    pub serial_window_hours: i64,
}

impl Default for IntegrityRules {
    fn default() -> Self {
        IntegrityRules {
            serial_votes: 5,
            serial_window_hours: 24,
        }
    }
}

impl IntegrityRules {
    /// Checks the ranges, so that a typo cannot reverse every vote on the site.
    pub fn validate(&self) -> Result<(), String> {
        if !(3..=100).contains(&self.serial_votes) {
            return Err("integrity.serial_votes must be between 3 and 100".into());
        }
        if !(1..=168).contains(&self.serial_window_hours) {
            return Err("integrity.serial_window_hours must be between 1 and 168".into());
        }
        Ok(())
    }

    /// The window in seconds.
    pub fn window_secs(&self) -> i64 {
        self.serial_window_hours * 3600
    }
}

/// Which of one voter's votes on one author's posts are serial: every vote that lies in some
/// window of `window` seconds holding at least `min_votes` of them. `times` are the votes'
/// moments in any order; the answer lists indices into it, ascending.
pub fn serial_votes(times: &[i64], min_votes: usize, window: i64) -> Vec<usize> {
    if min_votes == 0 || times.len() < min_votes {
        return Vec::new();
    }
    let mut order: Vec<usize> = (0..times.len()).collect();
    order.sort_by_key(|&i| (times[i], i));
    let mut serial = vec![false; times.len()];
    // Two pointers over the sorted moments: for each start, the votes within the window.
    let mut end = 0;
    for start in 0..order.len() {
        if end < start {
            end = start;
        }
        while end + 1 < order.len() && times[order[end + 1]] - times[order[start]] < window {
            end += 1;
        }
        if end + 1 - start >= min_votes {
            for &i in &order[start..=end] {
                serial[i] = true;
            }
        }
    }
    (0..times.len()).filter(|&i| serial[i]).collect()
}

/// How many independent people a set of accounts is: accounts sharing any trait (directly or
/// through others) count as one. `traits` pairs an account with one of its hashed traits; an
/// account without traits appears with `None`.
pub fn independent_people(traits: &[(i64, Option<(String, String)>)]) -> usize {
    use std::collections::HashMap;
    let mut accounts: Vec<i64> = traits.iter().map(|(u, _)| *u).collect();
    accounts.sort_unstable();
    accounts.dedup();
    let index: HashMap<i64, usize> = accounts.iter().enumerate().map(|(i, u)| (*u, i)).collect();
    let mut parent: Vec<usize> = (0..accounts.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut first_holder: HashMap<&(String, String), usize> = HashMap::new();
    for (user, t) in traits {
        let Some(t) = t else { continue };
        let me = index[user];
        match first_holder.get(t) {
            Some(&other) => {
                let (a, b) = (root(&mut parent, me), root(&mut parent, other));
                parent[a] = b;
            }
            None => {
                first_holder.insert(t, me);
            }
        }
    }
    (0..accounts.len())
        .filter(|&i| root(&mut parent, i) == i)
        .count()
}

/// Links, as shared traits for [`independent_people`], the accounts that up-voted each other's
/// posts (each at least once, in both directions). `upvotes` are (voter, author) pairs. For
/// hiding a post by flags a voting ring is one party, as much as accounts from one browser are.
pub fn mutual_vote_traits(upvotes: &[(i64, i64)]) -> Vec<(i64, Option<(String, String)>)> {
    use std::collections::BTreeSet;
    let given: BTreeSet<(i64, i64)> = upvotes.iter().copied().filter(|(v, a)| v != a).collect();
    let mut out = Vec::new();
    for &(a, b) in &given {
        if a < b && given.contains(&(b, a)) {
            let ring = ("mutual_votes".to_string(), format!("{a}:{b}"));
            out.push((a, Some(ring.clone())));
            out.push((b, Some(ring)));
        }
    }
    out
}

/// Which trait two linked accounts share, for the moderators' note.
pub fn trait_label(kind: &str) -> &'static str {
    match kind {
        "address" => "the same network address",
        "device" => "the same browser",
        _ => "a sign-up trait",
    }
}

/// Whether a client address is worth recording as a trait: loopback and unknown addresses are
/// those of a proxy in front of the site, shared by everyone.
pub fn address_is_personal(ip: &str) -> bool {
    match ip.parse::<std::net::IpAddr>() {
        Ok(addr) => !addr.is_loopback() && !addr.is_unspecified(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn mutual_voters_are_one_party() {
        use super::{independent_people, mutual_vote_traits};
        // 1 and 2 up-voted each other; 3 up-voted 1 without a vote back; 4 voted for nobody.
        let links = mutual_vote_traits(&[(1, 2), (2, 1), (2, 1), (3, 1), (4, 4)]);
        assert_eq!(links.len(), 2);
        let mut traits: Vec<(i64, Option<(String, String)>)> =
            [1, 2, 3, 4].iter().map(|u| (*u, None)).collect();
        traits.extend(links);
        assert_eq!(independent_people(&traits), 3);
        assert!(
            mutual_vote_traits(&[(1, 2), (3, 1)]).is_empty(),
            "one-way is not a ring"
        );
        assert!(
            mutual_vote_traits(&[(5, 5)]).is_empty(),
            "self-votes link nobody"
        );
    }

    use super::*;
    use proptest::prelude::*;

    const H: i64 = 3600;

    #[test]
    fn rules() {
        assert!(IntegrityRules::default().validate().is_ok());
        assert!(IntegrityRules {
            serial_votes: 1,
            ..Default::default()
        }
        .validate()
        .is_err());
        assert!(IntegrityRules {
            serial_window_hours: 0,
            ..Default::default()
        }
        .validate()
        .is_err());
    }

    #[test]
    fn serial_runs() {
        // Five votes within an hour are serial; a sixth a week later is not.
        let times = [0, 60, 120, 180, 240, 7 * 24 * H];
        assert_eq!(serial_votes(&times, 5, 24 * H), vec![0, 1, 2, 3, 4]);
        // Five votes spread over five days are not.
        let spread = [0, 25 * H, 50 * H, 75 * H, 100 * H];
        assert!(serial_votes(&spread, 5, 24 * H).is_empty());
        // Order does not matter.
        assert_eq!(
            serial_votes(&[240, 0, 180, 60, 120], 5, 24 * H),
            vec![0, 1, 2, 3, 4]
        );
        assert!(serial_votes(&[0, 1, 2, 3], 5, 24 * H).is_empty());
        assert!(serial_votes(&[], 5, 24 * H).is_empty());
    }

    #[test]
    fn linked_accounts_count_once() {
        let t = |k: &str, v: &str| Some((k.to_string(), v.to_string()));
        assert_eq!(independent_people(&[]), 0);
        assert_eq!(independent_people(&[(1, None), (2, None), (3, None)]), 3);
        // 1 and 2 share a browser, 2 and 3 an address: one person; 4 stands alone.
        let rows = [
            (1, t("device", "d1")),
            (2, t("device", "d1")),
            (2, t("address", "a9")),
            (3, t("address", "a9")),
            (4, t("address", "a4")),
        ];
        assert_eq!(independent_people(&rows), 2);
    }

    #[test]
    fn addresses() {
        assert!(address_is_personal("203.0.113.7"));
        assert!(address_is_personal("2001:db8::1"));
        assert!(!address_is_personal("127.0.0.1"));
        assert!(!address_is_personal("::1"));
        assert!(!address_is_personal("unknown"));
    }

    proptest! {
        #[test]
        fn serial_means_a_full_window(
            times in proptest::collection::vec(0_i64..(10 * 24 * 3600), 0..30),
            min in 2_usize..7,
        ) {
            let window = 24 * H;
            let got = serial_votes(&times, min, window);
            // Every vote reported has a window around it holding `min` votes.
            for &i in &got {
                let t = times[i];
                let ok = times.iter().any(|&s| {
                    s <= t && t - s < window
                        && times.iter().filter(|&&u| u >= s && u - s < window).count() >= min
                });
                prop_assert!(ok);
            }
            // And when any window holds `min` votes, something is reported.
            let any = times.iter().any(|&s| times.iter().filter(|&&u| u >= s && u - s < window).count() >= min);
            prop_assert_eq!(any, !got.is_empty());
            let mut rev = times.clone();
            rev.reverse();
            prop_assert_eq!(serial_votes(&rev, min, window).len(), got.len());
        }
    }
}
