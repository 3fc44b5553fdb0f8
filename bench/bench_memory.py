"""Memory over a long run: the dashboard in tmux at full speed, every process's RSS sampled.

    python bench/bench_memory.py [--preset xor] [--minutes 10] [--every 30]

Starts the app on the preset in a tmux session, sets the fastest pace and runs it (on past
the preset's epochs, as a person who presses space again does), then
samples the resident set size of the app's process and of each process it started (the
training worker, and the resource tracker of the shared-memory snapshots) every
`--every` seconds. The first sample is taken after a minute's warm-up (the chart's and
tables' caches fill, the worker's buffers are allocated); the report gives each
process's growth from there to the end and that growth per hour, with the epoch count
the status line showed. Run by hand on a quiet machine; nothing here is a timed test.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import time
from pathlib import Path

from bench_app import PRESETS, _capture, _quit, _start, _until

WARM_UP = 60.0


def _pane_pid(session: str) -> int:
    done = subprocess.run(
        ["tmux", "list-panes", "-t", session, "-F", "#{pane_pid}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.split()[0])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(_children(current))
    return out


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _role(pid: int) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"
    if "resource_tracker" in cmd:
        return "tracker"
    if "multiprocessing" in cmd or "spawn_main" in cmd or "forkserver" in cmd:
        return "worker"
    return "app"


def _epoch(screen: str) -> str:
    found = re.search(r"epoch ([\d,]+)", screen)
    return found.group(1) if found else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="xor")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=30.0)
    args = parser.parse_args()

    source = PRESETS.get(args.preset, args.preset)
    session = _start(source)
    try:
        _until(session, lambda text: "paused" in text and "epoch 0/" in text, timeout=30)
        for _ in range(13):  # one past the fastest pace: full speed
            subprocess.run(["tmux", "send-keys", "-t", session, ">"], check=True)
        subprocess.run(["tmux", "send-keys", "-t", session, "space"], check=True)
        _until(session, lambda text: "running" in text)
        try:  # a small preset reaches its epochs in seconds: train on past its target
            _until(session, lambda text: "finished" in text, timeout=30)
            subprocess.run(["tmux", "send-keys", "-t", session, "space"], check=True)
            _until(session, lambda text: "running" in text)
        except TimeoutError:
            pass
        start = time.monotonic()
        root = _pane_pid(session)
        first: dict[int, float] = {}
        last: dict[int, float] = {}
        roles: dict[int, str] = {}
        print(f"{args.preset}: RSS in MB at full speed, sampled every {args.every:g} s")
        next_sample = start + WARM_UP
        end = start + WARM_UP + args.minutes * 60
        while time.monotonic() < end + 0.5:
            time.sleep(max(0.0, next_sample - time.monotonic()))
            next_sample += args.every
            sample = {pid: _rss_mb(pid) for pid in _tree(root)}
            sample = {pid: mb for pid, mb in sample.items() if mb and mb > 5}
            for pid in sample:
                roles.setdefault(pid, _role(pid))
                first.setdefault(pid, sample[pid])
            last.update(sample)
            minutes = (time.monotonic() - start) / 60
            shown = "  ".join(f"{roles[p]} {mb:6.1f}" for p, mb in sorted(sample.items()))
            print(f"  {minutes:5.1f} min  epoch {_epoch(_capture(session)):>12}  {shown}")
        hours = args.minutes / 60
        print(f"growth over the last {args.minutes:g} minutes:")
        for pid in sorted(last):
            grown = last[pid] - first[pid]
            print(
                f"  {roles[pid]:<8} {first[pid]:6.1f} → {last[pid]:6.1f} MB: "
                f"{grown:+.1f} MB, {grown / hours:+.1f} MB an hour"
            )
        _quit(session)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


if __name__ == "__main__":
    main()
