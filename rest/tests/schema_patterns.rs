//! The name and email patterns in the OpenAPI document against `NewUser::validate`, the code
//! the server really runs: on tricky and on generated strings, both must agree.

use common::NewUser;
use regex::Regex;
use rest::openapi::{EMAIL_PATTERN, NAME_PATTERN};

const VALID_NAME: &str = "Ada Lovelace";
const VALID_EMAIL: &str = "ada@example.com";

/// Ordinary characters, including multi-byte ones and the email's dot.
const PLAIN: &[char] = &['a', 'Z', '7', '-', ' ', 'é', '😀', '.'];
/// Characters where the rules are easy to get wrong: ASCII and Unicode white space, control
/// characters (some of them also white space), a zero-width space (neither), and `@`.
const TRICKY: &[char] = &[
    '\t', '\n', '\u{b}', '\u{c}', '\r', '\u{1c}', '\u{1f}', '\u{0}', '\u{7f}', '\u{85}', '\u{9f}',
    '\u{a0}', '\u{2003}', '\u{2028}', '\u{3000}', '\u{200b}', '@',
];

/// A small deterministic generator (xorshift), so a failure can be reproduced.
struct Strings(u64);

impl Strings {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % 1_000_003) as usize
    }

    /// Up to `max_chars` characters, one in ten of them tricky.
    fn string(&mut self, max_chars: usize) -> String {
        let length = self.next() % (max_chars + 1);
        let mut pick = || {
            let set = if self.next().is_multiple_of(10) { TRICKY } else { PLAIN };
            set[self.next() % set.len()]
        };
        (0..length).map(|_| pick()).collect()
    }
}

fn accepted(name: &str, email: &str) -> bool {
    NewUser { name: name.into(), email: email.into() }.validate().is_ok()
}

fn assert_agree(pattern: &Regex, value: &str, server_accepts: bool) {
    assert_eq!(pattern.is_match(value), server_accepts, "disagreement on {value:?}");
}

/// Runs `generate` 20 000 times and checks agreement; also that both answers occurred often,
/// so the comparison is not a vacuous one.
fn assert_agree_on_generated(pattern: &Regex, mut generate: impl FnMut() -> (String, bool)) {
    let mut accepted_count = 0;
    for _ in 0..20_000 {
        let (value, server_accepts) = generate();
        assert_agree(pattern, &value, server_accepts);
        accepted_count += usize::from(server_accepts);
    }
    assert!((500..19_500).contains(&accepted_count), "{accepted_count} of 20000 accepted");
}

#[test]
fn the_name_pattern_accepts_exactly_the_names_the_server_accepts() {
    let pattern = Regex::new(NAME_PATTERN).unwrap();
    let tricky = [
        "A".to_owned(),
        " A ".to_owned(),
        "\tA\n".to_owned(),
        "\u{85}A\u{3000}".to_owned(),
        "\u{1c}A".to_owned(),
        "A\u{7}B".to_owned(),
        "A B".to_owned(),
        String::new(),
        "   ".to_owned(),
        "n".repeat(64),
        "n".repeat(65),
        format!("  {}  ", "é".repeat(64)),
        format!("a{}b", " ".repeat(62)),
    ];
    for name in &tricky {
        assert_agree(&pattern, name, accepted(name, VALID_EMAIL));
    }
    let mut strings = Strings(0x5eed_0001);
    assert_agree_on_generated(&pattern, || {
        let name = strings.string(70);
        let server_accepts = accepted(&name, VALID_EMAIL);
        (name, server_accepts)
    });
}

#[test]
fn the_email_pattern_accepts_exactly_the_emails_the_server_accepts() {
    let pattern = Regex::new(EMAIL_PATTERN).unwrap();
    let tricky = [
        "a@b.c",
        "a@b",
        "@b.c",
        "a@.b",
        "a@b.",
        "a@b..c",
        "a@@b.c",
        "a@b@c.d",
        "a b@c.d",
        "a@b.c ",
        "a\u{0}@b.c",
        "é@ü.de",
        "😀@example.com",
    ];
    for email in tricky {
        assert_agree(&pattern, email, accepted(VALID_NAME, email));
    }
    // Emails this short stay under 254 bytes even if every character takes 4, where the
    // schema's `maxLength` (characters) and the server's limit (bytes) agree.
    let mut strings = Strings(0x5eed_0002);
    assert_agree_on_generated(&pattern, || {
        // Half of them shaped like an address, so that many pass; all of them with random parts.
        let email = if strings.next().is_multiple_of(2) {
            format!("{}@{}.{}", strings.string(8), strings.string(8), strings.string(4))
        } else {
            format!("{}@{}", strings.string(12), strings.string(20))
        };
        let server_accepts = accepted(VALID_NAME, &email);
        (email, server_accepts)
    });
    // And the length limit itself, in ASCII.
    let at_limit = format!("{}@example.com", "a".repeat(254 - "@example.com".len()));
    let over_limit = format!("a{at_limit}");
    assert!(pattern.is_match(&at_limit) && at_limit.chars().count() <= 254);
    assert!(accepted(VALID_NAME, &at_limit) && !accepted(VALID_NAME, &over_limit));
    assert!(over_limit.chars().count() > 254, "refused by the schema's maxLength as well");
}
