//! Run the whole media stage on one file, as `callcoach process` will, and print what it made.
//!
//!     cargo run --release -p callcoach-media --example media_stage -- INPUT WORK_DIR
//!
//! Used by scripts/bench-media.sh.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use callcoach_media::{MediaLimits, MediaOptions, probe, run_media_stage};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, work_dir] = args.as_slice() else {
        eprintln!("usage: media_stage INPUT WORK_DIR");
        return ExitCode::from(2);
    };
    let (input, work_dir) = (PathBuf::from(input), PathBuf::from(work_dir));
    let started = Instant::now();
    let result = probe(&input, &MediaLimits::default())
        .and_then(|info| run_media_stage(&input, &info, &work_dir, &MediaOptions::default()).map(|out| (info, out)));
    match result {
        Ok((info, out)) => {
            println!("input      {} ({:.1} s)", input.display(), info.duration_s);
            println!("audio      {:.2} s at 16 kHz, {} separate channels", out.audio.duration_s(), out.audio.channels.len());
            for (name, path) in [("video", &out.video_mp4), ("audio.m4a", &out.audio_m4a), ("poster", &out.poster_jpg), ("preview", &out.preview)] {
                if let Some(path) = path {
                    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
                    println!("{name:<10} {} ({bytes} bytes)", path.display());
                }
            }
            if let Some(board) = &out.storyboard {
                println!("storyboard {} tiles of {}x{} every {:.1} s", board.tiles, board.tile_width, board.tile_height, board.interval_s);
            }
            println!("remuxed    {}", out.remuxed);
            println!("poster at  {:?} s, preview from {:?} s, video size {:?}", out.poster_at_s, out.preview_start_s, out.video_size);
            println!("wall       {:.2} s", started.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("media_stage: {e}");
            ExitCode::FAILURE
        }
    }
}
