#!/usr/bin/env python3
"""Kills the hourly job's stages at random moments and accounts for
every anomaly stored.

usage: python3 test/crash.py [--runs N] [--seed S] [--tickers N] DIR

DIR (created, must not exist) gets the configuration, the store and the
site.  A loopback receiver (test/httpd.py) takes the alerts as an
Alertmanager webhook; one run in five it answers 400, so that those
anomalies become dead letters.  Each of N runs of cron/sam-hourly --force
is on the next day of the mock market; in each, one stage in turn
(fetch, store_raw, zscore, detect, store, alert, prune, record, site, or
the job itself) is killed with SIGKILL a random time after it starts.
Then one run that nobody kills.  Every anomaly in the store must then be
in the receiver's log or in the dead-letter files exactly once.

Prints one JSON object: runs, kills (a process was killed), missed (the
stage ended before its moment), and for the anomalies: stored, sent,
dead, refused (messages the receiver answered with an error), lost
(stored, in neither), duplicated (taken or parked more than
once), in_flight (of those, taken twice because the first message was
the last the receiver took before sam-alert was killed: the instant
between its answer and the journal's write, which no sender can close),
unexplained (the others, or a journal that held them), unknown (delivered but not stored), outbox
(left in the outbox); per_stage has the kills of each stage.  Exit
status 0 when lost, unexplained, unknown and outbox are 0, else 1; 2 on
a usage error.  Needs the tools on PATH
(SAM_BIN first) and cron/sam-hourly beside this directory.
"""

import argparse
import ctypes
import datetime
import json
import os
import random
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
STAGES = ["fetch", "store_raw", "zscore", "detect", "store", "alert",
          "prune", "record", "site", "hourly"]
PR_SET_CHILD_SUBREAPER = 36


def argv_of(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return [a.decode("utf-8", "replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def children_map():
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] == "Z":
            continue
        kids.setdefault(int(fields[1]), []).append(int(name))
    return kids


def descendants(root):
    kids = children_map()
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        for k in kids.get(pid, []):
            out.append(k)
            todo.append(k)
    return out


def stage_of(args):
    """The stage a process runs, from its arguments; None if none."""
    if not args:
        return None
    tool = os.path.basename(args[0])
    rest = args[1:]
    if tool == "sam-fetch":
        return None if "--slot" in rest else "fetch"
    if tool == "sam-store":
        if "append" in rest:
            return "record"
        if "prune" in rest:
            return "prune"
        if "put" in rest:
            return "store_raw" if "--kind" in rest else "store"
        return None
    return {"sam-zscore": "zscore", "sam-detect": "detect",
            "sam-alert": "alert", "sam-serve-static": "site"}.get(tool)


def reap_all(keep):
    """Waits for every child and orphan (we are their subreaper) but keep."""
    while True:
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            return
        if not [p for p in descendants(os.getpid()) if p != keep]:
            return
        time.sleep(0.002)


def find_stage(job, stage):
    """The pid of stage's process among the job's descendants, or None."""
    for pid in descendants(job):
        if stage_of(argv_of(pid)) == stage:
            return pid
    return None


def kill_run(env, stage, est, rng, server):
    """Runs the job, killing stage at a random moment; 'killed' or 'missed'."""
    job = subprocess.Popen([os.path.join(ROOT, "cron", "sam-hourly"), "--config",
                            "sam.env", "--force"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    delay = rng.uniform(0, est[stage])
    result = "missed"
    if stage == "hourly":
        time.sleep(delay)
        if job.poll() is None:
            os.kill(job.pid, signal.SIGKILL)
            result = "killed"
    else:
        target, seen = None, None
        while job.poll() is None and target is None:
            target = find_stage(job.pid, stage)
            if target is None:
                time.sleep(0.001)
        seen = time.monotonic()
        while target is not None and time.monotonic() - seen < delay:
            if not os.path.exists("/proc/%d" % target) or \
                    stage_of(argv_of(target)) != stage:
                est[stage] = max(est[stage] * 0.9, time.monotonic() - seen)
                target = None
                break
            time.sleep(0.0005)
        if target is not None and stage_of(argv_of(target)) == stage:
            try:
                os.kill(target, signal.SIGKILL)
                result = "killed"
            except ProcessLookupError:
                pass
    job.wait()
    reap_all(server)	# what the job left behind, if it was the one killed
    return result


def taken(log_dir):
    """{request number: the ids of its anomalies} of the messages the
    receiver took: those it answered 2xx to, the whole answer written
    (N.answered)."""
    out = {}
    if not os.path.isdir(log_dir):
        return out
    for name in os.listdir(log_dir):
        if not name.endswith(".answered"):
            continue
        with open(os.path.join(log_dir, name)) as f:
            if not f.read().startswith("2"):
                continue
        with open(os.path.join(log_dir, name[:-len("answered")] + "body"),
                  encoding="utf-8") as f:
            text = f.read()
        # an anomaly's alerts; the job's notices of its own failures
        # (a killed run is one) have no ticker
        out[int(name.split(".")[0])] = [
            "%s:%s:%s" % (a["labels"]["ticker"], a["labels"]["interval"], a["startsAt"])
            for a in json.loads(text or "{}").get("alerts", [])
            if "ticker" in a["labels"]]
    return out


def requests_so_far():
    try:
        with open("httpd.log") as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0


def journal():
    """The ids in the outbox's journal (what a killed sam-alert had
    taken note of), as the run left it."""
    try:
        with open("store/outbox/.sent") as f:
            return [line.split(" ")[0].rstrip("\n") for line in f if line.endswith("\n")]
    except FileNotFoundError:
        return []


def refused(log_dir):
    """How many messages the receiver answered with an error: what made
    dead letters (which the job's later runs deliver again)."""
    if not os.path.isdir(log_dir):
        return 0
    n = 0
    for name in os.listdir(log_dir):
        if name.endswith(".answered"):
            with open(os.path.join(log_dir, name)) as f:
                n += not f.read().startswith("2")
    return n


def accounts(runs, clean):
    """The figures: every anomaly stored against the messages taken and
    the dead letters."""
    stored = {r["id"] for r in lines_of("store/anomalies")}
    takes, dead = {}, {}
    for n, ids in sorted(taken("httpd.log.d").items()):
        for i in ids:
            takes.setdefault(i, []).append(n)
    for r in lines_of("store/dlq"):
        dead[r["id"]] = dead.get(r["id"], 0) + 1
    # the last request of each run whose sam-alert was killed: a message
    # the receiver took in the instant before the kill, if the journal
    # the run left does not hold its ids (else the next run ignored it)
    in_flight = {r["last"]: set(r["journal"]) for r in runs if r["stage"] == "alert" and
                 r["what"] == "killed" and r["last"] >= r["first"]}
    twice = [i for i in stored if len(takes.get(i, [])) + dead.get(i, 0) > 1]
    explained = [i for i in twice if len(takes.get(i, [])) + dead.get(i, 0) == 2 and
                 takes.get(i) and takes[i][0] in in_flight and
                 i not in in_flight[takes[i][0]]]
    return {
        "stored": len(stored), "sent": sum(len(v) for v in takes.values()),
        "dead": sum(dead.values()), "refused": refused("httpd.log.d"),
        "lost": sum(1 for i in stored if i not in takes and i not in dead),
        "duplicated": len(twice), "in_flight": len(explained),
        "unexplained": len(twice) - len(explained),
        "unknown": sum(1 for i in set(takes) | set(dead) if i not in stored),
        "outbox": sum(1 for _ in lines_of("store/outbox")),
        "clean_run": clean.returncode,
    }


def lines_of(*dirs):
    for d in dirs:
        if not os.path.isdir(d):
            continue
        for dirpath, _, files in os.walk(d):
            for name in sorted(files):
                with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                    for line in f:
                        if line.strip():
                            yield json.loads(line)


def write_routes(path, response):
    with open(path + ".new", "w") as f:
        f.write("^/hooks/ %s\n" % response)
    os.replace(path + ".new", path)


def main():
    ap = argparse.ArgumentParser(usage=__doc__.split("\n\n")[1].split(": ", 1)[1])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tickers", type=int, default=20)
    ap.add_argument("--stages", default=",".join(STAGES),
                    help="the stages to kill, in turn (comma-separated)")
    ap.add_argument("dir")
    o = ap.parse_args()
    rng = random.Random(o.seed)
    stages = o.stages.split(",")
    if not o.runs >= 0 or [s for s in stages if s not in STAGES]:
        ap.error("--stages: some of %s" % ",".join(STAGES))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

    os.makedirs(o.dir)
    os.chdir(o.dir)
    for name, status in (("ok", "200 OK"), ("bad", "400 Bad Request")):
        with open(name + ".http", "w") as f:
            f.write("%s\nContent-Type: application/json\n\n{}\n" % status)
    write_routes("routes", "ok.http")
    server = subprocess.Popen([sys.executable, os.path.join(HERE, "httpd.py"), "routes",
                               "httpd.log", "httpd.port"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(500):
            if os.path.exists("httpd.port"):
                break
            time.sleep(0.01)
        with open("httpd.port") as f:
            port = f.read().strip()
        with open("url", "w") as f:
            f.write("http://127.0.0.1:%s/hooks/sam\n" % port)
        os.chmod("url", 0o600)
        tickers = ",".join("T%03d" % i for i in range(o.tickers))
        with open("sam.env", "w") as f:
            f.write("SAM_TICKERS=%s\nSAM_STORE=store\nSAM_SITE=site\nSAM_FETCH_DAYS=45\n"
                    "SAM_ALERT_TO=webhook\nSAM_WEBHOOK_URL_FILE=url\n"
                    # the cooldown and the dead letters outlive the test
                    "SAM_COOLDOWN=3650d\nSAM_DLQ_DAYS=3650\n" % tickers)
        env = dict(os.environ)
        est = {s: 0.05 for s in STAGES}
        est["hourly"] = 0.5
        kills = {s: 0 for s in STAGES}
        missed = 0
        runs = []
        day = datetime.date(2026, 3, 2)
        for i in range(o.runs):
            day += datetime.timedelta(days=1)
            env["SAM_NOW"] = "%sT21:00:00Z" % day.isoformat()
            write_routes("routes", "bad.http" if rng.random() < 0.2 else "ok.http")
            stage = stages[i % len(stages)]
            first = requests_so_far() + 1
            what = kill_run(env, stage, est, rng, server.pid)
            runs.append({"day": day.isoformat(), "stage": stage, "what": what,
                         "first": first, "last": requests_so_far(),
                         "journal": journal()})
            if what == "killed":
                kills[stage] += 1
            else:
                missed += 1
        write_routes("routes", "ok.http")
        clean = subprocess.run([os.path.join(ROOT, "cron", "sam-hourly"), "--config",
                                "sam.env", "--force"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    finally:
        server.terminate()
        server.wait()

    out = {"runs": o.runs, "kills": sum(kills.values()), "missed": missed}
    out.update(accounts(runs, clean))
    out["per_stage"] = kills
    with open("runs.json", "w") as f:	# what the figures come from
        json.dump(runs, f)
    print(json.dumps(out))
    if clean.returncode not in (0, 1):
        sys.stderr.write(clean.stderr.decode("utf-8", "replace"))
    bad = out["lost"] or out["unexplained"] or out["unknown"] or out["outbox"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
