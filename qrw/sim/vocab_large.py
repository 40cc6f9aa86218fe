"""The large sample world's extra vocabulary: new brands and product types on top of ``vocab``.

The small world is built from ``vocab`` alone and stays byte-identical; a large
world (tens of thousands of products over many categories) adds
``LARGE_PRODUCT_TYPES`` (brands from ``LARGE_BRANDS``, curated typos in
``LARGE_WORD_MISSPELLINGS``) to the existing types.

Same rules as ``vocab`` (see its docstring): merchant wording lives in
``Value.title`` / ``ProductType.noun`` / brand names; canonical query words are
a subset of the title words; gap words (synonyms, colloquial words, unit
spellings, nicknames, misspellings) are not merchant wording anywhere in the
combined vocabulary. The long tail here is mostly numbers with units (ml, g,
kg, W, V, m, mm, inch, mAh, packs and counts), materials, scents and flavours.
``check_large_vocabulary`` enforces the rules, including that the new merchant
words do not swallow a gap word of the existing vocabulary.
"""

from __future__ import annotations

import math

from ..normalize import normalize
from .vocab import (
    AUDIENCE3,
    BRANDS,
    PRODUCT_TYPES,
    UNSOLD_TYPES,
    WORD_MISSPELLINGS,
    Brand,
    Facet,
    ProductType,
    Value,
    cm,
    colors,
    inch,
    litre,
)

# --------------------------------------------------------------------------- brands

LARGE_BRANDS: dict[str, Brand] = {
    b.name: b
    for b in (
        # beauty
        Brand("CeraVe", (), ("cereve", "ceravee", "sera vee")),
        Brand("Neutrogena", (), ("nutrogena", "neutrogina", "neutragena")),
        Brand("La Roche-Posay", ("lrp",), ("la roche posey", "laroche posay", "la rosh posay")),
        Brand("Olay", ("oil of olay",), ("oley", "olaye")),
        Brand("Nivea", (), ("nivia", "niveaa")),
        Brand("Garnier", ("fructis",), ("garner", "garnieer")),
        Brand("Pantene", ("pantene pro v",), ("pantine", "pentene")),
        Brand("Head & Shoulders", (), ("head n shoulders", "head and sholders", "head and shoulder")),
        Brand("L'Oreal", ("loreal paris",), ("l oreal", "lorreal", "loreall")),
        Brand("Dove", (), ("dovee",)),
        Brand("Maybelline", (), ("maybeline", "maybelene", "maybeleine")),
        Brand("Revlon", (), ("revelon", "revlong")),
        # toys
        Brand("LEGO", (), ("legos", "leggo", "lgeo")),
        Brand("Mega Bloks", (), ("mega blocks", "megabloks", "mega bloc")),
        Brand("Playmobil", (), ("playmobile", "play mobil")),
        Brand("Ravensburger", (), ("ravensberger", "ravensburg", "ravensburgher")),
        Brand("Buffalo Games", (), ("bufalo games", "buffallo games")),
        Brand("Hasbro", (), ("hasboro", "hasbo")),
        Brand("Mattel", (), ("matel", "mattell")),
        Brand("Jellycat", (), ("jelly cat", "jellykat", "jellicat")),
        Brand("Squishmallows", ("squishies", "squish"), ("squishmallow", "squishmellows", "squishmallos")),
        Brand("Ty", ("beanie boos", "beanie babies"), ()),
        # pet supplies
        Brand("Purina", ("pro plan",), ("purena", "purinna")),
        Brand("Royal Canin", (), ("royal canine", "royal cannin", "royale canin")),
        Brand("Pedigree", (), ("pedigre", "pedegree", "pedigery")),
        Brand("Hill's", ("science diet", "hills science diet"), ("hils", "hill s")),
        Brand("Whiskas", (), ("whiskers", "wiskas", "whiskass")),
        Brand("Felix", (), ("felics", "felixx")),
        Brand("Catsan", (), ("cat san", "catsun")),
        Brand("Fresh Step", (), ("freshstep", "fresh stepp")),
        # garden
        Brand("Hozelock", (), ("hoselock", "hozlock", "hozelok")),
        Brand("Gardena", (), ("gardenia", "gardina")),
        Brand("Karcher", (), ("karchar", "kaercher", "karsher")),
        Brand("Nilfisk", (), ("nilfish", "nillfisk")),
        Brand("Miracle-Gro", (), ("miracle grow", "miraclegro", "miricle gro")),
        Brand("Westland", (), ("westlands", "westlnd")),
        Brand("Levington", (), ("levingtons", "levinton")),
        Brand("Elho", (), ("elo", "elhoo")),
        Brand("Keter", (), ("kether", "ketter")),
        Brand("Bloem", (), ("bloom", "blooem")),
        # tools
        Brand("DeWalt", (), ("dewault", "de walt", "dewlat")),
        Brand("Makita", (), ("makitta", "mikita", "makitaa")),
        Brand("Milwaukee", (), ("milwakee", "milwaukie", "milwuakee")),
        Brand("Ryobi", (), ("ryobe", "royobi", "ryoby")),
        Brand("Black+Decker", (), ("black and decker", "black n decker", "blackanddecker")),
        Brand("Einhell", (), ("einhel", "einell")),
        Brand("Worx", (), ("works", "worxs")),
        Brand("Stanley", (), ("stanly", "stanely")),
        Brand("Wera", (), ("werra", "wehra")),
        # stationery
        Brand("Navigator", (), ("navigater", "navigatr")),
        Brand("Double A", (), ("doublea", "dubble a")),
        Brand("Xerox", (), ("zerox", "xerocks")),
        Brand("BIC", (), ("bick",)),
        Brand("Pilot", (), ("pilott", "pillot")),
        Brand("Parker", (), ("parkers", "parkar")),
        Brand("Sharpie", (), ("sharpy", "sharpi")),
        Brand("Stabilo", (), ("stabillo", "stablio")),
        # baby
        Brand("Pampers", (), ("pamper", "pampres", "pampars")),
        Brand("Huggies", (), ("huggys", "hugies", "huggie")),
        Brand("Luvs", (), ("luv", "loves")),
        Brand("WaterWipes", (), ("water wipes", "waterwipe")),
        Brand("Tommee Tippee", (), ("tommy tippee", "tomee tippee", "tommee tipee")),
        Brand("MAM", (), ()),
        Brand("Dr. Brown's", (), ("doctor browns", "dr brown", "dr brownes")),
        # automotive
        Brand("Castrol", (), ("castroll", "castral")),
        Brand("Mobil 1", ("mobil one",), ("mobile 1", "mobil1")),
        Brand("Shell", ("shell helix",), ("shel",)),
        Brand("Valvoline", (), ("valvaline", "valvolene")),
        Brand("Meguiar's", ("megs",), ("meguires", "meguiers", "maguires")),
        Brand("Turtle Wax", (), ("turtlewax", "turtle wacks")),
        Brand("Autoglym", (), ("auto glym", "autoglim")),
        Brand("Rain-X", (), ("rainx", "rain ex")),
        Brand("Trico", (), ("tricco", "tryco")),
        Brand("Michelin", (), ("michellin", "michlin", "mishelin")),
        Brand("Slime", (), ("slyme", "slimme")),
        # sports
        Brand("Manduka", (), ("manduca", "mandooka")),
        Brand("Gaiam", (), ("gaim", "giam")),
        Brand("Liforme", (), ("lifeforme", "liform")),
        Brand("Bowflex", (), ("bowflecks", "bow flex")),
        Brand("York Fitness", (), ("yorke fitness", "york fitnes")),
        Brand("Mirafit", (), ("mira fit", "mirafitt")),
        Brand("Hydro Flask", (), ("hydroflask", "hydro flasks", "hydro flak")),
        Brand("CamelBak", (), ("camelback", "camel bak", "camelbac")),
        Brand("Chilly's", (), ("chillies", "chilly", "chilys")),
        Brand("Mitre", (), ("miter",)),
        Brand("Select", (), ("selekt",)),
        Brand("Molten", (), ("moltan",)),
        # grocery
        Brand("Filippo Berio", (), ("filipo berio", "fillipo berio", "filippo berrio")),
        Brand("Bertolli", (), ("bertoli", "bertolly")),
        Brand("Colavita", (), ("colavitta", "colovita")),
        Brand("Barilla", (), ("barila", "barrilla")),
        Brand("De Cecco", (), ("de ceco", "dececco")),
        Brand("Garofalo", (), ("garofolo", "garafalo")),
        Brand("Twinings", (), ("twinnings", "twining")),
        Brand("PG Tips", (), ("pgtips", "pg tip")),
        Brand("Yorkshire Tea", (), ("yorkshir tea", "yorkshire tee")),
        Brand("Lindt", ("lindor",), ("lint", "lindtt")),
        Brand("Cadbury", (), ("cadburys", "cadbery", "cadburry")),
        Brand("Green & Black's", ("green and black",), ("green n blacks",)),
        # home & kitchen
        Brand("Christy", (), ("christie", "christys")),
        Brand("Sheridan", (), ("sheridon", "sherridan")),
        Brand("Brentfords", (), ("brentford", "brentfrods")),
        Brand("Sistema", (), ("systema", "sistemma")),
        Brand("Lock & Lock", ("locknlock",), ("lock n lock",)),
        Brand("Pyrex", (), ("pirex", "pyrx")),
        # lighting
        Brand("Osram", (), ("osrum", "ossram")),
        Brand("Sylvania", (), ("silvania", "sylvana")),
        Brand("Integral", (), ("intergral", "integrall")),
        Brand("Anglepoise", (), ("angle poise", "anglepoice")),
        Brand("BenQ", (), ("ben q", "benque")),
        Brand("TaoTronics", (), ("tao tronics", "taotronic")),
        Brand("Govee", (), ("govey", "govie")),
        Brand("Twinkly", (), ("twinkley", "twinkli")),
        Brand("Lights4fun", (), ("lights 4 fun", "lightsforfun", "lights for fun")),
        # electronics
        Brand("Baseus", (), ("baseous", "basues")),
        Brand("Mophie", (), ("mophy", "mofie")),
        Brand("INIU", (), ("inui",)),
        Brand("AOC", (), ()),
        Brand("ViewSonic", (), ("view sonic", "veiwsonic", "viewsonik")),
        Brand("iiyama", (), ("iyama", "iiyamma")),
        Brand("Garmin", (), ("garman", "garmen", "garmim")),
        Brand("Fitbit", (), ("fit bit", "fitbitt")),
        Brand("Amazfit", (), ("amazefit", "amazfitt")),
        Brand("Huawei", (), ("huwei", "hauwei", "huawai")),
        Brand("Marshall", (), ("marshal", "marshel")),
        Brand("Ultimate Ears", ("ue",), ("ultimate ear", "ultimit ears")),
        Brand("Tribit", (), ("tribbit", "trybit")),
        # health
        Brand("Solgar", (), ("solgarr", "sol gar")),
        Brand("Vitabiotics", (), ("vita biotics", "vitabiotic")),
        Brand("Nature Made", (), ("natures made", "nature maid")),
        Brand("Centrum", (), ("centram", "sentrum")),
        Brand("Optimum Nutrition", (), ("optimum nutricion", "optimal nutrition")),
        Brand("Myprotein", ("mp",), ("my protein", "myprotien")),
        Brand("PhD", (), ()),
        Brand("Braun", (), ("brawn", "bruan")),
        Brand("Omron", (), ("omran", "omrom")),
        Brand("Vicks", (), ("vics", "vix")),
    )
}

#: Curated misspellings of the new merchant words (normalized words; others get seeded typos).
LARGE_WORD_MISSPELLINGS: dict[str, tuple[str, ...]] = {
    "moisturizer": ("moisturizor", "moisterizer", "moisturzer"),
    "sunscreen": ("sunscrean", "sunscren", "sun scren"),
    "lotion": ("lotoin", "loshun"),
    "shampoo": ("shampo", "shampoos", "shampooo"),
    "conditioner": ("conditoner", "condtioner", "conditionner"),
    "dandruff": ("dandriff", "dandruf"),
    "lipstick": ("lipstik", "lipstic"),
    "matte": ("matt", "mattee"),
    "jigsaw": ("jigsor", "jig saw"),
    "puzzle": ("puzzel", "puzle"),
    "building": ("bulding", "buildng"),
    "kitten": ("kiten", "kittin"),
    "puppy": ("puppie", "pupy"),
    "litter": ("liter", "litte"),
    "clumping": ("clumpin", "clumpping"),
    "hose": ("hoes", "hoze"),
    "compost": ("compst", "composte"),
    "pressure": ("presure", "pressur"),
    "washer": ("washr", "wascher"),
    "drill": ("dril", "drll"),
    "circular": ("circuler", "cirular"),
    "screwdriver": ("screwdiver", "scewdriver", "screw diver"),
    "printer": ("priner", "printr"),
    "paper": ("papper", "paer"),
    "ballpoint": ("ball point", "balpoint"),
    "permanent": ("permanant", "permenent"),
    "markers": ("markrs", "markerss"),
    "diapers": ("diaper", "dipers", "daipers"),
    "wipes": ("wips", "wypes"),
    "bottle": ("botle", "bottel"),
    "colic": ("collic", "colik"),
    "motor": ("moter", "motr"),
    "oil": ("oill", "oli"),
    "synthetic": ("synthetik", "sinthetic"),
    "carnauba": ("carnuba", "carnaba", "carnauber"),
    "wiper": ("wipper", "wipor"),
    "blades": ("blade", "blads"),
    "tyre": ("tyer", "tyr"),
    "inflator": ("inflater", "infaltor"),
    "yoga": ("yogga", "yoda"),
    "dumbbells": ("dumbells", "dumb bells", "dumbels"),
    "football": ("footbal", "foot ball"),
    "olive": ("olve", "oliv"),
    "virgin": ("virgen", "vergin"),
    "pasta": ("pastta", "psta"),
    "spaghetti": ("spagetti", "spaghetty", "spahgetti"),
    "fusilli": ("fusili", "fussili"),
    "penne": ("pene", "pennne"),
    "farfalle": ("farfale", "farfalla"),
    "rigatoni": ("rigatonni", "rigattoni"),
    "tea": ("tee",),
    "peppermint": ("pepermint", "peppermin"),
    "chocolate": ("choclate", "chocolat", "chocolote"),
    "towel": ("towl", "towell"),
    "containers": ("contaners", "containors"),
    "bulb": ("bulp", "blub"),
    "lamp": ("lampp",),
    "fairy": ("fairey", "fary"),
    "lights": ("lites", "ligths"),
    "power": ("powr", "powerr"),
    "bank": ("bnak",),
    "monitor": ("moniter", "monitr", "monitore"),
    "smartwatch": ("smartwach", "smartwatc"),
    "speaker": ("speeker", "speakr"),
    "vitamin": ("vitamine", "vitamen"),
    "multivitamin": ("multivitamine", "multi vitamn"),
    "protein": ("protien", "protine"),
    "powder": ("pouder", "powdr"),
    "thermometer": ("thermomiter", "termometer", "thermometre"),
    "forehead": ("forhead", "fore head"),
    "lavender": ("lavendar", "lavander"),
    "eucalyptus": ("eucalyptis", "eucaliptus"),
    "fragrance": ("fragance", "fragrence"),
}


# --------------------------------------------------------------------------- unit helpers


def ml(n: str, oz: str, *more: str) -> Value:
    """A volume in millilitres, with the compact spelling and the US fluid-ounce figure."""
    return Value(f"{n} ml", units=(f"{n}ml", f"{n} mls", f"{oz} oz", f"{oz}oz", *more))


def one_litre(*more: str) -> Value:
    return Value("1 Litre", units=("1l", "1 liter", "1 ltr", "1000ml", *more))


def grams(n: str, oz: str, *more: str) -> Value:
    return Value(f"{n} g", units=(f"{n}g", f"{n} grams", f"{n} gr", f"{oz} oz", *more))


def kg(n: str, lb: str, *more: str) -> Value:
    return Value(f"{n} kg", units=(f"{n}kg", f"{n} kilo", f"{n} kilos", f"{lb} lb", f"{lb}lbs", *more))


def metres(n: str, ft: str) -> Value:
    return Value(f"{n} m", units=(f"{n}m", f"{n} metre", f"{n} meter", f"{n} metres", f"{ft}ft", f"{ft} feet"))


def mm(n: str, *more: str) -> Value:
    return Value(f"{n} mm", units=(f"{n}mm", f"{n} millimeter", *more))


def watts(n: str, *more: str) -> Value:
    kw = f"{int(n) / 1000:g}"
    kilowatts = (f"{kw}kw", f"{kw} kw") if int(n) >= 1000 else ()
    return Value(f"{n}W", units=(f"{n} watt", f"{n} watts", f"{n} w", *kilowatts, *more))


def volts(n: str, **kw) -> Value:
    return Value(f"{n}V", units=(f"{n} volt", f"{n} v", f"{n}volt"), **kw)


def pack_of(n: str, *more: str) -> Value:
    return Value(f"Pack of {n}", units=(f"{n}pk", f"{n} pk", f"{n}x", f"x{n}", *more))


def counted(n: str, *more: str) -> Value:
    return Value(f"{n} Count", units=(f"{n}ct", f"{n} ct", f"{n} pack", f"{n}pk", *more))


def set_of(n: str, *more: str) -> Value:
    return Value(f"Set of {n}", units=(f"{n} pack", f"{n}pk", f"{n} pc", *more))


def pieces(n: str) -> Value:
    return Value(f"{n} Pieces", units=(f"{n} pcs", f"{n}pcs", f"{n}pc", f"{n} piece"))


def ages(n: str, *colloquial: str) -> Value:
    return Value(f"Ages {n}+", units=(f"{n} years", f"{n} year old", f"{n}yrs", f"age {n}", f"{n} plus"), colloquial=colloquial)


def size_n(n: str, *colloquial: str) -> Value:
    return Value(f"Size {n}", units=(f"size{n}", f"sz {n}", f"sz{n}"), colloquial=colloquial)


def spf(n: str, **kw) -> Value:
    return Value(f"SPF {n}", units=(f"spf{n}", f"factor {n}"), **kw)


HAIR = (
    Value("for Damaged Hair", query="damaged hair", synonyms=("dry hair", "repair"), colloquial=("split ends", "frizzy hair", "broken hair")),
    Value("for Curly Hair", query="curly hair", synonyms=("wavy hair",), colloquial=("curls", "afro hair")),
    Value("for Fine Hair", query="fine hair", synonyms=("thin hair",), colloquial=("volumising", "limp hair")),
)
SUPPLEMENT_FORM = Facet(
    "form",
    (
        Value("Tablets", colloquial=("pills", "tabs"), weight=2.0),
        Value("Gummies", synonyms=("gummy", "chewable"), colloquial=("sweets", "jelly vitamins")),
    ),
)


# --------------------------------------------------------------------------- product types

LARGE_PRODUCT_TYPES: tuple[ProductType, ...] = (
    # ---------------------------------------------------------------- beauty
    ProductType(
        key="moisturizers",
        category="Beauty > Skincare > Moisturizers",
        noun="Face Moisturizer",
        query_noun="face moisturizer",
        title="{brand} {model} {skin} {noun} {spf} {size}",
        query="{brand} {skin} {spf} {size} {noun}",
        brands=("CeraVe", "Neutrogena", "La Roche-Posay", "Olay", "Nivea"),
        facets=(
            Facet(
                "skin",
                (
                    Value(
                        "for Dry Skin",
                        query="dry skin",
                        synonyms=("dehydrated skin",),
                        colloquial=("flaky skin", "tight skin"),
                        uses=("cream for flaky skin",),
                    ),
                    Value("for Oily Skin", query="oily skin", synonyms=("combination skin",), colloquial=("greasy skin", "shiny skin", "spotty skin")),
                    Value("for Sensitive Skin", query="sensitive skin", colloquial=("reactive skin", "easily irritated skin")),
                ),
                intent_weight=1.3,
            ),
            Facet("spf", (spf("15"), spf("30")), optional=0.5),
            Facet("size", (ml("50", "1.7"), ml("100", "3.4"))),
        ),
        synonyms=("face cream", "moisturiser", "facial moisturizer"),
        colloquial=("day cream", "face lotion"),
        uses=("something for dry skin on my face", "cream to stop my skin drying out"),
        complements=("sunscreen", "body_wash"),
        n_products=36,
        blurb="Lightweight daily moisturizer with ceramides and hyaluronic acid that absorbs fast.",
        popularity=1.1,
    ),
    ProductType(
        key="sunscreen",
        category="Beauty > Skincare > Sunscreen",
        noun="Sunscreen Lotion",
        query_noun="sunscreen",
        title="{brand} {model} {noun} {spf} {water} {size}",
        query="{brand} {spf} {water} {size} {noun}",
        brands=("La Roche-Posay", "Neutrogena", "Nivea", "Garnier"),
        facets=(
            Facet("spf", (spf("30"), spf("50", colloquial=("high protection", "very high factor"), weight=1.5)), intent_weight=1.3),
            Facet("water", (Value("Water Resistant", synonyms=("waterproof", "sweat proof"), colloquial=("for swimming",)),), optional=0.5),
            Facet("size", (ml("50", "1.7"), ml("200", "6.8"), ml("400", "13.5"))),
        ),
        synonyms=("sun cream", "suncream", "sunblock", "sun lotion"),
        colloquial=("suntan lotion", "sun protection"),
        uses=("cream for the beach", "something to stop sunburn"),
        complements=("moisturizers",),
        n_products=30,
        blurb="Broad-spectrum UVA/UVB protection in a non-greasy, fast-absorbing lotion.",
        popularity=0.9,
    ),
    ProductType(
        key="shampoo",
        category="Beauty > Hair Care > Shampoo",
        noun="Shampoo",
        query_noun="shampoo",
        title="{brand} {model} {hair} {noun} {size}",
        query="{brand} {hair} {size} {noun}",
        brands=("Pantene", "Head & Shoulders", "Garnier", "L'Oreal", "Dove"),
        facets=(
            Facet(
                "hair",
                (
                    Value(
                        "Anti-Dandruff",
                        synonyms=("dandruff control",),
                        colloquial=("itchy scalp", "flaky scalp"),
                        uses=("shampoo for an itchy scalp",),
                        requires={"brand": ("Head & Shoulders", "Garnier", "Pantene")},
                        weight=1.5,
                    ),
                    *HAIR,
                ),
                intent_weight=1.3,
            ),
            Facet("size", (ml("250", "8.4"), ml("400", "13.5"), ml("500", "16.9", "half litre"))),
        ),
        synonyms=("hair wash",),
        colloquial=("hair cleanser", "shampooing liquid"),
        uses=("something to wash my hair",),
        complements=("conditioner",),
        n_products=40,
        blurb="Gentle everyday shampoo that cleans without stripping and leaves hair soft.",
        popularity=1.2,
    ),
    ProductType(
        key="conditioner",
        category="Beauty > Hair Care > Conditioner",
        noun="Conditioner",
        query_noun="conditioner",
        title="{brand} {model} {hair} {noun} {size}",
        query="{brand} {hair} {size} {noun}",
        brands=("Pantene", "Head & Shoulders", "Garnier", "L'Oreal", "Dove"),
        facets=(Facet("hair", HAIR, intent_weight=1.3), Facet("size", (ml("200", "6.8"), ml("400", "13.5")))),
        synonyms=("creme rinse", "hair softener"),
        colloquial=("detangler", "hair balm"),
        uses=("something to stop my hair tangling",),
        complements=("shampoo",),
        n_products=30,
        blurb="Silky conditioner that detangles and smooths from root to tip.",
        popularity=0.9,
    ),
    ProductType(
        key="body_wash",
        category="Beauty > Bath & Body > Body Wash",
        noun="Body Wash",
        query_noun="body wash",
        title="{brand} {scent} {noun} {size}",
        query="{brand} {scent} {size} {noun}",
        brands=("Dove", "Nivea", "Olay"),
        facets=(
            Facet(
                "scent",
                (
                    Value("Lavender", colloquial=("relaxing", "calming")),
                    Value("Coconut", colloquial=("tropical",)),
                    Value("Eucalyptus", colloquial=("minty", "refreshing")),
                    Value("Fragrance Free", synonyms=("unscented", "no scent", "perfume free"), colloquial=("hypoallergenic",), weight=1.5),
                ),
            ),
            Facet("size", (ml("250", "8.4"), ml("500", "16.9", "half litre"), ml("750", "25.4"))),
        ),
        synonyms=("shower gel", "shower cream"),
        colloquial=("shower soap", "liquid soap"),
        uses=("soap for the shower",),
        complements=("towels", "moisturizers"),
        n_products=26,
        model_style="",
        blurb="Creamy, pH-balanced body wash that rinses clean and leaves skin soft.",
        popularity=1.0,
    ),
    ProductType(
        key="lipstick",
        category="Beauty > Makeup > Lipstick",
        noun="Lipstick",
        query_noun="lipstick",
        title="{brand} {model} {finish} {noun} {color}",
        query="{brand} {finish} {color} {noun}",
        brands=("Maybelline", "L'Oreal", "Revlon"),
        facets=(
            Facet(
                "finish",
                (
                    Value("Matte", colloquial=("no shine", "flat finish"), weight=1.5),
                    Value("Satin", colloquial=("creamy",)),
                    Value("Gloss", synonyms=("glossy", "shiny"), colloquial=("wet look",)),
                ),
            ),
            Facet(
                "color",
                (
                    Value("Red", colloquial=("scarlet", "classic red")),
                    Value("Nude", colloquial=("skin tone", "neutral")),
                    Value("Pink", colloquial=("rose",)),
                    Value("Berry", colloquial=("plum", "wine coloured")),
                ),
                intent_weight=0.8,
            ),
        ),
        synonyms=("lip colour", "lip color"),
        colloquial=("lippy", "lip stick"),
        uses=("something to make my lips red",),
        n_products=30,
        model_style="name",
        blurb="Long-wearing lipstick with rich colour payoff and a comfortable feel.",
        popularity=0.8,
    ),
    # ---------------------------------------------------------------- toys
    ProductType(
        key="building_sets",
        category="Toys > Building Sets",
        noun="Building Set",
        query_noun="building set",
        title="{brand} {model} {theme} {noun} {pieces} {age}",
        query="{brand} {theme} {age} {pieces} {noun}",
        brands=("LEGO", "Mega Bloks", "Playmobil"),
        facets=(
            Facet(
                "theme",
                (
                    Value("Space", colloquial=("rocket", "astronaut")),
                    Value("Castle", colloquial=("knights", "medieval")),
                    Value("City", colloquial=("town", "police station")),
                    Value("Vehicle", colloquial=("cars", "trucks")),
                ),
                intent_weight=0.8,
            ),
            Facet("pieces", (pieces("250"), pieces("500"), pieces("1000")), intent_weight=0.6),
            Facet("age", (ages("4", "preschool"), ages("6"), ages("9", "tweens"))),
        ),
        synonyms=("construction set", "building blocks", "brick set"),
        colloquial=("bricks", "blocks"),
        uses=("something to build with", "toy for a 6 year old"),
        complements=("jigsaw_puzzles", "board_games"),
        n_products=40,
        blurb="Snap-together building set with step-by-step instructions and minifigures.",
        popularity=1.2,
    ),
    ProductType(
        key="jigsaw_puzzles",
        category="Toys > Puzzles",
        noun="Jigsaw Puzzle",
        query_noun="jigsaw puzzle",
        title="{brand} {model} {theme} {noun} {pieces}",
        query="{brand} {theme} {pieces} {noun}",
        brands=("Ravensburger", "Buffalo Games", "Hasbro"),
        facets=(
            Facet(
                "theme",
                (
                    Value("Landscape", colloquial=("scenery", "countryside")),
                    Value("Animals", colloquial=("wildlife", "pets")),
                    Value("World Map", synonyms=("atlas",), colloquial=("globe",)),
                ),
            ),
            Facet("pieces", (pieces("500"), pieces("1000", ), pieces("1500"))),
        ),
        synonyms=("jigsaws", "picture puzzle"),
        colloquial=("puzzle for adults",),
        uses=("something to do on a rainy afternoon",),
        complements=("board_games",),
        n_products=30,
        blurb="Precision-cut pieces that lock firmly together, printed on glare-free board.",
        popularity=0.7,
    ),
    ProductType(
        key="board_games",
        category="Toys > Board Games",
        noun="Board Game",
        query_noun="board game",
        title="{brand} {model} {noun} {players} {age}",
        query="{brand} {players} {age} {noun}",
        brands=("Hasbro", "Mattel", "Ravensburger"),
        facets=(
            Facet(
                "players",
                (
                    Value("2 Players", units=("two player", "2 player", "2p"), colloquial=("for couples",)),
                    Value("2-4 Players", units=("2 to 4 players", "up to 4 players", "2 4 player")),
                    Value("2-6 Players", units=("2 to 6 players", "up to 6 players", "2 6 player"), colloquial=("for groups", "party")),
                ),
            ),
            Facet("age", (ages("6"), ages("8", "family"), ages("12", "teens", "grown ups"))),
        ),
        synonyms=("tabletop game", "family game"),
        colloquial=("game for game night",),
        uses=("game for family night", "something to play at christmas"),
        complements=("jigsaw_puzzles",),
        n_products=28,
        blurb="A fast-to-learn board game with plenty of replay value for the whole family.",
        popularity=0.8,
    ),
    ProductType(
        key="soft_toys",
        category="Toys > Soft Toys",
        noun="Soft Toy",
        query_noun="soft toy",
        title="{brand} {model} {animal} {noun} {size}",
        query="{brand} {animal} {size} {noun}",
        brands=("Jellycat", "Squishmallows", "Ty"),
        facets=(
            Facet(
                "animal",
                (
                    Value("Bear", synonyms=("teddy bear",), colloquial=("teddy",)),
                    Value("Bunny", synonyms=("rabbit",)),
                    Value("Unicorn"),
                    Value("Dinosaur", colloquial=("dino", "t rex")),
                ),
                intent_weight=1.2,
            ),
            Facet("size", (cm("20", "8"), cm("30", "12"), cm("40", "16")), intent_weight=0.6),
        ),
        synonyms=("stuffed animal", "plush toy", "cuddly toy"),
        colloquial=("plushie", "stuffy", "cuddly"),
        uses=("present for a newborn", "something to cuddle at bedtime"),
        n_products=30,
        blurb="Super-soft plush made from surface-washable fabric, safe from birth.",
        popularity=0.9,
    ),
    # ---------------------------------------------------------------- pet supplies
    ProductType(
        key="dog_food",
        category="Pet Supplies > Dog Food",
        noun="Dry Dog Food",
        query_noun="dog food",
        title="{brand} {model} {stage} {noun} {flavour} {weight}",
        query="{brand} {stage} {flavour} {weight} {noun}",
        brands=("Purina", "Royal Canin", "Pedigree", "Hill's"),
        facets=(
            Facet(
                "stage",
                (
                    Value("Puppy", colloquial=("young dog",), uses=("food for a puppy", "what to feed a new puppy")),
                    Value("Adult", weight=2.0),
                    Value("Senior", synonyms=("mature",), colloquial=("older dog", "old dog")),
                ),
                intent_weight=1.3,
            ),
            Facet(
                "flavour",
                (
                    Value("Chicken", synonyms=("poultry",)),
                    Value("Beef"),
                    Value("Lamb"),
                    Value("Salmon", colloquial=("fish",)),
                ),
            ),
            Facet("weight", (kg("2", "4.4"), kg("7", "15"), kg("14", "30", "big bag"))),
        ),
        synonyms=("dog kibble", "kibble", "dog biscuits"),
        colloquial=("dog chow", "doggy food"),
        uses=("food for my dog",),
        n_products=48,
        blurb="Complete and balanced kibble with real meat as the first ingredient.",
        popularity=1.3,
    ),
    ProductType(
        key="cat_food",
        category="Pet Supplies > Cat Food",
        noun="Wet Cat Food",
        query_noun="cat food",
        title="{brand} {stage} {noun} {flavour} {pack}",
        query="{brand} {stage} {flavour} {pack} {noun}",
        brands=("Whiskas", "Felix", "Purina", "Royal Canin"),
        facets=(
            Facet(
                "stage",
                (
                    Value("Kitten", uses=("food for a kitten",)),
                    Value("Adult", weight=2.0),
                    Value("Senior", synonyms=("mature",), colloquial=("older cat", "old cat")),
                ),
                intent_weight=1.3,
            ),
            Facet("flavour", (Value("Chicken", synonyms=("poultry",)), Value("Tuna", colloquial=("fish",)), Value("Salmon"), Value("Turkey"))),
            Facet("pack", (pack_of("12", "12 pouches"), pack_of("24", "24 pouches"), pack_of("48", "48 pouches")), intent_weight=0.6),
        ),
        synonyms=("cat pouches", "cat tins"),
        colloquial=("kitty food", "cat dinner"),
        uses=("food for my cat",),
        complements=("cat_litter",),
        n_products=40,
        model_style="",
        blurb="Tender chunks in gravy with the vitamins and taurine cats need.",
        popularity=1.2,
    ),
    ProductType(
        key="cat_litter",
        category="Pet Supplies > Cat Litter",
        noun="Cat Litter",
        query_noun="cat litter",
        title="{brand} {kind} {noun} {scent} {volume}",
        query="{brand} {kind} {scent} {volume} {noun}",
        brands=("Catsan", "Fresh Step", "Purina"),
        facets=(
            Facet(
                "kind",
                (
                    Value("Clumping", colloquial=("scoopable", "clumps"), weight=2.0),
                    Value("Silica Crystal", colloquial=("crystals",)),
                    Value("Wood Pellet", colloquial=("pine pellets", "biodegradable")),
                ),
            ),
            Facet(
                "scent",
                (
                    Value("Fragrance Free", synonyms=("unscented", "no scent")),
                    Value("Odour Control", synonyms=("odor control",), colloquial=("no smell", "anti smell")),
                ),
            ),
            Facet("volume", (litre("10"), litre("20"))),
        ),
        synonyms=("kitty litter",),
        colloquial=("cat sand", "litter tray filler"),
        uses=("something for the litter tray",),
        complements=("cat_food",),
        n_products=24,
        model_style="",
        blurb="Low-dust litter that locks in odour and is easy to scoop.",
        popularity=0.8,
    ),
    # ---------------------------------------------------------------- garden
    ProductType(
        key="garden_hoses",
        category="Garden > Hoses",
        noun="Garden Hose",
        query_noun="garden hose",
        title="{brand} {model} {kind} {noun} {length}",
        query="{brand} {kind} {length} {noun}",
        brands=("Hozelock", "Gardena", "Karcher"),
        facets=(
            Facet(
                "kind",
                (
                    Value("Expandable", synonyms=("expanding", "stretch"), colloquial=("magic hose", "pocket hose")),
                    Value("Reinforced", synonyms=("kink free", "anti kink"), colloquial=("heavy duty",)),
                ),
                optional=0.3,
            ),
            Facet("length", (metres("15", "50"), metres("25", "75"), metres("30", "100")), intent_weight=1.3),
        ),
        synonyms=("hosepipe", "hose pipe"),
        colloquial=("water hose", "watering hose"),
        uses=("something to water the plants",),
        complements=("plant_pots", "pressure_washers"),
        n_products=24,
        blurb="Flexible, crush-resistant hose with brass fittings and a spray nozzle.",
        popularity=0.8,
    ),
    ProductType(
        key="compost",
        category="Garden > Compost",
        noun="Multi-Purpose Compost",
        query_noun="compost",
        title="{brand} {kind} {noun} {volume}",
        query="{brand} {kind} {volume} {noun}",
        brands=("Miracle-Gro", "Westland", "Levington"),
        facets=(
            Facet("kind", (Value("Peat-Free", synonyms=("without peat", "no peat"), colloquial=("eco", "environmentally friendly")),), optional=0.4),
            Facet("volume", (litre("40"), litre("50"), litre("60"), litre("100")), intent_weight=1.2),
        ),
        synonyms=("potting soil", "potting mix", "soil"),
        colloquial=("dirt", "garden soil"),
        uses=("soil for pots", "something to plant seeds in"),
        complements=("plant_pots",),
        n_products=18,
        model_style="",
        blurb="Nutrient-rich compost for pots, borders and raised beds.",
        popularity=0.6,
    ),
    ProductType(
        key="pressure_washers",
        category="Garden > Pressure Washers",
        noun="Pressure Washer",
        query_noun="pressure washer",
        title="{brand} {model} {pressure} {noun} {power}",
        query="{brand} {pressure} {power} {noun}",
        brands=("Karcher", "Nilfisk", "Worx", "Ryobi"),
        facets=(
            Facet(
                "pressure",
                (
                    Value("110 Bar", units=("110bar", "1600 psi", "1600psi")),
                    Value("130 Bar", units=("130bar", "1900 psi", "1900psi"), weight=1.5),
                    Value("150 Bar", units=("150bar", "2200 psi", "2200psi")),
                ),
            ),
            Facet("power", (watts("1500"), watts("1800"), watts("2100"))),
        ),
        synonyms=("jet washer", "power washer"),
        colloquial=("jet wash", "patio cleaner"),
        uses=("something to clean the patio", "machine to wash the car"),
        complements=("garden_hoses",),
        n_products=24,
        model_style="code",
        blurb="Compact pressure washer with a patio cleaner and a detergent tank.",
        popularity=0.7,
    ),
    ProductType(
        key="plant_pots",
        category="Garden > Plant Pots",
        noun="Plant Pot",
        query_noun="plant pot",
        title="{brand} {material} {noun} {size} {color}",
        query="{brand} {material} {size} {color} {noun}",
        brands=("Elho", "Keter", "Bloem"),
        facets=(
            Facet(
                "material",
                (
                    Value("Terracotta", synonyms=("clay",), colloquial=("terra cotta",), requires={"brand": ("Elho", "Bloem")}),
                    Value("Ceramic", colloquial=("glazed",), requires={"brand": ("Elho", "Bloem")}),
                    Value("Plastic", colloquial=("lightweight", "recycled"), weight=1.5),
                ),
            ),
            Facet("size", (cm("20", "8"), cm("30", "12"), cm("40", "16"))),
            colors("White", "Grey", "Green", "Black"),
        ),
        synonyms=("planter", "flower pot", "plant container"),
        colloquial=("plant holder",),
        uses=("pot for a house plant",),
        complements=("compost",),
        n_products=30,
        model_style="",
        blurb="Frost-resistant pot with a drainage hole, for indoors or out.",
        popularity=0.6,
    ),
    # ---------------------------------------------------------------- tools
    ProductType(
        key="power_drills",
        category="Tools > Power Drills",
        noun="Cordless Drill",
        query_noun="cordless drill",
        title="{brand} {model} {voltage} {noun} {kit}",
        query="{brand} {voltage} {kit} {noun}",
        brands=("DeWalt", "Makita", "Milwaukee", "Ryobi", "Black+Decker", "Einhell"),
        facets=(
            Facet("voltage", (volts("12"), volts("18", weight=2.5))),
            Facet(
                "kit",
                (
                    Value("Body Only", synonyms=("tool only", "bare unit"), colloquial=("no battery", "skin only")),
                    Value("with 2 Batteries", query="2 batteries", units=("2x batteries", "two batteries", "twin battery"), colloquial=("with charger",)),
                ),
                intent_weight=0.7,
            ),
        ),
        synonyms=("drill driver", "battery drill"),
        colloquial=("drill gun",),
        uses=("something to drill holes in the wall", "tool to put up shelves"),
        complements=("screwdriver_sets", "tool_boxes"),
        n_products=40,
        model_style="code",
        blurb="Compact brushless drill driver with a two-speed gearbox and LED work light.",
        popularity=1.1,
    ),
    ProductType(
        key="circular_saws",
        category="Tools > Power Saws",
        noun="Circular Saw",
        query_noun="circular saw",
        title="{brand} {model} {blade} {noun} {power}",
        query="{brand} {blade} {power} {noun}",
        brands=("DeWalt", "Makita", "Einhell", "Worx"),
        facets=(
            Facet("blade", (mm("165", "6.5 inch"), mm("190", "7.5 inch"), mm("235", "9.25 inch"))),
            Facet("power", (watts("1200"), watts("1400"), watts("1800"))),
        ),
        synonyms=("circ saw", "skilsaw", "skill saw"),
        colloquial=("wood saw", "electric saw"),
        uses=("tool for cutting plywood",),
        complements=("power_drills",),
        n_products=20,
        model_style="code",
        blurb="Corded circular saw with a bevel up to 45 degrees and a dust port.",
        popularity=0.5,
    ),
    ProductType(
        key="tool_boxes",
        category="Tools > Tool Storage",
        noun="Tool Box",
        query_noun="tool box",
        title="{brand} {size} {material} {wheels} {noun}",
        query="{brand} {size} {material} {wheels} {noun}",
        brands=("Stanley", "Keter", "DeWalt", "Milwaukee"),
        facets=(
            Facet("size", (inch("16"), inch("19"), inch("22"), inch("26"))),
            Facet("material", (Value("Plastic", colloquial=("resin",)), Value("Steel", colloquial=("metal",)))),
            Facet("wheels", (Value("Rolling", synonyms=("wheeled", "with wheels"), colloquial=("trolley",)),), optional=0.6),
        ),
        synonyms=("toolbox", "tool chest", "tool case"),
        colloquial=("toolkit box",),
        uses=("something to keep my tools in",),
        complements=("power_drills", "screwdriver_sets"),
        n_products=24,
        model_style="",
        blurb="Sturdy tool box with a removable tray and metal latches.",
        popularity=0.5,
    ),
    ProductType(
        key="screwdriver_sets",
        category="Tools > Hand Tools > Screwdriver Sets",
        noun="Screwdriver Set",
        query_noun="screwdriver set",
        title="{brand} {model} {pieces} {kind} {noun}",
        query="{brand} {pieces} {kind} {noun}",
        brands=("Wera", "Stanley", "Black+Decker"),
        facets=(
            Facet(
                "pieces",
                (
                    Value("6-Piece", units=("6pc", "6 pcs", "6 pieces")),
                    Value("12-Piece", units=("12pc", "12 pcs", "12 pieces")),
                    Value("32-Piece", units=("32pc", "32 pcs", "32 pieces")),
                ),
            ),
            Facet(
                "kind",
                (
                    Value("Precision", colloquial=("tiny", "jewellers"), uses=("screwdriver for fixing glasses",)),
                    Value("Insulated", synonyms=("vde",), colloquial=("electricians",)),
                    Value("Magnetic", colloquial=("magnet tip",)),
                ),
                optional=0.3,
            ),
        ),
        synonyms=("screw driver set", "screwdrivers"),
        colloquial=("driver kit",),
        uses=("tools to fix flat pack furniture",),
        n_products=22,
        model_style="name",
        blurb="Hardened steel tips with comfortable two-component handles.",
        popularity=0.5,
    ),
    # ---------------------------------------------------------------- stationery
    ProductType(
        key="printer_paper",
        category="Stationery > Printer Paper",
        noun="Printer Paper",
        query_noun="printer paper",
        title="{brand} {size} {noun} {weight} {sheets}",
        query="{brand} {size} {weight} {sheets} {noun}",
        brands=("Navigator", "Double A", "Xerox"),
        facets=(
            Facet(
                "size",
                (
                    Value("A4", weight=3.0),
                    Value("A3", colloquial=("double size",)),
                    Value("Letter", synonyms=("us letter",), units=("8.5x11", "8.5 x 11")),
                ),
            ),
            Facet(
                "weight",
                (Value("80 gsm", units=("80gsm", "80g", "80 grams")), Value("100 gsm", units=("100gsm", "100g", "100 grams"), colloquial=("heavy", "thick"))),
            ),
            Facet(
                "sheets",
                (Value("500 Sheets", units=("500 sheet", "1 ream", "ream")), Value("2500 Sheets", units=("2500 sheet", "5 reams", "box of 5 reams"))),
            ),
        ),
        synonyms=("copy paper", "copier paper"),
        colloquial=("printing paper",),
        uses=("paper for the printer",),
        n_products=24,
        model_style="",
        blurb="Bright white multifunction paper that feeds smoothly without jams.",
        popularity=0.6,
    ),
    ProductType(
        key="ballpoint_pens",
        category="Stationery > Pens",
        noun="Ballpoint Pens",
        query_noun="ballpoint pens",
        title="{brand} {model} {tip} {noun} {color} {pack}",
        query="{brand} {tip} {color} {pack} {noun}",
        brands=("BIC", "Pilot", "Parker"),
        facets=(
            Facet(
                "tip",
                (Value("Fine Point", units=("0.7mm", "0.7 mm"), colloquial=("thin",)), Value("Bold Point", units=("1.0mm", "1.0 mm"), colloquial=("thick",))),
            ),
            Facet(
                "color",
                (
                    Value("Black"),
                    Value("Blue", weight=1.5),
                    Value("Red", weight=0.5),
                    Value("Assorted", synonyms=("mixed colours", "mixed colors"), colloquial=("all colours",)),
                ),
            ),
            Facet("pack", (pack_of("4"), pack_of("10"), pack_of("50", "box of 50")), intent_weight=0.6),
        ),
        synonyms=("biros", "biro", "ball pens"),
        colloquial=("writing pens",),
        uses=("pens for school", "pens for the office"),
        n_products=30,
        model_style="name",
        blurb="Smooth-writing ballpoint pens with quick-drying ink that does not smudge.",
        popularity=0.6,
    ),
    ProductType(
        key="markers",
        category="Stationery > Markers",
        noun="Permanent Markers",
        query_noun="permanent markers",
        title="{brand} {model} {tip} {noun} {color} {pack}",
        query="{brand} {tip} {color} {pack} {noun}",
        brands=("Sharpie", "Stabilo", "BIC"),
        facets=(
            Facet(
                "tip",
                (
                    Value("Fine Point", units=("1mm", "1 mm"), colloquial=("thin",)),
                    Value("Chisel Tip", synonyms=("wedge tip",), colloquial=("slanted", "broad")),
                ),
            ),
            Facet("color", (Value("Black", weight=2.0), Value("Assorted", synonyms=("mixed colours", "mixed colors"), colloquial=("all colours",)))),
            Facet("pack", (pack_of("4"), pack_of("12", "dozen"), pack_of("24"))),
        ),
        synonyms=("marker pens", "sharpies"),
        colloquial=("felt tips", "felt pens"),
        uses=("pen that writes on anything",),
        n_products=22,
        model_style="name",
        blurb="Quick-drying permanent ink that marks paper, plastic, metal and glass.",
        popularity=0.5,
    ),
    # ---------------------------------------------------------------- baby
    ProductType(
        key="diapers",
        category="Baby > Diapers",
        noun="Diapers",
        query_noun="diapers",
        title="{brand} {model} {kind} {noun} {size} {count}",
        query="{brand} {kind} {size} {count} {noun}",
        brands=("Pampers", "Huggies", "Luvs"),
        facets=(
            Facet("kind", (Value("Pull-Up Pants", synonyms=("training pants",), colloquial=("pull ups",)),), optional=0.6),
            Facet("size", (size_n("1", "newborn"), size_n("3"), size_n("4"), size_n("5", "toddler")), intent_weight=1.5),
            Facet("count", (counted("32", "pack of 32"), counted("72", "pack of 72"), counted("120", "pack of 120", "jumbo")), intent_weight=0.7),
        ),
        synonyms=("nappies", "nappy"),
        colloquial=("disposable nappies",),
        uses=("something for a newborn baby",),
        complements=("baby_wipes",),
        n_products=40,
        blurb="Soft, absorbent diapers with a wetness indicator and up to 12 hours of dryness.",
        popularity=1.3,
    ),
    ProductType(
        key="baby_wipes",
        category="Baby > Wipes",
        noun="Baby Wipes",
        query_noun="baby wipes",
        title="{brand} {scent} {noun} {pack}",
        query="{brand} {scent} {pack} {noun}",
        brands=("Pampers", "Huggies", "WaterWipes"),
        facets=(
            Facet(
                "scent",
                (
                    Value("Fragrance Free", synonyms=("unscented", "no perfume"), colloquial=("for sensitive skin",), weight=2.0),
                    Value("Aloe Vera"),
                    Value("Cucumber", colloquial=("fresh scent",)),
                ),
            ),
            Facet("pack", (pack_of("4"), pack_of("12", "multipack"), pack_of("18", "bulk"))),
        ),
        synonyms=("wet wipes", "baby wet wipes"),
        colloquial=("nappy wipes",),
        uses=("wipes for changing a baby",),
        complements=("diapers",),
        n_products=20,
        model_style="",
        blurb="Gentle, hypoallergenic wipes made with 99% water.",
        popularity=1.0,
    ),
    ProductType(
        key="baby_bottles",
        category="Baby > Feeding > Baby Bottles",
        noun="Baby Bottle",
        query_noun="baby bottle",
        title="{brand} {model} {feature} {noun} {capacity} {pack}",
        query="{brand} {feature} {capacity} {pack} {noun}",
        brands=("Tommee Tippee", "MAM", "Dr. Brown's"),
        facets=(
            Facet("feature", (Value("Anti-Colic", colloquial=("for colic", "stops wind", "reduces gas")),), optional=0.5),
            Facet("capacity", (ml("150", "5"), ml("260", "9"), ml("330", "11"))),
            Facet("pack", (pack_of("2", "twin pack"), pack_of("3", "triple pack")), intent_weight=0.5),
        ),
        synonyms=("formula bottle", "milk bottle"),
        colloquial=("feeder",),
        uses=("bottle for a newborn",),
        complements=("diapers",),
        n_products=24,
        blurb="Wide-neck bottle with a soft silicone teat and an anti-colic valve.",
        popularity=0.7,
    ),
    # ---------------------------------------------------------------- automotive
    ProductType(
        key="motor_oil",
        category="Automotive > Motor Oil",
        noun="Motor Oil",
        query_noun="motor oil",
        title="{brand} {model} {viscosity} {kind} {noun} {volume}",
        query="{brand} {viscosity} {kind} {volume} {noun}",
        brands=("Castrol", "Mobil 1", "Shell", "Valvoline"),
        facets=(
            Facet(
                "viscosity",
                (
                    Value("0W-20", units=("0w20", "0 w 20")),
                    Value("5W-30", units=("5w30", "5 w 30"), weight=2.0),
                    Value("10W-40", units=("10w40", "10 w 40")),
                ),
                intent_weight=1.5,
            ),
            Facet(
                "kind",
                (
                    Value("Fully Synthetic", synonyms=("full synthetic",), colloquial=("full synth",)),
                    Value("Semi-Synthetic", synonyms=("part synthetic", "synthetic blend")),
                ),
            ),
            Facet("volume", (litre("1"), litre("4"), litre("5"))),
        ),
        synonyms=("engine oil",),
        colloquial=("car oil",),
        uses=("oil for my car",),
        complements=("wiper_blades",),
        n_products=36,
        blurb="Advanced formula that protects the engine from wear and sludge.",
        popularity=0.9,
    ),
    ProductType(
        key="car_wax",
        category="Automotive > Vehicle Care > Wax",
        noun="Carnauba Wax",
        query_noun="carnauba wax",
        title="{brand} {model} {form} {noun} {size}",
        query="{brand} {form} {size} {noun}",
        brands=("Meguiar's", "Turtle Wax", "Autoglym"),
        facets=(
            Facet(
                "form",
                (
                    Value("Paste", synonyms=("hard wax",)),
                    Value("Liquid", colloquial=("pourable",)),
                    Value("Spray", synonyms=("spray on",), colloquial=("quick detailer",)),
                ),
            ),
            Facet("size", (ml("300", "10"), ml("500", "16.9", "half litre"))),
        ),
        synonyms=("car wax", "auto wax"),
        colloquial=("car polish", "paint protection"),
        uses=("something to make my car shine",),
        complements=("motor_oil",),
        n_products=18,
        blurb="Carnauba wax for a deep, wet-look shine and water beading that lasts for weeks.",
        popularity=0.5,
    ),
    ProductType(
        key="wiper_blades",
        category="Automotive > Wiper Blades",
        noun="Wiper Blades",
        query_noun="wiper blades",
        title="{brand} {model} {kind} {noun} {length}",
        query="{brand} {kind} {length} {noun}",
        brands=("Rain-X", "Trico", "Michelin"),
        facets=(
            Facet(
                "kind",
                (
                    Value("Beam", synonyms=("frameless",), colloquial=("flat blade",)),
                    Value("Hybrid"),
                    Value("Conventional", synonyms=("framed",), colloquial=("standard",)),
                ),
            ),
            Facet("length", (inch("18"), inch("22"), inch("24"), inch("26")), intent_weight=1.4),
        ),
        synonyms=("windscreen wipers", "windshield wipers", "wipers"),
        colloquial=("screen wipers",),
        uses=("new wipers for my car",),
        complements=("motor_oil",),
        n_products=24,
        model_style="code",
        blurb="All-season wiper blades that wipe clean and quiet, with an easy-fit adapter.",
        popularity=0.6,
    ),
    ProductType(
        key="tyre_inflators",
        category="Automotive > Tyre Inflators",
        noun="Tyre Inflator",
        query_noun="tyre inflator",
        title="{brand} {model} {power} {noun} {pressure}",
        query="{brand} {power} {pressure} {noun}",
        brands=("Slime", "Michelin", "Ryobi"),
        facets=(
            Facet(
                "power",
                (
                    volts("12", colloquial=("cigarette lighter", "plugs into car"), requires={"brand": ("Slime", "Michelin")}),
                    Value("Cordless", colloquial=("rechargeable", "battery powered"), requires={"brand": ("Slime", "Ryobi")}),
                ),
            ),
            Facet("pressure", (Value("100 PSI", units=("100psi", "7 bar")), Value("150 PSI", units=("150psi", "10 bar")))),
        ),
        synonyms=("tire inflator", "air compressor", "tyre pump"),
        colloquial=("tire pump", "car pump"),
        uses=("something to pump up my tyres",),
        complements=("wiper_blades",),
        n_products=16,
        model_style="code",
        blurb="Digital inflator with auto shut-off at the set pressure and a built-in torch.",
        popularity=0.5,
    ),
    # ---------------------------------------------------------------- sports
    ProductType(
        key="yoga_mats",
        category="Sports > Yoga Mats",
        noun="Yoga Mat",
        query_noun="yoga mat",
        title="{brand} {model} {material} {noun} {thickness} {color}",
        query="{brand} {material} {thickness} {color} {noun}",
        brands=("Manduka", "Gaiam", "Liforme"),
        facets=(
            Facet(
                "material",
                (Value("TPE", colloquial=("foam",)), Value("Natural Rubber", colloquial=("latex", "eco")), Value("Cork", colloquial=("sustainable",))),
            ),
            Facet("thickness", (mm("4", "5/32 inch"), mm("6", "1/4 inch", "quarter inch"), mm("8", "extra thick"))),
            colors("Purple", "Black", "Blue", "Green", "Pink"),
        ),
        synonyms=("exercise mat", "fitness mat", "workout mat"),
        colloquial=("gym mat", "pilates mat"),
        uses=("mat for stretching at home",),
        complements=("dumbbells", "water_bottles"),
        n_products=30,
        blurb="Non-slip mat with alignment lines and enough cushioning for knees and wrists.",
        popularity=0.9,
    ),
    ProductType(
        key="dumbbells",
        category="Sports > Weights > Dumbbells",
        noun="Dumbbells",
        query_noun="dumbbells",
        title="{brand} {model} {kind} {noun} {weight}",
        query="{brand} {kind} {weight} {noun}",
        brands=("Bowflex", "York Fitness", "Mirafit"),
        facets=(
            Facet(
                "kind",
                (
                    Value("Adjustable", colloquial=("dial", "selectable")),
                    Value("Hex", synonyms=("hexagonal",), requires={"brand": ("York Fitness", "Mirafit")}),
                    Value("Neoprene", colloquial=("soft coated", "coloured"), requires={"brand": ("York Fitness", "Mirafit")}),
                ),
            ),
            Facet("weight", (kg("5", "11"), kg("10", "22"), kg("20", "44"), kg("24", "52.5")), intent_weight=1.3),
        ),
        synonyms=("hand weights", "free weights", "dumbbell set"),
        colloquial=("gym weights", "dumbies"),
        uses=("weights for working out at home",),
        complements=("yoga_mats",),
        n_products=24,
        blurb="Knurled chrome handles and a compact shape that sits flat on the floor.",
        popularity=0.7,
    ),
    ProductType(
        key="water_bottles",
        category="Sports > Water Bottles",
        noun="Water Bottle",
        query_noun="water bottle",
        title="{brand} {model} {insulation} {noun} {capacity} {color}",
        query="{brand} {insulation} {capacity} {color} {noun}",
        brands=("Hydro Flask", "CamelBak", "Chilly's"),
        facets=(
            Facet(
                "insulation",
                (Value("Insulated", synonyms=("vacuum insulated", "double walled"), colloquial=("keeps drinks cold", "thermos")),),
                optional=0.4,
            ),
            Facet("capacity", (ml("500", "17", "half litre"), ml("750", "25"), one_litre("32 oz", "32oz"))),
            colors("Black", "White", "Blue", "Pink", "Green"),
        ),
        synonyms=("drinks bottle", "drink bottle", "reusable bottle"),
        colloquial=("drinking bottle", "gym bottle"),
        uses=("bottle for the gym",),
        complements=("yoga_mats",),
        n_products=30,
        blurb="Leak-proof bottle with a wide mouth that fits ice cubes.",
        popularity=1.0,
    ),
    ProductType(
        key="footballs",
        category="Sports > Balls > Footballs",
        noun="Football",
        query_noun="football",
        title="{brand} {model} {kind} {noun} {size}",
        query="{brand} {kind} {size} {noun}",
        brands=("Mitre", "Select", "Molten"),
        facets=(
            Facet(
                "kind",
                (Value("Match", synonyms=("match ball",), colloquial=("official", "professional")), Value("Training", colloquial=("practice",), weight=1.5)),
            ),
            Facet("size", (size_n("3", "kids size"), size_n("4"), size_n("5", "adult size", "full size"))),
        ),
        synonyms=("soccer ball",),
        colloquial=("footy", "footie"),
        uses=("ball for the park",),
        n_products=18,
        blurb="Machine-stitched ball with a butyl bladder that holds its shape and air.",
        popularity=0.6,
    ),
    # ---------------------------------------------------------------- grocery
    ProductType(
        key="olive_oil",
        category="Grocery > Oils > Olive Oil",
        noun="Olive Oil",
        query_noun="olive oil",
        title="{brand} {grade} {noun} {origin} {volume}",
        query="{brand} {origin} {grade} {volume} {noun}",
        brands=("Filippo Berio", "Bertolli", "Colavita"),
        facets=(
            Facet(
                "grade",
                (Value("Extra Virgin", synonyms=("evoo",), colloquial=("cold pressed", "first press"), weight=2.0), Value("Pure", colloquial=("for cooking",))),
            ),
            Facet(
                "origin",
                (Value("Italian", synonyms=("from italy", "italy")), Value("Spanish", synonyms=("spain",)), Value("Greek", synonyms=("greece",))),
                optional=0.4,
            ),
            Facet("volume", (ml("500", "16.9", "half litre"), ml("750", "25.4"), one_litre())),
        ),
        colloquial=("salad oil", "cooking oil"),
        uses=("oil for salad dressing",),
        complements=("pasta",),
        n_products=30,
        model_style="",
        blurb="Cold-extracted olive oil with a fruity aroma and a peppery finish.",
        popularity=0.9,
    ),
    ProductType(
        key="pasta",
        category="Grocery > Pasta",
        noun="Pasta",
        query_noun="pasta",
        title="{brand} {variant} {shape} {noun} {weight}",
        query="{brand} {variant} {shape} {weight} {noun}",
        brands=("Barilla", "De Cecco", "Garofalo"),
        facets=(
            Facet(
                "shape",
                (
                    Value("Spaghetti", weight=2.0),
                    Value("Penne", colloquial=("tubes", "quills")),
                    Value("Fusilli", colloquial=("twists", "spirals")),
                    Value("Farfalle", colloquial=("bow ties", "bows")),
                    Value("Rigatoni"),
                ),
                intent_weight=1.4,
            ),
            Facet("variant", (Value("Wholewheat", synonyms=("whole wheat", "wholemeal"), colloquial=("high fibre",)),), optional=0.6),
            Facet("weight", (grams("500", "17.6", "half kilo"), kg("1", "2.2"))),
        ),
        synonyms=("dry pasta", "dried pasta"),
        colloquial=("italian noodles",),
        uses=("something quick for dinner",),
        complements=("olive_oil",),
        n_products=30,
        model_style="",
        blurb="Bronze-die pasta with a rough surface that holds on to the sauce.",
        popularity=1.0,
    ),
    ProductType(
        key="tea_bags",
        category="Grocery > Tea",
        noun="Tea Bags",
        query_noun="tea bags",
        title="{brand} {blend} {noun} {count}",
        query="{brand} {blend} {count} {noun}",
        brands=("Twinings", "PG Tips", "Yorkshire Tea"),
        facets=(
            Facet(
                "blend",
                (
                    Value("English Breakfast", colloquial=("builders", "normal")),
                    Value("Earl Grey", synonyms=("earl gray",), colloquial=("bergamot",)),
                    Value("Green", colloquial=("sencha",)),
                    Value("Peppermint", colloquial=("mint",)),
                    Value("Decaf", synonyms=("decaffeinated",), colloquial=("caffeine free",)),
                ),
            ),
            Facet("count", (counted("40"), counted("80"), counted("160", "big box"))),
        ),
        synonyms=("teabags", "tea sachets"),
        colloquial=("cuppa",),
        uses=("something to make a cup of tea",),
        n_products=30,
        model_style="",
        blurb="Tea bags packed with whole-leaf flavour for a rich, smooth cup.",
        popularity=0.9,
    ),
    ProductType(
        key="chocolate",
        category="Grocery > Chocolate",
        noun="Chocolate Bar",
        query_noun="chocolate bar",
        title="{brand} {kind} {cocoa} {noun} {weight}",
        query="{brand} {kind} {cocoa} {weight} {noun}",
        brands=("Lindt", "Cadbury", "Green & Black's"),
        facets=(
            Facet("kind", (Value("Milk", weight=2.0), Value("Dark", colloquial=("bitter",)), Value("White"))),
            Facet(
                "cocoa",
                (
                    Value("70% Cocoa", units=("70 percent", "70 per cent", "70pc"), requires={"kind": ("Dark",)}),
                    Value("85% Cocoa", units=("85 percent", "85 per cent", "85pc"), requires={"kind": ("Dark",)}),
                ),
                optional=0.3,
                intent_weight=0.6,
            ),
            Facet("weight", (grams("100", "3.5"), grams("200", "7"))),
        ),
        synonyms=("choc bar", "candy bar"),
        colloquial=("choccy", "choc"),
        uses=("something sweet",),
        n_products=20,
        model_style="",
        blurb="Smooth, slow-conched chocolate made from sustainably sourced cocoa.",
        popularity=1.0,
    ),
    # ---------------------------------------------------------------- home & kitchen
    ProductType(
        key="towels",
        category="Home & Kitchen > Bathroom > Towels",
        noun="Bath Towel",
        query_noun="bath towel",
        title="{brand} {material} {noun} {gsm} {color} {pack}",
        query="{brand} {material} {gsm} {color} {pack} {noun}",
        brands=("Christy", "Sheridan", "Brentfords"),
        facets=(
            Facet("material", (Value("Egyptian Cotton", colloquial=("luxury", "hotel quality")), Value("Bamboo"), Value("Cotton", weight=2.0))),
            Facet(
                "gsm",
                (Value("500 GSM", units=("500gsm",), colloquial=("everyday",)), Value("700 GSM", units=("700gsm",), colloquial=("extra thick", "plush"))),
                intent_weight=0.6,
            ),
            colors("White", "Grey", "Navy", "Beige"),
            Facet("pack", (set_of("2", "pair"), set_of("4")), intent_weight=0.5),
        ),
        synonyms=("bath sheet", "shower towel"),
        colloquial=("drying towel",),
        uses=("something to dry off after a shower",),
        complements=("body_wash",),
        n_products=36,
        model_style="",
        blurb="Soft, absorbent towels with a double-stitched hem that survives hot washes.",
        popularity=0.8,
    ),
    ProductType(
        key="food_containers",
        category="Home & Kitchen > Kitchen Storage",
        noun="Food Containers",
        query_noun="food containers",
        title="{brand} {model} {material} {noun} {pack}",
        query="{brand} {material} {pack} {noun}",
        brands=("Sistema", "Lock & Lock", "Pyrex"),
        facets=(
            Facet(
                "material",
                (
                    Value("Glass", colloquial=("oven safe",), requires={"brand": ("Pyrex", "Lock & Lock")}),
                    Value("Plastic", colloquial=("bpa free",), requires={"brand": ("Sistema", "Lock & Lock")}),
                ),
            ),
            Facet("pack", (set_of("3", "3 piece"), set_of("5", "5 piece"), set_of("10", "10 piece"))),
        ),
        synonyms=("tupperware", "meal prep containers", "storage boxes"),
        colloquial=("lunch boxes", "leftover boxes"),
        uses=("something to keep leftovers in",),
        n_products=20,
        blurb="Airtight, leak-proof containers with clip-lock lids that stack neatly.",
        popularity=0.6,
    ),
    # ---------------------------------------------------------------- lighting
    ProductType(
        key="led_bulbs",
        category="Lighting > LED Bulbs",
        noun="LED Bulb",
        query_noun="led bulb",
        title="{brand} {fitting} {noun} {watts} {tone} {pack}",
        query="{brand} {fitting} {watts} {tone} {pack} {noun}",
        brands=("Osram", "Sylvania", "Integral"),
        facets=(
            Facet(
                "fitting",
                (
                    Value("E27", synonyms=("edison screw", "large screw"), units=("e 27",), weight=2.0),
                    Value("E14", synonyms=("small edison screw", "ses"), units=("e 14",)),
                    Value("B22", synonyms=("bayonet",), units=("b 22",), colloquial=("push and twist",)),
                    Value("GU10", units=("gu 10",), colloquial=("spotlight",)),
                ),
                intent_weight=1.5,
            ),
            Facet("watts", (watts("5", "40w equivalent"), watts("9", "60w equivalent"), watts("13", "100w equivalent"))),
            Facet(
                "tone",
                (
                    Value("Warm White", colloquial=("2700k", "soft white", "yellow light"), weight=2.0),
                    Value("Cool White", colloquial=("4000k", "neutral white")),
                    Value("Daylight", colloquial=("6500k", "bright white")),
                ),
            ),
            Facet("pack", (pack_of("2"), pack_of("4"), pack_of("6")), intent_weight=0.5),
        ),
        synonyms=("light bulb", "lightbulb", "led lamp"),
        colloquial=("energy saving bulb",),
        uses=("bulb for a ceiling light",),
        complements=("desk_lamps",),
        n_products=40,
        model_style="",
        blurb="Energy-saving LED bulb that lights instantly and lasts up to 15,000 hours.",
        popularity=1.0,
    ),
    ProductType(
        key="desk_lamps",
        category="Lighting > Desk Lamps",
        noun="Desk Lamp",
        query_noun="desk lamp",
        title="{brand} {model} {style} {noun} {color}",
        query="{brand} {style} {color} {noun}",
        brands=("Anglepoise", "BenQ", "TaoTronics"),
        facets=(
            Facet(
                "style",
                (
                    Value("Swing Arm", synonyms=("adjustable arm",), colloquial=("bendy",)),
                    Value("Clip-On", synonyms=("clamp",), colloquial=("clips onto desk",)),
                    Value("Dimmable", colloquial=("adjustable brightness",)),
                ),
            ),
            colors("Black", "White", "Grey", "Silver"),
        ),
        synonyms=("table lamp", "reading lamp", "study lamp"),
        colloquial=("reading light", "task light"),
        uses=("light for reading in bed", "light for my desk"),
        complements=("led_bulbs", "monitors"),
        n_products=24,
        blurb="Flicker-free desk lamp with adjustable colour temperature and a USB charging port.",
        popularity=0.6,
    ),
    ProductType(
        key="fairy_lights",
        category="Lighting > Fairy Lights",
        noun="Fairy Lights",
        query_noun="fairy lights",
        title="{brand} {length} {power} {noun} {tone}",
        query="{brand} {length} {power} {tone} {noun}",
        brands=("Govee", "Twinkly", "Lights4fun"),
        facets=(
            Facet("length", (metres("5", "16"), metres("10", "33"), metres("20", "66"))),
            Facet(
                "power",
                (
                    Value("Battery Operated", synonyms=("battery powered",), colloquial=("no plug",)),
                    Value("Plug-In", synonyms=("mains powered", "mains")),
                    Value("USB", synonyms=("usb powered",)),
                ),
            ),
            Facet(
                "tone",
                (
                    Value("Warm White", colloquial=("2700k", "soft white")),
                    Value("Multicolour", synonyms=("multicolor", "multi colour"), colloquial=("rainbow", "coloured")),
                ),
            ),
        ),
        synonyms=("string lights", "twinkle lights"),
        colloquial=("christmas lights", "party lights"),
        uses=("lights for the christmas tree", "lights for a bedroom wall"),
        n_products=30,
        model_style="",
        blurb="Copper-wire fairy lights with eight modes and a timer.",
        popularity=0.7,
    ),
    # ---------------------------------------------------------------- electronics
    ProductType(
        key="power_banks",
        category="Electronics > Power Banks",
        noun="Power Bank",
        query_noun="power bank",
        title="{brand} {model} {capacity} {noun} {output} {color}",
        query="{brand} {capacity} {output} {color} {noun}",
        brands=("Baseus", "Mophie", "INIU"),
        facets=(
            Facet(
                "capacity",
                (
                    Value("5000mAh", units=("5000 mah", "5k mah", "5000 mha")),
                    Value("10000mAh", units=("10000 mah", "10k mah", "10k", "10000 mha"), weight=2.0),
                    Value("20000mAh", units=("20000 mah", "20k mah", "20k", "20000 mha")),
                ),
                intent_weight=1.4,
            ),
            Facet("output", (watts("20", "fast charging"), watts("65", "laptop charging"))),
            colors("Black", "White", "Blue"),
        ),
        synonyms=("portable charger", "battery pack", "external battery"),
        colloquial=("phone charger", "charging brick"),
        uses=("something to charge my phone on the go", "charger for travelling"),
        complements=("phone_cases", "smartwatches"),
        n_products=30,
        model_style="code",
        blurb="Slim power bank with USB-C power delivery that charges two devices at once.",
        popularity=1.0,
    ),
    ProductType(
        key="monitors",
        category="Electronics > Monitors",
        noun="Monitor",
        query_noun="monitor",
        title="{brand} {model} {size} {resolution} {refresh} {noun}",
        query="{brand} {size} {resolution} {refresh} {noun}",
        brands=("AOC", "ViewSonic", "iiyama", "BenQ"),
        facets=(
            Facet("size", (inch("24"), inch("27", weight=1.5), inch("32"), inch("34", weight=0.6)), intent_weight=1.4),
            Facet(
                "resolution",
                (
                    Value("Full HD", synonyms=("1080p", "fhd"), requires={"size": ("24 inch", "27 inch")}),
                    Value("QHD", synonyms=("1440p", "2k"), colloquial=("quad hd",)),
                    Value("4K", synonyms=("uhd", "2160p"), requires={"size": ("27 inch", "32 inch")}),
                ),
            ),
            Facet(
                "refresh",
                (
                    Value("75 Hz", units=("75hz", "75 hertz")),
                    Value("144 Hz", units=("144hz", "144 hertz"), colloquial=("high refresh",)),
                    Value("165 Hz", units=("165hz", "165 hertz")),
                ),
                optional=0.3,
            ),
        ),
        synonyms=("computer screen", "pc monitor", "display"),
        colloquial=("screen", "computer monitor"),
        uses=("second screen for my laptop", "screen for working from home"),
        complements=("laptops", "desk_lamps"),
        n_products=40,
        model_style="code",
        blurb="Monitor with slim bezels, an IPS panel and a height-adjustable stand.",
        popularity=1.2,
    ),
    ProductType(
        key="smartwatches",
        category="Electronics > Smartwatches",
        noun="Smartwatch",
        query_noun="smartwatch",
        title="{brand} {model} {noun} {case} {connectivity} {color}",
        query="{brand} {case} {connectivity} {color} {noun}",
        brands=("Garmin", "Fitbit", "Amazfit", "Huawei"),
        facets=(
            Facet("case", (mm("41"), mm("45"), mm("47")), intent_weight=0.6),
            Facet(
                "connectivity",
                (Value("GPS", colloquial=("tracks runs",)), Value("LTE", synonyms=("cellular", "4g"), colloquial=("with sim",))),
                optional=0.4,
            ),
            colors("Black", "Silver", "Pink"),
        ),
        synonyms=("smart watch", "fitness watch"),
        colloquial=("fitness tracker", "running watch"),
        uses=("watch that counts steps", "watch for tracking workouts"),
        complements=("power_banks", "earbuds"),
        n_products=32,
        model_style="name",
        blurb="Smartwatch with heart-rate and sleep tracking and up to 10 days of battery.",
        popularity=1.2,
    ),
    ProductType(
        key="speakers",
        category="Electronics > Speakers",
        noun="Portable Speaker",
        query_noun="portable speaker",
        title="{brand} {model} {rating} {noun} {power} {color}",
        query="{brand} {rating} {power} {color} {noun}",
        brands=("Marshall", "Ultimate Ears", "Tribit"),
        facets=(
            Facet("rating", (Value("IP67", units=("ip 67",), synonyms=("waterproof",), colloquial=("shower proof", "for the pool")),), optional=0.4),
            Facet("power", (watts("10"), watts("20"), watts("40"))),
            colors("Black", "Blue", "Red"),
        ),
        synonyms=("bluetooth speaker", "wireless speaker"),
        colloquial=("boombox", "music box"),
        uses=("speaker for the beach", "something to play music at a party"),
        complements=("earbuds", "headphones"),
        n_products=28,
        model_style="name",
        blurb="Rugged portable speaker with deep bass and 20 hours of playtime.",
        popularity=1.0,
    ),
    # ---------------------------------------------------------------- health
    ProductType(
        key="vitamin_d",
        category="Health > Vitamins > Vitamin D3",
        noun="Vitamin D3",
        query_noun="vitamin d3",
        title="{brand} {noun} {strength} {form} {count}",
        query="{brand} {strength} {form} {count} {noun}",
        brands=("Solgar", "Vitabiotics", "Nature Made"),
        facets=(
            Facet(
                "strength",
                (
                    Value("1000 IU", units=("1000iu", "25 mcg", "25mcg", "25 micrograms")),
                    Value("2000 IU", units=("2000iu", "50 mcg", "50mcg", "50 micrograms")),
                    Value("4000 IU", units=("4000iu", "100 mcg", "100mcg", "100 micrograms")),
                ),
            ),
            SUPPLEMENT_FORM,
            Facet("count", (counted("60"), counted("90"), counted("180")), intent_weight=0.5),
        ),
        synonyms=("vitamin d", "vit d", "vit d3"),
        colloquial=("sunshine vitamin",),
        uses=("vitamins for winter", "supplement for strong bones"),
        complements=("multivitamins",),
        n_products=30,
        model_style="",
        blurb="High-strength vitamin D3 to support bones, teeth and the immune system.",
        popularity=0.8,
    ),
    ProductType(
        key="multivitamins",
        category="Health > Vitamins > Multivitamins",
        noun="Multivitamin",
        query_noun="multivitamin",
        title="{brand} {audience} {noun} {form} {count}",
        query="{brand} {audience} {form} {count} {noun}",
        brands=("Centrum", "Vitabiotics", "Nature Made"),
        facets=(AUDIENCE3, SUPPLEMENT_FORM, Facet("count", (counted("30"), counted("60"), counted("90")), intent_weight=0.5)),
        synonyms=("multi vitamin", "multivits", "daily vitamins"),
        colloquial=("one a day",),
        uses=("vitamins for tiredness", "something to boost my immune system"),
        complements=("vitamin_d",),
        n_products=30,
        model_style="",
        blurb="A once-a-day multivitamin with 23 essential vitamins and minerals.",
        popularity=0.8,
    ),
    ProductType(
        key="protein_powder",
        category="Health > Sports Nutrition > Protein Powder",
        noun="Protein Powder",
        query_noun="protein powder",
        title="{brand} {kind} {noun} {flavour} {weight}",
        query="{brand} {kind} {flavour} {weight} {noun}",
        brands=("Optimum Nutrition", "Myprotein", "PhD"),
        facets=(
            Facet("kind", (Value("Whey", weight=2.0), Value("Plant-Based", synonyms=("vegan",), colloquial=("dairy free", "pea")))),
            Facet(
                "flavour",
                (
                    Value("Chocolate", colloquial=("choc",)),
                    Value("Vanilla"),
                    Value("Strawberry"),
                    Value("Unflavoured", synonyms=("unflavored", "plain"), colloquial=("no flavour",)),
                ),
            ),
            Facet("weight", (kg("1", "2.2"), kg("2.27", "5"))),
        ),
        synonyms=("protein shake",),
        colloquial=("shake powder", "gym powder"),
        uses=("something to help build muscle", "shake for after the gym"),
        complements=("dumbbells", "water_bottles"),
        n_products=36,
        model_style="",
        blurb="Fast-absorbing protein with 24 g per scoop that mixes without lumps.",
        popularity=0.9,
    ),
    ProductType(
        key="thermometers",
        category="Health > Thermometers",
        noun="Digital Thermometer",
        query_noun="digital thermometer",
        title="{brand} {model} {kind} {noun} {audience}",
        query="{brand} {kind} {audience} {noun}",
        brands=("Braun", "Omron", "Vicks"),
        facets=(
            Facet(
                "kind",
                (
                    Value("Forehead", synonyms=("no touch", "non contact"), colloquial=("temperature gun", "temple")),
                    Value("Ear", colloquial=("in ear",)),
                    Value("Oral", colloquial=("under the tongue", "mouth")),
                ),
                intent_weight=1.3,
            ),
            Facet("audience", (Value("for Babies", query="babies", synonyms=("infant", "for infants"), colloquial=("newborn",)),), optional=0.6),
        ),
        synonyms=("fever thermometer", "temperature thermometer"),
        colloquial=("temp gun",),
        uses=("something to check a fever", "check my babys temperature"),
        complements=("vitamin_d",),
        n_products=18,
        model_style="code",
        blurb="Fast, accurate readings in seconds with a fever alert and memory recall.",
        popularity=0.5,
    ),
)

LARGE_PTYPE_BY_KEY: dict[str, ProductType] = {p.key: p for p in LARGE_PRODUCT_TYPES}


# --------------------------------------------------------------------------- checks


def _slots(template: str) -> list[str]:
    return [part[1:-1] for part in template.split() if part.startswith("{") and part.endswith("}")]


def _literal_words(template: str) -> list[str]:
    return [part for part in template.split() if not (part.startswith("{") and part.endswith("}"))]


def _tokens(*texts: str) -> set[str]:
    return {t for text in texts for t in normalize(text).split()}


def _type_tokens(p: ProductType, brands: dict[str, Brand]) -> set[str]:
    """Every token a product of this type can be found by (title, brand, category words)."""
    words = [p.noun, p.category.replace(">", " "), *_literal_words(p.title), *(brands[b].name for b in p.brands if b in brands)]
    words += [v.title for f in p.facets for v in f.values]
    return _tokens(*words)


def _merchant(types: tuple[ProductType, ...], brands: dict[str, Brand]) -> tuple[set[str], set[str]]:
    """(merchant tokens, product phrases): tokens of nouns, value titles, brand names, categories and title
    words; phrases are nouns and brand names, which name a product by themselves."""
    tokens: set[str] = set()
    phrases: set[str] = set()
    for p in types:
        tokens |= _type_tokens(p, brands)
        phrases |= {normalize(p.noun), normalize(p.query_noun)}
    for b in brands.values():
        tokens |= _tokens(b.name)
        phrases.add(b.q)
    return tokens, phrases


def _type_gaps(p: ProductType) -> list[tuple[str, str, str, bool]]:
    """(where, canonical text, gap word, is a unit spelling) for a type's noun and facet values."""
    out = [(f"{p.key}.noun", normalize(p.query_noun), g, False) for g in p.synonyms + p.colloquial]
    for f in p.facets:
        for v in f.values:
            where = f"{p.key}.{f.name}={v.title}"
            out += [(where, v.q, g, False) for g in v.synonyms + v.colloquial]
            out += [(where, v.q, g, True) for g in v.units]
    return out


def _old_gap_words() -> set[str]:
    """Single-token gap words of the existing vocabulary (types, brands, unsold types, curated typos)."""
    words: list[str] = []
    for p in PRODUCT_TYPES:
        words += [g for _, _, g, _ in _type_gaps(p)]
    for p in UNSOLD_TYPES:
        words += [p.noun, p.query_noun, *p.synonyms, *p.colloquial]
    for b in BRANDS.values():
        words += [*b.nicknames, *b.misspellings]
    for ms in WORD_MISSPELLINGS.values():
        words += list(ms)
    return {normalize(w) for w in words if len(normalize(w).split()) == 1}


def _distinct_titles(p: ProductType) -> int:
    """How many distinct titles a type without model names can have (value ``requires`` respected)."""
    titles: set[tuple[str, ...]] = set()
    for brand in p.brands:
        partial: list[dict[str, str]] = [{}]
        for f in p.facets:
            grown: list[dict[str, str]] = []
            for chosen in partial:
                allowed = [v.title for v in f.values if all((brand if k == "brand" else chosen.get(k)) in ok for k, ok in v.requires.items())]
                options = allowed + ([None] if f.optional or not allowed else [])
                grown += [{**chosen, f.name: t} if t is not None else dict(chosen) for t in options]
            partial = grown
        titles |= {(brand, *(c.get(f.name, "") for f in p.facets)) for c in partial}
    return len(titles)


def check_large_vocabulary() -> list[str]:
    """Problems in the large vocabulary (empty when it follows ``vocab``'s rules)."""
    problems: list[str] = []
    all_brands = {**BRANDS, **LARGE_BRANDS}
    old_keys = {p.key for p in PRODUCT_TYPES + UNSOLD_TYPES}
    keys = [p.key for p in PRODUCT_TYPES + UNSOLD_TYPES + LARGE_PRODUCT_TYPES]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        problems.append(f"{key}: key not unique across old and new types")
    for name in sorted(set(LARGE_BRANDS) & set(BRANDS)):
        problems.append(f"brand {name!r} already in vocab.BRANDS")
    for word in sorted(set(LARGE_WORD_MISSPELLINGS) & set(WORD_MISSPELLINGS)):
        problems.append(f"misspelling key {word!r} already in vocab.WORD_MISSPELLINGS")

    sold = PRODUCT_TYPES + LARGE_PRODUCT_TYPES
    merchant, phrases = _merchant(sold, all_brands)
    old_merchant, _ = _merchant(PRODUCT_TYPES, BRANDS)
    unsold_phrases = {normalize(w) for p in UNSOLD_TYPES for w in (p.noun, p.query_noun, *p.synonyms, *p.colloquial)}
    nouns: dict[str, str] = {}
    for p in sold:
        for n in {normalize(p.noun), normalize(p.query_noun)}:
            if n in nouns and nouns[n] != p.key:
                problems.append(f"{p.key}: noun {n!r} is also the noun of {nouns[n]}")
            nouns.setdefault(n, p.key)

    brand_owner: dict[str, list[ProductType]] = {}
    for p in LARGE_PRODUCT_TYPES:
        where = p.key
        if p.key in old_keys:
            problems.append(f"{where}: key already used by vocab")
        if normalize(p.noun) in unsold_phrases or normalize(p.query_noun) in unsold_phrases:
            problems.append(f"{where}: noun {p.noun!r} is an unsold type's noun or synonym")
        if not set(normalize(p.query_noun).split()) <= set(normalize(p.noun).split()):
            problems.append(f"{where}: query noun {p.query_noun!r} not in noun {p.noun!r}")
        if not 3 <= len(p.brands) <= 8 or len(set(p.brands)) != len(p.brands):
            problems.append(f"{where}: {len(p.brands)} brands (want 3-8 distinct)")
        for b in p.brands:
            if b not in all_brands:
                problems.append(f"{where}: unknown brand {b!r}")
            elif b not in LARGE_BRANDS:
                problems.append(f"{where}: brand {b!r} is not a LARGE_BRANDS brand")
            brand_owner.setdefault(b, []).append(p)
        if not 2 <= len(p.facets) <= 4:
            problems.append(f"{where}: {len(p.facets)} facets (want 2-4)")
        names = [f.name for f in p.facets]
        if len(set(names)) != len(names):
            problems.append(f"{where}: duplicate facet names")
        known = {"brand", "model", "noun", *names}
        title_slots, query_slots = _slots(p.title), _slots(p.query)
        for s in title_slots + query_slots:
            if s not in known:
                problems.append(f"{where}: unknown slot {{{s}}}")
        if "model" in query_slots:
            problems.append(f"{where}: {{model}} in the query template")
        if _literal_words(p.query):
            problems.append(f"{where}: query template has literal words {_literal_words(p.query)}")
        for s in ("brand", "noun"):
            if s not in title_slots or s not in query_slots:
                problems.append(f"{where}: {{{s}}} missing from a template")
        if p.model_style not in ("name", "code", ""):
            problems.append(f"{where}: model_style {p.model_style!r}")
        if ("model" in title_slots) != bool(p.model_style):
            problems.append(f"{where}: {{model}} in the title must go with a model_style")
        for f in p.facets:
            if "{" + f.name + "}" not in p.title or "{" + f.name + "}" not in p.query:
                problems.append(f"{where}: facet {f.name} missing from a template")
            qs = [v.q for v in f.values]
            if len(set(qs)) != len(qs):
                problems.append(f"{where}.{f.name}: two values with the same query text")
            for v in f.values:
                if not set(v.q.split()) <= set(normalize(v.title).split()):
                    problems.append(f"{where}.{f.name}: query {v.q!r} not in title {v.title!r}")
                if all(t.replace(".", "").isdigit() for t in normalize(v.title).split()):
                    problems.append(f"{where}.{f.name}: value title {v.title!r} is a bare number")
                for k, allowed in v.requires.items():
                    pool = set(p.brands) if k == "brand" else {x.title for g in p.facets if g.name == k for x in g.values}
                    if not pool or not set(allowed) <= pool:
                        problems.append(f"{where}.{f.name}={v.title}: requires {k} {allowed} not all known")
        for c in p.complements:
            if c not in {q.key for q in sold} or c == p.key:
                problems.append(f"{where}: complement {c!r} is not another sold type")
        if not 15 <= p.n_products <= 60:
            problems.append(f"{where}: n_products {p.n_products} not in 15-60")
        if not 0.3 <= p.popularity <= 1.5:
            problems.append(f"{where}: popularity {p.popularity} not in 0.3-1.5")
        if not p.blurb or not p.uses:
            problems.append(f"{where}: needs a blurb and uses")
        if not p.model_style:
            product = len(p.brands) * math.prod([len(f.values) + (1 if f.optional else 0) for f in p.facets])
            distinct = _distinct_titles(p)
            if product < p.n_products or distinct < p.n_products:
                problems.append(f"{where}: only {distinct} distinct titles ({product} combinations) for n_products {p.n_products}")

        own = _type_tokens(p, all_brands)
        for slot, canonical, gap, unit in _type_gaps(p):
            problems += _gap_problems(slot, canonical, gap, merchant, phrases | unsold_phrases, own, unit=unit)

    for name, b in LARGE_BRANDS.items():
        if name not in brand_owner:
            problems.append(f"brand {name!r} is used by no type")
        if not b.misspellings and len(normalize(name).replace(" ", "")) > 3:
            problems.append(f"brand {name!r} has no misspellings")
        own = set().union(*(_type_tokens(p, all_brands) for p in brand_owner.get(name, []))) if name in brand_owner else _tokens(name)
        for gap in b.nicknames + b.misspellings:
            problems += _gap_problems(f"brand {name}", b.q, gap, merchant, phrases, own)
    for word, typos in LARGE_WORD_MISSPELLINGS.items():
        if normalize(word) != word or word not in merchant:
            problems.append(f"misspelling key {word!r} is not a normalized merchant word")
        for gap in typos:
            problems += _gap_problems(f"misspelling of {word}", word, gap, merchant, phrases, merchant)

    # New merchant words must not swallow a gap word of the existing vocabulary.
    for word in sorted((_old_gap_words() - old_merchant) & (merchant - old_merchant)):
        owners = sorted(p.key for p in LARGE_PRODUCT_TYPES if word in _type_tokens(p, all_brands))
        problems.append(f"new merchant word {word!r} ({', '.join(owners) or 'a brand'}) is a gap word of vocab")
    return problems


def _gap_problems(where: str, canonical: str, gap: str, merchant: set[str], phrases: set[str], own: set[str], unit: bool = False) -> list[str]:
    """Why ``gap`` (a synonym, colloquial word, unit spelling, nickname or misspelling) makes no lexical gap.

    A single-token gap must not be a merchant token anywhere (old + new); a phrase must not name
    another product (a noun, a brand, an unsold type) nor consist only of words its own products'
    titles, brands and categories contain. A unit spelling that only drops the unit
    (``vocab.inch``'s ``65"`` -> ``65``) is a shortening the shared helpers make on purpose.
    """
    g = normalize(gap)
    toks = g.split()
    if not g:
        return [f"{where}: empty gap word {gap!r}"]
    if g == canonical:
        return [f"{where}: gap word {gap!r} is the canonical text itself"]
    if unit and set(toks) < set(canonical.split()):
        return []
    if len(toks) == 1 and g in merchant:
        return [f"{where}: gap word {gap!r} is merchant wording"]
    if len(toks) > 1 and g in phrases:
        return [f"{where}: gap phrase {gap!r} names a product (a noun, brand or unsold type)"]
    if len(toks) > 1 and set(toks) <= own:
        return [f"{where}: gap phrase {gap!r} is all merchant words of its own products"]
    return []


__all__ = [
    "LARGE_BRANDS",
    "LARGE_PRODUCT_TYPES",
    "LARGE_PTYPE_BY_KEY",
    "LARGE_WORD_MISSPELLINGS",
    "check_large_vocabulary",
]
