"""The interface languages."""

import pytest

from critmin.catalog.langs import LANGS, check_lang
from critmin.errors import UnknownNameError


def test_languages_and_the_error_naming_them():
    assert LANGS == ("ja", "en") and check_lang("ja") == "ja"
    with pytest.raises(UnknownNameError, match="ja.*en"):
        check_lang("fr")
