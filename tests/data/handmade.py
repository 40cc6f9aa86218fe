"""A small hand-written shop and log, readable at a glance, for the unit and bad-input tests.

Each pattern below is what a few users did; ``INTENT`` names the hidden intent of
each query so tests can check pairs and labels against it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

CATALOG = [
    ("p1", "Nike Air Zoom Running Shoes", "Nike", "Shoes > Running"),
    ("p2", "Adidas Ultraboost Running Shoes", "Adidas", "Shoes > Running"),
    ("p3", "Asics Gel Nimbus Running Shoes", "Asics", "Shoes > Running"),
    ("p4", "Timberland Classic Leather Boots", "Timberland", "Shoes > Boots"),
    ("p5", "Dr. Martens 1460 Leather Boots", "Dr. Martens", "Shoes > Boots"),
    ("p6", "Samsung 65 inch 4K TV", "Samsung", "Electronics > TV"),
    ("p7", "LG 65 inch OLED TV", "LG", "Electronics > TV"),
    ("p8", "Sony Wireless Noise Cancelling Headphones", "Sony", "Electronics > Headphones"),
    ("p9", "Bose Wireless Headphones", "Bose", "Electronics > Headphones"),
    ("p10", "Nike Running Shorts", "Nike", "Apparel > Shorts"),
    ("p11", "Adidas Running Shorts", "Adidas", "Apparel > Shorts"),
]
#: Catalog rows that break the contract (no title): rejected, so their products are unknown.
BAD_CATALOG = [("p12", None, "Acme", "Shoes > Running"), ("p13", "   ", "Acme", "Shoes > Boots")]

INTENT = {
    "running shoes": "running-shoes",
    "sneakers for jogging": "running-shoes",
    "jogging sneakers": "running-shoes",
    "timberland boots": "timberland-boots",
    "timbs": "timberland-boots",
    "leather boots": "leather-boots",
    "65 inch tv": "tv-65",
    "65in tv": "tv-65",
    "wireless headphones": "headphones",
    "cans": "headphones",
    "running shorts": "running-shorts",
    "jogging shorts": "running-shorts",
}
CATEGORY = {
    "running-shoes": "Shoes > Running",
    "timberland-boots": "Shoes > Boots",
    "leather-boots": "Shoes > Boots",
    "tv-65": "Electronics > TV",
    "headphones": "Electronics > Headphones",
    "running-shorts": "Apparel > Shorts",
}

# (first query, its outcome, reformulated query or None, products engaged after it, how many users)
# outcome/engagement: list of (event_type, product_id)
PATTERNS = [
    ("running shoes", [("click", "p1"), ("order", "p1")], None, [], 4),
    ("running shoes", [("click", "p2"), ("add_to_cart", "p2"), ("order", "p2")], None, [], 3),
    ("running shoes", [("click", "p3")], None, [], 2),
    ("sneakers for jogging", [], "running shoes", [("click", "p1"), ("order", "p1")], 3),
    ("sneakers for jogging", [("click", "p2"), ("order", "p2")], None, [], 2),
    ("jogging sneakers", [], "running shoes", [("click", "p2"), ("order", "p2")], 2),
    ("timbs", [], "timberland boots", [("click", "p4"), ("order", "p4")], 3),
    ("timberland boots", [("click", "p4"), ("order", "p4")], None, [], 3),
    ("leather boots", [("click", "p5"), ("order", "p5")], None, [], 3),
    ("leather boots", [("click", "p4")], None, [], 1),
    ("65in tv", [], "65 inch tv", [("click", "p6"), ("order", "p6")], 3),
    ("65 inch tv", [("click", "p7"), ("order", "p7")], None, [], 3),
    ("65 inch tv", [("click", "p6")], None, [], 2),
    ("cans", [], "wireless headphones", [("click", "p8"), ("order", "p8")], 2),
    ("cans", [("click", "p9"), ("order", "p9")], None, [], 2),
    ("wireless headphones", [("click", "p9"), ("order", "p9")], None, [], 3),
    ("running shorts", [("click", "p10"), ("order", "p10")], None, [], 3),
    ("running shorts", [("click", "p11"), ("order", "p11")], None, [], 2),
    ("jogging shorts", [], "running shorts", [("click", "p10"), ("order", "p10")], 2),
    # An intent change: gave up on headphones, bought boots. Must not become a pair.
    ("wireless headphones", [], "leather boots", [("click", "p5"), ("order", "p5")], 2),
]


def catalog_frame(with_bad_rows: bool = False, catalog: list | None = None) -> pd.DataFrame:
    rows = (CATALOG if catalog is None else catalog) + (BAD_CATALOG if with_bad_rows else [])
    return pd.DataFrame(
        [{"product_id": p, "title": t, "brand": b, "category": c, "attributes": None, "description": f"{t}, by {b}."} for p, t, b, c in rows]
    )


def search_log_frame(with_session_ids: bool = True, with_bad_rows: bool = False, patterns: list | None = None) -> pd.DataFrame:
    """One session per (pattern, user); the query sits only on search events (clicks carry none)."""
    rows = []
    start = datetime(2026, 11, 2, 9, 0, 0)
    user = 0
    for q1, engaged1, q2, engaged2, n_users in PATTERNS if patterns is None else patterns:
        for _ in range(n_users):
            user += 1
            uid, sid = f"user{user:04d}", f"sess{user:04d}"
            t = start + timedelta(hours=user)
            seq = [("search", None, q1)] + [(e, p, None) for e, p in engaged1]
            if q2:
                seq += [("search", None, q2)] + [(e, p, None) for e, p in engaged2]
            for i, (etype, pid, q) in enumerate(seq):
                rows.append(
                    {
                        "event_time": (t + timedelta(seconds=20 * i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "user_id": uid,
                        "session_id": sid if with_session_ids else None,
                        "query": q,
                        "event_type": etype,
                        "product_id": pid,
                        "position": 1 if pid else None,
                    }
                )
    if with_bad_rows:
        rows += [
            # A click on a product whose catalog row has no title: counted as an unknown product.
            {"event_time": "2026-11-03T09:00:00Z", "user_id": "user9001", "session_id": "sess9001", "query": "running shoes", "event_type": "search", "product_id": None, "position": None},
            {"event_time": "2026-11-03T09:00:10Z", "user_id": "user9001", "session_id": "sess9001", "query": None, "event_type": "click", "product_id": "p12", "position": 1},
            # Contract breakers: land in rejects (without their user_id).
            {"event_time": "2026-11-03T09:01:00Z", "user_id": "user9002", "session_id": "sess9002", "query": "tv", "event_type": "hover", "product_id": None, "position": None},
            {"event_time": "not a time", "user_id": "user9003", "session_id": "sess9003", "query": "tv", "event_type": "search", "product_id": None, "position": None},
        ]
    df = pd.DataFrame(rows)
    df["position"] = df["position"].astype("Int64")  # not float: "1.0" is not an integer position
    return df


def write_csv(df: pd.DataFrame, path) -> str:
    df.to_csv(path, index=False)
    return str(path)


# --------------------------------------------------------------------------- the drift shop
#: A second small shop for the hard negatives that fooled the tagger (qrw.data.labels): one brand
#: across product types (Asus laptops and an Asus kettle), the same numbers across types
#: ("13 inch" laptops and bags), attribute values within a type (USB stick capacities, jacket
#: genders) and two queries whose word order changes the product (milk chocolate / chocolate milk).
DRIFT_CATALOG = [
    ("l1", "Asus ROG 15.6 inch Gaming Laptop 16GB RAM", "Asus", "Electronics > Laptops"),
    ("l2", "Acer Nitro 15.6 inch Gaming Laptop 8GB RAM", "Acer", "Electronics > Laptops"),
    ("l3", "Asus ZenBook 13 inch Laptop 8GB RAM", "Asus", "Electronics > Laptops"),
    ("b1", "Tomtoc 13 inch Laptop Bag Grey", "Tomtoc", "Electronics > Laptop Bags"),
    ("b2", "Tomtoc 15.6 inch Laptop Bag Black", "Tomtoc", "Electronics > Laptop Bags"),
    ("k1", "Asus 1.5 Litre Plastic Kettle", "Asus", "Home > Kettles"),
    ("k2", "Bosch 1.7 Litre Glass Kettle", "Bosch", "Home > Kettles"),
    ("u1", "SanDisk 32GB USB Stick", "SanDisk", "Electronics > USB Sticks"),
    ("u2", "SanDisk 64GB USB Stick", "SanDisk", "Electronics > USB Sticks"),
    ("u3", "Kingston 128GB USB Stick", "Kingston", "Electronics > USB Sticks"),
    ("u4", "Kingston USB Stick Multipack 2", "Kingston", "Electronics > USB Sticks"),  # a number as the last word
    ("j1", "Rainy Rain Jacket Men's Green", "Rainy", "Apparel > Rain Jackets"),
    ("j2", "Rainy Rain Jacket Women's Navy", "Rainy", "Apparel > Rain Jackets"),
    ("c1", "Cadbury Milk Chocolate Bar", "Cadbury", "Food > Chocolate"),
    ("c2", "Nesquik Chocolate Milk Drink", "Nesquik", "Food > Drinks"),
]
DRIFT_PATTERNS = [
    ("gaming laptop asus", [("click", "l1"), ("order", "l1")], None, [], 3),
    ("asus gaming laptop", [("click", "l1"), ("order", "l1")], None, [], 3),
    ("13 inch laptop bag", [("click", "b1"), ("order", "b1")], None, [], 3),
    ("32gb usb stick", [("click", "u1"), ("order", "u1")], None, [], 3),
    ("usb stick", [("click", "u2"), ("click", "u3"), ("order", "u3")], None, [], 3),
    ("mens rain jacket", [("click", "j1"), ("order", "j1")], None, [], 3),
    ("milk chocolate", [("click", "c1"), ("order", "c1")], None, [], 3),
    ("chocolate milk", [("click", "c2"), ("order", "c2")], None, [], 3),
    ("bosch kettle", [("click", "k2"), ("order", "k2")], None, [], 3),
    ("asus kettle", [("click", "k1"), ("order", "k1")], None, [], 3),
]
