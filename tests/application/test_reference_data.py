from collections import Counter

from application.app import CivicFlow
from application.settings import Settings


def test_the_district_sites_load_once_with_their_levels(civic):
    assert Counter(site.level for site in civic.sites) == {"center": 1, "station": 9, "post": 146, "base": 31}
    assert civic.load_reference_data() == 0


def test_a_restarted_application_finds_the_sites_already_loaded(tmp_path, clock):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'c.db'}", var_dir=tmp_path)
    first = CivicFlow(settings, clock)
    assert first.load_reference_data() == 187
    first.close()
    again = CivicFlow(settings, clock)
    assert again.load_reference_data() == 0 and len(again.sites) == 187
    again.close()


def test_jurisdiction_covers_a_site_and_everything_below_it(civic):
    assert civic.sites.ancestors("post-babaoshan-01") == ["station-babaoshan", "center"]
    assert civic.sites.is_within("post-babaoshan-01", "station-babaoshan")
    assert not civic.sites.is_within("post-babaoshan-01", "station-laoshan")
    assert len(civic.sites.subtree("center")) == 187


def test_the_catalogue_comes_from_the_bundled_reference_data(civic):
    assert civic.categories["haircut"].home_service is True
    assert len(civic.categories) == 12
