"""The screening API under load, beside nginx serving a small static file in the same run, and the
cost of one `check` process.

    python bench/bench_api.py [--seconds 10] [--connections 16]

- `GET /v1/check?address=…` with keep-alive, `--connections` connections, each request naming
  another of 1,000 addresses (listed and not, in varied written forms): wrk with a Lua script
  cycling through them (wrk from Debian's packages). Requests per second and latency
  percentiles; then p99 at 64 connections.
- nginx (where installed) serving a 1 KB file on the same machine in the same run: the ratio.
- `check ADDR` as a process: CPU seconds (user + system) against `python -c pass`.
Needs wrk; nginx is optional. The machine's CPU speed varies: compare figures of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
UNLISTED = ["1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "0x52908400098527886E0F7030069857D2E4169EE7",
            "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq"]


def publish_samples() -> Path:
    feeds = OUT / "api-feeds"
    if not (feeds / "index.json").is_file():
        subprocess.run([str(BIN / "sanctions-feed"), "update", "--samples", "--feeds", str(feeds), "--now",
                        "2026-11-24T12:00:00Z"], check=True, capture_output=True)
    return feeds


def addresses(feeds: Path, count: int = 1000) -> list[str]:
    """Listed addresses in varied written forms (upper case, no 0x, a payment link) and unlisted ones."""
    index = json.loads((feeds / "index.json").read_text())
    listed = [a["display"] for a in json.loads((feeds / "v" / index["latest"] / "addresses.json").read_text())["addresses"]
              if a["kind"] == "address" and a["validity"] == "valid"]
    rng = random.Random(7)
    forms = []
    for n in range(count):
        address = listed[n % len(listed)] if n % 2 else UNLISTED[n % len(UNLISTED)]
        style = n % 4
        if style == 1 and address.startswith("0x"):
            address = address[2:]
        elif style == 2 and address.startswith(("0x", "bc1")):
            address = address.upper().replace("0X", "0x")
        elif style == 3 and address[:1] in "13":
            address = f"bitcoin:{address}?amount=0.{rng.randint(1, 99)}"
        forms.append(address)
    return forms


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


def wrk(url: str, seconds: int, connections: int, script: Path | None = None) -> dict:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", url]
    if script is not None:
        command[1:1] = ["-s", str(script)]
    text = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p = {m.group(1): m.group(2) for m in re.finditer(r"^\s+(50|90|99)%\s+(\S+)", text, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {"rate": rate, "p50": p.get("50"), "p99": p.get("99"), "non_2xx": int(errors.group(1)) if errors else 0}


def lua_script(paths: list[str]) -> Path:
    script = Path(tempfile.mkdtemp()) / "paths.lua"
    quoted = ",".join(json.dumps(p) for p in paths)
    script.write_text("local paths = {" + quoted + "}\nlocal n = 0\n"
                      "request = function()\n  n = n % #paths + 1\n  return wrk.format('GET', paths[n])\nend\n")
    return script


def start_nginx(directory: Path, port: int):
    if shutil.which("nginx") is None:
        return None
    conf = directory / "nginx.conf"
    (directory / "small.txt").write_bytes(b"x" * 1024)
    conf.write_text(f"""worker_processes 1; daemon off; pid {directory}/nginx.pid; error_log {directory}/error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; server {{ listen 127.0.0.1:{port}; root {directory}; }} }}
""")
    process = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(directory)], stderr=subprocess.DEVNULL)
    wait_for(port)
    return process


def cpu_of(command: list[str], repeat: int = 5) -> float:
    """Best of `repeat` CPU seconds (user + system) of a command run to its end."""
    best = float("inf")
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(command, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best = min(best, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    OUT.mkdir(parents=True, exist_ok=True)
    feeds = publish_samples()
    from urllib.parse import quote

    paths = [f"/v1/check?address={quote(a, safe='')}" for a in addresses(feeds)]
    port = free_port()
    service = subprocess.Popen([str(BIN / "sanctions-feed"), "serve", "--feeds", str(feeds), "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ})
    scratch = Path(tempfile.mkdtemp())
    nginx = start_nginx(scratch, free_port())
    try:
        wait_for(port)
        script = lua_script(paths)
        api = wrk(f"http://127.0.0.1:{port}", args.seconds, args.connections, script)
        api64 = wrk(f"http://127.0.0.1:{port}", args.seconds, 64, script)
        print(f"API  /v1/check, {args.connections} connections: {api['rate']:,.0f} req/s, p50 {api['p50']}, "
              f"p99 {api['p99']}, non-2xx {api['non_2xx']}")
        print(f"API  /v1/check, 64 connections: {api64['rate']:,.0f} req/s, p99 {api64['p99']}")
        if nginx is not None:
            nginx_port = int(re.search(r"listen 127.0.0.1:(\d+)", (scratch / "nginx.conf").read_text()).group(1))
            static = wrk(f"http://127.0.0.1:{nginx_port}/small.txt", args.seconds, args.connections)
            print(f"nginx 1 KB static file, {args.connections} connections: {static['rate']:,.0f} req/s; "
                  f"API / nginx = {api['rate'] / static['rate']:.3f}")
        else:
            print("nginx is not installed: no ratio (Debian: apt-get install nginx-light)")
    finally:
        service.terminate()
        service.wait(timeout=10)
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=10)
    baseline = cpu_of([sys.executable, "-c", "pass"])
    check = cpu_of([str(BIN / "sanctions-feed"), "check", "--feeds", str(feeds), UNLISTED[0]])
    print(f"check ADDR as a process: {check:.3f} CPU-s, python -c pass {baseline:.3f} CPU-s: {check / baseline:.1f}x")


if __name__ == "__main__":
    main()
