"""The PII filter: detectors on positives and look-alikes, and nothing personal reaching the export or Redis."""

from __future__ import annotations

import json

import pytest

from qrw.config import PiiSection
from qrw.normalize import normalize
from qrw.serve.export import export, export_redis
from qrw.serve.lookup import lookup
from qrw.serve.pii import find, gtin_ok, luhn_ok, scan
from qrw.serve.publish import publish
from serve_tables import entry, good_rows, write_version

POSITIVES = {
    "email": ["john.doe@gmail.com", "contact jane_doe+shop@example.co.uk", "mary smith yahoo com", "jane at mail dot com"],
    "phone": ["call +1 (555) 123-4567", "0049 30 1234567", "555-1234 pizza", "06 12 34 56 78", "hotline 0800 123 4567"],
    "card": ["4111 1111 1111 1111", "4111-1111-1111-1111 refund", "5500005555555559", "378282246310005"],
    "address": ["221B Baker Street", "12 elm st apartment", "hauptstraße 12 berlin", "1600 Pennsylvania Avenue NW"],
}
LOOK_ALIKES = [
    "rtx 4090", "sm-g991b", "32 x 80 door", "2x4x8", "iphone 15 pro 256gb", "2 way radio", "3 way switch",
    "4 bay nas drive", "1 tb ssd drive", "size 10 11 12", "0885909950805", "samsung 980 pro 2tb", "12 volt drill",
    "m.2 2280 ssd", "1920x1080 monitor", "2024 calendar", "6.5 ft christmas tree", "4111 1111 1111 1112",
    "nike air max 90", "10 ft usb c cable", "earring 12 pack", "lego 42115", "a4 paper 500 sheets",
    "ddr4 3200 16gb 2x8gb", "adidas laceless sneakers", "street fighter 6", "st patricks day decorations",
]


@pytest.mark.parametrize("kind,text", [(k, t) for k, texts in POSITIVES.items() for t in texts])
def test_positives_raw_and_normalized(kind, text):
    assert find(text) == kind
    # caught on the raw form only (the key's raw `query` is scanned too): a generic-domain address, a 7-digit local number
    if text not in ("contact jane_doe+shop@example.co.uk", "555-1234 pizza"):
        assert find(normalize(text)) == kind, normalize(text)


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_pass(text):
    assert find(text) is None and find(normalize(text)) is None


def test_check_digits_and_config():
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert gtin_ok("0885909950805") and not gtin_ok("0885909950806")
    off = PiiSection(enabled=False)
    assert scan("john doe gmail com", None, ["call 555 123 4567"], off) == (None, [None])
    phones_only = PiiSection(kinds=["phone"])
    assert scan("4111 1111 1111 1111", None, ["call 555 123 4567", "shoes"], phones_only) == (None, ["phone", None])
    assert scan("red shoes", "John.Doe@gmail.com red shoes", [], PiiSection()) == ("email", [])
    assert find("call 555 123 4567", phone_min_digits=11) is None


def test_personal_data_never_reaches_export_or_redis_even_at_min_users_1(spark, scfg, table, tmp_path, redis_url, redis_client):
    personal = {
        "john doe gmail com": "John.Doe@gmail.com",
        "support 1 800 555 0199": "support +1 800 555 0199",
        "4111 1111 1111 1111": "4111-1111-1111-1111",
        "221b baker street": "221B Baker Street",
    }
    rows = good_rows()
    rows += [entry(key, query=raw, users=80) for key, raw in personal.items()]
    rows.append(entry("phone case", [("call 555 123 4567", 0.99, 5.0), ("phone cover", 0.9, 2.0)], users=40))
    write_version(spark, table, rows)
    scfg.serve.min_users = 1
    report = publish(scfg, table=table)
    assert report["decision"] == "published"
    assert report["pii"]["keys"] == {"email": 1, "card": 1, "phone": 1, "address": 1}
    assert report["pii"]["rewrites"] == {"email": 0, "card": 0, "phone": 1, "address": 0}
    assert report["rows"] == 23  # 22 healthy rows (the 1-user one too, at min_users=1) + "phone case"
    assert report["gates"]["pii"]["ok"] and "held back 4 keys" in report["gates"]["pii"]["message"]

    out = tmp_path / "d.jsonl"
    export(scfg, table=table, out=str(out))
    records = {r["query"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert not set(personal) & set(records)
    assert records["phone case"]["rewrites"] == [{"rewrite": "phone cover", "relevance": 0.9, "score": 2.0}]
    assert all(find(r["query"]) is None and all(find(x["rewrite"]) is None for x in r["rewrites"]) for r in records.values())

    export_redis(scfg, table=table, url=redis_url)
    live = redis_client.get("qrw:live")
    held = redis_client.hgetall(f"qrw:gen:{live}")
    assert set(held) == set(records) and not set(personal) & set(held)
    for raw in personal.values():
        assert lookup(scfg, table=table, query=raw) is None
