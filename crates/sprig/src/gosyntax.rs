//! Go's `regexp/syntax` parser, as `regexp.Compile` runs it (Perl flags: `ClassNL`,
//! `OneLine`, `PerlX`, `UnicodeGroups`), for the Go version helm 3.17.3 was built with
//! (go1.23). It accepts exactly the patterns Go accepts, refuses the others with Go's error
//! text, and turns an accepted pattern into one the `regex` crate reads with the same
//! meaning: every character class is resolved here to explicit ranges (Go's ASCII `\d \w
//! \s \b`, POSIX classes, `[\w-\.]`, case folding, negation), anchors and `.` are spelled
//! out, and groups are numbered the same (names are kept apart, since Go allows names the
//! `regex` crate refuses).

use regex_syntax::hir::{ClassUnicode, ClassUnicodeRange};
use std::fmt::Write as _;

/// A parse error: Go's `*syntax.Error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    code: &'static str,
    expr: String,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error parsing regexp: {}: `{}`", self.code, self.expr)
    }
}

const INVALID_CHAR_RANGE: &str = "invalid character class range";
const INVALID_ESCAPE: &str = "invalid escape sequence";
const INVALID_NAMED_CAPTURE: &str = "invalid named capture";
const INVALID_PERL_OP: &str = "invalid or unsupported Perl syntax";
const INVALID_REPEAT_OP: &str = "invalid nested repetition operator";
const INVALID_REPEAT_SIZE: &str = "invalid repeat count";
const INVALID_UTF8: &str = "invalid UTF-8";
const MISSING_BRACKET: &str = "missing closing ]";
const MISSING_PAREN: &str = "missing closing )";
const MISSING_REPEAT_ARG: &str = "missing argument to repetition operator";
const TRAILING_BACKSLASH: &str = "trailing backslash at end of expression";
const UNEXPECTED_PAREN: &str = "unexpected )";
const NESTING_DEPTH: &str = "expression nests too deeply";
const LARGE: &str = "expression too large";

fn err(code: &'static str, expr: &str) -> Error {
    Error {
        code,
        expr: expr.to_string(),
    }
}

/// Go's limits: tree height, compiled size (in instructions) and repeat count.
const MAX_HEIGHT: usize = 1000;
const MAX_SIZE: i64 = (128 << 20) / 40;
const MAX_REPEAT: i64 = 1000;
const MAX_RUNES: usize = (128 << 20) / 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Flags {
    fold: bool,
    one_line: bool,
    dot_nl: bool,
    non_greedy: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RepKind {
    Star,
    Plus,
    Quest,
    Range,
}

#[derive(Clone, Debug)]
enum Node {
    Empty,
    NoMatch,
    /// A code point (may be a surrogate, which matches nothing) and whether it folds case.
    Lit(u32, bool),
    Class(ClassUnicode),
    AnyNotNl,
    Any,
    BeginLine,
    EndLine,
    BeginText,
    EndText,
    WordBoundary,
    NoWordBoundary,
    Capture(Box<Node>),
    Repeat {
        kind: RepKind,
        min: i64,
        max: i64,
        greedy: bool,
        sub: Box<Node>,
    },
    Concat(Vec<Node>),
    Alt(Vec<Node>),
}

enum Item {
    Node(Node),
    /// `(`: its capture index (0 for a group only) and the flags outside it.
    Paren(usize, Flags),
    Bar,
}

/// A Go pattern translated for the `regex` crate.
#[derive(Debug, Clone)]
pub struct Translated {
    /// The pattern in the `regex` crate's syntax.
    pub pattern: String,
    /// Go's `SubexpNames`: one entry per group, `""` for unnamed ones (index 0 is the match).
    pub names: Vec<String>,
}

/// Parses a Go regular expression and translates it.
pub fn translate(expr: &str) -> Result<Translated, Error> {
    let mut p = Parser {
        flags: Flags {
            fold: false,
            one_line: true,
            dot_nl: false,
            non_greedy: false,
        },
        stack: Vec::new(),
        names: vec![String::new()],
        whole: expr,
        num_regexp: 0,
        num_runes: 0,
    };
    let node = p.parse()?;
    if p.num_runes > MAX_RUNES || size(&node) > MAX_SIZE {
        return Err(err(LARGE, expr));
    }
    let mut pattern = String::with_capacity(expr.len() * 2);
    emit(&node, &mut pattern);
    Ok(Translated {
        pattern,
        names: p.names,
    })
}

struct Parser<'a> {
    flags: Flags,
    stack: Vec<Item>,
    names: Vec<String>,
    whole: &'a str,
    num_regexp: usize,
    num_runes: usize,
}

/// A byte of invalid UTF-8 as our strings keep it (`gotmpl::bytestr`).
fn is_raw_byte(c: char) -> bool {
    ('\u{10FF80}'..='\u{10FFFF}').contains(&c)
}

/// Go's `nextRune`: the first character of `s` (U+FFFD for an empty `s`).
fn next_rune(s: &str) -> Result<(char, &str), Error> {
    match s.chars().next() {
        None => Ok(('\u{FFFD}', s)),
        Some(c) if is_raw_byte(c) => Err(err(INVALID_UTF8, s)),
        Some(c) => Ok((c, &s[c.len_utf8()..])),
    }
}

fn check_utf8(s: &str) -> Result<(), Error> {
    match s.char_indices().find(|&(_, c)| is_raw_byte(c)) {
        Some((i, _)) => Err(err(INVALID_UTF8, &s[i..])),
        None => Ok(()),
    }
}

fn unhex(c: char) -> i64 {
    c.to_digit(16).map_or(-1, i64::from)
}

fn range_class(lo: u32, hi: u32) -> ClassUnicode {
    let mut cls = ClassUnicode::empty();
    let mut add = |a: u32, b: u32| {
        if a <= b {
            if let (Some(a), Some(b)) = (char::from_u32(a), char::from_u32(b)) {
                cls.push(ClassUnicodeRange::new(a, b));
            }
        }
    };
    if hi < 0xD800 || lo > 0xDFFF {
        add(lo, hi);
    } else {
        add(lo, 0xD7FF);
        add(0xE000, hi);
    }
    cls
}

fn ascii_class(ranges: &[(u8, u8)]) -> ClassUnicode {
    ClassUnicode::new(
        ranges
            .iter()
            .map(|&(a, b)| ClassUnicodeRange::new(char::from(a), char::from(b))),
    )
}

/// Go's Perl classes (`\d \s \w`, ASCII only).
fn perl_group(c: char) -> Option<(ClassUnicode, bool)> {
    let (set, neg): (&[(u8, u8)], bool) = match c {
        'd' => (&[(b'0', b'9')], false),
        'D' => (&[(b'0', b'9')], true),
        's' => (&[(b'\t', b'\n'), (0x0c, b'\r'), (b' ', b' ')], false),
        'S' => (&[(b'\t', b'\n'), (0x0c, b'\r'), (b' ', b' ')], true),
        'w' => (
            &[(b'0', b'9'), (b'A', b'Z'), (b'_', b'_'), (b'a', b'z')],
            false,
        ),
        'W' => (
            &[(b'0', b'9'), (b'A', b'Z'), (b'_', b'_'), (b'a', b'z')],
            true,
        ),
        _ => return None,
    };
    Some((ascii_class(set), neg))
}

/// Go's POSIX classes (`[:alpha:]`, ASCII only).
fn posix_group(name: &str) -> Option<(ClassUnicode, bool)> {
    let inner = name.strip_prefix("[:")?.strip_suffix(":]")?;
    let (neg, inner) = match inner.strip_prefix('^') {
        Some(rest) => (true, rest),
        None => (false, inner),
    };
    let set: &[(u8, u8)] = match inner {
        "alnum" => &[(b'0', b'9'), (b'A', b'Z'), (b'a', b'z')],
        "alpha" => &[(b'A', b'Z'), (b'a', b'z')],
        "ascii" => &[(0, 0x7f)],
        "blank" => &[(b'\t', b'\t'), (b' ', b' ')],
        "cntrl" => &[(0, 0x1f), (0x7f, 0x7f)],
        "digit" => &[(b'0', b'9')],
        "graph" => &[(b'!', b'~')],
        "lower" => &[(b'a', b'z')],
        "print" => &[(b' ', b'~')],
        "punct" => &[(b'!', b'/'), (b':', b'@'), (b'[', b'`'), (b'{', b'~')],
        "space" => &[(b'\t', b'\r'), (b' ', b' ')],
        "upper" => &[(b'A', b'Z')],
        "word" => &[(b'0', b'9'), (b'A', b'Z'), (b'_', b'_'), (b'a', b'z')],
        "xdigit" => &[(b'0', b'9'), (b'A', b'F'), (b'a', b'f')],
        _ => return None,
    };
    Some((ascii_class(set), neg))
}

/// Go 1.23's `unicode.Categories` keys.
const CATEGORIES: &[&str] = &[
    "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N",
    "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So",
    "Z", "Zl", "Zp", "Zs",
];

/// Go 1.23's `unicode.Scripts` keys (Unicode 15.0.0).
const SCRIPTS: &[&str] = &[
    "Adlam",
    "Ahom",
    "Anatolian_Hieroglyphs",
    "Arabic",
    "Armenian",
    "Avestan",
    "Balinese",
    "Bamum",
    "Bassa_Vah",
    "Batak",
    "Bengali",
    "Bhaiksuki",
    "Bopomofo",
    "Brahmi",
    "Braille",
    "Buginese",
    "Buhid",
    "Canadian_Aboriginal",
    "Carian",
    "Caucasian_Albanian",
    "Chakma",
    "Cham",
    "Cherokee",
    "Chorasmian",
    "Common",
    "Coptic",
    "Cuneiform",
    "Cypriot",
    "Cypro_Minoan",
    "Cyrillic",
    "Deseret",
    "Devanagari",
    "Dives_Akuru",
    "Dogra",
    "Duployan",
    "Egyptian_Hieroglyphs",
    "Elbasan",
    "Elymaic",
    "Ethiopic",
    "Georgian",
    "Glagolitic",
    "Gothic",
    "Grantha",
    "Greek",
    "Gujarati",
    "Gunjala_Gondi",
    "Gurmukhi",
    "Han",
    "Hangul",
    "Hanifi_Rohingya",
    "Hanunoo",
    "Hatran",
    "Hebrew",
    "Hiragana",
    "Imperial_Aramaic",
    "Inherited",
    "Inscriptional_Pahlavi",
    "Inscriptional_Parthian",
    "Javanese",
    "Kaithi",
    "Kannada",
    "Katakana",
    "Kawi",
    "Kayah_Li",
    "Kharoshthi",
    "Khitan_Small_Script",
    "Khmer",
    "Khojki",
    "Khudawadi",
    "Lao",
    "Latin",
    "Lepcha",
    "Limbu",
    "Linear_A",
    "Linear_B",
    "Lisu",
    "Lycian",
    "Lydian",
    "Mahajani",
    "Makasar",
    "Malayalam",
    "Mandaic",
    "Manichaean",
    "Marchen",
    "Masaram_Gondi",
    "Medefaidrin",
    "Meetei_Mayek",
    "Mende_Kikakui",
    "Meroitic_Cursive",
    "Meroitic_Hieroglyphs",
    "Miao",
    "Modi",
    "Mongolian",
    "Mro",
    "Multani",
    "Myanmar",
    "Nabataean",
    "Nag_Mundari",
    "Nandinagari",
    "New_Tai_Lue",
    "Newa",
    "Nko",
    "Nushu",
    "Nyiakeng_Puachue_Hmong",
    "Ogham",
    "Ol_Chiki",
    "Old_Hungarian",
    "Old_Italic",
    "Old_North_Arabian",
    "Old_Permic",
    "Old_Persian",
    "Old_Sogdian",
    "Old_South_Arabian",
    "Old_Turkic",
    "Old_Uyghur",
    "Oriya",
    "Osage",
    "Osmanya",
    "Pahawh_Hmong",
    "Palmyrene",
    "Pau_Cin_Hau",
    "Phags_Pa",
    "Phoenician",
    "Psalter_Pahlavi",
    "Rejang",
    "Runic",
    "Samaritan",
    "Saurashtra",
    "Sharada",
    "Shavian",
    "Siddham",
    "SignWriting",
    "Sinhala",
    "Sogdian",
    "Sora_Sompeng",
    "Soyombo",
    "Sundanese",
    "Syloti_Nagri",
    "Syriac",
    "Tagalog",
    "Tagbanwa",
    "Tai_Le",
    "Tai_Tham",
    "Tai_Viet",
    "Takri",
    "Tamil",
    "Tangsa",
    "Tangut",
    "Telugu",
    "Thaana",
    "Thai",
    "Tibetan",
    "Tifinagh",
    "Tirhuta",
    "Toto",
    "Ugaritic",
    "Vai",
    "Vithkuqi",
    "Wancho",
    "Warang_Citi",
    "Yezidi",
    "Yi",
    "Zanabazar_Square",
];

/// The set of a Unicode property, from the `regex` crate's tables.
fn property_class(query: &str) -> ClassUnicode {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(&format!("\\p{{{query}}}"));
    match hir.as_ref().map(|h| h.kind()) {
        Ok(regex_syntax::hir::HirKind::Class(regex_syntax::hir::Class::Unicode(c))) => c.clone(),
        _ => ClassUnicode::empty(),
    }
}

/// Go 1.23's `unicodeTable`: the class a `\p{NAME}` names, or `None`.
fn unicode_table(name: &str) -> Option<ClassUnicode> {
    if name == "Any" {
        return Some(range_class(0, 0x10FFFF));
    }
    if CATEGORIES.contains(&name) {
        return Some(match name {
            // Go's C is the union of the listed categories (no Cn); surrogates never match.
            "C" => {
                let mut c = property_class("gc=Cc");
                c.union(&property_class("gc=Cf"));
                c.union(&property_class("gc=Co"));
                c
            }
            "Cs" => ClassUnicode::empty(),
            _ => property_class(&format!("gc={name}")),
        });
    }
    if SCRIPTS.contains(&name) {
        return Some(property_class(&format!("sc={name}")));
    }
    None
}

fn is_alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

impl<'a> Parser<'a> {
    fn push(&mut self, n: Node) -> Result<(), Error> {
        self.num_regexp += 1;
        if let Node::Class(c) = &n {
            self.num_runes += 2 * c.ranges().len();
        }
        if self.num_regexp >= MAX_HEIGHT && height_capped(&n, MAX_HEIGHT) > MAX_HEIGHT {
            return Err(err(NESTING_DEPTH, self.whole));
        }
        self.stack.push(Item::Node(n));
        Ok(())
    }

    fn literal(&mut self, r: u32) -> Result<(), Error> {
        self.push(Node::Lit(r, self.flags.fold))
    }

    fn fold(&self, mut c: ClassUnicode) -> ClassUnicode {
        if self.flags.fold {
            c.case_fold_simple();
        }
        c
    }

    /// Go's `appendGroup`: a Perl or POSIX class, folded, then negated.
    fn group(&self, (c, neg): (ClassUnicode, bool)) -> ClassUnicode {
        let mut c = self.fold(c);
        if neg {
            c.negate();
        }
        c
    }

    fn parse(&mut self) -> Result<Node, Error> {
        let mut t = self.whole;
        let mut last_repeat: &str = "";
        while !t.is_empty() {
            let mut repeat: &str = "";
            let b = t.as_bytes()[0];
            match b {
                b'(' => {
                    if t.len() >= 2 && t.as_bytes()[1] == b'?' {
                        t = self.parse_perl_flags(t)?;
                    } else {
                        let cap = self.names.len();
                        self.names.push(String::new());
                        self.num_regexp += 1;
                        self.stack.push(Item::Paren(cap, self.flags));
                        t = &t[1..];
                    }
                }
                b'|' => {
                    self.concat()?;
                    if !self.swap_vertical_bar() {
                        self.stack.push(Item::Bar);
                    }
                    t = &t[1..];
                }
                b')' => {
                    self.parse_right_paren()?;
                    t = &t[1..];
                }
                b'^' => {
                    let n = if self.flags.one_line {
                        Node::BeginText
                    } else {
                        Node::BeginLine
                    };
                    self.push(n)?;
                    t = &t[1..];
                }
                b'$' => {
                    let n = if self.flags.one_line {
                        Node::EndText
                    } else {
                        Node::EndLine
                    };
                    self.push(n)?;
                    t = &t[1..];
                }
                b'.' => {
                    let n = if self.flags.dot_nl {
                        Node::Any
                    } else {
                        Node::AnyNotNl
                    };
                    self.push(n)?;
                    t = &t[1..];
                }
                b'[' => {
                    let (cls, rest) = self.parse_class(t)?;
                    self.push(Node::Class(cls))?;
                    t = rest;
                }
                b'*' | b'+' | b'?' => {
                    let kind = match b {
                        b'*' => RepKind::Star,
                        b'+' => RepKind::Plus,
                        _ => RepKind::Quest,
                    };
                    let before = t;
                    t = self.repeat(kind, 0, 0, before, &t[1..], last_repeat)?;
                    repeat = before;
                }
                b'{' => {
                    let before = t;
                    match parse_repeat(t) {
                        None => {
                            self.literal(u32::from('{'))?;
                            t = &t[1..];
                        }
                        Some((min, max, after)) => {
                            if !(0..=MAX_REPEAT).contains(&min)
                                || max > MAX_REPEAT
                                || (max >= 0 && min > max)
                            {
                                return Err(err(
                                    INVALID_REPEAT_SIZE,
                                    &before[..before.len() - after.len()],
                                ));
                            }
                            t =
                                self.repeat(RepKind::Range, min, max, before, after, last_repeat)?;
                            repeat = before;
                        }
                    }
                }
                b'\\' => {
                    t = self.parse_backslash(t)?;
                }
                _ => {
                    let (c, rest) = next_rune(t)?;
                    self.literal(u32::from(c))?;
                    t = rest;
                }
            }
            last_repeat = repeat;
        }
        self.concat()?;
        if self.swap_vertical_bar() {
            self.stack.pop();
        }
        self.alternate()?;
        if self.stack.len() != 1 {
            return Err(err(MISSING_PAREN, self.whole));
        }
        match self.stack.pop() {
            Some(Item::Node(n)) => Ok(n),
            _ => Err(err(MISSING_PAREN, self.whole)),
        }
    }

    fn parse_backslash(&mut self, t: &'a str) -> Result<&'a str, Error> {
        let bytes = t.as_bytes();
        if bytes.len() >= 2 {
            let n = match bytes[1] {
                b'A' => Some(Node::BeginText),
                b'b' => Some(Node::WordBoundary),
                b'B' => Some(Node::NoWordBoundary),
                b'z' => Some(Node::EndText),
                b'C' => return Err(err(INVALID_ESCAPE, &t[..2])),
                b'Q' => {
                    let body = &t[2..];
                    let (mut lit, rest) = match body.find("\\E") {
                        Some(p) => (&body[..p], &body[p + 2..]),
                        None => (body, ""),
                    };
                    while !lit.is_empty() {
                        let (c, r) = next_rune(lit)?;
                        self.literal(u32::from(c))?;
                        lit = r;
                    }
                    return Ok(rest);
                }
                _ => None,
            };
            if let Some(n) = n {
                self.push(n)?;
                return Ok(&t[2..]);
            }
            if bytes[1] == b'p' || bytes[1] == b'P' {
                if let Some((cls, rest)) = self.parse_unicode_class(t)? {
                    self.push(Node::Class(cls))?;
                    return Ok(rest);
                }
            }
            if let Some(g) = perl_group(char::from(bytes[1])) {
                let cls = self.group(g);
                self.push(Node::Class(cls))?;
                return Ok(&t[2..]);
            }
        }
        let (r, rest) = parse_escape(t)?;
        self.literal(r)?;
        Ok(rest)
    }

    /// Go's `repeat`: applies a repetition operator to the top of the stack.
    fn repeat(
        &mut self,
        kind: RepKind,
        min: i64,
        max: i64,
        before: &'a str,
        mut after: &'a str,
        last_repeat: &str,
    ) -> Result<&'a str, Error> {
        let mut non_greedy = self.flags.non_greedy;
        if after.starts_with('?') {
            after = &after[1..];
            non_greedy = !non_greedy;
        }
        if !last_repeat.is_empty() {
            return Err(err(
                INVALID_REPEAT_OP,
                &last_repeat[..last_repeat.len() - after.len()],
            ));
        }
        let op_text = &before[..before.len() - after.len()];
        let sub = match self.stack.pop() {
            Some(Item::Node(n)) => n,
            other => {
                if let Some(o) = other {
                    self.stack.push(o);
                }
                return Err(err(MISSING_REPEAT_ARG, op_text));
            }
        };
        let node = Node::Repeat {
            kind,
            min,
            max,
            greedy: !non_greedy,
            sub: Box::new(sub),
        };
        if kind == RepKind::Range && (min >= 2 || max >= 2) && !repeat_is_valid(&node, MAX_REPEAT) {
            return Err(err(INVALID_REPEAT_SIZE, op_text));
        }
        self.push(node)?;
        Ok(after)
    }

    fn concat(&mut self) -> Result<(), Error> {
        let i = self
            .stack
            .iter()
            .rposition(|it| !matches!(it, Item::Node(_)))
            .map_or(0, |p| p + 1);
        let subs: Vec<Node> = self
            .stack
            .drain(i..)
            .filter_map(|it| match it {
                Item::Node(n) => Some(n),
                _ => None,
            })
            .collect();
        let n = collapse(subs, false);
        self.push(n)
    }

    fn alternate(&mut self) -> Result<(), Error> {
        let i = self
            .stack
            .iter()
            .rposition(|it| !matches!(it, Item::Node(_)))
            .map_or(0, |p| p + 1);
        let subs: Vec<Node> = self
            .stack
            .drain(i..)
            .filter_map(|it| match it {
                Item::Node(n) => Some(n),
                _ => None,
            })
            .collect();
        let n = if subs.is_empty() {
            Node::NoMatch
        } else {
            collapse(subs, true)
        };
        self.push(n)
    }

    fn swap_vertical_bar(&mut self) -> bool {
        let n = self.stack.len();
        if n >= 2
            && matches!(self.stack[n - 2], Item::Bar)
            && matches!(self.stack[n - 1], Item::Node(_))
        {
            self.stack.swap(n - 2, n - 1);
            return true;
        }
        false
    }

    fn parse_right_paren(&mut self) -> Result<(), Error> {
        self.concat()?;
        if self.swap_vertical_bar() {
            self.stack.pop();
        }
        self.alternate()?;
        if self.stack.len() < 2 {
            return Err(err(UNEXPECTED_PAREN, self.whole));
        }
        let re1 = self.stack.pop();
        let re2 = self.stack.pop();
        let (Some(Item::Node(n)), Some(Item::Paren(cap, flags))) = (re1, re2) else {
            return Err(err(UNEXPECTED_PAREN, self.whole));
        };
        self.flags = flags;
        if cap == 0 {
            self.push(n)?;
        } else {
            self.push(Node::Capture(Box::new(n)))?;
        }
        Ok(())
    }

    fn parse_perl_flags(&mut self, s: &'a str) -> Result<&'a str, Error> {
        let b = s.as_bytes();
        let starts_with_p = b.len() > 4 && b[2] == b'P' && b[3] == b'<';
        let starts_with_name = b.len() > 3 && b[2] == b'<';
        if starts_with_p || starts_with_name {
            let begin = if starts_with_name { 3 } else { 4 };
            let Some(end) = s.find('>') else {
                check_utf8(s)?;
                return Err(err(INVALID_NAMED_CAPTURE, s));
            };
            let capture = &s[..=end];
            let name = &s[begin..end];
            check_utf8(name)?;
            if name.is_empty() || !name.chars().all(|c| c == '_' || is_alnum(c)) {
                return Err(err(INVALID_NAMED_CAPTURE, capture));
            }
            let cap = self.names.len();
            self.names.push(name.to_string());
            self.num_regexp += 1;
            self.stack.push(Item::Paren(cap, self.flags));
            return Ok(&s[end + 1..]);
        }
        let mut t = &s[2..];
        let mut flags = self.flags;
        let mut negate = false;
        let mut saw_flag = false;
        while !t.is_empty() {
            let (c, rest) = next_rune(t)?;
            t = rest;
            let on = !negate;
            match c {
                'i' => {
                    flags.fold = on;
                    saw_flag = true;
                }
                'm' => {
                    flags.one_line = !on;
                    saw_flag = true;
                }
                's' => {
                    flags.dot_nl = on;
                    saw_flag = true;
                }
                'U' => {
                    flags.non_greedy = on;
                    saw_flag = true;
                }
                '-' => {
                    if negate {
                        break;
                    }
                    negate = true;
                    saw_flag = false;
                }
                ':' | ')' => {
                    if negate && !saw_flag {
                        break;
                    }
                    if c == ':' {
                        self.num_regexp += 1;
                        self.stack.push(Item::Paren(0, self.flags));
                    }
                    self.flags = flags;
                    return Ok(t);
                }
                _ => break,
            }
        }
        Err(err(INVALID_PERL_OP, &s[..s.len() - t.len()]))
    }

    /// Go's `parseUnicodeClass`: `\pL`, `\p{Greek}`, `\P{^Lu}`; `None` when `s` is not one.
    fn parse_unicode_class(&self, s: &'a str) -> Result<Option<(ClassUnicode, &'a str)>, Error> {
        let b = s.as_bytes();
        if b.len() < 2 || b[0] != b'\\' || (b[1] != b'p' && b[1] != b'P') {
            return Ok(None);
        }
        let mut negated = b[1] == b'P';
        let (c, mut t) = next_rune(&s[2..])?;
        let (seq, mut name);
        if c != '{' {
            seq = &s[..s.len() - t.len()];
            name = &seq[2..];
        } else {
            let Some(end) = s.find('}') else {
                check_utf8(s)?;
                return Err(err(INVALID_CHAR_RANGE, s));
            };
            seq = &s[..=end];
            t = &s[end + 1..];
            name = &s[3..end];
            check_utf8(name)?;
        }
        if let Some(rest) = name.strip_prefix('^') {
            negated = !negated;
            name = rest;
        }
        let Some(tab) = unicode_table(name) else {
            return Err(err(INVALID_CHAR_RANGE, seq));
        };
        let mut cls = self.fold(tab);
        if negated {
            cls.negate();
        }
        Ok(Some((cls, t)))
    }

    /// Go's `parseClass`: `[...]` at the start of `s`.
    fn parse_class(&self, s: &'a str) -> Result<(ClassUnicode, &'a str), Error> {
        let mut t = &s[1..];
        let mut cls = ClassUnicode::empty();
        let negated = t.starts_with('^');
        if negated {
            t = &t[1..];
        }
        let mut first = true;
        while t.is_empty() || !t.starts_with(']') || first {
            first = false;
            if t.len() > 2 && t.starts_with("[:") {
                if let Some(i) = t[2..].find(":]") {
                    let name = &t[..i + 4];
                    let Some(g) = posix_group(name) else {
                        return Err(err(INVALID_CHAR_RANGE, name));
                    };
                    cls.union(&self.group(g));
                    t = &t[i + 4..];
                    continue;
                }
            }
            if let Some((c, rest)) = self.parse_unicode_class(t)? {
                cls.union(&c);
                t = rest;
                continue;
            }
            let tb = t.as_bytes();
            if tb.len() >= 2 && tb[0] == b'\\' {
                if let Some(g) = perl_group(char::from(tb[1])) {
                    cls.union(&self.group(g));
                    t = &t[2..];
                    continue;
                }
            }
            let rng = t;
            let (lo, rest) = parse_class_char(t, s)?;
            t = rest;
            let mut hi = lo;
            if t.len() >= 2 && t.as_bytes()[0] == b'-' && t.as_bytes()[1] != b']' {
                t = &t[1..];
                let (h, rest) = parse_class_char(t, s)?;
                t = rest;
                hi = h;
                if hi < lo {
                    return Err(err(INVALID_CHAR_RANGE, &rng[..rng.len() - t.len()]));
                }
            }
            cls.union(&self.fold(range_class(lo, hi)));
        }
        t = &t[1..];
        if negated {
            cls.negate();
        }
        Ok((cls, t))
    }
}

fn parse_class_char<'s>(s: &'s str, whole_class: &str) -> Result<(u32, &'s str), Error> {
    if s.is_empty() {
        return Err(err(MISSING_BRACKET, whole_class));
    }
    if s.starts_with('\\') {
        return parse_escape(s);
    }
    let (c, rest) = next_rune(s)?;
    Ok((u32::from(c), rest))
}

/// Up to two more octal digits after the first.
fn octal(first: u32, mut t: &str) -> (u32, &str) {
    let mut r = first;
    for _ in 1..3 {
        match t.as_bytes().first() {
            Some(&d) if (b'0'..=b'7').contains(&d) => {
                r = r * 8 + u32::from(d - b'0');
                t = &t[1..];
            }
            _ => break,
        }
    }
    (r, t)
}

/// Go's `parseEscape`: one escaped character at the start of `s` (which starts with `\`).
fn parse_escape(s: &str) -> Result<(u32, &str), Error> {
    let t = &s[1..];
    if t.is_empty() {
        return Err(err(TRAILING_BACKSLASH, ""));
    }
    let (c, mut t) = next_rune(t)?;
    let bad = |t: &str| err(INVALID_ESCAPE, &s[..s.len() - t.len()]);
    match c {
        '1'..='7' => {
            if matches!(t.as_bytes().first(), Some(b'0'..=b'7')) {
                return Ok(octal(u32::from(c) - u32::from('0'), t));
            }
            Err(bad(t))
        }
        '0' => Ok(octal(0, t)),
        'x' => {
            if t.is_empty() {
                return Err(bad(t));
            }
            let (c2, rest) = next_rune(t)?;
            t = rest;
            if c2 == '{' {
                let mut nhex = 0;
                let mut r: i64 = 0;
                loop {
                    if t.is_empty() {
                        return Err(bad(t));
                    }
                    let (d, rest) = next_rune(t)?;
                    t = rest;
                    if d == '}' {
                        break;
                    }
                    let v = unhex(d);
                    if v < 0 {
                        return Err(bad(t));
                    }
                    r = r * 16 + v;
                    if r > 0x10FFFF {
                        return Err(bad(t));
                    }
                    nhex += 1;
                }
                if nhex == 0 {
                    return Err(bad(t));
                }
                return Ok((r as u32, t));
            }
            let x = unhex(c2);
            let (c3, rest) = next_rune(t)?;
            t = rest;
            let y = unhex(c3);
            if x < 0 || y < 0 {
                return Err(bad(t));
            }
            Ok(((x * 16 + y) as u32, t))
        }
        'a' => Ok((7, t)),
        'f' => Ok((0x0c, t)),
        'n' => Ok((u32::from('\n'), t)),
        'r' => Ok((u32::from('\r'), t)),
        't' => Ok((u32::from('\t'), t)),
        'v' => Ok((0x0b, t)),
        _ if c.is_ascii() && !is_alnum(c) => Ok((u32::from(c), t)),
        _ => Err(bad(t)),
    }
}

/// Go's `parseRepeat`: `{min}`, `{min,}` (max -1) or `{min,max}`; min -1 when too big.
fn parse_repeat(s: &str) -> Option<(i64, i64, &str)> {
    let s = s.strip_prefix('{')?;
    let (mut min, s) = parse_int(s)?;
    let max;
    let s = if let Some(s) = s.strip_prefix(',') {
        if s.is_empty() {
            return None;
        }
        if s.starts_with('}') {
            max = -1;
            s
        } else {
            let (m, s) = parse_int(s)?;
            max = m;
            if m < 0 {
                min = -1;
            }
            s
        }
    } else {
        max = min;
        s
    };
    let rest = s.strip_prefix('}')?;
    Some((min, max, rest))
}

fn parse_int(s: &str) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    if b.first().is_none_or(|c| !c.is_ascii_digit()) {
        return None;
    }
    if b.len() >= 2 && b[0] == b'0' && b[1].is_ascii_digit() {
        return None;
    }
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut n: i64 = 0;
    for &d in &b[..digits] {
        if n >= 100_000_000 {
            n = -1;
            break;
        }
        n = n * 10 + i64::from(d - b'0');
    }
    Some((n, &s[digits..]))
}

fn collapse(subs: Vec<Node>, alt: bool) -> Node {
    if subs.is_empty() {
        return Node::Empty;
    }
    if subs.len() == 1 {
        return subs.into_iter().next().unwrap_or(Node::Empty);
    }
    let mut out = Vec::with_capacity(subs.len());
    for s in subs {
        match (s, alt) {
            (Node::Concat(v), false) | (Node::Alt(v), true) => out.extend(v),
            (s, _) => out.push(s),
        }
    }
    if alt {
        Node::Alt(out)
    } else {
        Node::Concat(out)
    }
}

fn subs(n: &Node) -> &[Node] {
    match n {
        Node::Capture(s) => std::slice::from_ref(s),
        Node::Repeat { sub, .. } => std::slice::from_ref(sub),
        Node::Concat(v) | Node::Alt(v) => v,
        _ => &[],
    }
}

/// Go's `repeatIsValid`.
fn repeat_is_valid(n: &Node, mut limit: i64) -> bool {
    if let Node::Repeat {
        kind: RepKind::Range,
        min,
        max,
        ..
    } = n
    {
        let mut m = *max;
        if m == 0 {
            return true;
        }
        if m < 0 {
            m = *min;
        }
        if m > limit {
            return false;
        }
        if m > 0 {
            limit /= m;
        }
    }
    subs(n).iter().all(|s| repeat_is_valid(s, limit))
}

/// The tree's height, or `cap + 1` when it is higher than `cap`.
fn height_capped(n: &Node, cap: usize) -> usize {
    if cap == 0 {
        return 1;
    }
    1 + subs(n)
        .iter()
        .map(|s| height_capped(s, cap - 1))
        .max()
        .unwrap_or(0)
}

/// Go's `calcSize`: the compiled size in instructions.
fn size(n: &Node) -> i64 {
    let s = match n {
        Node::Lit(..) => 1,
        Node::Capture(s) => 2 + size(s),
        Node::Repeat {
            kind,
            min,
            max,
            sub,
            ..
        } => {
            let sub = size(sub);
            match kind {
                RepKind::Star => 2 + sub,
                RepKind::Plus | RepKind::Quest => 1 + sub,
                RepKind::Range if *max == -1 && *min == 0 => 2 + sub,
                RepKind::Range if *max == -1 => 1 + min * sub,
                RepKind::Range => max * sub + (max - min),
            }
        }
        Node::Concat(v) => v.iter().map(size).sum(),
        Node::Alt(v) => v.iter().map(size).sum::<i64>() + v.len() as i64 - 1,
        _ => 0,
    };
    s.max(1)
}

fn emit_char(c: char, out: &mut String) {
    if c.is_ascii_alphanumeric() || (!c.is_ascii() && !c.is_whitespace() && !c.is_control()) {
        out.push(c);
    } else {
        let _ = write!(out, "\\x{{{:X}}}", u32::from(c));
    }
}

fn emit_class(c: &ClassUnicode, out: &mut String) {
    let r = c.ranges();
    if r.is_empty() {
        out.push_str("[^\\x{0}-\\x{10FFFF}]");
        return;
    }
    if r.len() == 1 && r[0].start() == r[0].end() {
        emit_char(r[0].start(), out);
        return;
    }
    out.push('[');
    for range in r {
        emit_char(range.start(), out);
        if range.end() != range.start() {
            out.push('-');
            emit_char(range.end(), out);
        }
    }
    out.push(']');
}

fn emit(n: &Node, out: &mut String) {
    match n {
        Node::Empty => out.push_str("(?:)"),
        Node::NoMatch => emit_class(&ClassUnicode::empty(), out),
        Node::Lit(r, fold) => match char::from_u32(*r) {
            None => emit_class(&ClassUnicode::empty(), out),
            Some(c) if *fold => {
                let mut cls = ClassUnicode::new([ClassUnicodeRange::new(c, c)]);
                cls.case_fold_simple();
                emit_class(&cls, out);
            }
            Some(c) => emit_char(c, out),
        },
        Node::Class(c) => emit_class(c, out),
        Node::AnyNotNl => out.push_str("[^\\n]"),
        Node::Any => out.push_str("(?s:.)"),
        Node::BeginLine => out.push_str("(?m:^)"),
        Node::EndLine => out.push_str("(?m:$)"),
        Node::BeginText => out.push_str("\\A"),
        Node::EndText => out.push_str("\\z"),
        Node::WordBoundary => out.push_str("(?-u:\\b)"),
        Node::NoWordBoundary => out.push_str("(?-u:\\B)"),
        Node::Capture(s) => {
            out.push('(');
            emit(s, out);
            out.push(')');
        }
        Node::Repeat {
            kind,
            min,
            max,
            greedy,
            sub,
        } => {
            out.push_str("(?:");
            emit(sub, out);
            out.push(')');
            match kind {
                RepKind::Star => out.push('*'),
                RepKind::Plus => out.push('+'),
                RepKind::Quest => out.push('?'),
                RepKind::Range if *max == -1 => {
                    let _ = write!(out, "{{{min},}}");
                }
                RepKind::Range if max == min => {
                    let _ = write!(out, "{{{min}}}");
                }
                RepKind::Range => {
                    let _ = write!(out, "{{{min},{max}}}");
                }
            }
            if !greedy {
                out.push('?');
            }
        }
        Node::Concat(v) => v.iter().for_each(|s| emit(s, out)),
        Node::Alt(v) => {
            out.push_str("(?:");
            for (i, s) in v.iter().enumerate() {
                if i > 0 {
                    out.push('|');
                }
                emit(s, out);
            }
            out.push(')');
        }
    }
}
