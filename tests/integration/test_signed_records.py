#!/usr/bin/env python3
"""Records signed by their units (issue 15, docs/security.md "Signed
records"). Four units of one county; the county's unit keys folder holds
the public signing keys (CODE.sign, huibao-keygen --sign-only) of three:
  A  signs with its own key (found beside its CURVE secret cert): every
     record STORED, and every history entry carries the signature, which
     verifies in Python (python3-nacl) over the canonical bytes of
     docs/protocol.md;
  B  has no signing key anywhere: sends unsigned (the agent says so once),
     accepted and counted in huibao_aggregator_records_unsigned_total;
  C  signs with another key (--sign-key): every record REJECTED on field
     "signature" with the reason in Chinese first, nothing stored;
  D  a raw client with D's keys: a record changed after it was signed and
     an unsigned record are REJECTED; then a record with a newer agent's
     unknown field and a category name (made a code by the county) is
     STORED, and its history entry keeps the signed body, so the signature
     still verifies.
The rollups equal the independent count of A's and B's ledgers only (C's
and D's refused records are never counted). Then require-signatures = true
refuses B's unsigned records too."""
import os
import shutil
import struct
import time
import urllib.request

import hbtest
import hbwire

DOMAIN = b"huibao.record.v1\0"


def keygen_sign(t, names):
    r = hbtest.run([hbtest.KEYGEN, "--out", t.keys.pairs, "--sign-only"] + names)
    t.check_rc(r, 0, f"huibao-keygen --sign-only {' '.join(names)}")
    return r


def sign_secret(t, name):
    return os.path.join(t.keys.pairs, name + ".sign_secret")


def read_hex(path, name):
    with open(path, encoding="utf-8") as f:
        for line in f:
            k, _, v = line.partition("=")
            if k.strip() == name:
                return bytes.fromhex(v.strip().strip('"'))
    return None


def signing_key(t, name):
    import nacl.signing  # python3-nacl (deploy/deps.sh)
    sk = read_hex(sign_secret(t, name), "secret-key")
    return nacl.signing.SigningKey(sk[:32])  # libsodium's secret key = seed | public


def verify_key(t, name):
    import nacl.signing
    return nacl.signing.VerifyKey(read_hex(os.path.join(t.keys.pairs, name + ".sign"),
                                           "public-key"))


def log_records(data):
    """[(n, unit, kind field, body, signature, signed_body)] of the county's
    history entries of stored versions (LogEntry.record)."""
    import lmdb  # python3-lmdb
    env = lmdb.open(data, max_dbs=16, readonly=True, lock=False)
    out = []
    with env.begin() as txn:
        for k, v in txn.cursor(db=env.open_db(b"log", txn=txn)):
            e = hbwire.parse(bytes(v))
            if 6 not in e:
                continue
            r = hbwire.parse(e[6][0])
            kind = next((f for f in (2, 3, 4, 5, 6) if f in r), None)
            out.append((struct.unpack(">Q", k)[0], e[5][0].decode(), kind,
                        r[kind][0] if kind else b"", r.get(7, [None])[0], r.get(8, [None])[0]))
    env.close()
    return out


def metric(port, name):
    try:
        txt = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    except OSError:
        return None
    for line in txt.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def expected_dir(t, county, counted):
    """A copy of the county folder whose ledgers are those of counted only."""
    root = os.path.join(t.dir, "expected")
    shutil.copytree(county.root, root)
    for u in county.units():
        if u not in counted:
            shutil.rmtree(os.path.join(root, "ledgers", u), ignore_errors=True)
            os.makedirs(os.path.join(root, "ledgers", u))
    return hbtest.County(root)


def check_entries(t, data, unit, vk, what):
    """Every history entry of unit is signed and verifies with vk."""
    from nacl.exceptions import BadSignatureError
    ents = [e for e in log_records(data) if e[1] == unit]
    t.check(len(ents) > 0, f"{what}: history entries of {unit}")
    bad = []
    for n, _, kind, body, sig, signed in ents:
        try:
            vk.verify(DOMAIN + bytes([kind]) + (signed if signed is not None else body), sig)
        except (BadSignatureError, TypeError, ValueError):
            bad.append(n)
    t.check_eq(bad, [], f"{what}: every entry of {unit} carries a signature that verifies")
    return ents


def main(t):
    county = t.county(units=4, rows=6, seed=15)
    a, b, c, d = county.units()[:4]
    t.keys.install_units(county.units())
    keygen_sign(t, [a, c, d, "wrong"])
    for u in (a, c, d):
        shutil.copyfile(os.path.join(t.keys.pairs, u + ".sign"),
                        os.path.join(t.keys.units, u + ".sign"))
    mport = hbtest.free_port()
    agg = t.aggregator(county, extra=["--metrics", f"127.0.0.1:{mport}"])
    t.check("3 signing keys of units" in agg.log_text(), "the county loads 3 signing keys",
            agg.log_text())

    # A signs: stored, the history carries verifying signatures
    r = t.sync(county, a, agg)
    t.check_rc(r, 0, f"{a} signs and syncs")
    t.check("no signing key" not in r.err, f"{a} does not warn", r.err)
    check_entries(t, agg.data, a, verify_key(t, a), "A")

    # B unsigned: accepted, counted as unsigned, the agent says so once
    before = metric(mport, "huibao_aggregator_records_unsigned_total") or 0
    r = t.sync(county, b, agg)
    t.check_rc(r, 0, f"{b} without a signing key syncs")
    t.check_eq(r.err.count("no signing key"), 1, f"{b}'s agent says once that it sends unsigned",
               r.err)
    nb = len([e for e in log_records(agg.data) if e[1] == b])
    t.check(nb > 0 and all(e[4] is None for e in log_records(agg.data) if e[1] == b),
            f"{b}'s history entries carry no signature")
    after = metric(mport, "huibao_aggregator_records_unsigned_total")
    t.check_eq(after, before + nb, "records_unsigned_total grew by B's records")

    # C signs with the wrong key: every record REJECTED, nothing stored
    r = t.sync(county, c, agg, extra=["--sign-key", sign_secret(t, "wrong")])
    t.check_rc(r, hbtest.EX_DATAERR, f"{c} with another signing key: exit 65")
    t.check("签名无效" in r.out + r.err and "signature" in r.out + r.err,
            "the clerk reads why (Chinese first)", r.out + r.err)
    t.check_eq([e for e in log_records(agg.data) if e[1] == c], [], f"nothing of {c} stored")

    # D: a raw client; a body changed after signing, and an unsigned record
    sk = signing_key(t, d)
    camp = "jiefang-2022"  # its categories are named as hbwire.problem writes them
    v = int(time.time() * 1e6)
    raw = hbwire.Agent(agg.listen, t.keys.secret(d), t.keys.public("county"))

    def send(body, sig):
        rec = hbwire.f_varint(1, 1) + hbwire.f_bytes(3, body)
        if sig is not None:
            rec += hbwire.f_bytes(7, sig)
        raw.batch += 1
        raw.sock.send(hbwire.f_varint(1, raw.batch) + hbwire.f_bytes(2, d)
                      + hbwire.f_bytes(3, rec))
        if not raw.sock.poll(5000):
            return None
        return hbwire.ack(raw.sock.recv())["results"][0]

    honest = hbwire.problem(d, "FORGED1", v, camp, description="整改到位")
    sig = sk.sign(DOMAIN + b"\3" + honest).signature
    changed = hbwire.problem(d, "FORGED1", v, camp, description="整改不到位")
    res = send(changed, sig)
    t.check(res and res["code"] == hbwire.REJECTED and res["field"] == "signature"
            and res["reason"].startswith("签名无效"),
            "a record changed after it was signed is REJECTED on signature", res)
    res = send(honest, None)
    t.check(res and res["code"] == hbwire.REJECTED and res["field"] == "signature"
            and res["reason"].startswith("缺少签名"),
            "an unsigned record of a unit with a key is REJECTED", res)
    t.check_eq([e for e in log_records(agg.data) if e[1] == d], [], f"nothing of {d} stored")

    # the rollups count A and B only
    t.check_rollups(expected_dir(t, county, {a, b}), agg,
                    "rollups count only the records that verified or were unsigned")

    # a newer agent's unknown field (40) and a category name: STORED, verifies
    newer = hbwire.problem(d, "NEWER1", v + 1, camp, extra=hbwire.f_varint(40, 42))
    res = send(newer, sk.sign(DOMAIN + b"\3" + newer).signature)
    t.check(res and res["code"] == hbwire.STORED, "a signed record with an unknown field: STORED",
            res)
    ents = check_entries(t, agg.data, d, verify_key(t, d), "D")
    t.check(any(e[5] is not None and e[5] == newer for e in ents),
            "the entry keeps the signed body (the county dropped a field)", ents)
    raw.close()

    # SIGHUP reloads the registry: B registered now, its unsigned records refused
    keygen_sign(t, [b])
    shutil.copyfile(os.path.join(t.keys.pairs, b + ".sign"), os.path.join(t.keys.units, b + ".sign"))
    agg.proc.send_signal(hbtest.signal.SIGHUP)
    end = time.monotonic() + 5
    while "4 signing keys of units" not in agg.log_text() and time.monotonic() < end:
        time.sleep(0.1)
    t.check("4 signing keys of units" in agg.log_text(), "SIGHUP reloads the signing keys")
    agg.stop()

    # require-signatures: a county that refuses unsigned records of any unit
    os.remove(os.path.join(t.keys.units, b + ".sign"))
    os.remove(sign_secret(t, b))
    county.mutate(1, 3)
    agg2 = t.aggregator(county, extra=["--require-signatures"])
    r = t.sync(county, b, agg2)
    t.check_rc(r, hbtest.EX_DATAERR, f"require-signatures: {b}'s unsigned records refused (65)")
    t.check("缺少签名" in r.out + r.err, "...with the reason", r.out + r.err)


if __name__ == "__main__":
    t = hbtest.Test("signed_records")
    t.guard(main)
