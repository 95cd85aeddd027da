"""Every form of arXiv id, arXiv URL and DOI a user may paste to `add`."""

from __future__ import annotations

import pytest

from readinglist.core.identifiers import ARXIV, DOI, Identifier, parse_thing


@pytest.mark.parametrize(
    ("thing", "expected"),
    [
        ("2304.07193", "2304.07193"),
        ("2304.07193v2", "2304.07193"),
        ("arXiv:2304.07193", "2304.07193"),
        ("arxiv:2304.07193v1", "2304.07193"),
        ("1501.0001", "1501.0001"),
        ("hep-th/9901001", "hep-th/9901001"),
        ("hep-th/9901001v2", "hep-th/9901001"),
        ("math.GT/0309136", "math.GT/0309136"),
        ("https://arxiv.org/abs/2304.07193", "2304.07193"),
        ("https://arxiv.org/abs/2304.07193v3", "2304.07193"),
        ("http://arxiv.org/abs/hep-th/9901001v1", "hep-th/9901001"),
        ("https://arxiv.org/pdf/2304.07193", "2304.07193"),
        ("https://arxiv.org/pdf/2304.07193v2.pdf", "2304.07193"),
        ("https://arxiv.org/pdf/2304.07193.pdf", "2304.07193"),
        ("https://arxiv.org/html/2304.07193v2", "2304.07193"),
        ("https://export.arxiv.org/abs/2304.07193", "2304.07193"),
        ("https://www.arxiv.org/abs/2304.07193", "2304.07193"),
        ("https://huggingface.co/papers/2304.07193", "2304.07193"),
        ("https://www.alphaxiv.org/abs/2304.07193", "2304.07193"),
        ("https://alphaxiv.org/abs/2304.07193v1", "2304.07193"),
        ("10.48550/arXiv.2304.07193", "2304.07193"),
        ("https://doi.org/10.48550/arXiv.2304.07193", "2304.07193"),
        ("doi:10.48550/ARXIV.2304.07193", "2304.07193"),
        ("  <https://arxiv.org/abs/2304.07193>  ", "2304.07193"),
    ],
)
def test_arxiv_forms(thing: str, expected: str) -> None:
    assert parse_thing(thing) == Identifier(ARXIV, expected)


@pytest.mark.parametrize(
    ("thing", "expected"),
    [
        ("10.1145/3386569.3392377", "10.1145/3386569.3392377"),
        ("doi:10.1145/3386569.3392377", "10.1145/3386569.3392377"),
        ("DOI: 10.1145/3386569.3392377", "10.1145/3386569.3392377"),
        ("https://doi.org/10.1145/3386569.3392377", "10.1145/3386569.3392377"),
        ("https://dx.doi.org/10.1145/3386569.3392377", "10.1145/3386569.3392377"),
        ("10.1002/(SICI)1097-4636(199706)35:4<413::AID-JBM1>3.0.CO;2-K", "10.1002/(SICI)1097-4636(199706)35:4<413::AID-JBM1>3.0.CO;2-K"),
        ("https://doi.org/10.1007/978-3-030-58452-8_13", "10.1007/978-3-030-58452-8_13"),
        ("https://doi.org/10.1002%2F%28SICI%291097", "10.1002/(SICI)1097"),
    ],
)
def test_doi_forms(thing: str, expected: str) -> None:
    assert parse_thing(thing) == Identifier(DOI, expected)


@pytest.mark.parametrize(
    "thing",
    ["", "Attention is all you need", "2304", "https://example.org/abs/2304.07193", "https://arxiv.org/list/cs.CV/recent", "javascript:alert(1)", "10.12/x"],
)
def test_not_understood(thing: str) -> None:
    assert parse_thing(thing) is None


from hypothesis import given, settings
from hypothesis import strategies as st


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_understood_or_refused_never_an_exception(text: str) -> None:
    found = parse_thing(text)
    assert found is None or found.kind in (ARXIV, DOI)
