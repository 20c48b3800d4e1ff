#!/usr/bin/env python3
"""Arithmetic a cost document must satisfy, in exact decimals: each
segment costs price x months and its charges add up, phases and months
add up to the total, and the average is the total over the horizon
rounded half up to the cent.

    check_json.py FILE.cost.json
"""
import json
import sys
from decimal import ROUND_HALF_UP, Decimal


def main():
    doc = json.load(open(sys.argv[1]), parse_float=Decimal, parse_int=Decimal)
    months = int(doc["horizon"]["months"])
    errors = []
    for o in doc["options"]:
        name, total = o["name"], o["total_eur"]
        seg_sum = Decimal(0)
        for ph in o["phases"]:
            ph_sum = Decimal(0)
            for s in ph["segments"]:
                if s["price_eur_month"] * s["months"] != s["cost_eur"]:
                    errors.append(f"{name}: segment {s['server']} {s['start']} is not price x months")
                charges = s.get("charges", {})
                parts = sum(v for k, v in charges.items() if k.endswith("_eur") and v is not None)
                if parts != s.get("charges_eur", 0):
                    errors.append(f"{name}: segment {s['server']} {s['start']}: charges do not add up")
                ph_sum += s["cost_eur"] + s.get("charges_eur", 0)
            if ph_sum != ph["cost_eur"]:
                errors.append(f"{name}: phase {ph['name']} is not the sum of its segments")
            seg_sum += ph_sum
        if seg_sum != total:
            errors.append(f"{name}: phases add up to {seg_sum}, total is {total}")
        charged = sum(s.get("charges_eur", 0) for ph in o["phases"] for s in ph["segments"])
        if charged != o.get("charges_eur", 0):
            errors.append(f"{name}: segment charges add up to {charged}, not {o.get('charges_eur')}")
        if len(o["monthly_eur"]) != months or sum(o["monthly_eur"]) != total:
            errors.append(f"{name}: months do not add up to the total")
        avg = (total / months).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if avg != o["average_eur_month"]:
            errors.append(f"{name}: average {o['average_eur_month']}, expected {avg}")
        if not o["arithmetic"].endswith(" " + f"{total:.2f}") and o["arithmetic"] != f"{total:.2f}":
            errors.append(f"{name}: arithmetic does not end in the total")
    for e in errors:
        print(e)
    sys.exit(1 if errors else 0)


main()
