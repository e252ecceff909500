"""Every delivery has a deadline and every input a bound (issue 20): a slow subscriber or a dead
object store never holds an update, a published release always exits 0 with its webhooks, and
no input (a line without end, a file that is not UTF-8, a port in use) costs more than a line."""

from __future__ import annotations

import http.server
import io
import json
import socket
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.screening import MAX_LINE, NOT_AN_ADDRESS, Screen, bounded_lines

from .test_stores import run

SECRET = "test-secret"


class Receivers:
    """Webhook receivers that misbehave, each at its own path, and one that answers."""

    def __init__(self):
        self.received: list[str] = []
        received = self.received

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append(self.path)
                if self.path == "/drip":  # one byte of the answer every half second, for ever
                    try:
                        for byte in b"HTTP/1.1 200 OK\r\n" * 1000:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(0.5)
                    except OSError:
                        return
                elif self.path == "/hang":
                    time.sleep(60)
                elif self.path == "/busy":
                    self.send_response(429)
                    self.send_header("Retry-After", "100000")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self.send_response(204)
                    self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receivers():
    served = Receivers()
    yield served
    served.server.shutdown()


@pytest.fixture
def black_hole():
    """An endpoint that takes connections into its backlog and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


def _timed_update(feeds: Path, tmp_path: Path, *args):
    started = time.monotonic()
    result = run(feeds, f"sqlite:///{feeds}.db", "--samples", "--only", "fr_tresor", *args)
    return result, time.monotonic() - started


def test_slow_webhook_receivers_and_a_black_hole_store_leave_the_update_done_in_its_deadlines(
        tmp_path, receivers, black_hole, monkeypatch):
    """Before: a receiver dripping a byte every 5 s held `update` for ever, a 429 with a huge
    Retry-After 8 min per URL, one after the other; a black-hole object store 193 s."""
    _, baseline = _timed_update(tmp_path / "plain", tmp_path)
    monkeypatch.setenv("SANCTIONS_FEED_WEBHOOK_SECRET", SECRET)
    for name, value in {"AWS_ENDPOINT_URL": black_hole, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null",
                        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}.items():
        monkeypatch.setenv(name, value)
    hooks = [f"{receivers.base}/{path}" for path in ("drip", "hang", "busy", "ok")]
    result, elapsed = _timed_update(tmp_path / "feeds", tmp_path, "--webhook-deadline", "4", "--push-deadline", "4",
                                    "--publish-to", "s3://bucket/prefix", *(f"--webhook={hook}" for hook in hooks))
    assert result.exit_code == 0, result.output
    assert any(line.startswith("published") for line in result.output.splitlines()), result.output
    print(f"\nupdate with four slow deliveries and a black-hole store: {elapsed:.1f} s (without: {baseline:.1f} s)")
    assert elapsed - baseline < 4 + 4 + 6  # the push's deadline, then the webhooks' (at once), and slack
    assert "the push did not finish within its deadline (4 s)" in result.output
    assert "no whole answer within the deadline" in result.output  # the dripping and the hanging receivers
    assert "would pass the deadline of 4 s" in result.output  # the 429's Retry-After
    assert f"webhook {receivers.base}/ok: delivered" in result.output  # and the good one is told


@pytest.mark.parametrize("status", [401, 403])
def test_verify_says_access_was_refused_not_missing(status):
    """Before: a private bucket's 403 read as `index.json: missing`."""
    class Refusing(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = CliRunner().invoke(cli, ["verify", f"http://127.0.0.1:{server.server_address[1]}/"])
    finally:
        server.shutdown()
    assert result.exit_code == 1
    assert f"access refused (HTTP {status}): is the bucket or feed public" in result.output
    assert "missing" not in result.output


class EndlessZeros(io.TextIOBase):
    """`/dev/zero` as text, up to `size` characters, counting the longest piece handed out."""

    def __init__(self, size: int):
        self.left, self.longest = size, 0

    def readline(self, size: int = -1) -> str:
        piece = min(self.left, size if size >= 0 else self.left)
        self.left -= piece
        self.longest = max(self.longest, piece)
        return "\0" * piece


def test_a_line_without_end_is_one_verdict_and_memory_stays_flat():
    """Before: `check --file /dev/zero` grew to 3.2 GB in 20 s."""
    stream = EndlessZeros(50_000_000)
    tracemalloc.start()
    verdicts = list(Screen([]).check_lines(bounded_lines(stream)))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [v.status for v in verdicts] == [NOT_AN_ADDRESS]
    assert f"a line of more than {MAX_LINE} characters" in verdicts[0].input
    assert stream.longest <= 1 << 16 and peak < 2_000_000, (stream.longest, peak)


def test_a_line_of_exactly_the_limit_is_read_and_one_past_it_is_not():
    text = "a" * MAX_LINE + "\n" + "b" * (MAX_LINE + 1) + "\n" + "c\n"
    lines = list(bounded_lines(io.StringIO(text)))
    assert [len(line.strip()) for line in lines] == [MAX_LINE, MAX_LINE + 1, 1]
    statuses = [v.input.startswith("b") and "more than" in v.input for v in Screen([]).check_lines(lines)]
    assert statuses == [False, True, False]


def test_check_file_counts_an_overlong_line_as_not_an_address(tmp_path):
    feeds = tmp_path / "feeds"
    assert run(feeds, f"sqlite:///{tmp_path}/feeds.db", "--samples", "--only", "fr_tresor").exit_code == 0
    listed = json.loads((feeds / "latest" / "addresses.json").read_text())["addresses"][0]["address"]
    lines = tmp_path / "input.txt"
    lines.write_text("z" * 1_000_000 + "\n" + listed + "\n")
    result = CliRunner().invoke(cli, ["check", "--feeds", str(feeds), "--file", str(lines), "--format", "json"])
    assert result.exit_code == 1, result.output  # the listed address matched
    statuses = [json.loads(line)["status"] for line in result.stdout.splitlines()]
    assert statuses == ["not_an_address", "match"]
    assert "checked 2 address(es)" in result.stderr


@pytest.mark.parametrize("content, problem", [
    (b"feeds = \"caf\xe9\"\n", "not UTF-8 text (byte 12"),
    ("x = " + "[" * 100_000 + "]" * 100_000, "not valid TOML"),
    (None, "is a directory"),
])
def test_a_configuration_that_is_not_one_is_one_line_naming_the_file(tmp_path, content, problem):
    path = tmp_path / "config.toml"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = CliRunner().invoke(cli, ["--config", str(path), "config"])
    assert result.exit_code == 2
    (line,) = [line for line in result.output.splitlines() if str(path) in line]
    assert problem in line or "nested too deep" in line, result.output
    assert "Traceback" not in result.output


def test_a_device_is_not_read_as_a_configuration():
    result = CliRunner().invoke(cli, ["--config", "/dev/zero", "config"])
    assert result.exit_code == 2 and "/dev/zero: not a regular file" in result.output


def test_config_lists_every_problem_as_schedule_and_update_would(tmp_path):
    """Before: `config` accepted values `schedule` then refused, and named only the first problem."""
    path = tmp_path / "config.toml"
    path.write_text('feed_url = "ftp://feeds.example.org/"\npublish_to = "https://bucket/"\n'
                    'webhooks = ["javascript:alert(1)"]\n'
                    '[sources.ofac_sdn]\ncadence = "every day"\n[sources.nowhere]\nenabled = false\n')
    result = CliRunner().invoke(cli, ["--config", str(path), "config"])
    assert result.exit_code == 2
    line = next(line for line in result.output.splitlines() if str(path) in line)
    for problem in ("sources.nowhere: no such source", "sources.ofac_sdn.cadence: 'every day' is neither",
                    "feed_url 'ftp://feeds.example.org/': not an http(s) URL",
                    "publish_to 'https://bucket/': not an s3://BUCKET/PREFIX URL",
                    "webhooks 'javascript:alert(1)': not an http(s) URL"):
        assert problem in line, (problem, result.output)


def test_serve_on_a_port_in_use_is_one_line_and_exit_1(tmp_path):
    """Before: "Internal error (a bug ...)", exit 70."""
    (tmp_path / "feeds").mkdir()
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--feeds", str(tmp_path / "feeds"), "--port", str(port)])
    finally:
        taken.close()
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: cannot serve on 127.0.0.1:{port}: Address already in use"
