//! The Ice encoding, version 1.1: how values become bytes ("Ice Encoding" in ZeroC's manual).
//!
//! | Slice type | on the wire |
//! | --- | --- |
//! | `byte`, `bool` | 1 byte (`bool`: 0 or 1) |
//! | `int` | 4 bytes, little-endian, two's complement |
//! | size | 1 byte if < 255, else the byte 255 and an `int` |
//! | `string` | its UTF-8 length as a size, then the bytes (no terminator) |
//! | `sequence<T>` | the element count as a size, then each element |
//! | `dictionary<K, V>` | the pair count as a size, then key, value, key, value ... |
//! | `struct` | its members in declaration order, nothing around them |
//! | encapsulation | `int` size (counting these 6 header bytes), encoding major, minor, data |
//!
//! [`Writer`] appends to a buffer; [`Reader`] walks a received slice of bytes and refuses,
//! with a [`DecodeError`], everything that runs past its end or cannot be valid. No count read
//! from the wire is trusted before it has been checked against the bytes actually there.

/// An encoding version, as encapsulations and message headers carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    pub major: u8,
    pub minor: u8,
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Encoding 1.1, the one Ice 3.5 and later use for parameters, and the only one this crate
/// writes or reads inside an encapsulation.
pub const ENCODING_1_1: Version = Version { major: 1, minor: 1 };

/// Why a run of bytes is not what the encoding allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("unexpected end of data: needed {needed} more bytes, {left} left")]
    EndOfData { needed: usize, left: usize },
    #[error("negative size {0}")]
    NegativeSize(i32),
    #[error("a size of 255 or more was written in its short form")]
    BadSize,
    #[error("string is not valid UTF-8")]
    NotUtf8,
    #[error("bool byte is {0}, not 0 or 1")]
    BadBool(u8),
    #[error("encapsulation size {size} does not fit the {left} bytes left")]
    BadEncapsulation { size: i32, left: usize },
    #[error("unsupported encoding {0} (this implementation reads 1.1)")]
    UnsupportedEncoding(Version),
    #[error("{0} bytes left over after the last parameter")]
    TrailingBytes(usize),
    #[error("{0}")]
    Invalid(String),
}

/// Appends encoded values to a byte buffer.
#[derive(Debug, Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(bytes);
        self
    }

    pub fn byte(&mut self, value: u8) -> &mut Self {
        self.buf.push(value);
        self
    }

    pub fn bool(&mut self, value: bool) -> &mut Self {
        self.byte(u8::from(value))
    }

    pub fn int(&mut self, value: i32) -> &mut Self {
        self.bytes(&value.to_le_bytes())
    }

    /// A size: one byte below 255, else 255 and the size as an `int`.
    ///
    /// # Panics
    /// If `size` exceeds `i32::MAX`: nothing this crate writes comes near that, and a message
    /// that large could not be framed anyway.
    pub fn size(&mut self, size: usize) -> &mut Self {
        match u8::try_from(size) {
            Ok(small) if small < 255 => self.byte(small),
            _ => {
                let size = i32::try_from(size).expect("sizes fit an int");
                self.byte(255).int(size)
            }
        }
    }

    pub fn string(&mut self, value: &str) -> &mut Self {
        self.size(value.len()).bytes(value.as_bytes())
    }

    pub fn strings<S: AsRef<str>>(&mut self, values: &[S]) -> &mut Self {
        self.size(values.len());
        for value in values {
            self.string(value.as_ref());
        }
        self
    }

    /// Writes an encapsulation: its size (counting the 6-byte header), its encoding, its data.
    pub fn encapsulation(&mut self, encapsulation: &Encapsulation) -> &mut Self {
        let size = i32::try_from(encapsulation.data.len() + 6).expect("encapsulations fit an int");
        let Version { major, minor } = encapsulation.encoding;
        self.int(size).byte(major).byte(minor).bytes(&encapsulation.data)
    }
}

/// An encapsulation: a run of encoded data that says how long it is and which encoding it
/// uses, so a receiver can skip it, or refuse its encoding, without understanding it.
/// Parameters, results and exceptions travel in one each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encapsulation {
    pub encoding: Version,
    /// The encoded values, without the 6-byte header.
    pub data: Vec<u8>,
}

impl Encapsulation {
    /// An encapsulation in encoding 1.1 whose contents `body` writes.
    pub fn build(body: impl FnOnce(&mut Writer)) -> Self {
        let mut writer = Writer::new();
        body(&mut writer);
        Self { encoding: ENCODING_1_1, data: writer.into_bytes() }
    }

    /// No parameters (or a `void` result): just the header, 6 bytes.
    pub fn empty() -> Self {
        Self::build(|_| {})
    }

    /// A reader over the contents, if they are in encoding 1.1.
    pub fn reader(&self) -> Result<Reader<'_>, DecodeError> {
        if self.encoding != ENCODING_1_1 {
            return Err(DecodeError::UnsupportedEncoding(self.encoding));
        }
        Ok(Reader::new(&self.data))
    }
}

/// Reads encoded values from the front of a byte slice.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.data.len()
    }

    /// Succeeds only if everything has been read: a parameter list must be read exactly.
    pub fn finish(&self) -> Result<(), DecodeError> {
        match self.data.len() {
            0 => Ok(()),
            left => Err(DecodeError::TrailingBytes(left)),
        }
    }

    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.data.len() {
            return Err(DecodeError::EndOfData { needed: n, left: self.data.len() });
        }
        let (taken, rest) = self.data.split_at(n);
        self.data = rest;
        Ok(taken)
    }

    pub fn byte(&mut self) -> Result<u8, DecodeError> {
        Ok(self.bytes(1)?[0])
    }

    pub fn bool(&mut self) -> Result<bool, DecodeError> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(DecodeError::BadBool(other)),
        }
    }

    pub fn int(&mut self) -> Result<i32, DecodeError> {
        let bytes = self.bytes(4)?;
        Ok(i32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    pub fn size(&mut self) -> Result<usize, DecodeError> {
        match self.byte()? {
            255 => match self.int()? {
                negative if negative < 0 => Err(DecodeError::NegativeSize(negative)),
                size if size < 255 => Err(DecodeError::BadSize),
                size => Ok(size as usize),
            },
            small => Ok(usize::from(small)),
        }
    }

    /// A count of elements each at least `min_element` bytes long: refused at once if the
    /// bytes left could not hold them, so a forged count never makes us allocate.
    pub fn count(&mut self, min_element: usize) -> Result<usize, DecodeError> {
        let count = self.size()?;
        let needed = count.saturating_mul(min_element.max(1));
        if needed > self.data.len() {
            return Err(DecodeError::EndOfData { needed, left: self.data.len() });
        }
        Ok(count)
    }

    pub fn string(&mut self) -> Result<String, DecodeError> {
        let len = self.size()?;
        let bytes = self.bytes(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError::NotUtf8)
    }

    /// A `sequence<string>`; the smallest string is one byte (an empty one).
    pub fn strings(&mut self) -> Result<Vec<String>, DecodeError> {
        let count = self.count(1)?;
        (0..count).map(|_| self.string()).collect()
    }

    /// An encapsulation, its size checked against the bytes there; the encoding is checked
    /// only when its contents are read ([`Encapsulation::reader`]).
    pub fn encapsulation(&mut self) -> Result<Encapsulation, DecodeError> {
        let size = self.int()?;
        let left = self.data.len() + 4;
        if size < 6 || size as usize > left {
            return Err(DecodeError::BadEncapsulation { size, left });
        }
        let encoding = Version { major: self.byte()?, minor: self.byte()? };
        let data = self.bytes(size as usize - 6)?.to_vec();
        Ok(Encapsulation { encoding, data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_below_255_take_one_byte_and_larger_ones_five() {
        let mut w = Writer::new();
        w.size(0).size(254).size(255).size(300);
        assert_eq!(w.into_bytes(), [0, 254, 255, 255, 0, 0, 0, 255, 44, 1, 0, 0]);
        let bytes = [0, 254, 255, 255, 0, 0, 0, 255, 44, 1, 0, 0];
        let mut r = Reader::new(&bytes);
        let sizes: Vec<usize> = (0..4).map(|_| r.size().unwrap()).collect();
        assert_eq!(sizes, [0, 254, 255, 300]);
        r.finish().unwrap();
    }

    #[test]
    fn strings_are_a_size_and_utf8_bytes() {
        let mut w = Writer::new();
        w.string("").string("héllo");
        assert_eq!(w.into_bytes(), b"\x00\x06h\xc3\xa9llo");
        let mut r = Reader::new(b"\x02\xff\xfe");
        assert_eq!(r.string(), Err(DecodeError::NotUtf8));
    }

    #[test]
    fn an_encapsulation_counts_its_own_six_byte_header() {
        let mut w = Writer::new();
        w.encapsulation(&Encapsulation::build(|w| {
            w.int(1);
        }));
        let bytes = w.into_bytes();
        assert_eq!(bytes, [10, 0, 0, 0, 1, 1, 1, 0, 0, 0]);
        let encapsulation = Reader::new(&bytes).encapsulation().unwrap();
        let mut inner = encapsulation.reader().unwrap();
        assert_eq!(inner.int(), Ok(1));
        inner.finish().unwrap();
    }

    #[test]
    fn forged_lengths_are_refused_before_anything_is_allocated() {
        // A string claiming 2^31-1 bytes with three behind it.
        let forged = [255, 0xff, 0xff, 0xff, 0x7f, b'a', b'b', b'c'];
        assert!(matches!(Reader::new(&forged).string(), Err(DecodeError::EndOfData { .. })));
        assert!(matches!(Reader::new(&forged).strings(), Err(DecodeError::EndOfData { .. })));
        assert_eq!(
            Reader::new(&[255, 0, 0, 0, 0x80]).size(),
            Err(DecodeError::NegativeSize(i32::MIN))
        );
        assert_eq!(Reader::new(&[255, 7, 0, 0, 0]).size(), Err(DecodeError::BadSize));
        // An encapsulation larger than what follows it, and one smaller than its header.
        assert!(Reader::new(&[100, 0, 0, 0, 1, 1]).encapsulation().is_err());
        assert!(Reader::new(&[5, 0, 0, 0, 1, 1]).encapsulation().is_err());
        let old = Reader::new(&[6, 0, 0, 0, 1, 0]).encapsulation().unwrap();
        assert_eq!(
            old.reader().unwrap_err(),
            DecodeError::UnsupportedEncoding(Version { major: 1, minor: 0 })
        );
        assert_eq!(Reader::new(&[2]).bool(), Err(DecodeError::BadBool(2)));
    }
}
