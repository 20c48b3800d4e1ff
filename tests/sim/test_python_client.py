#!/usr/bin/python3
"""Drive Debian's python3-hcloud (1.18) against the simulator.

Usage: /usr/bin/python3 test_python_client.py http://127.0.0.1:PORT

Must run under the interpreter the python3-hcloud package is installed for
(/usr/bin/python3).  Prints "ok - ..." / "not ok - ..." per check and ends
with "N passed, M failed"; exits non-zero on any failure.
"""

import base64
import hashlib
import json
import sys
import traceback
import urllib.request

from hcloud import APIException, Client
from hcloud.actions.domain import ActionFailedException
from hcloud.firewalls.domain import FirewallResource, FirewallRule
from hcloud.images.domain import Image
from hcloud.locations.domain import Location
from hcloud.networks.domain import NetworkSubnet
from hcloud.server_types.domain import ServerType

BASE = sys.argv[1].rstrip("/")
RESULTS = {"passed": 0, "failed": 0}


def ctl(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + "/_sim/" + path, data=data, method=method)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def requests_since(n):
    return ctl("GET", "requests?since=%d" % n)["requests"]


def request_count():
    return ctl("GET", "requests")["count"]


def check(what, cond, detail=""):
    if cond:
        RESULTS["passed"] += 1
        print("ok - %s" % what, flush=True)
    else:
        RESULTS["failed"] += 1
        print("not ok - %s%s" % (what, (": %s" % detail) if detail else ""), flush=True)


def step(what):
    """Run a group of checks; an unexpected exception counts as one failure."""
    def wrap(fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - report and carry on with the next group
            traceback.print_exc()
            check(what, False, "%s: %s" % (type(e).__name__, e))
        return fn
    return wrap


def x86_image_id(name):
    # python3-hcloud 1.18 knows no image architecture; ask the API directly.
    resp = client.request(method="GET", url="/images", params={"name": name, "architecture": "x86"})
    return resp["images"][0]["id"]


def public_key(seed):
    blob = b"\x00\x00\x00\x0bssh-ed25519" + b"\x00\x00\x00\x20" + bytes((seed * 7 + i) % 256 for i in range(32))
    return "ssh-ed25519 " + base64.b64encode(blob).decode() + " py@test", blob


ctl("POST", "reset")
ctl("POST", "config", {"action_seconds": 0.2})
client = Client(token="p" * 64, api_endpoint=BASE + "/v1", poll_interval=0.1)
STATE = {}


@step("ssh key create")
def _ssh_key():
    pub, blob = public_key(1)
    key = client.ssh_keys.create(name="py-key", public_key=pub, labels={"owner": "py"})
    digest = hashlib.md5(blob).hexdigest()
    check("ssh key fingerprint is the MD5 of the key blob",
          key.fingerprint == ":".join(digest[i:i + 2] for i in range(0, 32, 2)), key.fingerprint)
    check("ssh key found by name", client.ssh_keys.get_by_name("py-key").id == key.id)
    STATE["key"] = key


@step("server create")
def _create():
    resp = client.servers.create(
        name="py-web1", server_type=ServerType(name="cpx22"), image=Image(name="ubuntu-24.04"),
        location=Location(name="hel1"), ssh_keys=[STATE["key"]], labels={"env": "test", "role": "web"},
        user_data="#cloud-config\nruncmd: [true]\n")
    check("create returns status initializing and a running create_server action",
          resp.server.status == "initializing" and resp.action.command == "create_server"
          and resp.action.status == "running", (resp.server.status, resp.action.status))
    check("create returns next_actions [start_server]",
          [a.command for a in resp.next_actions] == ["start_server"], resp.next_actions)
    check("root_password is None when ssh keys are given", resp.root_password is None, resp.root_password)
    resp.action.wait_until_finished()
    for a in resp.next_actions:
        a.wait_until_finished()
    check("wait_until_finished: create_server and start_server succeed",
          resp.action.status == "success" and all(a.status == "success" for a in resp.next_actions))
    server = STATE["server"] = client.servers.get_by_id(resp.server.id)
    check("server is running after its actions", server.status == "running", server.status)
    # By name the image resolves to the x86 one (there is an arm ubuntu-24.04 too).
    check("server object decodes (type, image, location, ipv4)",
          (server.server_type.name, server.image.name, server.image.id, server.datacenter.location.name,
           server.public_net.ipv4.ip)
          == ("cpx22", "ubuntu-24.04", x86_image_id("ubuntu-24.04"),
              "hel1", "127.0.0.1"),
          (server.server_type.name, server.image.name, server.datacenter.location.name))
    posted = [r for r in requests_since(0) if r["method"] == "POST" and r["path"] == "/v1/servers"]
    check("python3-hcloud sends names as strings and ssh key ids",
          posted and posted[-1]["body"]["server_type"] == "cpx22" and posted[-1]["body"]["image"] == "ubuntu-24.04"
          and posted[-1]["body"]["ssh_keys"] == [STATE["key"].id], posted[-1]["body"] if posted else None)


@step("get_all with pagination and label selector")
def _pagination():
    ctl("POST", "seed", {"servers": [{"name": "fleet-%03d" % i, "labels": {"fleet": "blue" if i % 2 else "green"}}
                                     for i in range(120)]})
    before = request_count()
    everything = client.servers.get_all()
    pages = [r["path"] for r in requests_since(before)]
    check("get_all returns all 121 servers", len(everything) == 121, len(everything))
    check("get_all pages through next_page (3 pages of 50)",
          len(pages) == 3 and all("per_page=50" in p for p in pages) and "page=3" in pages[-1], pages)
    check("get_all ids are unique", len({s.id for s in everything}) == 121)
    blue = client.servers.get_all(label_selector="fleet=blue")
    check("get_all with label_selector fleet=blue returns 60", len(blue) == 60 and
          all(s.labels["fleet"] == "blue" for s in blue), len(blue))
    some = client.servers.get_all(label_selector="fleet in (blue,green),env!=test")
    check("get_all with set-based selector returns the 120 seeded servers", len(some) == 120, len(some))
    page = client.servers.get_list(page=2, per_page=50)
    check("get_list meta.pagination", (page.meta.pagination.page, page.meta.pagination.next_page,
                                        page.meta.pagination.last_page, page.meta.pagination.total_entries)
          == (2, 3, 3, 121))


@step("power off, change type, power on")
def _lifecycle():
    server = STATE["server"]
    server.power_off().wait_until_finished()
    server.reload()
    check("power_off -> off", server.status == "off", server.status)
    action = server.change_type(ServerType(name="cpx32"), upgrade_disk=False)
    check("change_type action command", action.command == "change_server_type", action.command)
    action.wait_until_finished()
    server.reload()
    check("change_type -> cpx32, disk kept, still off",
          (server.server_type.name, server.primary_disk_size, server.status) == ("cpx32", 80, "off"),
          (server.server_type.name, server.primary_disk_size, server.status))
    server.power_on().wait_until_finished()
    server.reload()
    check("power_on -> running", server.status == "running", server.status)
    try:
        server.change_type(ServerType(name="cpx42"), upgrade_disk=True)
        check("change_type on a running server raises server_not_stopped", False)
    except APIException as e:
        check("change_type on a running server raises server_not_stopped", e.code == "server_not_stopped", e.code)


@step("errors")
def _errors():
    try:
        client.servers.create(name="py-web1", server_type=ServerType(name="cpx22"), image=Image(name="debian-12"))
        check("duplicate name raises APIException uniqueness_error", False)
    except APIException as e:
        check("duplicate name raises APIException uniqueness_error",
              e.code == "uniqueness_error" and e.details == {"fields": [{"name": "name"}]}, (e.code, e.details))
    try:
        client.servers.get_by_id(999999)
        check("unknown id raises APIException not_found", False)
    except APIException as e:
        check("unknown id raises APIException not_found", e.code == "not_found", e.code)
    check("get_by_name of an unknown name is None", client.servers.get_by_name("nope") is None)
    try:
        client.servers.create(name="bad_name", server_type=ServerType(name="cpx22"), image=Image(name="debian-12"))
        check("invalid hostname raises invalid_input with details.fields", False)
    except APIException as e:
        check("invalid hostname raises invalid_input with details.fields",
              e.code == "invalid_input" and e.details["fields"][0]["name"] == "name", (e.code, e.details))


@step("429 is ridden through")
def _rate_limit():
    before = request_count()
    ctl("POST", "faults", {"kind": "status", "status": 429, "count": 2})
    server = client.servers.get_by_id(STATE["server"].id)
    seen = [r["status"] for r in requests_since(before)]
    check("two 429s then success", server.name == "py-web1" and seen == [429, 429, 200], seen)
    before = request_count()
    ctl("POST", "faults", {"kind": "status", "status": 503})
    try:
        client.servers.get_by_id(STATE["server"].id)
        check("503 is not retried and raises unavailable", False)
    except APIException as e:
        seen = [r["status"] for r in requests_since(before)]
        check("503 is not retried and raises unavailable", e.code == "unavailable" and seen == [503], (e.code, seen))


@step("failed action")
def _failed_action():
    ctl("POST", "faults", {"kind": "action_error", "command": "reboot_server", "message": "host failure"})
    action = STATE["server"].reboot()
    try:
        action.wait_until_finished()
        check("failing action raises ActionFailedException", False)
    except ActionFailedException as e:
        check("failing action raises ActionFailedException",
              e.action.status == "error" and e.action.error["code"] == "action_failed"
              and e.action.error["message"] == "host failure", e.action.error)


@step("firewall")
def _firewall():
    server = STATE["server"]
    resp = client.firewalls.create(
        name="py-fw", labels={"env": "test"},
        rules=[FirewallRule(direction="in", protocol="tcp", port="22", source_ips=["0.0.0.0/0", "::/0"]),
               FirewallRule(direction="out", protocol="udp", port="53", source_ips=[],
                            destination_ips=["2001:0db8:0000::/48"])],
        resources=[FirewallResource(type="server", server=server)])
    for a in resp.actions:
        a.wait_until_finished()
    fw = client.firewalls.get_by_id(resp.firewall.id)
    check("firewall create with rules", [(r.direction, r.protocol, r.port) for r in fw.rules]
          == [("in", "tcp", "22"), ("out", "udp", "53")])
    check("firewall CIDRs come back canonical", fw.rules[1].destination_ips == ["2001:db8::/48"],
          fw.rules[1].destination_ips)
    server.reload()
    check("server shows the applied firewall",
          [(f.firewall.id, f.status) for f in server.public_net.firewalls] == [(fw.id, "applied")])
    try:
        fw.delete()
        check("deleting an applied firewall raises resource_in_use", False)
    except APIException as e:
        check("deleting an applied firewall raises resource_in_use", e.code == "resource_in_use", e.code)


@step("placement groups")
def _placement_groups():
    resp = client.placement_groups.create(name="py-lock", type="spread",
                                          labels={"infrac/lock-holder": "alice", "infrac/project": "becker"})
    check("placement group create: no action, the group as asked",
          resp.action is None and (resp.placement_group.name, resp.placement_group.type, resp.placement_group.servers)
          == ("py-lock", "spread", []), (resp.action, resp.placement_group.name))
    try:
        client.placement_groups.create(name="py-lock", type="spread")
        check("a second placement group of the same name raises uniqueness_error", False)
    except APIException as e:
        check("a second placement group of the same name raises uniqueness_error",
              e.code == "uniqueness_error" and e.details == {"fields": [{"name": "name"}]}, (e.code, e.details))
    pg = client.placement_groups.get_by_name("py-lock")
    check("placement group get_by_name", pg is not None and pg.id == resp.placement_group.id
          and pg.labels == {"infrac/lock-holder": "alice", "infrac/project": "becker"})
    check("placement group get_by_name of an unknown name is None",
          client.placement_groups.get_by_name("nope") is None)
    found = client.placement_groups.get_all(label_selector="infrac/lock-holder=alice")
    check("placement group get_all with a label selector", [g.name for g in found] == ["py-lock"])
    pg = pg.update(labels={"infrac/lock-holder": "bob"})
    check("placement group update replaces the labels", pg.labels == {"infrac/lock-holder": "bob"}, pg.labels)
    check("placement group delete", pg.delete() is True and client.placement_groups.get_by_name("py-lock") is None)


@step("networks")
def _networks():
    server = STATE["server"]
    zone = NetworkSubnet.TYPE_CLOUD
    net = client.networks.create(name="py-net", ip_range="10.0.0.0/16", labels={"infrac/project": "becker"},
                                 subnets=[NetworkSubnet(type=zone, network_zone="eu-central",
                                                        ip_range="10.0.0.0/24")])
    check("network create with a subnet", (net.ip_range, [(n.ip_range, n.gateway) for n in net.subnets])
          == ("10.0.0.0/16", [("10.0.0.0/24", "10.0.0.1")]), net.subnets)
    found = client.networks.get_all(label_selector="infrac/project=becker")
    check("networks get_all with a label selector", [n.name for n in found] == ["py-net"])
    action = server.attach_to_network(net, ip="10.0.0.2")
    check("attach_to_network returns its action", action.command == "attach_to_network", action.command)
    action.wait_until_finished()
    server.reload()
    check("the server's private_net names the network and the address",
          [(p.network.id, p.ip) for p in server.private_net] == [(net.id, "10.0.0.2")],
          [(p.network.id, p.ip) for p in server.private_net])
    try:
        server.attach_to_network(net)
        check("a second attach raises server_already_attached", False)
    except APIException as e:
        check("a second attach raises server_already_attached", e.code == "server_already_attached", e.code)
    net.change_protection(delete=True).wait_until_finished()
    try:
        net.delete()
        check("a protected network raises protected on delete", False)
    except APIException as e:
        check("a protected network raises protected on delete", e.code == "protected", e.code)
    net.change_protection(delete=False).wait_until_finished()
    server.detach_from_network(net).wait_until_finished()
    server.reload()
    check("detach_from_network empties private_net", server.private_net == [], server.private_net)
    check("network delete", net.delete() is True and client.networks.get_by_name("py-net") is None)


@step("protection and snapshots")
def _snapshots():
    server = STATE["server"]
    server.change_protection(delete=True, rebuild=True).wait_until_finished()
    server.reload()
    check("server change_protection", (server.protection["delete"], server.protection["rebuild"]) == (True, True),
          server.protection)
    resp = server.create_image(description="before change", type="snapshot", labels={"infrac/project": "becker"})
    check("create_image returns a creating snapshot and its action",
          (resp.image.type, resp.image.status, resp.action.command) == ("snapshot", "creating", "create_image"),
          (resp.image.type, resp.image.status, resp.action.command))
    resp.action.wait_until_finished()
    image = client.images.get_by_id(resp.image.id)
    check("the snapshot is available once its action is done",
          (image.status, image.image_size, image.disk_size, image.created_from.id, image.description)
          == ("available", 4.0, 80, server.id, "before change"),
          (image.status, image.image_size, image.disk_size))
    listed = client.images.get_all(type=["snapshot"], label_selector="infrac/project=becker")
    check("images get_all type=snapshot with a label selector", [i.id for i in listed] == [image.id])
    try:
        server.delete()
        check("a protected server raises protected on delete", False)
    except APIException as e:
        check("a protected server raises protected on delete", e.code == "protected", e.code)
    server.change_protection(delete=False, rebuild=False).wait_until_finished()
    check("image delete", image.delete() is True and client.images.get_all(type=["snapshot"]) == [])


@step("server delete")
def _delete():
    server = STATE["server"]
    action = server.delete()
    check("delete returns delete_server action", action.command == "delete_server", action.command)
    action.wait_until_finished()
    check("deleted server is gone", client.servers.get_by_name("py-web1") is None)


print("%d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]))
sys.exit(1 if RESULTS["failed"] else 0)
