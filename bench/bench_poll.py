"""What an unchanged poll costs: the scheduler's check in its own process against the update
process it used to start for every poll.

    python bench/bench_poll.py [--polls 20] [--parties 3200] [--mb 5]

Serves the bundled UK list from a loopback server (with Last-Modified: the UK's change signal is
a HEAD request), publishes it once, then measures, in CPU seconds (user + system):
  - the old path: `update --only gb_fcdo` in a new process for each poll (the child's CPU, from
    wait4), which finds the source unchanged;
  - the new path: `poll()` in this process (what the scheduler's job runs), after one poll has
    loaded what it needs, the record of the check (store and index.json) included.
The target (issue 25): at most 0.1 CPU-seconds for an unchanged poll.

Then a no-change `update` against a real one, over a generated SDN advanced XML with --parties
crypto-holding parties (three addresses each: 3,200 make 9,600 addresses), replayed from a local
file: the first update publishes it, the second finds the same sha256 and decides before it
builds anything. Target: the no-change update at most 0.25 of the real one's CPU.
"""

from __future__ import annotations

import argparse
import http.server
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sanctions_feed.errors import default_db_url  # noqa: E402
from sanctions_feed.ops.poll import poll  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from bench_ofac import build  # noqa: E402

CLI = [str(Path(sys.executable).parent / "sanctions-feed")]
BODY = (ROOT / "spiders" / "samples" / "gb_fcdo.xml").read_bytes()
MODIFIED = format_datetime(datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc), usegmt=True)


class Handler(http.server.BaseHTTPRequestHandler):
    def _answer(self, body: bool):
        self.send_response(200)
        self.send_header("Last-Modified", MODIFIED)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        if body:
            self.wfile.write(BODY)

    def do_GET(self):
        self._answer(True)

    def do_HEAD(self):
        self._answer(False)

    def log_message(self, *args):
        pass


def child_cpu(command: list[str]) -> float:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, command
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--polls", type=int, default=20)
    parser.add_argument("--parties", type=int, default=3200)
    parser.add_argument("--mb", type=int, default=5)
    parser.add_argument("--fixtures", type=Path, default=ROOT.parent / "shared" / "fixtures")
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    location = f"http://127.0.0.1:{server.server_address[1]}/UK-Sanctions-List.xml"
    with tempfile.TemporaryDirectory() as folder:
        feeds = Path(folder) / "feeds"
        update = [*CLI, "update", "--feeds", str(feeds), "--only", "gb_fcdo", "--source", f"gb_fcdo={location}"]
        child_cpu(update)
        old = [child_cpu(update) for _ in range(max(3, args.polls // 5))]
        db = default_db_url(feeds)
        assert poll("gb_fcdo", feeds, db, location), "the poll did not find the source unchanged"
        started, wall = time.process_time(), time.monotonic()
        for _ in range(args.polls):
            assert poll("gb_fcdo", feeds, db, location)
        new = (time.process_time() - started) / args.polls
        wall = (time.monotonic() - wall) / args.polls
    server.shutdown()
    print(f"unchanged poll, old path (an update process): {min(old):.2f}-{max(old):.2f} CPU-s "
          f"(median {sorted(old)[len(old) // 2]:.2f}) over {len(old)} polls")
    print(f"unchanged poll, in the scheduler: {new * 1000:.1f} ms CPU ({wall * 1000:.1f} ms wall) per poll "
          f"over {args.polls} polls, the record of the check included; target <= 100 ms")
    no_change_update(args)


def no_change_update(args) -> None:
    with tempfile.TemporaryDirectory() as folder:
        xml = Path(folder) / "SDN_ADVANCED.XML"
        addresses = build(xml, args.mb, args.parties, args.fixtures / "ofac" / "advanced" / "cons_advanced-2020-03-17.xml")
        feeds = Path(folder) / "feeds"
        update = [*CLI, "update", "--feeds", str(feeds), "--only", "ofac_sdn", "--source", f"ofac_sdn={xml}", "--force"]
        real = child_cpu(update)
        same = [child_cpu(update) for _ in range(3)]
        print(f"update over {addresses:,} addresses ({xml.stat().st_size / 2**20:.0f} MB): real {real:.2f} CPU-s, "
              f"no change {min(same):.2f}-{max(same):.2f} CPU-s: {min(same) / real:.2f} of a real one; target <= 0.25")


if __name__ == "__main__":
    main()
