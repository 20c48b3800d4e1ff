#!/usr/bin/env python3
"""simctl: drive the Hetzner API simulator for the plan tests.

  simctl.py URL reset
  simctl.py URL requests              -> number of /v1 requests so far
  simctl.py URL statuses             -> the status of every /v1 request so far
  simctl.py URL key NAME PUBKEY|other [PROJECT]  -> an ssh key made by hand
  simctl.py URL config JSON           -> change the simulator's config
  simctl.py URL fault JSON            -> add a fault
  simctl.py URL seed PLAN.json [MUT...]
      create, out of band, what PLAN.json (an offline `infrac plan --json`)
      says apply would create, so that a plan against it matches exactly;
      each MUT changes that to model drift:
        type=T image=I location=L    the servers are made that way instead
        nolabel=KEY                  the servers lack label KEY
        noserver                     the servers are not created
        extra=NAME                   one more server labelled for the project
        foreign=NAME                 a server of infrac project "other"
        zone=NAME                    a primary DNS zone with the A records
        ip=A                         the address every server gets
      a network the plan creates is made with its servers attached

Standard library only.
"""

import base64
import json
import struct
import sys
import urllib.request


def call(base, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read() or b"{}")


def seed(base, plan, muts):
    opts = {}
    flags = set()
    for m in muts:
        if "=" in m:
            k, v = m.split("=", 1)
            opts.setdefault(k, []).append(v)
        else:
            flags.add(m)
    ip = opts.get("ip", ["192.0.2.10"])[0]
    call(base, "POST", "/_sim/config", {"server_ip": ip})
    project = plan["project"]
    want = {k: [a for a in plan["actions"] if a["kind"] == k and a["op"] == "create"]
            for k in ("ssh_key", "firewall", "server")}
    body = {"ssh_keys": [{"name": a["name"], "public_key": a["desired"]["public_key"],
                          "labels": a["desired"]["labels"]} for a in want["ssh_key"]],
            "servers": []}
    if "noserver" not in flags:
        for a in want["server"]:
            d = a["desired"]
            labels = {k: v for k, v in d["labels"].items() if k not in opts.get("nolabel", [])}
            body["servers"].append({
                "name": a["name"], "server_type": opts.get("type", [d["server_type"]])[0],
                "image": opts.get("image", [d["image"]])[0],
                "location": opts.get("location", [d["location"]])[0],
                "ssh_keys": d["ssh_keys"], "labels": labels,
                "protection": {"delete": a.get("protect", False), "rebuild": a.get("protect", False)}})
    for name in opts.get("extra", []):
        body["servers"].append({"name": name, "server_type": "cpx22", "image": "ubuntu-24.04",
                                "location": "nbg1",
                                "labels": {"infrac/project": project, "infrac/server": "old"}})
    for name in opts.get("foreign", []):
        body["servers"].append({"name": name, "server_type": "cpx22", "image": "ubuntu-24.04",
                                "location": "nbg1", "labels": {"infrac/project": "other"}})
    made = call(base, "POST", "/_sim/seed", body)
    ids = {s["name"]: s["id"] for s in made["servers"]}
    fws = []
    for a in want["firewall"]:
        d = a["desired"]
        rules = [{"direction": "in", "protocol": "tcp", "port": str(p),
                  "source_ips": ["0.0.0.0/0", "::/0"]} for p in d["inbound_tcp_ports"]]
        apply_to = [{"type": "server", "server": {"id": ids[a["name"]]}}] if a["name"] in ids else []
        fws.append({"name": a["name"], "labels": d["labels"], "rules": rules, "apply_to": apply_to})
    zones = []
    for zone in opts.get("zone", []):
        rrsets = []
        for a in plan["actions"]:
            if a["kind"] != "rrset":
                continue
            dom = a["name"]
            name = "@" if dom == zone else dom[: -len(zone) - 1]
            srv = a["desired"]["server"]
            rrsets.append({"name": name, "type": "A", "records": [{"value": ip}],
                           "labels": {"infrac/project": project,
                                      "infrac/server": srv[len(project) + 1:]}})
        zones.append({"name": zone, "mode": "primary", "rrsets": rrsets})
    nets = []
    for a in plan["actions"]:
        if a["kind"] == "network" and a["op"] == "create":
            d = a["desired"]
            nets.append({"name": a["name"], "ip_range": d["ip_range"], "labels": d["labels"],
                         "subnets": [{"type": "cloud", "ip_range": d["subnet"],
                                      "network_zone": d["network_zone"]}],
                         "attach": {} if "noserver" in flags else d["servers"]})
    call(base, "POST", "/_sim/seed", {"firewalls": fws, "zones": zones, "networks": nets})


def main():
    base, cmd = sys.argv[1].rstrip("/"), sys.argv[2]
    if cmd == "reset":
        call(base, "POST", "/_sim/reset", {})
    elif cmd == "requests":
        print(call(base, "GET", "/_sim/health")["requests"])
    elif cmd == "statuses":
        log = call(base, "GET", "/_sim/requests?since=0")["requests"]
        print(" ".join(str(r["status"]) for r in log))
    elif cmd == "config":
        call(base, "POST", "/_sim/config", json.loads(sys.argv[3]))
    elif cmd == "fault":
        call(base, "POST", "/_sim/faults", json.loads(sys.argv[3]))
    elif cmd == "key":
        # key NAME PUBKEY|other [PROJECT]: an ssh key uploaded out of band
        name, pub = sys.argv[3], sys.argv[4]
        if pub == "other":
            blob = struct.pack(">I", 11) + b"ssh-ed25519" + struct.pack(">I", 32) + bytes(range(32))
            pub = "ssh-ed25519 " + base64.b64encode(blob).decode() + " other"
        labels = {"infrac/project": sys.argv[5]} if len(sys.argv) > 5 else {}
        call(base, "POST", "/_sim/seed", {"ssh_keys": [{"name": name, "public_key": pub,
                                                        "labels": labels}]})
    elif cmd == "zone":
        call(base, "POST", "/_sim/seed", {"zones": [{"name": sys.argv[3], "mode": "primary"}]})
    elif cmd == "seed":
        with open(sys.argv[3]) as f:
            plan = json.load(f)
        seed(base, plan, sys.argv[4:])
    else:
        sys.exit("simctl: unknown command " + cmd)


if __name__ == "__main__":
    main()
