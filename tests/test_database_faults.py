"""A database connection kept between requests (CONN_MAX_AGE > 0, the README's production setting) that the
server dropped in the meantime costs the next request a new connection, not an error: the settings turn on
Django's health check, which runs where each request starts (close_old_connections, on request_started)."""

import psycopg2
import pytest
from django.conf import settings
from django.db import close_old_connections, connection
from django.db.utils import OperationalError


def test_the_settings_check_a_kept_connection_before_reusing_it():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def _dropped_by_the_server(pid):
    params = connection.get_connection_params()
    with psycopg2.connect(**params) as other, other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone() == (True,)


@pytest.mark.django_db(transaction=True)
@pytest.mark.needs_database_server
@pytest.mark.parametrize("health_checks", [True, False])
def test_a_kept_connection_dropped_between_two_requests(monkeypatch, health_checks):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    if not health_checks:  # otherwise the settings' own value
        monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", False)
    connection.close()
    try:
        close_old_connections()  # a request starts
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        close_old_connections()  # it ends and keeps its connection
        assert connection.connection is not None

        _dropped_by_the_server(pid)

        close_old_connections()  # the next request starts
        if health_checks:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                assert cursor.fetchone()[0] != pid
        else:  # what the setting prevents: the request fails on its first query
            with pytest.raises(OperationalError), connection.cursor() as cursor:
                cursor.execute("SELECT 1")
    finally:
        connection.close()
