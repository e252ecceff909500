"""The feed pushed to S3-compatible storage: a real S3 server (moto's server mode) on loopback.
Releases are immutable and never overwritten, index.json goes last, and a reader polling during
the pushes never sees index.json name a file that is not there yet."""

from __future__ import annotations

import json
import threading
import uuid

import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.publish.objects import PushError, push_feed
from sanctions_feed.publish.signing import write_key_pair

from .builders import SAMPLE_PARTIES, sdn_advanced_xml
from .test_deadlines_and_bounds import SECRET, Receivers
from .test_stores import run

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")

PREFIX = "sanctions"
AFTER = "2026-11-10T00:00:00Z"


@pytest.fixture
def s3(monkeypatch):
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    for name, value in {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null",
                        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}.items():
        monkeypatch.setenv(name, value)
    client = boto3.session.Session().client("s3")
    bucket = f"feeds-{uuid.uuid4().hex[:12]}"  # moto keeps its buckets for the whole process
    client.create_bucket(Bucket=bucket)
    # Public reads, as a bucket behind a CDN serves pullers (writes stay signed).
    client.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    yield client, endpoint, bucket
    server.stop()


def update(feeds, source, now, key, bucket):
    return CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--now", now, "--only", "ofac_sdn", "--force",
                                    "--source", f"ofac_sdn={source}", "--signing-key", str(key),
                                    "--publish-to", f"s3://{bucket}/{PREFIX}/"])


def keys(client, bucket) -> set[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{PREFIX}/")
    return {item["Key"].removeprefix(f"{PREFIX}/") for page in pages for item in page.get("Contents", [])}


def test_releases_are_pushed_immutable_first_and_index_last(tmp_path, s3):
    client, endpoint, bucket = s3
    key = tmp_path / "keys" / "minisign.key"
    write_key_pair(key)
    feeds, source = tmp_path / "feeds", tmp_path / "sdn.xml"
    problems: list[str] = []
    stop = threading.Event()
    polls = [0]

    def poll():
        """A puller: whatever index.json names must be there, whole, when index.json says so."""
        reader = boto3.session.Session().client("s3")
        while not stop.is_set():
            try:
                index = json.loads(reader.get_object(Bucket=bucket, Key=f"{PREFIX}/index.json")["Body"].read())
            except reader.exceptions.NoSuchKey:
                continue
            polls[0] += 1
            there = keys(reader, bucket)
            for version in (v["id"] for v in index["versions"]):
                manifest = f"v/{version}/manifest.json"
                if manifest not in there:
                    problems.append(f"index.json names {version}, whose manifest is not there")
                    continue
                listed = json.loads(reader.get_object(Bucket=bucket, Key=f"{PREFIX}/{manifest}")["Body"].read())["files"]
                problems.extend(f"index.json names {version}, but {name} is not there"
                                for name in listed if f"v/{version}/{name}" not in there)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    try:
        for n, (now, parties) in enumerate(zip(["2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z"],
                                               [SAMPLE_PARTIES, SAMPLE_PARTIES[1:], SAMPLE_PARTIES[2:]], strict=True)):
            source.write_bytes(sdn_advanced_xml(parties))
            result = update(feeds, source, now, key, bucket)
            assert result.exit_code == 0, result.output
            assert f"pushed to s3://{bucket}/{PREFIX}/: releases 2026110{n + 1}T000000Z" in result.stderr, result.output
    finally:
        stop.set()
        poller.join()
    assert polls[0] > 0 and problems == []

    versions = [v["id"] for v in json.loads((feeds / "index.json").read_text())["versions"]]
    local = {p.relative_to(feeds).as_posix() for p in (feeds / "v").rglob("*") if p.is_file()}
    assert local <= keys(client, bucket)
    head = client.head_object(Bucket=bucket, Key=f"{PREFIX}/v/{versions[0]}/addresses.csv")
    assert head["CacheControl"] == "public, max-age=31536000, immutable" and head["ContentType"] == "text/csv; charset=utf-8"
    assert client.head_object(Bucket=bucket, Key=f"{PREFIX}/index.json")["CacheControl"].startswith("public, max-age=60")
    assert client.head_object(Bucket=bucket, Key=f"{PREFIX}/changes.atom")["ContentType"] == "application/atom+xml"
    latest = client.get_object(Bucket=bucket, Key=f"{PREFIX}/latest/manifest.json")["Body"].read()
    assert latest == (feeds / "v" / versions[-1] / "manifest.json").read_bytes()
    site = {p.relative_to(feeds).as_posix() for p in (feeds / "site").rglob("*") if p.is_file()}
    assert site and site <= keys(client, bucket)  # the site of the latest release, pushed with latest/
    page = client.get_object(Bucket=bucket, Key=f"{PREFIX}/site/index.html")
    assert page["Body"].read() == (feeds / "site" / "index.html").read_bytes()
    assert page["ContentType"] == "text/html; charset=utf-8"

    # A puller verifies the object-storage copy over plain HTTP, with the publisher's key.
    result = CliRunner().invoke(cli, ["verify", f"{endpoint}/{bucket}/{PREFIX}/", "--all", "--at", AFTER,
                                      "--public-key", str(key.with_suffix(".pub"))])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("ok ") == 3


def test_an_unchanged_run_pushes_no_release_and_a_failed_push_is_caught_up(tmp_path, s3, monkeypatch):
    client, endpoint, bucket = s3
    key = tmp_path / "keys" / "minisign.key"
    write_key_pair(key)
    feeds, source = tmp_path / "feeds", tmp_path / "sdn.xml"
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES))
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # storage unreachable
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    first = update(feeds, source, "2026-11-01T00:00:00Z", key, bucket)
    assert first.exit_code == 0 and first.stdout.startswith("published ")  # the local release stands
    assert f"warning: s3://{bucket}/sanctions/: the push failed" in first.stderr
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    second = update(feeds, source, "2026-11-02T00:00:00Z", key, bucket)
    assert second.stdout.startswith("no change")
    assert f"pushed to s3://{bucket}/sanctions/: releases 20261101T000000Z" in second.stderr  # caught up
    third = update(feeds, source, "2026-11-03T00:00:00Z", key, bucket)
    assert "releases none new; index.json (1 objects)" in third.stderr  # index.json alone


def test_a_release_already_in_the_bucket_is_never_overwritten(tmp_path, s3):
    client, _, bucket = s3
    key = tmp_path / "keys" / "minisign.key"
    write_key_pair(key)
    feeds, source = tmp_path / "feeds", tmp_path / "sdn.xml"
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES))
    assert update(feeds, source, "2026-11-01T00:00:00Z", key, bucket).exit_code == 0
    (version,) = [v["id"] for v in json.loads((feeds / "index.json").read_text())["versions"]]
    before = client.get_object(Bucket=bucket, Key=f"{PREFIX}/v/{version}/addresses.csv")["Body"].read()
    (feeds / "v" / version / "addresses.csv").write_text("tampered\n")
    client.delete_object(Bucket=bucket, Key=f"{PREFIX}/index.json")  # the pusher now thinks the release missing
    with pytest.raises(PushError, match="addresses.csv is already in the bucket with other content"):
        push_feed(feeds, f"s3://{bucket}/{PREFIX}")
    assert client.get_object(Bucket=bucket, Key=f"{PREFIX}/v/{version}/addresses.csv")["Body"].read() == before


def test_a_bad_publish_to_url_is_refused_before_anything_runs(tmp_path):
    result = CliRunner().invoke(cli, ["update", "--samples", "--feeds", str(tmp_path / "feeds"),
                                      "--publish-to", "https://bucket/x"])
    assert result.exit_code == 1 and "not an s3://BUCKET/PREFIX URL" in result.output
    assert not (tmp_path / "feeds").exists()


@pytest.fixture
def receiver():
    served = Receivers()
    yield served
    served.server.shutdown()


def test_a_bucket_index_that_is_not_json_is_a_warning_and_the_webhooks_go_out(tmp_path, s3, receiver, monkeypatch):
    """Before: `update` exited 70 after the local release was written, and never sent its webhooks."""
    client, _endpoint, bucket = s3
    client.put_object(Bucket=bucket, Key=f"{PREFIX}/index.json", Body=b"<html>not a feed index</html>")
    monkeypatch.setenv("SANCTIONS_FEED_WEBHOOK_SECRET", SECRET)
    result = run(tmp_path / "feeds", f"sqlite:///{tmp_path}/feeds.db", "--samples", "--only", "fr_tresor",
                 "--publish-to", f"s3://{bucket}/{PREFIX}", f"--webhook={receiver.base}/ok")
    assert result.exit_code == 0, result.output
    assert f"warning: s3://{bucket}/{PREFIX}/index.json in the bucket is not a feed index" in result.output
    assert receiver.received == ["/ok"]
    pushed = json.loads(client.get_object(Bucket=bucket, Key=f"{PREFIX}/index.json")["Body"].read())
    assert pushed["latest"] == json.loads((tmp_path / "feeds" / "index.json").read_text())["latest"]




def test_a_gzip_sibling_is_stored_as_gzip_static_sends_it(s3):
    """Its file's Content-Type with Content-Encoding: gzip, the bytes as they are: a CDN rule that
    answers the file's URL from its sibling sends it right; our readers ask for identity."""
    import gzip

    from sanctions_feed.publish.objects import Bucket

    client, _, bucket = s3
    data = gzip.compress(b'{"version": "x", "addresses": []}', mtime=0)
    Bucket(f"s3://{bucket}/{PREFIX}/").put("v/20261101T000000Z/addresses.json.gz", data, "public", once=True)
    Bucket(f"s3://{bucket}/{PREFIX}/").put("v/20261101T000000Z/addresses.csv", b"id\n", "public", once=True)
    sibling = client.get_object(Bucket=bucket, Key=f"{PREFIX}/v/20261101T000000Z/addresses.json.gz")
    assert sibling["ContentEncoding"] == "gzip" and sibling["ContentType"].startswith("application/json")
    assert sibling["Body"].read() == data
    plain = client.get_object(Bucket=bucket, Key=f"{PREFIX}/v/20261101T000000Z/addresses.csv")
    assert "ContentEncoding" not in plain and plain["ContentType"].startswith("text/csv")
