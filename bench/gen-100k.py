#!/usr/bin/env python3
"""100,000-token credential files for the benchmarks: usage gen-100k.py DIR TOLLGATE_HASH SHA_ENTRY TOKEN.

DIR/accounts-100k.yaml: tollgate, 10,000 accounts x 10 tokens; account `bench` (the 5,001st) has token t5 =
TOLLGATE_HASH. DIR/htpasswd-100k (nginx, {SHA}) and DIR/userlist-100k (HAProxy): 100,000 users, `bench` the
50,000th (their lookups are linear scans: the middle is the average case; tollgate's is a hash-table lookup,
where the position does not matter).
"""
import base64, hashlib, sys
w, tg_hash, sha, token = sys.argv[1:5]
acc = ["groups:", "  readers: { roles: [reader] }", "accounts:"]
def account(name, hashes):
    acc.extend([f"  - name: {name}", "    groups: [readers]", "    tokens:"])
    for t, h in enumerate(hashes):
        acc.extend([f"      - id: t{t}", f'        hash: "{h}"', "        expires: never"])
for a in range(10000):
    if a == 5000:
        hs = ["sha256:" + hashlib.sha256(f"tg_bench_bench_{t}".encode()).hexdigest() for t in range(10)]
        hs[5] = tg_hash
        account("bench", hs)
    else:
        account(f"bot-{a}", ["sha256:" + hashlib.sha256(f"tg_bench_{a}_{t}".encode()).hexdigest() for t in range(10)])
open(f"{w}/accounts-100k.yaml", "w").write("\n".join(acc) + "\n")
ht, ul = [], []
for u in range(100000):
    if u == 49999:
        ht.append(f"bench:{sha}")
        ul.append(f"  user bench insecure-password {token} groups readers")
    else:
        pw = f"pw-{u}"
        ht.append(f"bot-{u}:{{SHA}}" + base64.b64encode(hashlib.sha1(pw.encode()).digest()).decode())
        ul.append(f"  user bot-{u} insecure-password {pw} groups readers")
open(f"{w}/htpasswd-100k", "w").write("\n".join(ht) + "\n")
open(f"{w}/userlist-100k", "w").write("\n".join(ul) + "\n")
