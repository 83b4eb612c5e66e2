//! Port discovery from Verilator's own output.
//!
//! Ports are read from the `// PORTS` section of the generated model header
//! `V<top>.h`, i.e. from the `VL_IN8(&name,msb,lsb)` / `VL_OUTW(&name,msb,lsb,words)`
//! declarations. This was chosen over `--json-only` because:
//! - the header IS the C++ interface the generated shim takes addresses of, so
//!   the names, storage types (CData/SData/IData/QData/VlWide) and word counts we
//!   bind to cannot disagree with what gets compiled (the shim also
//!   `static_assert`s each storage size);
//! - it needs no second Verilator run, and the `VL_IN*/VL_OUT*` macros are the
//!   model's documented public interface, while the JSON AST dump is an internal
//!   format that changes between releases.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::SimError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PortDir {
    In,
    Out,
    InOut,
}

/// How Verilator stores a port in the model object (decides load/store width).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Storage {
    /// CData, 1..=8 bits
    U8,
    /// SData, 9..=16 bits
    U16,
    /// IData, 17..=32 bits
    U32,
    /// QData, 33..=64 bits
    U64,
    /// `VlWide<words>`: `words` little-endian u32 words, > 64 bits
    Wide,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortInfo {
    /// SystemVerilog name (Verilator's C++ name mangling undone).
    pub name: String,
    pub dir: PortDir,
    pub width: u32,
    /// Member name in the generated C++ class.
    pub cpp_name: String,
    pub storage: Storage,
    /// Number of u32 words for `Storage::Wide`, else 1 or 2.
    pub words: u32,
    /// Least significant bit index as declared (`[msb:lsb]`).
    pub lsb: u32,
}

/// Parses the ports of the model header `header` (text `text`).
pub fn parse_header(path: &Path, text: &str) -> Result<Vec<PortInfo>, SimError> {
    let perr = |source: PortsError| SimError::Ports { path: path.to_path_buf(), source };
    let mut ports = Vec::new();
    let mut in_ports = false;
    for line in text.lines().map(str::trim) {
        if line == "// PORTS" {
            in_ports = true;
            continue;
        }
        if !in_ports {
            continue;
        }
        if line.starts_with("// CELLS") {
            break;
        }
        if line.starts_with("VlUnpacked<") {
            let name = line.rsplit('&').next().unwrap_or(line).trim_end_matches(';');
            return Err(perr(PortsError::UnpackedArray(demangle(name))));
        }
        if let Some(p) = parse_decl(line) {
            ports.push(p.map_err(perr)?);
        }
    }
    if !in_ports {
        return Err(perr(PortsError::NoPortsSection));
    }
    Ok(ports)
}

/// Ports of a model header this parser does not understand.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortsError {
    #[error("unknown port macro `{0}`")]
    UnknownMacro(String),
    #[error("cannot parse port line `{0}`")]
    Unparsable(String),
    #[error("top-level port `{0}` is an unpacked array, which is not supported: pack it or wrap the top")]
    UnpackedArray(String),
    #[error("no `// PORTS` section")]
    NoPortsSection,
}

/// One `VL_<DIR><KIND>(&name,msb,lsb[,words]);` line; `None` if not a port macro.
fn parse_decl(line: &str) -> Option<Result<PortInfo, PortsError>> {
    let rest = line.strip_prefix("VL_")?;
    let (dir, rest) = if let Some(r) = rest.strip_prefix("INOUT") {
        (PortDir::InOut, r)
    } else if let Some(r) = rest.strip_prefix("IN") {
        (PortDir::In, r)
    } else if let Some(r) = rest.strip_prefix("OUT") {
        (PortDir::Out, r)
    } else {
        return None;
    };
    let open = rest.find('(')?;
    let (kind, args) = (&rest[..open], &rest[open + 1..]);
    let args = args.strip_suffix(");")?;
    let storage = match kind {
        "8" => Storage::U8,
        "16" => Storage::U16,
        "" => Storage::U32,
        "64" => Storage::U64,
        "W" => Storage::Wide,
        _ => return Some(Err(PortsError::UnknownMacro(line.into()))),
    };
    Some(parse_args(storage, dir, args).ok_or_else(|| PortsError::Unparsable(line.into())))
}

fn parse_args(storage: Storage, dir: PortDir, args: &str) -> Option<PortInfo> {
    let mut it = args.split(',').map(str::trim);
    let cpp_name = it.next()?.strip_prefix('&')?.to_string();
    let msb: u32 = it.next()?.parse().ok()?;
    let lsb: u32 = it.next()?.parse().ok()?;
    let width = msb.checked_sub(lsb)? + 1;
    let words = match storage {
        Storage::Wide => it.next()?.parse().ok()?,
        Storage::U64 => 2,
        _ => 1,
    };
    if it.next().is_some() || !cpp_name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let max = match storage {
        Storage::U8 => 8,
        Storage::U16 => 16,
        Storage::U32 => 32,
        Storage::U64 => 64,
        Storage::Wide => words * 32,
    };
    if width > max {
        return None;
    }
    Some(PortInfo { name: demangle(&cpp_name), dir, width, cpp_name, storage, words, lsb })
}

/// Undo Verilator's C++ name mangling: `__SYM__` prefix on C++ keywords and
/// `__0XX` (two hex digits) for characters not allowed in C++ identifiers.
pub fn demangle(cpp: &str) -> String {
    let s = cpp.strip_prefix("__SYM__").unwrap_or(cpp);
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"__0") && i + 5 <= b.len() {
            if let Ok(c) = u8::from_str_radix(&s[i + 3..i + 5], 16) {
                out.push(c as char);
                i += 5;
                continue;
            }
        }
        out.push(b[i] as char);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HDR: &str = "class X {\n    // PORTS\n    // comment\n    VL_IN8(&clk,0,0);\n    VL_INOUT8(&io,3,0);\n    VL_OUT8(&esc__02ename,0,0);\n    VL_OUT8(&dbl___05Funder,0,0);\n    VL_INW(&__SYM__huge,199,0,7);\n    VL_IN64(&load_val,47,0);\n    VL_OUT(&w32,31,0);\n    VL_OUT16(&w9,9,1);\n\n    // CELLS\n    VL_IN8(&not_a_port,0,0);\n";

    #[test]
    fn parses_every_macro_kind() {
        let p = parse_header(Path::new("V.h"), HDR).unwrap();
        let names: Vec<_> = p.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["clk", "io", "esc.name", "dbl__under", "huge", "load_val", "w32", "w9"]);
        assert_eq!(p[1].dir, PortDir::InOut);
        assert_eq!((p[4].width, p[4].words, p[4].storage), (200, 7, Storage::Wide));
        assert_eq!((p[5].width, p[5].storage), (48, Storage::U64));
        assert_eq!((p[6].storage, p[6].width), (Storage::U32, 32));
        assert_eq!((p[7].width, p[7].lsb), (9, 1));
        assert_eq!(p[4].cpp_name, "__SYM__huge");
    }

    #[test]
    fn rejects_unpacked_array_port() {
        let h = "// PORTS\n VlUnpacked<CData/*7:0*/, 4> &a;\n";
        let e = parse_header(Path::new("V.h"), h).unwrap_err().to_string();
        assert!(e.contains("unpacked array") && !e.contains('\n'), "{e}");
    }

    #[test]
    fn other_headers_it_cannot_read_say_why() {
        let why = |h: &str| match parse_header(Path::new("V.h"), h) {
            Err(SimError::Ports { source, .. }) => source,
            other => panic!("expected a ports error, got {other:?}"),
        };
        assert_eq!(why("// PORTS\n VL_IN128(&a,0,0);\n"), PortsError::UnknownMacro("VL_IN128(&a,0,0);".into()));
        assert_eq!(why("// PORTS\n VL_IN8(&a,x,0);\n"), PortsError::Unparsable("VL_IN8(&a,x,0);".into()));
        assert_eq!(why("VL_IN8(&a,0,0);\n"), PortsError::NoPortsSection);
    }
}
