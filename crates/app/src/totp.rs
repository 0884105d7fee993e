//! Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): HMAC-SHA1, six digits,
//! 30-second steps, as every authenticator app expects; and the Base32 (RFC 4648) form their
//! secrets travel in.

use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Seconds per step.
pub const STEP_SECS: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Steps either side of now that still count, for clocks that drift and people who type slowly.
pub const SKEW_STEPS: i64 = 1;
/// Bytes of a new secret (160 bits, RFC 4226's recommendation).
pub const SECRET_BYTES: usize = 20;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Base32 without padding, upper case.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes Base32, ignoring case, spaces, hyphens and padding; `None` on any other character.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars() {
        if matches!(c, ' ' | '-' | '=') {
            continue;
        }
        let upper = c.to_ascii_uppercase();
        let value = ALPHABET.iter().position(|&a| char::from(a) == upper)?;
        buffer = (buffer << 5) | value as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
        buffer &= 0xff;
    }
    Some(out)
}

/// The HOTP code of `counter` under `key` (RFC 4226 §5.3, dynamic truncation).
pub fn hotp(key: &[u8], counter: u64) -> u32 {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key) else {
        // HMAC takes keys of any length; this branch cannot be taken.
        return 0;
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let binary = (u32::from(digest[offset]) & 0x7f) << 24
        | u32::from(digest[offset + 1]) << 16
        | u32::from(digest[offset + 2]) << 8
        | u32::from(digest[offset + 3]);
    binary % 10u32.pow(DIGITS)
}

/// The step that contains `unix_secs`.
pub fn step_of(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS)
}

/// The code for `step`, zero-padded to six digits.
pub fn code_at(key: &[u8], step: i64) -> String {
    format!("{:06}", hotp(key, step.max(0) as u64))
}

/// The step whose code `code` is, within the allowed skew of `now`, and later than
/// `last_step` (so that a code is accepted once); `None` when it matches none.
pub fn verify(key: &[u8], code: &str, now: i64, last_step: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = step_of(now);
    (current - SKEW_STEPS..=current + SKEW_STEPS)
        .filter(|&s| s > last_step)
        .find(|&s| crate::secrets::constant_time_eq(&code_at(key, s), &code))
}

/// The `otpauth://` URI authenticator apps read from the QR code.
pub fn otpauth_uri(secret_b32: &str, issuer: &str, account: &str) -> String {
    let issuer_enc = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer_enc}:{}?secret={secret_b32}&issuer={issuer_enc}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        percent_encode(account)
    )
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4226_appendix_d_vectors() {
        let key = b"12345678901234567890";
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, want) in expected.iter().enumerate() {
            assert_eq!(hotp(key, counter as u64), *want, "counter {counter}");
        }
    }

    #[test]
    fn rfc6238_sha1_vectors_to_six_digits() {
        // Appendix B gives eight digits; six are the last six of those.
        let key = b"12345678901234567890";
        for (time, eight) in [
            (59i64, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
        ] {
            assert_eq!(code_at(key, step_of(time)), &eight[2..], "time {time}");
        }
    }

    #[test]
    fn base32_round_trips_and_matches_rfc4648() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("mzxw6ytboi======"), Some(b"foobar".to_vec()));
        assert_eq!(base32_decode("MZXW 6YTB-OI"), Some(b"foobar".to_vec()));
        assert_eq!(base32_decode("MZ1"), None);
        for n in 0..40u8 {
            let bytes: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(base32_decode(&base32_encode(&bytes)), Some(bytes));
        }
    }

    #[test]
    fn verify_accepts_one_step_either_side_once() {
        let key = b"12345678901234567890";
        let now = 1_700_000_000;
        let step = step_of(now);
        assert_eq!(verify(key, &code_at(key, step), now, 0), Some(step));
        assert_eq!(verify(key, &code_at(key, step - 1), now, 0), Some(step - 1));
        assert_eq!(verify(key, &code_at(key, step + 1), now, 0), Some(step + 1));
        assert_eq!(verify(key, &code_at(key, step - 2), now, 0), None);
        // Used already: the same step is not accepted again.
        assert_eq!(verify(key, &code_at(key, step), now, step), None);
        assert_eq!(verify(key, "12345", now, 0), None);
        assert_eq!(verify(key, "abcdef", now, 0), None);
    }

    #[test]
    fn otpauth_uri_escapes_names() {
        let uri = otpauth_uri("ABC", "My Help", "ana@example.com");
        assert_eq!(
            uri,
            "otpauth://totp/My%20Help:ana%40example.com?secret=ABC&issuer=My%20Help&algorithm=SHA1&digits=6&period=30"
        );
    }
}
