"""The city's replica against the county's store (issue 15, docs/replica.md):
both read directly in LMDB (python3-lmdb) and compared record by record.

    county_state(agg_data) -> {records key: (body bytes, review status)}
    replica_state(sub_data, county) -> the same, from DATA/replica
    compare(a, b) -> [differences] (empty: exactly equal)

The county's records db value is read through its log when the store says
meta records-format (its first 8 bytes: the entry n), else it is the packed
body itself."""
import os
import struct


def _varint(b, i):
    n = shift = 0
    while True:
        c = b[i]
        i += 1
        n |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return n, i


def fields(b):
    """{field: [values]} of a protobuf message (varints as int, bytes as bytes)."""
    out, i = {}, 0
    b = bytes(b)
    while i < len(b):
        key, i = _varint(b, i)
        f, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(b, i)
        elif wt == 2:
            ln, i = _varint(b, i)
            v, i = b[i:i + ln], i + ln
        elif wt == 1:
            v, i = b[i:i + 8], i + 8
        elif wt == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise ValueError(f"wire type {wt}")
        out.setdefault(f, []).append(v)
    return out


def entry_body(entry):
    """The packed body of a LogEntry's Record (field 6; body fields 2..6)."""
    rec = fields(fields(entry)[6][0])
    for f in (2, 3, 4, 5, 6):
        if f in rec:
            return rec[f][0]
    raise ValueError("a record without a body")


def _open(path):
    import lmdb  # python3-lmdb (deploy/deps.sh)
    return lmdb.open(path, max_dbs=16, readonly=True, lock=False)


def county_state(data):
    env = _open(data)
    out = {}
    with env.begin() as txn:
        log = env.open_db(b"log", txn=txn)
        review = {bytes(k): fields(v).get(1, [0])[0]
                  for k, v in txn.cursor(db=env.open_db(b"review", txn=txn))}
        # meta records-format = 1 (issue 15): a records value is 20 bytes,
        # the entry n of the current version first; else the body itself
        fmt1 = txn.get(b"records-format", db=env.open_db(b"meta", txn=txn)) is not None
        for k, v in txn.cursor(db=env.open_db(b"records", txn=txn)):
            v = bytes(v)
            body = entry_body(txn.get(v[:8], db=log)) if fmt1 else v
            out[bytes(k)] = (body, review.get(bytes(k), 0))
        n = txn.stat(log)["entries"]
    env.close()
    return out, n


def replica_state(data, county):
    """(records, entries held, ReplicaCounty fields) of county in DATA/replica."""
    env = _open(os.path.join(data, "replica"))
    out = {}
    pre = county.encode() + b"\0"
    with env.begin() as txn:
        log = env.open_db(b"log", txn=txn)
        recs = env.open_db(b"records", txn=txn)
        cty = txn.get(county.encode(), db=env.open_db(b"counties", txn=txn))
        c = fields(cty) if cty else {}
        for k, v in txn.cursor(db=recs):
            k = bytes(k)
            if not k.startswith(pre):
                continue
            rr = fields(v)
            n = rr.get(1, [0])[0]
            if n == 0:
                continue
            body = entry_body(txn.get(pre + struct.pack(">Q", n), db=log))
            out[k[len(pre):]] = (body, rr.get(3, [0])[0])
        held = c.get(1, [0])[0]
    env.close()
    return out, held, c


def replica_counties(data):
    """The county codes DATA/replica holds."""
    env = _open(os.path.join(data, "replica"))
    with env.begin() as txn:
        out = [bytes(k).decode() for k, _ in txn.cursor(db=env.open_db(b"counties", txn=txn))]
    env.close()
    return out


def compare(county, replica):
    diffs = []
    for k in sorted(set(county) | set(replica)):
        a, b = county.get(k), replica.get(k)
        if a != b:
            what = "missing at the city" if b is None else "extra at the city" if a is None \
                else "body differs" if a[0] != b[0] else f"review {a[1]} != {b[1]}"
            diffs.append(f"{k!r}: {what}")
    return diffs
