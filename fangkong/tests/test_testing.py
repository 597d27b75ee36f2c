"""The test suite's own settings: property tests are reproducible on every clone and in CI."""


def test_property_tests_run_derandomised_without_an_example_database():
    """The suite loads the "ci" hypothesis profile: the same examples on every run, none remembered from a
    previous run on this machine, and no deadline that a busy CI machine would miss."""
    from hypothesis import settings

    assert settings.default.derandomize is True
    assert settings.default.database is None
    assert settings.default.deadline is None
