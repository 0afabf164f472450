//! Just enough of the ISO base media file format (MP4, MOV, M4A) to tell a file without its index.
//!
//! An MP4 whose writer stopped before the end has media data (`mdat`) but no index (`moov`): nothing in
//! it can be played. Discoverer reports that as "no playable streams" but, in-process with GStreamer
//! 1.22, sometimes only after its 30 s timeout (about 1 run in 7 here), so the probe checks first.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// `Some(true)` when `path` is an ISO BMFF file (starts with an `ftyp` box) that has no `moov` box among
/// the top-level boxes it really contains; `Some(false)` when it has one; `None` when it is not ISO BMFF.
pub(crate) fn lacks_index(path: &Path) -> Option<bool> {
    let mut file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let mut pos = 0u64;
    let mut first = true;
    while pos + 8 <= len {
        let mut header = [0u8; 16];
        file.seek(SeekFrom::Start(pos)).ok()?;
        file.read_exact(&mut header[..8]).ok()?;
        let kind = &header[4..8];
        if first && kind != b"ftyp" {
            return None;
        }
        first = false;
        if kind == b"moov" {
            return Some(false);
        }
        let size = match u32::from_be_bytes([header[0], header[1], header[2], header[3]]) {
            0 => len - pos,
            1 => {
                file.read_exact(&mut header[8..16]).ok()?;
                u64::from_be_bytes([header[8], header[9], header[10], header[11], header[12], header[13], header[14], header[15]])
            }
            size => size as u64,
        };
        if size < 8 {
            return Some(true);
        }
        pos = pos.saturating_add(size);
    }
    if first { None } else { Some(true) }
}
