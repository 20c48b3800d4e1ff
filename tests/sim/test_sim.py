#!/usr/bin/env python3
"""Tests of hcloud_sim.py itself, over HTTP (standard library only).

Runs one simulator process for the whole module and resets it before each
test.  Prints "ok - <test>" / "not ok - <test>" per test and ends with
"N passed, M failed"; exits non-zero on any failure.
"""

import base64
import gzip
import http.client
import json
import os
import subprocess
import sys
import time
import unittest
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
SIM = os.path.join(HERE, "hcloud_sim.py")
TOKEN = "t" * 64

PROC = None
PORT = None


def setUpModule():
    global PROC, PORT
    PROC = subprocess.Popen([sys.executable, SIM, "--port", "0", "--action-seconds", "0.05"],
                            stdout=subprocess.PIPE, universal_newlines=True)
    line = PROC.stdout.readline().strip()
    assert line.startswith("listening on http://127.0.0.1:") and line.endswith("/v1"), line
    PORT = int(line.rsplit(":", 1)[1].split("/")[0])


def tearDownModule():
    if PROC is not None:
        PROC.terminate()
        PROC.wait(timeout=10)


class Resp:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        gz = headers.get("content-encoding") == "gzip"
        self.json = json.loads(raw.decode("utf-8")) if raw and not gz else None


def request(method, path, body=None, headers=None, token=TOKEN, conn=None):
    """One request; a fresh connection unless `conn` is given."""
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = "Bearer " + token
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    own = conn is None
    c = conn or http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    try:
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        return Resp(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        if own:
            c.close()


def api(method, path, body=None, **kw):
    return request(method, "/v1" + path, body, **kw)


def ctl(method, path, body=None):
    r = request(method, "/_sim/" + path, body, token=None)
    assert r.status == 200, (path, r.status, r.raw)
    return r.json


def ssh_public_key(seed):
    blob = b"\x00\x00\x00\x0bssh-ed25519" + b"\x00\x00\x00\x20" + bytes((seed + i) % 256 for i in range(32))
    return "ssh-ed25519 " + base64.b64encode(blob).decode() + " user@host"


def seed_servers(specs):
    return ctl("POST", "seed", {"servers": specs})["servers"]


class SimTest(unittest.TestCase):
    def setUp(self):
        ctl("POST", "reset")

    def assertError(self, r, status, code):
        self.assertEqual(r.status, status, r.raw)
        self.assertTrue(r.headers["content-type"].startswith("application/json"))
        self.assertEqual(set(r.json), {"error"})
        self.assertEqual(set(r.json["error"]), {"code", "message", "details"})
        self.assertIsInstance(r.json["error"]["message"], str)
        self.assertIsInstance(r.json["error"]["details"], dict)
        self.assertEqual(r.json["error"]["code"], code, r.json)
        return r.json["error"]

    def field_names(self, err):
        return [f["name"] for f in err["details"]["fields"]]

    def create_server(self, name="web1", **extra):
        body = {"name": name, "server_type": "cpx22", "image": "ubuntu-24.04", "location": "fsn1"}
        body.update(extra)
        r = api("POST", "/servers", body)
        self.assertEqual(r.status, 201, r.raw)
        return r.json

    def finish_actions(self):
        ctl("POST", "advance", {"seconds": 3600})

    def server(self, sid):
        r = api("GET", "/servers/%d" % sid)
        self.assertEqual(r.status, 200)
        return r.json["server"]


class TestLists(SimTest):
    def test_pagination_meta_and_next_page_over_120_servers(self):
        seed_servers([{"name": "s%03d" % i} for i in range(120)])
        r = api("GET", "/servers?page=1&per_page=50")
        self.assertEqual(r.status, 200)
        self.assertEqual(len(r.json["servers"]), 50)
        self.assertEqual(r.json["meta"]["pagination"], {"page": 1, "per_page": 50, "previous_page": None,
                                                         "next_page": 2, "last_page": 3, "total_entries": 120})
        self.assertIn('rel="next"', r.headers["link"])
        r = api("GET", "/servers?page=3&per_page=50")
        self.assertEqual(len(r.json["servers"]), 20)
        self.assertEqual(r.json["meta"]["pagination"]["next_page"], None)
        self.assertEqual(r.json["meta"]["pagination"]["previous_page"], 2)
        # default per_page 25, max 50
        r = api("GET", "/servers")
        self.assertEqual((len(r.json["servers"]), r.json["meta"]["pagination"]["last_page"]), (25, 5))
        r = api("GET", "/servers?per_page=500")
        self.assertEqual(r.json["meta"]["pagination"]["per_page"], 50)
        self.assertEqual(api("GET", "/servers?page=9&per_page=50").json["servers"], [])
        self.assertError(api("GET", "/servers?page=0"), 422, "invalid_input")
        # follow next_page like the clients do
        ids, page = [], 1
        while page:
            r = api("GET", "/servers?per_page=50&page=%d&sort=id:asc" % page)
            ids += [s["id"] for s in r.json["servers"]]
            page = r.json["meta"]["pagination"]["next_page"]
        self.assertEqual(len(ids), 120)
        self.assertEqual(ids, sorted(set(ids)))

    def test_sort_and_unknown_params(self):
        seed_servers([{"name": n} for n in ("b", "c", "a")])
        names = [s["name"] for s in api("GET", "/servers?sort=name:desc&bogus=1").json["servers"]]
        self.assertEqual(names, ["c", "b", "a"])
        names = [s["name"] for s in api("GET", "/servers?sort=nonsense").json["servers"]]
        self.assertEqual(names, ["b", "c", "a"])

    def test_name_filter_is_exact(self):
        seed_servers([{"name": "web1"}, {"name": "web10"}, {"name": "xweb1"}])
        r = api("GET", "/servers?name=web1")
        self.assertEqual([s["name"] for s in r.json["servers"]], ["web1"])
        self.assertEqual(api("GET", "/servers?name=web").json["servers"], [])

    def test_label_selector_grammar(self):
        seed_servers([
            {"name": "a", "labels": {"env": "prod", "role": "web"}},
            {"name": "b", "labels": {"env": "prod", "role": "db"}},
            {"name": "c", "labels": {"env": "dev", "role": "web", "example.com/team": "x"}},
            {"name": "d", "labels": {"role": "cache"}},
            {"name": "e", "labels": {}},
        ])
        cases = {
            "env=prod": "ab", "env==prod": "ab", "env!=prod": "cde", "env": "abc", "!env": "de",
            "env in (prod,dev)": "abc", "env notin (prod)": "cde", "env=prod,role!=db": "a",
            "role in (web, cache),!env": "d", "example.com/team=x": "c", "env=prod,role=web,!zzz": "a",
            " env = prod ": "ab", "env in (dev),role=web": "c", "env=": "",
        }
        for sel, expected in cases.items():
            r = api("GET", "/servers?label_selector=" + urlquote(sel))
            self.assertEqual(r.status, 200, (sel, r.raw))
            self.assertEqual("".join(s["name"] for s in r.json["servers"]), expected, sel)
        for bad in ("env in (a", "=x", "env=a=b", "a b"):
            err = self.assertError(api("GET", "/servers?label_selector=" + urlquote(bad)), 422, "invalid_input")
            self.assertEqual(self.field_names(err), ["label_selector"])

    def test_status_filter(self):
        seed_servers([{"name": "on"}, {"name": "down", "status": "off"}])
        self.assertEqual([s["name"] for s in api("GET", "/servers?status=off").json["servers"]], ["down"])
        r = api("GET", "/servers?status=off&status=running")
        self.assertEqual(len(r.json["servers"]), 2)


def urlquote(s):
    import urllib.parse
    return urllib.parse.quote(s, safe="")


class TestProtocol(SimTest):
    def test_401_without_or_with_bad_token(self):
        self.assertError(api("GET", "/servers", token=None), 401, "unauthorized")
        self.assertError(api("GET", "/servers", headers={"Authorization": "Basic abc"}, token=None),
                         401, "unauthorized")
        self.assertError(api("GET", "/servers", token=""), 401, "unauthorized")
        ctl("POST", "config", {"tokens": ["good"], "readonly_tokens": ["ro"]})
        self.assertError(api("GET", "/servers", token="other"), 401, "unauthorized")
        self.assertEqual(api("GET", "/servers", token="good").status, 200)
        self.assertEqual(api("GET", "/servers", token="ro").status, 200)
        self.assertError(api("POST", "/ssh_keys", {"name": "k", "public_key": ssh_public_key(1)}, token="ro"),
                         401, "token_readonly")

    def test_error_envelope_and_codes(self):
        self.assertError(api("GET", "/servers/424242"), 404, "not_found")
        self.assertError(api("GET", "/servers/abc"), 404, "not_found")
        self.assertError(api("GET", "/no_such_thing"), 404, "not_found")
        self.assertError(request("GET", "/other"), 404, "not_found")
        self.assertError(api("PATCH", "/servers"), 405, "method_not_allowed")
        self.assertError(api("DELETE", "/servers"), 405, "method_not_allowed")
        r = api("HEAD", "/servers")
        self.assertEqual((r.status, r.raw), (405, b""))
        self.assertError(api("POST", "/servers", b"{not json"), 400, "json_error")
        self.assertError(api("POST", "/servers", b"[1,2]"), 400, "json_error")
        err = self.assertError(api("POST", "/servers", {"server_type": "cpx22"}), 422, "invalid_input")
        self.assertEqual(sorted(self.field_names(err)), ["image", "name"])
        for f in err["details"]["fields"]:
            self.assertTrue(f["messages"])

    def test_every_response_is_json_with_rate_limit_headers(self):
        for method, path, body in (("GET", "/servers", None), ("GET", "/servers/1", None),
                                   ("POST", "/ssh_keys", {"name": "k", "public_key": ssh_public_key(2)})):
            r = api(method, path, body)
            self.assertTrue(r.headers["content-type"].startswith("application/json"))
            for h in ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "content-length"):
                self.assertIn(h, r.headers)
        r = api("GET", "/servers", token=None)
        self.assertIn("ratelimit-remaining", r.headers)

    def test_rate_limit_bucket_and_429(self):
        ctl("POST", "config", {"rate_limit": 3600, "rate_burst": 3})
        remaining = [int(api("GET", "/locations").headers["ratelimit-remaining"]) for _ in range(3)]
        self.assertEqual(remaining, [2, 1, 0])
        r = api("GET", "/locations")
        self.assertError(r, 429, "rate_limit_exceeded")
        self.assertEqual(r.headers["ratelimit-limit"], "3600")
        self.assertEqual(r.headers["ratelimit-remaining"], "0")
        self.assertGreaterEqual(int(r.headers["ratelimit-reset"]), int(time.time()))
        ctl("POST", "advance", {"seconds": 1.01})  # 3600/h refills one request per second
        self.assertEqual(api("GET", "/locations").status, 200)
        self.assertEqual(api("GET", "/locations").status, 429)
        ctl("POST", "advance", {"seconds": 10})
        self.assertEqual(api("GET", "/locations").headers["ratelimit-remaining"], "2")  # capped at burst

    def test_gzip_and_keep_alive(self):
        r = api("GET", "/server_types", headers={"Accept-Encoding": "gzip"})
        self.assertEqual(r.headers.get("content-encoding"), "gzip")
        self.assertEqual(int(r.headers["content-length"]), len(r.raw))
        body = json.loads(gzip.decompress(r.raw))
        self.assertEqual(len(body["server_types"]), 19)
        self.assertNotIn("content-encoding", api("GET", "/server_types").headers)
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
        try:
            for _ in range(3):
                self.assertEqual(api("GET", "/locations", conn=conn).status, 200)
            self.assertEqual(api("DELETE", "/ssh_keys/1", conn=conn).status, 404)
            self.assertEqual(api("GET", "/locations", conn=conn).status, 200)
        finally:
            conn.close()


class TestCatalog(SimTest):
    def test_server_types_prices_and_locations(self):
        r = api("GET", "/server_types")
        types = {t["name"]: t for t in r.json["server_types"]}
        self.assertEqual(sorted(n for n in types if n.startswith("cpx")),
                         ["cpx22", "cpx32", "cpx42", "cpx52", "cpx62"])
        t = types["cpx42"]
        self.assertEqual((t["cores"], t["memory"], t["disk"], t["architecture"]), (8, 16, 320, "x86"))
        for p in t["prices"]:
            self.assertEqual(p["price_monthly"]["net"], "19.4900000000")
            self.assertEqual(Decimal(p["price_monthly"]["gross"]), Decimal("19.49") * Decimal("1.19"))
            self.assertEqual(len(p["price_monthly"]["gross"].split(".")[1]), 16)
            self.assertEqual(p["included_traffic"], 21990232555520)
        self.assertEqual(sorted(p["location"] for p in t["prices"]), ["fsn1", "hel1", "nbg1"])
        self.assertTrue(all(set(x) == {"id", "name", "deprecation", "available", "recommended"}
                            for x in t["locations"]))
        self.assertEqual(api("GET", "/server_types/%d" % t["id"]).json["server_type"]["name"], "cpx42")
        self.assertEqual([x["name"] for x in api("GET", "/server_types?name=cpx62").json["server_types"]], ["cpx62"])
        self.assertError(api("GET", "/server_types/1"), 404, "not_found")
        pricing = api("GET", "/pricing").json["pricing"]
        self.assertEqual((pricing["currency"], pricing["vat_rate"]), ("EUR", "19.00"))
        self.assertEqual(len(pricing["server_types"]), 19)
        locs = api("GET", "/locations").json["locations"]
        self.assertEqual([(x["name"], x["network_zone"]) for x in locs],
                         [("fsn1", "eu-central"), ("nbg1", "eu-central"), ("hel1", "eu-central")])

    def test_the_whole_line_up(self):
        types = {t["name"]: t for t in api("GET", "/server_types").json["server_types"]}
        self.assertEqual(sorted({n.rstrip("0123456789") for n in types}), ["cax", "ccx", "cpx", "cx"])
        cax = types["cax21"]
        self.assertEqual((cax["architecture"], cax["cpu_type"], cax["cores"], cax["memory"], cax["disk"]),
                         ("arm", "shared", 4, 8, 80))
        self.assertEqual(types["ccx13"]["cpu_type"], "dedicated")
        self.assertEqual(types["cx43"]["prices"][0]["price_monthly"]["net"], "8.9900000000")
        ccx63 = types["ccx63"]
        self.assertEqual(sorted(p["location"] for p in ccx63["prices"]), ["fsn1", "nbg1"])
        self.assertEqual(sorted(x["name"] for x in ccx63["locations"]), ["fsn1", "nbg1"])
        self.assertError(api("POST", "/servers", {"name": "big", "server_type": "ccx63", "image": "debian-12",
                                                  "location": "hel1"}), 412, "resource_unavailable")
        dc = api("GET", "/datacenters?name=hel1-dc2").json["datacenters"][0]
        self.assertNotIn(ccx63["id"], dc["server_types"]["supported"])
        # an Arm type takes the arm image of a name, and keeps its architecture
        r = api("POST", "/servers", {"name": "arm1", "server_type": "cax11", "image": "ubuntu-24.04",
                                     "location": "fsn1"})
        self.assertEqual(r.status, 201)
        self.assertEqual(r.json["server"]["image"]["architecture"], "arm")
        self.finish_actions()
        sid = r.json["server"]["id"]
        api("POST", "/servers/%d/actions/poweroff" % sid)
        self.finish_actions()
        self.assertError(api("POST", "/servers/%d/actions/change_type" % sid,
                             {"server_type": "cx43", "upgrade_disk": False}), 422, "invalid_server_type")

    def test_images_one_name_per_architecture(self):
        imgs = api("GET", "/images?name=ubuntu-24.04").json["images"]
        self.assertEqual(sorted(i["architecture"] for i in imgs), ["arm", "x86"])
        imgs = api("GET", "/images?name=ubuntu-24.04&architecture=arm").json["images"]
        self.assertEqual([i["architecture"] for i in imgs], ["arm"])
        names = {i["name"] for i in api("GET", "/images?type=system&per_page=50").json["images"]}
        self.assertEqual(names, {"ubuntu-22.04", "ubuntu-24.04", "debian-12"})
        names = {i["name"] for i in api("GET", "/images?include_deprecated=true").json["images"]}
        self.assertIn("ubuntu-20.04", names)
        self.assertEqual(api("GET", "/images?type=snapshot").json["images"], [])
        # by name the server type's architecture wins; an arm image id does not fit x86
        s = self.create_server()["server"]
        self.assertEqual(s["image"]["architecture"], "x86")
        arm_id = imgs[0]["id"]
        err = self.assertError(api("POST", "/servers", {"name": "b", "server_type": "cpx22", "image": arm_id}),
                               422, "invalid_input")
        self.assertEqual(self.field_names(err), ["image"])


class TestServers(SimTest):
    def test_create_shape_actions_and_transitions(self):
        # start_server outlasts create_server here, to see the server `starting`
        ctl("POST", "config", {"action_seconds": 10, "command_seconds": {"start_server": 12}})
        key = api("POST", "/ssh_keys", {"name": "k", "public_key": ssh_public_key(3)}).json["ssh_key"]
        body = self.create_server(labels={"env": "prod"}, ssh_keys=[key["name"]])
        s = body["server"]
        self.assertEqual(s["status"], "initializing")
        self.assertEqual(s["server_type"]["name"], "cpx22")
        self.assertEqual(s["location"]["name"], "fsn1")
        self.assertEqual(s["datacenter"]["location"]["name"], "fsn1")
        self.assertEqual(s["public_net"]["ipv4"]["ip"], "127.0.0.1")
        self.assertTrue(s["public_net"]["ipv6"]["ip"].endswith("::/64"))
        self.assertEqual(s["labels"], {"env": "prod"})
        self.assertEqual(s["protection"], {"delete": False, "rebuild": False})
        self.assertTrue(s["locked"])
        self.assertIsNone(body["root_password"])
        self.assertEqual(body["action"]["command"], "create_server")
        self.assertEqual(body["action"]["status"], "running")
        self.assertEqual([a["command"] for a in body["next_actions"]], ["start_server"])
        aid, nid = body["action"]["id"], body["next_actions"][0]["id"]
        ctl("POST", "advance", {"seconds": 5})
        a = api("GET", "/actions/%d" % aid).json["action"]
        self.assertEqual((a["status"], 40 <= a["progress"] <= 60), ("running", True))
        ctl("POST", "advance", {"seconds": 5.5})
        acts = {a["id"]: a for a in api("GET", "/actions?id=%d&id=%d" % (aid, nid)).json["actions"]}
        self.assertEqual(acts[aid]["status"], "success")
        self.assertEqual(acts[aid]["progress"], 100)
        self.assertIsNotNone(acts[aid]["finished"])
        self.assertEqual(acts[nid]["status"], "running")
        # a next action is running from the create on, as the API shows it
        self.assertEqual(acts[nid]["started"], acts[aid]["started"])
        self.assertEqual(self.server(s["id"])["status"], "starting")
        ctl("POST", "advance", {"seconds": 2})
        self.assertEqual(api("GET", "/actions/%d" % nid).json["action"]["status"], "success")
        s = self.server(s["id"])
        self.assertEqual((s["status"], s["locked"]), ("running", False))
        # the same actions through the other action endpoints
        self.assertEqual(api("GET", "/servers/actions/%d" % aid).status, 200)
        self.assertEqual(api("GET", "/servers/%d/actions/%d" % (s["id"], nid)).status, 200)
        listed = api("GET", "/servers/%d/actions" % s["id"]).json["actions"]
        self.assertEqual([a["id"] for a in listed], [aid, nid])
        self.assertError(api("GET", "/firewalls/actions/%d" % aid), 404, "not_found")

    def test_next_action_finishes_no_earlier_than_its_predecessor(self):
        ctl("POST", "config", {"action_seconds": 10, "command_seconds": {"start_server": 1}})
        body = self.create_server()
        aid, nid = body["action"]["id"], body["next_actions"][0]["id"]
        ctl("POST", "advance", {"seconds": 5})
        acts = {a["id"]: a for a in api("GET", "/actions?id=%d&id=%d" % (aid, nid)).json["actions"]}
        self.assertEqual((acts[aid]["status"], acts[nid]["status"]), ("running", "running"))
        ctl("POST", "advance", {"seconds": 5.5})
        acts = {a["id"]: a for a in api("GET", "/actions?id=%d&id=%d" % (aid, nid)).json["actions"]}
        self.assertEqual((acts[aid]["status"], acts[nid]["status"]), ("success", "success"))
        self.assertEqual(acts[nid]["finished"], acts[aid]["finished"])
        self.assertEqual(self.server(body["server"]["id"])["status"], "running")

    def test_start_after_create_false_and_root_password(self):
        body = self.create_server(start_after_create=False)
        self.assertEqual(body["next_actions"], [])
        self.assertIsInstance(body["root_password"], str)
        self.finish_actions()
        self.assertEqual(self.server(body["server"]["id"])["status"], "off")

    def test_ids_as_int_or_string(self):
        key = api("POST", "/ssh_keys", {"name": "k1", "public_key": ssh_public_key(4)}).json["ssh_key"]
        key2 = api("POST", "/ssh_keys", {"name": "k2", "public_key": ssh_public_key(5)}).json["ssh_key"]
        img = api("GET", "/images?name=debian-12").json["images"][0]
        variants = [
            {"server_type": 105, "image": img["id"], "location": 2, "ssh_keys": [key["id"]]},
            {"server_type": "105", "image": str(img["id"]), "location": "2", "ssh_keys": [str(key["id"])]},
            {"server_type": "cpx32", "image": "debian-12", "location": "nbg1", "ssh_keys": ["k1", key2["id"]]},
        ]
        for n, v in enumerate(variants):
            r = api("POST", "/servers", dict(v, name="v%d" % n))
            self.assertEqual(r.status, 201, r.raw)
            s = r.json["server"]
            self.assertEqual((s["server_type"]["name"], s["image"]["name"], s["location"]["name"]),
                             ("cpx32", "debian-12", "nbg1"))
        self.finish_actions()
        sid = api("GET", "/servers?name=v0").json["servers"][0]["id"]
        self.assertEqual(api("POST", "/servers/%d/actions/poweroff" % sid).status, 201)
        self.finish_actions()
        r = api("POST", "/servers/%d/actions/change_type" % sid, {"server_type": 106, "upgrade_disk": False})
        self.assertEqual(r.status, 201, r.raw)
        self.finish_actions()
        s = self.server(sid)
        self.assertEqual((s["server_type"]["name"], s["primary_disk_size"], s["status"]), ("cpx42", 160, "off"))
        for bad in ({"server_type": "cpx99"}, {"image": 1}, {"location": "ash"}, {"ssh_keys": ["nope"]},
                    {"server_type": True}):
            body = {"name": "bad", "server_type": "cpx22", "image": "debian-12"}
            body.update(bad)
            err = self.assertError(api("POST", "/servers", body), 422, "invalid_input")
            self.assertEqual(self.field_names(err), list(bad))

    def test_validation_of_name_user_data_labels(self):
        for name in ("under_score", "-dash", "a" * 64, "", "dot..dot"):
            err = self.assertError(api("POST", "/servers", {"name": name, "server_type": "cpx22",
                                                            "image": "debian-12"}), 422, "invalid_input")
            self.assertEqual(self.field_names(err), ["name"])
        self.assertEqual(self.create_server("db-1.example.com")["server"]["name"], "db-1.example.com")
        big = "#cloud-config\n" + "x" * (32 * 1024)
        err = self.assertError(api("POST", "/servers", {"name": "ud", "server_type": "cpx22", "image": "debian-12",
                                                        "user_data": big}), 422, "invalid_input")
        self.assertEqual(self.field_names(err), ["user_data"])
        self.create_server("ud-ok", user_data="x" * (32 * 1024 - 1))
        for labels in ({"bad key": "v"}, {"k": "bad value"}, {"hetzner.cloud/x": "y"}, {"k": 1}, ["x"]):
            err = self.assertError(api("POST", "/servers", {"name": "lb", "server_type": "cpx22",
                                                            "image": "debian-12", "labels": labels}),
                                   422, "invalid_input")
            self.assertEqual(self.field_names(err), ["labels"])

    def test_uniqueness_errors(self):
        self.create_server("dup")
        err = self.assertError(api("POST", "/servers", {"name": "dup", "server_type": "cpx22", "image": "debian-12"}),
                               409, "uniqueness_error")
        self.assertEqual(err["details"]["fields"], [{"name": "name"}])
        other = self.create_server("other")["server"]
        self.assertError(api("PUT", "/servers/%d" % other["id"], {"name": "dup"}), 409, "uniqueness_error")

    def test_update_replaces_labels(self):
        s = self.create_server(labels={"a": "1", "b": "2"})["server"]
        r = api("PUT", "/servers/%d" % s["id"], {"labels": {"c": "3"}})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["server"]["labels"], {"c": "3"})
        r = api("PUT", "/servers/%d" % s["id"], {"name": "renamed"})
        self.assertEqual((r.json["server"]["name"], r.json["server"]["labels"]), ("renamed", {"c": "3"}))

    def test_locked_while_an_action_runs(self):
        ctl("POST", "config", {"action_seconds": 30})
        s = self.create_server()["server"]
        for cmd in ("poweroff", "reboot", "shutdown"):
            self.assertError(api("POST", "/servers/%d/actions/%s" % (s["id"], cmd)), 423, "locked")
        self.assertError(api("DELETE", "/servers/%d" % s["id"]), 423, "locked")
        self.assertTrue(self.server(s["id"])["locked"])
        ctl("POST", "advance", {"seconds": 61})
        r = api("POST", "/servers/%d/actions/poweroff" % s["id"])
        self.assertEqual(r.status, 201)
        self.assertEqual(self.server(s["id"])["status"], "stopping")
        self.assertError(api("POST", "/servers/%d/actions/poweron" % s["id"]), 423, "locked")

    def test_power_cycle_and_change_type_rules(self):
        s = self.create_server()["server"]
        self.finish_actions()
        sid = s["id"]
        err = self.assertError(api("POST", "/servers/%d/actions/change_type" % sid,
                                   {"server_type": "cpx32", "upgrade_disk": True}), 422, "server_not_stopped")
        self.assertIn("stop", err["message"])
        self.assertEqual(api("POST", "/servers/%d/actions/poweroff" % sid).json["action"]["command"], "stop_server")
        self.finish_actions()
        self.assertEqual(self.server(sid)["status"], "off")
        self.assertError(api("POST", "/servers/%d/actions/change_type" % sid,
                             {"server_type": "cpx99", "upgrade_disk": True}), 422, "invalid_server_type")
        self.assertError(api("POST", "/servers/%d/actions/change_type" % sid, {"server_type": "cpx32"}),
                         422, "invalid_input")
        r = api("POST", "/servers/%d/actions/change_type" % sid, {"server_type": "cpx32", "upgrade_disk": True})
        self.assertEqual(r.json["action"]["command"], "change_server_type")
        self.assertEqual(self.server(sid)["status"], "migrating")
        self.finish_actions()
        s = self.server(sid)
        self.assertEqual((s["server_type"]["name"], s["primary_disk_size"], s["status"]), ("cpx32", 160, "off"))
        # the disk grew, so going back down is refused
        self.assertError(api("POST", "/servers/%d/actions/change_type" % sid,
                             {"server_type": "cpx22", "upgrade_disk": False}), 422, "invalid_server_type")
        self.assertEqual(api("POST", "/servers/%d/actions/poweron" % sid).json["action"]["command"], "start_server")
        self.finish_actions()
        self.assertEqual(self.server(sid)["status"], "running")
        for cmd, command in (("reboot", "reboot_server"), ("reset", "reset_server"), ("shutdown", "shutdown_server")):
            self.assertEqual(api("POST", "/servers/%d/actions/%s" % (sid, cmd)).json["action"]["command"], command)
            self.finish_actions()
        self.assertEqual(self.server(sid)["status"], "off")
        r = api("POST", "/servers/%d/actions/rebuild" % sid, {"image": "ubuntu-22.04"})
        self.assertEqual(r.status, 201)
        self.assertIn("root_password", r.json)
        self.finish_actions()
        s = self.server(sid)
        self.assertEqual((s["image"]["name"], s["status"]), ("ubuntu-22.04", "running"))

    def test_protection_and_delete(self):
        s = self.create_server()["server"]
        self.finish_actions()
        sid = s["id"]
        self.assertError(api("POST", "/servers/%d/actions/change_protection" % sid,
                             {"delete": True, "rebuild": False}), 422, "invalid_input")
        r = api("POST", "/servers/%d/actions/change_protection" % sid, {"delete": True, "rebuild": True})
        self.assertEqual(r.status, 201)
        self.finish_actions()
        self.assertEqual(self.server(sid)["protection"], {"delete": True, "rebuild": True})
        self.assertError(api("DELETE", "/servers/%d" % sid), 423, "protected")
        self.assertError(api("POST", "/servers/%d/actions/rebuild" % sid, {"image": "debian-12"}), 423, "protected")
        api("POST", "/servers/%d/actions/change_protection" % sid, {"delete": False, "rebuild": False})
        self.finish_actions()
        r = api("DELETE", "/servers/%d" % sid)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["action"]["command"], "delete_server")
        self.assertError(api("GET", "/servers/%d" % sid), 404, "not_found")
        self.create_server()  # the name is free again

    def test_server_limit(self):
        ctl("POST", "config", {"server_limit": 1})
        self.create_server("one")
        err = self.assertError(api("POST", "/servers", {"name": "two", "server_type": "cpx22", "image": "debian-12"}),
                               403, "resource_limit_exceeded")
        self.assertEqual(err["details"], {"limits": [{"name": "server_limit"}]})

    def test_actions_list_requires_id(self):
        err = self.assertError(api("GET", "/actions"), 422, "invalid_input")
        self.assertEqual(self.field_names(err), ["id"])
        self.assertError(api("GET", "/actions?id=x"), 422, "invalid_input")
        self.assertEqual(api("GET", "/actions?id=5").json["actions"], [])
        self.assertError(api("GET", "/actions/5"), 404, "not_found")


class TestSshKeys(SimTest):
    def test_crud_fingerprint_and_uniqueness(self):
        pub = ssh_public_key(7)
        r = api("POST", "/ssh_keys", {"name": "k", "public_key": pub, "labels": {"a": "b"}})
        self.assertEqual(r.status, 201)
        k = r.json["ssh_key"]
        import hashlib
        blob = base64.b64decode(pub.split()[1])
        digest = hashlib.md5(blob).hexdigest()
        self.assertEqual(k["fingerprint"], ":".join(digest[i:i + 2] for i in range(0, 32, 2)))
        err = self.assertError(api("POST", "/ssh_keys", {"name": "k", "public_key": ssh_public_key(8)}),
                               409, "uniqueness_error")
        self.assertEqual(err["details"]["fields"], [{"name": "name"}])
        err = self.assertError(api("POST", "/ssh_keys", {"name": "k2", "public_key": pub.replace("user@host", "x")}),
                               409, "uniqueness_error")
        self.assertEqual(err["details"]["fields"], [{"name": "public_key"}])
        err = self.assertError(api("POST", "/ssh_keys", {"name": "k3", "public_key": "ssh-rsa notbase64!"}),
                               422, "invalid_input")
        self.assertEqual(self.field_names(err), ["public_key"])
        self.assertEqual(len(api("GET", "/ssh_keys?fingerprint=" + k["fingerprint"]).json["ssh_keys"]), 1)
        r = api("PUT", "/ssh_keys/%d" % k["id"], {"name": "k9", "labels": {}})
        self.assertEqual((r.status, r.json["ssh_key"]["name"], r.json["ssh_key"]["labels"]), (200, "k9", {}))
        r = api("DELETE", "/ssh_keys/%d" % k["id"])
        self.assertEqual((r.status, r.raw), (204, b""))
        self.assertNotIn("content-type", r.headers)  # no body, so not JSON either
        self.assertError(api("DELETE", "/ssh_keys/%d" % k["id"]), 404, "not_found")


class TestFirewalls(SimTest):
    RULES = [{"direction": "in", "protocol": "tcp", "port": "22", "source_ips": ["0.0.0.0/0", "2001:0db8::/32"]},
             {"direction": "in", "protocol": "icmp", "source_ips": ["0.0.0.0/0"]},
             {"direction": "out", "protocol": "udp", "port": "1024-5000", "destination_ips": ["10.0.0.0/8"]}]

    def test_create_apply_and_delete(self):
        s = self.create_server(labels={"env": "prod"})["server"]
        other = self.create_server("other", labels={"env": "prod"})["server"]
        r = api("POST", "/firewalls", {"name": "fw", "rules": self.RULES,
                                       "apply_to": [{"type": "server", "server": {"id": s["id"]}}]})
        self.assertEqual(r.status, 201, r.raw)
        fw = r.json["firewall"]
        self.assertEqual(sorted(a["command"] for a in r.json["actions"]), ["apply_firewall", "set_firewall_rules"])
        self.assertEqual(fw["rules"][0]["source_ips"], ["0.0.0.0/0", "2001:db8::/32"])  # RFC 5952 form
        self.assertIsNone(fw["rules"][1]["port"])
        self.assertEqual(fw["applied_to"], [{"type": "server", "server": {"id": s["id"]}}])
        self.assertEqual(self.server(s["id"])["public_net"]["firewalls"], [{"id": fw["id"], "status": "pending"}])
        self.finish_actions()
        self.assertEqual(self.server(s["id"])["public_net"]["firewalls"], [{"id": fw["id"], "status": "applied"}])
        self.assertError(api("DELETE", "/firewalls/%d" % fw["id"]), 422, "resource_in_use")
        self.assertError(api("POST", "/firewalls/%d/actions/apply_to_resources" % fw["id"],
                             {"apply_to": [{"type": "server", "server": {"id": s["id"]}}]}),
                         422, "firewall_already_applied")
        self.assertError(api("POST", "/firewalls/%d/actions/apply_to_resources" % fw["id"],
                             {"apply_to": [{"type": "server", "server": {"id": 999}}]}),
                         404, "firewall_resource_not_found")
        r = api("POST", "/firewalls/%d/actions/apply_to_resources" % fw["id"],
                {"apply_to": [{"type": "label_selector", "label_selector": {"selector": "env=prod"}}]})
        self.assertEqual(r.status, 201)
        got = api("GET", "/firewalls/%d" % fw["id"]).json["firewall"]["applied_to"][1]
        self.assertEqual(sorted(x["server"]["id"] for x in got["applied_to_resources"]), [s["id"], other["id"]])
        self.assertEqual(self.server(other["id"])["public_net"]["firewalls"], [{"id": fw["id"], "status": "applied"}])
        self.assertError(api("POST", "/firewalls/%d/actions/remove_from_resources" % fw["id"],
                             {"remove_from": [{"type": "server", "server": {"id": other["id"]}}]}),
                         422, "firewall_managed_by_label_selector")
        r = api("POST", "/firewalls/%d/actions/remove_from_resources" % fw["id"],
                {"remove_from": [{"type": "server", "server": {"id": s["id"]}},
                                 {"type": "label_selector", "label_selector": {"selector": "env=prod"}}]})
        self.assertEqual([a["command"] for a in r.json["actions"]], ["remove_firewall", "remove_firewall"])
        r = api("POST", "/firewalls/%d/actions/set_rules" % fw["id"], {"rules": []})
        self.assertEqual((r.status, r.json["actions"][0]["command"]), (201, "set_firewall_rules"))
        r = api("PUT", "/firewalls/%d" % fw["id"], {"name": "fw2", "labels": {"x": "y"}})
        self.assertEqual((r.json["firewall"]["name"], r.json["firewall"]["rules"]), ("fw2", []))
        self.assertEqual(api("DELETE", "/firewalls/%d" % fw["id"]).status, 204)

    def test_rule_validation(self):
        bad = [
            ({"direction": "up", "protocol": "tcp", "port": "22", "source_ips": ["0.0.0.0/0"]}, "direction"),
            ({"direction": "in", "protocol": "sctp", "source_ips": ["0.0.0.0/0"]}, "protocol"),
            ({"direction": "in", "protocol": "tcp", "port": "70000", "source_ips": ["0.0.0.0/0"]}, "port"),
            ({"direction": "in", "protocol": "tcp", "port": "90-80", "source_ips": ["0.0.0.0/0"]}, "port"),
            ({"direction": "in", "protocol": "tcp", "source_ips": ["0.0.0.0/0"]}, "port"),
            ({"direction": "in", "protocol": "icmp", "port": "1", "source_ips": ["0.0.0.0/0"]}, "port"),
            ({"direction": "in", "protocol": "tcp", "port": "80", "source_ips": ["10.0.0.1/8"]}, "source_ips"),
            ({"direction": "in", "protocol": "tcp", "port": "80", "source_ips": []}, "source_ips"),
            ({"direction": "in", "protocol": "tcp", "port": "80", "source_ips": ["0.0.0.0/0"],
              "destination_ips": ["0.0.0.0/0"]}, "destination_ips"),
        ]
        for rule, field in bad:
            err = self.assertError(api("POST", "/firewalls", {"name": "fw", "rules": [rule]}), 422, "invalid_input")
            self.assertEqual(self.field_names(err), ["rules[0].%s" % field], rule)
        self.assertEqual(api("POST", "/firewalls", {"name": "fw"}).status, 201)
        self.assertError(api("POST", "/firewalls", {"name": "fw"}), 409, "uniqueness_error")


class TestDns(SimTest):
    def test_zone_and_rrset_lifecycle(self):
        r = api("POST", "/zones", {"name": "example.com", "mode": "primary", "labels": {"env": "prod"}})
        self.assertEqual(r.status, 201, r.raw)
        z = r.json["zone"]
        self.assertEqual(r.json["action"]["command"], "create_zone")
        self.assertEqual((z["ttl"], z["mode"], z["record_count"]), (3600, "primary", 4))
        self.assertEqual(api("GET", "/zones/example.com").json["zone"]["id"], z["id"])
        self.assertEqual(api("GET", "/zones/%d" % z["id"]).json["zone"]["name"], "example.com")
        self.assertError(api("POST", "/zones", {"name": "example.com", "mode": "primary"}), 409, "uniqueness_error")
        types = sorted(x["type"] for x in api("GET", "/zones/example.com/rrsets").json["rrsets"])
        self.assertEqual(types, ["NS", "SOA"])
        r = api("POST", "/zones/example.com/rrsets", {"name": "www", "type": "A", "ttl": 300,
                                                      "records": [{"value": "192.0.2.1", "comment": "web"}]})
        self.assertEqual(r.status, 201, r.raw)
        self.assertEqual((r.json["rrset"]["id"], r.json["rrset"]["zone"]), ("www/A", z["id"]))
        self.assertEqual(r.json["action"]["command"], "create_rrset")
        self.assertError(api("POST", "/zones/example.com/rrsets", {"name": "www", "type": "A",
                                                                   "records": [{"value": "192.0.2.2"}]}),
                         409, "uniqueness_error")
        for body in ({"name": "WWW", "type": "A", "records": [{"value": "192.0.2.1"}]},
                     {"name": "x.", "type": "A", "records": [{"value": "192.0.2.1"}]},
                     {"name": "x", "type": "A", "records": [{"value": "nope"}]},
                     {"name": "x", "type": "A", "records": []},
                     {"name": "x", "type": "TXT", "records": [{"value": "unquoted"}]},
                     {"name": "x", "type": "BOGUS", "records": [{"value": "1"}]},
                     {"name": "x", "type": "A", "ttl": 10, "records": [{"value": "192.0.2.1"}]}):
            self.assertError(api("POST", "/zones/example.com/rrsets", body), 422, "invalid_input")
        self.assertEqual(api("POST", "/zones/example.com/rrsets",
                             {"name": "@", "type": "TXT", "records": [{"value": '"v=spf1 -all"'}]}).status, 201)
        r = api("GET", "/zones/example.com/rrsets/www/A")
        self.assertEqual(r.json["rrset"]["records"], [{"value": "192.0.2.1", "comment": "web"}])
        r = api("POST", "/zones/example.com/rrsets/www/A/actions/set_records",
                {"records": [{"value": "192.0.2.7"}, {"value": "192.0.2.8"}]})
        self.assertEqual((r.status, r.json["action"]["command"]), (201, "set_rrset_records"))
        recs = api("GET", "/zones/example.com/rrsets/www/A").json["rrset"]["records"]
        self.assertEqual([x["value"] for x in recs], ["192.0.2.7", "192.0.2.8"])
        r = api("PUT", "/zones/example.com/rrsets/www/A", {"labels": {"k": "v"}})
        self.assertEqual((r.status, r.json["rrset"]["labels"]), (200, {"k": "v"}))
        self.assertEqual([x["id"] for x in api("GET", "/zones/example.com/rrsets?type=A").json["rrsets"]], ["www/A"])
        self.assertEqual([x["id"] for x in api("GET", "/zones/example.com/rrsets?label_selector=k").json["rrsets"]],
                         ["www/A"])
        self.assertEqual([x["id"] for x in api("GET", "/zones/example.com/rrsets?name=%40").json["rrsets"]],
                         ["@/NS", "@/SOA", "@/TXT"])
        r = api("DELETE", "/zones/example.com/rrsets/www/A")
        self.assertEqual((r.status, r.json["action"]["command"]), (201, "delete_rrset"))
        self.assertError(api("GET", "/zones/example.com/rrsets/www/A"), 404, "not_found")
        r = api("PUT", "/zones/%d" % z["id"], {"labels": {}})
        self.assertEqual((r.status, r.json["zone"]["labels"]), (200, {}))
        self.assertEqual([x["name"] for x in api("GET", "/zones?name=example.com").json["zones"]], ["example.com"])
        r = api("DELETE", "/zones/example.com")
        self.assertEqual((r.status, r.json["action"]["command"]), (201, "delete_zone"))
        self.assertError(api("GET", "/zones/example.com"), 404, "not_found")

    def test_rrset_record_actions_protection_and_zonefile(self):
        api("POST", "/zones", {"name": "example.com", "mode": "primary", "ttl": 7200})
        base = "/zones/example.com/rrsets/mail/MX"
        r = api("POST", base + "/actions/add_records", {"records": [{"value": "10 mx1.example.com."}]})
        self.assertEqual((r.status, r.json["action"]["command"]), (201, "add_rrset_records"))
        api("POST", base + "/actions/add_records", {"records": [{"value": "20 mx2.example.com."}], "ttl": 600})
        rr = api("GET", base).json["rrset"]
        self.assertEqual(([x["value"] for x in rr["records"]], rr["ttl"]),
                         (["10 mx1.example.com.", "20 mx2.example.com."], 600))
        r = api("POST", base + "/actions/change_ttl", {"ttl": None})
        self.assertEqual((r.status, api("GET", base).json["rrset"]["ttl"]), (201, None))
        api("POST", base + "/actions/change_protection", {"change": True})
        self.assertError(api("DELETE", base), 423, "protected")
        self.assertError(api("POST", base + "/actions/set_records", {"records": [{"value": "5 x."}]}),
                         423, "protected")
        api("POST", base + "/actions/change_protection", {"change": False})
        api("POST", base + "/actions/remove_records", {"records": [{"value": "10 mx1.example.com."}]})
        zonefile = api("GET", "/zones/example.com/zonefile").json["zonefile"]
        self.assertIn("$TTL\t7200", zonefile)
        self.assertIn("mail\tIN\tMX\t20 mx2.example.com.", zonefile)
        self.assertNotIn("mx1", zonefile)
        api("POST", base + "/actions/remove_records", {"records": [{"value": "20 mx2.example.com."}]})
        self.assertError(api("GET", base), 404, "not_found")  # an emptied rrset is deleted
        r = api("POST", "/zones/example.com/actions/change_ttl", {"ttl": 300})
        self.assertEqual((r.status, api("GET", "/zones/example.com").json["zone"]["ttl"]), (201, 300))
        api("POST", "/zones/example.com/actions/change_protection", {"delete": True})
        self.assertError(api("DELETE", "/zones/example.com"), 423, "protected")
        self.assertEqual(len(api("GET", "/zones/example.com/actions").json["actions"]), 10)

    def test_secondary_zone_rejects_rrsets(self):
        r = api("POST", "/zones", {"name": "example.org", "mode": "secondary",
                                   "primary_nameservers": [{"address": "198.51.100.1"}]})
        self.assertEqual(r.status, 201, r.raw)
        self.assertError(api("POST", "/zones/example.org/rrsets",
                             {"name": "www", "type": "A", "records": [{"value": "192.0.2.1"}]}),
                         422, "incorrect_zone_mode")
        self.assertError(api("POST", "/zones", {"name": "example.net", "mode": "secondary"}), 422, "invalid_input")
        self.assertError(api("POST", "/zones", {"name": "Example.net.", "mode": "primary"}), 422, "invalid_input")


class TestFaults(SimTest):
    def test_status_faults_map_to_codes(self):
        for status, code in ((429, "rate_limit_exceeded"), (500, "server_error"), (502, "bad_gateway"),
                             (503, "unavailable"), (504, "timeout"), (409, "conflict")):
            ctl("POST", "faults", {"kind": "status", "status": status})
            r = api("GET", "/servers")
            self.assertError(r, status, code)
            if status == 429:
                self.assertEqual(r.headers["ratelimit-remaining"], "0")
            self.assertEqual(api("GET", "/servers").status, 200)

    def test_count_and_filters(self):
        ctl("POST", "faults", {"kind": "status", "status": 503, "count": 2, "method": "POST", "path": "^/ssh_keys$"})
        self.assertEqual(api("GET", "/ssh_keys").status, 200)
        body = {"name": "k", "public_key": ssh_public_key(9)}
        self.assertEqual([api("POST", "/ssh_keys", body).status for _ in range(3)], [503, 503, 201])
        ctl("POST", "faults", {"kind": "status", "status": 500, "count": -1})
        self.assertEqual([api("GET", "/servers").status for _ in range(3)], [500, 500, 500])
        ctl("DELETE", "faults")
        self.assertEqual(api("GET", "/servers").status, 200)

    def test_at_request_counts_only_api_requests(self):
        ctl("POST", "faults", {"kind": "status", "status": 500, "at_request": 3})
        statuses = []
        for _ in range(4):
            statuses.append(api("GET", "/locations").status)
            ctl("GET", "health")  # control requests are not counted
        self.assertEqual(statuses, [200, 200, 500, 200])
        log = ctl("GET", "requests")
        self.assertEqual(log["count"], 4)
        self.assertEqual([(x["n"], x["status"], x["fault"]) for x in log["requests"]],
                         [(1, 200, None), (2, 200, None), (3, 500, "status"), (4, 200, None)])
        self.assertEqual(log["requests"][0]["path"], "/v1/locations")

    def test_kill_after_request_k(self):
        import subprocess
        victim = subprocess.Popen(["sleep", "30"])
        try:
            ctl("POST", "faults", {"kind": "kill", "pid": victim.pid, "at_request": 2})
            self.assertEqual(api("GET", "/locations").status, 200)
            self.assertIsNone(victim.poll())
            # request 2 takes effect before the client is killed
            api("POST", "/ssh_keys", {"name": "k", "public_key": ssh_public_key(7)})
            self.assertEqual(victim.wait(timeout=5), -9)
            self.assertEqual(ctl("GET", "faults")["faults"], [])
            self.assertEqual([k["name"] for k in ctl("GET", "state")["ssh_keys"]], ["k"])
            # a kill needs its pid and its request
            r = request("POST", "/_sim/faults", {"kind": "kill", "at_request": 1}, token=None)
            self.assertEqual(r.status, 422)
        finally:
            if victim.poll() is None:
                victim.kill()

    def test_fault_after_the_request_took_effect(self):
        ctl("POST", "faults", {"kind": "status", "status": 504, "when": "after", "path": "^/servers$"})
        r = api("POST", "/servers", {"name": "ghost", "server_type": "cpx22", "image": "debian-12"})
        self.assertError(r, 504, "timeout")
        self.assertEqual([s["name"] for s in api("GET", "/servers").json["servers"]], ["ghost"])

    def test_drop_closes_the_connection(self):
        ctl("POST", "faults", {"kind": "drop"})
        with self.assertRaises((http.client.HTTPException, ConnectionError)):
            api("GET", "/servers")
        self.assertEqual(api("GET", "/servers").status, 200)
        self.assertTrue(ctl("GET", "requests")["requests"][0]["dropped"])

    def test_slow(self):
        ctl("POST", "faults", {"kind": "slow", "seconds": 0.4})
        t = time.monotonic()
        self.assertEqual(api("GET", "/servers").status, 200)
        self.assertGreaterEqual(time.monotonic() - t, 0.4)
        t = time.monotonic()
        api("GET", "/servers")
        self.assertLess(time.monotonic() - t, 0.3)

    def test_action_error(self):
        s = self.create_server()["server"]
        self.finish_actions()
        api("POST", "/servers/%d/actions/poweroff" % s["id"])
        self.finish_actions()
        ctl("POST", "faults", {"kind": "action_error", "command": "change_type"})
        a = api("POST", "/servers/%d/actions/change_type" % s["id"],
                {"server_type": "cpx32", "upgrade_disk": True}).json["action"]
        self.assertEqual(a["status"], "running")
        self.finish_actions()
        a = api("GET", "/actions/%d" % a["id"]).json["action"]
        self.assertEqual((a["status"], a["error"]["code"]), ("error", "action_failed"))
        s = self.server(s["id"])
        self.assertEqual((s["server_type"]["name"], s["status"]), ("cpx22", "off"))
        a = api("POST", "/servers/%d/actions/change_type" % s["id"],
                {"server_type": "cpx32", "upgrade_disk": True}).json["action"]
        self.finish_actions()
        self.assertEqual(api("GET", "/actions/%d" % a["id"]).json["action"]["status"], "success")
        # a failed create_server also fails the start_server that follows it
        ctl("POST", "faults", {"kind": "action_error", "command": "create_server", "message": "no capacity"})
        body = self.create_server("web2")
        self.finish_actions()
        acts = api("GET", "/actions?id=%d&id=%d" % (body["action"]["id"], body["next_actions"][0]["id"])).json
        self.assertEqual([a["status"] for a in acts["actions"]], ["error", "error"])
        self.assertEqual(acts["actions"][0]["error"]["message"], "no capacity")

    def test_type_unavailable_and_deprecated(self):
        ctl("POST", "faults", {"kind": "type_unavailable", "server_type": "cpx52", "location": "nbg1"})
        t = api("GET", "/server_types?name=cpx52").json["server_types"][0]
        self.assertEqual({x["name"]: x["available"] for x in t["locations"]},
                         {"fsn1": True, "nbg1": False, "hel1": True})
        self.assertError(api("POST", "/servers", {"name": "x", "server_type": "cpx52", "image": "debian-12",
                                                  "location": "nbg1"}), 412, "resource_unavailable")
        self.assertEqual(api("POST", "/servers", {"name": "y", "server_type": "cpx52", "image": "debian-12",
                                                  "location": "fsn1"}).status, 201)
        seed_servers([{"name": "n1", "location": "nbg1", "status": "off"}])
        sid = api("GET", "/servers?name=n1").json["servers"][0]["id"]
        self.assertError(api("POST", "/servers/%d/actions/change_type" % sid,
                             {"server_type": "cpx52", "upgrade_disk": True}), 422, "invalid_server_type")
        ctl("POST", "faults", {"kind": "type_deprecated", "server_type": "cpx62"})
        t = api("GET", "/server_types/108").json["server_type"]
        self.assertTrue(t["deprecated"])
        self.assertIsNotNone(t["deprecation"]["unavailable_after"])
        self.assertError(api("POST", "/servers/%d/actions/change_type" % sid,
                             {"server_type": "cpx62", "upgrade_disk": True}), 422, "invalid_server_type")
        ctl("POST", "faults", {"kind": "type_deprecated", "server_type": "cpx42",
                               "unavailable_after": "2020-01-01T00:00:00+00:00"})
        self.assertNotIn("cpx42", [x["name"] for x in api("GET", "/server_types").json["server_types"]])
        self.assertError(api("POST", "/servers", {"name": "z", "server_type": "cpx42", "image": "debian-12"}),
                         412, "resource_unavailable")
        ctl("DELETE", "faults")
        self.assertEqual(len(api("GET", "/server_types").json["server_types"]), 19)

    def test_bad_fault_specs_are_refused(self):
        for spec in ({"kind": "nope"}, {"kind": "status", "status": 200}, {"kind": "type_unavailable"},
                     {"kind": "status", "status": 500, "when": "never"}):
            r = request("POST", "/_sim/faults", spec, token=None)
            self.assertEqual(r.status, 422, spec)


class TestPlacementGroups(SimTest):
    def create(self, name, **extra):
        body = {"name": name, "type": "spread"}
        body.update(extra)
        r = api("POST", "/placement_groups", body)
        self.assertEqual(r.status, 201, r.raw)
        return r.json

    def test_crud_and_uniqueness(self):
        ans = self.create("becker-lock", labels={"infrac/lock-holder": "alice", "infrac/project": "becker"})
        self.assertEqual(set(ans), {"placement_group", "action"})
        self.assertIsNone(ans["action"])
        pg = ans["placement_group"]
        self.assertEqual((pg["id"], pg["name"], pg["type"], pg["servers"]), (700001, "becker-lock", "spread", []))
        self.assertEqual(pg["labels"], {"infrac/lock-holder": "alice", "infrac/project": "becker"})
        self.assertTrue(pg["created"].endswith("+00:00"))
        err = self.assertError(api("POST", "/placement_groups", {"name": "becker-lock", "type": "spread"}),
                               409, "uniqueness_error")
        self.assertEqual(err["details"], {"fields": [{"name": "name"}]})
        err = self.assertError(api("POST", "/placement_groups", {"name": "x", "type": "cluster",
                                                                 "labels": {"hetzner.cloud/x": "y"}}),
                               422, "invalid_input")
        self.assertEqual(self.field_names(err), ["type", "labels"])
        err = self.assertError(api("POST", "/placement_groups", {"type": "spread"}), 422, "invalid_input")
        self.assertEqual(self.field_names(err), ["name"])
        self.assertEqual(api("GET", "/placement_groups/%d" % pg["id"]).json["placement_group"], pg)
        self.assertError(api("GET", "/placement_groups/700999"), 404, "not_found")
        self.assertError(api("GET", "/placement_groups/100001"), 404, "not_found")  # a server's id
        r = api("PUT", "/placement_groups/%d" % pg["id"], {"name": "renamed", "labels": {"a": "b"}})
        self.assertEqual((r.status, r.json["placement_group"]["name"], r.json["placement_group"]["labels"]),
                         (200, "renamed", {"a": "b"}))
        self.create("other")
        self.assertError(api("PUT", "/placement_groups/%d" % pg["id"], {"name": "other"}), 409, "uniqueness_error")
        r = api("DELETE", "/placement_groups/%d" % pg["id"])
        self.assertEqual((r.status, r.raw), (204, b""))
        self.assertError(api("DELETE", "/placement_groups/%d" % pg["id"]), 404, "not_found")
        self.create("becker-lock")  # the name is free again

    def test_list_filters_and_pagination(self):
        for i in range(60):
            self.create("pg-%02d" % i, labels={"parity": "odd" if i % 2 else "even"})
        r = api("GET", "/placement_groups?per_page=50")
        self.assertEqual((len(r.json["placement_groups"]), r.json["meta"]["pagination"]["next_page"]), (50, 2))
        r = api("GET", "/placement_groups?per_page=50&page=2")
        self.assertEqual((len(r.json["placement_groups"]), r.json["meta"]["pagination"]["next_page"]), (10, None))
        names = [g["name"] for g in api("GET", "/placement_groups?name=pg-07").json["placement_groups"]]
        self.assertEqual(names, ["pg-07"])
        self.assertEqual(api("GET", "/placement_groups?name=pg-7").json["placement_groups"], [])
        r = api("GET", "/placement_groups?label_selector=parity%3Dodd&per_page=50")
        self.assertEqual(r.json["meta"]["pagination"]["total_entries"], 30)
        self.assertEqual(len(api("GET", "/placement_groups?type=spread&per_page=50").json["placement_groups"]), 50)
        r = api("GET", "/placement_groups?sort=name:desc&per_page=1")
        self.assertEqual(r.json["placement_groups"][0]["name"], "pg-59")
        self.assertError(api("GET", "/placement_groups?label_selector=a%20in%20("), 422, "invalid_input")

    def test_servers_in_a_group(self):
        pg = self.create("spread")["placement_group"]
        s = self.create_server("web1", placement_group=pg["id"])["server"]
        self.assertEqual(s["placement_group"]["id"], pg["id"])
        self.assertEqual(api("GET", "/placement_groups/%d" % pg["id"]).json["placement_group"]["servers"], [s["id"]])
        err = self.assertError(api("POST", "/servers", {"name": "web2", "server_type": "cpx22",
                                                        "image": "debian-12", "placement_group": 700999}),
                               422, "invalid_input")
        self.assertEqual(self.field_names(err), ["placement_group"])
        for i in range(9):
            self.create_server("fill%d" % i, placement_group=pg["id"])
        self.assertError(api("POST", "/servers", {"name": "eleventh", "server_type": "cpx22", "image": "debian-12",
                                                  "placement_group": pg["id"]}), 422, "placement_error")
        self.assertEqual(api("DELETE", "/placement_groups/%d" % pg["id"]).status, 204)
        self.assertIsNone(self.server(s["id"])["placement_group"])
        self.assertEqual([len(ctl("GET", "state")[k]) for k in ("placement_groups", "servers")], [0, 10])


class TestSnapshots(SimTest):
    def test_create_image_list_protect_delete(self):
        s = self.create_server("db1")["server"]
        self.finish_actions()
        r = api("POST", "/servers/%d/actions/create_image" % s["id"],
                {"type": "snapshot", "description": "before change", "labels": {"infrac/project": "becker"}})
        self.assertEqual(r.status, 201, r.raw)
        img, act = r.json["image"], r.json["action"]
        self.assertEqual((img["id"], img["type"], img["status"], img["name"], img["image_size"], img["disk_size"]),
                         (600001, "snapshot", "creating", None, None, 80))
        self.assertEqual(img["created_from"], {"id": s["id"], "name": "db1"})
        self.assertEqual((img["description"], img["labels"], img["protection"]),
                         ("before change", {"infrac/project": "becker"}, {"delete": False}))
        self.assertEqual((act["command"], act["status"]), ("create_image", "running"))
        self.assertEqual({(x["type"], x["id"]) for x in act["resources"]}, {("server", s["id"]), ("image", img["id"])})
        self.assertError(api("DELETE", "/servers/%d" % s["id"]), 423, "locked")  # busy with the snapshot
        self.assertError(api("DELETE", "/images/%d" % img["id"]), 423, "locked")
        self.finish_actions()
        got = api("GET", "/images/%d" % img["id"]).json["image"]
        self.assertEqual((got["status"], got["image_size"], got["os_flavor"]), ("available", 4.0, "ubuntu"))
        self.assertEqual(api("GET", "/images/%d/actions" % img["id"]).json["actions"][0]["status"], "success")
        listed = api("GET", "/images?type=snapshot").json["images"]
        self.assertEqual([i["id"] for i in listed], [img["id"]])
        self.assertEqual(len(api("GET", "/images?type=snapshot&label_selector=infrac%2Fproject%3Dother")
                             .json["images"]), 0)
        self.assertEqual(len(api("GET", "/images?label_selector=infrac%2Fproject%3Dbecker").json["images"]), 1)
        self.assertNotIn(img["id"], [i["id"] for i in api("GET", "/images?type=system&per_page=50").json["images"]])
        r = api("PUT", "/images/%d" % img["id"], {"description": "kept", "labels": {"k": "v"}})
        self.assertEqual((r.status, r.json["image"]["description"], r.json["image"]["labels"]), (200, "kept", {"k": "v"}))
        # a server made from the snapshot
        s2 = self.create_server("db2", image=img["id"])["server"]
        self.assertEqual((s2["image"]["id"], s2["image"]["type"]), (img["id"], "snapshot"))
        r = api("POST", "/images/%d/actions/change_protection" % img["id"], {"delete": True})
        self.assertEqual((r.status, r.json["action"]["command"]), (201, "change_protection"))
        self.finish_actions()
        self.assertError(api("DELETE", "/images/%d" % img["id"]), 423, "protected")
        api("POST", "/images/%d/actions/change_protection" % img["id"], {"delete": False})
        self.finish_actions()
        self.assertEqual(api("DELETE", "/images/%d" % img["id"]).status, 204)
        self.assertError(api("GET", "/images/%d" % img["id"]), 404, "not_found")
        self.assertIsNone(self.server(s2["id"])["image"])
        self.assertError(api("DELETE", "/images/114690387"), 422, "unsupported_error")  # debian-12

    def test_validation_and_failure(self):
        s = self.create_server("db1")["server"]
        self.finish_actions()
        err = self.assertError(api("POST", "/servers/%d/actions/create_image" % s["id"], {"type": "iso"}),
                               422, "invalid_input")
        self.assertEqual(self.field_names(err), ["type"])
        self.assertError(api("POST", "/servers/%d/actions/create_image" % s["id"], {"type": "backup"}),
                         422, "invalid_input")
        self.assertError(api("POST", "/servers/100999/actions/create_image", {}), 404, "not_found")
        r = api("POST", "/servers/%d/actions/create_image" % s["id"], {})  # type defaults to snapshot
        self.assertEqual((r.status, r.json["image"]["type"]), (201, "snapshot"))
        self.assertTrue(r.json["image"]["description"].startswith("db1-"))
        self.finish_actions()
        ctl("POST", "faults", {"kind": "action_error", "command": "create_image"})
        r = api("POST", "/servers/%d/actions/create_image" % s["id"], {})
        self.finish_actions()
        act = api("GET", "/actions/%d" % r.json["action"]["id"]).json["action"]
        self.assertEqual(act["status"], "error")
        self.assertError(api("GET", "/images/%d" % r.json["image"]["id"]), 404, "not_found")  # a failed one is gone
        self.assertEqual(len(ctl("GET", "state")["images"]), 1)

    def test_pricing_lists_snapshot_price(self):
        p = api("GET", "/pricing").json["pricing"]
        self.assertEqual(Decimal(p["image"]["price_per_gb_month"]["net"]), Decimal("0.0143"))


class TestNetworks(SimTest):
    def create(self, name="becker", ip_range="10.0.0.0/16", **extra):
        body = {"name": name, "ip_range": ip_range}
        body.update(extra)
        r = api("POST", "/networks", body)
        self.assertEqual(r.status, 201, r.raw)
        return r.json["network"]

    def subnet(self, net, ip_range="10.0.0.0/24", zone="eu-central"):
        return api("POST", "/networks/%d/actions/add_subnet" % net["id"],
                   {"type": "cloud", "network_zone": zone, "ip_range": ip_range})

    def attach(self, sid, nid, ip=None):
        body = {"network": nid}
        if ip:
            body["ip"] = ip
        return api("POST", "/servers/%d/actions/attach_to_network" % sid, body)

    def test_crud_subnets_and_errors(self):
        net = self.create(labels={"infrac/project": "becker"},
                          subnets=[{"type": "cloud", "network_zone": "eu-central", "ip_range": "10.0.0.0/24"}])
        self.assertEqual(net["id"], 800001)
        self.assertEqual((net["ip_range"], net["servers"], net["protection"]), ("10.0.0.0/16", [], {"delete": False}))
        self.assertEqual(net["subnets"], [{"type": "cloud", "ip_range": "10.0.0.0/24", "network_zone": "eu-central",
                                           "gateway": "10.0.0.1", "vswitch_id": None}])
        self.assertError(api("POST", "/networks", {"name": "becker", "ip_range": "10.1.0.0/16"}), 409,
                         "uniqueness_error")
        for bad in ("100.64.0.0/16", "10.0.0.0/25", "10.0.0.1/16", "nope"):
            err = self.assertError(api("POST", "/networks", {"name": "x", "ip_range": bad}), 422, "invalid_input")
            self.assertEqual(self.field_names(err), ["ip_range"])
        err = self.assertError(self.subnet(net, "10.0.0.128/25"), 422, "invalid_input")
        self.assertEqual(self.field_names(err), ["ip_range"])
        self.assertError(self.subnet(net, "10.9.0.0/24".replace("10.9", "192.168")), 422, "invalid_input")
        r = self.subnet(net, "10.0.1.0/24")
        self.assertEqual((r.status, r.json["action"]["command"]), (201, "add_subnet"))
        r = api("GET", "/networks?label_selector=infrac/project%3Dbecker")
        self.assertEqual([n["name"] for n in r.json["networks"]], ["becker"])
        self.assertEqual(len(r.json["networks"][0]["subnets"]), 2)
        r = api("PUT", "/networks/%d" % net["id"], {"name": "renamed"})
        self.assertEqual(r.json["network"]["name"], "renamed")
        self.assertError(api("GET", "/networks/100001"), 404, "not_found")  # a server's id

    def test_attach_detach_and_addresses(self):
        net = self.create()
        s1 = self.create_server("web1")["server"]
        s2 = self.create_server("web2")["server"]
        self.finish_actions()
        self.assertError(self.attach(s1["id"], net["id"]), 422, "no_subnet_available")
        self.subnet(net)
        self.assertError(self.attach(s1["id"], net["id"], "10.0.0.1"), 422, "ip_not_available")  # the gateway
        self.assertError(self.attach(s1["id"], net["id"], "10.0.5.9"), 422, "ip_not_available")  # no subnet
        r = self.attach(s1["id"], net["id"], "10.0.0.2")
        self.assertEqual((r.status, r.json["action"]["command"]), (201, "attach_to_network"))
        self.assertEqual({x["type"] for x in r.json["action"]["resources"]}, {"server", "network"})
        self.finish_actions()
        self.assertError(self.attach(s1["id"], net["id"]), 422, "server_already_attached")
        self.assertError(self.attach(s2["id"], net["id"], "10.0.0.2"), 422, "ip_not_available")
        self.attach(s2["id"], net["id"])  # the first free address
        self.finish_actions()
        self.assertEqual([p["ip"] for p in self.server(s2["id"])["private_net"]], ["10.0.0.3"])
        self.assertEqual(self.server(s1["id"])["private_net"][0]["network"], net["id"])
        self.assertEqual(api("GET", "/networks/%d" % net["id"]).json["network"]["servers"], [s1["id"], s2["id"]])
        other = self.create("other", "10.0.128.0/17", subnets=[{"type": "cloud", "network_zone": "eu-central",
                                                                "ip_range": "10.0.128.0/24"}])
        self.assertError(self.attach(s1["id"], other["id"]), 422, "networks_overlap")
        err = self.assertError(api("POST", "/networks/%d/actions/delete_subnet" % net["id"],
                                   {"ip_range": "10.0.0.0/24"}), 422, "resource_in_use")
        self.assertIn("attached", err["message"])
        r = api("POST", "/servers/%d/actions/detach_from_network" % s1["id"], {"network": net["id"]})
        self.assertEqual((r.status, r.json["action"]["command"]), (201, "detach_from_network"))
        self.finish_actions()
        self.assertEqual(self.server(s1["id"])["private_net"], [])
        self.assertError(api("POST", "/servers/%d/actions/detach_from_network" % s1["id"], {"network": net["id"]}),
                         422, "invalid_input")
        # deleting a server detaches it
        self.assertEqual(api("DELETE", "/servers/%d" % s2["id"]).status, 200)
        self.assertEqual(api("GET", "/networks/%d" % net["id"]).json["network"]["servers"], [])

    def test_protection(self):
        net = self.create()
        r = api("POST", "/networks/%d/actions/change_protection" % net["id"], {"delete": True})
        self.assertEqual((r.status, r.json["action"]["command"]), (201, "change_protection"))
        self.finish_actions()
        self.assertError(api("DELETE", "/networks/%d" % net["id"]), 423, "protected")
        api("POST", "/networks/%d/actions/change_protection" % net["id"], {"delete": False})
        self.finish_actions()
        self.assertEqual(api("DELETE", "/networks/%d" % net["id"]).status, 204)
        self.assertError(api("GET", "/networks/%d" % net["id"]), 404, "not_found")

    def test_failed_attach_leaves_no_address(self):
        net = self.create(subnets=[{"type": "cloud", "network_zone": "eu-central", "ip_range": "10.0.0.0/24"}])
        s = self.create_server("web1")["server"]
        self.finish_actions()
        ctl("POST", "faults", {"kind": "action_error", "command": "attach_to_network", "count": 1})
        self.attach(s["id"], net["id"], "10.0.0.2")
        self.finish_actions()
        self.assertEqual(self.server(s["id"])["private_net"], [])
        self.assertEqual(self.attach(s["id"], net["id"], "10.0.0.2").status, 201)


class TestControl(SimTest):
    def test_reset_state_and_seed(self):
        seeded = ctl("POST", "seed", {"ssh_keys": [{"name": "k", "public_key": ssh_public_key(11)}],
                                      "placement_groups": [{"name": "pg", "type": "spread"}],
                                      "servers": [{"name": "a", "ssh_keys": ["k"], "labels": {"x": "y"},
                                                   "placement_group": 700001}],
                                      "firewalls": [{"name": "fw"}],
                                      "zones": [{"name": "example.com", "mode": "primary"}]})
        self.assertEqual(seeded["servers"][0]["status"], "running")
        self.assertEqual(seeded["servers"][0]["id"], 100001)  # ids start at a fixed value
        state = ctl("GET", "state")
        self.assertEqual([len(state[k]) for k in ("servers", "ssh_keys", "firewalls", "zones", "actions",
                                                  "placement_groups")], [1, 1, 1, 1, 0, 1])
        self.assertEqual(state["placement_groups"][0]["servers"], [100001])
        self.assertEqual(state["requests"], 0)  # seeding is out of band
        ctl("POST", "config", {"action_seconds": 7, "server_ip": "192.0.2.10"})
        self.assertEqual(ctl("GET", "config")["config"]["action_seconds"], 7)
        s = self.create_server("b")["server"]
        self.assertEqual(s["public_net"]["ipv4"]["ip"], "192.0.2.10")
        ctl("POST", "reset")
        state = ctl("GET", "state")
        self.assertEqual([len(state[k]) for k in ("servers", "ssh_keys", "firewalls", "zones", "actions",
                                                  "placement_groups", "images")], [0, 0, 0, 0, 0, 0, 0])
        self.assertEqual(state["config"]["action_seconds"], 0.05)  # back to the start-up value
        self.assertEqual(seed_servers([{"name": "c"}])[0]["id"], 100001)
        r = request("POST", "/_sim/config", {"nope": 1}, token=None)
        self.assertEqual(r.status, 422)

    def test_server_ips_by_name(self):
        # each server named in server_ips gets its own address; the others server_ip
        ctl("POST", "config", {"server_ips": "p-a=192.0.2.21,p-b=192.0.2.22"})
        ips = [self.create_server(n)["server"]["public_net"]["ipv4"]["ip"] for n in ("p-a", "p-b", "p-c")]
        self.assertEqual(ips, ["192.0.2.21", "192.0.2.22", "127.0.0.1"])
        ctl("POST", "config", {"server_ips": {"p-d": "192.0.2.23"}})
        self.assertEqual(self.create_server("p-d")["server"]["public_net"]["ipv4"]["ip"], "192.0.2.23")
        for bad in ("p-a", "p-a=300.0.0.1", {"p-a": "::1"}, ["p-a"]):
            r = request("POST", "/_sim/config", {"server_ips": bad}, token=None)
            self.assertEqual(r.status, 422, bad)
        # the start-up option, the same form; a wrong one is refused at start
        bad = subprocess.run([sys.executable, SIM, "--port", "0", "--server-ips", "p-a"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=30)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("server_ips must be NAME=IP pairs", bad.stderr)
        self.assertEqual(request("GET", "/_sim/nothing", token=None).status, 404)


class Result(unittest.TextTestResult):
    """Prints one ok / not ok line per test."""

    def addSuccess(self, test):
        super().addSuccess(test)
        print("ok - %s" % test.id().split(".", 1)[1], flush=True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        print("not ok - %s" % test.id().split(".", 1)[1], flush=True)

    def addError(self, test, err):
        super().addError(test, err)
        name = test.id().split(".", 1)[1] if "." in test.id() else test.id()
        print("not ok - %s" % name, flush=True)


def main():
    import io
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    report = io.StringIO()
    runner = unittest.TextTestRunner(resultclass=Result, verbosity=0, stream=report)
    result = runner.run(suite)
    failed = len(result.failures) + len(result.errors)
    if failed:
        sys.stderr.write(report.getvalue())
    print("%d passed, %d failed" % (result.testsRun - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
