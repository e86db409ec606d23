"""Names sort in Vietnamese alphabetical order (a ă â b c d đ e ê … o ô ơ … u ư …), on SQLite and PostgreSQL.

The expected orders are written out by hand from the rule: letters first, then tones (none, huyền, hỏi,
ngã, sắc, nặng), then case (lower first); numbers by their value ("Phường 2" before "Phường 10").
"""

import random

import pytest
from django.db import connection

from tests.factories import AssessmentFactory, DistrictFactory, ProvinceFactory, WardFactory
from wards.collation import sort_key
from wards.models import District, Province, Ward

pytestmark = pytest.mark.django_db

# Wards of Cần Thơ (and a few made up for the corners of the rule), in Vietnamese order.
WARDS = [
    "An Bình",
    "An Cư",
    "An Thới",
    "Ao",
    "Ăn",
    "Ân",
    "ba lang",
    "Ba Lang",
    "Ba Láng",
    "Bà Láng",
    "Bả Lang",
    "Bã Lang",
    "Bá Lang",
    "Bạ Lang",
    "Bình Thủy",
    "Bùi Hữu Nghĩa",
    "Cái Khế",
    "Cái Răng",
    "Châu Văn Liêm",
    "Dương Minh Châu",
    "Đông Thuận",
    "Hưng Lợi",
    "Lê Bình",
    "Long Hòa",
    "Ninh Kiều",
    "On",
    "Ô Môn",
    "Ôn",
    "Ơn",
    "Phú Thứ",
    "Phước Thới",
    "Phường 1",
    "Phường 1A",
    "Phường 2",
    "Phường 10",
    "Tan",
    "Tấn",
    "Tân An",
    "Thốt Nốt",
    "Thới An",
    "Thới An Đông",
    "Thới Bình",
    "Thường Thạnh",
    "Trà An",
    "Trường Lạc",
    "Uy",
    "Ưng",
    "Xuân Khánh",
]


def shuffled(names):
    names = list(names)
    random.Random(2026).shuffle(names)
    return names


def test_the_sort_key_orders_names_in_vietnamese_order():
    assert sorted(shuffled(WARDS), key=sort_key) == WARDS
    assert sorted(["Thới Bình", "Tân An"], key=sort_key) == ["Tân An", "Thới Bình"]
    assert sorted(["Thốt Nốt", "Ô Môn"], key=sort_key) == ["Ô Môn", "Thốt Nốt"]
    assert sorted(["Đông Thuận", "Dương Minh Châu"], key=sort_key) == ["Dương Minh Châu", "Đông Thuận"]


def test_ward_district_and_province_names_sort_in_vietnamese_order_in_the_database():
    district = DistrictFactory(name="Ninh Kiều")
    for name in shuffled(WARDS):
        WardFactory(district=district, name=name)
    assert list(Ward.objects.values_list("name", flat=True)) == WARDS  # Meta.ordering
    assert list(Ward.objects.order_by("-name").values_list("name", flat=True)) == WARDS[::-1]
    for name in ["Thốt Nốt", "Ô Môn", "Cái Răng", "Đông Thuận", "Dương Minh Châu"]:
        DistrictFactory(province=district.province, name=name)
    assert list(District.objects.values_list("name", flat=True)) == [
        "Cái Răng",
        "Dương Minh Châu",
        "Đông Thuận",
        "Ninh Kiều",
        "Ô Môn",
        "Thốt Nốt",
    ]
    for code, name in [("92", "Cần Thơ"), ("86", "Vĩnh Long"), ("89", "An Giang"), ("01", "Hà Nội"), ("48", "Đà Nẵng")]:
        ProvinceFactory(code=code, name=name)
    assert [p for p in Province.objects.values_list("name", flat=True) if not p.startswith("Tỉnh")] == [
        "An Giang",
        "Cần Thơ",
        "Đà Nẵng",
        "Hà Nội",
        "Vĩnh Long",
    ]


def test_the_collation_keeps_distinct_names_distinct():
    WardFactory(name="Tân An")
    WardFactory(name="tân an")
    WardFactory(name="Tấn An")
    assert list(Ward.objects.filter(name="Tân An").values_list("name", flat=True)) == ["Tân An"]
    assert Ward.objects.filter(name__icontains="tân").count() >= 1
    assert Ward.objects.values("name").distinct().count() == 3


def test_the_province_home_lists_wards_in_vietnamese_order(client, people, criteria_set, ward):
    for name in ["Thới Bình", "Ô Môn", "Tân An", "Thốt Nốt"]:
        AssessmentFactory(ward=WardFactory(district=ward.district, name=name), criteria_set=criteria_set)
    AssessmentFactory(ward=ward, criteria_set=criteria_set)
    client.force_login(people["reviewer"])
    rows = client.get("/").context["rows"]
    assert [r["assessment"].ward.name for r in rows] == ["Cái Khế", "Ô Môn", "Tân An", "Thốt Nốt", "Thới Bình"]


def test_the_leadership_page_lists_wards_in_vietnamese_order(client, people, criteria_set, ward):
    for name in ["Thới Bình", "Ô Môn", "Tân An", "Thốt Nốt"]:
        AssessmentFactory(ward=WardFactory(district=ward.district, name=name), criteria_set=criteria_set, year=2025)
    client.force_login(people["leader"])
    rows = client.get("/lanh-dao/?year=2025").context["rows"]
    assert [r["assessment"].ward.name for r in rows] == ["Ô Môn", "Tân An", "Thốt Nốt", "Thới Bình"]


def test_the_database_has_the_collation_and_the_name_columns_use_it():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT collprovider FROM pg_collation WHERE collname = 'vi'")
            assert cursor.fetchone() == ("i",)  # ICU
        else:
            cursor.execute("PRAGMA collation_list")
            assert "vi" in {row[1] for row in cursor.fetchall()}
    for model in (Province, District, Ward):
        assert model._meta.get_field("name").db_collation == "vi"
