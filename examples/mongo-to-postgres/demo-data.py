#!/usr/bin/python3
# A mongodump of the factory's task collection, to try the migration on:
# written in mongodump's layout (DUMP/factory/task.bson and its
# task.metadata.json with the collection's indexes) by pymongo's own bson
# encoder (Debian's python3-pymongo).
#   demo-data.py DUMP [DOCUMENTS [SEED]]
import datetime
import json
import os
import random
import sys
import uuid

import bson
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions

out = os.path.join(sys.argv[1], "factory")
n = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
r = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 0)
os.makedirs(out, exist_ok=True)
o = CodecOptions(uuid_representation=UuidRepresentation.STANDARD, tz_aware=True)
t0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
now = datetime.datetime.now(datetime.timezone.utc)
with open(os.path.join(out, "task.bson"), "wb") as f:
    for i in range(n):
        created = t0 + datetime.timedelta(seconds=r.randrange(10**7), milliseconds=r.randrange(1000))
        eta = None
        if r.random() < 0.4:  # due, or due in a day or a year
            eta = r.choice([created, now + datetime.timedelta(days=1), now + datetime.timedelta(days=365)])
        doc = {"_id": bson.ObjectId(), "uid": uuid.UUID(int=r.getrandbits(128), version=4),
               "task": r.choice(["reports.calculate_oee", "inventory.check", "mail.send"]),
               "namespace": r.choice(["factory", "office"]),
               "status": r.choice(["PENDING", "PENDING", "PENDING", "STARTED", "SUCCESS", "FAILURE"]),
               "priority": r.randrange(10),
               "eta": eta,
               "args": [i, r.choice(["Zoë", "東京", "x", ""]), r.choice([2**62, -1, 0.5, None])],
               "kwargs": {"line": r.choice(["A", "B"]), "$meta": {"n": i}} if r.random() < 0.5 else {},
               "revision": r.randrange(1, 5), "created_at": created,
               "updated_at": created + datetime.timedelta(seconds=r.randrange(100))}
        f.write(bson.encode(doc, codec_options=o))
with open(os.path.join(out, "task.metadata.json"), "w") as f:
    json.dump({"options": {}, "indexes": [
        {"v": 2, "key": {"_id": 1}, "name": "_id_"},
        {"v": 2, "key": {"uid": 1}, "name": "uid_1", "unique": True},
        {"v": 2, "key": {"status": 1, "priority": -1, "eta": 1}, "name": "status_1_priority_-1_eta_1"}],
        "uuid": "6a1f0c2e9d3b4e5f8a7b6c5d4e3f2a1b", "collectionName": "task", "type": "collection"}, f)
