"""Shared fixtures. Fixture modules live in tests/fixtures/ and are loaded as plugins."""

pytest_plugins = [
    "tests.fixtures.home",
    "tests.fixtures.mailstack",
    "tests.fixtures.sandbox",
    "tests.fixtures.postgres",
    "tests.fixtures.dns",
    "tests.fixtures.oidc",
    "tests.fixtures.cyrus",
    "tests.fixtures.webhooks",
]
