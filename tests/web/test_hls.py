#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""HLS to a browser: mnv3 annotated video -> hlssink -> hls.js in Chromium.

1. gst-launch-1.0 writes 5 s of black 320x240 frames labelled by
   mnv3classify ! mnv3overlay, H.264 (x264enc), as HLS segments
   (mpegtsmux ! hlssink, 1 s target duration) into a temporary folder
   (not hlssink2: GStreamer 1.22's hlssink2 sometimes never finishes at
   EOS under CPU load, with or without mnv3 elements; see docs/hls.md);
2. a Python HTTP server on 127.0.0.1 (free port) serves that folder with
   tests/web/player.html and hls.js (installed by tools/install-web-deps.sh
   into tools/web/node_modules);
3. headless Chromium (Debian's chromium: --headless --no-sandbox
   --disable-gpu, no background networking) opens the page, which plays
   the stream and POSTs what it saw;
4. checked: currentTime advanced past 1.5 s, and the frame then shown
   (drawn on a canvas) has the label's white text in the top-left corner
   and nothing bright elsewhere.

Exit 77 (skipped) when chromium, hls.js, gst-launch-1.0 or x264enc is not
installed.
"""
import ctypes
import http.server
import json
import os
import shutil
import signal
import socketserver
import subprocess
import sys
import tempfile
import threading

SRC = os.environ["MNV3_SOURCE_ROOT"]
HLSJS = os.path.join(SRC, "tools", "web", "node_modules", "hls.js", "dist",
                     "hls.min.js")


def skip(why):
    print("SKIP:", why)
    sys.exit(77)


def find_chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def die_with_parent():
    """Chromium dies with the test, even when a timeout kills the test."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def make_hls(folder):
    launch = ("videotestsrc pattern=black num-buffers=125 ! "
              "video/x-raw,width=320,height=240,framerate=25/1 ! "
              "mnv3classify ! mnv3overlay ! videoconvert ! "
              "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 ! "
              "h264parse ! mpegtsmux ! "
              "hlssink target-duration=1 playlist-length=0 max-files=0 "
              "location=%s/seg%%05d.ts playlist-location=%s/playlist.m3u8"
              % (folder, folder))
    subprocess.run(["gst-launch-1.0", "-q"] + launch.split(), check=True,
                   timeout=120)
    segments = [f for f in os.listdir(folder) if f.endswith(".ts")]
    if len(segments) < 4:
        raise RuntimeError("hlssink wrote %d segments" % len(segments))


class Handler(http.server.SimpleHTTPRequestHandler):
    report = None
    got_report = threading.Event()

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Handler.report = json.loads(body)
        Handler.got_report.set()
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    chromium = find_chromium()
    if not chromium:
        skip("chromium is not installed (apt-get install chromium)")
    if not os.path.exists(HLSJS):
        skip("hls.js is not installed (sh tools/install-web-deps.sh)")
    if not shutil.which("gst-launch-1.0"):
        skip("gst-launch-1.0 is not installed")
    if subprocess.run(["gst-inspect-1.0", "x264enc"],
                      capture_output=True).returncode != 0:
        skip("x264enc is not installed (gstreamer1.0-plugins-ugly)")

    folder = tempfile.mkdtemp(prefix="mnv3-hls-")
    profile = tempfile.mkdtemp(prefix="mnv3-chromium-")
    try:
        make_hls(folder)
        shutil.copy(os.path.join(SRC, "tests", "web", "player.html"), folder)
        shutil.copy(HLSJS, folder)
        handler = lambda *a: Handler(*a, directory=folder)  # noqa: E731
        server = socketserver.TCPServer(("127.0.0.1", 0), handler)
        port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = "http://127.0.0.1:%d/player.html" % port
        browser = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-extensions",
             "--disable-sync", "--no-first-run", "--mute-audio",
             "--autoplay-policy=no-user-gesture-required",
             "--user-data-dir=" + profile, "--remote-debugging-port=0", url],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=die_with_parent)
        try:
            Handler.got_report.wait(60)
        finally:
            browser.terminate()
            try:
                browser.wait(10)
            except subprocess.TimeoutExpired:
                browser.kill()
            server.shutdown()
        r = Handler.report
        if r is None:
            print("FAIL: the page reported nothing within 60 s")
            return 1
        print("report:", json.dumps({k: v for k, v in r.items()
                                     if k != "times"}),
              "currentTime samples:", r.get("times", [])[:40])
        if "error" in r:
            print("FAIL:", r["error"])
            return 1
        times = r["times"]
        ok = True
        if not (times and max(times) > 1.5 and
                all(b >= a for a, b in zip(times, times[1:]))):
            print("FAIL: currentTime did not advance steadily past 1.5 s")
            ok = False
        if (r["width"], r["height"]) != (320, 240):
            print("FAIL: video size", r["width"], r["height"])
            ok = False
        if r["bright_label"] <= 100 or r["bright_rest"] >= 10:
            print("FAIL: the label is not where the overlay draws it")
            ok = False
        return 0 if ok else 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
