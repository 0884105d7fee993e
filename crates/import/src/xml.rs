//! Streaming reader of a dump file: `<root><row a="…" …/>…</root>`, one row at a time, so
//! memory stays flat whatever the file's size. Every problem becomes
//! [`ImportError::Malformed`] with the file and the line of the offending row.

use crate::fields::parse_date;
use crate::ImportError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    BeforeRoot,
    InRoot,
    /// Inside `<row …>` written with a separate end tag.
    InRow,
    AfterRoot,
}

/// Reads the rows of one dump file.
pub(crate) struct RowReader {
    reader: Reader<BufReader<File>>,
    buf: Vec<u8>,
    path: PathBuf,
    root: &'static str,
    state: State,
    len: u64,
    /// Bytes of a UTF-8 byte-order mark: quick-xml skips it without counting it in positions.
    bom: u64,
    /// The current row's names and unescaped values, reused from row to row.
    text: String,
    fields: Vec<(Range<usize>, Range<usize>)>,
}

/// One row: its attributes, and where it starts (for error messages).
pub(crate) struct Row<'a> {
    text: &'a str,
    fields: &'a [(Range<usize>, Range<usize>)],
    offset: u64,
    path: &'a Path,
}

impl RowReader {
    /// Opens `path`, whose root element must be `root` (e.g. `posts`).
    pub(crate) fn open(path: &Path, root: &'static str) -> Result<Self, ImportError> {
        let io = |source| ImportError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        let mut head = [0u8; 3];
        let bom = match file.read_exact(&mut head) {
            Ok(()) if head == [0xEF, 0xBB, 0xBF] => 3,
            _ => 0,
        };
        // Back to the start: quick-xml reads (and skips) the mark itself.
        std::io::Seek::rewind(&mut file).map_err(io)?;
        let mut reader = Reader::from_reader(BufReader::with_capacity(256 * 1024, file));
        // End tags must match their start tags: a file cut and glued elsewhere is malformed.
        reader.config_mut().check_end_names = true;
        Ok(RowReader {
            reader,
            buf: Vec::with_capacity(64 * 1024),
            path: path.to_path_buf(),
            root,
            state: State::BeforeRoot,
            len,
            bom,
            text: String::new(),
            fields: Vec::new(),
        })
    }

    /// Size of the file in bytes.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Bytes read so far.
    pub(crate) fn position(&self) -> u64 {
        self.reader.buffer_position() + self.bom
    }

    /// The next row, or `None` after the root element has closed.
    pub(crate) fn next_row(&mut self) -> Result<Option<Row<'_>>, ImportError> {
        loop {
            self.buf.clear();
            let start = self.reader.buffer_position() + self.bom;
            let event = match self.reader.read_event_into(&mut self.buf) {
                Ok(e) => e,
                Err(e) => {
                    let at = self.reader.error_position() + self.bom;
                    return Err(malformed(&self.path, at, xml_reason(&e, self.root)));
                }
            };
            let root = self.root;
            match (self.state, event) {
                (_, Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_)) => {}
                (_, Event::Text(t)) if t.iter().all(u8::is_ascii_whitespace) => {}
                (State::BeforeRoot, Event::Start(e)) if e.name().as_ref() == root.as_bytes() => {
                    self.state = State::InRoot;
                }
                (State::BeforeRoot, Event::Empty(e)) if e.name().as_ref() == root.as_bytes() => {
                    self.state = State::AfterRoot;
                }
                (State::InRoot, Event::Empty(e)) => {
                    fill(
                        &e,
                        &self.reader,
                        &mut self.text,
                        &mut self.fields,
                        &self.path,
                        start,
                    )?;
                    return Ok(Some(self.row(start)));
                }
                (State::InRoot, Event::Start(e)) => {
                    fill(
                        &e,
                        &self.reader,
                        &mut self.text,
                        &mut self.fields,
                        &self.path,
                        start,
                    )?;
                    self.state = State::InRow;
                    return Ok(Some(self.row(start)));
                }
                (State::InRow, Event::End(_)) => self.state = State::InRoot,
                (State::InRoot, Event::End(_)) => self.state = State::AfterRoot,
                (State::AfterRoot, Event::Eof) => return Ok(None),
                (State::BeforeRoot, Event::Eof) => {
                    return Err(malformed(
                        &self.path,
                        start,
                        format!("no <{root}> element: the file is empty or not a dump file"),
                    ));
                }
                (State::InRoot | State::InRow, Event::Eof) => {
                    return Err(malformed(
                        &self.path,
                        start,
                        format!("the file ends before </{root}>: it is truncated"),
                    ));
                }
                (State::BeforeRoot, Event::Start(e) | Event::Empty(e)) => {
                    let found = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    return Err(malformed(
                        &self.path,
                        start,
                        format!("expected a <{root}> element, found <{found}>"),
                    ));
                }
                (State::InRow, Event::Start(_) | Event::Empty(_)) => {
                    return Err(malformed(
                        &self.path,
                        start,
                        "unexpected element inside <row>".into(),
                    ));
                }
                (State::AfterRoot, _) => {
                    return Err(malformed(
                        &self.path,
                        start,
                        format!("unexpected content after </{root}>"),
                    ));
                }
                (_, Event::Text(_) | Event::CData(_) | Event::GeneralRef(_)) => {
                    return Err(malformed(
                        &self.path,
                        start,
                        "unexpected text between rows".into(),
                    ));
                }
                (_, Event::End(_)) => {
                    return Err(malformed(&self.path, start, "unexpected end tag".into()));
                }
            }
        }
    }

    fn row(&self, offset: u64) -> Row<'_> {
        Row {
            text: &self.text,
            fields: &self.fields,
            offset,
            path: &self.path,
        }
    }
}

/// Unescapes the attributes of a row into the reusable buffers.
fn fill(
    e: &BytesStart<'_>,
    reader: &Reader<BufReader<File>>,
    text: &mut String,
    fields: &mut Vec<(Range<usize>, Range<usize>)>,
    path: &Path,
    offset: u64,
) -> Result<(), ImportError> {
    if e.name().as_ref() != b"row" {
        let found = String::from_utf8_lossy(e.name().as_ref()).into_owned();
        return Err(malformed(
            path,
            offset,
            format!("expected a <row> element, found <{found}>"),
        ));
    }
    text.clear();
    fields.clear();
    for attr in e.attributes() {
        let attr = attr.map_err(|err| malformed(path, offset, format!("bad attribute: {err}")))?;
        let name = std::str::from_utf8(attr.key.as_ref())
            .map_err(|_| malformed(path, offset, "an attribute name is not UTF-8".into()))?;
        let value = attr
            .decode_and_unescape_value(reader.decoder())
            .map_err(|err| {
                malformed(
                    path,
                    offset,
                    format!("attribute {name} cannot be read: {err}"),
                )
            })?;
        let n = text.len();
        text.push_str(name);
        let v = text.len();
        text.push_str(&value);
        fields.push((n..v, v..text.len()));
    }
    Ok(())
}

impl Row<'_> {
    /// The value of attribute `name`, if present.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| &self.text[n.clone()] == name)
            .map(|(_, v)| &self.text[v.clone()])
    }

    /// A required attribute.
    pub(crate) fn text(&self, name: &str) -> Result<&str, ImportError> {
        self.get(name)
            .ok_or_else(|| self.error(format!("the row has no {name} attribute")))
    }

    /// A required whole number.
    pub(crate) fn int(&self, name: &str) -> Result<i64, ImportError> {
        self.opt_int(name)?
            .ok_or_else(|| self.error(format!("the row has no {name} attribute")))
    }

    /// An optional whole number (absent or empty: `None`).
    pub(crate) fn opt_int(&self, name: &str) -> Result<Option<i64>, ImportError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
                self.error(format!("{name}=\"{}\" is not a whole number", shorten(v)))
            }),
        }
    }

    /// A required date.
    pub(crate) fn date(&self, name: &str) -> Result<i64, ImportError> {
        self.opt_date(name)?
            .ok_or_else(|| self.error(format!("the row has no {name} attribute")))
    }

    /// An optional date (absent or empty: `None`).
    pub(crate) fn opt_date(&self, name: &str) -> Result<Option<i64>, ImportError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(v) => parse_date(v).map(Some).ok_or_else(|| {
                self.error(format!(
                    "{name}=\"{}\" is not a date like 2014-01-21T20:26:05.383",
                    shorten(v)
                ))
            }),
        }
    }

    /// A [`ImportError::Malformed`] pointing at this row.
    pub(crate) fn error(&self, reason: String) -> ImportError {
        malformed(self.path, self.offset, reason)
    }
}

/// At most 40 characters of a bad value, for messages.
fn shorten(v: &str) -> String {
    if v.chars().count() > 40 {
        format!("{}…", v.chars().take(40).collect::<String>())
    } else {
        v.to_string()
    }
}

fn xml_reason(e: &quick_xml::Error, root: &str) -> String {
    use quick_xml::errors::{Error, SyntaxError};
    match e {
        Error::Syntax(SyntaxError::UnclosedTag) => {
            format!("the file ends inside a tag: it is truncated (or a '>' is missing); expected rows up to </{root}>")
        }
        Error::Syntax(s) => format!("not well-formed XML: {s}"),
        Error::IllFormed(s) => format!("not well-formed XML: {s}"),
        Error::Encoding(s) => format!("not UTF-8: {s}"),
        other => format!("not well-formed XML: {other}"),
    }
}

/// An error at byte `offset` of `path`, with the line number (counted only when it happens).
pub(crate) fn malformed(path: &Path, offset: u64, reason: String) -> ImportError {
    ImportError::Malformed {
        path: path.to_path_buf(),
        line: line_at(path, offset),
        reason,
    }
}

/// 1-based line of byte `offset`.
fn line_at(path: &Path, offset: u64) -> u64 {
    let Ok(file) = File::open(path) else { return 0 };
    let mut reader = BufReader::new(file).take(offset);
    let mut lines = 1;
    loop {
        let n = match reader.fill_buf() {
            Ok([]) | Err(_) => break,
            Ok(chunk) => {
                lines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
                chunk.len()
            }
        };
        reader.consume(n);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(content: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(content.as_bytes()).unwrap();
        f
    }

    fn read_all(content: &str) -> Result<Vec<Vec<(String, String)>>, ImportError> {
        let f = file(content);
        let mut r = RowReader::open(f.path(), "posts")?;
        let mut rows = Vec::new();
        while let Some(row) = r.next_row()? {
            rows.push(
                row.fields
                    .iter()
                    .map(|(n, v)| {
                        (
                            row.text[n.clone()].to_string(),
                            row.text[v.clone()].to_string(),
                        )
                    })
                    .collect(),
            );
        }
        Ok(rows)
    }

    fn line_and_reason(content: &str) -> (u64, String) {
        match read_all(content) {
            Err(ImportError::Malformed { line, reason, .. }) => (line, reason),
            other => panic!("expected a malformed-file error, got {other:?}"),
        }
    }

    #[test]
    fn reads_rows_with_entities_and_a_bom() {
        let rows = read_all(
            "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!DOCTYPE posts SYSTEM 'posts.dtd'>\n<posts>\n  \
             <row Id=\"1\" Body=\"&lt;p&gt;a &amp; b&lt;/p&gt;&#xA;\" />\n  <row Id=\"2\"></row>\n</posts>\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0][1],
            ("Body".to_string(), "<p>a & b</p>\n".to_string())
        );
        assert_eq!(rows[1], vec![("Id".to_string(), "2".to_string())]);
        assert_eq!(read_all("<posts/>").unwrap().len(), 0);
    }

    #[test]
    fn truncation_is_reported_with_its_line() {
        let (line, reason) = line_and_reason("<posts>\n<row Id=\"1\" />\n<row Id=\"2\" Body=\"abc");
        assert_eq!(line, 3);
        assert!(reason.contains("truncated"), "{reason}");
        let (line, reason) = line_and_reason("<posts>\n<row Id=\"1\" />\n<row Id=\"2\" />\n");
        assert_eq!(line, 4);
        assert!(reason.contains("truncated"), "{reason}");
        let (_, reason) = line_and_reason("");
        assert!(reason.contains("empty"), "{reason}");
    }

    #[test]
    fn lines_count_from_the_file_start_with_a_bom() {
        let bom = "\u{feff}<?xml version=\"1.0\"?>\n<posts>\n  <row Id=\"1\" />\n  <row Score=\"x\" />\n</posts>";
        let f = file(bom);
        let mut r = RowReader::open(f.path(), "posts").unwrap();
        assert!(r.next_row().unwrap().is_some());
        let row = r.next_row().unwrap().unwrap();
        match row.int("Score") {
            Err(ImportError::Malformed { line, .. }) => assert_eq!(line, 4),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            line_and_reason(&bom.replace("</posts>", "  <row Id=\"3\"")).0,
            5
        );
    }

    #[test]
    fn other_damage_is_reported() {
        assert_eq!(line_and_reason("<users>\n</users>").0, 1);
        assert!(
            line_and_reason("<posts>\n<row Id=\"1\" Id=\"2\" />\n</posts>")
                .1
                .contains("bad attribute")
        );
        assert!(
            line_and_reason("<posts>\n<row Body=\"&bogus;\" />\n</posts>")
                .1
                .contains("Body")
        );
        assert!(line_and_reason("<posts>\n<item />\n</posts>")
            .1
            .contains("<item>"));
        assert!(line_and_reason("<posts>\nhello\n</posts>")
            .1
            .contains("unexpected text"));
        assert!(line_and_reason("<posts>\n</users>")
            .1
            .contains("well-formed"));
        assert_eq!(
            line_and_reason("<posts>\n\n<row Id=\"1\" />\n</posts>\n<posts>").0,
            5
        );
    }

    #[test]
    fn typed_values() {
        let f = file("<posts>\n<row Id=\"7\" Score=\"abc\" CreationDate=\"2014-01-21T20:26:05.383\" Empty=\"\" />\n</posts>");
        let mut r = RowReader::open(f.path(), "posts").unwrap();
        let row = r.next_row().unwrap().unwrap();
        assert_eq!(row.int("Id").unwrap(), 7);
        assert_eq!(row.opt_int("Empty").unwrap(), None);
        assert_eq!(row.opt_int("Missing").unwrap(), None);
        assert_eq!(row.date("CreationDate").unwrap(), 1_390_335_965);
        match row.int("Score") {
            Err(ImportError::Malformed {
                line: 2, reason, ..
            }) => assert!(reason.contains("Score=\"abc\""), "{reason}"),
            other => panic!("{other:?}"),
        }
        assert!(row.int("Missing").is_err());
    }
}
