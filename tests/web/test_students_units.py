"""Properties of the students area's own parsers: the list's query string (read back what it
writes, never fails on junk) and the signed upload (the exact bytes back; any change refused)."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teameval.web.students.listing import SORT_KEYS, STATUSES, Filters
from teameval.web.students.upload_token import UploadRefused, read_upload_token, sign_upload

SECRET = "unit-secret-" + "y" * 32
texts = st.text(max_size=40)


@given(q=texts, course=texts, status=texts, sort=texts, page=texts)
def test_any_query_reads_as_valid_filters(
    q: str, course: str, status: str, sort: str, page: str
) -> None:
    filters = Filters.read(q, course, status, sort, page)
    assert filters.status in STATUSES
    assert filters.sort.removeprefix("-") in SORT_KEYS
    assert filters.page >= 1
    assert all(char.isprintable() for char in filters.q + filters.course)


@given(
    q=texts,
    course=texts,
    status=st.sampled_from(STATUSES),
    sort=st.sampled_from([*SORT_KEYS, *("-" + key for key in SORT_KEYS)]),
    page=st.integers(min_value=1, max_value=10**6),
)
def test_the_query_string_reads_back_as_the_same_filters(
    q: str, course: str, status: str, sort: str, page: int
) -> None:
    filters = Filters.read(q, course, status, sort, str(page))
    params = {key: values[0] for key, values in parse_qs(filters.query()).items()}
    again = Filters.read(
        params.get("q", ""),
        params.get("course", ""),
        params.get("status", "active"),
        params.get("sort", "name"),
        params.get("page", "1"),
    )
    assert again == filters


def test_sort_links_toggle_the_direction() -> None:
    filters = Filters.read("x", "", "all", "email", "3")
    assert filters.aria_sort("email") == "ascending"
    assert filters.aria_sort("name") is None
    assert filters.sort_link("email") == "?q=x&status=all&sort=-email"
    assert filters.sort_link("name") == "?q=x&status=all"  # page 1, default sort left out
    descending = Filters.read("", "", "active", "-email", "1")
    assert descending.aria_sort("email") == "descending"
    assert descending.sort_link("email") == "?sort=email"


@given(data=st.binary(max_size=2000), plan=st.text(max_size=64))
def test_a_signed_upload_gives_back_exactly_its_bytes(data: bytes, plan: str) -> None:
    token = sign_upload(SECRET, 1, 2, data, plan)
    read = read_upload_token(SECRET, token, 1, 2)
    assert (read.data, read.plan) == (data, plan)


@given(
    data=st.binary(min_size=1, max_size=300),
    position=st.integers(min_value=0),
    flip=st.integers(1, 63),
)
def test_any_changed_character_is_refused(data: bytes, position: int, flip: int) -> None:
    token = sign_upload(SECRET, 1, 2, data, "plan")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    index = position % len(token)
    if token[index] not in alphabet:
        return  # the separators: changing one breaks the format, also refused, tested below
    replaced = alphabet[(alphabet.index(token[index]) + flip) % len(alphabet)]
    tampered = token[:index] + replaced + token[index + 1 :]
    try:
        read = read_upload_token(SECRET, tampered, 1, 2)
    except UploadRefused:
        return
    # base64's last character may carry unused bits: a change there decodes to the same bytes
    assert read.data == data


def test_another_school_user_or_key_is_refused() -> None:
    token = sign_upload(SECRET, 1, 2, b"email\n", "plan")
    for school, user, secret in [(9, 2, SECRET), (1, 9, SECRET), (1, 2, SECRET + "z")]:
        with pytest.raises(UploadRefused):
            read_upload_token(secret, token, school, user)
    for broken in ("", ".", token.replace(".", "", 1), "x" * 50):
        with pytest.raises(UploadRefused):
            read_upload_token(SECRET, broken, 1, 2)
