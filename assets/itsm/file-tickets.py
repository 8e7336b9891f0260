#!/usr/bin/env python3
"""A casebench ITSM command plugin that keeps tickets as JSON files.

An example bridge for trying the plugin protocol (docs/itsm.md, "Ticket systems (ITSM)"):
each ticket is DIR/T-<n>.json, DIR given as `--dir DIR` (in the target's `args`) or
in $CASEBENCH_TICKETS_DIR. casebench runs this script once per call,
writes one JSON request on its stdin and reads one JSON reply from its stdout.

    [itsm.files]
    kind = "command"
    command = "/path/to/assets/itsm/file-tickets.py"
    args = ["--dir", "/var/lib/casebench-tickets"]
    kinds = ["remediation"]

To work a ticket by hand, edit its file ("state": "done", "outcome": "success") or run

    file-tickets.py --dir DIR --set T-1 done success "the account is there"
    file-tickets.py --dir DIR --set T-2 done failure "no such department"
    file-tickets.py --dir DIR --set T-3 rejected "not ours"

Standard library only. A real bridge (ServiceNow, Remedy, ...) keeps this shape and
replaces the file operations with calls to its system.
"""

import datetime
import json
import os
import re
import sys
import tempfile

VERSION = 1
REF = re.compile(r"^T-[0-9]{1,9}$")


class Refused(Exception):
    """An error reported to casebench as {"error": "..."}."""


def now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


DIR = None  # --dir DIR, else $CASEBENCH_TICKETS_DIR


def tickets_dir():
    path = DIR or os.environ.get("CASEBENCH_TICKETS_DIR")
    if not path:
        raise Refused("give --dir DIR in the target's args, or set CASEBENCH_TICKETS_DIR")
    os.makedirs(path, exist_ok=True)
    return path


def path_of(ref):
    if not isinstance(ref, str) or not REF.match(ref):
        raise Refused("no such ticket: %r" % (ref,))
    return os.path.join(tickets_dir(), ref + ".json")


def load(ref):
    try:
        with open(path_of(ref), encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise Refused("no such ticket: %s" % ref)


def save(ticket):
    """Writes a ticket atomically (a reader never sees half a file)."""
    directory = tickets_dir()
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(ticket, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path_of(ticket["ref"]))


def all_tickets():
    directory = tickets_dir()
    for name in sorted(os.listdir(directory)):
        if name.endswith(".json") and REF.match(name[:-5]):
            yield load(name[:-5])


def create(req):
    directory = tickets_dir()
    n = 1
    while True:
        ref = "T-%d" % n
        try:
            # O_EXCL: two plugins creating at once never get the same number.
            fd = os.open(os.path.join(directory, ref + ".json"), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            os.close(fd)
            break
        except FileExistsError:
            n += 1
    save({
        "ref": ref,
        "case": req["case"],
        "label": req["label"],
        "marker": req["marker"],
        "subject": req["subject"],
        "body": req["body"],
        "state": "open",
        "outcome": None,
        "status": "new",
        "changed": now(),
        "comments": [],
    })
    return {"ref": ref}


def find(req):
    for t in all_tickets():
        if t.get("label") == req["label"] or t.get("case") == req["case"]:
            return {"ref": t["ref"]}
    return {"ref": None}


def status(req):
    t = load(req["ref"])
    reply = {"state": t["state"], "status": t.get("status") or t["state"], "changed": t["changed"]}
    if t["state"] == "done":
        reply["outcome"] = t.get("outcome") or "success"
    if t.get("comments"):
        reply["comment"] = t["comments"][-1]["text"]
    return reply


def comment(req):
    t = load(req["ref"])
    t["comments"].append({"at": now(), "author": "casebench", "text": req["text"]})
    t["changed"] = now()
    save(t)
    return {}


OPS = {"create": create, "find": find, "status": status, "comment": comment}


def serve():
    try:
        req = json.loads(sys.stdin.read())
        if req.get("version") != VERSION:
            raise Refused("protocol version %r is not %d" % (req.get("version"), VERSION))
        op = OPS.get(req.get("op"))
        if op is None:
            raise Refused("unknown op %r" % (req.get("op"),))
        reply = op(req)
    except Refused as e:
        reply = {"error": str(e)}
    except (ValueError, KeyError) as e:
        reply = {"error": "bad request: %s" % (e,)}
    json.dump(reply, sys.stdout)
    sys.stdout.write("\n")


def set_by_hand(args):
    """--set REF open|done|rejected [success|failure] [COMMENT]"""
    ref, state, rest = args[0], args[1], args[2:]
    t = load(ref)
    if state not in ("open", "done", "rejected"):
        raise Refused("a state is open, done or rejected")
    t["state"] = state
    t["status"] = {"open": "open", "done": "resolved", "rejected": "rejected"}[state]
    t["outcome"] = None
    if state == "done":
        if not rest or rest[0] not in ("success", "failure"):
            raise Refused("done needs success or failure")
        t["outcome"], rest = rest[0], rest[1:]
    if rest:
        t["comments"].append({"at": now(), "author": os.environ.get("USER", "admin"), "text": " ".join(rest)})
    t["changed"] = now()
    save(t)


USAGE = "usage: file-tickets.py [--dir DIR] (reads a request on stdin) | [--dir DIR] --set REF STATE [OUTCOME] [COMMENT]"

if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--dir"] and len(args) >= 2:
        DIR, args = args[1], args[2:]
    if args[:1] == ["--set"] and len(args) >= 3:
        try:
            set_by_hand(args[1:])
        except Refused as e:
            sys.exit("file-tickets: %s" % e)
    elif args:
        sys.exit(USAGE)
    else:
        serve()
