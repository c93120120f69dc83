"""Settings: defaults, validation, and the refusal to listen beyond loopback without a password."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from webapp.config import PROJECT_ROOT, ConfigError, is_loopback_host, load_settings


def test_defaults_follow_the_architecture() -> None:
    settings = load_settings({"SANDBOX_PORT": "4566", "FLASK_RUN_PORT": "5000"})
    assert settings.backend == "sandbox"
    assert settings.host == "127.0.0.1" and settings.port == 5000
    assert settings.endpoint_url == "http://127.0.0.1:4566"
    assert settings.region == "ap-northeast-2"


def test_aws_backend_uses_awss_endpoints_unless_one_is_given() -> None:
    assert load_settings({"CONSOLE_BACKEND": "aws"}).endpoint_url is None
    custom = load_settings({"CONSOLE_BACKEND": "aws", "AWS_ENDPOINT_URL": "http://127.0.0.1:4510"})
    assert custom.endpoint_url == "http://127.0.0.1:4510"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.53", "localhost", "::1", "[::1]"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback_host(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.com"])
def test_other_hosts_are_not_loopback(host: str) -> None:
    assert not is_loopback_host(host)


def test_non_loopback_host_is_refused_without_a_password() -> None:
    with pytest.raises(ConfigError, match="CONSOLE_PASSWORD"):
        load_settings({"FLASK_RUN_HOST": "0.0.0.0"})
    assert load_settings({"FLASK_RUN_HOST": "0.0.0.0", "CONSOLE_PASSWORD": "s3cret"}).host == "0.0.0.0"


def test_bad_values_say_which_variable() -> None:
    with pytest.raises(ConfigError, match="CONSOLE_BACKEND"):
        load_settings({"CONSOLE_BACKEND": "azure"})
    with pytest.raises(ConfigError, match="SANDBOX_PORT"):
        load_settings({"SANDBOX_PORT": "http"})
    with pytest.raises(ConfigError, match="FLASK_RUN_PORT"):
        load_settings({"FLASK_RUN_PORT": "70000"})


def test_the_console_refuses_to_start_on_a_public_address() -> None:
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("CONSOLE_PASSWORD",)}
    environment.update(FLASK_RUN_HOST="0.0.0.0", CONSOLE_BACKEND="aws")
    result = subprocess.run([sys.executable, "-m", "webapp"], cwd=PROJECT_ROOT, env=environment,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "refusing to listen on 0.0.0.0" in lines[0] and "CONSOLE_PASSWORD" in lines[0]
