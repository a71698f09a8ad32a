"""wire_fuzz.py - the world and the hostile values of
services_wire_fuzz_test.py: a small valid world seeded through real
commands, a valid request of every verb of docs/protocol.md §16 built on
it, pools of aggregates a verb uses up, and the values, keys and bodies
thrown at the services.

Not a test itself (tests/run.sh runs tests/*_test.py only).
"""
import time

import msgpack

ENVELOPE = ("cmd", "actor", "corr", "on", "after_seq")


def pack(obj):
    return msgpack.packb(obj, use_bin_type=True)


# ---- hostile values ------------------------------------------------------------

IDS = {"account": ["a1", "a2", "a3"], "contact": ["c1", "c2", "c3"], "competitor": ["k1", "k2"],
       "activity": ["act1"], "opportunity": ["o1", "o2"], "tender": ["t1", "t2"],
       "quote": ["q1", "q2"], "contract": ["ct1"]}
FIELD_KIND = {"account_id": "account", "into": "account", "buyer_id": "account",
              "close_to": "account", "contact_id": "contact", "key_person": "contact",
              "their_people": "contact", "competitor_id": "competitor",
              "opportunity_id": "opportunity", "with": "opportunity", "tender_id": "tender",
              "quote_id": "quote"}
VERB_KIND = (("ACCOUNT", "account"), ("CONTACT_", "contact"), ("TRIP", "contact"),
             ("RELATIONSHIP", "contact"), ("COMPETITOR", "competitor"),
             ("ACTIVITY", "activity"), ("OPP_", "opportunity"), ("TENDER", "tender"),
             ("QUOTE", "quote"), ("CONTRACT", "contract"))
SCALARS = [None, True, False, -1, 0, 1, 2**31, -2**31 - 1, 2**53 + 1, 2**63 - 1, -2**63,
           2**64 - 1, 1.5, -0.0, float("nan"), float("inf"), float("-inf"),
           "", " ", "\t\n", "x" * 70000, "a\x00b", "\x00", "\u202e\u200b", "\U0001F600" * 60,
           "a" * 65, "a" * 201, "a" * 4001, "-1", "99999999999999999999", "1e309", "L9",
           "2026-02-30", "2026-13-01", "9999-12-31", "0000-01-01", "2026-02-29", "1900-01-01",
           "1000-03-01", "2026-1-1", "--02-29", "--13-40", "2026-W01", "2026-Q5", "2026-00",
           "2026-Q1", "2026", "1970-01-01T00:00:00Z", "0001-01-01", "2024-02-29", "上海",
           "Ｓｈａｎｇｈａｉ", "a" * 64, "a" * 100, "a" * 200, "a" * 4000, -2, 2, 5, 6, 24, 25,
           100, 366, 367, 500, 501, 10000, 10001, 36600, 65535, 10**9, 10**9 + 1, 10**15,
           10**15 + 1,
           b"", b"\x00" * 16, b"\xff" * 17, b"bin"]


def hostile(rnd, field, verb, base=None, plausible=()):
    """A hostile value for field, or now and then (a third of the time) one
    of `plausible` (the words of the verb's row in the spec, dates of the
    world): accepted more often, they move the state further. An id of the
    right kind is the valid request's own (base), so that no seeded
    aggregate is used up."""
    if plausible and rnd.random() < 0.3:
        return rnd.choice(plausible)
    kind = FIELD_KIND.get(field)
    if field == "id":
        kind = next((k for p, k in VERB_KIND if verb.startswith(p)), None)
    right = base if isinstance(base, str) and kind else rnd.choice(IDS[kind or "account"])
    wrong = rnd.choice(IDS[rnd.choice([k for k in IDS if k != kind])])
    pool = SCALARS + [right, wrong, right.upper(), right + " ", right + "\x00x", [right + "\x00"],
                      [right], [wrong],
                      [right, right], [right] * 51, [], [None], [[]], [{}], ["x" * 70000],
                      list(range(10000)), ["c1"] * 10000, {}, {"a": {"b": {"c": [1]}}},
                      {"": None}, {right: right}, [{"kind": None, "amount": -1}],
                      [{"bidder": 1, "price": "x"}] * 3]
    return rnd.choice(pool)


def has_nul(v):
    """Is there a NUL in a str of v (keys included)?"""
    if isinstance(v, str):
        return "\x00" in v
    if isinstance(v, dict):
        return any(has_nul(k) or has_nul(x) for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return any(has_nul(x) for x in v)
    return False


def mutate_nested(rnd, value, verb):
    """A list of maps (milestones, bidders): one item's key made hostile."""
    items = [dict(x) for x in value]
    item = rnd.choice(items)
    key = rnd.choice(list(item) + ["extra", "us"])
    item[key] = hostile(rnd, key, verb, item.get(key))
    return items


def raw_bodies(rnd, verb, base):
    """Bodies that are not a well-formed request map (§12.1)."""
    good = pack(dict(base, v=1, rid=1, op=verb))
    k = msgpack.packb
    return rnd.choice([
        b"", b"\xc1", b"\x90", k(5), k("PING"), k(None), k([verb]), k(b"\x81"),
        good[:max(1, rnd.randrange(len(good)))], good + b"\x00", good + good,
        b"\x83" + k("op") + k(verb) + k("v") + k(1) + k("op") + k("PING"),
        b"\x82" + k("op") + k(verb) + k(1) + k("x"),
        b"\x82" + k("op") + k(verb) + b"\xc4\x01x" + k("x"),
        b"\x82" + k("op") + k(verb) + k("x") + b"\xd4\x01\x00",
        b"\x81" + k("op") + b"\xa2\xff\xfe",
        b"\x82" + k("op") + k(verb) + k("x") + b"\xdf\xdd\xdd\xdd\xdd",
        b"\x82" + k("op") + k(verb) + k("x") + b"\xdd\xff\xff\xff\xff",
        b"\x82" + k("op") + k(verb) + k("x") + b"\xdb\xff\xff\xff\x7fab",
        b"\x82" + k("op") + k(verb) + k("x") + b"\x91" * 40 + b"\xc0",
        b"\x82" + k("op") + k(verb) + k("x") + b"\x81\xa1k" * 40 + b"\xc0",
    ])


def envelope_variants(rnd, verb):
    """Requests whose v, rid or op is of a wrong type or value."""
    return rnd.choice([
        {"v": "1", "rid": 1, "op": verb}, {"v": 2, "rid": 1, "op": verb},
        {"v": -1, "rid": 1, "op": verb}, {"v": 1.0, "rid": 1, "op": verb},
        {"v": None, "rid": 1, "op": verb}, {"v": True, "rid": 1, "op": verb},
        {"v": 2**64 - 1, "rid": 1, "op": verb}, {"v": [1], "rid": 1, "op": verb},
        {"v": 1, "rid": {"a": [1, None]}, "op": verb}, {"v": 1, "rid": b"\x00" * 64, "op": verb},
        {"v": 1, "rid": float("nan"), "op": verb}, {"v": 1, "rid": "r" * 70000, "op": verb},
        {"v": 1, "rid": [None] * 100, "op": verb}, {"v": 1, "rid": -2**63, "op": verb},
        {"v": 1, "rid": 1}, {"v": 1, "rid": 1, "op": None}, {"v": 1, "rid": 1, "op": 7},
        {"v": 1, "rid": 1, "op": ""}, {"v": 1, "rid": 1, "op": verb.lower()},
        {"v": 1, "rid": 1, "op": verb + "\x00"}, {"v": 1, "rid": 1, "op": verb.encode()},
        {"v": 1, "rid": 1, "op": "x" * 70000}, {"v": 1, "rid": 1, "op": [verb]},
    ])


# ---- the world ------------------------------------------------------------------

class World:
    """Dates, fresh ids and pools of aggregates that a verb uses up (a deal
    won, an account archived): a new one is made through real commands
    when the last one was used."""

    def __init__(self, fz):
        self.fz = fz
        self.today = time.strftime("%Y-%m-%d", time.gmtime())
        self.later = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 3 * 86400))
        self.year = str(int(self.today[:4]) + 1)
        self.pools = {}
        self.makers = {"account": self.new_account, "deal": self.new_deal,
                       "lost": self.new_lost_deal, "conflict": self.new_conflict,
                       "opened": self.new_opened_tender}

    def fresh(self, prefix):
        return self.fz.fresh(prefix)

    def pool(self, name):
        if name not in self.pools:
            self.pools[name] = self.makers[name]()
        return self.pools[name]

    def used(self, name):
        self.pools.pop(name, None)

    def new_account(self):
        i = self.fresh("pa")
        self.fz.must("contacts", "ACCOUNT_REGISTER", id=i, name="Pool account " + i,
                     type="owner")
        return i

    def new_deal(self, account="a1", owner="zhao", name=None):
        i = self.fresh("po")
        self.fz.must("opportunities", "OPP_REGISTER", id=i, name=name or "Pool deal " + i,
                     account_id=account, owner=owner, actor=owner, currency="CNY",
                     close_date=self.year + "-06-30", amount=50000000)
        return i

    def new_lost_deal(self):
        i = self.new_deal()
        self.fz.must("opportunities", "OPP_LOSE", id=i, reason="price", date=self.today)
        return i

    def new_conflict(self):
        name = self.fresh("Conflict ")
        first = self.new_deal(account="a2", name=name)
        return self.new_deal(account="a2", owner="qian", name=name), first

    def new_opened_tender(self, deal=None, tender=None, quote=None):
        """A tender of a deal through its bid and the opening: ready for its award."""
        deal = deal or self.new_deal()
        t, q = tender or self.fresh("pt"), quote or self.fresh("pq")
        m = self.fz.must
        m("bidding", "TENDER_OPEN", id=t, opportunity_id=deal, number="N-" + t, issuer="Metro",
          type="public", currency="CNY", submission_deadline=self.year + "-03-01")
        m("bidding", "TENDER_STEP", id=t, step="documents_issued")
        m("bidding", "TENDER_DECIDE", id=t, decision="bid", reason="strategic")
        m("bidding", "QUOTE_CREATE", id=q, tender_id=t, currency="CNY")
        m("bidding", "QUOTE_LINE_ADD", id=q, product_code="LED-T8", quantity=100,
          list_price=1000, discount_bp=500, cost_price=600)
        m("bidding", "QUOTE_SUBMIT", id=q)
        m("bidding", "QUOTE_APPROVE", id=q, actor="dir")
        for part in ("commercial", "technical", "price"):
            m("bidding", "TENDER_PART", id=t, part=part, owner="zhao")
            m("bidding", "TENDER_PART_STATUS", id=t, part=part, status="ready")
        m("bidding", "TENDER_SUBMIT", id=t, quote_id=q)
        m("bidding", "TENDER_OPENING", id=t, bidders=[
            {"bidder": "Philips", "price": 90000, "rank": 1},
            {"bidder": "us", "price": 95000, "rank": 2, "us": True}])
        return t


def seed(fz, w):
    m, today, year = fz.must, w.today, w.year
    m("contacts", "ACCOUNT_REGISTER", id="a1", name="Shenzhen Metro", type="owner",
      region="south", city="Shenzhen")
    m("contacts", "ACCOUNT_REGISTER", id="a2", name="Huawei Campus", type="owner",
      region="south", city="Shenzhen")
    m("contacts", "ACCOUNT_REGISTER", id="a3", name="East Design Institute",
      type="design_institute", region="east", city="Shanghai")
    m("contacts", "CONTACT_ADD", id="c1", name="Wang Wei", account_id="a1", level="decision",
      function="technical", birthday="1980-12-05", phone="+86 755 1234",
      email="wang@example.cn")
    m("contacts", "CONTACT_ADD", id="c2", name="Li Na", account_id="a1", level="management")
    m("contacts", "CONTACT_ADD", id="c3", name="Zhang Min", account_id="a1", birthday="--02-29")
    m("contacts", "CONTACT_ADD", id="c4", name="Chen Jie", account_id="a2")
    m("contacts", "TRIP_ADD", id="c1", city="Shanghai", hotel="Hilton", **{"from": today,
                                                                           "to": w.later})
    m("contacts", "COMPETITOR_ADD", id="k1", name="Philips", price_level="high")
    m("contacts", "COMPETITOR_ADD", id="k2", name="OPPLE", close_to=["a1"])
    m("contacts", "ACTIVITY_LOG", id="act1", kind="visit", date=today, their_people=["c1"],
      account_id="a1", cost=10000, currency="CNY")
    m("contacts", "RELATIONSHIP_SET", id="c1", salesperson="zhao", depth="trusted")
    m("opportunities", "OPP_REGISTER", id="o1", name="Line 16 lighting", account_id="a1",
      owner="zhao", currency="CNY", close_date=year + "-09-30", amount=880000000,
      region="south", team="t1", site_city="Shenzhen")
    m("opportunities", "OPP_NEED_ADD", id="o1", kind="organisational", text="energy -30%")
    m("opportunities", "OPP_STAKEHOLDER_ADD", id="o1", contact_id="c1", role="decision_maker",
      attitude=1, influence=5)
    m("opportunities", "OPP_LEVEL", id="o1", level="L2")
    m("opportunities", "OPP_QUALIFY", id="o1", **QUALIFY)
    m("opportunities", "OPP_STAKEHOLDER_ADD", id="o1", contact_id="c2", role="coach", attitude=2)
    m("opportunities", "OPP_LEVEL", id="o1", level="L4")
    m("opportunities", "OPP_COMPETITOR_ADD", id="o1", competitor_id="k1", position="even")
    m("opportunities", "OPP_CATEGORY", id="o1", category="commit")
    m("opportunities", "OPP_REGISTER", id="o2", name="Campus lighting", account_id="a2",
      owner="zhao", currency="CNY", close_date=year + "-03-31", amount=95000)
    w.new_opened_tender(deal="o2", tender="t1", quote="q1")
    m("bidding", "TENDER_AWARD", id="t1", result="won", date=today, reason="best score")
    m("bidding", "CONTRACT_SIGN", **contract(w, "ct1"))
    m("bidding", "CONTRACT_INVOICE", id="ct1", invoice="INV-1", milestone=1, amount=30000,
      date=today)
    m("bidding", "TENDER_OPEN", id="t2", opportunity_id="o1", number="N-2", issuer="Metro",
      type="invited", currency="CNY", clarification_deadline=year + "-02-01",
      submission_deadline=year + "-03-01", opening_date=year + "-03-02")
    m("bidding", "QUOTE_CREATE", id="q2", tender_id="t2", currency="CNY")
    m("bidding", "QUOTE_LINE_ADD", id="q2", product_code="LED", quantity=10, list_price=100)
    m("forecasting", "QUOTA_SET", actor="mgr", scope="owner", who="zhao", period=year,
      amount=500000000, currency="CNY")
    m("forecasting", "FORECAST_SUBMIT", owner="zhao", period=year, currency="CNY",
      commit=100, best_case=200, pipeline=300)


QUALIFY = dict(real_project_score=5, real_project_evidence="funded", our_opportunity_score=4,
               our_opportunity_evidence="specified", can_win_score=3, can_win_evidence="coach",
               worth_winning_score=4, worth_winning_evidence="margin", decision="pursue",
               reason="go")


def contract(w, cid):
    return dict(id=cid, number="HT-" + cid, opportunity_id="o2", tender_id="t1", buyer_id="a2",
                seller="Bright Lighting", scope="LED lighting", amount=95000, currency="CNY",
                signed_on=w.today, delivery_date=w.year + "-01-01",
                warranty_end=w.year + "-12-31", penalties="0.1% a day", payment_days=30,
                milestones=[{"kind": "advance", "amount": 30000, "due": w.today},
                            {"kind": "delivery", "amount": 55000, "due": w.year + "-01-01"},
                            {"kind": "retention", "amount": 10000}])


# a valid request of each verb (w: World, r: the Random); the pool a verb
# uses up, when it does
BASES = {
    "ACCOUNT_REGISTER": lambda w, r: dict(id=w.fresh("fa"), name=w.fresh("Fuzz account "),
                                          type="owner", region="south", city="Shanghai",
                                          lead_source="referral"),
    "ACCOUNT_UPDATE": lambda w, r: dict(id="a3", city=r.choice(["Beijing", "Shanghai"])),
    "ACCOUNT_ARCHIVE": lambda w, r: dict(id=w.pool("account"), reason="closed"),
    "ACCOUNT_MERGE": lambda w, r: dict(id=w.pool("account"), into="a3", reason="same firm"),
    "CONTACT_ADD": lambda w, r: dict(id=w.fresh("fc"), name="Fuzz person", account_id="a1",
                                     title="Engineer", phone="+86 10 1234", email="f@x.cn",
                                     level="operational", function="user",
                                     relationship="acquainted", influence=3, hobbies="golf",
                                     hometown="Xi'an", birthday="1985-02-28",
                                     family_notes="two kids", notes="met at expo"),
    "CONTACT_UPDATE": lambda w, r: dict(id="c3", title=r.choice(["Eng", "Chief"]), influence=2),
    "CONTACT_MOVE": lambda w, r: dict(id="c4", account_id=r.choice(["a2", "a3"]), reason="job"),
    "TRIP_ADD": lambda w, r: dict(id="c1", city="Shanghai", hotel="Hyatt", transport="train",
                                  purpose="expo", **{"from": w.today, "to": w.later}),
    "COMPETITOR_ADD": lambda w, r: dict(id=w.fresh("fk"), name=w.fresh("Rival "),
                                        products="LED", price_level="low", strengths="price",
                                        weaknesses="service", relationships="institute",
                                        close_to=["a1"]),
    "COMPETITOR_UPDATE": lambda w, r: dict(id="k2", products=r.choice(["LED", "HID"]),
                                           close_to=["a1", "a2"]),
    "ACTIVITY_LOG": lambda w, r: dict(id=w.fresh("fv"), kind="call", date=w.today,
                                      their_people=["c1", "c2"], our_people=["zhao"],
                                      account_id="a1", notes="n", cost=100, currency="CNY"),
    "RELATIONSHIP_SET": lambda w, r: dict(id="c2", salesperson="qian", notes="n",
                                          depth=r.choice(["acquainted", "trusted", "none"])),
    "ACCOUNT_GET": lambda w, r: dict(id="a1"),
    "ACCOUNT_LIST": lambda w, r: dict(prefix="shen", type="owner", limit=10),
    "ACCOUNT_PEOPLE": lambda w, r: dict(id="a1"),
    "CONTACT_GET": lambda w, r: dict(id="c1"),
    "CONTACT_LIST": lambda w, r: dict(account_id="a1", limit=10),
    "RELATIONSHIP_MAP": lambda w, r: dict(contact_id="c1"),
    "NOTEBOOK_CITY": lambda w, r: dict(city="shanghai", salesperson="zhao", limit=10,
                                       **{"from": w.today, "to": w.later}),
    "COMPETITOR_GET": lambda w, r: dict(id="k1"),
    "COMPETITOR_LIST": lambda w, r: dict(close_to="a1", limit=10),
    "ACTIVITY_LIST": lambda w, r: dict(account_id="a1", limit=10),
    "NOTEBOOK_UNTOUCHED": lambda w, r: dict(days=30, as_of=w.today, limit=10),
    "NOTEBOOK_BIRTHDAYS": lambda w, r: dict(days=60, as_of=w.today, limit=10),
    "OPP_REGISTER": lambda w, r: dict(id=w.fresh("fo"), name=w.fresh("Fuzz deal "),
                                      account_id="a1", owner="zhao", currency="CNY",
                                      close_date=w.year + "-06-30", amount=1000000,
                                      region="south", team="t1", site_city="Shenzhen",
                                      project_type="metro", stage="need_discovery"),
    "OPP_UPDATE": lambda w, r: dict(id="o1", amount=r.choice([880000000, 870000000]),
                                    site_address="Futian"),
    "OPP_RESOLVE": lambda w, r: dict(actor="mgr", id=w.pool("conflict")[0],
                                     owner="zhao", reason="first", **{"with":
                                                                      w.pool("conflict")[1]}),
    "OPP_NEXT_STEP": lambda w, r: dict(id="o1", next_step="call Wang", due=w.later),
    "OPP_CATEGORY": lambda w, r: dict(id="o1", category=r.choice(["commit", "best_case"])),
    "OPP_STAGE": lambda w, r: dict(id="o1", stage=r.choice(["evaluation", "need_discovery"]),
                                   key_person="c1"),
    "OPP_KEY_PERSON": lambda w, r: dict(id="o1", stage="evaluation", contact_id="c2"),
    "OPP_LEVEL": lambda w, r: dict(id="o1", level=r.choice(["L3", "L4"]), reason="fuzz"),
    "OPP_QUALIFY": lambda w, r: dict(QUALIFY, id="o1"),
    "OPP_COMMITMENT": lambda w, r: dict(id="o1", kind="verbal_commitment", date=w.today,
                                        contact_id="c1", note="yes"),
    "OPP_CHECK": lambda w, r: dict(id="o1", by="zhao", date=w.today, item=r.choice(
        ["plan.visit_plan", "contact.first_visit", "needs.personal", "follow.review"])),
    "OPP_STAKEHOLDER_ADD": lambda w, r: dict(id="o1", contact_id="c3", role="user",
                                             level="operational", function="user",
                                             relationship="trusted", attitude=0, influence=3,
                                             response_mode="growth", last_contact=w.today,
                                             notes="n"),
    "OPP_STAKEHOLDER_UPDATE": lambda w, r: dict(id="o1", contact_id="c1", role="decision_maker",
                                                attitude=1, influence=r.choice([4, 5])),
    "OPP_STAKEHOLDER_REMOVE": lambda w, r: dict(id="o1", contact_id="c3", reason="left"),
    "OPP_NEED_ADD": lambda w, r: dict(id="o1", kind="personal", text="promotion",
                                      contact_id="c1"),
    "OPP_COMPETITOR_ADD": lambda w, r: dict(id="o1", competitor_id="k2", position="behind",
                                            notes="n"),
    "OPP_COMPETITOR_UPDATE": lambda w, r: dict(id="o1", competitor_id="k1", notes="n",
                                               position=r.choice(["ahead", "even"])),
    "OPP_WIN": lambda w, r: dict(id=w.pool("deal"), amount=40000000, date=w.today,
                                 currency="CNY", note="n"),
    "OPP_LOSE": lambda w, r: dict(id=w.pool("deal"), reason="price", date=w.today, winner="k1",
                                  price_gap=-1000),
    "OPP_ABANDON": lambda w, r: dict(id=w.pool("deal"), reason="budget", date=w.today),
    "OPP_REOPEN": lambda w, r: dict(id=w.pool("lost"), reason="re-tender"),
    "OPP_GET": lambda w, r: dict(id="o1"),
    "OPP_LIST": lambda w, r: dict(status="all", owner="zhao", limit=20),
    "OPP_CONFLICTS": lambda w, r: dict(limit=10),
    "OPP_ATTENTION": lambda w, r: dict(as_of=w.today, limit=10),
    "TENDER_OPEN": lambda w, r: dict(id=w.fresh("ft"), opportunity_id="o1", number="N",
                                     issuer="Metro", type="public", currency="CNY", title="t",
                                     account_id="a1", envelopes=1, bond_required=1000,
                                     notice_date=w.today, submission_deadline=w.year + "-03-01",
                                     opening_date=w.year + "-03-02"),
    "TENDER_DATES": lambda w, r: dict(id="t2", site_visit_date=w.year + "-01-10",
                                      submission_deadline=w.year + "-03-01"),
    "TENDER_STEP": lambda w, r: dict(id="t2", step="documents_issued", date=w.today),
    "TENDER_ASK": lambda w, r: dict(id="t2", question="which lamp?"),
    "TENDER_ANSWER": lambda w, r: dict(id="t2", no=1, answer="T8", date=w.today),
    "TENDER_BOND": lambda w, r: dict(id="t2", amount=1000, date=w.today, form="cash"),
    "TENDER_BOND_RETURN": lambda w, r: dict(id="t2", date=w.today, note="back"),
    "TENDER_DECIDE": lambda w, r: dict(id="t2", decision="bid", reason="r"),
    "TENDER_PART": lambda w, r: dict(id="t2", part="technical", owner="zhao", due=w.later),
    "TENDER_PART_STATUS": lambda w, r: dict(id="t2", part="technical",
                                            status=r.choice(["in_progress", "ready"])),
    "TENDER_SUBMIT": lambda w, r: dict(id="t2", quote_id="q2", date=w.today),
    "TENDER_OPENING": lambda w, r: dict(id="t2", envelope="single", date=w.today, bidders=[
        {"bidder": "Philips", "price": 1000, "rank": 1},
        {"bidder": "us", "price": 1100, "rank": 2, "us": True}]),
    "TENDER_AWARD": lambda w, r: r.choice([
        dict(id=w.pool("opened"), result="won", date=w.today, amount=95000, reason="best"),
        dict(id=w.pool("opened"), result="lost", date=w.today, winner="Philips",
             reason="price", winning_price=90000)]),
    "QUOTE_CREATE": lambda w, r: dict(id=w.fresh("fq"), tender_id="t2", currency="CNY",
                                      title="q"),
    "QUOTE_LINE_ADD": lambda w, r: dict(id="q2", product_code="LED", quantity=10,
                                        list_price=100, description="d", discount_bp=500,
                                        cost_price=50),
    "QUOTE_LINE_CHANGE": lambda w, r: dict(id="q2", line=1, product_code="LED", quantity=12,
                                           list_price=100, discount_bp=r.choice([0, 100])),
    "QUOTE_LINE_REMOVE": lambda w, r: dict(id="q2", line=2),
    "QUOTE_SUBMIT": lambda w, r: dict(id="q2", note="n"),
    "QUOTE_APPROVE": lambda w, r: dict(id="q2", actor="dir", note="ok"),
    "QUOTE_REJECT": lambda w, r: dict(id="q2", actor="dir", reason="no"),
    "QUOTE_CHANGES": lambda w, r: dict(id="q2", actor="dir", note="again"),
    "CONTRACT_SIGN": lambda w, r: contract(w, w.fresh("fct")),
    "CONTRACT_INVOICE": lambda w, r: dict(id="ct1", invoice=w.fresh("INV-"), milestone=2,
                                          amount=1, date=w.today),
    "CONTRACT_PAYMENT": lambda w, r: dict(id="ct1", milestone=1, amount=1, date=w.today,
                                          invoice="INV-1"),
    "TENDER_GET": lambda w, r: dict(id="t2"),
    "TENDER_LIST": lambda w, r: dict(opportunity_id="o1", limit=10),
    "TENDER_DEADLINES": lambda w, r: dict(days=366, as_of=w.today, owner="zhao"),
    "QUOTE_GET": lambda w, r: dict(id="q2"),
    "QUOTES_PENDING": lambda w, r: dict(level="manager"),
    "CONTRACT_GET": lambda w, r: dict(id="ct1", as_of=w.today),
    "RECEIVABLES": lambda w, r: dict(owner="zhao", as_of=w.today),
    "PRICE_INTEL": lambda w, r: dict(competitor="philips"),
    "WIN_RATE": lambda w, r: dict(),
    "QUOTA_SET": lambda w, r: dict(actor="mgr", scope="owner", who="zhao", period=w.year,
                                   amount=r.choice([500000000, 600000000]), currency="CNY",
                                   note="n"),
    "FORECAST_SUBMIT": lambda w, r: dict(owner="zhao", period=w.year, currency="CNY",
                                         commit=100, best_case=200, pipeline=300, note="n"),
    "FORECAST_ADJUST": lambda w, r: dict(actor="mgr", owner="zhao", period=w.year, commit=110,
                                         best_case=210, pipeline=310, currency="CNY",
                                         note="n"),
    "FUNNEL": lambda w, r: dict(owner="zhao"),
    "FORECAST": lambda w, r: dict(period=w.year, owner="zhao"),
    "ACCURACY": lambda w, r: dict(owner="zhao", period=w.year, periods=2),
    "PROGRESS": lambda w, r: dict(on=w.today),
    "HEALTH": lambda w, r: dict(fresh_days=14, on=w.today),
    "WINLOSS": lambda w, r: dict(by=r.choice(["reason", "competitor", "region",
                                              "tender_type"])),
    "CHANGES": lambda w, r: dict(to=w.today, **{"from": w.year[:2] + "00-01-01"}),
    "QUOTA_GET": lambda w, r: dict(scope="owner", who="zhao", period=w.year),
    "FORECAST_GET": lambda w, r: dict(owner="zhao", period=w.year),
    "KEEP_BOOK": lambda w, r: dict(),
}
USES = {"ACCOUNT_ARCHIVE": "account", "ACCOUNT_MERGE": "account", "OPP_RESOLVE": "conflict",
        "OPP_WIN": "deal", "OPP_LOSE": "deal", "OPP_ABANDON": "deal", "OPP_REOPEN": "lost",
        "TENDER_AWARD": "opened"}
CATEGORIES = {"contacts": ("account-", "contact-", "competitor-", "activity-"),
              "opportunities": ("opportunity-",), "bidding": ("tender-", "quote-", "contract-"),
              "forecasting": ("quota-", "forecast-")}
# keys a command takes and does not read (§16: contacts ignores on; no
# forecasting command names an aggregate by id)
IGNORED = {("contacts", "on"), ("forecasting", "id")}
UNKNOWN_KEYS = ["zz", "ID", "Op", "x" * 100, "", "\x00", "\n", "名字", "名" * 30, "v2", "cmd2",
                "as_of2"]
