//! Animated WebP from single-frame WebP images.
//!
//! GStreamer 1.22's `webpenc` writes one still image per frame and cannot make an animation, so the
//! frames are encoded there and joined here into the container the WebP spec defines for animations:
//! `RIFF WEBP` { `VP8X` (animation flag, canvas size), `ANIM` (loop forever), one `ANMF` per frame
//! (offset, size, duration, and the frame's own `VP8 `/`VP8L`/`ALPH` chunks) }.

/// One encoded frame: a complete single-image WebP file, shown for `duration_ms`.
pub(crate) struct WebpFrame<'a> {
    pub webp: &'a [u8],
    pub width: u32,
    pub height: u32,
    pub duration_ms: u32,
}

/// Why frames could not be joined.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WebpMuxError {
    #[error("not a WebP image")]
    NotWebp,
    #[error("frame {0} has no image data")]
    NoImageData(usize),
    #[error("no frames")]
    NoFrames,
}

/// Join `frames` into one animated WebP that loops forever, on a canvas of the first frame's size.
pub(crate) fn animated_webp(frames: &[WebpFrame<'_>]) -> Result<Vec<u8>, WebpMuxError> {
    let first = frames.first().ok_or(WebpMuxError::NoFrames)?;
    let (canvas_w, canvas_h) = (first.width, first.height);

    let mut body = Vec::new();
    body.extend_from_slice(b"WEBP");

    let mut vp8x = vec![0u8; 10];
    vp8x[0] = 0x02; // animation
    put_u24(&mut vp8x[4..7], canvas_w - 1);
    put_u24(&mut vp8x[7..10], canvas_h - 1);
    push_chunk(&mut body, b"VP8X", &vp8x);

    // Background colour (ignored by browsers) and loop count 0 = forever.
    push_chunk(&mut body, b"ANIM", &[0, 0, 0, 0, 0, 0]);

    for (index, frame) in frames.iter().enumerate() {
        let image_chunks = image_chunks(frame.webp)?;
        if image_chunks.is_empty() {
            return Err(WebpMuxError::NoImageData(index));
        }
        let mut anmf = vec![0u8; 16];
        // X and Y offsets (in units of 2 pixels) stay 0.
        put_u24(&mut anmf[6..9], frame.width.min(canvas_w) - 1);
        put_u24(&mut anmf[9..12], frame.height.min(canvas_h) - 1);
        put_u24(&mut anmf[12..15], frame.duration_ms.min(0xFF_FFFF));
        anmf[15] = 0x02; // do not blend: every frame is a full picture; no disposal
        for chunk in image_chunks {
            anmf.extend_from_slice(chunk);
        }
        push_chunk(&mut body, b"ANMF", &anmf);
    }

    let mut out = Vec::with_capacity(body.len() + 8);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

/// The image chunks (`ALPH`, `VP8 `, `VP8L`) of a single-image WebP, each with its header and padding.
fn image_chunks(webp: &[u8]) -> Result<Vec<&[u8]>, WebpMuxError> {
    if webp.len() < 12 || &webp[0..4] != b"RIFF" || &webp[8..12] != b"WEBP" {
        return Err(WebpMuxError::NotWebp);
    }
    let mut chunks = Vec::new();
    let mut pos = 12;
    while pos + 8 <= webp.len() {
        let kind = &webp[pos..pos + 4];
        let size = u32::from_le_bytes([webp[pos + 4], webp[pos + 5], webp[pos + 6], webp[pos + 7]]) as usize;
        let end = (pos + 8 + size + (size & 1)).min(webp.len());
        if matches!(kind, b"ALPH" | b"VP8 " | b"VP8L") {
            chunks.push(&webp[pos..end]);
        }
        pos = end;
    }
    Ok(chunks)
}

fn push_chunk(out: &mut Vec<u8>, kind: &[u8; 4], payload: &[u8]) {
    out.extend_from_slice(kind);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(payload);
    if payload.len() % 2 == 1 {
        out.push(0);
    }
}

fn put_u24(out: &mut [u8], value: u32) {
    out.copy_from_slice(&value.to_le_bytes()[..3]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_is_not_webp() {
        let frame = WebpFrame { webp: b"not an image at all", width: 2, height: 2, duration_ms: 100 };
        assert!(matches!(animated_webp(&[frame]), Err(WebpMuxError::NotWebp)));
        assert!(matches!(animated_webp(&[]), Err(WebpMuxError::NoFrames)));
    }
}
