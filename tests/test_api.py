"""The screening service: `/v1/check` answers exactly what `check --format json` prints, follows new
releases with no failed request, refuses a release it cannot verify and fails closed, and runs as
a replica of a feed served over HTTP or from object storage."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from sanctions_feed.commands import cli
from sanctions_feed.publish.serve import make_server
from sanctions_feed.publish.signing import write_key_pair
from sanctions_feed.schemas.screening import MAX_ADDRESSES
from sanctions_feed.screening import Screener
from sanctions_feed.screening.api import create_app

from .builders import SAMPLE_PARTIES, sdn_advanced_xml
from .test_screening import CASHADDR, NBCTF_TRON, OFAC_BTC, OFAC_ETH, UNLISTED_BTC

INPUTS = [OFAC_ETH, OFAC_ETH.upper().replace("0X", "0x"), OFAC_ETH[2:], f"ethereum:{OFAC_ETH}@56",
          NBCTF_TRON.replace("C", "\u0421"), OFAC_BTC[:10] + "\u200b" + OFAC_BTC[10:], f"bitcoin:{OFAC_BTC}?amount=1",
          UNLISTED_BTC, CASHADDR, "0x12", OFAC_ETH[:-3], "not an address", "rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe?dt=5",
          f"ETH: {OFAC_ETH[2:]}", "a" * 5000]


def cli_verdicts(feeds: Path, inputs: list[str], *args) -> list[dict]:
    result = CliRunner().invoke(cli, ["check", "--feeds", str(feeds), "--format", "json", *args, *inputs])
    assert result.exit_code in (0, 1, 3), result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture
def client(sample_feed):
    app = create_app(Screener.open(sample_feed), reload_interval=0)
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize("on", [None, "2021-09-20", "2021-09-21", "2026-11-24"])
def test_the_api_answers_exactly_what_check_prints(client, sample_feed, on):
    expected = cli_verdicts(sample_feed, INPUTS, *(["--on", on] if on else []))
    got = client.get("/v1/check", params={"address": INPUTS, **({"on": on} if on else {})})
    assert got.status_code == 200, got.text
    assert got.json()["results"] == expected and got.json()["release"] == expected[0]["release"]
    posted = client.post("/v1/check", json={"addresses": INPUTS, "on": on})
    assert posted.json() == got.json()


def test_a_bulk_post_and_its_limit(client, sample_feed):
    addresses = [OFAC_BTC if n % 100 == 0 else UNLISTED_BTC for n in range(MAX_ADDRESSES)]
    answer = client.post("/v1/check", json={"addresses": addresses})
    assert answer.status_code == 200
    statuses = [r["status"] for r in answer.json()["results"]]
    assert len(statuses) == MAX_ADDRESSES and statuses.count("match") == 10
    assert client.post("/v1/check", json={"addresses": addresses + [OFAC_BTC]}).status_code == 422
    assert client.post("/v1/check", json={"addresses": []}).status_code == 422
    assert client.get("/v1/check").status_code == 422
    assert client.get("/v1/check", params={"address": OFAC_BTC, "on": "yesterday"}).status_code == 422


def test_health_ready_metrics_openapi_and_the_feed_files(client, sample_feed):
    health = client.get("/v1/health").json()
    index = json.loads((sample_feed / "index.json").read_text())
    assert health["release"] == index["latest"] and health["verified"] and not health["signed"]
    assert client.get("/v1/ready").status_code == 200
    client.get("/v1/check", params={"address": [OFAC_ETH, "0x12"]})
    metrics = client.get("/metrics").text
    assert 'sanctions_feed_verdicts_total{status="match"} 1.0' in metrics
    assert 'sanctions_feed_requests_total{method="GET",route="/v1/check",status="200"} 1.0' in metrics
    assert "sanctions_feed_release_age_seconds" in metrics and "sanctions_feed_ready 1.0" in metrics
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.") and {"/v1/check", "/v1/health", "/v1/ready"} <= set(spec["paths"])
    assert "Verdict" in spec["components"]["schemas"]
    first = client.get(f"/v/{index['latest']}/addresses.json", headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200 and first.headers["cache-control"].endswith("immutable")
    assert first.headers["content-encoding"] == "gzip" and first.headers["etag"].endswith('-gzip"')
    again = client.get(f"/v/{index['latest']}/addresses.json", headers={"If-None-Match": first.headers["etag"],
                                                                         "Accept-Encoding": "gzip"})
    assert again.status_code == 304
    assert client.get("/index.json").headers["cache-control"].startswith("public, max-age=60")
    for outside in ("/../feeds.db", "/%2e%2e/feeds.db", "/v/../../etc/passwd", "/.lock"):
        assert client.get(outside).status_code == 404
    assert client.get("/", follow_redirects=False).headers["location"] == "site/index.html"


def _signed_feed(root: Path, key: Path, days: list[str], parties_list) -> Path:
    feeds, source = root / "feeds", root / "sdn.xml"
    for day, parties in zip(days, parties_list, strict=True):
        source.write_bytes(sdn_advanced_xml(parties))
        result = CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--now", day, "--only", "ofac_sdn", "--force",
                                          "--source", f"ofac_sdn={source}", "--signing-key", str(key)])
        assert result.exit_code == 0, result.output
    return feeds


def test_a_release_signed_by_another_key_is_refused_and_the_previous_keeps_serving(tmp_path):
    key, other = tmp_path / "k" / "minisign.key", tmp_path / "o" / "minisign.key"
    write_key_pair(key)
    write_key_pair(other)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    day = (now - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    feeds = _signed_feed(tmp_path, key, [day], [SAMPLE_PARTIES])
    screener = Screener.open(feeds, public_key=str(key.with_suffix(".pub")))
    first = screener.release
    assert first and screener.ready()[0]
    source = tmp_path / "sdn.xml"
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES[1:]))
    result = CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--only", "ofac_sdn", "--force",
                                      "--source", f"ofac_sdn={source}", "--signing-key", str(other)])
    assert result.exit_code == 0, result.output
    assert screener.refresh() is False and screener.release == first  # still the verified one
    (refused, problems), = screener.status.refused.items()
    assert refused != first and any("signed by another key" in p for p in problems)
    with TestClient(create_app(screener, reload_interval=0)) as client:
        assert client.get("/v1/health").json()["refused"] == {refused: problems}
        assert client.get("/v1/check", params={"address": OFAC_BTC}).json()["release"] == first
    # A replica pinned to the first key that starts now: the newest release is refused, nothing
    # verified is served, and it is not ready (fail closed).
    fresh = Screener.open(feeds, public_key=str(key.with_suffix(".pub")))
    assert fresh.release is None and refused in fresh.status.refused
    with TestClient(create_app(fresh, reload_interval=0)) as client:
        ready = client.get("/v1/ready")
        assert ready.status_code == 503 and "no verified release loaded" in ready.json()["reason"]
        assert client.get("/v1/check", params={"address": OFAC_BTC}).status_code == 503


def test_max_age_fails_closed_when_the_feed_stops_updating(sample_feed):
    screener = Screener.open(sample_feed, max_age=timedelta(hours=24))
    published = screener.status.loaded.published_at
    assert screener.ready(published + timedelta(hours=23))[0]
    ok, reason = screener.ready(published + timedelta(hours=25))
    assert not ok and "older than --max-age" in reason
    expired = screener.status.loaded.expires_at
    assert not screener.ready(expired + timedelta(seconds=1))[0]


class Running:
    """The app under uvicorn in a thread, on a real socket."""

    def __init__(self, app):
        import uvicorn

        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self):
        self.thread.start()
        for _ in range(100):
            if self.server.started:
                return self
            time.sleep(0.05)
        raise RuntimeError("uvicorn did not start")

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


def test_a_new_release_is_followed_during_a_stream_of_requests_with_none_failing(tmp_path):
    feeds, source = tmp_path / "feeds", tmp_path / "sdn.xml"
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES))
    args = ["update", "--feeds", str(feeds), "--only", "ofac_sdn", "--force", "--source", f"ofac_sdn={source}"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    screener = Screener.open(feeds)
    first = screener.release
    seen: list[tuple[int, str]] = []
    stop = threading.Event()
    with Running(create_app(screener, reload_interval=0.2)) as running:
        def stream():
            with httpx.Client(base_url=running.url, timeout=10) as http:
                while not stop.is_set():
                    answer = http.get("/v1/check", params={"address": [OFAC_BTC, OFAC_ETH]})
                    seen.append((answer.status_code, answer.json()["release"] if answer.status_code == 200 else ""))
        threads = [threading.Thread(target=stream) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(0.3)
        source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES[1:]))
        assert CliRunner().invoke(cli, args).exit_code == 0
        deadline = time.monotonic() + 10
        while screener.release == first and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        stop.set()
        for thread in threads:
            thread.join()
    assert screener.release != first
    assert seen and all(status == 200 for status, _ in seen)
    assert {release for _, release in seen} == {first, screener.release}


def test_a_replica_follows_a_feed_served_over_http(tmp_path, sample_feed):
    origin = tmp_path / "origin"
    shutil.copytree(sample_feed, origin, symlinks=True)
    server = make_server(origin, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        replica = Screener.open(url, cache=tmp_path / "cache")
        expected = cli_verdicts(sample_feed, INPUTS)
        assert replica.screen(INPUTS) == expected
        assert replica.refresh() is False  # index.json unchanged: one conditional GET, nothing else
        assert replica.health()["source"] == url and replica.ready()[0]
    finally:
        server.shutdown()
        server.server_close()


def test_a_replica_follows_the_object_storage_copy(tmp_path):
    moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")
    import boto3

    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    env = {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        client = boto3.session.Session().client("s3")
        client.create_bucket(Bucket="replica-feed")
        client.put_bucket_policy(Bucket="replica-feed", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::replica-feed/*"}]}))
        key = tmp_path / "k" / "minisign.key"
        write_key_pair(key)
        now = datetime.now(timezone.utc)
        days = [(now - timedelta(days=n)).strftime("%Y-%m-%dT%H:%M:%SZ") for n in (3, 2)]
        feeds, source = tmp_path / "feeds", tmp_path / "sdn.xml"
        for day, parties in zip(days, [SAMPLE_PARTIES, SAMPLE_PARTIES[1:]], strict=True):
            source.write_bytes(sdn_advanced_xml(parties))
            result = CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--now", day, "--only", "ofac_sdn",
                                              "--force", "--source", f"ofac_sdn={source}", "--signing-key", str(key),
                                              "--publish-to", "s3://replica-feed/feed/"])
            assert result.exit_code == 0, result.output
        replica = Screener.open(f"{endpoint}/replica-feed/feed/", cache=tmp_path / "cache",
                                public_key=str(key.with_suffix(".pub")))
        latest = json.loads((feeds / "index.json").read_text())["latest"]
        assert replica.release == latest and replica.ready()[0] and replica.health()["signed"]
        assert replica.screen([OFAC_BTC]) == cli_verdicts(feeds, [OFAC_BTC])
        first_day = days[0][:10]
        assert replica.screen([OFAC_BTC], on=datetime.fromisoformat(first_day).date()) == cli_verdicts(
            feeds, [OFAC_BTC], "--on", first_day)
    server.stop()


def test_the_openapi_document_holds_under_property_based_requests(sample_feed):
    """schemathesis generates requests from the OpenAPI document (valid and not) against the
    running app: no 5xx, and every answer conforms to the document."""
    schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")
    from hypothesis import HealthCheck, given, settings

    app = create_app(Screener.open(sample_feed), reload_interval=0)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {(op.method.upper(), op.path) for op in operations} >= {("GET", "/v1/check"), ("POST", "/v1/check"),
                                                                   ("GET", "/v1/health"), ("GET", "/v1/ready")}
    for operation in operations:
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def fuzz(case):
            response = case.call()
            assert response.status_code < 500, (case.path, case.query, case.body, response.text)
            case.validate_response(response)
        fuzz()


def test_serve_refuses_a_busy_port_in_one_line(sample_feed):
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--feeds", str(sample_feed), "--port", str(port)])
    assert result.exit_code == 1 and f"cannot serve on 127.0.0.1:{port}" in result.output


def test_one_access_log_line_per_request_in_the_common_log_format(sample_feed):
    import io
    import re

    from sanctions_feed.screening.api import AccessLog

    stream = io.StringIO()
    app = create_app(Screener.open(sample_feed), reload_interval=0, access_log=AccessLog(stream))
    with TestClient(app) as client:
        client.get("/v1/check", params={"address": OFAC_ETH})
        client.post("/v1/check", json={"addresses": [OFAC_BTC]})
        client.get("/nowhere.txt")
    deadline = time.monotonic() + 5
    while stream.getvalue().count("\n") < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    lines = stream.getvalue().splitlines()
    clf = re.compile(r'^\S+ - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] "(\S+) (\S+) HTTP/1.1" (\d{3}) (\d+)$')
    parsed = [clf.match(line).groups() for line in lines]
    assert [(m, p.split("?")[0], s) for m, p, s, _ in parsed] == [
        ("GET", "/v1/check", "200"), ("POST", "/v1/check", "200"), ("GET", "/nowhere.txt", "404")]
    assert all(int(size) > 0 for *_, size in parsed)


def test_a_replica_keeps_the_newest_releases_and_the_latest(tmp_path):
    from sanctions_feed.screening.mirror import KEPT_RELEASES, Mirror

    ids = [f"202611{day:02d}T000000Z" for day in range(1, 10)]
    for release in ids:
        (tmp_path / "v" / release).mkdir(parents=True)
    (tmp_path / "v" / ".20261110T000000Z-9").mkdir()  # a download in progress: not a release
    Mirror("http://127.0.0.1:9/", tmp_path)._prune(ids[0])  # the latest may be an older one put back
    kept = sorted(p.name for p in (tmp_path / "v").iterdir())
    assert kept == [".20261110T000000Z-9", ids[0], *ids[-(KEPT_RELEASES + 1):]]
