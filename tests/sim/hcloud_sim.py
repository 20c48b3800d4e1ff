#!/usr/bin/env python3
"""hcloud_sim: an in-memory, stateful simulator of the Hetzner Cloud API.

It serves the public API under /v1 on 127.0.0.1 so that infrac (and the
official clients, for cross-checking) can be run against something that
behaves like api.hetzner.cloud without touching a real project:

  * server types, locations, datacenters, pricing and images (a fixed catalog),
  * ssh_keys, firewalls, servers, placement groups, snapshots, networks (subnets,
    attach/detach) and DNS zones/rrsets
    (full CRUD with state rules),
  * asynchronous actions that run for a configurable wall-clock duration,
  * pagination, name filters, the label selector grammar, sorting,
  * the error envelope, 401/404/405/409/412/422/423/429 semantics,
  * a token-bucket rate limiter with the RateLimit-* headers,
  * fault injection (error statuses, dropped connections, slow answers,
    failing actions, unavailable server types) through a control API under
    /_sim/ that needs no token.

Standard library only; see docs/simulator.md for the full description.
"""

import argparse
import base64
import binascii
import copy
import gzip
import hashlib
import http.server
import ipaddress
import json
import math
import os
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------

# Default error code and message for each HTTP status a fault can produce.
STATUS_ERRORS = {
    400: ("json_error", "invalid JSON in request body"),
    401: ("unauthorized", "unable to authenticate"),
    403: ("forbidden", "insufficient permissions"),
    404: ("not_found", "not found"),
    405: ("method_not_allowed", "method not allowed"),
    409: ("conflict", "resource has been changed during the request, please retry"),
    410: ("deprecated_api_endpoint", "this functionality was removed"),
    412: ("resource_unavailable", "resource is unavailable"),
    422: ("invalid_input", "invalid input"),
    423: ("locked", "resource is locked by another action"),
    429: ("rate_limit_exceeded", "limit of requests per hour reached"),
    500: ("server_error", "internal server error"),
    502: ("bad_gateway", "bad gateway"),
    503: ("unavailable", "service unavailable"),
    504: ("timeout", "request timeout"),
}


class ApiError(Exception):
    """An error answer in the API's envelope {"error": {code, message, details}}."""

    def __init__(self, status, code, message, details=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        # python3-hcloud 1.18 reads error["details"] with [], so it must always be present.
        self.details = {} if details is None else details

    def body(self):
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


def not_found(what):
    return ApiError(404, "not_found", "%s not found" % what)


def invalid_fields(errors):
    """422 invalid_input from a list of (field, message) pairs."""
    fields = {}
    for name, msg in errors:
        fields.setdefault(name, []).append(msg)
    names = list(fields)
    if len(names) == 1:
        message = "invalid input in field '%s': %s" % (names[0], fields[names[0]][0])
    else:
        message = "invalid input in fields " + ", ".join("'%s'" % n for n in names)
    details = {"fields": [{"name": n, "messages": m} for n, m in fields.items()]}
    return ApiError(422, "invalid_input", message, details)


def uniqueness_error(field, message=None):
    return ApiError(409, "uniqueness_error", message or "%s is already used" % field,
                    {"fields": [{"name": field}]})


def status_error(status, code=None, message=None):
    dcode, dmsg = STATUS_ERRORS.get(status, ("unknown_error", "unknown error"))
    return ApiError(status, code or dcode, message or dmsg)


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------

def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def iso(ts):
    """ISO-8601 with +00:00, the form the API sends in practice."""
    return datetime.fromtimestamp(ts, timezone.utc).replace(microsecond=0).isoformat()


def money(value, places):
    return str(Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


VAT = Decimal("0.19")


def price(net):
    """A {net, gross} pair as the API sends it: 10 decimals net, 16 gross."""
    net = Decimal(net)
    return {"net": money(net, 10), "gross": money(net * (1 + VAT), 16)}


# RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
HOSTNAME_RE = re.compile(r"^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)"
                         r"(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$")
ZONE_NAME_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
RRSET_NAME_RE = re.compile(r"^(@|\*|(\*\.)?[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?"
                           r"(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*)$")
PORT_RE = re.compile(r"^(\d{1,5})(?:-(\d{1,5}))?$")

USER_DATA_MAX = 32 * 1024
REQUEST_LOG_MAX = 20000  # oldest entries of /_sim/requests are dropped beyond this

# --------------------------------------------------------------------------
# Labels and the label selector
# --------------------------------------------------------------------------

_LABEL_NAME = r"[a-zA-Z0-9](?:[-_.a-zA-Z0-9]*[a-zA-Z0-9])?"
_DNS_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
LABEL_KEY_RE = re.compile(r"^(?:(?P<prefix>%s(?:\.%s)*)/)?(?P<name>%s)$" % (_DNS_LABEL, _DNS_LABEL, _LABEL_NAME))
LABEL_VALUE_RE = re.compile(r"^(?:%s)?$" % _LABEL_NAME)


def label_key_error(key):
    m = LABEL_KEY_RE.match(key) if isinstance(key, str) else None
    if not m:
        return "label key '%s' is invalid" % key
    if len(m.group("name")) > 63 or len(m.group("prefix") or "") > 253:
        return "label key '%s' is too long" % key
    if m.group("prefix") == "hetzner.cloud":
        return "label key prefix 'hetzner.cloud/' is reserved"
    return None


def label_errors(labels):
    if not isinstance(labels, dict):
        return ["must be an object of string keys and values"]
    errs = []
    for k, v in labels.items():
        e = label_key_error(k)
        if e:
            errs.append(e)
        if not isinstance(v, str) or len(v) > 63 or not LABEL_VALUE_RE.match(v):
            errs.append("label value '%s' of key '%s' is invalid" % (v, k))
    return errs


class SelectorError(ValueError):
    pass


class LabelSelector:
    """The label selector grammar: k=v, k==v, k!=v, k, !k, k in (..), k notin (..);
    a comma joins requirements with AND.  Like Kubernetes, `k!=v` and `k notin (..)`
    also match resources that do not have the key at all."""

    _SET_RE = re.compile(r"^(\S+)\s+(in|notin)\s*\(([^()]*)\)$")
    _EQ_RE = re.compile(r"^([^=!\s]+)\s*(==|!=|=)\s*([^=!\s]*)$")

    def __init__(self, text):
        self.text = text
        self.reqs = []
        for term in self._split(text):
            term = term.strip()
            if not term:
                raise SelectorError("empty requirement")
            m = self._SET_RE.match(term)
            if m:
                key, op, raw = m.group(1), m.group(2), m.group(3)
                values = [v.strip() for v in raw.split(",")]
                for v in values:
                    if not v or not LABEL_VALUE_RE.match(v):
                        raise SelectorError("invalid value '%s'" % v)
                self._key(key)
                self.reqs.append((op, key, frozenset(values)))
                continue
            if term.startswith("!"):
                key = term[1:].strip()
                self._key(key)
                self.reqs.append(("absent", key, None))
                continue
            m = self._EQ_RE.match(term)
            if m:
                key, op, value = m.group(1), m.group(2), m.group(3)
                self._key(key)
                if not LABEL_VALUE_RE.match(value):
                    raise SelectorError("invalid value '%s'" % value)
                self.reqs.append(("!=" if op == "!=" else "=", key, value))
                continue
            self._key(term)
            self.reqs.append(("present", term, None))

    @staticmethod
    def _split(text):
        """Split on commas that are not inside parentheses."""
        parts, depth, cur = [], 0, []
        for ch in text:
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth < 0:
                    raise SelectorError("unbalanced parentheses")
            if ch == "," and depth == 0:
                parts.append("".join(cur))
                cur = []
            else:
                cur.append(ch)
        if depth != 0:
            raise SelectorError("unbalanced parentheses")
        parts.append("".join(cur))
        return parts

    @staticmethod
    def _key(key):
        if label_key_error(key):
            raise SelectorError("invalid key '%s'" % key)

    def matches(self, labels):
        for op, key, arg in self.reqs:
            has = key in labels
            val = labels.get(key)
            if op == "=" and not (has and val == arg):
                return False
            if op == "!=" and has and val == arg:
                return False
            if op == "present" and not has:
                return False
            if op == "absent" and has:
                return False
            if op == "in" and not (has and val in arg):
                return False
            if op == "notin" and has and val in arg:
                return False
        return True


# --------------------------------------------------------------------------
# Static catalog: locations, datacenters, server types, images
# --------------------------------------------------------------------------

LOCATIONS = [
    {"id": 1, "name": "fsn1", "description": "Falkenstein DC Park 1", "country": "DE",
     "city": "Falkenstein", "latitude": 50.47612, "longitude": 12.370071, "network_zone": "eu-central"},
    {"id": 2, "name": "nbg1", "description": "Nuremberg DC Park 1", "country": "DE",
     "city": "Nuremberg", "latitude": 49.452102, "longitude": 11.076665, "network_zone": "eu-central"},
    {"id": 3, "name": "hel1", "description": "Helsinki DC Park 1", "country": "FI",
     "city": "Helsinki", "latitude": 60.169855, "longitude": 24.938379, "network_zone": "eu-central"},
]
LOCATION_BY_ID = {loc["id"]: loc for loc in LOCATIONS}

# (id, name, description, location id); one datacenter per location.
DATACENTERS = [
    (4, "fsn1-dc14", "Falkenstein 1 virtual DC 14", 1),
    (2, "nbg1-dc3", "Nuremberg 1 virtual DC 3", 2),
    (3, "hel1-dc2", "Helsinki 1 virtual DC 2", 3),
]
DATACENTER_BY_LOCATION = {dc[3]: dc for dc in DATACENTERS}

# The whole line-up: (id, name, cores, memory GB, disk GB, EUR/month net,
# architecture, cpu_type, category, locations where it is sold).  The prices are
# fixtures, dated in docs/simulator.md (CPX: the seed's table of 2026-02-05; the
# others in the shape of Hetzner's lists, not a quotation); never today's prices.
# infrac must read them from the API, never hard-code them.
EU = ("fsn1", "nbg1", "hel1")
SERVER_TYPES = [
    (104, "cpx22", 2, 4, 80, "5.99", "x86", "shared", "regular_purpose", EU),
    (105, "cpx32", 4, 8, 160, "10.49", "x86", "shared", "regular_purpose", EU),
    (106, "cpx42", 8, 16, 320, "19.49", "x86", "shared", "regular_purpose", EU),
    (107, "cpx52", 12, 24, 480, "27.99", "x86", "shared", "regular_purpose", EU),
    (108, "cpx62", 16, 32, 640, "38.49", "x86", "shared", "regular_purpose", EU),
    (109, "cx23", 2, 4, 40, "2.99", "x86", "shared", "cost_optimized", EU),
    (110, "cx33", 4, 8, 80, "4.99", "x86", "shared", "cost_optimized", EU),
    (111, "cx43", 8, 16, 160, "8.99", "x86", "shared", "cost_optimized", EU),
    (112, "cx53", 16, 32, 320, "16.99", "x86", "shared", "cost_optimized", EU),
    (113, "cax11", 2, 4, 40, "3.79", "arm", "shared", "cost_optimized", EU),
    (114, "cax21", 4, 8, 80, "6.49", "arm", "shared", "cost_optimized", EU),
    (115, "cax31", 8, 16, 160, "12.49", "arm", "shared", "cost_optimized", EU),
    (116, "cax41", 16, 32, 320, "24.49", "arm", "shared", "cost_optimized", EU),
    (117, "ccx13", 2, 8, 80, "12.49", "x86", "dedicated", "general_purpose", EU),
    (118, "ccx23", 4, 16, 160, "24.49", "x86", "dedicated", "general_purpose", EU),
    (119, "ccx33", 8, 32, 240, "48.49", "x86", "dedicated", "general_purpose", EU),
    (120, "ccx43", 16, 64, 360, "96.49", "x86", "dedicated", "general_purpose", EU),
    (121, "ccx53", 32, 128, 600, "192.49", "x86", "dedicated", "general_purpose", ("fsn1", "nbg1")),
    (122, "ccx63", 48, 192, 960, "288.49", "x86", "dedicated", "general_purpose", ("fsn1", "nbg1")),
]
SERVER_TYPE_BY_ID = {t[0]: t for t in SERVER_TYPES}
INCLUDED_TRAFFIC = 21990232555520  # 20 TiB, EU locations

# System images.  A system image name exists once per architecture: "ubuntu-24.04"
# has an x86 and an arm image, so GET /images?name=ubuntu-24.04 returns two.
IMAGES = [
    # id, name, description, os_flavor, os_version, architecture, created, deprecated
    (15512617, "ubuntu-20.04", "Ubuntu 20.04", "ubuntu", "20.04", "x86",
     "2020-04-23T00:00:00+00:00", "2025-05-01T00:00:00+00:00"),
    (67794396, "ubuntu-22.04", "Ubuntu 22.04", "ubuntu", "22.04", "x86", "2022-04-21T00:00:00+00:00", None),
    (114690387, "debian-12", "Debian 12", "debian", "12", "x86", "2023-06-13T00:00:00+00:00", None),
    (161547269, "ubuntu-24.04", "Ubuntu 24.04", "ubuntu", "24.04", "x86", "2024-04-25T00:00:00+00:00", None),
    (161547290, "ubuntu-24.04", "Ubuntu 24.04", "ubuntu", "24.04", "arm", "2024-04-25T00:00:00+00:00", None),
]
IMAGE_BY_ID = {i[0]: i for i in IMAGES}

NAMESERVERS = ["hydrogen.ns.hetzner.com.", "oxygen.ns.hetzner.com.", "helium.ns.hetzner.de."]
RRSET_TYPES = ("A", "AAAA", "CAA", "CNAME", "DS", "HINFO", "HTTPS", "MX", "NS", "PTR", "RP",
               "SOA", "SRV", "SVCB", "TLSA", "TXT")
TTL_MAX = 2 ** 31 - 1
SSH_KEY_TYPES = ("ssh-rsa", "ssh-dss", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
                 "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com")

# First id of each resource kind.  The ranges never overlap, so passing the id of
# one kind where another is expected gives a 404 instead of silently working.
ID_START = {"server": 100001, "ssh_key": 200001, "firewall": 300001, "zone": 400001,
            "primary_ip": 500001, "image": 600001, "placement_group": 700001, "network": 800001,
            "action": 1000001}

# A spread placement group puts each of its servers on another host, at most this many.
SPREAD_MAX_SERVERS = 10

# --------------------------------------------------------------------------
# Request body access with field-error collection
# --------------------------------------------------------------------------

_MISSING = object()


class Body:
    """Typed reads from a JSON request body.  Every problem is collected and
    check() raises a single 422 invalid_input listing all bad fields."""

    def __init__(self, data):
        self.data = data
        self.errors = []

    def error(self, field, msg):
        self.errors.append((field, msg))

    def check(self):
        if self.errors:
            raise invalid_fields(self.errors)

    def _get(self, key, required):
        v = self.data.get(key, _MISSING)
        if v is _MISSING or v is None:
            if required:
                self.error(key, "is required")
            return _MISSING
        return v

    def str(self, key, required=False, default=None, max_len=None):
        v = self._get(key, required)
        if v is _MISSING:
            return default
        if not isinstance(v, str):
            self.error(key, "must be a string")
            return default
        if required and not v:
            self.error(key, "must not be empty")
        if max_len is not None and len(v) > max_len:
            self.error(key, "is too long")
        return v

    def bool(self, key, required=False, default=None):
        v = self._get(key, required)
        if v is _MISSING:
            return default
        if not isinstance(v, bool):
            self.error(key, "must be a boolean")
            return default
        return v

    def int(self, key, required=False, default=None, lo=None, hi=None):
        v = self._get(key, required)
        if v is _MISSING:
            return default
        if not is_int(v):
            self.error(key, "must be an integer")
            return default
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            self.error(key, "must be between %s and %s" % (lo, hi))
        return v

    def ref(self, key, required=False):
        """An ID (JSON int or numeric string) or a name."""
        v = self._get(key, required)
        if v is _MISSING:
            return None
        if not (is_int(v) or (isinstance(v, str) and v)):
            self.error(key, "must be an ID or a name")
            return None
        return v

    def list(self, key, required=False, default=None):
        v = self._get(key, required)
        if v is _MISSING:
            return default
        if not isinstance(v, list):
            self.error(key, "must be an array")
            return default
        return v

    def labels(self, key="labels", default=None):
        v = self._get(key, False)
        if v is _MISSING:
            return default
        errs = label_errors(v)
        for e in errs:
            self.error(key, e)
        return default if errs else dict(v)


# --------------------------------------------------------------------------
# Actions
# --------------------------------------------------------------------------

class Action:
    """An asynchronous action.  It runs for `duration` seconds of simulator
    clock from `start`, its creation, which the API reports as `started`.
    An action created as a `next_action` (`after`) runs from the same
    moment, as the API shows it (running, started with its predecessor),
    but it takes effect only after its predecessor: it finishes no earlier
    than the predecessor and fails when the predecessor fails."""

    def __init__(self, aid, command, op, resources, now, duration, after=None):
        self.id = aid
        self.command = command
        self.op = op  # endpoint name, e.g. "change_type" for change_server_type
        self.resources = resources
        self.created = now
        self.start = now
        self.duration = duration
        self.after = after
        self.status = "running"
        self.finish = None
        self.error = None
        self.fail = None  # {"code","message"} when a fault makes it end in error
        self.on_success = None
        self.on_error = None

    def touches(self, rtype, rid):
        return any(r["type"] == rtype and r["id"] == rid for r in self.resources)

    def progress(self, now):
        if self.status != "running":
            return 100
        if self.start is None or self.duration <= 0:
            return 0
        return max(0, min(99, int(100 * (now - self.start) / self.duration)))


# --------------------------------------------------------------------------
# The simulator
# --------------------------------------------------------------------------

class Route:
    def __init__(self, method, pattern, handler, **kwargs):
        self.method = method
        self.pattern = pattern
        # {action_id} only matches digits, so POST /servers/1/actions/<unknown> is a
        # 404 rather than a 405 against the GET route.
        regex = pattern.replace("{action_id}", r"(?P<action_id>\d+)")
        self.regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex) + "$")
        self.handler = handler
        self.kwargs = kwargs


class Request:
    def __init__(self, method, path, query, raw_body, base_url):
        self.method = method
        self.path = path
        self.query = query  # dict name -> list of values
        self.raw_body = raw_body
        self.base_url = base_url
        self.params = {}
        self.link = None
        self._json = _MISSING

    def q(self, name, default=None):
        vals = self.query.get(name)
        return vals[0] if vals else default

    def qall(self, name):
        return self.query.get(name, [])

    def json(self):
        """The body as a JSON object; an empty body is {} (the CLI sends none for poweroff)."""
        if self._json is _MISSING:
            text = self.raw_body.strip()
            if not text:
                self._json = {}
            else:
                try:
                    self._json = json.loads(text.decode("utf-8"))
                except (ValueError, UnicodeDecodeError) as e:
                    raise ApiError(400, "json_error", "invalid JSON in request body: %s" % e)
                if not isinstance(self._json, dict):
                    raise ApiError(400, "json_error", "request body must be a JSON object")
        return self._json

    def body(self):
        return Body(self.json())


class Response:
    def __init__(self, status=200, body=None, headers=None, drop=False):
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.drop = drop


FAULT_KINDS = ("status", "drop", "slow", "action_error", "type_unavailable", "type_deprecated", "kill")


class Simulator:
    def __init__(self, config, faults=()):
        self.lock = threading.RLock()
        self.startup_config = dict(config)
        self.startup_faults = list(faults)
        self.mono0 = time.monotonic()
        self.wall0 = time.time()
        self.routes = self._build_routes()
        self.reset()

    # ---------------------------------------------------------------- state

    def reset(self):
        """Back to the state right after start-up (config and faults included)."""
        with self.lock:
            self.config = copy.deepcopy(self.startup_config)
            self.offset = 0.0
            self.next_ids = dict(ID_START)
            self.servers = {}
            self.ssh_keys = {}
            self.firewalls = {}
            self.zones = {}
            self.placement_groups = {}
            self.networks = {}
            self.images = {}  # snapshots; the system images are IMAGES
            self.actions = {}
            self.faults = []
            self.fault_seq = 0
            self.unavailable = set()  # (server type id, location id)
            self.deprecated = {}  # server type id -> {"announced", "unavailable_after"}
            self.request_count = 0
            self.request_log = []
            self._reset_bucket()
            for f in self.startup_faults:
                self.add_fault(f)

    def clock(self):
        """Simulator time: monotonic seconds plus what /_sim/advance added."""
        return time.monotonic() + self.offset

    def wall(self, t):
        return self.wall0 + (t - self.mono0)

    def now_iso(self):
        return iso(self.wall(self.clock()))

    def new_id(self, kind):
        i = self.next_ids[kind]
        self.next_ids[kind] = i + 1
        return i

    # ---------------------------------------------------------------- rate limit

    def _reset_bucket(self):
        self.bucket = float(self.config["rate_burst"] or self.config["rate_limit"])
        self.bucket_at = self.clock()

    def _rate_take(self):
        """Token bucket: `rate_limit` per hour refill, `rate_burst` capacity."""
        limit = self.config["rate_limit"]
        cap = self.config["rate_burst"] or limit
        rate = limit / 3600.0
        now = self.clock()
        self.bucket = min(float(cap), self.bucket + (now - self.bucket_at) * rate)
        self.bucket_at = now
        allowed = self.bucket >= 1.0
        if allowed:
            self.bucket -= 1.0
        reset = self.wall(now) + (cap - self.bucket) / rate
        headers = {"RateLimit-Limit": str(limit),
                   "RateLimit-Remaining": str(int(self.bucket)),
                   "RateLimit-Reset": str(int(math.ceil(reset)))}
        return allowed, headers

    # ---------------------------------------------------------------- faults

    def add_fault(self, spec):
        if not isinstance(spec, dict) or spec.get("kind") not in FAULT_KINDS:
            raise ApiError(422, "invalid_input", "fault kind must be one of %s" % ", ".join(FAULT_KINDS))
        kind = spec["kind"]
        if kind in ("type_unavailable", "type_deprecated"):
            st = self._server_type_or_none(spec.get("server_type"))
            if st is None:
                raise ApiError(422, "invalid_input", "unknown server_type %r" % spec.get("server_type"))
            if kind == "type_deprecated":
                self.deprecated[st[0]] = {
                    "announced": spec.get("announced", self.now_iso()),
                    "unavailable_after": spec.get("unavailable_after", iso(self.wall(self.clock()) + 90 * 86400)),
                }
                return {"kind": kind, "server_type": st[1]}
            locs = LOCATIONS
            if spec.get("location") is not None:
                loc = self._location_or_none(spec["location"])
                if loc is None:
                    raise ApiError(422, "invalid_input", "unknown location %r" % spec["location"])
                locs = [loc]
            for loc in locs:
                self.unavailable.add((st[0], loc["id"]))
            return {"kind": kind, "server_type": st[1], "locations": [loc["name"] for loc in locs]}
        fault = dict(spec)
        self.fault_seq += 1
        fault["id"] = self.fault_seq
        fault.setdefault("count", 1)
        if not is_int(fault["count"]):
            raise ApiError(422, "invalid_input", "count must be an integer (-1 = unlimited)")
        if fault.get("at_request") is not None and not is_int(fault["at_request"]):
            raise ApiError(422, "invalid_input", "at_request must be an integer")
        if fault.get("when", "before") not in ("before", "after"):
            raise ApiError(422, "invalid_input", "when must be 'before' or 'after'")
        if kind == "status":
            if not is_int(fault.get("status")) or not 400 <= fault["status"] <= 599:
                raise ApiError(422, "invalid_input", "status must be an HTTP error status (400-599)")
        if kind == "kill":
            if not is_int(fault.get("pid")) or fault["pid"] <= 1 or not is_int(fault.get("at_request")):
                raise ApiError(422, "invalid_input", "kill needs a pid (> 1) and at_request")
        if kind == "slow":
            if not isinstance(fault.get("seconds", 1), (int, float)):
                raise ApiError(422, "invalid_input", "seconds must be a number")
            fault.setdefault("seconds", 1)
        if fault.get("path"):
            try:
                re.compile(fault["path"])
            except re.error as e:
                raise ApiError(422, "invalid_input", "path is not a valid regular expression: %s" % e)
        self.faults.append(fault)
        return fault

    def clear_faults(self):
        self.faults = []
        self.unavailable = set()
        self.deprecated = {}

    def _consume(self, fault):
        if fault.get("at_request") is not None or fault["count"] == 1:
            self.faults.remove(fault)
        elif fault["count"] > 1:
            fault["count"] -= 1
        # count <= 0 (e.g. -1): unlimited

    def _take_request_faults(self, n, method, path):
        """The first matching `slow` fault and the first matching status/drop fault."""
        slow = other = None
        for f in list(self.faults):
            if f["kind"] not in ("status", "drop", "slow"):
                continue
            if f.get("at_request") is not None and f["at_request"] != n:
                continue
            if f.get("method") and f["method"].upper() != method:
                continue
            if f.get("path") and not re.search(f["path"], path):
                continue
            if f["kind"] == "slow" and slow is None:
                slow = dict(f)
                self._consume(f)
            elif f["kind"] != "slow" and other is None:
                other = dict(f)
                self._consume(f)
        return slow, other

    def _take_action_fault(self, action):
        for f in list(self.faults):
            if f["kind"] != "action_error":
                continue
            if f.get("command") not in (None, action.command, action.op):
                continue
            self._consume(f)
            return {"code": f.get("code", "action_failed"), "message": f.get("message", "Action failed")}
        return None

    def _fault_response(self, fault, rate_headers):
        if fault["kind"] == "drop":
            return Response(drop=True)
        err = status_error(fault["status"], fault.get("code"), fault.get("message"))
        headers = dict(rate_headers)
        if err.status == 429:
            headers["RateLimit-Remaining"] = "0"
        return Response(err.status, err.body(), headers)

    # ---------------------------------------------------------------- actions

    def new_action(self, command, op, resources, after=None):
        seconds = self.config["command_seconds"].get(command,
                                                     self.config["command_seconds"].get(op, self.config["action_seconds"]))
        a = Action(self.new_id("action"), command, op, resources, self.clock(), float(seconds), after)
        a.fail = self._take_action_fault(a)
        self.actions[a.id] = a
        return a

    def advance(self):
        """Finish every action whose time is up.  Called before each request, so
        state moves by wall clock even though nothing runs in the background."""
        now = self.clock()
        for a in sorted((a for a in self.actions.values() if a.status == "running"), key=lambda a: a.id):
            end = a.start + a.duration
            if a.after is not None:
                prev = self.actions.get(a.after)
                if prev is not None and prev.status == "running":
                    continue
                if prev is not None and prev.status == "error":
                    self._finish(a, prev.finish, {"code": "action_failed", "message": "preceding action failed"})
                    continue
                if prev is not None:
                    end = max(end, prev.finish)
            if now >= end:
                self._finish(a, end, a.fail)

    def _finish(self, a, when, error):
        a.finish = when
        if error:
            a.status = "error"
            a.error = dict(error)
            if a.on_error:
                a.on_error()
        else:
            a.status = "success"
            if a.on_success:
                a.on_success()

    def running_on(self, rtype, rid):
        return [a for a in self.actions.values() if a.status == "running" and a.touches(rtype, rid)]

    def check_unlocked(self, rtype, rid):
        if self.running_on(rtype, rid):
            raise ApiError(423, "locked", "%s %d is locked by another action" % (rtype, rid))

    def render_action(self, a):
        now = self.clock()
        return {"id": a.id, "command": a.command, "status": a.status, "progress": a.progress(now),
                "started": iso(self.wall(a.created)),
                "finished": iso(self.wall(a.finish)) if a.finish is not None else None,
                "resources": [dict(r) for r in a.resources], "error": a.error}

    # ---------------------------------------------------------------- lists

    def paginate(self, req, key, items, render):
        page = self._int_param(req, "page", 1)
        per_page = min(self._int_param(req, "per_page", 25), 50)
        total = len(items)
        last = max(1, -(-total // per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        pagination = {"page": page, "per_page": per_page,
                      "previous_page": page - 1 if page > 1 else None,
                      "next_page": page + 1 if page < last else None,
                      "last_page": last, "total_entries": total}
        # Link header, like the real API (clients page by meta.pagination, though).
        keep = [(k, v) for k, vs in req.query.items() if k not in ("page", "per_page") for v in vs]
        links = []
        for rel, p in (("prev", pagination["previous_page"]), ("next", pagination["next_page"]), ("last", last)):
            if p is not None:
                qs = urllib.parse.urlencode(keep + [("page", p), ("per_page", per_page)])
                links.append('<%s%s?%s>; rel="%s"' % (req.base_url, req.path, qs, rel))
        req.link = ", ".join(links)
        return {key: [render(x) for x in chunk], "meta": {"pagination": pagination}}

    @staticmethod
    def _int_param(req, name, default):
        raw = req.q(name)
        if raw is None or raw == "":
            return default
        try:
            v = int(raw)
        except ValueError:
            v = 0
        if v < 1:
            raise invalid_fields([(name, "must be a positive integer")])
        return v

    @staticmethod
    def sort(req, items, fields):
        """sort=field[:asc|:desc], repeatable; unknown fields are ignored."""
        items = sorted(items, key=lambda x: x["id"])
        for spec in reversed(req.qall("sort")):
            name, _, order = spec.partition(":")
            if name in fields:
                items.sort(key=fields[name], reverse=(order == "desc"))
        return items

    @staticmethod
    def selector(req):
        text = req.q("label_selector")
        if not text:
            return None
        try:
            return LabelSelector(text)
        except SelectorError as e:
            raise invalid_fields([("label_selector", "invalid label selector: %s" % e)])

    def filter_common(self, req, items):
        """Exact name= and label_selector= filters."""
        name = req.q("name")
        if name is not None:
            items = [x for x in items if x["name"] == name]
        sel = self.selector(req)
        if sel is not None:
            items = [x for x in items if sel.matches(x["labels"])]
        return items

    @staticmethod
    def path_id(req, key="id"):
        raw = req.params[key]
        try:
            v = int(raw)
        except ValueError:
            return None
        return v if v > 0 else None

    # ---------------------------------------------------------------- catalog lookups

    @staticmethod
    def _lookup(items, ref, id_of, name_of):
        """Resolve an ID (int or numeric string) or a name."""
        if is_int(ref) or (isinstance(ref, str) and ref.isdigit()):
            for x in items:
                if id_of(x) == int(ref):
                    return x
        if isinstance(ref, str):
            for x in items:
                if name_of(x) == ref:
                    return x
        return None

    def _server_type_or_none(self, ref):
        return self._lookup(SERVER_TYPES, ref, lambda t: t[0], lambda t: t[1])

    def _location_or_none(self, ref):
        return self._lookup(LOCATIONS, ref, lambda x: x["id"], lambda x: x["name"])

    def _image_or_none(self, ref, architecture=None):
        """A system image by id or name, or an available snapshot by id, as an IMAGES row."""
        snap = self.images.get(int(ref)) if (is_int(ref) or str(ref).isdigit()) else None
        if snap is not None:
            return self.snapshot_row(snap) if snap["status"] == "available" else None
        cands = [i for i in IMAGES if architecture is None or i[5] == architecture]
        img = self._lookup(cands, ref, lambda i: i[0], lambda i: i[1])
        if img is None and architecture is not None and (is_int(ref) or str(ref).isdigit()):
            return self._lookup(IMAGES, ref, lambda i: i[0], lambda i: i[1])  # id of another arch
        return img

    def type_available(self, type_id, loc_id):
        sold = LOCATION_BY_ID[loc_id]["name"] in SERVER_TYPE_BY_ID[type_id][9]
        return sold and (type_id, loc_id) not in self.unavailable

    def type_gone(self, type_id):
        """Deprecated and past unavailable_after: no longer listed or orderable."""
        dep = self.deprecated.get(type_id)
        if not dep:
            return False
        try:
            after = datetime.fromisoformat(dep["unavailable_after"].replace("Z", "+00:00")).timestamp()
        except ValueError:
            return False
        return self.wall(self.clock()) >= after

    # ---------------------------------------------------------------- renderers

    def render_location(self, loc):
        return dict(loc)

    def render_datacenter(self, dc):
        dc_id, name, desc, loc_id = dc
        ids = [t[0] for t in SERVER_TYPES if LOCATION_BY_ID[loc_id]["name"] in t[9]]
        avail = [i for i in ids if self.type_available(i, loc_id) and not self.type_gone(i)]
        return {"id": dc_id, "name": name, "description": desc, "location": dict(LOCATION_BY_ID[loc_id]),
                "server_types": {"supported": ids, "available": avail, "available_for_migration": avail}}

    @staticmethod
    def type_prices(t):
        monthly = Decimal(t[5])
        hourly = (monthly / 730).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        return [{"location": loc["name"], "price_hourly": price(hourly), "price_monthly": price(monthly),
                 "included_traffic": INCLUDED_TRAFFIC, "price_per_tb_traffic": price("1")}
                for loc in LOCATIONS if loc["name"] in t[9]]

    def render_server_type(self, t):
        dep = self.deprecated.get(t[0])
        return {
            "id": t[0], "name": t[1], "description": t[1].upper(), "cores": t[2], "memory": t[3], "disk": t[4],
            "deprecated": dep is not None, "deprecation": dict(dep) if dep else None,
            "prices": self.type_prices(t), "storage_type": "local", "cpu_type": t[7],
            "category": t[8], "architecture": t[6],
            "included_traffic": INCLUDED_TRAFFIC,
            "locations": [{"id": loc["id"], "name": loc["name"], "deprecation": dict(dep) if dep else None,
                           "available": self.type_available(t[0], loc["id"]),
                           "recommended": self.type_available(t[0], loc["id"]) and dep is None}
                          for loc in LOCATIONS if loc["name"] in t[9]],
        }

    @staticmethod
    def render_image(i):
        iid, name, desc, flavor, version, arch, created, deprecated = i
        return {"id": iid, "type": "system", "status": "available", "name": name, "description": desc,
                "image_size": None, "disk_size": 5, "created": created, "created_from": None,
                "bound_to": None, "os_flavor": flavor, "os_version": version, "rapid_deploy": True,
                "protection": {"delete": False}, "deprecated": deprecated, "deleted": None,
                "labels": {}, "architecture": arch}

    @staticmethod
    def snapshot_row(snap):
        """A snapshot in the shape of an IMAGES row: what a server created from it records."""
        return (snap["id"], None, snap["description"], snap["os_flavor"], snap["os_version"], "x86",
                snap["created_iso"], None)

    def render_snapshot(self, snap):
        return {"id": snap["id"], "type": "snapshot", "status": snap["status"], "name": None,
                "description": snap["description"],
                "image_size": snap["image_size"] if snap["status"] == "available" else None,
                "disk_size": snap["disk_size"], "created": snap["created_iso"],
                "created_from": dict(snap["created_from"]), "bound_to": None, "os_flavor": snap["os_flavor"],
                "os_version": snap["os_version"], "rapid_deploy": False, "protection": dict(snap["protection"]),
                "deprecated": None, "deleted": None, "labels": dict(snap["labels"]), "architecture": "x86"}

    def render_image_id(self, iid):
        """The image a server was made from: a system image, a snapshot, or None once it is gone."""
        if iid in IMAGE_BY_ID:
            return self.render_image(IMAGE_BY_ID[iid])
        if iid in self.images:
            return self.render_snapshot(self.images[iid])
        return None

    def server_firewalls(self, s):
        out = []
        for fw in sorted(self.firewalls.values(), key=lambda f: f["id"]):
            direct = any(e["type"] == "server" and e["server"] == s["id"] for e in fw["applied_to"])
            if direct:
                pending = any(a.command == "apply_firewall" and a.touches("firewall", fw["id"])
                              for a in self.running_on("server", s["id"]))
                out.append({"id": fw["id"], "status": "pending" if pending else "applied"})
            elif any(e["type"] == "label_selector" and LabelSelector(e["selector"]).matches(s["labels"])
                     for e in fw["applied_to"]):
                out.append({"id": fw["id"], "status": "applied"})
        return out

    def render_server(self, s):
        t = SERVER_TYPE_BY_ID[s["server_type"]]
        dc = DATACENTER_BY_LOCATION[s["location"]]
        return {
            "id": s["id"], "name": s["name"], "status": s["status"], "created": iso(self.wall(s["created"])),
            "public_net": {"ipv4": dict(s["ipv4"]) if s["ipv4"] else None,
                           "ipv6": copy.deepcopy(s["ipv6"]) if s["ipv6"] else None,
                           "floating_ips": [], "firewalls": self.server_firewalls(s)},
            "private_net": self.server_private_net(s),
            "server_type": self.render_server_type(t),
            "datacenter": self.render_datacenter(dc),
            "location": dict(LOCATION_BY_ID[s["location"]]),
            "image": self.render_image_id(s["image"]),
            "iso": None, "rescue_enabled": False, "locked": bool(self.running_on("server", s["id"])),
            "backup_window": None, "outgoing_traffic": 0, "ingoing_traffic": 0,
            "included_traffic": INCLUDED_TRAFFIC,
            "protection": dict(s["protection"]), "labels": dict(s["labels"]),
            "volumes": [], "load_balancers": [], "primary_disk_size": s["primary_disk_size"],
            "placement_group": self.render_placement_group(self.placement_groups[s["placement_group"]])
            if s["placement_group"] in self.placement_groups else None,
        }

    @staticmethod
    def render_ssh_key(k):
        return {"id": k["id"], "name": k["name"], "fingerprint": k["fingerprint"], "public_key": k["public_key"],
                "labels": dict(k["labels"]), "created": k["created_iso"]}

    def render_firewall(self, fw):
        applied = []
        for e in fw["applied_to"]:
            if e["type"] == "server":
                applied.append({"type": "server", "server": {"id": e["server"]}})
            else:
                sel = LabelSelector(e["selector"])
                res = [{"type": "server", "server": {"id": s["id"]}}
                       for s in sorted(self.servers.values(), key=lambda s: s["id"]) if sel.matches(s["labels"])]
                applied.append({"type": "label_selector", "label_selector": {"selector": e["selector"]},
                                "applied_to_resources": res})
        return {"id": fw["id"], "name": fw["name"], "labels": dict(fw["labels"]), "created": fw["created_iso"],
                "rules": copy.deepcopy(fw["rules"]), "applied_to": applied}

    def render_zone(self, z):
        return {"id": z["id"], "name": z["name"], "created": z["created_iso"], "mode": z["mode"], "ttl": z["ttl"],
                "labels": dict(z["labels"]), "protection": dict(z["protection"]),
                "status": "updating" if self.running_on("zone", z["id"]) else "ok",
                "record_count": sum(len(r["records"]) for r in z["rrsets"].values()),
                "primary_nameservers": copy.deepcopy(z["primary_nameservers"]),
                "authoritative_nameservers": {"assigned": list(NAMESERVERS), "delegated": [],
                                              "delegation_last_check": None, "delegation_status": "unknown"},
                "registrar": "unknown"}

    @staticmethod
    def render_rrset(z, r):
        return {"id": "%s/%s" % (r["name"], r["type"]), "name": r["name"], "type": r["type"], "ttl": r["ttl"],
                "labels": dict(r["labels"]), "protection": dict(r["protection"]),
                "records": copy.deepcopy(r["records"]), "zone": z["id"]}

    # ---------------------------------------------------------------- catalog endpoints

    def list_server_types(self, req):
        items = [t for t in SERVER_TYPES if not self.type_gone(t[0])]
        name = req.q("name")
        if name is not None:
            items = [t for t in items if t[1] == name]
        items = self.sort(req, [{"id": t[0], "name": t[1], "t": t} for t in items],
                          {"id": lambda x: x["id"], "name": lambda x: x["name"]})
        return 200, self.paginate(req, "server_types", items, lambda x: self.render_server_type(x["t"]))

    def get_server_type(self, req):
        t = SERVER_TYPE_BY_ID.get(self.path_id(req))
        if t is None:
            raise not_found("server type")
        return 200, {"server_type": self.render_server_type(t)}

    def list_locations(self, req):
        items = self.sort(req, [loc for loc in LOCATIONS if req.q("name") in (None, loc["name"])],
                          {"id": lambda x: x["id"], "name": lambda x: x["name"]})
        return 200, self.paginate(req, "locations", items, self.render_location)

    def get_location(self, req):
        loc = LOCATION_BY_ID.get(self.path_id(req))
        if loc is None:
            raise not_found("location")
        return 200, {"location": self.render_location(loc)}

    def list_datacenters(self, req):
        items = [{"id": dc[0], "name": dc[1], "dc": dc} for dc in DATACENTERS if req.q("name") in (None, dc[1])]
        items = self.sort(req, items, {"id": lambda x: x["id"], "name": lambda x: x["name"]})
        body = self.paginate(req, "datacenters", items, lambda x: self.render_datacenter(x["dc"]))
        body["recommendation"] = 4
        return 200, body

    def get_datacenter(self, req):
        for dc in DATACENTERS:
            if dc[0] == self.path_id(req):
                return 200, {"datacenter": self.render_datacenter(dc)}
        raise not_found("datacenter")

    def get_pricing(self, req):
        return 200, {"pricing": {
            "currency": "EUR", "vat_rate": "19.00",
            "image": {"price_per_gb_month": price("0.0143")},
            "volume": {"price_per_gb_month": price("0.0440")},
            "server_backup": {"percentage": "20.00"},
            "floating_ip": {"price_monthly": price("3.00")},
            "floating_ips": [{"type": ty, "prices": [{"location": loc["name"], "price_monthly": price(p)}
                                                     for loc in LOCATIONS]}
                             for ty, p in (("ipv4", "3.00"), ("ipv6", "3.50"))],
            "primary_ips": [{"type": ty, "prices": [{"location": loc["name"], "price_hourly": price(h),
                                                     "price_monthly": price(m)} for loc in LOCATIONS]}
                            for ty, h, m in (("ipv4", "0.0008", "0.50"), ("ipv6", "0", "0"))],
            "server_types": [{"id": t[0], "name": t[1], "prices": self.type_prices(t)}
                             for t in SERVER_TYPES if not self.type_gone(t[0])],
            "load_balancer_types": [],
        }}

    def list_images(self, req):
        items = [{"id": i[0], "name": i[1], "labels": {}, "created": i[6], "type": "system",
                  "status": "available", "architecture": i[5], "deprecated": i[7], "bound_to": None,
                  "render": lambda i=i: self.render_image(i)} for i in IMAGES]
        items += [{"id": g["id"], "name": None, "labels": g["labels"], "created": g["created_iso"],
                   "type": "snapshot", "status": g["status"], "architecture": "x86", "deprecated": None,
                   "bound_to": None, "render": lambda g=g: self.render_snapshot(g)}
                  for g in self.images.values()]
        for key in ("type", "status", "bound_to"):
            wanted = req.qall(key)
            if wanted:
                items = [i for i in items if str(i[key]) in wanted]
        if req.q("architecture"):
            items = [i for i in items if i["architecture"] == req.q("architecture")]
        if req.q("include_deprecated", "false").lower() != "true":
            items = [i for i in items if i["deprecated"] is None]
        items = self.sort(req, self.filter_common(req, items), {
            "id": lambda x: x["id"], "name": lambda x: x["name"] or "", "created": lambda x: x["created"]})
        return 200, self.paginate(req, "images", items, lambda x: x["render"]())

    def _snapshot(self, req, doing):
        """The snapshot of the path; a system image gives 422 unsupported_error, as only snapshot
        and backup images can be changed or deleted."""
        iid = self.path_id(req)
        if iid in IMAGE_BY_ID:
            raise ApiError(422, "unsupported_error", "system image %d cannot be %s" % (iid, doing))
        snap = self.images.get(iid)
        if snap is None:
            raise not_found("image")
        return snap

    def get_image(self, req):
        iid = self.path_id(req)
        if iid in IMAGE_BY_ID:
            return 200, {"image": self.render_image(IMAGE_BY_ID[iid])}
        if iid in self.images:
            return 200, {"image": self.render_snapshot(self.images[iid])}
        raise not_found("image")

    def update_image(self, req):
        snap = self._snapshot(req, "updated")
        b = req.body()
        desc = b.str("description")
        itype = b.str("type")
        if itype is not None and itype != "snapshot":
            b.error("type", "must be 'snapshot'")
        labels = b.labels()
        b.check()
        if desc is not None:
            snap["description"] = desc
        if labels is not None:
            snap["labels"] = labels
        return 200, {"image": self.render_snapshot(snap)}

    def delete_image(self, req):
        snap = self._snapshot(req, "deleted")
        if snap["protection"]["delete"]:
            raise ApiError(423, "protected", "image %d is delete protected" % snap["id"])
        self.check_unlocked("image", snap["id"])
        del self.images[snap["id"]]
        return 204, None

    def image_change_protection(self, req):
        snap = self._snapshot(req, "protected")
        b = req.body()
        delete = b.bool("delete")
        b.check()
        if delete is not None:
            snap["protection"]["delete"] = delete
        a = self.new_action("change_protection", "change_protection", [{"id": snap["id"], "type": "image"}])
        return 201, {"action": self.render_action(a)}

    # ---------------------------------------------------------------- actions endpoints

    def _actions_by_ids(self, req, rtype=None):
        raw = req.qall("id")
        if not raw:
            raise invalid_fields([("id", "is required")])
        try:
            ids = [int(x) for x in raw]
        except ValueError:
            raise invalid_fields([("id", "must be a list of integers")])
        items = [self.actions[i] for i in ids if i in self.actions]
        if rtype:
            items = [a for a in items if any(r["type"] == rtype for r in a.resources)]
        return items

    def _action_list(self, req, items):
        statuses = req.qall("status")
        if statuses:
            items = [a for a in items if a.status in statuses]
        rows = self.sort(req, [{"id": a.id, "a": a} for a in items], {
            "id": lambda x: x["id"], "command": lambda x: x["a"].command, "status": lambda x: x["a"].status,
            "started": lambda x: x["a"].created, "finished": lambda x: x["a"].finish or 0})
        return 200, self.paginate(req, "actions", rows, lambda x: self.render_action(x["a"]))

    def list_actions(self, req, rtype=None):
        return self._action_list(req, self._actions_by_ids(req, rtype))

    def get_action(self, req, rtype=None):
        a = self.actions.get(self.path_id(req))
        if a is None or (rtype and not any(r["type"] == rtype for r in a.resources)):
            raise not_found("action")
        return 200, {"action": self.render_action(a)}

    def _owner(self, req, rtype):
        return {"server": self._server, "firewall": self._firewall, "zone": self._zone,
                "network": self._network,
                "image": lambda r: self._snapshot(r, "read")}[rtype](req)

    def list_resource_actions(self, req, rtype):
        owner = self._owner(req, rtype)
        return self._action_list(req, [a for a in self.actions.values() if a.touches(rtype, owner["id"])])

    def get_resource_action(self, req, rtype):
        owner = self._owner(req, rtype)
        a = self.actions.get(self.path_id(req, "action_id"))
        if a is None or not a.touches(rtype, owner["id"]):
            raise not_found("action")
        return 200, {"action": self.render_action(a)}

    # ---------------------------------------------------------------- ssh keys

    @staticmethod
    def fingerprint(public_key):
        """MD5 colon-hex fingerprint of the key blob; None if the key is not valid."""
        parts = public_key.strip().split()
        if len(parts) < 2 or parts[0] not in SSH_KEY_TYPES:
            return None
        try:
            blob = base64.b64decode(parts[1], validate=True)
        except (binascii.Error, ValueError):
            return None
        n = int.from_bytes(blob[:4], "big") if len(blob) >= 4 else -1
        if blob[4:4 + n].decode("ascii", "replace") != parts[0]:
            return None
        digest = hashlib.md5(blob).hexdigest()
        return ":".join(digest[i:i + 2] for i in range(0, 32, 2))

    def _ssh_key(self, req):
        k = self.ssh_keys.get(self.path_id(req))
        if k is None:
            raise not_found("SSH key")
        return k

    def list_ssh_keys(self, req):
        items = self.filter_common(req, list(self.ssh_keys.values()))
        if req.q("fingerprint") is not None:
            items = [k for k in items if k["fingerprint"] == req.q("fingerprint")]
        items = self.sort(req, items, {"id": lambda x: x["id"], "name": lambda x: x["name"]})
        return 200, self.paginate(req, "ssh_keys", items, self.render_ssh_key)

    def get_ssh_key(self, req):
        return 200, {"ssh_key": self.render_ssh_key(self._ssh_key(req))}

    def new_ssh_key(self, data):
        b = Body(data)
        name = b.str("name", required=True)
        public_key = b.str("public_key", required=True)
        labels = b.labels(default={})
        fp = self.fingerprint(public_key) if public_key else None
        if public_key and fp is None:
            b.error("public_key", "invalid public key")
        b.check()
        if any(k["name"] == name for k in self.ssh_keys.values()):
            raise uniqueness_error("name")
        if any(k["fingerprint"] == fp for k in self.ssh_keys.values()):
            raise uniqueness_error("public_key", "SSH key with the same fingerprint already exists")
        k = {"id": self.new_id("ssh_key"), "name": name, "public_key": public_key.strip(), "fingerprint": fp,
             "labels": labels, "created": self.clock(), "created_iso": self.now_iso()}
        self.ssh_keys[k["id"]] = k
        return k

    def create_ssh_key(self, req):
        return 201, {"ssh_key": self.render_ssh_key(self.new_ssh_key(req.json()))}

    @staticmethod
    def update_name_labels(req, obj, peers, max_len=None):
        """PUT {name, labels} of a resource whose names are unique among peers; the labels are replaced."""
        b = req.body()
        name = b.str("name", max_len=max_len)
        labels = b.labels()
        b.check()
        if name is not None and name != obj["name"]:
            if not name:
                raise invalid_fields([("name", "must not be empty")])
            if any(o["name"] == name for o in peers):
                raise uniqueness_error("name")
            obj["name"] = name
        if labels is not None:
            obj["labels"] = labels
        return obj

    def update_ssh_key(self, req):
        k = self.update_name_labels(req, self._ssh_key(req), self.ssh_keys.values())
        return 200, {"ssh_key": self.render_ssh_key(k)}

    def delete_ssh_key(self, req):
        del self.ssh_keys[self._ssh_key(req)["id"]]
        return 204, None

    # ---------------------------------------------------------------- servers

    def _server(self, req):
        s = self.servers.get(self.path_id(req))
        if s is None:
            raise not_found("server")
        return s

    def list_servers(self, req):
        items = self.filter_common(req, list(self.servers.values()))
        statuses = req.qall("status")
        if statuses:
            items = [s for s in items if s["status"] in statuses]
        items = self.sort(req, items, {"id": lambda x: x["id"], "name": lambda x: x["name"],
                                       "created": lambda x: x["created"]})
        return 200, self.paginate(req, "servers", items, self.render_server)

    def get_server(self, req):
        return 200, {"server": self.render_server(self._server(req))}

    def _root_password(self, sid):
        return base64.b32encode(hashlib.sha256(b"root:%d" % sid).digest()).decode()[:20]

    def validate_server(self, data):
        """Validate a create_server body; returns the resolved fields."""
        b = Body(data)
        name = b.str("name", required=True)
        if name and not HOSTNAME_RE.match(name):
            b.error("name", "must be a valid hostname (RFC 1123)")
        type_ref = b.ref("server_type", required=True)
        image_ref = b.ref("image", required=True)
        loc_ref = b.ref("location")
        dc_ref = b.ref("datacenter")
        start = b.bool("start_after_create", default=True)
        user_data = b.str("user_data")
        if user_data is not None and len(user_data.encode("utf-8")) > USER_DATA_MAX:
            b.error("user_data", "is too long (maximum is 32 KiB)")
        labels = b.labels(default={})
        key_refs = b.list("ssh_keys", default=[])
        fw_refs = b.list("firewalls", default=[])
        for field in ("networks", "volumes"):
            if b.list(field, default=[]):
                b.error(field, "%s not found" % field[:-1])
        pg_ref = data.get("placement_group")
        pg = None
        if pg_ref is not None:
            pg = self.placement_groups.get(int(pg_ref)) if (is_int(pg_ref) or str(pg_ref).isdigit()) else None
            if pg is None:
                b.error("placement_group", "placement group not found")
        b.bool("automount")
        public_net = data.get("public_net") or {}
        if not isinstance(public_net, dict):
            b.error("public_net", "must be an object")
            public_net = {}
        pn = Body(public_net)
        enable4 = pn.bool("enable_ipv4", default=True)
        enable6 = pn.bool("enable_ipv6", default=True)
        for field in ("ipv4", "ipv6"):
            if public_net.get(field) is not None:
                b.error("public_net." + field, "primary IP not found")
        b.errors.extend(("public_net." + f, m) for f, m in pn.errors)

        st = self._server_type_or_none(type_ref) if type_ref is not None else None
        if type_ref is not None and st is None:
            b.error("server_type", "server type not found")
        loc = None
        if loc_ref is not None and dc_ref is not None:
            b.error("location", "must not be used together with datacenter")
        elif loc_ref is not None:
            loc = self._location_or_none(loc_ref)
            if loc is None:
                b.error("location", "location not found")
        elif dc_ref is not None:
            dc = self._lookup(DATACENTERS, dc_ref, lambda d: d[0], lambda d: d[1])
            if dc is None:
                b.error("datacenter", "datacenter not found")
            else:
                loc = LOCATION_BY_ID[dc[3]]
        img = None
        if image_ref is not None:
            img = self._image_or_none(image_ref, st[6] if st else None)
            if img is None:
                b.error("image", "image not found")
            elif st is not None and img[5] != st[6]:
                b.error("image", "image architecture %s does not match server type architecture %s"
                        % (img[5], st[6]))
        keys = []
        for ref in key_refs:
            k = self._lookup(list(self.ssh_keys.values()), ref, lambda k: k["id"], lambda k: k["name"]) \
                if (is_int(ref) or isinstance(ref, str)) else None
            if k is None:
                b.error("ssh_keys", "SSH key %s not found" % (ref,))
            else:
                keys.append(k["id"])
        fws = []
        for ref in fw_refs:
            fid = ref.get("firewall") if isinstance(ref, dict) else None
            if not is_int(fid) or fid not in self.firewalls:
                b.error("firewalls", "firewall %s not found" % (fid,))
            else:
                fws.append(fid)
        b.check()

        if any(s["name"] == name for s in self.servers.values()):
            raise uniqueness_error("name")
        if self.type_gone(st[0]):
            raise ApiError(412, "resource_unavailable", "server type %s is no longer available" % st[1])
        if loc is None:  # the API picks a location where the type is available
            loc = next((lc for lc in LOCATIONS if self.type_available(st[0], lc["id"])), None)
        if loc is None or not self.type_available(st[0], loc["id"]):
            raise ApiError(412, "resource_unavailable", "server type %s is unavailable in location %s"
                           % (st[1], loc["name"] if loc else "any"))
        limit = self.config.get("server_limit")
        if limit is not None and len(self.servers) >= limit:
            raise ApiError(403, "resource_limit_exceeded", "server limit of %d reached" % limit,
                           {"limits": [{"name": "server_limit"}]})
        if pg is not None and len(self.pg_servers(pg)) >= SPREAD_MAX_SERVERS:
            raise ApiError(422, "placement_error", "placement group %d already holds %d servers"
                           % (pg["id"], SPREAD_MAX_SERVERS))
        return {"name": name, "type": st, "image": img, "location": loc, "start": start, "labels": labels,
                "ssh_keys": keys, "firewalls": fws, "user_data": user_data, "ipv4": enable4, "ipv6": enable6,
                "placement_group": pg["id"] if pg else None}

    def insert_server(self, v, status):
        sid = self.new_id("server")
        ip = self.config["server_ips"].get(v["name"], self.config["server_ip"])
        ipv4 = None
        if v["ipv4"]:
            rev = ".".join(reversed(ip.split("."))) if "." in ip else ip
            ipv4 = {"id": self.new_id("primary_ip"), "ip": ip, "blocked": False,
                    "dns_ptr": "static.%s.clients.your-server.de" % rev}
        ipv6 = None
        if v["ipv6"]:
            ipv6 = {"id": self.new_id("primary_ip"),
                    "ip": "2001:db8:%x:%x::/64" % ((sid >> 16) & 0xFFFF, sid & 0xFFFF),
                    "blocked": False, "dns_ptr": []}
        s = {"id": sid, "name": v["name"], "status": status, "created": self.clock(),
             "server_type": v["type"][0], "location": v["location"]["id"], "image": v["image"][0],
             "labels": v["labels"], "protection": {"delete": False, "rebuild": False},
             "primary_disk_size": v["type"][4], "ipv4": ipv4, "ipv6": ipv6, "ssh_keys": v["ssh_keys"],
             "user_data": v["user_data"], "placement_group": v["placement_group"]}
        self.servers[sid] = s
        for fid in v["firewalls"]:
            self.firewalls[fid]["applied_to"].append({"type": "server", "server": sid})
        return s

    def create_server(self, req):
        v = self.validate_server(req.json())
        s = self.insert_server(v, "initializing")
        sid = s["id"]
        res = [{"id": sid, "type": "server"}]
        create = self.new_action("create_server", "create", res)
        start = self.new_action("start_server", "poweron", res, after=create.id) if v["start"] else None

        def created():
            if sid in self.servers:
                self.servers[sid]["status"] = "starting" if start else "off"

        def create_failed():
            if sid in self.servers:
                self.servers[sid]["status"] = "off"

        def started():
            if sid in self.servers:
                self.servers[sid]["status"] = "running"

        create.on_success, create.on_error = created, create_failed
        if start:
            start.on_success, start.on_error = started, create_failed
        return 201, {"server": self.render_server(s), "action": self.render_action(create),
                     "next_actions": [self.render_action(start)] if start else [],
                     "root_password": None if v["ssh_keys"] else self._root_password(sid)}

    def update_server(self, req):
        s = self._server(req)
        b = req.body()
        name = b.str("name")
        if name is not None and not HOSTNAME_RE.match(name):
            b.error("name", "must be a valid hostname (RFC 1123)")
        labels = b.labels()
        b.check()
        if name is not None and name != s["name"]:
            if any(o["name"] == name for o in self.servers.values()):
                raise uniqueness_error("name")
            s["name"] = name
        if labels is not None:
            s["labels"] = labels  # PUT replaces the whole label set
        return 200, {"server": self.render_server(s)}

    def delete_server(self, req):
        s = self._server(req)
        if s["protection"]["delete"]:
            raise ApiError(423, "protected", "server %d is delete protected" % s["id"])
        self.check_unlocked("server", s["id"])
        # The server disappears at once; attached firewalls are detached.
        del self.servers[s["id"]]
        for fw in self.firewalls.values():
            fw["applied_to"] = [e for e in fw["applied_to"] if not (e["type"] == "server" and e["server"] == s["id"])]
        for net in self.networks.values():
            net["servers"].pop(s["id"], None)
        a = self.new_action("delete_server", "delete", [{"id": s["id"], "type": "server"}])
        return 200, {"action": self.render_action(a)}

    def _power_action(self, req, command, op, during, after):
        """An action that moves the server to `during` now and to `after` when it
        succeeds; on error the server goes back to its previous status."""
        s = self._server(req)
        req.json()  # a body, if any, must at least be valid JSON
        self.check_unlocked("server", s["id"])
        return 201, {"action": self.render_action(self._start_server_action(s, command, op, during, after))}

    def _start_server_action(self, s, command, op, during, after, on_success=None):
        sid, before = s["id"], s["status"]
        if during:
            s["status"] = during
        a = self.new_action(command, op, [{"id": sid, "type": "server"}])

        def ok():
            if sid in self.servers:
                if on_success:
                    on_success(self.servers[sid])
                if after:
                    self.servers[sid]["status"] = after

        def failed():
            if sid in self.servers:
                self.servers[sid]["status"] = before

        a.on_success, a.on_error = ok, failed
        return a

    def server_poweron(self, req):
        return self._power_action(req, "start_server", "poweron", "starting", "running")

    def server_poweroff(self, req):
        return self._power_action(req, "stop_server", "poweroff", "stopping", "off")

    def server_shutdown(self, req):
        # The real action only means "ACPI signal sent"; here the guest always obeys.
        return self._power_action(req, "shutdown_server", "shutdown", "stopping", "off")

    def server_reboot(self, req):
        return self._power_action(req, "reboot_server", "reboot", None, "running")

    def server_reset(self, req):
        return self._power_action(req, "reset_server", "reset", None, "running")

    def server_change_type(self, req):
        s = self._server(req)
        b = req.body()
        ref = b.ref("server_type", required=True)
        upgrade = b.bool("upgrade_disk", required=True)
        b.check()
        self.check_unlocked("server", s["id"])
        if s["status"] != "off":
            raise ApiError(422, "server_not_stopped", "server %d must be stopped to change its type" % s["id"])
        st = self._server_type_or_none(ref)
        if st is None:
            raise ApiError(422, "invalid_server_type", "server type %s not found" % (ref,))
        if st[0] in self.deprecated:
            raise ApiError(422, "invalid_server_type", "server type %s is deprecated" % st[1])
        if not self.type_available(st[0], s["location"]):
            raise ApiError(422, "invalid_server_type", "server type %s is unavailable in location %s"
                           % (st[1], LOCATION_BY_ID[s["location"]]["name"]))
        if st[6] != SERVER_TYPE_BY_ID[s["server_type"]][6]:
            raise ApiError(422, "invalid_server_type", "server type %s has another architecture (%s)"
                           % (st[1], st[6]))
        if st[4] < s["primary_disk_size"]:
            raise ApiError(422, "invalid_server_type", "server type %s has a smaller disk (%d GB) than the "
                           "server (%d GB)" % (st[1], st[4], s["primary_disk_size"]))

        def changed(srv):
            srv["server_type"] = st[0]
            if upgrade:
                srv["primary_disk_size"] = st[4]

        # Like the real API the server stays off afterwards; a client powers it on.
        a = self._start_server_action(s, "change_server_type", "change_type", "migrating", "off", changed)
        return 201, {"action": self.render_action(a)}

    def server_rebuild(self, req):
        s = self._server(req)
        b = req.body()
        ref = b.ref("image", required=True)
        user_data = b.str("user_data")
        if user_data is not None and len(user_data.encode("utf-8")) > USER_DATA_MAX:
            b.error("user_data", "is too long (maximum is 32 KiB)")
        arch = SERVER_TYPE_BY_ID[s["server_type"]][6]
        img = self._image_or_none(ref, arch) if ref is not None else None
        if ref is not None and (img is None or img[5] != arch):
            b.error("image", "image not found")
        b.check()
        if s["protection"]["rebuild"]:
            raise ApiError(423, "protected", "server %d is rebuild protected" % s["id"])
        self.check_unlocked("server", s["id"])

        def rebuilt(srv):
            srv["image"] = img[0]
            if user_data is not None:
                srv["user_data"] = user_data

        a = self._start_server_action(s, "rebuild_server", "rebuild", "rebuilding", "running", rebuilt)
        return 201, {"action": self.render_action(a),
                     "root_password": None if s["ssh_keys"] else self._root_password(s["id"])}

    def server_change_protection(self, req):
        s = self._server(req)
        b = req.body()
        delete = b.bool("delete")
        rebuild = b.bool("rebuild")
        b.check()
        if delete is not None and rebuild is not None and delete != rebuild:
            raise invalid_fields([("rebuild", "delete and rebuild must have the same value")])
        self.check_unlocked("server", s["id"])
        if delete is not None:
            s["protection"]["delete"] = delete
        if rebuild is not None:
            s["protection"]["rebuild"] = rebuild
        a = self.new_action("change_protection", "change_protection", [{"id": s["id"], "type": "server"}])
        return 201, {"action": self.render_action(a)}

    def server_create_image(self, req):
        s = self._server(req)
        b = req.body()
        desc = b.str("description")
        itype = b.str("type", default="snapshot")
        if itype not in (None, "snapshot", "backup"):
            b.error("type", "must be 'snapshot' or 'backup'")
        elif itype == "backup":
            b.error("type", "backup images need backups enabled, which the simulator does not model")
        labels = b.labels(default={})
        b.check()
        self.check_unlocked("server", s["id"])
        base = IMAGE_BY_ID.get(s["image"])
        if base is None and s["image"] in self.images:
            base = self.snapshot_row(self.images[s["image"]])
        iid = self.new_id("image")
        snap = {"id": iid, "status": "creating", "labels": labels,
                "description": desc if desc is not None else "%s-%s" % (s["name"], self.now_iso()),
                "disk_size": s["primary_disk_size"], "image_size": round(s["primary_disk_size"] / 20.0, 2),
                "created_from": {"id": s["id"], "name": s["name"]},
                "os_flavor": base[3] if base else "unknown", "os_version": base[4] if base else None,
                "protection": {"delete": False}, "created": self.clock(), "created_iso": self.now_iso()}
        self.images[iid] = snap
        a = self.new_action("create_image", "create_image",
                            [{"id": s["id"], "type": "server"}, {"id": iid, "type": "image"}])

        def done():
            if iid in self.images:
                self.images[iid]["status"] = "available"

        def failed():
            self.images.pop(iid, None)

        a.on_success, a.on_error = done, failed
        return 201, {"image": self.render_snapshot(snap), "action": self.render_action(a)}

    # ---------------------------------------------------------------- firewalls

    def _firewall(self, req):
        fw = self.firewalls.get(self.path_id(req))
        if fw is None:
            raise not_found("firewall")
        return fw

    @staticmethod
    def validate_rules(b, rules):
        out = []
        if len(rules) > 50:
            b.error("rules", "at most 50 rules are allowed")
        for n, r in enumerate(rules):
            field = "rules[%d]" % n
            if not isinstance(r, dict):
                b.error(field, "must be an object")
                continue
            direction, proto, port = r.get("direction"), r.get("protocol"), r.get("port")
            if direction not in ("in", "out"):
                b.error(field + ".direction", "must be 'in' or 'out'")
            if proto not in ("tcp", "udp", "icmp", "esp", "gre"):
                b.error(field + ".protocol", "must be one of tcp, udp, icmp, esp, gre")
            if proto in ("tcp", "udp"):
                m = PORT_RE.match(port) if isinstance(port, str) else None
                lo, hi = (int(m.group(1)), int(m.group(2) or m.group(1))) if m else (0, 0)
                if not m or not (1 <= lo <= hi <= 65535):
                    b.error(field + ".port", "must be a port (\"80\") or a range (\"1024-5000\") within 1-65535")
            elif port is not None:
                b.error(field + ".port", "is only allowed for protocols tcp and udp")
            ips = {}
            for key, wanted in (("source_ips", "in"), ("destination_ips", "out")):
                vals = r.get(key) or []
                if not isinstance(vals, list):
                    b.error(field + "." + key, "must be an array")
                    vals = []
                if vals and direction in ("in", "out") and direction != wanted:
                    b.error(field + "." + key, "is only allowed for direction '%s'" % wanted)
                if len(vals) > 100:
                    b.error(field + "." + key, "at most 100 CIDRs are allowed")
                canon = []
                for ip in vals:
                    try:
                        if not isinstance(ip, str) or "/" not in ip:
                            raise ValueError
                        # Host bits must be zero; IPv6 comes back in RFC 5952 form.
                        canon.append(str(ipaddress.ip_network(ip, strict=True)))
                    except ValueError:
                        b.error(field + "." + key, "'%s' is not a valid CIDR" % (ip,))
                ips[key] = canon
            if direction in ("in", "out") and not ips.get("source_ips" if direction == "in" else "destination_ips"):
                b.error(field + (".source_ips" if direction == "in" else ".destination_ips"), "must not be empty")
            desc = r.get("description")
            if desc is not None and (not isinstance(desc, str) or len(desc) > 255):
                b.error(field + ".description", "must be a string of at most 255 characters")
            out.append({"description": desc, "direction": direction, "source_ips": ips.get("source_ips", []),
                        "destination_ips": ips.get("destination_ips", []), "protocol": proto,
                        "port": port if proto in ("tcp", "udp") else None})
        return out

    def _resource_refs(self, b, field, entries, code_status):
        """Parse apply_to / remove_from entries; unknown servers are
        firewall_resource_not_found (422 at create, 404 for the actions)."""
        out = []
        for n, e in enumerate(entries):
            f = "%s[%d]" % (field, n)
            if not isinstance(e, dict) or e.get("type") not in ("server", "label_selector"):
                b.error(f + ".type", "must be 'server' or 'label_selector'")
                continue
            if e["type"] == "server":
                sid = (e.get("server") or {}).get("id") if isinstance(e.get("server"), dict) else None
                if not is_int(sid):
                    b.error(f + ".server.id", "is required")
                    continue
                out.append({"type": "server", "server": sid})
            else:
                sel = (e.get("label_selector") or {}).get("selector") if isinstance(e.get("label_selector"), dict) \
                    else None
                try:
                    LabelSelector(sel if isinstance(sel, str) else "")
                    if not sel:
                        raise SelectorError("is required")
                except SelectorError as err:
                    b.error(f + ".label_selector.selector", str(err))
                    continue
                out.append({"type": "label_selector", "selector": sel})
        b.check()
        for e in out:
            if e["type"] == "server" and e["server"] not in self.servers:
                raise ApiError(code_status, "firewall_resource_not_found", "server %d not found" % e["server"])
        return out

    def _apply_actions(self, fw, entries):
        acts = []
        for e in entries:
            res = [{"id": fw["id"], "type": "firewall"}]
            if e["type"] == "server":
                res = [{"id": e["server"], "type": "server"}] + res
            acts.append(self.new_action("apply_firewall", "apply_to_resources", res))
        return acts

    @staticmethod
    def _same_entry(a, b):
        return a["type"] == b["type"] and a.get("server") == b.get("server") and a.get("selector") == b.get("selector")

    def new_firewall(self, data, with_actions=True):
        b = Body(data)
        name = b.str("name", required=True, max_len=128)
        labels = b.labels(default={})
        rules = self.validate_rules(b, b.list("rules", default=[]))
        apply_to = b.list("apply_to", default=[])
        b.check()
        entries = self._resource_refs(b, "apply_to", apply_to, 422)
        seen = []
        for e in entries:
            if any(self._same_entry(e, o) for o in seen):
                raise ApiError(422, "server_already_added", "resource was given more than once in apply_to")
            seen.append(e)
        if any(f["name"] == name for f in self.firewalls.values()):
            raise uniqueness_error("name")
        fw = {"id": self.new_id("firewall"), "name": name, "labels": labels, "rules": rules,
              "applied_to": entries, "created": self.clock(), "created_iso": self.now_iso()}
        self.firewalls[fw["id"]] = fw
        acts = []
        if with_actions:
            if rules:
                acts.append(self.new_action("set_firewall_rules", "set_rules", [{"id": fw["id"], "type": "firewall"}]))
            acts += self._apply_actions(fw, entries)
        return fw, acts

    def list_firewalls(self, req):
        items = self.sort(req, self.filter_common(req, list(self.firewalls.values())),
                          {"id": lambda x: x["id"], "name": lambda x: x["name"], "created": lambda x: x["created"]})
        return 200, self.paginate(req, "firewalls", items, self.render_firewall)

    def get_firewall(self, req):
        return 200, {"firewall": self.render_firewall(self._firewall(req))}

    def create_firewall(self, req):
        fw, acts = self.new_firewall(req.json())
        return 201, {"firewall": self.render_firewall(fw), "actions": [self.render_action(a) for a in acts]}

    def update_firewall(self, req):
        fw = self.update_name_labels(req, self._firewall(req), self.firewalls.values(), 128)
        return 200, {"firewall": self.render_firewall(fw)}

    def delete_firewall(self, req):
        fw = self._firewall(req)
        if fw["applied_to"]:
            raise ApiError(422, "resource_in_use", "firewall %d is still applied to resources" % fw["id"])
        del self.firewalls[fw["id"]]
        return 204, None

    def firewall_set_rules(self, req):
        fw = self._firewall(req)
        b = req.body()
        rules = b.list("rules", required=True)
        rules = self.validate_rules(b, rules or [])
        b.check()
        fw["rules"] = rules
        res = [{"id": fw["id"], "type": "firewall"}]
        acts = [self.new_action("set_firewall_rules", "set_rules", res)]
        return 201, {"actions": [self.render_action(a) for a in acts]}

    def firewall_apply(self, req):
        fw = self._firewall(req)
        b = req.body()
        entries = self._resource_refs(b, "apply_to", b.list("apply_to", required=True) or [], 404)
        for e in entries:
            if any(self._same_entry(e, o) for o in fw["applied_to"]):
                raise ApiError(422, "firewall_already_applied", "firewall is already applied to this resource")
        fw["applied_to"].extend(entries)
        return 201, {"actions": [self.render_action(a) for a in self._apply_actions(fw, entries)]}

    def firewall_remove(self, req):
        fw = self._firewall(req)
        b = req.body()
        entries = self._resource_refs(b, "remove_from", b.list("remove_from", required=True) or [], 404)
        acts = []
        for e in entries:
            if not any(self._same_entry(e, o) for o in fw["applied_to"]):
                if e["type"] == "server" and any(
                        o["type"] == "label_selector" and LabelSelector(o["selector"]).matches(
                            self.servers[e["server"]]["labels"]) for o in fw["applied_to"]):
                    raise ApiError(422, "firewall_managed_by_label_selector",
                                   "firewall is applied via a label selector and cannot be removed manually")
                continue
            fw["applied_to"] = [o for o in fw["applied_to"] if not self._same_entry(e, o)]
            res = [{"id": fw["id"], "type": "firewall"}]
            if e["type"] == "server":
                res = [{"id": e["server"], "type": "server"}] + res
            acts.append(self.new_action("remove_firewall", "remove_from_resources", res))
        return 201, {"actions": [self.render_action(a) for a in acts]}

    # ---------------------------------------------------------------- networks

    def _network(self, req):
        net = self.networks.get(self.path_id(req))
        if net is None:
            raise not_found("network")
        return net

    @staticmethod
    def _mac(sid, nid):
        return "86:00:00:%02x:%02x:%02x" % ((sid >> 8) & 0xFF, sid & 0xFF, nid & 0xFF)

    def render_network(self, net):
        subnets = [{"type": sn["type"], "ip_range": sn["ip_range"], "network_zone": sn["network_zone"],
                    "gateway": net["gateway"], "vswitch_id": None} for sn in net["subnets"]]
        return {"id": net["id"], "name": net["name"], "ip_range": net["ip_range"], "subnets": subnets,
                "routes": [], "servers": sorted(net["servers"]), "load_balancers": [],
                "protection": dict(net["protection"]), "labels": dict(net["labels"]),
                "created": net["created_iso"], "expose_routes_to_vswitch": False}

    def server_private_net(self, s):
        return [{"network": net["id"], "ip": net["servers"][s["id"]], "alias_ips": [],
                 "mac_address": self._mac(s["id"], net["id"])}
                for net in sorted(self.networks.values(), key=lambda n: n["id"]) if s["id"] in net["servers"]]

    @staticmethod
    def _private_range(text):
        """The network of an ip_range: RFC 1918, at least a /24; None if not."""
        try:
            r = ipaddress.ip_network(text, strict=True)
        except (ValueError, TypeError):
            return None
        if r.version != 4 or r.prefixlen > 24 or not any(
                r.subnet_of(ipaddress.ip_network(p)) for p in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")):
            return None
        return r

    def _subnet_errors(self, net_range, subnets, sn):
        """Field errors of one subnet {type, network_zone, ip_range} of a network."""
        errs = []
        if sn.get("type") not in ("cloud", "server", "vswitch"):
            errs.append(("type", "must be one of cloud, server, vswitch"))
        if sn.get("network_zone") not in {loc["network_zone"] for loc in LOCATIONS}:
            errs.append(("network_zone", "unknown network zone"))
        try:
            r = ipaddress.ip_network(sn.get("ip_range"), strict=True)
        except (ValueError, TypeError):
            return errs + [("ip_range", "must be a network in CIDR notation")]
        if r.version != 4 or not r.subnet_of(net_range):
            errs.append(("ip_range", "must lie inside the network's ip_range"))
        elif any(r.overlaps(ipaddress.ip_network(o["ip_range"])) for o in subnets):
            errs.append(("ip_range", "overlaps another subnet of the network"))
        return errs

    def _next_subnet(self, net):
        taken = [ipaddress.ip_network(s["ip_range"]) for s in net["subnets"]]
        for cand in ipaddress.ip_network(net["ip_range"]).subnets(new_prefix=24):
            if not any(cand.overlaps(t) for t in taken):
                return str(cand)
        raise ApiError(422, "no_subnet_available", "no free /24 left in the network's ip_range")

    def new_network(self, data):
        b = Body(data)
        name = b.str("name", required=True, max_len=128)
        ip_range = b.str("ip_range", required=True)
        subnets = b.list("subnets", default=[])
        labels = b.labels(default={})
        b.check()
        net_range = self._private_range(ip_range)
        if net_range is None:
            raise invalid_fields([("ip_range", "must be a private (RFC 1918) IPv4 network of /24 or larger")])
        errs, kept = [], []
        for sn in subnets or []:
            sn = sn if isinstance(sn, dict) else {}
            e = self._subnet_errors(net_range, kept, sn)
            errs += e
            if not e:
                kept.append({"type": sn["type"], "ip_range": sn["ip_range"], "network_zone": sn["network_zone"]})
        if errs:
            raise invalid_fields(errs)
        if any(n["name"] == name for n in self.networks.values()):
            raise uniqueness_error("name")
        net = {"id": self.new_id("network"), "name": name, "ip_range": str(net_range), "subnets": kept,
               "gateway": str(net_range.network_address + 1), "servers": {}, "labels": labels,
               "protection": {"delete": False}, "created": self.clock(), "created_iso": self.now_iso()}
        self.networks[net["id"]] = net
        return net

    def list_networks(self, req):
        items = self.sort(req, self.filter_common(req, list(self.networks.values())),
                          {"id": lambda x: x["id"], "name": lambda x: x["name"], "created": lambda x: x["created"]})
        return 200, self.paginate(req, "networks", items, self.render_network)

    def get_network(self, req):
        return 200, {"network": self.render_network(self._network(req))}

    def create_network(self, req):
        return 201, {"network": self.render_network(self.new_network(req.json()))}

    def update_network(self, req):
        net = self.update_name_labels(req, self._network(req), self.networks.values(), 128)
        return 200, {"network": self.render_network(net)}

    def delete_network(self, req):
        net = self._network(req)
        if net["protection"]["delete"]:
            raise ApiError(423, "protected", "network %d is delete protected" % net["id"])
        self.check_unlocked("network", net["id"])
        # attached servers are detached with it
        del self.networks[net["id"]]
        return 204, None

    def _network_action(self, net, command, op):
        return self.new_action(command, op, [{"id": net["id"], "type": "network"}])

    def network_add_subnet(self, req):
        net = self._network(req)
        b = req.body()
        sn = {"type": b.str("type", required=True), "network_zone": b.str("network_zone", required=True),
              "ip_range": b.str("ip_range")}
        b.check()
        if sn["ip_range"] is None:
            sn["ip_range"] = self._next_subnet(net)
        errs = self._subnet_errors(ipaddress.ip_network(net["ip_range"]), net["subnets"], sn)
        if errs:
            raise invalid_fields(errs)
        self.check_unlocked("network", net["id"])
        net["subnets"].append(sn)
        return 201, {"action": self.render_action(self._network_action(net, "add_subnet", "add_subnet"))}

    def network_delete_subnet(self, req):
        net = self._network(req)
        b = req.body()
        ip_range = b.str("ip_range", required=True)
        b.check()
        sn = next((s for s in net["subnets"] if s["ip_range"] == ip_range), None)
        if sn is None:
            raise invalid_fields([("ip_range", "no subnet with this ip_range")])
        r = ipaddress.ip_network(ip_range)
        if any(ipaddress.ip_address(ip) in r for ip in net["servers"].values()):
            raise ApiError(422, "resource_in_use", "servers are attached to this subnet")
        net["subnets"].remove(sn)
        return 201, {"action": self.render_action(self._network_action(net, "delete_subnet", "delete_subnet"))}

    def network_change_protection(self, req):
        net = self._network(req)
        b = req.body()
        delete = b.bool("delete")
        b.check()
        if delete is not None:
            net["protection"]["delete"] = delete
        a = self._network_action(net, "change_protection", "change_protection")
        return 201, {"action": self.render_action(a)}

    def _attach_ip(self, net, s, want):
        """The address a server gets in net: want, or the first free one of a
        subnet in its network zone.  Raises the API's errors."""
        zone = LOCATION_BY_ID[s["location"]]["network_zone"]
        ranges = [ipaddress.ip_network(sn["ip_range"]) for sn in net["subnets"]
                  if sn["network_zone"] == zone and sn["type"] in ("cloud", "server")]
        if not ranges:
            raise ApiError(422, "no_subnet_available", "no subnet of the network in network zone %s" % zone)
        taken = set(net["servers"].values()) | {net["gateway"]}
        if want is not None:
            try:
                ip = ipaddress.ip_address(want)
            except ValueError:
                raise invalid_fields([("ip", "must be an IPv4 address")])
            r = next((r for r in ranges if ip in r), None)
            if r is None or ip in (r.network_address, r.broadcast_address) or str(ip) in taken:
                raise ApiError(422, "ip_not_available", "IP %s is not available in the network" % want)
            return str(ip)
        for r in ranges:
            for ip in r.hosts():
                if str(ip) not in taken:
                    return str(ip)
        raise ApiError(422, "no_subnet_available", "no free address left in the network's subnets")

    def server_attach_to_network(self, req):
        s = self._server(req)
        b = req.body()
        nid = b.int("network", required=True)
        want = b.str("ip")
        b.check()
        net = self.networks.get(nid)
        if net is None:
            raise not_found("network")
        if s["id"] in net["servers"]:
            raise ApiError(422, "server_already_attached", "server %d is already attached to network %d"
                           % (s["id"], nid))
        mine = ipaddress.ip_network(net["ip_range"])
        for other in self.networks.values():
            if s["id"] in other["servers"] and mine.overlaps(ipaddress.ip_network(other["ip_range"])):
                raise ApiError(422, "networks_overlap", "network %d overlaps network %d of the server"
                               % (nid, other["id"]))
        ip = self._attach_ip(net, s, want)
        self.check_unlocked("server", s["id"])
        net["servers"][s["id"]] = ip
        a = self.new_action("attach_to_network", "attach_to_network",
                            [{"id": s["id"], "type": "server"}, {"id": nid, "type": "network"}])
        sid = s["id"]

        def undo():
            if self.networks.get(nid) is net and net["servers"].get(sid) == ip:
                del net["servers"][sid]

        a.on_error = undo
        return 201, {"action": self.render_action(a)}

    def server_detach_from_network(self, req):
        s = self._server(req)
        b = req.body()
        nid = b.int("network", required=True)
        b.check()
        net = self.networks.get(nid)
        if net is None:
            raise not_found("network")
        if s["id"] not in net["servers"]:
            raise invalid_fields([("network", "server %d is not attached to network %d" % (s["id"], nid))])
        self.check_unlocked("server", s["id"])
        del net["servers"][s["id"]]
        a = self.new_action("detach_from_network", "detach_from_network",
                            [{"id": s["id"], "type": "server"}, {"id": nid, "type": "network"}])
        return 201, {"action": self.render_action(a)}

    # ---------------------------------------------------------------- placement groups

    def _placement_group(self, req):
        pg = self.placement_groups.get(self.path_id(req))
        if pg is None:
            raise not_found("placement group")
        return pg

    def pg_servers(self, pg):
        return sorted(s["id"] for s in self.servers.values() if s["placement_group"] == pg["id"])

    def render_placement_group(self, pg):
        return {"id": pg["id"], "name": pg["name"], "labels": dict(pg["labels"]), "type": pg["type"],
                "created": pg["created_iso"], "servers": self.pg_servers(pg)}

    def new_placement_group(self, data):
        b = Body(data)
        name = b.str("name", required=True, max_len=128)
        ptype = b.str("type", required=True)
        if ptype is not None and ptype != "spread":
            b.error("type", "must be 'spread'")
        labels = b.labels(default={})
        b.check()
        if any(g["name"] == name for g in self.placement_groups.values()):
            raise uniqueness_error("name")
        pg = {"id": self.new_id("placement_group"), "name": name, "type": ptype, "labels": labels,
              "created": self.clock(), "created_iso": self.now_iso()}
        self.placement_groups[pg["id"]] = pg
        return pg

    def list_placement_groups(self, req):
        items = self.filter_common(req, list(self.placement_groups.values()))
        types = req.qall("type")
        if types:
            items = [g for g in items if g["type"] in types]
        items = self.sort(req, items, {"id": lambda x: x["id"], "name": lambda x: x["name"],
                                       "created": lambda x: x["created"]})
        return 200, self.paginate(req, "placement_groups", items, self.render_placement_group)

    def get_placement_group(self, req):
        return 200, {"placement_group": self.render_placement_group(self._placement_group(req))}

    def create_placement_group(self, req):
        # the create is immediate: the API documents a nullable action and sends none
        pg = self.new_placement_group(req.json())
        return 201, {"placement_group": self.render_placement_group(pg), "action": None}

    def update_placement_group(self, req):
        pg = self.update_name_labels(req, self._placement_group(req), self.placement_groups.values(), 128)
        return 200, {"placement_group": self.render_placement_group(pg)}

    def delete_placement_group(self, req):
        pg = self._placement_group(req)
        # its servers stay where they run, in no group
        for s in self.servers.values():
            if s["placement_group"] == pg["id"]:
                s["placement_group"] = None
        del self.placement_groups[pg["id"]]
        return 204, None

    # ---------------------------------------------------------------- DNS zones

    def _zone(self, req):
        ref = urllib.parse.unquote(req.params["id_or_name"])
        z = None
        if ref.isdigit():
            z = self.zones.get(int(ref))
        if z is None:
            z = next((z for z in self.zones.values() if z["name"] == ref), None)
        if z is None:
            raise not_found("zone")
        return z

    def _zone_action(self, z, command, op):
        return self.new_action(command, op, [{"id": z["id"], "type": "zone"}])

    def validate_records(self, b, rtype, records, field="records"):
        if not isinstance(records, list) or not records:
            b.error(field, "must be a non-empty array")
            return []
        out, values = [], set()
        for n, r in enumerate(records):
            f = "%s[%d]" % (field, n)
            if not isinstance(r, dict) or not isinstance(r.get("value"), str) or not r["value"]:
                b.error(f + ".value", "is required")
                continue
            value = r["value"]
            if value in values:
                b.error(f + ".value", "records must have distinct values")
            values.add(value)
            try:
                if rtype == "A":
                    ipaddress.IPv4Address(value)
                elif rtype == "AAAA":
                    ipaddress.IPv6Address(value)
            except ValueError:
                b.error(f + ".value", "'%s' is not a valid %s record value" % (value, rtype))
            # TXT data must be given as quoted character strings ("..." "...").
            if rtype == "TXT" and not (len(value) >= 2 and value.startswith('"') and value.endswith('"')):
                b.error(f + ".value", "TXT record values must be enclosed in double quotes")
            comment = r.get("comment")
            if comment is not None and not isinstance(comment, str):
                b.error(f + ".comment", "must be a string")
            out.append({"value": value, "comment": comment})
        return out

    def new_rrset(self, z, data):
        b = Body(data)
        name = b.str("name", required=True)
        rtype = b.str("type", required=True)
        ttl = b.int("ttl", lo=60, hi=TTL_MAX)
        labels = b.labels(default={})
        if name and (not RRSET_NAME_RE.match(name) or name.endswith(z["name"])):
            b.error("name", "must be lower case, relative to the zone and without a trailing dot ('@' for the apex)")
        if rtype is not None and rtype not in RRSET_TYPES:
            b.error("type", "must be one of %s" % ", ".join(RRSET_TYPES))
        records = self.validate_records(b, rtype, data.get("records"))
        b.check()
        if z["mode"] != "primary":
            raise ApiError(422, "incorrect_zone_mode", "rrsets can only be managed in primary zones")
        if (name, rtype) in z["rrsets"]:
            raise ApiError(409, "uniqueness_error", "rrset %s/%s already exists" % (name, rtype),
                           {"fields": [{"name": "name"}, {"name": "type"}]})
        others = {t for (n, t) in z["rrsets"] if n == name}
        if (rtype == "CNAME" and others) or (rtype != "CNAME" and "CNAME" in others):
            raise invalid_fields([("type", "a CNAME rrset cannot coexist with other rrsets of the same name")])
        r = {"name": name, "type": rtype, "ttl": ttl, "records": records, "labels": labels,
             "protection": {"change": False}}
        z["rrsets"][(name, rtype)] = r
        return r

    def new_zone(self, data):
        b = Body(data)
        name = b.str("name", required=True)
        if name and not ZONE_NAME_RE.match(name):
            b.error("name", "must be a lower-case domain name without a trailing dot")
        mode = b.str("mode", required=True)
        if mode is not None and mode not in ("primary", "secondary"):
            b.error("mode", "must be 'primary' or 'secondary'")
        ttl = b.int("ttl", default=3600, lo=60, hi=TTL_MAX)
        labels = b.labels(default={})
        pns = b.list("primary_nameservers", default=[])
        rrsets = b.list("rrsets", default=[])
        if data.get("zonefile") is not None:
            b.error("zonefile", "zone file import is not supported by the simulator")
        nameservers = []
        if mode == "secondary":
            if not pns:
                b.error("primary_nameservers", "is required for secondary zones")
            for n, ns in enumerate(pns):
                try:
                    ipaddress.ip_address(ns.get("address"))
                    port = ns.get("port", 53)
                    if not is_int(port) or not 1 <= port <= 65535:
                        raise ValueError
                    nameservers.append({"address": ns["address"], "port": port})
                except (ValueError, AttributeError, TypeError):
                    b.error("primary_nameservers[%d]" % n, "must have a valid address and port")
        b.check()
        if any(z["name"] == name for z in self.zones.values()):
            raise uniqueness_error("name")
        z = {"id": self.new_id("zone"), "name": name, "mode": mode, "ttl": ttl, "labels": labels,
             "protection": {"delete": False}, "created": self.clock(), "created_iso": self.now_iso(),
             "primary_nameservers": nameservers, "rrsets": {}}
        if mode == "primary":
            serial = datetime.fromtimestamp(self.wall(self.clock()), timezone.utc).strftime("%Y%m%d01")
            z["rrsets"][("@", "SOA")] = {
                "name": "@", "type": "SOA", "ttl": None, "labels": {}, "protection": {"change": False},
                "records": [{"value": "%s dns.hetzner.com. %s 86400 10800 3600000 3600" % (NAMESERVERS[0], serial),
                             "comment": None}]}
            z["rrsets"][("@", "NS")] = {
                "name": "@", "type": "NS", "ttl": None, "labels": {}, "protection": {"change": False},
                "records": [{"value": ns, "comment": None} for ns in NAMESERVERS]}
        self.zones[z["id"]] = z
        try:
            for r in rrsets if mode == "primary" else []:
                self.new_rrset(z, r if isinstance(r, dict) else {})
        except ApiError:
            del self.zones[z["id"]]
            raise
        return z

    def list_zones(self, req):
        items = self.filter_common(req, list(self.zones.values()))
        if req.q("mode"):
            items = [z for z in items if z["mode"] == req.q("mode")]
        items = self.sort(req, items, {"id": lambda x: x["id"], "name": lambda x: x["name"],
                                       "created": lambda x: x["created"]})
        return 200, self.paginate(req, "zones", items, self.render_zone)

    def get_zone(self, req):
        return 200, {"zone": self.render_zone(self._zone(req))}

    def create_zone(self, req):
        z = self.new_zone(req.json())
        a = self._zone_action(z, "create_zone", "create")
        return 201, {"zone": self.render_zone(z), "action": self.render_action(a)}

    def update_zone(self, req):
        z = self._zone(req)
        b = req.body()
        labels = b.labels()
        b.check()
        if labels is not None:
            z["labels"] = labels
        return 200, {"zone": self.render_zone(z)}

    def delete_zone(self, req):
        z = self._zone(req)
        if z["protection"]["delete"]:
            raise ApiError(423, "protected", "zone %s is delete protected" % z["name"])
        del self.zones[z["id"]]
        return 201, {"action": self.render_action(self._zone_action(z, "delete_zone", "delete"))}

    def zone_change_ttl(self, req):
        z = self._zone(req)
        b = req.body()
        ttl = b.int("ttl", required=True, lo=60, hi=TTL_MAX)
        b.check()
        z["ttl"] = ttl
        return 201, {"action": self.render_action(self._zone_action(z, "change_ttl", "change_ttl"))}

    def zone_change_protection(self, req):
        z = self._zone(req)
        b = req.body()
        delete = b.bool("delete")
        b.check()
        if delete is not None:
            z["protection"]["delete"] = delete
        return 201, {"action": self.render_action(self._zone_action(z, "change_protection", "change_protection"))}

    def get_zonefile(self, req):
        z = self._zone(req)
        lines = ["$ORIGIN\t%s." % z["name"], "$TTL\t%d" % z["ttl"], ""]
        for r in sorted(z["rrsets"].values(), key=lambda r: (r["name"] != "@", r["name"], r["type"] != "SOA", r["type"])):
            for rec in r["records"]:
                ttl = "\t%d" % r["ttl"] if r["ttl"] is not None else ""
                comment = " ; %s" % rec["comment"] if rec["comment"] else ""
                lines.append("%s\tIN%s\t%s\t%s%s" % (r["name"], ttl, r["type"], rec["value"], comment))
        return 200, {"zonefile": "\n".join(lines) + "\n"}

    # ---------------------------------------------------------------- DNS rrsets

    def _rrset(self, req):
        z = self._zone(req)
        name = urllib.parse.unquote(req.params["rr_name"])
        rtype = urllib.parse.unquote(req.params["rr_type"])
        r = z["rrsets"].get((name, rtype))
        if r is None:
            raise not_found("rrset")
        return z, r

    def _rrset_action(self, z, command, op):
        return self.new_action(command, op, [{"id": z["id"], "type": "zone"}])

    @staticmethod
    def _check_mutable(z, r):
        if z["mode"] != "primary":
            raise ApiError(422, "incorrect_zone_mode", "rrsets can only be managed in primary zones")
        if r is not None and r["protection"]["change"]:
            raise ApiError(423, "protected", "rrset %s/%s is change protected" % (r["name"], r["type"]))

    def list_rrsets(self, req):
        z = self._zone(req)
        items = [dict(r, id="%s/%s" % (r["name"], r["type"])) for r in z["rrsets"].values()]
        items = self.filter_common(req, items)
        types = req.qall("type")
        if types:
            items = [r for r in items if r["type"] in types]
        items = sorted(items, key=lambda r: (r["name"], r["type"]))
        for spec in reversed(req.qall("sort")):
            fname, _, order = spec.partition(":")
            if fname in ("id", "name"):
                items.sort(key=lambda r: r[fname], reverse=(order == "desc"))
        return 200, self.paginate(req, "rrsets", items, lambda r: self.render_rrset(z, r))

    def get_rrset(self, req):
        z, r = self._rrset(req)
        return 200, {"rrset": self.render_rrset(z, r)}

    def create_rrset(self, req):
        z = self._zone(req)
        r = self.new_rrset(z, req.json())
        return 201, {"rrset": self.render_rrset(z, r),
                     "action": self.render_action(self._rrset_action(z, "create_rrset", "create"))}

    def update_rrset(self, req):
        z, r = self._rrset(req)
        b = req.body()
        labels = b.labels()
        b.check()
        if labels is not None:
            r["labels"] = labels
        return 200, {"rrset": self.render_rrset(z, r)}

    def delete_rrset(self, req):
        z, r = self._rrset(req)
        self._check_mutable(z, r)
        del z["rrsets"][(r["name"], r["type"])]
        return 201, {"action": self.render_action(self._rrset_action(z, "delete_rrset", "delete"))}

    def rrset_set_records(self, req):
        z, r = self._rrset(req)
        b = req.body()
        records = self.validate_records(b, r["type"], req.json().get("records"))
        b.check()
        self._check_mutable(z, r)
        r["records"] = records
        return 201, {"action": self.render_action(self._rrset_action(z, "set_rrset_records", "set_records"))}

    def rrset_add_records(self, req):
        z = self._zone(req)
        name = urllib.parse.unquote(req.params["rr_name"])
        rtype = urllib.parse.unquote(req.params["rr_type"])
        r = z["rrsets"].get((name, rtype))
        if r is None:  # add_records creates the rrset when it does not exist
            data = dict(req.json(), name=name, type=rtype)
            self._check_mutable(z, None)
            self.new_rrset(z, data)
        else:
            b = req.body()
            ttl = b.int("ttl", lo=60, hi=TTL_MAX)
            records = self.validate_records(b, rtype, req.json().get("records"))
            if ttl is not None and r["ttl"] is not None and ttl != r["ttl"]:
                b.error("ttl", "must equal the rrset's TTL")
            b.check()
            self._check_mutable(z, r)
            have = {rec["value"] for rec in r["records"]}
            r["records"] += [rec for rec in records if rec["value"] not in have]
            if ttl is not None:
                r["ttl"] = ttl
        return 201, {"action": self.render_action(self._rrset_action(z, "add_rrset_records", "add_records"))}

    def rrset_remove_records(self, req):
        z, r = self._rrset(req)
        b = req.body()
        records = self.validate_records(b, r["type"], req.json().get("records"))
        b.check()
        self._check_mutable(z, r)
        drop = {rec["value"] for rec in records}
        r["records"] = [rec for rec in r["records"] if rec["value"] not in drop]
        if not r["records"]:  # an empty rrset is deleted
            del z["rrsets"][(r["name"], r["type"])]
        return 201, {"action": self.render_action(self._rrset_action(z, "remove_rrset_records", "remove_records"))}

    def rrset_change_ttl(self, req):
        z, r = self._rrset(req)
        b = req.body()
        if "ttl" not in req.json():
            b.error("ttl", "is required (null for the zone default)")
        ttl = b.int("ttl", lo=60, hi=TTL_MAX)
        b.check()
        self._check_mutable(z, r)
        r["ttl"] = ttl
        return 201, {"action": self.render_action(self._rrset_action(z, "change_rrset_ttl", "change_ttl"))}

    def rrset_change_protection(self, req):
        z, r = self._rrset(req)
        b = req.body()
        change = b.bool("change")
        b.check()
        if change is not None:
            r["protection"]["change"] = change
        return 201, {"action": self.render_action(
            self._rrset_action(z, "change_rrset_protection", "change_protection"))}

    # ---------------------------------------------------------------- routing

    def _build_routes(self):
        R = Route
        routes = [
            R("GET", "/actions", self.list_actions),
            R("GET", "/actions/{id}", self.get_action),
            R("GET", "/server_types", self.list_server_types),
            R("GET", "/server_types/{id}", self.get_server_type),
            R("GET", "/locations", self.list_locations),
            R("GET", "/locations/{id}", self.get_location),
            R("GET", "/datacenters", self.list_datacenters),
            R("GET", "/datacenters/{id}", self.get_datacenter),
            R("GET", "/pricing", self.get_pricing),
            R("GET", "/images", self.list_images),
            R("GET", "/images/actions", self.list_actions, rtype="image"),
            R("GET", "/images/actions/{id}", self.get_action, rtype="image"),
            R("GET", "/images/{id}", self.get_image),
            R("PUT", "/images/{id}", self.update_image),
            R("DELETE", "/images/{id}", self.delete_image),
            R("GET", "/images/{id}/actions", self.list_resource_actions, rtype="image"),
            R("GET", "/images/{id}/actions/{action_id}", self.get_resource_action, rtype="image"),
            R("POST", "/images/{id}/actions/change_protection", self.image_change_protection),
            R("GET", "/ssh_keys", self.list_ssh_keys),
            R("POST", "/ssh_keys", self.create_ssh_key),
            R("GET", "/ssh_keys/{id}", self.get_ssh_key),
            R("PUT", "/ssh_keys/{id}", self.update_ssh_key),
            R("DELETE", "/ssh_keys/{id}", self.delete_ssh_key),
            R("GET", "/servers", self.list_servers),
            R("POST", "/servers", self.create_server),
            R("GET", "/servers/actions", self.list_actions, rtype="server"),
            R("GET", "/servers/actions/{id}", self.get_action, rtype="server"),
            R("GET", "/servers/{id}", self.get_server),
            R("PUT", "/servers/{id}", self.update_server),
            R("DELETE", "/servers/{id}", self.delete_server),
            R("GET", "/servers/{id}/actions", self.list_resource_actions, rtype="server"),
            R("GET", "/servers/{id}/actions/{action_id}", self.get_resource_action, rtype="server"),
            R("POST", "/servers/{id}/actions/poweron", self.server_poweron),
            R("POST", "/servers/{id}/actions/poweroff", self.server_poweroff),
            R("POST", "/servers/{id}/actions/shutdown", self.server_shutdown),
            R("POST", "/servers/{id}/actions/reboot", self.server_reboot),
            R("POST", "/servers/{id}/actions/reset", self.server_reset),
            R("POST", "/servers/{id}/actions/change_type", self.server_change_type),
            R("POST", "/servers/{id}/actions/rebuild", self.server_rebuild),
            R("POST", "/servers/{id}/actions/change_protection", self.server_change_protection),
            R("POST", "/servers/{id}/actions/create_image", self.server_create_image),
            R("GET", "/firewalls", self.list_firewalls),
            R("POST", "/firewalls", self.create_firewall),
            R("GET", "/firewalls/actions", self.list_actions, rtype="firewall"),
            R("GET", "/firewalls/actions/{id}", self.get_action, rtype="firewall"),
            R("GET", "/firewalls/{id}", self.get_firewall),
            R("PUT", "/firewalls/{id}", self.update_firewall),
            R("DELETE", "/firewalls/{id}", self.delete_firewall),
            R("GET", "/firewalls/{id}/actions", self.list_resource_actions, rtype="firewall"),
            R("GET", "/firewalls/{id}/actions/{action_id}", self.get_resource_action, rtype="firewall"),
            R("POST", "/firewalls/{id}/actions/set_rules", self.firewall_set_rules),
            R("POST", "/firewalls/{id}/actions/apply_to_resources", self.firewall_apply),
            R("POST", "/firewalls/{id}/actions/remove_from_resources", self.firewall_remove),
            R("POST", "/servers/{id}/actions/attach_to_network", self.server_attach_to_network),
            R("POST", "/servers/{id}/actions/detach_from_network", self.server_detach_from_network),
            R("GET", "/networks", self.list_networks),
            R("POST", "/networks", self.create_network),
            R("GET", "/networks/actions", self.list_actions, rtype="network"),
            R("GET", "/networks/actions/{id}", self.get_action, rtype="network"),
            R("GET", "/networks/{id}", self.get_network),
            R("PUT", "/networks/{id}", self.update_network),
            R("DELETE", "/networks/{id}", self.delete_network),
            R("GET", "/networks/{id}/actions", self.list_resource_actions, rtype="network"),
            R("GET", "/networks/{id}/actions/{action_id}", self.get_resource_action, rtype="network"),
            R("POST", "/networks/{id}/actions/add_subnet", self.network_add_subnet),
            R("POST", "/networks/{id}/actions/delete_subnet", self.network_delete_subnet),
            R("POST", "/networks/{id}/actions/change_protection", self.network_change_protection),
            R("GET", "/placement_groups", self.list_placement_groups),
            R("POST", "/placement_groups", self.create_placement_group),
            R("GET", "/placement_groups/{id}", self.get_placement_group),
            R("PUT", "/placement_groups/{id}", self.update_placement_group),
            R("DELETE", "/placement_groups/{id}", self.delete_placement_group),
            R("GET", "/zones", self.list_zones),
            R("POST", "/zones", self.create_zone),
            R("GET", "/zones/actions", self.list_actions, rtype="zone"),
            R("GET", "/zones/actions/{id}", self.get_action, rtype="zone"),
            R("GET", "/zones/{id_or_name}", self.get_zone),
            R("PUT", "/zones/{id_or_name}", self.update_zone),
            R("DELETE", "/zones/{id_or_name}", self.delete_zone),
            R("GET", "/zones/{id_or_name}/zonefile", self.get_zonefile),
            R("GET", "/zones/{id_or_name}/actions", self.list_resource_actions, rtype="zone"),
            R("GET", "/zones/{id_or_name}/actions/{action_id}", self.get_resource_action, rtype="zone"),
            R("POST", "/zones/{id_or_name}/actions/change_ttl", self.zone_change_ttl),
            R("POST", "/zones/{id_or_name}/actions/change_protection", self.zone_change_protection),
            R("GET", "/zones/{id_or_name}/rrsets", self.list_rrsets),
            R("POST", "/zones/{id_or_name}/rrsets", self.create_rrset),
            R("GET", "/zones/{id_or_name}/rrsets/{rr_name}/{rr_type}", self.get_rrset),
            R("PUT", "/zones/{id_or_name}/rrsets/{rr_name}/{rr_type}", self.update_rrset),
            R("DELETE", "/zones/{id_or_name}/rrsets/{rr_name}/{rr_type}", self.delete_rrset),
        ]
        for op, fn in (("set_records", self.rrset_set_records), ("add_records", self.rrset_add_records),
                       ("remove_records", self.rrset_remove_records), ("change_ttl", self.rrset_change_ttl),
                       ("change_protection", self.rrset_change_protection)):
            routes.append(R("POST", "/zones/{id_or_name}/rrsets/{rr_name}/{rr_type}/actions/" + op, fn))
        return routes

    def route(self, req):
        path_matched = False
        for r in self.routes:
            m = r.regex.match(req.path)
            if not m:
                continue
            if r.method != req.method:
                path_matched = True
                continue
            req.params = m.groupdict()
            return r.handler(req, **r.kwargs)
        if path_matched:
            raise ApiError(405, "method_not_allowed", "method %s is not allowed for %s" % (req.method, req.path))
        raise ApiError(404, "not_found", "no such endpoint: %s" % req.path)

    # ---------------------------------------------------------------- request entry points

    def authorized(self, headers, method):
        auth = headers.get("Authorization") or ""
        if not auth.startswith("Bearer "):
            return status_error(401)
        token = auth[len("Bearer "):].strip()
        if not token:
            return status_error(401)
        if token in self.config["readonly_tokens"]:
            if method != "GET":
                return ApiError(401, "token_readonly", "the token is read-only")
            return None
        if self.config["tokens"] and token not in self.config["tokens"]:
            return status_error(401)
        return None

    def handle_api(self, method, target, headers, raw_body, base_url):
        split = urllib.parse.urlsplit(target)
        path = split.path[len("/v1"):] or "/"
        if len(path) > 1:
            path = path.rstrip("/")
        with self.lock:
            self.request_count += 1
            n = self.request_count
            allowed, rate_headers = self._rate_take()
            slow, fault = self._take_request_faults(n, method, path)
        if slow:
            time.sleep(float(slow.get("seconds", 1)))
        resp = None
        if fault and fault.get("when", "before") == "before":
            resp = self._fault_response(fault, rate_headers)
        elif not allowed:
            err = status_error(429, message="limit of %d requests per hour reached" % self.config["rate_limit"])
            resp = Response(429, err.body(), dict(rate_headers))
        if resp is None:
            err = self.authorized(headers, method)
            if err is not None:
                resp = Response(err.status, err.body(), dict(rate_headers))
        if resp is None:
            req = Request(method, path, urllib.parse.parse_qs(split.query, keep_blank_values=True),
                          raw_body, base_url)
            with self.lock:
                self.advance()
                try:
                    status, body = self.route(req)
                except ApiError as e:
                    status, body = e.status, e.body()
                resp = Response(status, body, dict(rate_headers))
                if req.link:
                    resp.headers["Link"] = req.link
            if fault:  # when == "after": the request took effect but its answer is lost
                resp = self._fault_response(fault, rate_headers)
        with self.lock:
            try:
                logged_body = json.loads(raw_body.decode("utf-8")) if raw_body.strip() else None
            except (ValueError, UnicodeDecodeError):
                logged_body = raw_body.decode("utf-8", "replace")
            self.request_log.append({"n": n, "method": method, "path": target,
                                     "status": None if resp.drop else resp.status, "dropped": resp.drop,
                                     "fault": fault["kind"] if fault else ("slow" if slow else None),
                                     "time": self.now_iso(), "user_agent": headers.get("User-Agent"),
                                     "body": logged_body})
            del self.request_log[:-REQUEST_LOG_MAX]
            kills = [f for f in self.faults if f["kind"] == "kill" and f["at_request"] == n]
            for f in kills:
                self.faults.remove(f)
        # the client dies after its request took effect, before it reads the answer
        for f in kills:
            try:
                os.kill(f["pid"], signal.SIGKILL)
            except OSError:
                pass
        return resp

    # ---------------------------------------------------------------- control API (/_sim)

    def handle_control(self, method, target, raw_body):
        split = urllib.parse.urlsplit(target)
        path = split.path.rstrip("/")
        query = urllib.parse.parse_qs(split.query)
        try:
            try:
                data = json.loads(raw_body.decode("utf-8")) if raw_body.strip() else {}
            except (ValueError, UnicodeDecodeError) as e:
                raise ApiError(400, "json_error", "invalid JSON: %s" % e)
            handlers = {
                ("GET", "/_sim/health"): lambda: {"ok": True, "requests": self.request_count},
                ("GET", "/_sim/requests"): lambda: self.ctl_requests(query),
                ("DELETE", "/_sim/requests"): self.ctl_clear_requests,
                ("POST", "/_sim/reset"): self.ctl_reset,
                ("GET", "/_sim/state"): self.ctl_state,
                ("POST", "/_sim/seed"): lambda: self.ctl_seed(data),
                ("GET", "/_sim/faults"): lambda: self.ctl_faults(),
                ("POST", "/_sim/faults"): lambda: self.ctl_add_faults(data),
                ("DELETE", "/_sim/faults"): self.ctl_clear_faults,
                ("GET", "/_sim/config"): lambda: {"config": self.public_config()},
                ("POST", "/_sim/config"): lambda: self.ctl_config(data),
                ("POST", "/_sim/advance"): lambda: self.ctl_advance(data),
            }
            fn = handlers.get((method, path))
            if fn is None:
                if any(p == path for (_, p) in handlers):
                    raise ApiError(405, "method_not_allowed", "method not allowed")
                raise ApiError(404, "not_found", "no such control endpoint: %s" % path)
            with self.lock:
                return Response(200, fn())
        except ApiError as e:
            return Response(e.status, e.body())

    def public_config(self):
        return copy.deepcopy(self.config)

    def ctl_requests(self, query):
        since = int((query.get("since") or ["0"])[0])
        return {"count": self.request_count, "requests": [r for r in self.request_log if r["n"] > since]}

    def ctl_clear_requests(self):
        self.request_log = []
        return {"count": self.request_count}

    def ctl_reset(self):
        self.reset()
        return {"ok": True}

    def ctl_state(self):
        self.advance()
        return {
            "servers": [self.render_server(s) for s in sorted(self.servers.values(), key=lambda s: s["id"])],
            "ssh_keys": [self.render_ssh_key(k) for k in sorted(self.ssh_keys.values(), key=lambda k: k["id"])],
            "firewalls": [self.render_firewall(f) for f in sorted(self.firewalls.values(), key=lambda f: f["id"])],
            "placement_groups": [self.render_placement_group(g)
                                 for g in sorted(self.placement_groups.values(), key=lambda g: g["id"])],
            "networks": [self.render_network(n) for n in sorted(self.networks.values(), key=lambda n: n["id"])],
            "images": [self.render_snapshot(g) for g in sorted(self.images.values(), key=lambda g: g["id"])],
            "zones": [dict(self.render_zone(z), rrsets=[self.render_rrset(z, r) for r in
                                                        sorted(z["rrsets"].values(), key=lambda r: (r["name"], r["type"]))])
                      for z in sorted(self.zones.values(), key=lambda z: z["id"])],
            "actions": [self.render_action(a) for a in sorted(self.actions.values(), key=lambda a: a.id)],
            "faults": self.ctl_faults()["faults"],
            "config": self.public_config(),
            "requests": self.request_count,
        }

    def ctl_seed(self, data):
        """Create resources out of band: no actions, no rate limit, no request count.
        Servers take an optional "status" (default "running")."""
        out = {"ssh_keys": [], "firewalls": [], "servers": [], "zones": [], "placement_groups": [],
               "networks": []}
        for spec in data.get("ssh_keys", []):
            out["ssh_keys"].append(self.render_ssh_key(self.new_ssh_key(spec)))
        for spec in data.get("placement_groups", []):
            out["placement_groups"].append(self.render_placement_group(self.new_placement_group(spec)))
        for spec in data.get("servers", []):
            spec = dict(spec)
            status = spec.pop("status", "running")
            protection = spec.pop("protection", None)
            spec.setdefault("server_type", SERVER_TYPES[0][1])
            spec.setdefault("image", "ubuntu-24.04")
            spec.setdefault("location", "fsn1")
            s = self.insert_server(self.validate_server(spec), status)
            if isinstance(protection, dict):
                s["protection"].update({k: bool(v) for k, v in protection.items() if k in ("delete", "rebuild")})
            out["servers"].append(self.render_server(s))
        for spec in data.get("networks", []):
            spec = dict(spec)
            attach = spec.pop("attach", {})  # server name -> address, servers seeded above
            net = self.new_network(spec)
            for s in self.servers.values():
                if s["name"] in attach:
                    net["servers"][s["id"]] = self._attach_ip(net, s, attach[s["name"]])
            out["networks"].append(self.render_network(net))
        for spec in data.get("firewalls", []):
            out["firewalls"].append(self.render_firewall(self.new_firewall(spec, with_actions=False)[0]))
        for spec in data.get("zones", []):
            out["zones"].append(self.render_zone(self.new_zone(spec)))
        return out

    def ctl_faults(self):
        return {"faults": copy.deepcopy(self.faults),
                "unavailable": [{"server_type": SERVER_TYPE_BY_ID[t][1], "location": LOCATION_BY_ID[lc]["name"]}
                                for t, lc in sorted(self.unavailable)],
                "deprecated": [dict(v, server_type=SERVER_TYPE_BY_ID[t][1]) for t, v in sorted(self.deprecated.items())]}

    def ctl_add_faults(self, data):
        specs = data.get("faults") if isinstance(data.get("faults"), list) else [data]
        return {"added": [self.add_fault(s) for s in specs]}

    def ctl_clear_faults(self):
        self.clear_faults()
        return {"ok": True}

    def ctl_config(self, data):
        cfg = apply_config(self.config, data)
        rate_changed = any(k in data for k in ("rate_limit", "rate_burst"))
        self.config = cfg
        if rate_changed:
            self._reset_bucket()
        return {"config": self.public_config()}

    def ctl_advance(self, data):
        seconds = data.get("seconds", 0)
        if not isinstance(seconds, (int, float)) or seconds < 0:
            raise ApiError(422, "invalid_input", "seconds must be a non-negative number")
        self.offset += seconds
        self.advance()
        return {"offset": self.offset}


def apply_config(current, data):
    """Return a copy of `current` updated from `data`, validating each key."""
    cfg = copy.deepcopy(current)
    for key, value in data.items():
        if key == "action_seconds":
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise ApiError(422, "invalid_input", "action_seconds must be a non-negative number")
            cfg[key] = float(value)
        elif key == "command_seconds":
            if not isinstance(value, dict) or not all(isinstance(v, (int, float)) for v in value.values()):
                raise ApiError(422, "invalid_input", "command_seconds must map commands to seconds")
            cfg[key] = dict(value)
        elif key in ("rate_limit", "rate_burst"):
            if not is_int(value) or value < (1 if key == "rate_limit" else 0):
                raise ApiError(422, "invalid_input", "%s must be a positive integer" % key)
            cfg[key] = value
        elif key == "server_limit":
            if value is not None and (not is_int(value) or value < 0):
                raise ApiError(422, "invalid_input", "server_limit must be null or a non-negative integer")
            cfg[key] = value
        elif key == "server_ip":
            try:
                ipaddress.IPv4Address(value)
            except (ValueError, TypeError):
                raise ApiError(422, "invalid_input", "server_ip must be an IPv4 address")
            cfg[key] = value
        elif key == "server_ips":
            cfg[key] = config_server_ips(value)
        elif key in ("tokens", "readonly_tokens"):
            if not isinstance(value, list) or not all(isinstance(t, str) and t for t in value):
                raise ApiError(422, "invalid_input", "%s must be a list of non-empty strings" % key)
            cfg[key] = list(value)
        else:
            raise ApiError(422, "invalid_input", "unknown config key '%s'" % key)
    return cfg


def config_server_ips(value):
    """server_ips: {server name: IPv4}, or "NAME=IP,..." as --server-ips takes it."""
    if isinstance(value, str):
        pairs = [item.split("=", 1) for item in value.split(",") if item]
        if not all(len(pair) == 2 and pair[0] for pair in pairs):
            raise ApiError(422, "invalid_input", "server_ips must be NAME=IP pairs separated by commas")
        value = dict(pairs)
    if not isinstance(value, dict):
        raise ApiError(422, "invalid_input", "server_ips must map server names to IPv4 addresses")
    for name, ip in value.items():
        try:
            ipaddress.IPv4Address(ip)
        except (ValueError, TypeError):
            raise ApiError(422, "invalid_input", "server_ips: %s is no IPv4 address" % name)
    return dict(value)


# --------------------------------------------------------------------------
# HTTP layer
# --------------------------------------------------------------------------

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every answer carries Content-Length
    # headers and body go out in separate writes: without TCP_NODELAY the
    # body waits for the delayed ACK (40 ms) on every keep-alive request
    disable_nagle_algorithm = True
    server_version = "hcloud-sim"

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), fmt % args))

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_DELETE(self):
        self._handle("DELETE")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_HEAD(self):
        self._handle("HEAD")

    def do_OPTIONS(self):
        self._handle("OPTIONS")

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():  # trailers
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self, method):
        sim = self.server.sim
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        path = urllib.parse.urlsplit(self.path).path
        if path == "/_sim" or path.startswith("/_sim/"):
            resp = sim.handle_control(method, self.path, body)
        elif path == "/v1" or path.startswith("/v1/"):
            base = "http://%s/v1" % (self.headers.get("Host") or "%s:%d" % self.server.server_address[:2])
            resp = sim.handle_api(method, self.path, self.headers, body, base)
        else:
            resp = Response(404, ApiError(404, "not_found", "no such path: %s (the API lives under /v1)"
                                          % path).body())
        if resp.drop:
            # Close the connection without an answer, like a proxy dying mid-request.
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self._send(resp)

    def _send(self, resp):
        data = b"" if resp.body is None else json.dumps(resp.body).encode("utf-8")
        encodings = [e.split(";")[0].strip().lower() for e in (self.headers.get("Accept-Encoding") or "").split(",")]
        gzipped = bool(data) and "gzip" in encodings
        if gzipped:
            data = gzip.compress(data)
        self.send_response(resp.status)
        # a 204 has no body, so no JSON: hcloud-go parses the body of every
        # application/json answer and fails on an empty one
        if resp.status != 204:
            self.send_header("Content-Type", "application/json")
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        for k, v in resp.headers.items():
            self.send_header(k, v)
        if resp.status != 204:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if resp.status != 204 and self.command != "HEAD":
            self.wfile.write(data)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def env(name, default):
    return os.environ.get("HCLOUD_SIM_" + name, default)


def parse_args(argv):
    p = argparse.ArgumentParser(description="In-memory Hetzner Cloud API simulator (serves /v1).")
    p.add_argument("--host", default=env("HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(env("PORT", "0")), help="0 picks a free port")
    p.add_argument("--port-file", default=env("PORT_FILE", None), help="write the chosen port here")
    p.add_argument("--token", action="append", default=None,
                   help="accepted token (repeatable); default: any non-empty token")
    p.add_argument("--readonly-token", action="append", default=[], help="token that may only GET")
    p.add_argument("--action-seconds", type=float, default=float(env("ACTION_SECONDS", "0.2")),
                   help="how long an action runs (default 0.2)")
    p.add_argument("--rate-limit", type=int, default=int(env("RATE_LIMIT", "3600")), help="requests per hour")
    p.add_argument("--rate-burst", type=int, default=int(env("RATE_BURST", "0")),
                   help="bucket size (default: the hourly limit)")
    p.add_argument("--server-ip", default=env("SERVER_IP", "127.0.0.1"),
                   help="public IPv4 handed to every server (default 127.0.0.1)")
    p.add_argument("--server-ips", default=env("SERVER_IPS", ""), metavar="NAME=IP,...",
                   help="public IPv4 of the servers so named (the others get --server-ip)")
    p.add_argument("--server-limit", type=int, default=None, help="max servers (403 resource_limit_exceeded)")
    p.add_argument("--fault", action="append", default=[], help="initial fault as JSON (repeatable)")
    p.add_argument("--verbose", action="store_true", help="log each HTTP request to stderr")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    tokens = args.token if args.token is not None else [t for t in env("TOKEN", "").split(",") if t]
    try:
        config = apply_config({"action_seconds": 0.2, "command_seconds": {}, "rate_limit": 3600, "rate_burst": 0,
                               "server_ip": "127.0.0.1", "server_ips": {}, "server_limit": None, "tokens": [],
                               "readonly_tokens": []},
                              {"action_seconds": args.action_seconds, "rate_limit": args.rate_limit,
                               "rate_burst": args.rate_burst, "server_ip": args.server_ip,
                               "server_ips": args.server_ips,
                               "server_limit": args.server_limit, "tokens": tokens,
                               "readonly_tokens": args.readonly_token})
    except ApiError as e:
        sys.stderr.write("hcloud_sim: %s\n" % e)
        return 2
    try:
        faults = [json.loads(f) for f in args.fault]
        env_faults = env("FAULTS", "")
        if env_faults:
            loaded = json.loads(env_faults)
            faults += loaded if isinstance(loaded, list) else [loaded]
        sim = Simulator(config, faults)
    except (ValueError, ApiError) as e:
        sys.stderr.write("hcloud_sim: bad fault option: %s\n" % e)
        return 2
    httpd = Server((args.host, args.port), Handler)
    httpd.sim = sim
    httpd.verbose = args.verbose
    port = httpd.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    print("listening on http://%s:%d/v1" % (args.host, port), flush=True)

    def stop(signum, frame):
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
