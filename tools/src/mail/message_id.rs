//! A Message-ID as the rest of patchctl keeps it: without the `<>` a
//! header wraps it in and without surrounding blanks, so two spellings of
//! one header name one message.

use std::borrow::Borrow;
use std::convert::Infallible;
use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A normalised Message-ID (`abc@example.org`, never `<abc@example.org>`).
///
/// It reads and writes as the plain string in JSON and TOML, so files
/// written before it existed read the same and are written the same.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MessageId(String);

impl MessageId {
    /// `text` normalised: blanks and the `<>` around it stripped.
    pub fn new(text: &str) -> MessageId {
        MessageId(
            text.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .trim()
                .to_string(),
        )
    }

    /// The id without `<>`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as a plain string, for the places that still keep one.
    pub fn into_string(self) -> String {
        self.0
    }

    /// The id as a header carries it: `<abc@example.org>`.
    pub fn bracketed(&self) -> String {
        format!("<{}>", self.0)
    }
}

impl From<&str> for MessageId {
    fn from(text: &str) -> MessageId {
        MessageId::new(text)
    }
}

impl From<&String> for MessageId {
    fn from(text: &String) -> MessageId {
        MessageId::new(text)
    }
}

impl From<String> for MessageId {
    fn from(text: String) -> MessageId {
        MessageId::new(&text)
    }
}

impl From<MessageId> for String {
    fn from(id: MessageId) -> String {
        id.0
    }
}

impl FromStr for MessageId {
    type Err = Infallible;

    fn from_str(text: &str) -> Result<MessageId, Infallible> {
        Ok(MessageId::new(text))
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// As a `str` it reads where a `&str` is asked for; being normalised, it
// compares and hashes as its text does, so maps keyed by it can be looked
// up with a `&str`.
impl Deref for MessageId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for MessageId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for MessageId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for MessageId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for MessageId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for MessageId {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl PartialEq<MessageId> for String {
    fn eq(&self, other: &MessageId) -> bool {
        *self == other.0
    }
}

impl PartialEq<MessageId> for &str {
    fn eq(&self, other: &MessageId) -> bool {
        *self == other.0
    }
}

impl Serialize for MessageId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for MessageId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<MessageId, D::Error> {
        String::deserialize(d).map(MessageId::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_and_blanks_are_stripped() {
        for text in ["<a@b>", " <a@b> ", "a@b", "< a@b >", "\ta@b\n"] {
            assert_eq!(MessageId::from(text).as_str(), "a@b", "{text:?}");
        }
        assert_eq!("<a@b>".parse::<MessageId>().unwrap(), "a@b");
        assert_eq!(MessageId::from("a@b").bracketed(), "<a@b>");
        assert_eq!(MessageId::from("<a@b>").to_string(), "a@b");
    }

    #[test]
    fn it_is_a_plain_string_in_json_and_toml() {
        let id = MessageId::from("<a@b>");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"a@b\"");
        let back: MessageId = serde_json::from_str("\"<a@b>\"").unwrap();
        assert_eq!(back, id);

        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct Row {
            message_id: MessageId,
        }
        let row = Row { message_id: id };
        let text = toml::to_string(&row).unwrap();
        assert_eq!(text, "message_id = \"a@b\"\n");
        assert_eq!(toml::from_str::<Row>(&text).unwrap(), row);
    }

    #[test]
    fn a_map_keyed_by_it_is_looked_up_by_str() {
        let mut map = std::collections::HashMap::new();
        map.insert(MessageId::from("<a@b>"), 1);
        assert_eq!(map.get("a@b"), Some(&1));
    }
}
