#!/usr/bin/env python3
"""The shape of every JSON document infrac writes (docs/json.md).

    shape.py KIND DOC.json [FILE]

KIND is check, diagnostics, cost, recommend, build, plan, saved-plan,
output, status, releases or prices.  Checks that the document has exactly the keys its kind has, each
of its type, and the rules every document shares: "format" first and 2,
money (every key with "eur" in its name) a number or null, never a
string, and "file" the path as the command was given it (FILE).  Prints
what is wrong, one line each, and exits 1 when anything is.
"""
import json
import re
import sys

FORMAT = 2

# A spec is a type name ('str', 'int', 'num', 'bool', 'month', 'day',
# 'any'; a trailing '?' allows null), a list [spec] (every item), a dict
# of key -> spec (a key starting with '?' may be absent; no other key may
# be present), ('null-or', spec), or ('map', spec): any keys, each value
# of spec.
MONTH = re.compile(r'^\d{4}-(0[1-9]|1[0-2])$')
DAY = re.compile(r'^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$')

CAPACITY = {
    'ram': {'used_min_mib': 'num', 'used_max_mib': 'num', 'usable_mib': 'num',
            'total_mib': 'num', 'percent_min': 'int', 'percent_max': 'int',
            'fits': 'bool'},
    'cpu': {'declared_vcpu': 'num', 'limit_vcpu': 'num', 'fits': 'bool'},
    'disk': {'used_mib': 'num', 'total_mib': 'num', 'at_end_of': 'month', 'fits': 'bool'},
    'kind': {'fits': 'bool', 'reason': 'str?'},
}
DIAGNOSTIC = {
    'file': 'str', 'line': 'int', 'column': 'int', 'end': {'line': 'int', 'column': 'int'},
    'severity': 'str', 'code': 'str', 'message': 'str',
    'notes': [{'kind': 'str', 'message': 'str'}],
}
DIAGS = {'diagnostics': [DIAGNOSTIC], 'errors': 'int', 'warnings': 'int'}
HEAD = {
    'format': 'int', 'file': 'str', 'project': 'str',
    'horizon': {'start': 'month', 'end': 'month', 'months': 'int'},
    'price_source': 'str', 'price_date': 'day', 'headroom_percent': 'num',
    'budget_eur_month': 'num?', **DIAGS,
}
PHASE = {'name': 'str', 'start': 'month', 'end': 'month', 'months': 'int'}
CHARGES = {
    'ipv4_eur': 'num?', 'backups_eur': 'num?', 'traffic_eur': 'num?',
    'volumes_eur': 'num?', 'snapshot_eur': 'num?', 'snapshot_gb': 'int',
    'snapshot_from': 'str?', 'volumes_later_eur_month': 'num',
}
SEGMENT = {
    'server': 'str', 'type': 'str', 'start': 'month', 'end': 'month', 'months': 'int',
    'price_eur_month': 'num', 'cost_eur': 'num', '?charges': CHARGES, '?charges_eur': 'num',
    'fits': 'bool', 'reason': 'str?', 'capacity': CAPACITY,
}
OPTION = {
    'name': 'str', 'scenario': 'bool', 'title': 'str?',
    'phases': [{'name': 'str', 'cost_eur': 'num', 'segments': [SEGMENT]}],
    'arithmetic': 'str', 'total_eur': 'num', '?charges_eur': 'num',
    'average_eur_month': 'num', 'vs_cheapest_eur': 'num?', 'complete': 'bool',
    'fits': 'bool', 'within_budget': 'bool',
    'over_budget': ('null-or', {'first_month': 'month', 'month_eur': 'num',
                                'over_by_eur': 'num', 'months': 'int'}),
    'passes': 'bool', 'monthly_eur': ['num'],
}

KINDS = {
    'diagnostics': {'format': 'int', **DIAGS},
    'check': {
        **HEAD, 'valid': 'bool',
        'phases': [{**PHASE, 'servers': [{
            'server': 'str', 'type': 'str', 'price_eur_month': 'num', 'reserve_mib': 'num',
            'capacity': CAPACITY,
            'ports': [{'port': 'int', 'container_port': 'int', 'service': 'str'}],
            'domains': [{'domain': 'str', 'service': 'str', 'port': 'int',
                         'max_upload_mib': 'num?'}],
            'services': [{'name': 'str', 'kind': 'str', 'ram_min_mib': 'num',
                          'ram_max_mib': 'num'}],
        }]}],
    },
    'cost': {
        **HEAD, 'prices': [{'type': 'str', 'price_eur_month': 'num', 'from': 'str'}],
        'phases': [PHASE], 'options': [OPTION], 'cheapest': 'str?',
    },
    'recommend': {
        **HEAD, 'resize': 'bool',
        'picks': [{
            'server': 'str', 'phase': 'str?', 'type': 'str?', 'price_eur_month': 'num?',
            '?start': 'month', '?end': 'month', '?tradeoff': 'str',
            'rejected': [{'type': 'str', 'price_eur_month': 'num', 'phase': 'str',
                          'reason': 'str', 'capacity': CAPACITY}],
        }],
        '?not_offered': {'architecture': 'int', 'dedicated': 'int', 'unorderable': 'int'},
        'found': 'bool', 'failure': 'str?', 'cost': ('null-or', OPTION),
        'as_written': {'total_eur': 'num', 'passes': 'bool', 'same_types': 'bool'},
        'scenario': 'str?',
        'splits': [{'scenario': 'str', 'types': 'str?', 'cost': ('null-or', OPTION),
                    'passes': 'bool', 'failure': 'str?', 'cheaper_than_growing': 'bool'}],
    },
    'build': {'format': 'int', 'files': [{'path': 'str', 'bytes': 'int'}], **DIAGS},
    'plan': {
        'format': 'int', 'file': 'str', 'project': 'str',
        'phase': {'name': 'str', 'start': 'month', 'end': 'month'}, 'online': 'bool',
        '?destroy': 'str',
        'actions': [{'op': 'str', 'kind': 'str', 'name': 'str', 'id': 'int?', '?zone': 'str',
                     'reason': 'str', '?changes': 'any', '?deploy': 'bool', '?protect': 'bool',
                     '?snapshot_eur_month': 'num?', 'desired': 'any'}],
        'diagnostics': [{'severity': 'str', 'message': 'str'}], 'errors': 'int',
        'warnings': 'int', 'summary': {'add': 'int', 'change': 'int', 'replace': 'int',
                                       'destroy': 'int'},
        'monthly_cost': {'before_eur': 'num', 'after_eur': 'num'},
    },
    'output': {
        'format': 'int', 'file': 'str', 'project': 'str', 'phase': 'str',
        'servers': [{'server': 'str', 'name': 'str', 'id': 'int?', 'status': 'str',
                     'type': 'str?', 'ipv4': 'str?'}],
        'domains': [{'domain': 'str', 'server': 'str', 'a': 'str?', 'zone': 'str?'}],
    },
    'status': {
        'format': 'int', 'file': 'str', 'project': 'str', 'phase': 'str',
        'servers': [{
            'server': 'str', 'name': 'str', 'status': 'str', 'type': 'str?', 'ipv4': 'str?',
            'private_ipv4': 'str?', 'reached': 'bool', 'unreachable': 'str?',
            'release': ('null-or', {'id': 'str', 'deployed_at': 'str?'}),
            'containers': ('null-or', [{
                'service': 'str', 'container': 'str', 'state': 'str', 'health': 'str?',
                'restarts': 'int', 'started_at': 'str?', 'uptime_seconds': 'int?',
                'image': 'str?'}]),
            'docker_error': 'str?',
        }],
        'drift': ['str'],
    },
    'releases': {
        'format': 'int', 'file': 'str', 'project': 'str', 'phase': 'str',
        'servers': [{
            'server': 'str', 'name': 'str', 'ipv4': 'str?', 'reached': 'bool',
            'unreachable': 'str?', 'file_release': 'str', 'current': 'str?',
            'releases': ('null-or', [{
                'id': 'str', 'current': 'bool', 'deployed_at': 'str', 'recorded': 'bool',
                'phase': 'str?', 'source_sha256': 'str?', 'previous': 'str?',
                'changed': 'str?', 'failed_step': 'str?'}]),
        }],
    },
    'prices': {
        'format': 'int', 'source': 'str', 'date': 'day', 'currency': 'str',
        'backup_percent': 'num?', 'image_eur_gb_month': 'num?', 'volume_eur_gb_month': 'num?',
        'primary_ipv4_eur_month': ('map', 'num'),
        'server_types': [{
            'name': 'str', 'vcpu': 'num', 'ram_gb': 'num', 'disk_gb': 'num',
            'architecture': 'str', 'cpu': 'str', 'deprecated': 'bool',
            'locations': [{'location': 'str', 'eur_month': 'num', 'traffic_tb': 'num',
                           'eur_tb_over': 'num?', 'orderable': 'bool'}],
        }],
    },
}
KINDS['saved-plan'] = {**KINDS['plan'], 'source_sha256': 'str', 'state_fingerprint': 'str',
                       'allow_data_loss': 'bool',
                       'source': 'str'}


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


SCALARS = {
    'str': lambda v: isinstance(v, str), 'int': lambda v: isinstance(v, int) and
    not isinstance(v, bool), 'num': is_num, 'bool': lambda v: isinstance(v, bool),
    'month': lambda v: isinstance(v, str) and MONTH.match(v),
    'day': lambda v: isinstance(v, str) and DAY.match(v), 'any': lambda v: True,
}


def walk(spec, v, where, bad):
    if isinstance(spec, tuple):
        if spec[0] == 'null-or':
            if v is not None:
                walk(spec[1], v, where, bad)
        elif not isinstance(v, dict):
            bad.append(f'{where}: not an object')
        else:
            for k, x in v.items():
                walk(spec[1], x, f'{where}.{k}', bad)
    elif isinstance(spec, str):
        if spec.endswith('?') and v is None:
            return
        if not SCALARS[spec.rstrip('?')](v):
            bad.append(f'{where}: {json.dumps(v)[:60]} is not {spec}')
    elif isinstance(spec, list):
        if not isinstance(v, list):
            bad.append(f'{where}: not a list')
        else:
            for i, x in enumerate(v):
                walk(spec[0], x, f'{where}[{i}]', bad)
    elif not isinstance(v, dict):
        bad.append(f'{where}: not an object')
    else:
        keys = {k.lstrip('?'): k.startswith('?') for k in spec}
        for k in v.keys() - keys.keys():
            bad.append(f'{where}.{k}: a key the schema does not have')
        for k, optional in keys.items():
            if k not in v:
                if not optional:
                    bad.append(f'{where}.{k}: missing')
                continue
            walk(spec[k] if k in spec else spec['?' + k], v[k], f'{where}.{k}', bad)


def money_is_numbers(v, where, bad):
    """Every key that names euros holds a number or null, at any depth."""
    if isinstance(v, dict):
        for k, x in v.items():
            if 'eur' in k.split('_') and not (x is None or is_num(x) or
                                              isinstance(x, (dict, list))):
                bad.append(f'{where}.{k}: money as {json.dumps(x)}, not a number')
            money_is_numbers(x, f'{where}.{k}', bad)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            money_is_numbers(x, f'{where}[{i}]', bad)


def main():
    kind, path = sys.argv[1], sys.argv[2]
    given = sys.argv[3] if len(sys.argv) > 3 else None
    with open(path) as f:
        doc = json.load(f)
    bad = []
    if not isinstance(doc, dict) or next(iter(doc), None) != 'format':
        bad.append('"format" is not the first key')
    elif doc['format'] != FORMAT:
        bad.append(f'format is {doc["format"]!r}, not {FORMAT}')
    walk(KINDS[kind], doc, kind, bad)
    money_is_numbers(doc, kind, bad)
    if given is not None and doc.get('file') != given:
        bad.append(f'file is {doc.get("file")!r}, the command was given {given!r}')
    for b in bad[:20]:
        print(b)
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
