"""Catalog rules that need no database: the lifecycle table, slugs, input validation, cursors, events."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime

import orjson
import pytest
from pydantic import ValidationError

from commerce.catalog import events, queries
from commerce.catalog.errors import InvalidStatusTransition, ProductNotEditable, ProductNotTaggable
from commerce.catalog.lifecycle import TRANSITIONS, check_transition, status_after_edit
from commerce.catalog.models import PRODUCT_STATUSES, Product
from commerce.catalog.schemas import ProductCreate, ProductQuery, ProductUpdate, VariantCreate, VariantUpdate
from commerce.catalog.service import slugify
from commerce.core.errors import ValidationFailed
from commerce.core.pagination import InvalidCursor, encode_cursor

LEGAL = {
    ("draft", "pending_review"), ("pending_review", "active"), ("pending_review", "rejected"),
    ("active", "archived"), ("rejected", "archived"), ("draft", "archived"), ("rejected", "draft"),
}


def test_lifecycle_allows_exactly_the_documented_transitions():
    assert set(TRANSITIONS) == set(PRODUCT_STATUSES)
    for current, target in itertools.product(PRODUCT_STATUSES, repeat=2):
        if (current, target) in LEGAL:
            check_transition(current, target)
        else:
            with pytest.raises(InvalidStatusTransition) as caught:
                check_transition(current, target)
            assert caught.value.kind == "conflict" and caught.value.code == "invalid_status_transition"
            assert caught.value.extra == {"current_status": current, "target_status": target}


def test_editing_reopens_rejected_and_freezes_archived():
    assert status_after_edit("rejected") == "draft"
    for status in ("draft", "pending_review", "active"):
        assert status_after_edit(status) == status
    with pytest.raises(ProductNotEditable):
        status_after_edit("archived")


@pytest.mark.parametrize("name, slug", [
    ("Sepatu & Tas Wanita", "sepatu-tas-wanita"), ("  Café Crème ", "cafe-creme"), ("H&M", "h-m"),
    ("Kaos -- Polos!!", "kaos-polos"), ("日常", ""), ("x" * 300, "x" * 200),
])
def test_slugify(name, slug):
    assert slugify(name) == slug


def _variant(**overrides) -> dict:
    return {"sku": "gz-hi-42", "price": 389_000, "weight_grams": 800, **overrides}


def test_variant_input_is_normalised_and_bounded():
    variant = VariantCreate.model_validate(_variant(attributes={" Size ": " 42 "}))
    assert variant.sku == "GZ-HI-42" and variant.attributes == {"size": "42"} and variant.status == "active"
    for bad in ({"sku": "a b"}, {"sku": "_x1"}, {"sku": "x"}, {"sku": "x" * 65}, {"price": 0}, {"price": 1.5},
                {"price": 10**13}, {"weight_grams": 0}, {"status": "gone"}, {"currency": "USD"},
                {"attributes": {f"k{i}": "v" for i in range(11)}}, {"attributes": {"size": ""}}):
        with pytest.raises(ValidationError):
            VariantCreate.model_validate(_variant(**bad))


def test_product_input_limits():
    base = {"name": "  Gazelle  ", "category_id": str(uuid.uuid4())}
    product = ProductCreate.model_validate(base)
    assert product.name == "Gazelle" and product.variants == [] and product.images == [] and product.brand_id is None
    image = {"url": "https://img.example.com/a.jpg", "width": 1, "height": 1}
    for bad in ({"name": ""}, {"description": "d" * 5001}, {"images": [image] * 11},
                {"variants": [_variant(sku=f"S{i:03d}") for i in range(101)]}, {"status": "active"},
                {"images": [{**image, "url": "data:image/png;base64,AAAA"}]}, {"images": [{**image, "width": 0}]}):
        with pytest.raises(ValidationError):
            ProductCreate.model_validate({**base, **bad})
    ProductCreate.model_validate({**base, "images": [image] * 10,
                                  "variants": [_variant(sku=f"S{i:03d}") for i in range(100)]})


def test_patches_reject_null_for_required_fields():
    assert ProductUpdate.model_validate({"brand_id": None}).model_fields_set == {"brand_id"}
    assert ProductUpdate.model_validate({}).model_fields_set == set()
    for field in ("name", "description", "category_id", "images"):
        with pytest.raises(ValidationError):
            ProductUpdate.model_validate({field: None})
    with pytest.raises(ValidationError):
        VariantUpdate.model_validate({"price": None})
    with pytest.raises(ValidationError):
        ProductUpdate.model_validate({"seller_id": str(uuid.uuid4())})


def test_listing_query_rules():
    assert ProductQuery().effective_sort == "newest" and ProductQuery().limit == 20
    assert ProductQuery(q="sepatu").effective_sort == "relevance"
    assert ProductQuery(q="sepatu", sort="price_asc").effective_sort == "price_asc"
    assert ProductQuery(q="  sepatu ").q == "sepatu"
    ProductQuery(price_min=100, price_max=100)
    for bad in ({"price_min": 200, "price_max": 100}, {"sort": "relevance"}, {"limit": 0}, {"limit": 101},
                {"price_min": -1}, {"q": "x" * 201}, {"sort": "random"}):
        with pytest.raises(ValidationError):
            ProductQuery.model_validate(bad)


def test_cursors_are_tied_to_their_query_and_typed():
    params = ProductQuery(sort="price_asc", category="sepatu")
    fingerprint = queries._fingerprint(params, "price_asc")
    assert fingerprint != queries._fingerprint(ProductQuery(sort="price_asc"), "price_asc")
    assert fingerprint != queries._fingerprint(params, "price_desc")
    order = queries._order("price_asc", None)
    product_id = uuid.uuid4()
    assert queries._parse_cursor(encode_cursor(fingerprint, 5_000, str(product_id)), fingerprint, order) == (
        5_000, product_id)
    assert queries._parse_cursor(None, fingerprint, order) is None
    for bad in (encode_cursor("other", 5_000, str(product_id)), encode_cursor(fingerprint, "5000", str(product_id)),
                encode_cursor(fingerprint, True, str(product_id)), encode_cursor(fingerprint, 1, "nope"),
                encode_cursor(fingerprint, 1), "%%%"):
        with pytest.raises(InvalidCursor):
            queries._parse_cursor(bad, fingerprint, order)
    newest = queries._order("newest", None)
    moment = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    assert newest.from_json(newest.to_json(moment)) == moment
    with pytest.raises(ValueError):
        newest.from_json("2026-11-25T10:00:00")
    relevance = queries._order("relevance", "sepatu")
    assert relevance.from_json(relevance.to_json(0.1 + 0.2)) == 0.1 + 0.2  # floats survive the round trip


def test_event_payloads_are_json():
    now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    product = Product(id=uuid.uuid4(), seller_id=None, brand_id=None, category_id=uuid.uuid4(), name="Gazelle",
                      price_min=1_000, price_max=2_000, currency="IDR")
    approved = orjson.loads(orjson.dumps(events.product_approved(product, at=now)))
    assert approved["product_id"] == str(product.id) and approved["seller_id"] is None
    assert approved["approved_at"] == now.isoformat() and approved["price_min"] == 1_000
    rejected = events.product_rejected(product, reason="Foto buram", at=now)
    assert rejected["reason"] == "Foto buram" and orjson.dumps(rejected)


def test_not_taggable_is_a_422_validation_error():
    error = ProductNotTaggable("x", product_ids=["a"], variant_ids=[])
    assert isinstance(error, ValidationFailed) and error.kind == "invalid" and error.code == "product_not_taggable"
