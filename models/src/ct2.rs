//! Reader for CTranslate2's `model.bin` (binary format version 6).
//!
//! Layout, all little-endian:
//! ```text
//! u32 format version (6)
//! string spec name ("WhisperSpec"); u32 spec revision; u32 number of variables
//! per variable: string name, u8 rank, rank x u32 dims, u8 dtype, u32 byte count, raw data
//! u32 number of aliases; per alias: string alias, string target
//! ```
//! where a string is a u16 length that counts a trailing NUL, the bytes, then that NUL.
//! The file must end right after the aliases.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{ModelError, Result};

/// The only binary format version this reader understands.
pub const FORMAT_VERSION: u32 = 6;

/// Element type of a CTranslate2 variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    F32,
    I8,
    I16,
    I32,
    F16,
    BF16,
}

impl DType {
    pub fn from_code(code: u8) -> Option<DType> {
        Some(match code {
            0 => DType::F32,
            1 => DType::I8,
            2 => DType::I16,
            3 => DType::I32,
            4 => DType::F16,
            5 => DType::BF16,
            _ => return None,
        })
    }

    pub fn code(self) -> u8 {
        match self {
            DType::F32 => 0,
            DType::I8 => 1,
            DType::I16 => 2,
            DType::I32 => 3,
            DType::F16 => 4,
            DType::BF16 => 5,
        }
    }

    pub fn size(self) -> usize {
        match self {
            DType::I8 => 1,
            DType::I16 | DType::F16 | DType::BF16 => 2,
            DType::F32 | DType::I32 => 4,
        }
    }
}

/// One variable of the model; its bytes live in [`Ct2Model::data`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    /// Row-major dimensions, outermost first (PyTorch order). Empty for scalars.
    pub shape: Vec<usize>,
    pub dtype: DType,
    offset: usize,
    len: usize,
}

impl Variable {
    pub fn num_elements(&self) -> usize {
        self.shape.iter().product()
    }
}

/// A parsed `model.bin`, holding the whole file in memory.
#[derive(Debug)]
pub struct Ct2Model {
    pub path: PathBuf,
    pub version: u32,
    pub spec: String,
    pub revision: u32,
    pub variables: Vec<Variable>,
    /// `(alias, target)` pairs, e.g. `decoder/projection/weight` -> `decoder/embeddings/weight`.
    pub aliases: Vec<(String, String)>,
    bytes: Vec<u8>,
    index: HashMap<String, usize>,
}

impl Ct2Model {
    /// Reads and parses `path`.
    pub fn read(path: &Path) -> Result<Ct2Model> {
        let bytes = std::fs::read(path).map_err(|e| ModelError::io("cannot read", path, e))?;
        Ct2Model::parse(bytes, path)
    }

    /// Parses the bytes of a `model.bin`; `path` is only used in error messages.
    pub fn parse(bytes: Vec<u8>, path: &Path) -> Result<Ct2Model> {
        let mut r = Reader {
            bytes: &bytes,
            pos: 0,
            path,
        };
        let version = r.u32("format version")?;
        if version != FORMAT_VERSION {
            return Err(r.err(format!(
                "binary format version {version} is not supported (only {FORMAT_VERSION}); \
                 convert the model with CTranslate2 >= 3.x"
            )));
        }
        let spec = r.string("spec name")?;
        let revision = r.u32("spec revision")?;
        let n_vars = r.u32("variable count")? as usize;
        let mut variables = Vec::with_capacity(n_vars.min(1 << 16));
        let mut index = HashMap::new();
        for i in 0..n_vars {
            let name = r.string("variable name")?;
            let rank = r.u8("rank")?;
            let shape = (0..rank)
                .map(|_| r.u32("dimension").map(|d| d as usize))
                .collect::<Result<Vec<_>>>()?;
            let code = r.u8("dtype")?;
            let dtype = DType::from_code(code)
                .ok_or_else(|| r.err(format!("variable {name}: unknown dtype code {code}")))?;
            let len = r.u32("byte count")? as usize;
            let expected = shape
                .iter()
                .try_fold(dtype.size(), |acc, &d| acc.checked_mul(d))
                .ok_or_else(|| r.err(format!("variable {name}: shape {shape:?} overflows")))?;
            if len != expected {
                return Err(r.err(format!(
                    "variable {name}: {len} bytes but shape {shape:?} of {dtype:?} needs {expected}"
                )));
            }
            let offset = r.pos;
            r.skip(len, &name)?;
            if index.insert(name.clone(), i).is_some() {
                return Err(r.err(format!("variable {name} appears twice")));
            }
            variables.push(Variable {
                name,
                shape,
                dtype,
                offset,
                len,
            });
        }
        let n_aliases = r.u32("alias count")? as usize;
        let mut aliases = Vec::with_capacity(n_aliases.min(1 << 12));
        for _ in 0..n_aliases {
            let alias = r.string("alias name")?;
            let target = r.string("alias target")?;
            if !index.contains_key(&target) {
                return Err(r.err(format!("alias {alias} points to missing variable {target}")));
            }
            aliases.push((alias, target));
        }
        if r.pos != bytes.len() {
            return Err(r.err(format!(
                "{} unexpected bytes after the aliases (a truncated, padded or wrongly joined file?)",
                bytes.len() - r.pos
            )));
        }
        Ok(Ct2Model {
            path: path.to_owned(),
            version,
            spec,
            revision,
            variables,
            aliases,
            bytes,
            index,
        })
    }

    /// The variable called `name`, following aliases.
    pub fn get(&self, name: &str) -> Option<&Variable> {
        let name = self
            .aliases
            .iter()
            .find(|(alias, _)| alias == name)
            .map_or(name, |(_, target)| target.as_str());
        self.index.get(name).map(|&i| &self.variables[i])
    }

    /// Raw little-endian bytes of a variable.
    pub fn data(&self, var: &Variable) -> &[u8] {
        &self.bytes[var.offset..var.offset + var.len]
    }

    /// Value of an integer (or boolean) scalar, e.g. `encoder/num_heads`.
    pub fn scalar_int(&self, name: &str) -> Option<i64> {
        let v = self.get(name)?;
        if !v.shape.is_empty() && v.num_elements() != 1 {
            return None;
        }
        let d = self.data(v);
        Some(match v.dtype {
            DType::I8 => i64::from(d[0] as i8),
            DType::I16 => i64::from(i16::from_le_bytes([d[0], d[1]])),
            DType::I32 => i64::from(i32::from_le_bytes([d[0], d[1], d[2], d[3]])),
            _ => return None,
        })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    path: &'a Path,
}

impl<'a> Reader<'a> {
    fn err(&self, detail: String) -> ModelError {
        ModelError::Ct2Format {
            path: self.path.to_owned(),
            detail,
        }
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        if self.bytes.len() - self.pos < n {
            return Err(self.err(format!(
                "file ends inside {what} at byte {} (truncated, or parts joined wrongly?)",
                self.pos
            )));
        }
        let bytes: &'a [u8] = self.bytes;
        let s = &bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn skip(&mut self, n: usize, what: &str) -> Result<()> {
        self.take(n, what).map(|_| ())
    }

    fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<u16> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, what: &str) -> Result<u32> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self, what: &str) -> Result<String> {
        let start = self.pos;
        let len = self.u16(what)? as usize;
        let raw = self.take(len, what)?;
        let Some((&0, text)) = raw.split_last() else {
            return Err(self.err(format!("{what} at byte {start} is not NUL-terminated")));
        };
        String::from_utf8(text.to_vec())
            .map_err(|_| self.err(format!("{what} at byte {start} is not UTF-8")))
    }
}
