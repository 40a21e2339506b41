#!/usr/bin/env python3
"""Subscription churn does not flood the other subscribers (issue 18, item
8). A raw SUB client with a city's key subscribes and unsubscribes as fast
as it can, to everything and to a topic of no campaign, while a normal
subscriber counts what it receives: a new subscription republishes only
the campaigns its topic matches, each at most once per heartbeat, so the
count stays near two messages per campaign per heartbeat (it was thousands
a second). A late subscriber still gets every campaign at once."""
import time

import zmq

import hbtest
import hbwire

SECONDS = 4.0


def sub(ctx, t, agg, topic=b"rollup/"):
    s = ctx.socket(zmq.SUB)
    s.linger = 0
    s.rcvhwm = 100000
    hbwire.curve_client(s, t.keys.secret("city"), t.keys.public("county"))
    s.connect(agg.publish)
    s.setsockopt(zmq.SUBSCRIBE, topic)
    return s


def drain(s):
    n = 0
    while True:
        try:
            s.recv_multipart(zmq.NOBLOCK)
            n += 1
        except zmq.Again:
            return n


def main(t):
    county = t.county(units=4, rows=3, seed=29)
    campaigns = county.campaigns()
    agg = t.aggregator(county, heartbeat_ms=1000)
    t.sync_all(county, agg)
    ctx = zmq.Context()
    counter = sub(ctx, t, agg)
    time.sleep(1.5)
    got_first = drain(counter)
    t.check(got_first >= len(campaigns), f"the subscriber has the state ({got_first} messages)")

    churner = sub(ctx, t, agg, b"rollup/none-such")
    churner.rcvhwm = 10
    time.sleep(0.3)
    drain(churner)
    churns, n = 0, 0
    end = time.monotonic() + SECONDS
    while time.monotonic() < end:
        for topic in (b"rollup/", b"rollup/none-such", b""):
            churner.setsockopt(zmq.SUBSCRIBE, topic)
            churner.setsockopt(zmq.UNSUBSCRIBE, topic)
        churns += 3
        if churns % 300 == 0:
            n += drain(counter)
            drain(churner)
            time.sleep(0.001)
    time.sleep(0.2)
    n += drain(counter)
    bound = len(campaigns) * (2 * SECONDS + 4)
    print(f"     {churns} subscriptions in {SECONDS}s; the other subscriber received {n} "
          f"messages ({len(campaigns)} campaigns, bound {bound:.0f})", flush=True)
    t.check(churns > 1000, f"the churner subscribed {churns} times")
    t.check(n <= bound, f"the other subscriber got at most 2 per campaign per heartbeat ({n})")
    t.check(n >= len(campaigns) * (SECONDS - 1), f"... and still every heartbeat ({n})")

    late = sub(ctx, t, agg)
    seen, end = set(), time.monotonic() + 2.5
    while len(seen) < len(campaigns) and time.monotonic() < end:
        if late.poll(100):
            seen.add(late.recv_multipart()[0].decode())
    t.check_eq(len(seen), len(campaigns), "a late subscriber gets every campaign within a heartbeat",
               seen)
    for s in (counter, churner, late):
        s.close(0)
    ctx.term()
    t.check_eq(agg.stop(), 0, "aggregator stops")


hbtest.Test("sub_churn").guard(main)
