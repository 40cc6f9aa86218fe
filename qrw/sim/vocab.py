"""The sample world's domain vocabulary and its lexical-gap generators.

Why hand-written: the gaps have to be *systematic* so a tiny LM can learn them
compositionally (the same ``trainers -> sneakers`` or ``65in -> 65 inch`` rule
holds across every brand and product), and *real* (the mismatches shoppers
actually make: synonyms, regional words, inflections, brand nicknames, typos,
units, word order, describing a use instead of naming a product).

Rule of the vocabulary: merchant wording lives in ``Value.title`` /
``ProductType.noun`` and is what titles contain; ``query`` is the canonical
merchant-words query text and its tokens must be a subset of the title's
(``check_vocabulary`` enforces this). Gap words (synonyms, colloquial words,
unit spellings) must *not* be merchant wording; the world verifies that with
its search engine and records the outcome (``engine_gap``) instead of trusting it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ..normalize import normalize

GAP_TYPES = (
    "none",
    "synonym",
    "colloquial",
    "misspelling",
    "brand_nickname",
    "unit",
    "word_order",
    "use_based",
    "multi",
)


@dataclass(frozen=True)
class Value:
    """One value of a facet (attribute), in merchant wording plus the ways shoppers say it."""

    title: str
    query: str | None = None
    synonyms: tuple[str, ...] = ()
    colloquial: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    #: Whole queries describing a use, meaning "product type with this value".
    uses: tuple[str, ...] = ()
    #: facet name (or "brand") -> allowed values; a product only gets this value if they hold.
    requires: dict[str, tuple[str, ...]] = field(default_factory=dict)
    weight: float = 1.0

    @property
    def q(self) -> str:
        return normalize(self.query if self.query is not None else self.title)


@dataclass(frozen=True)
class Facet:
    name: str
    values: tuple[Value, ...]
    #: Probability that a product has no value for this facet (then it is not in the title).
    optional: float = 0.0
    #: Relative weight of intents constrained by this facet (0: never an intent constraint).
    intent_weight: float = 1.0


@dataclass(frozen=True)
class Brand:
    name: str
    nicknames: tuple[str, ...] = ()
    misspellings: tuple[str, ...] = ()

    @property
    def q(self) -> str:
        return normalize(self.name)


@dataclass(frozen=True)
class ProductType:
    key: str
    category: str
    noun: str
    query_noun: str
    #: Title template: {brand} {model} {noun} and facet names; empty slots vanish.
    title: str
    #: Canonical query template (merchant words), same slots minus {model}.
    query: str
    brands: tuple[str, ...] = ()
    facets: tuple[Facet, ...] = ()
    synonyms: tuple[str, ...] = ()
    colloquial: tuple[str, ...] = ()
    #: Whole queries describing a use, meaning "this product type".
    uses: tuple[str, ...] = ()
    complements: tuple[str, ...] = ()
    n_products: int = 0
    #: "name" (Kavo 3), "code" (QX55) or "" for no model names in titles.
    model_style: str = "name"
    blurb: str = ""
    popularity: float = 1.0

    def facet(self, name: str) -> Facet:
        for f in self.facets:
            if f.name == name:
                return f
        raise KeyError(name)


# --------------------------------------------------------------------------- brands

BRANDS: dict[str, Brand] = {
    b.name: b
    for b in (
        Brand("Adidas", ("adi",), ("addidas", "adiddas", "adidass")),
        Brand("Nike", (), ("nikey", "nkie", "nikee")),
        Brand("Puma", (), ("pumma", "pumaa")),
        Brand("New Balance", ("nb",), ("new balence", "newbalance")),
        Brand("Converse", ("chucks",), ("convers", "converce")),
        Brand("Vans", (), ("vanz",)),
        Brand("Skechers", (), ("sketchers", "skecher", "sketcher")),
        Brand("Reebok", (), ("rebok", "reebock")),
        Brand("Asics", (), ("asix", "asisc")),
        Brand("Brooks", (), ("brookes",)),
        Brand("Hoka", ("hoka one one",), ("hokka", "hooka")),
        Brand("Saucony", (), ("saucany", "sauconey")),
        Brand("Dr. Martens", ("docs", "doc martens", "dms"), ("dr martins", "doc martins")),
        Brand("Timberland", ("timbs", "timbos"), ("timberlands", "timberlnd")),
        Brand("UGG", ("uggs",), ("ugs",)),
        Brand("Columbia", (), ("colombia", "columbai")),
        Brand("Merrell", (), ("merell", "merrel")),
        Brand("Blundstone", ("blunnies", "blundies"), ("blunstone", "blundstones")),
        Brand("Birkenstock", ("birks", "birkis"), ("birkenstocks", "berkenstock", "birkenstok")),
        Brand("Teva", (), ("tevas",)),
        Brand("Havaianas", (), ("havianas", "havaiianas")),
        Brand("Crocs", (), ("crox",)),
        Brand("Levi's", ("levi", "levi strauss"), ("leavis", "levies")),
        Brand("Wrangler", (), ("wangler", "wranglers")),
        Brand("Lee", (), ()),
        Brand("Diesel", (), ("deisel",)),
        Brand("The North Face", ("tnf", "north face"), ("northface", "the northface")),
        Brand("Patagonia", ("patagucci",), ("patagonai", "patigonia")),
        Brand("Champion", (), ("champian",)),
        Brand("Uniqlo", (), ("uniqulo", "uniclo")),
        Brand("Carhartt", (), ("carhart", "carhat")),
        Brand("Under Armour", ("ua",), ("under armor", "underarmour")),
        Brand("Calvin Klein", ("ck",), ("calvin klien", "calvinklein")),
        Brand("Tommy Hilfiger", ("tommy",), ("tommy hilfigger", "tomy hilfiger")),
        Brand("Helly Hansen", ("hh",), ("helly hanson", "hely hansen")),
        Brand("Canada Goose", ("canadian goose",), ("canada gose",)),
        Brand("Balega", (), ("belega",)),
        Brand("Stance", (), ("stanse",)),
        Brand("Samsung", (), ("samsng", "samsumg", "sumsung")),
        Brand("LG", (), ()),
        Brand("Sony", (), ("sonny",)),
        Brand("TCL", (), ()),
        Brand("Hisense", (), ("hissense", "hisence")),
        Brand("Philips", (), ("phillips", "philip")),
        Brand("Panasonic", (), ("panasonik", "panasoinc")),
        Brand("Sanus", (), ("sanis",)),
        Brand("Vogel's", ("vogel",), ("vogals",)),
        Brand("Echogear", ("echo gear",), ("ecogear",)),
        Brand("Belkin", (), ("belkan",)),
        Brand("UGREEN", ("u green",), ("ugren",)),
        Brand("Cable Matters", (), ("cable maters",)),
        Brand("Bose", (), ("bosee",)),
        Brand("Sennheiser", (), ("senheiser", "sennhieser", "sennheizer")),
        Brand("JBL", (), ()),
        Brand("Beats", ("beats by dre",), ("beatz",)),
        Brand("Jabra", (), ("jabrah",)),
        Brand("Apple", (), ("appel",)),
        Brand("Anker", ("soundcore",), ("ankor",)),
        Brand("Audio-Technica", ("ath",), ("audio technika", "audiotechnica")),
        Brand("HP", ("hewlett packard",), ()),
        Brand("Dell", (), ("del",)),
        Brand("Lenovo", (), ("lenova", "lenvo", "lenovoo")),
        Brand("Asus", (), ("assus", "asuss")),
        Brand("Acer", (), ("accer",)),
        Brand("Microsoft", ("ms",), ("microsft", "mircosoft")),
        Brand("Tomtoc", (), ("tomtok",)),
        Brand("Case Logic", (), ("caselogic",)),
        Brand("Spigen", (), ("spigan", "spiegen")),
        Brand("OtterBox", ("otter",), ("otter box", "oterbox")),
        Brand("ESR", (), ()),
        Brand("Russell Hobbs", ("russell",), ("russel hobbs", "russell hobs")),
        Brand("Breville", (), ("brevile", "brevill")),
        Brand("Bosch", (), ("bosh",)),
        Brand("Smeg", (), ("smegg",)),
        Brand("Cuisinart", (), ("cuisineart", "cusinart")),
        Brand("Tefal", ("t fal", "tfal"), ("tefall",)),
        Brand("KitchenAid", ("kitchen aid",), ("kitchenade", "kichenaid")),
        Brand("Le Creuset", ("lc",), ("le cruset", "lecreuset", "le crueset")),
        Brand("Lodge", (), ("lodg",)),
        Brand("Scanpan", (), ("scan pan", "scanpann")),
        Brand("Circulon", (), ("circulan", "circulom")),
        Brand("Tramontina", (), ("tramontena",)),
        Brand("De'Longhi", ("de longhi",), ("delongi", "delonghy", "dolonghi")),
        Brand("Nespresso", (), ("nespreso", "nexpresso", "nesspresso")),
        Brand("Gaggia", (), ("gagia", "gaggio")),
        Brand("Sage", (), ()),
        Brand("Krups", (), ("krupps",)),
        Brand("Dolce Gusto", ("nescafe dolce gusto",), ("dolce gousto", "dolcegusto")),
        Brand("Lavazza", (), ("lavaza", "lavazzza")),
        Brand("Starbucks", (), ("starbuck", "starbux")),
        Brand("Dyson", (), ("dysen", "dison")),
        Brand("Shark", ("shark ninja",), ("sharck",)),
        Brand("iRobot", ("roomba",), ("i robot", "irobbot")),
        Brand("Miele", (), ("meile", "mielle")),
        Brand("Vax", (), ("vaxx",)),
        Brand("Eufy", (), ("eufi", "uefy")),
        Brand("Habitat", (), ("habitatt",)),
        Brand("Loaf", (), ()),
        Brand("Swyft", (), ("swift",)),
        Brand("IKEA", (), ("ikia", "ikeya")),
        Brand("Silentnight", ("silent night",), ("silentnite", "silent nite")),
        Brand("Slumberdown", ("slumber down",), ("slumberdwn",)),
        Brand("Snuggledown", ("snuggle down",), ("snugledown",)),
    )
}

#: Curated misspellings of ordinary words; other words get seeded typos (``typo``).
WORD_MISSPELLINGS: dict[str, tuple[str, ...]] = {
    "sneakers": ("sneekers", "sneakrs", "sneackers"),
    "trainers": ("trainors", "trainer"),
    "running": ("runing", "runnig"),
    "shoes": ("shoos", "shose"),
    "boots": ("boot", "bootz"),
    "sandals": ("sandles", "sandels"),
    "chelsea": ("chelsey", "chelsae"),
    "hiking": ("hikking", "hikeing"),
    "hoodie": ("hoodi", "hoddie", "hoodey"),
    "jeans": ("jeens", "jeanz"),
    "jacket": ("jaket", "jackit", "jackett"),
    "puffer": ("puffa", "pufer"),
    "socks": ("sox", "sockes"),
    "shirt": ("shrit", "shirtt"),
    "tv": ("tvv",),
    "television": ("televison", "telivision", "televsion"),
    "headphones": ("headphons", "hedphones", "headphone"),
    "earbuds": ("earbudds", "earbud", "earbudes"),
    "wireless": ("wirless", "wireles", "wirelss"),
    "cancelling": ("canceling", "cancelling", "cancleing"),
    "noise": ("noize",),
    "laptop": ("labtop", "laptob", "lap top"),
    "sleeve": ("sleve", "sleave"),
    "gaming": ("gameing", "gamming"),
    "case": ("cace",),
    "iphone": ("iphon", "ipohne"),
    "galaxy": ("galaxi", "gallaxy"),
    "kettle": ("kettel", "ketle", "kettal"),
    "electric": ("electirc", "elecric"),
    "stainless": ("stainles", "stainlass"),
    "frying": ("fryng", "fring"),
    "pan": ("pann",),
    "stick": ("stik",),
    "espresso": ("expresso", "espreso", "esspresso"),
    "machine": ("machne", "machin", "mashine"),
    "coffee": ("cofee", "coffe", "coffie"),
    "pods": ("podds",),
    "capsules": ("capsuls",),
    "vacuum": ("vaccum", "vacum", "vaccuum"),
    "cleaner": ("cleener", "claner"),
    "cordless": ("cordles", "chordless"),
    "robot": ("robbot", "robo"),
    "sofa": ("soffa", "sopha"),
    "corner": ("conner", "cornor"),
    "velvet": ("velvit", "velvett"),
    "duvet": ("duvay", "duvete", "duvett"),
    "mount": ("mout", "mont"),
    "hdmi": ("hdmii", "hmdi"),
    "cable": ("cabel", "cabble"),
    "womens": ("womans", "wemens"),
    "kids": ("kid", "kidz"),
    "mens": ("mans",),
}


# --------------------------------------------------------------------------- facet helpers


def inch(n: str, **kw) -> Value:
    """A screen size in merchant wording ('65 inch') and the ways shoppers write it."""
    return Value(f"{n} inch", units=(f"{n}in", f'{n}"', f"{n} inches", f"{n}inch"), **kw)


def litre(x: str) -> Value:
    return Value(f"{x} Litre", units=(f"{x}l", f"{x} liter", f"{x} ltr", f"{x} litres"))


def cm(n: str, inches: str) -> Value:
    return Value(f"{n} cm", units=(f"{n}cm", f"{n} centimeter", f"{inches} inch", f"{n} cms"))


def gb(n: str, suffix: str, alt: str) -> Value:
    return Value(f"{n} {suffix}", units=(f"{n[:-2]} {n[-2:].lower()} {suffix.lower()}", f"{n[:-2]} gig {suffix.lower()}", f"{n.lower()} {alt}"))


AUDIENCE3 = Facet(
    "audience",
    (
        Value("Men's", synonyms=("men", "for men"), colloquial=("guys", "male")),
        Value("Women's", synonyms=("women", "for women"), colloquial=("ladies", "female")),
        Value("Kids'", synonyms=("children", "childrens"), colloquial=("boys", "girls", "youth"), weight=0.7),
    ),
    intent_weight=1.2,
)
AUDIENCE2 = Facet("audience", AUDIENCE3.values[:2], intent_weight=1.2)


def colors(*names: str, intent_weight: float = 0.4) -> Facet:
    extra = {
        "Grey": {"synonyms": ("gray",)},
        "Navy": {"colloquial": ("dark blue",)},
        "Beige": {"colloquial": ("oatmeal", "sand")},
        "Cream": {"colloquial": ("off white",)},
        "Silver": {"colloquial": ("chrome",)},
    }
    return Facet("color", tuple(Value(n, **extra.get(n, {})) for n in names), intent_weight=intent_weight)


# --------------------------------------------------------------------------- product types

PRODUCT_TYPES: tuple[ProductType, ...] = (
    # ---------------------------------------------------------------- shoes
    ProductType(
        key="sneakers",
        category="Shoes > Sneakers",
        noun="Sneakers",
        query_noun="sneakers",
        title="{brand} {model} {closure} {audience} {noun} {color}",
        query="{brand} {audience} {closure} {color} {noun}",
        brands=("Adidas", "Nike", "Puma", "New Balance", "Converse", "Vans", "Skechers", "Reebok"),
        facets=(
            AUDIENCE3,
            Facet(
                "closure",
                (
                    Value("Lace-Up", weight=3.0, colloquial=("with laces",)),
                    Value(
                        "Hook-and-Loop",
                        colloquial=("no laces", "velcro", "strap"),
                        requires={"audience": ("Kids'",)},
                        weight=4.0,
                    ),
                    Value("Slip-On", synonyms=("slip ons", "pull on"), colloquial=("laceless", "no lace")),
                ),
            ),
            colors("White", "Black", "Grey", "Navy", "Red", "Pink"),
        ),
        synonyms=("trainers", "tennis shoes"),
        colloquial=("kicks",),
        uses=("casual shoes for everyday", "shoes for walking around town"),
        complements=("running_socks",),
        n_products=52,
        blurb="Everyday sneakers with a cushioned footbed and a grippy rubber outsole.",
        popularity=1.6,
    ),
    ProductType(
        key="running_shoes",
        category="Shoes > Running",
        noun="Running Shoes",
        query_noun="running shoes",
        title="{brand} {model} {terrain} {noun} {audience} {color}",
        query="{brand} {audience} {terrain} {color} {noun}",
        brands=("Nike", "Adidas", "Asics", "Brooks", "Hoka", "New Balance", "Saucony"),
        facets=(
            AUDIENCE2,
            Facet(
                "terrain",
                (
                    Value(
                        "Trail",
                        synonyms=("off road",),
                        colloquial=("mountain", "dirt"),
                        uses=("shoes for running on trails", "shoes for running in the mountains"),
                    ),
                ),
                optional=0.6,
            ),
            colors("Black", "White", "Blue", "Grey"),
        ),
        synonyms=("runners", "jogging shoes", "running trainers"),
        colloquial=("running sneakers",),
        uses=("shoes for running a marathon", "shoes for jogging", "marathon shoes"),
        complements=("running_socks",),
        n_products=40,
        blurb="Lightweight running shoes with responsive foam for daily miles.",
        popularity=1.4,
    ),
    ProductType(
        key="boots",
        category="Shoes > Boots",
        noun="Boots",
        query_noun="boots",
        title="{brand} {model} {style} {noun} {audience} {color}",
        query="{brand} {audience} {style} {color} {noun}",
        brands=("Dr. Martens", "Timberland", "UGG", "Columbia", "Merrell", "Blundstone"),
        facets=(
            AUDIENCE2,
            Facet(
                "style",
                (
                    Value("Chelsea", colloquial=("pull on", "elastic side"), requires={"brand": ("Dr. Martens", "Blundstone", "Timberland", "UGG")}),
                    Value(
                        "Hiking",
                        synonyms=("walking", "trekking"),
                        uses=("boots for hiking in the mountains", "boots for hill walking"),
                        requires={"brand": ("Timberland", "Columbia", "Merrell")},
                    ),
                    Value("Snow", synonyms=("winter",), colloquial=("fur lined",), requires={"brand": ("UGG", "Columbia", "Timberland")}),
                    Value("Work", synonyms=("safety",), colloquial=("steel toe",), requires={"brand": ("Timberland", "Dr. Martens", "Blundstone")}),
                ),
            ),
            colors("Black", "Brown", "Tan"),
        ),
        colloquial=("booties",),
        n_products=34,
        blurb="Sturdy boots with a padded collar and a durable rubber sole.",
    ),
    ProductType(
        key="sandals",
        category="Shoes > Sandals",
        noun="Sandals",
        query_noun="sandals",
        title="{brand} {model} {style} {noun} {audience} {color}",
        query="{brand} {audience} {style} {color} {noun}",
        brands=("Birkenstock", "Teva", "Havaianas", "Crocs", "Adidas"),
        facets=(
            AUDIENCE2,
            Facet(
                "style",
                (
                    Value("Flip-Flop", query="flip flop", colloquial=("thongs", "jandals"), requires={"brand": ("Havaianas", "Crocs")}),
                    Value("Slide", synonyms=("sliders", "slider"), requires={"brand": ("Birkenstock", "Adidas", "Crocs")}),
                    Value("Sport", colloquial=("hiking", "walking"), requires={"brand": ("Teva",)}),
                ),
            ),
            colors("Black", "Brown", "White", "Navy"),
        ),
        colloquial=("summer shoes", "open toe shoes"),
        uses=("shoes for the beach",),
        n_products=22,
        model_style="",
        blurb="Breathable sandals with a contoured footbed for warm days.",
    ),
    # ---------------------------------------------------------------- apparel
    ProductType(
        key="hoodies",
        category="Apparel > Hoodies",
        noun="Hoodie",
        query_noun="hoodie",
        title="{brand} {style} {noun} {audience} {color}",
        query="{brand} {audience} {style} {color} {noun}",
        brands=("Nike", "Adidas", "Champion", "The North Face", "Carhartt", "Under Armour"),
        facets=(
            AUDIENCE3,
            Facet("style", (Value("Pullover", colloquial=("over the head",), weight=2.0), Value("Zip-Up", synonyms=("zipper", "full zip"), colloquial=("zipped",)))),
            colors("Black", "Grey", "Navy", "Green", "Beige"),
        ),
        synonyms=("hooded sweatshirt", "hooded jumper"),
        colloquial=("hoody", "hoodies"),
        n_products=28,
        model_style="",
        blurb="Soft brushed-fleece hoodie with a kangaroo pocket and adjustable hood.",
        popularity=1.2,
    ),
    ProductType(
        key="tshirts",
        category="Apparel > T-Shirts",
        noun="T-Shirt",
        query_noun="t shirt",
        title="{brand} {neck} {material} {noun} {audience} {color}",
        query="{brand} {audience} {neck} {material} {color} {noun}",
        brands=("Uniqlo", "Champion", "Nike", "Levi's", "Calvin Klein", "Tommy Hilfiger", "Carhartt"),
        facets=(
            AUDIENCE2,
            Facet("neck", (Value("Crew Neck", synonyms=("round neck",), weight=2.0), Value("V-Neck", synonyms=("vneck",), colloquial=("v shaped neck",)))),
            Facet("material", (Value("Organic Cotton", colloquial=("eco", "sustainable")), Value("Cotton", colloquial=("100 percent cotton",), weight=2.0))),
            colors("White", "Black", "Grey", "Navy"),
        ),
        synonyms=("tee", "tshirt", "tee shirt"),
        colloquial=("tees", "top"),
        n_products=28,
        model_style="",
        blurb="Classic tee in a soft midweight jersey that keeps its shape wash after wash.",
        popularity=1.1,
    ),
    ProductType(
        key="jeans",
        category="Apparel > Jeans",
        noun="Jeans",
        query_noun="jeans",
        title="{brand} {model} {fit} {noun} {audience} {color}",
        query="{brand} {audience} {fit} {color} {noun}",
        brands=("Levi's", "Wrangler", "Lee", "Diesel", "Calvin Klein"),
        facets=(
            AUDIENCE2,
            Facet(
                "fit",
                (
                    Value("Slim Fit", colloquial=("tight", "fitted")),
                    Value("Straight Fit", synonyms=("regular fit",), colloquial=("classic",)),
                    Value("Relaxed Fit", synonyms=("loose fit",), colloquial=("baggy", "loose")),
                ),
            ),
            Facet("color", (Value("Dark Wash", colloquial=("dark blue", "indigo")), Value("Light Wash", colloquial=("light blue", "faded")), Value("Black")), intent_weight=0.5),
        ),
        synonyms=("denims", "denim pants", "denim trousers"),
        n_products=26,
        model_style="code",
        blurb="Five-pocket jeans cut from stretch denim for all-day comfort.",
    ),
    ProductType(
        key="rain_jackets",
        category="Apparel > Jackets > Rain Jackets",
        noun="Rain Jacket",
        query_noun="rain jacket",
        title="{brand} {model} {noun} {audience} {color}",
        query="{brand} {audience} {color} {noun}",
        brands=("The North Face", "Patagonia", "Columbia", "Helly Hansen"),
        facets=(AUDIENCE2, colors("Black", "Navy", "Yellow", "Green")),
        synonyms=("raincoat", "rain coat", "waterproof jacket"),
        colloquial=("anorak", "mac"),
        uses=("jacket for when it rains", "coat for rainy weather"),
        n_products=18,
        blurb="Seam-sealed waterproof shell that packs into its own pocket.",
    ),
    ProductType(
        key="puffer_jackets",
        category="Apparel > Jackets > Puffer Jackets",
        noun="Puffer Jacket",
        query_noun="puffer jacket",
        title="{brand} {model} {fill} {noun} {audience} {color}",
        query="{brand} {audience} {fill} {color} {noun}",
        brands=("The North Face", "Patagonia", "Uniqlo", "Columbia", "Canada Goose"),
        facets=(
            AUDIENCE2,
            Facet("fill", (Value("Down", synonyms=("goose down", "feather")), Value("Synthetic", colloquial=("vegan", "animal free"))), optional=0.3),
            colors("Black", "Navy", "Green", "Beige"),
        ),
        synonyms=("down jacket", "quilted jacket", "puffa jacket"),
        colloquial=("puffy coat", "bubble coat", "puffer coat"),
        uses=("warm coat for winter", "jacket for very cold weather"),
        n_products=18,
        blurb="Insulated puffer that traps heat without the bulk.",
    ),
    ProductType(
        key="running_socks",
        category="Apparel > Socks",
        noun="Running Socks",
        query_noun="running socks",
        title="{brand} {pack} {noun} {color}",
        query="{brand} {pack} {color} {noun}",
        brands=("Nike", "Adidas", "Balega", "Stance"),
        facets=(
            Facet(
                "pack",
                (
                    Value("3-Pack", query="3 pack", units=("3pk", "pack of 3", "3 pairs", "three pack")),
                    Value("6-Pack", query="6 pack", units=("6pk", "pack of 6", "6 pairs", "six pack")),
                ),
            ),
            colors("White", "Black", "Grey", intent_weight=0.2),
        ),
        synonyms=("athletic socks", "sport socks", "sports socks"),
        colloquial=("anti blister socks",),
        uses=("socks for jogging",),
        complements=("running_shoes", "sneakers"),
        n_products=12,
        model_style="",
        blurb="Cushioned, moisture-wicking socks that keep blisters away.",
        popularity=0.6,
    ),
    # ---------------------------------------------------------------- electronics
    ProductType(
        key="tvs",
        category="Electronics > TVs",
        noun="Smart TV",
        query_noun="tv",
        title="{brand} {size} {model} {resolution} {panel} {noun}",
        query="{brand} {size} {resolution} {panel} {noun}",
        brands=("Samsung", "LG", "Sony", "TCL", "Hisense", "Philips", "Panasonic"),
        facets=(
            Facet(
                "size",
                (
                    inch("32"),
                    inch("43"),
                    inch("50"),
                    inch("55", weight=1.5),
                    inch("65", weight=1.5),
                    inch("75"),
                    inch("85", weight=0.5),
                ),
                intent_weight=1.5,
            ),
            Facet(
                "resolution",
                (
                    Value("4K", synonyms=("uhd", "ultra hd", "2160p"), weight=4.0, requires={"size": ("43 inch", "50 inch", "55 inch", "65 inch", "75 inch", "85 inch")}),
                    Value("8K", colloquial=("8k uhd",), requires={"size": ("65 inch", "75 inch", "85 inch")}, weight=0.5),
                    Value("Full HD", synonyms=("1080p", "fhd"), requires={"size": ("32 inch", "43 inch")}),
                ),
            ),
            Facet(
                "panel",
                (
                    Value("OLED", colloquial=("organic led",), requires={"brand": ("LG", "Sony", "Philips", "Panasonic")}),
                    Value("QLED", colloquial=("quantum dot",), requires={"brand": ("Samsung", "TCL", "Hisense")}),
                    Value("LED", weight=2.0),
                ),
            ),
        ),
        synonyms=("television", "smart television"),
        colloquial=("telly", "flat screen", "flatscreen"),
        uses=("screen for watching movies", "big screen for the living room"),
        complements=("tv_mounts", "hdmi_cables"),
        n_products=40,
        model_style="code",
        blurb="Smart TV with built-in streaming apps, voice control and HDR support.",
        popularity=1.7,
    ),
    ProductType(
        key="tv_mounts",
        category="Electronics > TV Accessories",
        noun="TV Wall Mount",
        query_noun="tv wall mount",
        title="{brand} {motion} {noun} for 32-75 inch TVs",
        query="{brand} {motion} {noun}",
        brands=("Sanus", "Vogel's", "Echogear"),
        facets=(
            Facet(
                "motion",
                (
                    Value("Tilting", synonyms=("tilt",)),
                    Value("Full Motion", synonyms=("articulating",), colloquial=("swivel", "moving arm")),
                    Value("Fixed", colloquial=("flat", "low profile")),
                ),
            ),
        ),
        synonyms=("tv bracket", "wall bracket for tv"),
        colloquial=("tv hanger", "tv holder for wall"),
        uses=("hang tv on wall",),
        complements=("tvs",),
        n_products=10,
        model_style="",
        blurb="Steel wall mount with a built-in level and all mounting hardware.",
        popularity=0.6,
    ),
    ProductType(
        key="hdmi_cables",
        category="Electronics > Cables",
        noun="HDMI Cable",
        query_noun="hdmi cable",
        title="{brand} {length} {noun} 8K 48Gbps",
        query="{brand} {length} {noun}",
        brands=("Belkin", "UGREEN", "Cable Matters"),
        facets=(
            Facet(
                "length",
                (
                    Value("1m", units=("1 m", "1 meter", "1 metre", "3ft")),
                    Value("2m", units=("2 m", "2 meter", "2 metre", "6ft"), weight=2.0),
                    Value("3m", units=("3 m", "3 meter", "3 metre", "10ft")),
                ),
            ),
        ),
        synonyms=("hdmi cord", "hdmi lead"),
        colloquial=("tv cable", "hdmi wire"),
        complements=("tvs",),
        n_products=9,
        model_style="",
        blurb="High speed cable for 4K120 and 8K60 with eARC.",
        popularity=0.5,
    ),
    ProductType(
        key="headphones",
        category="Electronics > Headphones",
        noun="Headphones",
        query_noun="headphones",
        title="{brand} {model} {connectivity} {anc} {fit} {noun} {color}",
        query="{brand} {connectivity} {anc} {fit} {color} {noun}",
        brands=("Sony", "Bose", "Sennheiser", "JBL", "Beats", "Audio-Technica"),
        facets=(
            Facet("connectivity", (Value("Wireless", synonyms=("bluetooth",), colloquial=("cordless", "no wire"), weight=3.0), Value("Wired", colloquial=("with cable", "corded")))),
            Facet(
                "anc",
                (Value("Noise Cancelling", synonyms=("noise canceling", "anc"), colloquial=("noise reduction", "quiet"), uses=("headphones for the plane", "headphones to block out noise")),),
                optional=0.45,
                intent_weight=1.3,
            ),
            Facet("fit", (Value("Over-Ear", colloquial=("around ear", "big"), weight=2.0), Value("On-Ear", colloquial=("on the ear",)))),
            colors("Black", "White", "Silver"),
        ),
        synonyms=("headset",),
        colloquial=("cans", "head phones"),
        n_products=28,
        model_style="code",
        blurb="Headphones with rich bass, soft memory-foam cushions and long battery life.",
        popularity=1.3,
    ),
    ProductType(
        key="earbuds",
        category="Electronics > Earbuds",
        noun="Earbuds",
        query_noun="earbuds",
        title="{brand} {model} {connectivity} {anc} {noun} {color}",
        query="{brand} {connectivity} {anc} {color} {noun}",
        brands=("Apple", "Samsung", "Sony", "Jabra", "JBL", "Beats", "Anker"),
        facets=(
            Facet("connectivity", (Value("True Wireless", query="wireless", synonyms=("bluetooth",), colloquial=("cordless",), weight=4.0), Value("Wired", colloquial=("with cable",)))),
            Facet(
                "anc",
                (Value("Noise Cancelling", synonyms=("noise canceling", "anc"), colloquial=("noise reduction",)),),
                optional=0.5,
            ),
            colors("Black", "White"),
        ),
        synonyms=("earphones", "in ear headphones", "ear buds"),
        colloquial=("earpods", "buds"),
        uses=("earphones for running", "headphones for the gym"),
        n_products=24,
        model_style="code",
        blurb="Compact earbuds with a pocketable charging case and touch controls.",
        popularity=1.3,
    ),
    ProductType(
        key="laptops",
        category="Electronics > Laptops",
        noun="Laptop",
        query_noun="laptop",
        title="{brand} {model} {screen} {use} {noun} {ram} {storage}",
        query="{brand} {screen} {use} {ram} {storage} {noun}",
        brands=("HP", "Dell", "Lenovo", "Apple", "Asus", "Acer", "Microsoft"),
        facets=(
            Facet(
                "screen",
                (
                    inch("13.3"),
                    inch("14", weight=1.5),
                    inch("15.6", weight=2.0),
                    inch("17.3", weight=0.7),
                ),
            ),
            Facet(
                "use",
                (
                    Value("Gaming", uses=("laptop for playing games", "computer for gaming"), colloquial=("gamer",), requires={"brand": ("HP", "Dell", "Lenovo", "Asus", "Acer")}),
                    Value("Business", uses=("laptop for work", "computer for the office"), colloquial=("work", "office")),
                    Value("2-in-1", query="2 in 1", synonyms=("convertible",), colloquial=("touchscreen tablet", "flip")),
                ),
                optional=0.4,
                intent_weight=1.4,
            ),
            Facet("ram", (gb("8GB", "RAM", "memory"), gb("16GB", "RAM", "memory"), gb("32GB", "RAM", "memory"))),
            Facet("storage", (gb("256GB", "SSD", "storage"), gb("512GB", "SSD", "storage"), Value("1TB SSD", units=("1 tb ssd", "1000gb ssd", "1tb storage"))), intent_weight=0.6),
        ),
        synonyms=("notebook", "notebook computer", "laptop computer"),
        colloquial=("lappy", "portable computer"),
        uses=("computer for college", "computer for school"),
        complements=("laptop_sleeves",),
        n_products=40,
        model_style="code",
        blurb="Thin and light laptop with all-day battery and a backlit keyboard.",
        popularity=1.5,
    ),
    ProductType(
        key="laptop_sleeves",
        category="Electronics > Laptop Accessories",
        noun="Laptop Sleeve",
        query_noun="laptop sleeve",
        title="{brand} {size} {noun} {color}",
        query="{brand} {size} {color} {noun}",
        brands=("Tomtoc", "Case Logic"),
        facets=(Facet("size", (inch("13"), inch("14"), inch("15.6"))), colors("Black", "Grey", "Navy", intent_weight=0.2)),
        synonyms=("laptop case", "laptop cover", "laptop pouch"),
        colloquial=("computer bag",),
        complements=("laptops",),
        n_products=10,
        model_style="",
        blurb="Padded sleeve with a water-resistant shell and an accessory pocket.",
        popularity=0.5,
    ),
    ProductType(
        key="phone_cases",
        category="Electronics > Phone Accessories > Cases",
        noun="Phone Case",
        query_noun="phone case",
        title="{brand} {style} {noun} for {phone}",
        query="{brand} {phone} {style} {noun}",
        brands=("Spigen", "OtterBox", "ESR"),
        facets=(
            Facet(
                "phone",
                (
                    Value("iPhone 15", units=("iphone15", "i phone 15"), colloquial=("ip15",)),
                    Value("iPhone 15 Pro", units=("iphone15 pro", "i phone 15 pro", "iphone 15pro")),
                    Value("Galaxy S24", units=("galaxy s 24", "galaxys24"), colloquial=("samsung s24",)),
                ),
                intent_weight=2.0,
            ),
            Facet(
                "style",
                (
                    Value("Clear", colloquial=("transparent", "see through")),
                    Value("Rugged", synonyms=("heavy duty", "shockproof"), colloquial=("tough",)),
                    Value("Leather"),
                ),
            ),
        ),
        synonyms=("phone cover", "mobile cover", "cell phone case"),
        colloquial=("phone protector",),
        n_products=18,
        model_style="",
        blurb="Slim protective case with raised edges for the screen and camera.",
        popularity=0.9,
    ),
    # ---------------------------------------------------------------- home & kitchen
    ProductType(
        key="kettles",
        category="Home & Kitchen > Kettles",
        noun="Electric Kettle",
        query_noun="kettle",
        title="{brand} {model} {capacity} {material} {noun} {color}",
        query="{brand} {capacity} {material} {color} {noun}",
        brands=("Russell Hobbs", "Breville", "Bosch", "Philips", "Smeg", "Cuisinart", "Tefal", "KitchenAid"),
        facets=(
            Facet("capacity", (litre("1.0"), litre("1.5"), litre("1.7"))),
            Facet(
                "material",
                (
                    Value("Stainless Steel", colloquial=("metal", "steel"), weight=2.0),
                    Value("Glass", colloquial=("see through", "transparent")),
                    Value("Plastic", colloquial=("lightweight",)),
                ),
            ),
            colors("White", "Black", "Silver", "Cream", "Red"),
        ),
        synonyms=("water boiler", "electric jug"),
        colloquial=("jug", "hot water kettle"),
        uses=("something to boil water", "appliance to boil water for tea"),
        n_products=30,
        blurb="Rapid-boil kettle with a concealed element and auto shut-off.",
        popularity=1.2,
    ),
    ProductType(
        key="frying_pans",
        category="Home & Kitchen > Cookware > Frying Pans",
        noun="Frying Pan",
        query_noun="frying pan",
        title="{brand} {model} {coating} {noun} {size}",
        query="{brand} {size} {coating} {noun}",
        brands=("Tefal", "Le Creuset", "Lodge", "Scanpan", "Circulon", "Tramontina"),
        facets=(
            Facet(
                "coating",
                (
                    Value("Non-Stick", synonyms=("nonstick",), colloquial=("teflon",), uses=("pan for eggs", "pan for cooking eggs"), weight=2.0, requires={"brand": ("Tefal", "Scanpan", "Circulon", "Tramontina")}),
                    Value("Cast Iron", colloquial=("iron",), requires={"brand": ("Le Creuset", "Lodge")}),
                    Value("Stainless Steel", colloquial=("steel", "metal"), requires={"brand": ("Scanpan", "Tramontina", "Circulon")}),
                ),
            ),
            Facet("size", (cm("20", "8"), cm("24", "9.5"), cm("28", "11"))),
        ),
        synonyms=("skillet", "fry pan", "frypan"),
        colloquial=("pan",),
        uses=("pan for frying",),
        n_products=28,
        blurb="Even-heating pan that works on gas, electric and induction hobs.",
        popularity=1.0,
    ),
    ProductType(
        key="espresso_machines",
        category="Home & Kitchen > Coffee Machines > Espresso",
        noun="Espresso Machine",
        query_noun="espresso machine",
        title="{brand} {model} {grinder} {noun} {color}",
        query="{brand} {grinder} {color} {noun}",
        brands=("De'Longhi", "Breville", "Sage", "Gaggia", "Philips", "Krups"),
        facets=(
            Facet("grinder", (Value("Bean-to-Cup", query="bean to cup", synonyms=("with grinder",), colloquial=("fully automatic", "automatic")),), optional=0.5),
            colors("Black", "Silver", "Red"),
        ),
        synonyms=("espresso maker", "coffee machine", "coffee maker"),
        colloquial=("cappuccino machine", "barista machine"),
        uses=("machine to make lattes", "something to make cappuccino at home"),
        complements=("coffee_pods",),
        n_products=24,
        model_style="code",
        blurb="15-bar pump espresso machine with a steam wand for silky milk.",
        popularity=1.0,
    ),
    ProductType(
        key="pod_machines",
        category="Home & Kitchen > Coffee Machines > Pod",
        noun="Coffee Pod Machine",
        query_noun="coffee pod machine",
        title="{brand} {model} {noun} {color}",
        query="{brand} {color} {noun}",
        brands=("Nespresso", "Dolce Gusto", "Krups", "De'Longhi"),
        facets=(colors("Black", "White", "Red", "Grey"),),
        synonyms=("capsule machine", "coffee capsule machine", "pod coffee maker"),
        colloquial=("pod machine", "coffee pod thing"),
        uses=("single cup coffee maker",),
        complements=("coffee_pods",),
        n_products=14,
        model_style="name",
        blurb="One-touch pod machine that brews a cup in under a minute.",
        popularity=0.8,
    ),
    ProductType(
        key="coffee_pods",
        category="Home & Kitchen > Coffee > Pods",
        noun="Coffee Pods",
        query_noun="coffee pods",
        title="{brand} {roast} {noun} {count}",
        query="{brand} {roast} {count} {noun}",
        brands=("Nespresso", "Lavazza", "Starbucks", "Dolce Gusto"),
        facets=(
            Facet("roast", (Value("Espresso Roast", colloquial=("strong", "dark")), Value("Decaf", synonyms=("decaffeinated",), colloquial=("no caffeine",))), intent_weight=0.8),
            Facet("count", (Value("50 Pods", query="50 pods", units=("50 pack", "pack of 50", "50pk")), Value("100 Pods", query="100 pods", units=("100 pack", "pack of 100"))), intent_weight=0.5),
        ),
        synonyms=("coffee capsules", "coffee pod refills"),
        colloquial=("capsules", "coffee pucks"),
        complements=("espresso_machines", "pod_machines"),
        n_products=10,
        model_style="",
        blurb="Aluminium pods with intense, full-bodied coffee.",
        popularity=0.7,
    ),
    ProductType(
        key="vacuums",
        category="Home & Kitchen > Vacuum Cleaners",
        noun="Vacuum Cleaner",
        query_noun="vacuum cleaner",
        title="{brand} {model} {kind} {noun} {color}",
        query="{brand} {kind} {color} {noun}",
        brands=("Dyson", "Shark", "Bosch", "Samsung", "iRobot", "Miele", "Vax", "Eufy"),
        facets=(
            Facet(
                "kind",
                (
                    Value("Cordless Stick", synonyms=("battery stick",), colloquial=("wireless", "battery powered"), requires={"brand": ("Dyson", "Shark", "Bosch", "Samsung", "Vax")}, weight=2.0),
                    Value("Robot", synonyms=("robotic", "automatic"), colloquial=("self driving", "robo"), uses=("vacuum that cleans by itself",), requires={"brand": ("iRobot", "Eufy", "Samsung", "Shark")}),
                    Value("Upright", colloquial=("standing", "full size"), requires={"brand": ("Shark", "Miele", "Vax", "Dyson")}),
                    Value("Handheld", colloquial=("mini", "car", "dustbuster"), requires={"brand": ("Dyson", "Shark", "Vax")}),
                ),
                intent_weight=1.5,
            ),
            colors("Grey", "Purple", "White", intent_weight=0.2),
        ),
        synonyms=("hoover", "vac"),
        colloquial=("floor cleaner",),
        uses=("machine to clean carpets",),
        n_products=30,
        model_style="code",
        blurb="Powerful suction with a washable filter and tools for every surface.",
        popularity=1.2,
    ),
    ProductType(
        key="sofas",
        category="Home & Kitchen > Furniture > Sofas",
        noun="Sofa",
        query_noun="sofa",
        title="{brand} {model} {seats} {shape} {material} {noun} {color}",
        query="{brand} {seats} {shape} {material} {color} {noun}",
        brands=("Habitat", "Loaf", "Swyft", "IKEA"),
        facets=(
            Facet(
                "seats",
                (
                    Value("2-Seater", query="2 seater", units=("two seater", "2 seat", "2seater"), colloquial=("loveseat",)),
                    Value("3-Seater", query="3 seater", units=("three seater", "3 seat", "3seater"), weight=1.5),
                ),
            ),
            Facet("shape", (Value("Corner", synonyms=("l shaped", "sectional"), colloquial=("corner unit",)),), optional=0.6),
            Facet("material", (Value("Velvet", colloquial=("velour", "plush")), Value("Leather", colloquial=("faux leather",)), Value("Fabric", synonyms=("cloth", "upholstered")))),
            colors("Grey", "Green", "Blue", "Beige", intent_weight=0.5),
        ),
        synonyms=("couch", "settee"),
        colloquial=("lounge", "chesterfield"),
        uses=("somewhere to sit in the living room",),
        n_products=22,
        blurb="Deep-seated sofa with feather-wrapped cushions and solid wood legs.",
        popularity=0.9,
    ),
    ProductType(
        key="duvets",
        category="Home & Kitchen > Bedding > Duvets",
        noun="Duvet",
        query_noun="duvet",
        title="{brand} {tog} {fill} {noun} {bed}",
        query="{brand} {bed} {tog} {fill} {noun}",
        brands=("Silentnight", "Slumberdown", "Snuggledown"),
        facets=(
            Facet(
                "tog",
                (
                    Value("4.5 Tog", units=("4.5tog",), colloquial=("summer", "light")),
                    Value("10.5 Tog", units=("10.5tog",), colloquial=("all season", "medium")),
                    Value("13.5 Tog", units=("13.5tog",), colloquial=("winter", "extra warm")),
                ),
            ),
            Facet("fill", (Value("Goose Down", synonyms=("down",), colloquial=("feather",)), Value("Microfibre", synonyms=("microfiber",), colloquial=("hollowfibre", "synthetic", "anti allergy")))),
            Facet("bed", (Value("Single"), Value("Double"), Value("King Size", synonyms=("king",)), Value("Super King", synonyms=("superking", "super king size")))),
        ),
        synonyms=("comforter", "quilt"),
        colloquial=("doona", "bed cover"),
        uses=("something warm for the bed",),
        n_products=18,
        model_style="",
        blurb="Soft, breathable duvet with box-stitched channels that keep the filling even.",
        popularity=0.8,
    ),
)

#: Things shoppers look for that this shop does not sell: searches with no good product.
UNSOLD_TYPES: tuple[ProductType, ...] = (
    ProductType(key="air_fryers", category="Home & Kitchen > Air Fryers", noun="Air Fryer", query_noun="air fryer", title="", query="{noun}", synonyms=("airfryer", "air frier"), colloquial=("oil free fryer",), popularity=0.5),
    ProductType(key="lawn_mowers", category="Garden > Lawn Mowers", noun="Lawn Mower", query_noun="lawn mower", title="", query="{noun}", synonyms=("lawnmower", "grass cutter"), popularity=0.3),
    ProductType(key="treadmills", category="Sports > Treadmills", noun="Treadmill", query_noun="treadmill", title="", query="{noun}", synonyms=("running machine",), colloquial=("walking pad",), popularity=0.3),
    ProductType(key="strollers", category="Baby > Strollers", noun="Stroller", query_noun="stroller", title="", query="{noun}", synonyms=("pram", "pushchair", "buggy"), popularity=0.3),
    ProductType(key="toothbrushes", category="Health > Electric Toothbrushes", noun="Electric Toothbrush", query_noun="electric toothbrush", title="", query="{noun}", synonyms=("electric tooth brush",), colloquial=("sonic toothbrush",), popularity=0.3),
)

PTYPE_BY_KEY: dict[str, ProductType] = {p.key: p for p in PRODUCT_TYPES + UNSOLD_TYPES}


@dataclass(frozen=True, eq=False)
class Vocabulary:
    """Everything a world is generated from: sold and unsold product types, brands, curated misspellings.

    ``SMALL`` is the hand-written vocabulary above (the demo's world); ``qrw.sim.large`` builds a
    bigger one on top of it. Passing it explicitly keeps the small world byte-identical.
    """

    types: tuple[ProductType, ...]
    unsold: tuple[ProductType, ...]
    brands: dict[str, Brand]
    misspellings: dict[str, tuple[str, ...]]


SMALL = Vocabulary(PRODUCT_TYPES, UNSOLD_TYPES, BRANDS, WORD_MISSPELLINGS)


# --------------------------------------------------------------------------- generators

_VOWELS = "aeiou"
_KEYBOARD = {
    "q": "wa", "w": "qes", "e": "wrd", "r": "etf", "t": "ryg", "y": "tuh", "u": "yij", "i": "uok",
    "o": "ipl", "p": "ol", "a": "qsz", "s": "adw", "d": "sfe", "f": "dgr", "g": "fht", "h": "gjy",
    "j": "hku", "k": "jli", "l": "kop", "z": "xas", "x": "zcs", "c": "xvd", "v": "cbf", "b": "vng",
    "n": "bmh", "m": "nj",
}


def typo(word: str, rng: random.Random) -> str:
    """A plausible typing error in ``word`` (never the first letter, never the word itself)."""
    if len(word) < 4 or not word.isalpha():
        return word
    for _ in range(8):
        op = rng.randrange(5)
        i = rng.randrange(1, len(word))
        if op == 0:  # dropped letter
            out = word[:i] + word[i + 1 :]
        elif op == 1:  # doubled letter
            out = word[:i] + word[i] + word[i:]
        elif op == 2 and i < len(word) - 1:  # swapped neighbours
            out = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        elif op == 3 and word[i] in _VOWELS:  # wrong vowel
            out = word[:i] + rng.choice(_VOWELS.replace(word[i], "")) + word[i + 1 :]
        elif op == 4 and word[i] in _KEYBOARD:  # fat finger
            out = word[:i] + rng.choice(_KEYBOARD[word[i]]) + word[i + 1 :]
        else:
            continue
        if out != word:
            return out
    return word[:-1] if len(word) > 4 else word


def misspellings_of(text: str, rng: random.Random, generated: int = 1, curated: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    """Misspelled versions of a phrase: curated ones for its words, then seeded typos of its longest word."""
    words = text.split()
    out: list[str] = []
    for i, w in enumerate(words):
        for m in (WORD_MISSPELLINGS if curated is None else curated).get(w, ()):
            out.append(" ".join(words[:i] + [m] + words[i + 1 :]))
    longest = max(range(len(words)), key=lambda j: len(words[j])) if words else 0
    for _ in range(generated):
        if words and len(words[longest]) >= 5:
            t = typo(words[longest], rng)
            if t != words[longest]:
                out.append(" ".join(words[:longest] + [t] + words[longest + 1 :]))
    return list(dict.fromkeys(o for o in out if normalize(o) != normalize(text)))


@dataclass(frozen=True)
class Slot:
    """One piece of a canonical query (the brand, a facet value or the noun) and its gap variants."""

    name: str
    text: str
    variants: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Form:
    """A surface form of an intent: raw text as a shopper types it and what changed.

    ``subs`` holds the slot substitutions ((slot name, new text), ...) so two single
    changes can be combined into a multi-change form; whole-query changes
    (word order, use-based) have none.
    """

    raw: str
    gap_type: str
    ops: tuple[str, ...] = ()  # "slot:gap_type" for each change; () for canonical
    subs: tuple[tuple[str, str], ...] = ()


def intent_slots(
    ptype: ProductType, brand: str | None, constraints: dict[str, str], rng: random.Random, vocab: Vocabulary | None = None
) -> list[Slot]:
    """The canonical query's slots in template order, each with its gap variants."""
    vocab = vocab or SMALL
    slots: list[Slot] = []
    for name in _template_slots(ptype.query):
        if name == "brand":
            if brand is None:
                continue
            b = vocab.brands[brand]
            text = brand.casefold()
            slots.append(
                Slot(
                    "brand",
                    text,
                    {
                        "brand_nickname": b.nicknames,
                        "misspelling": tuple(dict.fromkeys(b.misspellings + tuple(misspellings_of(b.q, rng, generated=1, curated=vocab.misspellings)))),
                    },
                )
            )
        elif name == "noun":
            noun = ptype.query_noun
            slots.append(
                Slot(
                    "noun",
                    noun,
                    {
                        "synonym": ptype.synonyms,
                        "colloquial": ptype.colloquial,
                        "misspelling": tuple(misspellings_of(noun, rng, generated=1, curated=vocab.misspellings)),
                    },
                )
            )
        elif name in constraints:
            value = _value(ptype, name, constraints[name])
            text = value.q
            slots.append(
                Slot(
                    name,
                    text,
                    {
                        "synonym": value.synonyms,
                        "colloquial": value.colloquial,
                        "unit": value.units,
                        "misspelling": tuple(misspellings_of(text, rng, generated=0, curated=vocab.misspellings)),
                    },
                )
            )
    return slots


def canonical_text(slots: list[Slot]) -> str:
    return " ".join(s.text for s in slots)


def gap_forms(ptype: ProductType, brand: str | None, constraints: dict[str, str], slots: list[Slot]) -> list[Form]:
    """Every single-change gap form of an intent (multi-change forms are built from these by the world)."""
    forms: list[Form] = []
    for i, slot in enumerate(slots):
        for gap_type, variants in slot.variants.items():
            for v in variants:
                text = " ".join(s.text if j != i else v for j, s in enumerate(slots))
                forms.append(Form(text, gap_type, (f"{slot.name}:{gap_type}",), ((slot.name, v),)))
    if len(slots) >= 2:
        # Noun first ("sneakers adidas kids"), or brand last ("kids sneakers adidas").
        noun_first = [slots[-1]] + slots[:-1]
        forms.append(Form(canonical_text(noun_first), "word_order", ("all:word_order",)))
        if slots[0].name == "brand" and len(slots) >= 3:
            forms.append(Form(canonical_text(slots[1:] + slots[:1]), "word_order", ("all:word_order",)))
    uses: tuple[str, ...] = ()
    if brand is None and not constraints:
        uses = ptype.uses
    elif brand is None and len(constraints) == 1:
        (name, title), = constraints.items()
        uses = _value(ptype, name, title).uses
    forms += [Form(u, "use_based", ("all:use_based",)) for u in uses]
    return forms


def combine(slots: list[Slot], a: Form, b: Form) -> Form | None:
    """A two-change form from two single changes on different slots (None if they clash)."""
    if not a.subs or not b.subs or a.subs[0][0] == b.subs[0][0]:
        return None
    words = {s.name: s.text for s in slots}
    words.update(dict(a.subs + b.subs))
    return Form(" ".join(words[s.name] for s in slots), "multi", tuple(sorted(a.ops + b.ops)), tuple(sorted(a.subs + b.subs)))


def _template_slots(template: str) -> list[str]:
    return [part[1:-1] for part in template.split() if part.startswith("{") and part.endswith("}")]


def _value(ptype: ProductType, facet: str, title: str) -> Value:
    for v in ptype.facet(facet).values:
        if v.title == title:
            return v
    raise KeyError(f"{ptype.key}.{facet}={title}")


def check_vocabulary() -> list[str]:
    """Problems in the vocabulary: canonical query words that titles would not contain, unknown brands."""
    problems: list[str] = []
    for p in PRODUCT_TYPES:
        if not set(normalize(p.query_noun).split()) <= set(normalize(p.noun).split()):
            problems.append(f"{p.key}: query noun {p.query_noun!r} not in noun {p.noun!r}")
        for b in p.brands:
            if b not in BRANDS:
                problems.append(f"{p.key}: unknown brand {b!r}")
        for f in p.facets:
            if "{" + f.name + "}" not in p.title or "{" + f.name + "}" not in p.query:
                problems.append(f"{p.key}: facet {f.name} missing from a template")
            for v in f.values:
                if not set(v.q.split()) <= set(normalize(v.title).split()):
                    problems.append(f"{p.key}.{f.name}: query {v.q!r} not in title {v.title!r}")
    return problems


__all__ = [
    "BRANDS",
    "GAP_TYPES",
    "PRODUCT_TYPES",
    "PTYPE_BY_KEY",
    "SMALL",
    "UNSOLD_TYPES",
    "Brand",
    "Facet",
    "Form",
    "ProductType",
    "Slot",
    "Value",
    "Vocabulary",
    "canonical_text",
    "check_vocabulary",
    "combine",
    "gap_forms",
    "intent_slots",
    "misspellings_of",
    "typo",
]
