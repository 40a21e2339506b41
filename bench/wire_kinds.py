"""What the packets of one TCP connection on the loopback carry (issue 17: the
idle county -> city connection, broken down by kind). Root only: an AF_PACKET
socket on "lo" (inside bench/idle_bytes.py's own network namespace).

Every segment is counted once (IP length: IP + TCP headers + payload) and
labelled by its ZMTP frames. Under CURVE every frame after the handshake is a
MESSAGE command whose body is 33 bytes (name, nonce, MAC, flags) + the
payload, so the payload's size tells the kinds apart:
  PING   payload 7 (\\x04PING, TTL, no context)  -> ZMTP frame of 42 bytes
  PONG   payload 5 (\\x04PONG, no context)       -> 40 bytes
  tick   two frames, the first of payload 4 ("tick")
  tock   one frame from the publisher (the quiet beat: "tock" + RollupBeat)
  ACK    no payload
Anything else is "other" (a subscription, state/ or rollup/ messages). With
rpc=True (the replica link: the city's DEALER -> the county's detail ROUTER)
the other frames are a request (city -> county) or a reply (county -> city).
"""
import select
import socket
import struct
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def _frames(payload):
    """The body sizes of the ZMTP frames in payload (whole frames only)."""
    out, i = [], 0
    while i + 2 <= len(payload):
        flags = payload[i]
        if flags & 0x02:
            if i + 9 > len(payload):
                break
            size = struct.unpack(">Q", payload[i + 1:i + 9])[0]
            i += 9
        else:
            size = payload[i + 1]
            i += 2
        out.append(size)
        i += size
    return out


def _label(from_pub, payload, rpc=False):
    if not payload:
        return "TCP ACK (no payload)"
    fr = _frames(payload)
    kinds, j = [], 0
    while j < len(fr):
        p = fr[j] - 33  # the CURVE payload
        if p == 7:
            kinds.append("ZMTP PING")
        elif p == 5:
            kinds.append("ZMTP PONG")
        elif rpc:
            kinds.append("reply (fetch or audit)" if from_pub else "request (fetch or audit)")
        elif from_pub and p == 4 and j + 1 < len(fr):
            kinds.append("beat on tick (2 frames)")
            j += 1
        elif from_pub and p > 4 and (j + 1 == len(fr) or fr[j + 1] - 33 in (4, 5, 7)):
            kinds.append("quiet beat on tock (1 frame)")
        else:
            kinds.append("other")
        j += 1
    if rpc:
        side = "county -> city" if from_pub else "city -> county"
    else:
        side = "publisher -> subscriber" if from_pub else "subscriber -> publisher"
    return f"{' + '.join(kinds)}, {side}"


def sniff(pub_port, sub_port, secs, rpc=False):
    """{label: [segments, IP bytes]} of the connection between the publisher's
    port pub_port and the subscriber's port sub_port over secs seconds (rpc:
    the county's detail port and the city's DEALER's, see _label)."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind(("lo", 0))
    got = {}
    end = time.monotonic() + secs
    try:
        while True:
            left = end - time.monotonic()
            if left <= 0:
                break
            if not select.select([s], [], [], left)[0]:
                continue
            pkt, addr = s.recvfrom(65536)
            if addr[2] == PACKET_OUTGOING or len(pkt) < 14 + 20:
                continue  # the loopback shows each packet going out and coming in
            ip = pkt[14:]
            if ip[0] >> 4 != 4 or ip[9] != 6:
                continue
            ihl = (ip[0] & 0x0F) * 4
            total = struct.unpack(">H", ip[2:4])[0]
            tcp = ip[ihl:]
            sport, dport = struct.unpack(">HH", tcp[:4])
            if {sport, dport} != {pub_port, sub_port}:
                continue
            doff = (tcp[12] >> 4) * 4
            payload = bytes(ip[ihl + doff:total])
            k = _label(sport == pub_port, payload, rpc)
            c = got.setdefault(k, [0, 0])
            c[0] += 1
            c[1] += total
    finally:
        s.close()
    return got


def table(got, secs):
    """Markdown rows: kind | segments/s | IP bytes/s | bytes per segment."""
    rows = []
    tot = [0, 0]
    for k, (n, b) in sorted(got.items(), key=lambda kv: -kv[1][1]):
        rows.append(f"| {k} | {n / secs:.2f} | {b / secs:.1f} | {b / max(1, n):.0f} |")
        tot[0] += n
        tot[1] += b
    rows.append(f"| **all, both directions** | {tot[0] / secs:.2f} | {tot[1] / secs:.1f} | |")
    return ("| kind | segments/s | IP bytes/s | bytes per segment |\n|---|---|---|---|\n"
            + "\n".join(rows) + "\n")
